// Matching two snapshots' entries by key when both list them in key order, as captures list handles,
// threads and regions: the earlier side is walked alongside the later one (KeyWalk), as when merging two
// sorted lists, each chunk loaded into lanes once (reader/diff-lanes.ts), and each later entry is offered
// the earlier entry holding its key. The caller accepts or refuses it by the entries' other fields,
// exactly as the general matcher (reader/diff-matcher.ts) would: with unique earlier keys, a later entry
// takes the earlier one with its key if that one is not yet taken and is the same entry. Input it cannot
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
