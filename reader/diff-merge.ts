// Matching two snapshots' entries by key when both list them in key order, as captures list handles,
// threads and regions: the earlier side is walked alongside the later one (KeyWalk), as when merging two
// sorted lists, each chunk loaded into lanes once (reader/diff-lanes.ts), and each later entry is offered
// the earlier entry holding its key, run by run (entries whose keys are equal on both sides one after the
// other are compared field by field over the whole run: matchByKey). The caller accepts or refuses each by
// the entries' other fields, exactly as the general matcher (reader/diff-matcher.ts) would: with unique
// earlier keys, a later entry takes the earlier one with its key if that one is not yet taken and is the
// same entry. Input it cannot
// match that way (keys out of order, an earlier key repeated, matched there by the entries' identity, or
// absent) is declined: `ordered` turns false, and the caller's result is dropped for the general matcher's.
// Platform-free.
import { SectionLanes, type IntLane } from './diff-lanes.js'
import type { Section } from './section.js'

/** Flips the sign bit: signed order of flipped words is the unsigned order of the words. */
const FLIP = -0x80000000

/** Value o's high word, flipped (keys are compared in this form). */
export const keyHi = (lane: IntLane, o: number): number => lane.hi(o) ^ FLIP
/** Value o's low word, flipped. */
export const keyLo = (lane: IntLane, o: number): number => lane.lo(o) ^ FLIP

/**
 * The earlier side's lanes, walked in archive order by the keys the later side seeks (which must ascend,
 * repeats allowed), checking that its own keys strictly ascend. Every chunk is loaded in turn, none
 * skipped (`loaded` sees each once, from the constructor on; `finish()` walks the rest), so a per-chunk
 * tally can ride along.
 */
export class KeyWalk<I extends string, S extends string> extends SectionLanes<I, S> {
  /** False once either side's keys are out of order or absent: the walk's answers are then meaningless. */
  ordered = true
  private readonly keyLane: IntLane
  private k = -1
  /** Offset of the current entry in the loaded chunk, and its key (flipped). */
  private o = -1
  private h = FLIP
  private l = FLIP
  private more: boolean
  /** The last key sought. */
  private ph = FLIP
  private pl = FLIP

  constructor(section: Section<object>, ints: readonly I[], strs: readonly S[], key: I, private readonly loaded: (walk: SectionLanes<I, S>) => void = () => {}) {
    super(section, ints, strs)
    this.keyLane = this.int[key]
    this.more = this.step(true)
  }

  /**
   * Offset in the loaded chunk of the entry with key (h, l) (words flipped, as keyHi/keyLo give them), or
   * -1 when the earlier side has none; the walk moves past every smaller key.
   */
  seek(h: number, l: number): number {
    if (h < this.ph || (h === this.ph && l < this.pl)) this.ordered = false
    this.ph = h
    this.pl = l
    while (this.more && (this.h < h || (this.h === h && this.l < l))) this.more = this.step(false)
    return this.more && this.h === h && this.l === l ? this.o : -1
  }

  /**
   * After seek(y's key at o) returned e: how many entries from there on hold the same keys on both sides (x's
   * e + t and y's o + t for t < the result, within both loaded chunks), at least 1; the walk moves to the last
   * of them, as seeking each of those keys in turn would (x's order checked on the way).
   */
  run(e: number, key: IntLane, o: number, count: number): number {
    const t = keyRun(this.keyLane, e, key, o, Math.min(this.count - e, count - o))
    // A run that stopped where x's keys do not ascend leaves that to the next seek or step, which sees it.
    this.o = e + t - 1
    this.h = this.ph = keyHi(this.keyLane, this.o)
    this.l = this.pl = keyLo(this.keyLane, this.o)
    return t
  }

  /** Walks the rest of the earlier side (its order checked, its chunks loaded). */
  finish(): void {
    while (this.more) this.more = this.step(false)
  }

  private step(first: boolean): boolean {
    this.o++
    while (this.o >= this.count) {
      if (this.k + 1 >= this.chunks) return false
      this.load(++this.k)
      this.loaded(this)
      if (this.keyLane.absent && this.count > 0) this.ordered = false
      this.o = 0
    }
    const h = keyHi(this.keyLane, this.o)
    const l = keyLo(this.keyLane, this.o)
    if (!first && !(h > this.h || (h === this.h && l > this.l))) this.ordered = false
    this.h = h
    this.l = l
    return true
  }
}

/**
 * How many entries from e of x and o of y on (at most limit, at least 1: the first pair is known equal)
 * hold equal keys, x's strictly ascending. A function of its own, reading only its arguments: the loop is
 * compiled on its own (on-stack), and what follows it always has type feedback.
 */
function keyRun(x: IntLane, e: number, y: IntLane, o: number, limit: number): number {
  let h = keyHi(x, e)
  let l = keyLo(x, e)
  let t = 1
  for (; t < limit; t++) {
    const xh = keyHi(x, e + t)
    const xl = keyLo(x, e + t)
    if (xh !== keyHi(y, o + t) || xl !== keyLo(y, o + t) || !(xh > h || (xh === h && xl > l))) break
    h = xh
    l = xl
  }
  return t
}

/** Whether two sections can be matched by one pass (KeyWalk): both in key order, the earlier without repeats, no key absent. */
export function keyOrdered(earlier: Section<object>, later: Section<object>, key: string): boolean {
  const x = new KeyWalk(earlier, [key], [], key)
  const y = new SectionLanes(later, [key], [])
  const lane = y.int[key]!
  for (let k = 0; k < y.chunks; k++) {
    y.load(k)
    if (lane.absent && y.count > 0) return false
    for (let o = 0; o < y.count; o++) x.seek(keyHi(lane, o), keyLo(lane, o))
  }
  x.finish()
  return x.ordered
}

/** Earlier and later entries matched by key (indices into their sections, ascending). */
export interface KeyMatch {
  readonly addedAt: number[]
  readonly removedAt: number[]
  /** Pairs with one key whose entries differ, when such a pair counts as one changed entry. */
  readonly changedAt: [number, number][]
  readonly unchanged: number
}

/**
 * Matches the later side `y` to the earlier walk `x` by key, run by run: `differ(e, o, m, mask)` marks each
 * t < m (mask[t] nonzero, the mask zeroed before) where x's entry e + t and y's o + t, which share a key,
 * differ in the other fields compared. With `changed`, such a pair is one changed entry (regions, matched
 * by key alone); without, the later entry is added and the earlier one stays for another (handles and
 * threads, matched by identity). `loaded()` runs after each chunk of y is loaded. Undefined when the sides
 * cannot be matched this way (KeyWalk: keys out of order, an earlier key repeated, or absent).
 */
export function matchByKey<I extends string, S extends string>(x: KeyWalk<I, S>, y: SectionLanes<I, S>, key: I, earlier: number, changed: boolean, loaded: () => void, differ: (e: number, o: number, m: number, mask: Uint8Array) => void): KeyMatch | undefined {
  const taken = new Uint8Array(earlier)
  const addedAt: number[] = []
  const changedAt: [number, number][] = []
  let unchanged = 0
  let mask = new Uint8Array(0)
  for (let k = 0; k < y.chunks && x.ordered; k++) {
    y.load(k)
    const lane = y.int[key]
    if (lane.absent && y.count > 0) return undefined
    loaded()
    if (mask.length < y.count) mask = new Uint8Array(y.count)
    for (let o = 0; o < y.count; ) {
      const e = x.seek(keyHi(lane, o), keyLo(lane, o))
      if (e < 0 || taken[x.start + e]) {
        addedAt.push(y.start + o++)
        continue
      }
      const m = x.run(e, lane, o, y.count)
      mask.fill(0, 0, m)
      differ(e, o, m, mask)
      const i = x.start + e
      for (let t = 0; t < m; t++) {
        if (!mask[t]) {
          taken[i + t] = 1
          unchanged++
        } else if (changed) {
          taken[i + t] = 1
          changedAt.push([i + t, y.start + o + t])
        } else addedAt.push(y.start + o + t)
      }
      o += m
    }
  }
  x.finish()
  return x.ordered ? { addedAt, removedAt: untaken(taken), changedAt, unchanged } : undefined
}

/** Indices of the entries never taken, ascending. */
function untaken(taken: Uint8Array): number[] {
  const out: number[] = []
  for (let i = 0; i < taken.length; i++) if (!taken[i]) out.push(i)
  return out
}
