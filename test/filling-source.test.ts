// A buffer filled while it is decoded (FillingBytes, format/decoder.ts; what openArchiveFile reads a file
// into): whatever the pieces the bytes arrive in, the outcome must be exactly a plain decode's of the same
// bytes, damaged or cut ones included, and the input is let go when decoding stops early.
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { FillingBytes } from '../format/index.js'
import { decodeArchive } from '../reader/archive.js'

const fixture = new Uint8Array(readFileSync(new URL('../spec/fixtures/small.pssnap', import.meta.url)))

/** `bytes` arriving in the given piece sizes (cycled), one piece per `more()`; counts close() calls. */
function filling(bytes: Uint8Array, sizes: readonly number[]): FillingBytes & { closes: number; asked: number } {
  const buffer = new Uint8Array(bytes.length)
  let piece = 0
  const input = {
    bytes: buffer,
    filled: 0,
    closes: 0,
    asked: 0,
    async more(): Promise<boolean> {
      input.asked++
      if (input.filled >= bytes.length) return false
      await Promise.resolve()
      const next = Math.min(bytes.length, input.filled + sizes[piece++ % sizes.length]!)
      buffer.set(bytes.subarray(input.filled, next), input.filled)
      input.filled = next
      return true
    },
    close() {
      input.closes++
    },
  }
  return input
}

type Outcome = { fatal: string } | { diagnostics: string[]; counts: number[]; frames: string[]; byteLength: number }

async function outcome(input: Parameters<typeof decodeArchive>[0]): Promise<Outcome> {
  try {
    const a = await decodeArchive(input)
    return {
      diagnostics: a.diagnostics.map((d) => `${d.code} ${d.offset ?? ''} ${d.message}`),
      counts: a.sectionNames.map((n) => a.section(n)!.length),
      frames: a.frames.map((f) => `${f.offset} ${f.kind} ${f.ok}`),
      byteLength: a.byteLength,
    }
  } catch (e) {
    return { fatal: `${(e as { code?: string }).code} ${(e as Error).message}` }
  }
}

describe('decoding a buffer while it fills', () => {
  it('reads an intact archive as a plain decode does, with views into the buffer', async () => {
    const input = filling(fixture, [1000])
    const archive = await decodeArchive(input)
    expect(await outcome(filling(fixture, [1000]))).toEqual(await outcome(fixture))
    expect(archive.ok).toBe(true)
    // The decoder went on before the whole buffer was in place (it asked for bytes piece by piece).
    expect(input.asked).toBeGreaterThan(fixture.length / 1000)
  })

  it('gives a plain decode outcome for any damage, cut and piece sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.option(fc.uint8Array({ minLength: 1, maxLength: 40 }), { nil: undefined }),
        async (sizes, flips, cut, trailing) => {
          let bytes = fixture.slice()
          for (const [at, mask] of flips) bytes[at % bytes.length]! ^= mask
          if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1))
          if (trailing) bytes = Uint8Array.from([...bytes, ...trailing])
          expect(await outcome(filling(bytes, sizes))).toEqual(await outcome(bytes))
        },
      ),
      { seed: 1810, numRuns: 150 },
    )
  })

  it('a buffer larger than what arrived (a file that shrank) ends where the bytes stop', async () => {
    const cut = fixture.length - 700
    // The buffer already holds the whole archive, so reading past `filled` would decode it intact.
    const input = { bytes: fixture.slice(), filled: 0, more: async () => (input.filled < cut ? ((input.filled = Math.min(cut, input.filled + 4096)), true) : false) }
    expect(await outcome(input)).toEqual(await outcome(fixture.subarray(0, cut)))
  })

  it('lets go of the input when decoding stops before its end', async () => {
    const notArchive = new Uint8Array(100_000).fill(0x41)
    const input = filling(notArchive, [64])
    expect(await outcome(input)).toMatchObject({ fatal: expect.stringMatching(/^NOT_PSSNAP/) })
    expect(input.closes).toBe(1)
    expect(input.filled).toBeLessThan(notArchive.length)
    const whole = filling(fixture, [777])
    await decodeArchive(whole)
    expect(whole.closes).toBe(0)
  })

  it('a failed read is the decode error', async () => {
    const input = filling(fixture, [500])
    let calls = 0
    const failing: FillingBytes = {
      bytes: input.bytes,
      get filled() { return input.filled },
      more: () => (++calls > 3 ? Promise.reject(new Error('EIO: i/o error, read')) : input.more()),
    }
    await expect(decodeArchive(failing)).rejects.toThrow('EIO')
  })
})
