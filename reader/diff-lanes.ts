// One chunk's columns as the diff's merge compares them: each integer column as 32-bit words (in place
// when stored as u32 or 64-bit values, else copied into a buffer reused from chunk to chunk), each string
// column's index widened to one type. A chunk's stored widths differ (u8, u16, u32 or 64-bit words, per
// column and chunk); reading them through one accessor makes every load site polymorphic, while the loops
// over these lanes see one array type. Platform-free.
import type { Column } from '../format/columns.js'
import type { LazyStrings } from '../format/payload.js'
import { intColumn, type IntColumn } from './column-views.js'
import type { Section } from './section.js'

/**
 * One chunk's integer field, value o as two signed 32-bit words (as loAt gives the low one; signed, so that
 * a value read through a call stays a small integer, never a heap number): the low word at
 * words[o * stride]; the high word at words[o * 2 + 1] when stride is 2 (values stored 8 bytes wide, read
 * in place), else 0 (unsigned narrow values, copied to 32 bits unless already u32). Signed narrow values are
 * widened into words. `absent`: the chunk lacks the field (every word 0), as hiAt's -1 tells.
 */
export class IntLane {
  words: Int32Array<ArrayBufferLike> = new Int32Array(0)
  stride = 1
  absent = false
  private scratch: Int32Array<ArrayBufferLike> = new Int32Array(0)

  load(c: IntColumn, count: number): void {
    const narrow = c.narrow
    this.absent = false
    if (c.words) {
      this.words = new Int32Array(c.words.buffer, c.words.byteOffset, c.words.length)
      this.stride = 2
    } else if (narrow instanceof Uint32Array || narrow instanceof Uint8Array || narrow instanceof Uint16Array) {
      // A typed copy converts each value exactly (u32 bit for bit: the same bytes, read signed).
      if (narrow instanceof Uint32Array) this.words = new Int32Array(narrow.buffer, narrow.byteOffset, narrow.length)
      else (this.words = this.room(count)).set(narrow)
      this.stride = 1
    } else if (narrow) {
      // Signed: sign-extended to 64 bits, as hiAt/loAt read them.
      const words = this.room(2 * count)
      for (let o = 0; o < count; o++) {
        const v = narrow[o]!
        words[2 * o] = v
        words[2 * o + 1] = v < 0 ? -1 : 0
      }
      this.words = words
      this.stride = 2
    } else {
      this.words = this.room(count).fill(0, 0, count)
      this.stride = 1
      this.absent = true
    }
  }

  /** Low word of value o, signed. */
  lo(o: number): number {
    return this.words[o * this.stride]!
  }

  /** High word of value o, signed. */
  hi(o: number): number {
    return this.stride === 2 ? this.words[o * 2 + 1]! : 0
  }

  private room(n: number): Int32Array {
    if (this.scratch.length < n) this.scratch = new Int32Array(n)
    return this.scratch
  }
}

/** A str column as decoded (format/columns.ts). */
type StrColumnData = Extract<Column, { dtype: 'str' }>

/**
 * One chunk's str field: index[o] (0 absent, k the k-th string of the chunk's dictionary), for o < count.
 * The dictionary is not decoded by loading: `strings` compares and decodes its strings one by one, and
 * `dict` decodes it whole when read.
 */
export class StrLane {
  index = new Int32Array(0)
  /** Strings of the chunks loaded before: base + k names string k of this chunk uniquely within the walk. */
  base = 0
  strings: LazyStrings | undefined
  /** Strings in the chunk's dictionary. */
  size = 0
  private column: StrColumnData | undefined

  load(column: Column | undefined, count: number): void {
    if (this.index.length < count) this.index = new Int32Array(count)
    this.base += this.size
    if (column?.dtype === 'str') {
      this.index.set(column.index)
      this.column = column
      this.strings = column.strings
      this.size = column.strings ? column.strings.length : column.dict.length
    } else {
      this.index.fill(0, 0, count)
      this.column = undefined
      this.strings = undefined
      this.size = 0
    }
  }

  /** The chunk's dictionary, decoded. */
  get dict(): readonly string[] {
    return this.column ? this.column.dict : []
  }

  /** String k (k ≥ 1) of the chunk's dictionary. */
  at(k: number): string {
    return this.strings ? this.strings.at(k) : this.column!.dict[k - 1]!
  }
}

/** u32 value of lane entry o, or `absent` (as u32At: only narrow columns hold u32 fields). */
export function u32Of(lane: IntLane, o: number, absent: number): number {
  return lane.absent ? absent : lane.lo(o) >>> 0
}

/**
 * Marks (`mask[t] |= bit`) each t < m where entry e + t of x and entry o + t of y hold different values (both
 * absent counts as the same). One loop per pair of strides, each over one array type: a run of
 * entries compared without a call per entry.
 */
export function differInts(x: IntLane, e: number, y: IntLane, o: number, m: number, mask: Uint8Array, bit: number): void {
  if (x.absent || y.absent) {
    if (x.absent !== y.absent) for (let t = 0; t < m; t++) mask[t]! |= bit
    return
  }
  const xw = x.words
  const yw = y.words
  if (x.stride === 1 && y.stride === 1) {
    for (let t = 0; t < m; t++) if (xw[e + t] !== yw[o + t]) mask[t]! |= bit
  } else if (x.stride === 2 && y.stride === 2) {
    for (let t = 0; t < m; t++) if (xw[2 * (e + t)] !== yw[2 * (o + t)] || xw[2 * (e + t) + 1] !== yw[2 * (o + t) + 1]) mask[t]! |= bit
  } else if (x.stride === 2) {
    for (let t = 0; t < m; t++) if (xw[2 * (e + t)] !== yw[o + t] || xw[2 * (e + t) + 1] !== 0) mask[t]! |= bit
  } else {
    for (let t = 0; t < m; t++) if (xw[e + t] !== yw[2 * (o + t)] || yw[2 * (o + t) + 1] !== 0) mask[t]! |= bit
  }
}

/**
 * A section read chunk by chunk into lanes of the named fields (`load(k)`), for a walk in archive order.
 * A chunk lacking a field gives absent values, as the row would carry undefined.
 */
export class SectionLanes<I extends string, S extends string> {
  readonly int = {} as Record<I, IntLane>
  readonly str = {} as Record<S, StrLane>
  /** The loaded chunk: its first entry's index and its entry count. */
  start = 0
  count = 0
  readonly chunks: number
  private readonly intSpans: { readonly field: I; readonly spans: ReturnType<Section<object>['spans']> }[]
  private readonly strSpans: { readonly field: S; readonly spans: ReturnType<Section<object>['spans']> }[]

  constructor(section: Section<object>, ints: readonly I[], strs: readonly S[]) {
    this.intSpans = ints.map((field) => ({ field, spans: section.spans(field) }))
    this.strSpans = strs.map((field) => ({ field, spans: section.spans(field) }))
    for (const f of ints) this.int[f] = new IntLane()
    for (const f of strs) this.str[f] = new StrLane()
    this.chunks = (this.intSpans[0] ?? this.strSpans[0])?.spans.length ?? 0
  }

  /** Loads chunk k (k < chunks). */
  load(k: number): void {
    const first = (this.intSpans[0] ?? this.strSpans[0])!.spans[k]!
    this.start = first.start
    this.count = first.count
    for (const { field, spans } of this.intSpans) this.int[field].load(intColumn(spans[k]!.column), this.count)
    for (const { field, spans } of this.strSpans) this.str[field].load(spans[k]!.column, this.count)
  }
}

/**
 * Whether a string of the earlier walk equals one of the later chunk, by value (the two archives'
 * dictionaries differ), remembering the pairs found equal: an unchanged entry's name is then one integer
 * comparison, however many entries share it. `next()` when the later side loads a chunk.
 */
export class SameStrings {
  /** By later dictionary index: the earlier string (base + index) found equal to it, or -1. */
  private partner = new Float64Array(0)

  next(later: StrLane): void {
    const n = later.size + 1
    if (this.partner.length < n) this.partner = new Float64Array(n)
    this.partner.fill(-1, 0, n)
  }

  /**
   * Marks (`mask[t] |= bit`) each t < m where string e + t of x and string o + t of y differ (both absent
   * counts as the same); pairs already marked are skipped (their verdict is made).
   */
  differ(x: StrLane, e: number, y: StrLane, o: number, m: number, mask: Uint8Array, bit: number): void {
    const xi = x.index
    const yi = y.index
    const partner = this.partner
    const base = x.base
    for (let t = 0; t < m; t++) {
      if (mask[t]) continue
      const kx = xi[e + t]!
      const ky = yi[o + t]!
      if (kx === 0 || ky === 0) {
        if (kx !== ky) mask[t]! |= bit
        continue
      }
      // An unchanged name: the pair was found equal before (one integer comparison).
      if (partner[ky] === base + kx) continue
      if (x.strings && y.strings ? x.strings.sameAs(kx, y.strings, ky) : x.at(kx) === y.at(ky)) partner[ky] = base + kx
      else mask[t]! |= bit
    }
  }
}
