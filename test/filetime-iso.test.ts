// filetimeToIso builds ISO-8601 text without a Date (reader/json.ts: a million rows of times took 0.65 s
// through Date#toISOString). Held here against the oracle it replaces, Date#toISOString, over seeded random
// u64 tick counts (every year 1601–60056), the edges of days, years, leap years and the u64 range.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { filetimeToIso, isoLength } from '../reader/json.js'
import { formatDuration } from '../reader/text.js'

const EPOCH = 116444736000000000n

/** What Date says: the millisecond the FILETIME falls in, rounded down. */
function oracle(ticks: bigint): string | null {
  if (ticks === 0n) return null
  const since = ticks - EPOCH
  let ms = since / 10000n
  if (since < 0n && ms * 10000n !== since) ms -= 1n
  const d = new Date(Number(ms))
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

const ticksOf = (iso: string) => BigInt(Date.parse(iso)) * 10000n + EPOCH

describe('filetimeToIso agrees with Date#toISOString', () => {
  it('on edges: 1601, 1970, leap days, centuries, 9999/10000, the largest u64', () => {
    const edges = [1n, 9999n, 10000n, EPOCH - 1n, EPOCH, EPOCH + 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n, (1n << 64n) - 10000n]
    for (const iso of ['1601-12-31T23:59:59.999Z', '1700-02-28T12:00:00.000Z', '1700-03-01T00:00:00.000Z', '1900-03-01T00:00:00.000Z', '2000-02-29T23:59:59.999Z', '2000-03-01T00:00:00.000Z', '2024-02-29T00:00:00.001Z', '2026-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z', '+010000-01-01T00:00:00.000Z', '+010400-02-29T00:00:00.000Z']) {
      const t = ticksOf(iso)
      edges.push(t - 1n, t, t + 1n, t + 9999n)
    }
    for (const t of edges) expect(filetimeToIso(t), String(t)).toBe(oracle(t))
  })
  it('on random u64 tick counts (fast-check, seeded)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), (t) => filetimeToIso(t) === oracle(t) && isoLength(t) === (oracle(t) ?? '').length),
      { seed: 20261202, numRuns: 20000 },
    )
  })
  it('on random tick counts near today', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 120000000000000000n, max: 140000000000000000n }), (t) => filetimeToIso(t) === oracle(t)),
      { seed: 1202, numRuns: 20000 },
    )
  })
  it('isoLength is the length of the text at the edges too', () => {
    for (const t of [0n, 1n, ticksOf('9999-12-31T23:59:59.999Z'), ticksOf('+010000-01-01T00:00:00.000Z') - 1n, ticksOf('+010000-01-01T00:00:00.000Z'), (1n << 64n) - 1n]) expect(isoLength(t), String(t)).toBe((oracle(t) ?? '').length)
  })
})

// formatDuration computes small durations in Number arithmetic; held to the BigInt rule it shortcuts.
describe('formatDuration agrees with its BigInt arithmetic', () => {
  const exact = (ticks: bigint) => {
    const neg = ticks < 0n
    const ms = ((neg ? -ticks : ticks) + 5000n) / 10000n
    return `${neg ? '-' : ''}${ms / 1000n}.${String(ms % 1000n).padStart(3, '0')}`
  }
  it('on random tick counts around 2^40 and below, either sign, as bigint and number', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 41n), max: 1n << 41n }), (t) => formatDuration(t) === exact(t) && formatDuration(Number(t)) === exact(t)),
      { seed: 40, numRuns: 20000 },
    )
    for (const t of [0n, 4999n, 5000n, 9999n, 14999n, 15000n, (1n << 40n) - 1n, 1n << 40n, (1n << 40n) + 5000n, -5000n, (1n << 64n) - 1n]) expect(formatDuration(t), String(t)).toBe(exact(t))
  })
})
