// CRC-32 (format/crc32.ts, spec §2.2): IEEE 802.3 reflected, zlib's crc32; continuation and unaligned
// input must give the same value as one call over aligned bytes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as zlib from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crc32 } from '../format/index.js'
import { crc32Combine } from '../format/crc32.js'
import { decodeArchive } from '../reader/archive.js'
import { openArchiveFile } from '../reader/node.js'
import { generateSnapshot, snapshotBytes } from './synthetic/generate.js'

const ascii = (s: string) => new TextEncoder().encode(s)
const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32

describe('crc32', () => {
  it('has the check value 0xCBF43926 and known values', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array(0))).toBe(0)
    expect(crc32(ascii('a'))).toBe(0xe8b7be43)
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339)
    expect(crc32(new Uint8Array(32))).toBe(0x190a55ad)
  })

  it('continues from a previous value', () => {
    const data = ascii('The quick brown fox jumps over the lazy dog')
    for (let cut = 0; cut <= data.length; cut++) expect(crc32(data.subarray(cut), crc32(data.subarray(0, cut)))).toBe(0x414fa339)
  })

  it('gives the same value at every alignment and length around the 8-byte steps', () => {
    const buffer = new Uint8Array(80)
    for (let i = 0; i < buffer.length; i++) buffer[i] = (i * 131 + 7) & 0xff
    for (let offset = 0; offset < 8; offset++) {
      for (let length = 0; length <= 40; length++) {
        const view = buffer.subarray(offset, offset + length)
        const copy = view.slice()
        expect(crc32(view), `offset ${offset} length ${length}`).toBe(crc32(copy))
      }
    }
  })

  it.skipIf(!zlibCrc32)('equals zlib.crc32 on random input, split anywhere', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (data, split, pad) => {
        const padded = new Uint8Array(data.length + pad)
        padded.set(data, pad)
        const view = padded.subarray(pad)
        const cut = data.length === 0 ? 0 : split % data.length
        expect(crc32(view)).toBe(zlibCrc32!(data))
        expect(crc32(view.subarray(cut), crc32(view.subarray(0, cut)))).toBe(zlibCrc32!(data))
        expect(crc32(data, 0x12345678)).toBe(zlibCrc32!(data, 0x12345678))
      }),
      { seed: 32, numRuns: 500 },
    )
  })
})

describe('crc32Combine', () => {
  it('gives the CRC of A followed by B from the CRCs of A and B', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), fc.nat(), (data, split, seed) => {
        const cut = data.length === 0 ? 0 : split % (data.length + 1)
        const [a, b] = [data.subarray(0, cut), data.subarray(cut)]
        expect(crc32Combine(crc32(a, seed), crc32(b), b.length)).toBe(crc32(data, seed))
      }),
      { seed: 33, numRuns: 300 },
    )
    // Lengths past 2^32 bits of shift and past the table of powers.
    const big = new Uint8Array(5 << 20).map((_, i) => (i * 2654435761) >>> 24)
    expect(crc32Combine(crc32(big.subarray(0, 7)), crc32(big.subarray(7)), big.length - 7)).toBe(crc32(big))
  })
})

// openArchiveFile checks and decodes each frame while the rest of the file is still being read (reader/node.ts
// FileFilling); the decoder's checks must see exactly what a plain decode sees.
describe('checksums computed while a file is read', () => {
  let dir: string
  let bytes: Uint8Array
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pssnap-crc-'))
    // ~8 MB: frames span the 4 MiB reads.
    bytes = await snapshotBytes(generateSnapshot({ seed: 3, handles: 30_000, regions: 30_000, threads: 5_000, contextRatio: 1 }))
    expect(bytes.length).toBeGreaterThan(2 * (4 << 20))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  const summary = (a: Awaited<ReturnType<typeof decodeArchive>>) => ({
    ok: a.ok,
    diagnostics: a.diagnostics.map((d) => `${d.code} ${d.message}`),
    counts: [a.handles.length, a.threads.length, a.vaSpace.length],
  })

  it('opens an intact file as a plain decode does, checksumming every byte once', async () => {
    const file = join(dir, 'intact.pssnap')
    await writeFile(file, bytes)
    let checksummed = 0
    const counting = (data: Uint8Array, previous?: number) => {
      checksummed += data.length
      return crc32(data, previous)
    }
    const opened = await openArchiveFile(file, { strict: true, hooks: { crc32: counting } })
    expect(summary(opened)).toEqual(summary(await decodeArchive(bytes)))
    expect(opened.ok).toBe(true)
    // Every byte once as it is read, plus per frame its 12 header bytes and at most the two partial 32 KiB
    // blocks at its ends (reader/node.ts), and the trailer's list of CRCs: never a second pass.
    expect(checksummed).toBeGreaterThan(bytes.length * 0.99)
    expect(checksummed).toBeLessThan(bytes.length + opened.frames.length * (2 * (32 << 10) + 12) + 4 * opened.frames.length)
  })

  it('reports a damaged frame past the first read exactly as a plain decode does', async () => {
    const damaged = bytes.slice()
    const at = damaged.length - 1_000_000
    damaged[at] = damaged[at]! ^ 0x40
    const file = join(dir, 'damaged.pssnap')
    await writeFile(file, damaged)
    const opened = await openArchiveFile(file)
    expect(opened.diagnostics.map((d) => d.code)).toContain('CHECKSUM')
    expect(summary(opened)).toEqual(summary(await decodeArchive(damaged)))
  })

  it('a truncated file, and one whose frame length points past the end', async () => {
    for (const [name, data] of [
      ['truncated', bytes.subarray(0, bytes.length - 3_000_000)],
      ['long-length', (() => {
        const b = bytes.slice()
        // The first frame's storedLength (header bytes 8–11 after the 16-byte preamble) made huge.
        new DataView(b.buffer).setUint32(16 + 8, 0x7fffffff, true)
        return b
      })()],
    ] as const) {
      const file = join(dir, `${name}.pssnap`)
      await writeFile(file, data)
      const plain = await decodeArchive(data).then(summary, (e: Error) => e.message)
      const opened = await openArchiveFile(file).then(summary, (e: Error) => e.message)
      expect(opened, name).toEqual(plain)
    }
  })
})

// Files of 24 MiB and more are read by two threads (a helper claims slices too); the outcome must not change.
describe('a large file read by two threads', () => {
  let dir: string
  let bytes: Uint8Array
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pssnap-crc-large-'))
    bytes = await snapshotBytes(generateSnapshot({ seed: 4, handles: 20_000, regions: 20_000, threads: 22_000, contextRatio: 1 }))
    expect(bytes.length).toBeGreaterThan(24 << 20)
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  const summary = (a: Awaited<ReturnType<typeof decodeArchive>>) => ({
    ok: a.ok,
    diagnostics: a.diagnostics.map((d) => `${d.code} ${d.message}`),
    counts: [a.handles.length, a.threads.length, a.vaSpace.length],
    frames: a.frames.map((f) => `${f.offset} ${f.ok}`),
  })

  it.each([
    ['intact', (b: Uint8Array) => b],
    ['a damaged byte in each quarter', (b: Uint8Array) => {
      const d = b.slice()
      for (const q of [0.3, 0.55, 0.8, 0.99]) d[Math.floor(d.length * q)]! ^= 0x10
      return d
    }],
    ['truncated', (b: Uint8Array) => b.subarray(0, b.length - 5_000_000)],
    ['trailing bytes', (b: Uint8Array) => {
      const t = new Uint8Array(b.length + 3).fill(7)
      t.set(b)
      return t
    }],
  ] as const)('%s: as a plain decode of the same bytes', async (name, make) => {
    const data = make(bytes) as Uint8Array
    const file = join(dir, `${name}.pssnap`)
    await writeFile(file, data)
    const opened = await openArchiveFile(file).then(summary, (e: Error) => e.message)
    expect(opened).toEqual(await decodeArchive(data).then(summary, (e: Error) => e.message))
    if (name === 'intact') expect(opened).toMatchObject({ ok: true })
  })

  it('the helper reads slices too (a slow main thread leaves it most of them)', async () => {
    const file = join(dir, 'helped.pssnap')
    await writeFile(file, bytes)
    let checksummedHere = 0
    const slow = (data: Uint8Array, previous?: number) => {
      checksummedHere += data.length
      const until = performance.now() + 0.2
      while (performance.now() < until);
      return crc32(data, previous)
    }
    const opened = await openArchiveFile(file, { strict: true, hooks: { crc32: slow } })
    expect(summary(opened)).toEqual(summary(await decodeArchive(bytes)))
    expect(checksummedHere).toBeLessThan(bytes.length * 0.9)
  })
})
