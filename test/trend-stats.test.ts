// The statistics of the leak verdict: Mann–Kendall's exact tails (ties included) against brute-force
// enumeration of every arrangement, its normal approximation against the exact one, Theil–Sen on known
// lines, the shapes assessSeries tells apart, and the figures for people (reader/trend-format.ts).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatDuration, formatP, formatRate, rateUnitFor, roundForPeople } from '../reader/trend-format.js'
import { compareProducts, selectSlopes } from '../reader/slope-select.js'
import { assessSeries, mannKendall, normalQuantile, theilSen, upperNormalTail } from '../reader/trend-stats.js'

const times = (n: number, stepMs = 1000) => Array.from({ length: n }, (_, i) => i * stepMs)

/** P(S' ≥ S) by enumerating every permutation of the values over the times (n ≤ 7). */
function bruteForceUpperTail(values: readonly number[]): number {
  const s = mannKendall(times(values.length), values).s
  let hits = 0
  let total = 0
  const perm = (rest: number[], acc: number[]) => {
    if (!rest.length) {
      total++
      if (mannKendall(times(acc.length), acc).s >= s) hits++
      return
    }
    for (let i = 0; i < rest.length; i++) perm([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, rest[i]!])
  }
  perm([...values], [])
  return hits / total
}

describe('mannKendall', () => {
  it('gives 1/n! for a strictly increasing series and counts its pairs', () => {
    const mk = mannKendall(times(5), [1, 2, 3, 4, 5])
    expect(mk).toMatchObject({ s: 10, increasingPairs: 10, decreasingPairs: 0, tiedPairs: 0, method: 'exact' })
    expect(mk.pIncrease).toBeCloseTo(1 / 120, 12)
    expect(mk.pDecrease).toBeCloseTo(1, 12)
    expect(mk.variance).toBeCloseTo((5 * 4 * 15) / 18, 12)
  })

  it('exact tails with ties equal brute-force enumeration (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 2, maxLength: 7 }), (values) => {
        expect(mannKendall(times(values.length), values).pIncrease).toBeCloseTo(bruteForceUpperTail(values), 10)
      }),
      { numRuns: 80 },
    )
  })

  it('the normal approximation (long series, or times tied) is close to the exact tail', () => {
    const values = Array.from({ length: 40 }, (_, i) => (i * 7919) % 23)
    const exact = mannKendall(times(40), values)
    expect(exact.method).toBe('exact')
    const tiedTimes = [...times(39), 38_000]
    const normal = mannKendall(tiedTimes, values)
    expect(normal.method).toBe('normal')
    expect(Math.abs(normal.pIncrease - exact.pIncrease)).toBeLessThan(0.03)
    expect(mannKendall(times(41), [...values, 5]).method).toBe('normal')
  })

  it('a tied-value series has the tie-corrected variance', () => {
    // Kendall's formula with one group of 3 tied values among 6: (6·5·17 − 3·2·11)/18.
    expect(mannKendall(times(6), [1, 2, 2, 2, 3, 4]).variance).toBeCloseTo((6 * 5 * 17 - 3 * 2 * 11) / 18, 12)
  })
})

describe('normal tails', () => {
  it('are accurate where the verdict reads them', () => {
    expect(upperNormalTail(0)).toBeCloseTo(0.5, 7)
    expect(upperNormalTail(1.959964)).toBeCloseTo(0.025, 6)
    expect(upperNormalTail(3.090232)).toBeCloseTo(0.001, 6)
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 4)
  })
})

describe('theilSen', () => {
  it('recovers a line exactly and brackets it', () => {
    const t = times(10, 2000)
    const v = t.map((x) => 5 + 3 * (x / 1000))
    const ts = theilSen(t, v, mannKendall(t, v).variance)!
    expect(ts.perSecond).toBeCloseTo(3, 12)
    expect(ts.low).toBeCloseTo(3, 12)
    expect(ts.high).toBeCloseTo(3, 12)
  })

  it('ignores one outlier that would pull least squares', () => {
    const t = times(11, 1000)
    const v = t.map((x) => x / 1000)
    v[10] = 1000
    const ts = theilSen(t, v, mannKendall(t, v).variance)!
    expect(ts.perSecond).toBeCloseTo(1, 9)
    expect(ts.low).toBeLessThanOrEqual(1)
    expect(ts.high).toBeGreaterThanOrEqual(1)
  })
})

describe('assessSeries', () => {
  const t = times(12, 10_000)
  it('growth, step, plateau, decline, flat, no trend, insufficient', () => {
    expect(assessSeries(t, t.map((_, i) => 100 + 5 * i)).pattern).toBe('growth')
    expect(assessSeries(t, t.map((_, i) => (i < 4 ? 100 : 200))).pattern).toBe('step')
    expect(assessSeries(times(18, 10_000), times(18).map((_, i) => 100 + 5 * Math.min(i, 9))).pattern).toBe('plateau')
    expect(assessSeries(t, t.map((_, i) => 200 - 5 * i)).pattern).toBe('decline')
    expect(assessSeries(t, t.map(() => 100)).pattern).toBe('flat')
    expect(assessSeries(t, t.map((_, i) => 100 + (i % 2))).pattern).toBe('no-trend')
    expect(assessSeries(times(2), [1, 2]).pattern).toBe('insufficient')
  })

  it('a significant rise below the minimum effect is flat, and says so', () => {
    const a = assessSeries(t, t.map((_, i) => 1000 + i), { minimumEffect: 100 })
    expect(a).toMatchObject({ pattern: 'no-trend', belowMinimumEffect: true })
  })

  it('names the largest step and its share of the rise', () => {
    const a = assessSeries(times(4), [11.1, 20.2, 20.2, 20.2])
    expect(a.pattern).toBe('step')
    expect(a.largestStep).toMatchObject({ from: 0, to: 1, share: 1 })
    expect(a.mannKendall!.pIncrease).toBeCloseTo(0.25, 12) // 4 points cannot show a trend
  })
})

describe('figures for people', () => {
  it('rounds to three significant digits with separators, and picks the rate unit from the span', () => {
    expect(roundForPeople(9475.61)).toBe('9,480')
    expect(roundForPeople(90219.1)).toBe('90,200')
    expect(roundForPeople(0.04213)).toBe('0.0421')
    expect(roundForPeople(-50)).toBe('−50')
    expect(rateUnitFor(3).name).toBe('second')
    expect(rateUnitFor(180).name).toBe('minute')
    expect(rateUnitFor(7_200).name).toBe('hour')
    expect(rateUnitFor(3 * 86_400).name).toBe('day')
    expect(formatRate('bytes', 3 * 1048576, rateUnitFor(180))).toBe('+180 MiB per minute')
    expect(formatRate('count', -0.5, rateUnitFor(35))).toBe('−0.5 per second')
    expect(formatDuration(3)).toBe('3.0 s')
    expect(formatDuration(180)).toBe('3 min')
    expect(formatP(0.00001)).toBe('p < 0.0001')
    expect(formatP(0.01234)).toBe('p = 0.012')
  })
})

// The O(n log n) statistics against their O(n²) definitions, kept here as the oracle: every pair visited.
function pairsOracle(t: readonly number[], v: readonly number[]) {
  let up = 0
  let down = 0
  let tied = 0
  for (let i = 0; i < v.length; i++) {
    for (let j = i + 1; j < v.length; j++) {
      const dt = t[j]! - t[i]!
      const dv = v[j]! - v[i]!
      if (dt === 0 || dv === 0) tied++
      else if (dt > 0 === dv > 0) up++
      else down++
    }
  }
  return { up, down, tied }
}

/** Every pairwise slope at different times, per second (per ms first, as theilSen computes it), sorted. */
function slopesOracle(t: readonly number[], v: readonly number[]): number[] {
  const out: number[] = []
  for (let i = 0; i < v.length; i++) {
    for (let j = i + 1; j < v.length; j++) {
      const [a, b] = t[i]! < t[j]! ? [i, j] : [j, i] // from the earlier point to the later
      if (t[j] !== t[i]) out.push(((v[b]! - v[a]!) / (t[b]! - t[a]!)) * 1000)
    }
  }
  return out.sort((a, b) => a - b)
}

function theilSenOracle(t: readonly number[], v: readonly number[], variance: number) {
  const s = slopesOracle(t, v)
  const n = s.length
  if (!n) return null
  const median = n % 2 ? s[(n - 1) >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2
  const c = normalQuantile(0.975) * Math.sqrt(variance)
  const lowRank = Math.max(1, Math.floor((n - c) / 2))
  const highRank = Math.min(n, Math.ceil((n + c) / 2) + 1)
  return { perSecond: median, low: Math.min(median, s[lowRank - 1]!), high: Math.max(median, s[highRank - 1]!), confidence: 0.95 }
}

/**
 * Series with ties everywhere: times from a few values (equal x) or distinct steps, values from a narrow range
 * (duplicates), a line (every slope equal, written as different fractions), or large magnitudes (epoch
 * milliseconds and terabytes, where cross-multiplied products pass 2^53).
 */
const series = fc
  .record({
    n: fc.integer({ min: 0, max: 90 }),
    timeKind: fc.constantFrom('few', 'distinct', 'epoch'),
    valueKind: fc.constantFrom('narrow', 'line', 'wide', 'bytes'),
    seed: fc.integer({ min: 0, max: 2 ** 30 }),
  })
  .map(({ n, timeKind, valueKind, seed }) => {
    let s = seed
    const rnd = (k: number) => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0
      return Math.floor((s / 2 ** 32) * k)
    }
    const base = timeKind === 'epoch' ? 1_764_700_000_000 : 0
    const t = Array.from({ length: n }, (_, i) => base + (timeKind === 'few' ? rnd(6) * 1000 : i * 1000 + rnd(999)))
    const v = t.map((x) =>
      valueKind === 'narrow' ? rnd(4) : valueKind === 'line' ? 7 + 3 * (x - base) : valueKind === 'wide' ? rnd(2 ** 31) - 2 ** 30 : 2 ** 40 + rnd(2 ** 30) * 1024,
    )
    return { t, v }
  })

describe('O(n log n) statistics equal their O(n²) definitions (property)', () => {
  it('Kendall pair counts, S and its variance', () => {
    fc.assert(
      fc.property(series, ({ t, v }) => {
        const mk = mannKendall(t, v)
        const o = pairsOracle(t, v)
        expect([mk.increasingPairs, mk.decreasingPairs, mk.tiedPairs]).toEqual([o.up, o.down, o.tied])
        expect(mk.s).toBe(o.up - o.down)
      }),
      { numRuns: 300 },
    )
  })

  it('Theil–Sen median and confidence bounds', () => {
    fc.assert(
      fc.property(series, ({ t, v }) => {
        const variance = mannKendall(t, v).variance
        expect(theilSen(t, v, variance)).toEqual(theilSenOracle(t, v, variance))
      }),
      { numRuns: 300 },
    )
  })

  it('every rank of the slopes, including past the listing threshold (sampled bounds)', () => {
    fc.assert(
      fc.property(series, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }), ({ t, v }, at) => {
        const all = slopesOracle(t, v)
        if (!all.length) {
          expect(selectSlopes(t, v, [])).toEqual([])
          return
        }
        const ranks = at.map((x) => 1 + Math.min(all.length - 1, Math.floor(x * all.length)))
        expect(selectSlopes(t, v, ranks).map((x) => (x.p / x.q) * 1000)).toEqual(ranks.map((k) => all[k - 1]))
      }),
      { numRuns: 200 },
    )
  })

  it('a long series (n = 600, 179,700 pairs): noisy, tied and collinear', () => {
    const n = 600
    const t = Array.from({ length: n }, (_, i) => i * 1000 + ((i * 7919) % 3) * 1000)
    for (const v of [t.map((x, i) => x / 100 + ((i * 104729) % 97)), t.map((_, i) => i % 5), t.map((x) => 2 * x + 1)]) {
      const all = slopesOracle(t, v)
      const ranks = [1, 2, all.length >> 2, all.length >> 1, all.length - 1, all.length]
      expect(selectSlopes(t, v, ranks).map((x) => (x.p / x.q) * 1000)).toEqual(ranks.map((k) => all[k - 1]))
      const o = pairsOracle(t, v)
      expect(mannKendall(t, v)).toMatchObject({ increasingPairs: o.up, decreasingPairs: o.down, tiedPairs: o.tied })
    }
  })

  it('130,000 points: no step visits the 8.4e9 pairs or spreads the points into arguments', () => {
    // A line of slope 3 per second with every 1000th point lifted by 1: 130 points off the line, so every
    // statistic is known without the pairs. Math.max(...xs) past ~120k arguments throws a RangeError.
    const n = 130_000
    const t = Array.from({ length: n }, (_, i) => 1_764_700_000_000 + i * 1000)
    const v = t.map((_, i) => 3 * i + (i % 1000 === 0 ? 1 : 0))
    const a = assessSeries(t, v)
    expect(a).toMatchObject({ pattern: 'growth', n, spanSeconds: n - 1 })
    expect(a.mannKendall).toMatchObject({ s: (n * (n - 1)) / 2, increasingPairs: (n * (n - 1)) / 2, decreasingPairs: 0, tiedPairs: 0 })
    expect(a.theilSen!.perSecond).toBe(3)
  }, 60_000)

  it('hostile magnitudes (2^64-byte values, times across millennia): an answer among the slopes, never an error', () => {
    // Past 2^53 differences round, so the orders may disagree with the counts: the result is approximate then,
    // but it is one of the slopes' values (within rounding) and in order.
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -1e15, max: 1e15, noNaN: true }), fc.double({ min: -1.8e19, max: 1.8e19, noNaN: true })), { minLength: 3, maxLength: 120 }), (points) => {
        const t = points.map((p) => p[0])
        const v = points.map((p) => p[1])
        const all = slopesOracle(t, v)
        if (!all.length) return
        const ts = theilSen(t, v, mannKendall(t, v).variance)!
        for (const x of [ts.perSecond, ts.low, ts.high]) expect(Number.isNaN(x)).toBe(false)
        expect(ts.low).toBeLessThanOrEqual(ts.perSecond)
        expect(ts.perSecond).toBeLessThanOrEqual(ts.high)
        const slack = (x: number) => Math.abs(x) * 1e-6 + 1e-300
        expect(ts.low).toBeGreaterThanOrEqual(all[0]! - slack(all[0]!))
        expect(ts.high).toBeLessThanOrEqual(all[all.length - 1]! + slack(all[all.length - 1]!))
      }),
      { numRuns: 200 },
    )
  })

  it('products compare exactly past 2^53', () => {
    // (2^27+1)² = 2^54 + 2^28 + 1 rounds to 2^54 + 2^28 = (2^27+2)·2^27: equal as doubles, not as numbers.
    const a = 2 ** 27 + 1
    expect(a * a).toBe((2 ** 27 + 2) * 2 ** 27)
    expect(compareProducts(a, a, 2 ** 27 + 2, 2 ** 27)).toBe(1)
    expect(compareProducts(2 ** 27 + 2, 2 ** 27, a, a)).toBe(-1)
    expect(compareProducts(3, 5, 5, 3)).toBe(0)
  })
})
