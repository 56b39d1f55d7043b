// Matching two snapshots' entries by key when both list them in key order, as captures list handles,
// threads and regions: one pass over both sides' key columns together, as when merging two sorted lists,
// names for each later entry the earlier entry holding its key. The caller then walks both sides once more
// (ForwardLanes) to accept or refuse each candidate by the entries' other fields, exactly as the general
// matcher (reader/diff-matcher.ts) would: with unique earlier keys, a later entry takes the earlier one
// with its key if that one is not yet taken and is the same entry. Input it cannot match that way (keys
// out of order, an earlier key repeated, matched there by the entries' identity, or absent) is declined.
// Platform-free.
import { SectionLanes } from './diff-lanes.js'
import type { Section } from './section.js'

/** Flips the sign bit: signed order of flipped words is the unsigned order of the words. */
const FLIP = -0x80000000

/**
 * For each later entry, the index of the earlier entry with its key, or -1; undefined when the earlier keys
 * do not strictly ascend or the later ones do not ascend (the later side may repeat a key), or a key is absent.
 */
export function candidatesByKey(earlier: Section<object>, later: Section<object>, key: string): Int32Array | undefined {
  const x = new SectionLanes(earlier, [key], [])
  const y = new SectionLanes(later, [key], [])
  const xk = x.int[key]!
  const yk = y.int[key]!
  const out = new Int32Array(later.length)
  // The earlier walk: chunk kx, offset ox, its key's words flipped (xh, xl); before the first entry, below any.
  let kx = -1
  let ox = -1
  let xh = FLIP
  let xl = FLIP
  let first = true
  let more = true
  let words = xk.words
  let stride = xk.stride
  /** Moves the earlier walk to its next entry; false when it is out of order (the walk ends with more false). */
  const step = (): boolean => {
    ox++
    while (ox >= x.count) {
      if (++kx >= x.chunks) return (more = false), true
      x.load(kx)
      if (xk.absent) return false
      words = xk.words
      stride = xk.stride
      ox = 0
    }
    const h = (stride === 2 ? words[2 * ox + 1]! : 0) ^ FLIP
    const l = words[ox * stride]! ^ FLIP
    const ordered = first || h > xh || (h === xh && l > xl)
    first = false
    xh = h
    xl = l
    return ordered
  }
  if (!step()) return undefined
  let ph = FLIP
  let pl = FLIP
  for (let ky = 0; ky < y.chunks; ky++) {
    y.load(ky)
    if (yk.absent && y.count > 0) return undefined
    const w = yk.words
    const s = yk.stride
    const start = y.start
    for (let o = 0; o < y.count; o++) {
      const h = (s === 2 ? w[2 * o + 1]! : 0) ^ FLIP
      const l = w[o * s]! ^ FLIP
      if (h < ph || (h === ph && l < pl)) return undefined
      ph = h
      pl = l
      while (more && (xh < h || (xh === h && xl < l))) if (!step()) return undefined
      out[start + o] = more && xh === h && xl === l ? x.start + ox : -1
    }
  }
  // The rest of the earlier side must be in order too: a key below one passed would be another's match.
  while (more) if (!step()) return undefined
  return out
}

/**
 * A section's lanes moving forward only: `seek(i)` loads the chunk holding entry i (i never decreasing)
 * and gives its offset there. Every chunk is loaded in turn, none skipped (`loaded` sees each once, and
 * `finish()` loads those after the last one sought), so a per-chunk tally can ride along.
 */
export class ForwardLanes<I extends string, S extends string> extends SectionLanes<I, S> {
  private k = -1

  constructor(section: Section<object>, ints: readonly I[], strs: readonly S[], private readonly loaded: () => void = () => {}) {
    super(section, ints, strs)
  }

  seek(i: number): number {
    while (i >= this.start + this.count) {
      this.load(++this.k)
      this.loaded()
    }
    return i - this.start
  }

  finish(): void {
    while (this.k + 1 < this.chunks) {
      this.load(++this.k)
      this.loaded()
    }
  }
}
