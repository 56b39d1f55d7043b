// Reading a few fields of a section straight from its decoded columns, chunk by chunk: what the diff and
// the trend compare, without building a row object (or a bigint) per entry. Platform-free.
import type { Column, IntArray } from '../format/columns.js'
import type { Section } from './section.js'

const TWO_32 = 4294967296

/**
 * One chunk's integer column, read without bigints: as 32-bit words (low first) when stored 8 bytes wide,
 * else as the narrow values. Both undefined: the chunk lacks the field (the row would carry undefined).
 */
export interface IntColumn {
  readonly words: Uint32Array | undefined
  readonly narrow: IntArray | undefined
}

/** One chunk's str column; undefined when the chunk lacks it. */
export type StrColumn = { readonly dict: readonly string[]; readonly index: ArrayLike<number> } | undefined

const ABSENT: IntColumn = { words: undefined, narrow: undefined }

export function intColumn(c: Column | undefined): IntColumn {
  if (!c || c.dtype === 'str' || c.dtype === 'bytes') return ABSENT
  const v = c.values
  // The host is little-endian (format/columns.ts checks), so the low word comes first.
  if (v instanceof BigUint64Array || v instanceof BigInt64Array) return { words: new Uint32Array(v.buffer, v.byteOffset, v.length * 2), narrow: undefined }
  return { words: undefined, narrow: v }
}

export function strColumn(c: Column | undefined): StrColumn {
  // The dictionary read once here (decoding it on first use), not through the column's getter per value.
  return c?.dtype === 'str' ? { dict: c.dict, index: c.index } : undefined
}

/** High 32 bits of value i; -1 when absent. Narrow signed values sign-extend, as their bigint would. */
export function hiAt(c: IntColumn, i: number): number {
  if (c.words) return c.words[2 * i + 1]!
  if (c.narrow) return c.narrow[i]! < 0 ? TWO_32 - 1 : 0
  return -1
}

/**
 * Low 32 bits of value i (0 when absent), as a signed 32-bit integer: an engine keeps those unboxed, while
 * an unsigned value ≥ 2^31 returned from a call would be a heap number. Equality is unaffected; order
 * with `unsignedLess`, sums after `>>> 0`.
 */
export function loAt(c: IntColumn, i: number): number {
  if (c.words) return c.words[2 * i]! | 0
  if (c.narrow) return c.narrow[i]! | 0
  return 0
}

/** a < b for two loAt values, as the unsigned numbers they stand for. */
export function unsignedLess(a: number, b: number): boolean {
  return (a ^ 0x80000000) < (b ^ 0x80000000)
}

/** Value i of a u32 field, or `absent`. */
export function u32At(c: IntColumn, i: number, absent: number): number {
  return c.narrow ? c.narrow[i]! >>> 0 : absent
}

/** Whether value i of x and value j of y are the same (both absent counts as the same). */
export function sameIntAt(x: IntColumn, i: number, y: IntColumn, j: number): boolean {
  if (x.narrow && y.narrow) return x.narrow[i] === y.narrow[j]
  return loAt(x, i) === loAt(y, j) && hiAt(x, i) === hiAt(y, j)
}

export function strAt(c: StrColumn, i: number): string | undefined {
  if (!c) return undefined
  const k = c.index[i]!
  return k === 0 ? undefined : c.dict[k - 1]
}

/** A section's chunks with the columns a comparison reads, by name. */
export interface ChunkColumns<I extends string, S extends string> {
  readonly start: number
  readonly count: number
  readonly int: Record<I, IntColumn>
  readonly str: Record<S, StrColumn>
}

export function chunkColumns<I extends string, S extends string>(section: Section<object>, ints: readonly I[], strs: readonly S[]): ChunkColumns<I, S>[] {
  const intSpans = ints.map((f) => section.spans(f))
  const strSpans = strs.map((f) => section.spans(f))
  const chunks: ChunkColumns<I, S>[] = []
  const count = intSpans[0]?.length ?? strSpans[0]?.length ?? 0
  for (let k = 0; k < count; k++) {
    const span = (intSpans[0] ?? strSpans[0])![k]!
    const int = {} as Record<I, IntColumn>
    ints.forEach((f, n) => (int[f] = intColumn(intSpans[n]![k]!.column)))
    const str = {} as Record<S, StrColumn>
    strs.forEach((f, n) => (str[f] = strColumn(strSpans[n]![k]!.column)))
    chunks.push({ start: span.start, count: span.count, int, str })
  }
  return chunks
}

/** Finds the chunk of an entry index; remembers the last one, since lookups mostly move forward. */
export class ChunkCursor<C extends { readonly start: number; readonly count: number }> {
  private k = 0
  constructor(private readonly chunks: readonly C[]) {}

  at(i: number): C {
    const chunks = this.chunks
    let k = this.k
    let c = chunks[k]!
    if (i >= c.start && i < c.start + c.count) return c
    let lo = 0
    let hi = chunks.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (chunks[mid]!.start <= i) lo = mid
      else hi = mid - 1
    }
    k = lo
    // Skip empty chunks that share the start.
    while (k + 1 < chunks.length && chunks[k]!.count === 0 && chunks[k + 1]!.start === i) k++
    this.k = k
    c = chunks[k]!
    return c
  }
}

/**
 * An exact sum of 64-bit values kept as two doubles (high and low 32-bit halves), so a million sizes add
 * up without a bigint each; the low half carries into the high one before it could lose precision.
 */
export class IntSum {
  private hi = 0
  private lo = 0

  add(c: IntColumn, i: number): void {
    const hi = hiAt(c, i)
    if (hi >= 0) this.addWords(hi, loAt(c, i) >>> 0)
  }

  /** Adds the value of high word hi and low word lo (both unsigned). */
  addWords(hi: number, lo: number): void {
    this.hi += hi
    this.lo += lo
    if (this.lo >= 2 ** 52) {
      const carry = Math.floor(this.lo / TWO_32)
      this.hi += carry
      this.lo -= carry * TWO_32
    }
  }

  get value(): bigint {
    return BigInt(this.hi) * BigInt(TWO_32) + BigInt(this.lo)
  }
}

/** How many entries of a section hold each value of a str field (absent counted under `absentAs`). */
export function countStrings(section: Section<object>, field: string, absentAs: string | undefined, into = new Map<string | undefined, number>()): Map<string | undefined, number> {
  for (const { count, column } of section.spans(field)) {
    if (column?.dtype !== 'str') {
      if (count) into.set(absentAs, (into.get(absentAs) ?? 0) + count)
      continue
    }
    // The strings some row uses, each decoded alone when the column can (not its whole dictionary).
    const strings = column.strings
    const size = strings ? strings.length : column.dict.length
    const histogram = new Uint32Array(size + 1)
    countIndices(column.index, histogram)
    // Per dictionary entry, not per row. A dictionary may repeat a string: its counts add up.
    for (let k = 0; k <= size; k++) {
      if (!histogram[k]) continue
      const s = k === 0 ? absentAs : strings ? strings.at(k) : column.dict[k - 1]!
      into.set(s, (into.get(s) ?? 0) + histogram[k]!)
    }
  }
  return into
}

function countIndices(index: ArrayLike<number>, histogram: Uint32Array): void {
  for (let i = 0; i < index.length; i++) histogram[index[i]!]!++
}
