// The statistics of the leak verdict: Mann–Kendall's exact tails (ties included) against brute-force
// enumeration of every arrangement, its normal approximation against the exact one, Theil–Sen on known
// lines, the shapes assessSeries tells apart, and the figures for people (reader/trend-format.ts).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatDuration, formatP, formatRate, rateUnitFor, roundForPeople } from '../reader/trend-format.js'
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
