// Column access for the minidump writer's hot loops (a million entries): values read straight from each
// chunk's decoded columns (format/columns.ts), without building a row object per entry. The decoder has
// checked every column's length against its chunk's count, so index i < count is always in range.
import type { Column } from '../format/index.js'
import type { Section } from '../reader/section.js'

export interface ChunkColumns {
  count: number
  /** The named columns, in the order asked for; undefined where the chunk lacks one (not captured). */
  cols: (Column | undefined)[]
}

export function chunksOf(section: Section<object>, names: readonly string[]): ChunkColumns[] {
  const spans = names.map((n) => section.spans(n))
  return (spans[0] ?? []).map((s, k) => ({ count: s.count, cols: spans.map((sp) => sp[k]?.column) }))
}

/** A u8…i32 value (0 when the column is absent: the minidump's "no value"). */
export function num(col: Column | undefined, i: number): number {
  return col && (col.dtype === 'u8' || col.dtype === 'u16' || col.dtype === 'u32' || col.dtype === 'i32') ? col.values[i]! : 0
}

/** A u64/i64 value: a bigint when stored 8 bytes wide, a number below 2³² when stored narrow, 0 when absent. */
export function big(col: Column | undefined, i: number): bigint | number {
  return col && (col.dtype === 'u64' || col.dtype === 'i64') ? col.values[i]! : 0
}

/** A u64/i64 column stored 8 bytes wide as raw 32-bit words (row i: 2i and 2i + 1); else undefined. */
export function raw64(col: Column | undefined): Uint32Array | undefined {
  // A wide column's values are a BigUint64Array/BigInt64Array, so its bytes are 8-byte aligned.
  return col && (col.dtype === 'u64' || col.dtype === 'i64') && !col.narrow ? new Uint32Array(col.values.buffer, col.values.byteOffset, col.values.length * 2) : undefined
}

/** A u8…i32 column's values (undefined when absent or of another type). */
export function ints(col: Column | undefined): ArrayLike<number> | undefined {
  return col && (col.dtype === 'u8' || col.dtype === 'u16' || col.dtype === 'u32' || col.dtype === 'i32') ? col.values : undefined
}

/** A u64/i64 column stored narrow (1–4 bytes a value): its values as numbers; undefined otherwise. */
export function narrow64(col: Column | undefined): ArrayLike<number> | undefined {
  return col && (col.dtype === 'u64' || col.dtype === 'i64') && col.narrow ? (col.values as ArrayLike<number>) : undefined
}

/** A string, or undefined when the row has none. */
export function str(col: Column | undefined, i: number): string | undefined {
  if (!col || col.dtype !== 'str') return undefined
  const k = col.index[i]!
  return k === 0 ? undefined : col.dict[k - 1]
}

/** A bytes value as a view (not a copy), or undefined when empty (absent). */
export function bytes(col: Column | undefined, i: number): Uint8Array | undefined {
  if (!col || col.dtype !== 'bytes') return undefined
  const from = col.offsets[i]!
  const to = col.offsets[i + 1]!
  return to > from ? col.data.subarray(from, to) : undefined
}
