// Exact order statistics of the pairwise slopes (v_j − v_i)/(t_j − t_i) over pairs at different times (the
// Theil–Sen median and its confidence bounds) in O(n log n) expected time, instead of listing all n²/2 pairs.
// Randomised interval shrinking (Matoušek 1991; Dillencourt, Mount & Netanyahu 1992): order the points by
// v − θ·t; a pair's slope is ≤ θ exactly when that order puts the later point first, so the slopes in (lo, hi]
// are the pairs the orders at lo and at hi disagree on. They are counted as inversions (merge sort), sampled
// uniformly (a Fenwick tree), the sample brackets the wanted rank, and once few remain they are listed.
// Comparisons are exact (slopes cross-multiplied, products compared with their rounding error), so the result
// is the k-th slope the straightforward sort of every pair gives. The random choices (seeded: one input, one
// run) change only the time taken. Exact while values and times are integers below 2^52 (counts, bytes, ms)
// or, for times, doubles within a factor of 2 of each other (one epoch): their differences are then exact.
// Beyond (a hostile archive's 2^64-byte sizes), rounded differences can make the orders disagree with the
// counts: the search then still ends, with a slope from the interval reached (never an error).
// Platform-free.

import { countInversions } from './inversions.js'

/** The slope p/q with q > 0, kept as a fraction so that slopes compare exactly. */
export interface Slope {
  readonly p: number
  readonly q: number
}

const SPLITTER = 134217729 // 2^27 + 1 (Dekker's split)

/** a·b − fl(a·b), exactly (Dekker's TwoProduct; no overflow or underflow at the magnitudes above). */
function productError(a: number, b: number, x: number): number {
  let c = SPLITTER * a
  const ah = c - (c - a)
  const al = a - ah
  c = SPLITTER * b
  const bh = c - (c - b)
  const bl = b - bh
  return al * bl - (x - ah * bh - al * bh - ah * bl)
}

/** Sign of a·b − c·d, exact. Rounding is monotone, so the rounded products decide unless they are equal. */
export function compareProducts(a: number, b: number, c: number, d: number): number {
  const x = a * b
  const y = c * d
  if (x !== y) return x < y ? -1 : 1
  const ex = productError(a, b, x)
  const ey = productError(c, d, y)
  return ex < ey ? -1 : ex > ey ? 1 : 0
}

export function compareSlopes(x: Slope, y: Slope): number {
  return compareProducts(x.p, y.q, y.p, x.q)
}

/**
 * A bound of the search: slopes ≤ θ, or < θ (`strict`, for a slope many pairs share); null θ is ±∞. `order`
 * is the points sorted by v − θ·t (ties: the later point first, or last when strict); `count` the slopes
 * at or below the bound, which are the inversions of `order` against the time order.
 */
interface Bound {
  readonly slope: Slope | null
  readonly strict: boolean
  readonly order: Int32Array
  readonly count: number
}

/** Points relabelled in time order (then by value): label i is the i-th point, so the time order is 0…n−1. */
interface Points {
  readonly t: Float64Array
  readonly v: Float64Array
  readonly n: number
}

/**
 * The slopes of the given 1-based ranks among the slopes of every pair of points at different times (each
 * rank between 1 and `slopeCount`), as fractions; [] when there is no such pair.
 */
export function selectSlopes(times: readonly number[], values: readonly number[], ranks: readonly number[]): Slope[] {
  const pts = relabel(times, values)
  const total = slopeCount(pts)
  if (total === 0) return []
  for (const k of ranks) if (!(k >= 1 && k <= total && Number.isInteger(k))) throw new RangeError(`slope rank ${k} is not between 1 and ${total}`)
  const lowest: Bound = { slope: null, strict: false, order: identity(pts.n), count: 0 }
  const highest: Bound = { slope: null, strict: false, order: reverseTimeOrder(pts), count: total }
  const found = new Map<number, Slope>()
  const wanted = [...new Set(ranks)].sort((x, y) => x - y)
  if (wanted.length) selectGroup({ pts, rand: seeded(pts.n), found }, wanted, lowest, highest)
  return ranks.map((k) => found.get(k)!)
}

/** Pairs of points at different times: every pair less those within a group of equal times. */
export function slopeCount(pts: Points): number {
  let tied = 0
  let run = 1
  for (let i = 1; i <= pts.n; i++) {
    if (i < pts.n && pts.t[i] === pts.t[i - 1]) run++
    else {
      tied += (run * (run - 1)) / 2
      run = 1
    }
  }
  return (pts.n * (pts.n - 1)) / 2 - tied
}

function relabel(times: readonly number[], values: readonly number[]): Points {
  const n = values.length
  const idx = Array.from({ length: n }, (_, i) => i)
  idx.sort((a, b) => times[a]! - times[b]! || values[a]! - values[b]! || a - b)
  const t = new Float64Array(n)
  const v = new Float64Array(n)
  idx.forEach((i, k) => {
    t[k] = times[i]!
    v[k] = values[i]!
  })
  return { t, v, n }
}

function identity(n: number): Int32Array {
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  return out
}

/** The order at +∞: later times first; within one time, by value then label, as at every θ. */
function reverseTimeOrder(pts: Points): Int32Array {
  const { t, v } = pts
  return Int32Array.from([...identity(pts.n)].sort((a, b) => t[b]! - t[a]! || v[a]! - v[b]! || a - b))
}

/** The bound at θ (strict: < θ): the points sorted by v − θ·t from the time order, counting inversions. */
function boundAt(pts: Points, slope: Slope, strict: boolean): Bound {
  const { t, v } = pts
  const { p, q } = slope
  const tie = strict ? 1 : -1
  const cmp = (a: number, b: number): number => {
    // sign((v_a − θ t_a) − (v_b − θ t_b)) = sign((v_a − v_b)·q − p·(t_a − t_b)), q > 0.
    const r = compareProducts(v[a]! - v[b]!, q, p, t[a]! - t[b]!)
    if (r !== 0) return r
    if (t[a] !== t[b]) return t[a]! > t[b]! ? tie : -tie
    return a - b
  }
  const order = identity(pts.n)
  const count = countInversions(order, (x, y) => cmp(x, y) <= 0)
  return { slope, strict, order, count }
}

/** The slope between points x and y (at different times) into out[at]. */
function setSlope(out: Slopes, at: number, pts: Points, x: number, y: number): void {
  const { t, v } = pts
  const early = t[x]! < t[y]! ? x : y
  const late = early === x ? y : x
  out.p[at] = v[late]! - v[early]! // a difference, never −0
  out.q[at] = t[late]! - t[early]!
}

/** Below this many slopes left in the interval they are listed and selected from. */
const listBelow = (n: number) => 4 * n + 256

interface Search {
  readonly pts: Points
  readonly rand: () => number
  readonly found: Map<number, Slope>
}

/**
 * Finds the slopes of `ranks` (ascending, distinct, all inside (lo, hi]): one search narrows to all of them
 * while they lie close together (Theil–Sen's median and bounds, early on), then they part.
 */
function selectGroup(s: Search, ranks: readonly number[], lo: Bound, hi: Bound): void {
  if (ranks.length === 1) return void s.found.set(ranks[0]!, selectOne(s, ranks[0]!, lo, hi))
  const first = ranks[0]!
  const last = ranks[ranks.length - 1]!
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const inside = hi.count - lo.count
    if (inside <= listBelow(s.pts.n)) {
      const list = listDisagreements(s.pts, lo.order, hi.order)
      for (const k of ranks) s.found.set(k, kth(list, k - lo.count, s.rand) ?? fallback(lo, hi))
      return
    }
    if ((last - first) * 4 > inside) break
    const [a, b] = bracket(s, lo, hi, first, last)
    const before = inside
    const below = a && boundAt(s.pts, a, false)
    if (below && below.count >= first) break
    if (below) lo = below
    const above = b && boundAt(s.pts, b, false)
    if (above && above.count < last) break
    if (above) hi = above
    if (hi.count - lo.count === before) break
  }
  // Apart: split at the widest gap between ranks, each part from the interval reached.
  let cut = 1
  for (let i = 2; i < ranks.length; i++) if (ranks[i]! - ranks[i - 1]! > ranks[cut]! - ranks[cut - 1]!) cut = i
  selectGroup(s, ranks.slice(0, cut), lo, hi)
  selectGroup(s, ranks.slice(cut), lo, hi)
}

/**
 * Two sampled slopes inside (lo, hi] that bracket ranks first…last with high probability: the sample's
 * order statistics at their expected places, widened by 2.5 standard deviations (null: beyond the sample).
 */
function bracket(s: Search, lo: Bound, hi: Bound, first: number, last: number): [Slope | null, Slope | null] {
  const inside = hi.count - lo.count
  const m = Math.min(inside, Math.max(256, s.pts.n))
  const sample = sampleDisagreements(s.pts, lo.order, hi.order, m, s.rand)
  const spread = 2.5 * Math.sqrt(m) + 1
  const ia = Math.floor(((first - lo.count) / inside) * m - spread)
  const ib = Math.ceil(((last - lo.count) / inside) * m + spread)
  const a = ia >= 0 ? kth(sample, ia + 1, s.rand) : null
  const b = ib < m ? kth(sample, ib + 1, s.rand) : null // (null too from an empty sample: see the top)
  return [a, a && b && compareSlopes(a, b) === 0 ? null : b]
}

function selectOne(s: Search, k: number, lowest: Bound, highest: Bound): Slope {
  let lo = lowest
  let hi = highest
  // Expected rounds: 3 or 4. The cap only matters when rounding broke the counts (see the top).
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const inside = hi.count - lo.count
    if (inside <= listBelow(s.pts.n)) return kth(listDisagreements(s.pts, lo.order, hi.order), k - lo.count, s.rand) ?? fallback(lo, hi)
    // Each candidate is a slope inside (lo, hi]: moving lo up to it, or hi down below it (θ⁻, when the slopes
    // ≤ θ reach the rank but those < θ do not, θ is the answer), removes at least that slope from the interval.
    for (const c of bracket(s, lo, hi, k, k)) {
      if (!c) continue
      const upTo = boundAt(s.pts, c, false)
      if (upTo.count < k) {
        lo = upTo
        continue
      }
      const below = boundAt(s.pts, c, true)
      if (below.count < k) return c
      hi = below
      break
    }
  }
  return fallback(lo, hi)
}

const MAX_ROUNDS = 64

/** A slope of the interval reached, when rounding (see the top) left nothing to pick from. */
function fallback(lo: Bound, hi: Bound): Slope {
  return hi.slope ?? lo.slope ?? { p: 0, q: 1 }
}

/** Slopes as parallel arrays of numerators and (positive) denominators. */
interface Slopes {
  readonly p: Float64Array | number[]
  readonly q: Float64Array | number[]
}

/**
 * The k-th smallest (1-based) of `list`: quickselect with a three-way partition (many slopes may be equal).
 * k is clamped to the list, and an empty list gives null: both only when rounding broke the counts.
 */
function kth(list: Slopes, k: number, rand: () => number): Slope | null {
  const { p, q } = list
  if (p.length === 0) return null
  k = Math.min(Math.max(1, k), p.length)
  const idx = identity(p.length)
  const cmp = (a: number, b: number) => compareProducts(p[a]!, q[b]!, p[b]!, q[a]!)
  let lo = 0
  let hi = idx.length - 1
  let want = k - 1
  for (;;) {
    if (lo >= hi) break
    const pivot = idx[lo + Math.floor(rand() * (hi - lo + 1))]!
    // [lo, lt) < pivot, [lt, i) = pivot, (gt, hi] > pivot.
    let lt = lo
    let gt = hi
    let i = lo
    while (i <= gt) {
      const r = cmp(idx[i]!, pivot)
      if (r < 0) swap(idx, lt++, i++)
      else if (r > 0) swap(idx, i, gt--)
      else i++
    }
    if (want < lt) hi = lt - 1
    else if (want > gt) lo = gt + 1
    else {
      lo = hi = want
      break
    }
  }
  const at = idx[want]!
  return { p: p[at]!, q: q[at]! }
}

function swap(a: Int32Array, i: number, j: number): void {
  const x = a[i]!
  a[i] = a[j]!
  a[j] = x
}

/**
 * The pairs ordered one way in `a` and the other in `b` (the slopes between their bounds): a merge sort of
 * b's elements by their place in a, listing the pairs each merge step crosses. O(n log n + pairs).
 */
function listDisagreements(pts: Points, a: Int32Array, b: Int32Array): Slopes {
  const seq = placesIn(a, b)
  const n = seq.length
  const out = { p: [] as number[], q: [] as number[] }
  let listed = 0
  let src = seq
  let dst: Int32Array = new Int32Array(n)
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n)
      const hi = Math.min(lo + 2 * width, n)
      let i = lo
      let j = mid
      let k = lo
      while (i < mid && j < hi) {
        if (src[i]! < src[j]!) dst[k++] = src[i++]!
        else {
          for (let l = i; l < mid; l++) setSlope(out, listed++, pts, a[src[l]!]!, a[src[j]!]!)
          dst[k++] = src[j++]!
        }
      }
      while (i < mid) dst[k++] = src[i++]!
      while (j < hi) dst[k++] = src[j++]!
    }
    ;[src, dst] = [dst, src]
  }
  return out
}

/** For each element of b in turn, its place in a. */
function placesIn(a: Int32Array, b: Int32Array): Int32Array {
  const pos = new Int32Array(a.length)
  for (let i = 0; i < a.length; i++) pos[a[i]!] = i
  const seq = new Int32Array(b.length)
  for (let i = 0; i < b.length; i++) seq[i] = pos[b[i]!]!
  return seq
}

/**
 * `m` pairs drawn uniformly (with replacement) from the pairs that a and b order differently. A pair
 * is (an element x of b, an earlier element of b placed after x in a); a Fenwick tree over places in a counts
 * each x's partners, the sorted draws are matched to x by those counts, and each partner is found by its
 * rank in a second sweep. O((n + m) log n).
 */
function sampleDisagreements(pts: Points, a: Int32Array, b: Int32Array, m: number, rand: () => number): Slopes {
  const seq = placesIn(a, b)
  const n = seq.length
  const tree = new Int32Array(n + 1)
  const below = new Int32Array(n) // earlier elements placed before x in a
  const cumulative = new Float64Array(n + 1)
  for (let i = 0; i < n; i++) {
    below[i] = prefix(tree, seq[i]!)
    cumulative[i + 1] = cumulative[i]! + (i - below[i]!)
    add(tree, seq[i]!)
  }
  const pairs = cumulative[n]! // = inside, unless rounding (see the top) made the orders disagree
  if (pairs === 0) return { p: [], q: [] }
  const draws = new Float64Array(m)
  for (let d = 0; d < m; d++) draws[d] = Math.floor(rand() * pairs)
  draws.sort()
  tree.fill(0)
  const out = { p: new Float64Array(m), q: new Float64Array(m) }
  let d = 0
  for (let i = 0; i < n && d < m; i++) {
    // Partners of x = b[i] are the earlier elements placed after seq[i]: ranks below[i] + 1 … i among them.
    for (; d < m && draws[d]! < cumulative[i + 1]!; d++) {
      const place = kthSmallest(tree, below[i]! + (draws[d]! - cumulative[i]!) + 1)
      setSlope(out, d, pts, b[i]!, a[place]!)
    }
    add(tree, seq[i]!)
  }
  return out
}

/** Elements added with a place below `place`. */
function prefix(tree: Int32Array, place: number): number {
  let s = 0
  for (let i = place; i > 0; i -= i & -i) s += tree[i]!
  return s
}

function add(tree: Int32Array, place: number): void {
  for (let i = place + 1; i < tree.length; i += i & -i) tree[i]!++
}

/** The place of the k-th smallest (1-based) element added. */
function kthSmallest(tree: Int32Array, k: number): number {
  let pos = 0
  let step = 1
  while (step * 2 < tree.length) step *= 2
  for (; step > 0; step >>= 1) {
    if (pos + step < tree.length && tree[pos + step]! < k) {
      pos += step
      k -= tree[pos]!
    }
  }
  return pos
}

/** A small seeded generator (mulberry32, two draws per double): the same input runs the same way. */
function seeded(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9
  const next32 = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 15), z | 1)
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
    return (z ^ (z >>> 14)) >>> 0
  }
  return () => (next32() * 2 ** 21 + (next32() >>> 11)) / 2 ** 53
}
