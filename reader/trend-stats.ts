// The statistics behind a leak verdict (spec/JSON.md "How the verdict is reached"): the Mann–Kendall trend
// test (ties corrected; exact for short series, normal approximation beyond), the Theil–Sen slope with its
// confidence interval, and the shape of a series (flat, steady growth, one step, growth then a plateau,
// decline). Rank statistics because a leak is "keeps going up", whatever the noise's distribution, and one
// large jump must not look like steady growth. Platform-free; plain numbers in, plain numbers out. Every step
// is O(n log n) in the points (a trend may span thousands of snapshots): no pass over all pairs.
import { countInversions } from './inversions.js'
import { selectSlopes } from './slope-select.js'

/** Series of at most this many points (with no two at the same time) get the exact distribution of S. */
export const EXACT_MAX_POINTS = 40

export interface MannKendall {
  readonly n: number
  /** Σ sign(v_j − v_i) over pairs with t_i < t_j. */
  readonly s: number
  /** Var(S) under "no trend", corrected for ties in values and in times. */
  readonly variance: number
  readonly increasingPairs: number
  readonly decreasingPairs: number
  /** Pairs with equal values or equal times. */
  readonly tiedPairs: number
  /** One-sided p-value of "no trend" against "increasing": P(S' ≥ S). */
  readonly pIncrease: number
  /** One-sided p-value against "decreasing": P(S' ≤ S). */
  readonly pDecrease: number
  readonly method: 'exact' | 'normal'
}

/** Mann–Kendall over points (times[i], values[i]); callers pass finite numbers only. O(n log n). */
export function mannKendall(times: readonly number[], values: readonly number[]): MannKendall {
  const n = values.length
  const { up, down, tied } = kendallPairs(times, values)
  const s = up - down
  const timeTies = runSizes(times)
  const variance = varianceOfS(n, runSizes(values), timeTies)
  const exact = n <= EXACT_MAX_POINTS && timeTies.every((t) => t === 1)
  if (exact && n >= 2) {
    const { atMost, atLeast } = exactTails(groupSizes(values), s)
    return { n, s, variance, increasingPairs: up, decreasingPairs: down, tiedPairs: tied, pIncrease: atLeast, pDecrease: atMost, method: 'exact' }
  }
  const sd = Math.sqrt(variance)
  // Continuity correction: S moves in steps of 2, so half a step is 1.
  const pIncrease = sd === 0 ? (s > 0 ? 0 : 1) : upperNormalTail((s - 1) / sd)
  const pDecrease = sd === 0 ? (s < 0 ? 0 : 1) : upperNormalTail((-s - 1) / sd)
  return { n, s, variance, increasingPairs: up, decreasingPairs: down, tiedPairs: tied, pIncrease: Math.min(1, pIncrease), pDecrease: Math.min(1, pDecrease), method: 'normal' }
}

/**
 * Concordant (up), discordant (down) and tied pairs in O(n log n) (Knight 1966): sorted by time then value,
 * the discordant pairs are the strict inversions of the values (a merge sort counts them), and the tied
 * ones follow from the sizes of the groups of equal times, equal values and equal (time, value).
 */
function kendallPairs(times: readonly number[], values: readonly number[]): { up: number; down: number; tied: number } {
  const n = values.length
  const idx = Array.from({ length: n }, (_, i) => i)
  idx.sort((a, b) => times[a]! - times[b]! || values[a]! - values[b]!)
  const v = Float64Array.from(idx, (i) => values[i]!)
  const pairs = (g: number) => (g < 2 ? 0 : (g * (g - 1)) / 2)
  let timeTied = 0
  let bothTied = 0
  for (let i = 0, runT = 1, runB = 1; i < n; i++) {
    const last = i === n - 1
    const sameT = !last && times[idx[i + 1]!] === times[idx[i]!]
    const sameB = sameT && v[i + 1] === v[i]
    if (sameT) runT++
    else {
      timeTied += pairs(runT)
      runT = 1
    }
    if (sameB) runB++
    else {
      bothTied += pairs(runB)
      runB = 1
    }
  }
  let valueTied = 0
  for (const g of runSizes(values)) valueTied += pairs(g)
  // Pairs i < j with v[i] > v[j] (v is sorted in place).
  const down = countInversions(v, (x, y) => x <= y)
  const tied = timeTied + valueTied - bothTied
  return { up: pairs(n) - tied - down, down, tied }
}

/** Sizes of the groups of equal values (1 for a value seen once), smallest value first (a native sort). */
function runSizes(values: readonly number[]): number[] {
  const sorted = Float64Array.from(values).sort()
  const out: number[] = []
  for (let i = 0, run = 1; i < sorted.length; i++) {
    if (i + 1 < sorted.length && sorted[i + 1] === sorted[i]) run++
    else {
      out.push(run)
      run = 1
    }
  }
  return out
}

/** Sizes of the groups of equal values, in order of first appearance (the exact tails' order of convolution). */
function groupSizes(values: readonly number[]): number[] {
  const counts = new Map<number, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return [...counts.values()]
}

/** Kendall's variance of S with ties in both rankings (Kendall 1970, eq. 4.3). */
function varianceOfS(n: number, u: readonly number[], t: readonly number[]): number {
  if (n < 2) return 0
  const sum = (g: readonly number[], f: (x: number) => number) => g.reduce((a, x) => a + f(x), 0)
  const a = (x: number) => x * (x - 1) * (2 * x + 5)
  let v = (a(n) - sum(u, a) - sum(t, a)) / 18
  if (n > 2) v += (sum(u, (x) => x * (x - 1) * (x - 2)) * sum(t, (x) => x * (x - 1) * (x - 2))) / (9 * n * (n - 1) * (n - 2))
  v += (sum(u, (x) => x * (x - 1)) * sum(t, (x) => x * (x - 1))) / (2 * n * (n - 1))
  return Math.max(0, v)
}

/**
 * Exact tails of S given the groups of tied values, times all distinct. Under "no trend" every distinct
 * arrangement of the values over the times is equally likely; S = T − 2·Q where T is the number of untied
 * pairs and Q the arrangement's inversions, whose distribution over the arrangements of a multiset is the
 * q-multinomial coefficient (a product of q-binomials, so a convolution of their normalised coefficients).
 */
function exactTails(groups: readonly number[], s: number): { atMost: number; atLeast: number } {
  let dist = [1]
  let placed = 0
  for (const size of groups) {
    placed += size
    dist = convolve(dist, normalised(qBinomial(placed, size)))
  }
  const n = placed
  const untied = (n * (n - 1)) / 2 - groups.reduce((a, x) => a + (x * (x - 1)) / 2, 0)
  // S ≥ s ⇔ Q ≤ (T − s)/2;  S ≤ s ⇔ Q ≥ (T − s)/2.
  const q = (untied - s) / 2
  let atLeast = 0
  let atMost = 0
  for (let k = 0; k < dist.length; k++) {
    if (k <= q + 1e-9) atLeast += dist[k]!
    if (k >= q - 1e-9) atMost += dist[k]!
  }
  return { atMost: Math.min(1, atMost), atLeast: Math.min(1, atLeast) }
}

/** Coefficients of the Gaussian binomial [m choose k]_q, by [m,k] = [m−1,k−1] + q^k·[m−1,k]. */
function qBinomial(m: number, k: number): number[] {
  // row[j] = [i choose j]_q for the current i, j = 0..k.
  let row: number[][] = [[1]]
  for (let i = 1; i <= m; i++) {
    const next: number[][] = []
    for (let j = 0; j <= Math.min(i, k); j++) {
      const a = j > 0 ? row[j - 1]! : undefined
      const b = j < i ? row[j] : undefined
      const out = new Array<number>(j * (i - j) + 1).fill(0)
      if (a) for (let d = 0; d < a.length; d++) out[d]! += a[d]!
      if (b) for (let d = 0; d < b.length; d++) out[d + j]! += b[d]!
      next.push(out)
    }
    row = next
  }
  return row[k]!
}

function normalised(p: number[]): number[] {
  const total = p.reduce((a, x) => a + x, 0)
  return p.map((x) => x / total)
}

function convolve(x: readonly number[], y: readonly number[]): number[] {
  const out = new Array<number>(x.length + y.length - 1).fill(0)
  for (let i = 0; i < x.length; i++) for (let j = 0; j < y.length; j++) out[i + j]! += x[i]! * y[j]!
  return out
}

/** P(Z ≥ z) for a standard normal Z, with small relative error far into the tail (erfc, Numerical Recipes' Chebyshev fit). */
export function upperNormalTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2)
}

function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return x >= 0 ? r : 2 - r
}

/** z such that P(Z ≤ z) = p, by bisection on upperNormalTail (called a few times per series only). */
export function normalQuantile(p: number): number {
  let lo = -40
  let hi = 40
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2
    if (1 - upperNormalTail(mid) < p) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

export interface TheilSen {
  /** Median of the pairwise slopes, in value units per second. */
  readonly perSecond: number
  /** Confidence interval of the slope (Sen 1968; Gilbert 1987 §16.5), per second. */
  readonly low: number
  readonly high: number
  readonly confidence: number
}

/**
 * Theil–Sen slope over pairs at different times, with its `confidence` interval from Var(S). The median and
 * the interval's ranks are exact order statistics of the n²/2 pairwise slopes, selected in O(n log n)
 * (reader/slope-select.ts) rather than listed.
 */
export function theilSen(timesMs: readonly number[], values: readonly number[], varianceOfS: number, confidence = 0.95): TheilSen | null {
  const n = values.length < 2 ? 0 : slopeTotal(timesMs)
  if (!n) return null
  const c = normalQuantile(1 - (1 - confidence) / 2) * Math.sqrt(varianceOfS)
  // 1-based ranks M1 = (N − C)/2 and M2 + 1 = (N + C)/2 + 1, clamped to the slopes there are.
  const lowRank = Math.max(1, Math.min(n, Math.floor((n - c) / 2)))
  const highRank = Math.min(n, Math.max(1, Math.ceil((n + c) / 2) + 1))
  const middle = n % 2 ? [(n + 1) / 2] : [n / 2, n / 2 + 1]
  // Per millisecond first, then per second: one value per fraction, and monotone in it.
  const perSecond = selectSlopes(timesMs, values, [...middle, lowRank, highRank]).map((x) => (x.p / x.q) * 1000)
  const median = middle.length === 1 ? perSecond[0]! : (perSecond[0]! + perSecond[1]!) / 2
  return { perSecond: median, low: Math.min(median, perSecond.at(-2)!), high: Math.max(median, perSecond.at(-1)!), confidence }
}

/** Pairs at different times. */
function slopeTotal(times: readonly number[]): number {
  let tied = 0
  for (const g of runSizes(times)) tied += (g * (g - 1)) / 2
  return (times.length * (times.length - 1)) / 2 - tied
}

export type SeriesPattern = 'insufficient' | 'flat' | 'no-trend' | 'growth' | 'step' | 'plateau' | 'decline'

/** The largest rise between two consecutive points. */
export interface Step {
  /** Positions of the two points in the series given (values present only). */
  readonly from: number
  readonly to: number
  readonly delta: number
  /** delta ÷ the sum of every rise between consecutive points (1: all the growth happened there). */
  readonly share: number
}

export interface SeriesAssessment {
  readonly pattern: SeriesPattern
  /** Points with a value. */
  readonly n: number
  /** Seconds from the first to the last of them. */
  readonly spanSeconds: number
  readonly mannKendall: MannKendall | null
  readonly theilSen: TheilSen | null
  readonly largestStep: Step | null
  /** For `no-trend` despite a significant rank trend: the growth was below the smallest that matters. */
  readonly belowMinimumEffect: boolean
}

export interface AssessOptions {
  /** One-sided significance level of the Mann–Kendall test (default 0.01). */
  readonly alpha?: number
  /** Smallest growth over the span that matters, in value units (default 0: any). */
  readonly minimumEffect?: number
}

/** A step is a rise holding at least this share of all the rises, with both sides flat around it. */
export const STEP_SHARE = 0.5
/** "Flat" beside a step: a side that moves by at most this fraction of the step (its range and its trend). */
export const STEP_SIDE_TOLERANCE = 0.25
/** A plateau: the last third's slope is confidently below this fraction of the whole series' slope. */
export const PLATEAU_SLOPE_RATIO = 0.25

/**
 * The shape of one series: `growth` (a significant increasing Mann–Kendall trend, at least the minimum
 * effect, not explained by one step, still going at the end), `step` (one rise holds most of the growth and
 * both sides are flat), `plateau` (grew, then the last third stopped), `decline`, `flat` (every value equal),
 * `no-trend` (values move, but no significant or material trend), or `insufficient` (fewer than 3 points at
 * distinct times).
 */
export function assessSeries(timesMs: readonly number[], values: readonly number[], options: AssessOptions = {}): SeriesAssessment {
  const alpha = options.alpha ?? 0.01
  const n = values.length
  const spanSeconds = n ? spread(timesMs) / 1000 : 0
  const base = { n, spanSeconds, belowMinimumEffect: false }
  if (n < 3 || new Set(timesMs).size < 3) return { ...base, pattern: 'insufficient', mannKendall: null, theilSen: null, largestStep: largestRise(values) }
  const mk = mannKendall(timesMs, values)
  const ts = theilSen(timesMs, values, mk.variance)
  const step = largestRise(values)
  const result = (pattern: SeriesPattern, belowMinimumEffect = false): SeriesAssessment => ({ ...base, pattern, mannKendall: mk, theilSen: ts, largestStep: step, belowMinimumEffect })
  const minimumEffect = options.minimumEffect ?? 0
  // A step is described whether or not the ranks call it a trend (4 points cannot): it explains a jump.
  const stepped = isStep(values, step) && step!.delta >= minimumEffect
  const constant = values.every((v) => v === values[0])
  if (mk.pIncrease > alpha) return result(stepped ? 'step' : mk.pDecrease <= alpha ? 'decline' : constant ? 'flat' : 'no-trend')
  if (stepped) return result('step')
  const growth = (ts?.perSecond ?? 0) * spanSeconds
  // Below the minimum effect a significant rank trend is a rise too small to matter.
  if (!(growth > 0) || growth < minimumEffect) return result('no-trend', true)
  if (hasPlateau(timesMs, values, ts)) return result('plateau')
  return result('growth')
}

/** Largest minus smallest, in a loop: spreading 100k+ arguments into Math.max overflows the stack. */
export function spread(xs: readonly number[]): number {
  let min = Infinity
  let max = -Infinity
  for (const x of xs) {
    if (x < min) min = x
    if (x > max) max = x
  }
  return max - min
}

function largestRise(values: readonly number[]): Step | null {
  let best: Step | null = null
  let rises = 0
  for (let i = 1; i < values.length; i++) {
    const d = values[i]! - values[i - 1]!
    if (d > 0) rises += d
    if (d > 0 && (!best || d > best.delta)) best = { from: i - 1, to: i, delta: d, share: 0 }
  }
  return best ? { ...best, share: best.delta / rises } : null
}

function isStep(values: readonly number[], step: Step | null): boolean {
  if (!step || step.share < STEP_SHARE) return false
  const tolerance = step.delta * STEP_SIDE_TOLERANCE
  const flat = (side: readonly number[]) => side.length < 2 || spread(side) <= tolerance
  return flat(values.slice(0, step.to)) && flat(values.slice(step.to))
}

/** How many last points a plateau is judged on: the last third, at least 4. */
export function plateauTail(n: number): number {
  return Math.max(4, Math.ceil(n / 3))
}

function hasPlateau(timesMs: readonly number[], values: readonly number[], whole: TheilSen | null): boolean {
  const n = values.length
  const tail = plateauTail(n)
  if (!whole || whole.perSecond <= 0 || n - tail < 2) return false
  const t = timesMs.slice(n - tail)
  const v = values.slice(n - tail)
  const mk = mannKendall(t, v)
  const ts = theilSen(t, v, mk.variance)
  return ts !== null && ts.high < PLATEAU_SLOPE_RATIO * whole.perSecond
}
