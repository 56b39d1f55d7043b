// Column encoding and decoding (spec/ARCHIVE.md §5): little-endian typed arrays in MessagePack `bin`,
// dictionary-coded strings, concatenated blobs with offsets. Decoding checks every length and index in a
// tight loop instead of validating entry objects.
import { DTYPE_WIDTH, type DType } from './fields.js'
import { keepShape } from './kept-shapes.js'
import { ALIGN, LazyBin } from './msgpack-encode.js'
import { LazyStrings } from './payload.js'
import type { ColumnPayload } from './schemas.js'

if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) {
  // Typed arrays follow the host's byte order; every platform Node and browsers run on is little-endian.
  throw new Error('pssnap: big-endian hosts are not supported')
}

export type NumericDType = 'u8' | 'u16' | 'u32' | 'i32'
export type BigDType = 'u64' | 'i64'

/** Stored values of an integer column: as wide as the type, or narrower (spec §5.1). */
export type IntArray = Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array

export type Column =
  | { readonly dtype: NumericDType; readonly values: IntArray }
  /** `values` holds bigints when stored 8 bytes wide, else numbers that readers widen with BigInt(). */
  | { readonly dtype: BigDType; readonly values: BigUint64Array | BigInt64Array | IntArray; readonly narrow: boolean }
  /** `strings`: the dictionary as read from the payload, when it was (its strings decoded on demand). */
  | { readonly dtype: 'str'; readonly dict: readonly string[]; readonly index: Uint8Array | Uint16Array | Uint32Array; readonly strings?: LazyStrings }
  | { readonly dtype: 'bytes'; readonly data: Uint8Array; readonly offsets: Uint32Array; readonly architecture?: string }

export const DTYPES: readonly DType[] = ['u8', 'u16', 'u32', 'i32', 'u64', 'i64', 'str', 'bytes']

type TypedCtor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayBufferView; BYTES_PER_ELEMENT: number }
const CTORS: Record<NumericDType | BigDType, TypedCtor> = {
  u8: Uint8Array,
  u16: Uint16Array,
  u32: Uint32Array,
  i32: Int32Array,
  u64: BigUint64Array,
  i64: BigInt64Array,
}
const UNSIGNED_BY_WIDTH: Record<number, TypedCtor> = { 1: Uint8Array, 2: Uint16Array, 4: Uint32Array, 8: BigUint64Array }
const SIGNED_BY_WIDTH: Record<number, TypedCtor> = { 1: Int8Array, 2: Int16Array, 4: Int32Array, 8: BigInt64Array }
const isSigned = (dtype: DType) => dtype === 'i32' || dtype === 'i64'

/** Width in bytes of each stored value: data.length / count, checked against what the type allows. */
function storedWidth(bytes: number, count: number, max: number, what: string): number | string {
  if (count === 0) return bytes === 0 ? max : `${what} holds ${bytes} bytes for 0 entries`
  const w = bytes / count
  if (w !== 1 && w !== 2 && w !== 4 && w !== 8) return `${what} holds ${bytes} bytes for ${count} entries (not 1, 2, 4 or 8 per entry)`
  if (w > max) return `${what} stores ${w}-byte values, wider than its type (${max})`
  return w
}

/** A typed view of `bin` when it is aligned, else an aligned copy (MessagePack gives no alignment). */
function typed<T extends ArrayBufferView>(ctor: TypedCtor, bin: Uint8Array): T {
  const w = ctor.BYTES_PER_ELEMENT
  if (bin.byteOffset % w === 0) return new ctor(bin.buffer, bin.byteOffset, bin.byteLength / w) as T
  const copy = new Uint8Array(bin.byteLength)
  copy.set(bin)
  return new ctor(copy.buffer, 0, bin.byteLength / w) as T
}

/** The first row whose index is past `limit`, or -1. */
function firstPast(index: ArrayLike<number>, limit: number): number {
  for (let i = 0; i < index.length; i++) if (index[i]! > limit) return i
  return -1
}

export function asBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
}

/** Decodes and checks one column of `count` values; returns a message instead of throwing. */
export function decodeColumn(c: ColumnPayload, count: number): Column | string {
  const dtype = c.type as DType
  switch (dtype) {
    case 'u8': case 'u16': case 'u32': case 'i32': case 'u64': case 'i64': {
      const width = storedWidth(c.data.length, count, DTYPE_WIDTH[dtype], `${dtype} column`)
      if (typeof width === 'string') return width
      const values = typed((isSigned(dtype) ? SIGNED_BY_WIDTH : UNSIGNED_BY_WIDTH)[width]!, c.data)
      return (dtype === 'u64' || dtype === 'i64' ? { dtype, values, narrow: width < 8 } : { dtype, values }) as Column
    }
    case 'str': {
      const source = c.dict as readonly string[] | LazyStrings | undefined
      if (!source) return 'str column has no dict'
      const width = storedWidth(c.data.length, count, 4, 'str column index')
      if (typeof width === 'string') return width
      const index = typed<Uint8Array | Uint16Array | Uint32Array>(UNSIGNED_BY_WIDTH[width]!, c.data)
      const limit = source.length
      // A dictionary read from a payload checks the index and sums its expansion in one pass (LazyStrings.checkIndex).
      const bad = source instanceof LazyStrings ? -1 - Math.min(0, source.checkIndex(index)) : firstPast(index, limit)
      if (bad >= 0) return `str column index ${index[bad]} at row ${bad} exceeds the dictionary (${limit})`
      if (!(source instanceof LazyStrings)) return { dtype, dict: source, index }
      // The strings are decoded the first time anything reads the dictionary (opening and validating do not),
      // and only those the index refers to (spec/ARCHIVE.md §2.4).
      return {
        dtype,
        index,
        get dict(): readonly string[] {
          return source.decode(index)
        },
        strings: source,
      }
    }
    case 'bytes': {
      if (!c.offsets) return 'bytes column has no offsets'
      if (c.offsets.length !== (count + 1) * 4) return `bytes column offsets hold ${c.offsets.length} bytes, expected ${count + 1} × 4`
      const offsets = typed<Uint32Array>(Uint32Array, c.offsets)
      if (offsets[0] !== 0) return 'bytes column offsets do not start at 0'
      for (let i = 1; i < offsets.length; i++) if (offsets[i]! < offsets[i - 1]!) return `bytes column offsets decrease at row ${i - 1}`
      if (offsets[count] !== c.data.length) return `bytes column offsets end at ${offsets[count]}, data holds ${c.data.length}`
      // A plain Uint8Array view: in Node the bin may be a Buffer, whose slice() would alias instead of copy.
      const data = asBytes(c.data)
      return c.architecture === undefined ? { dtype, data, offsets } : { dtype, data, offsets, architecture: c.architecture }
    }
    default:
      return `unknown column type '${String(c.type)}'`
  }
}

/**
 * Checks only that an unknown column's stored values are `count` values of its type (spec §5.1–5.3),
 * without decoding them: the chunk's row count is then backed by its bytes. A message when not.
 */
export function checkColumnLength(c: { type: string; data: Uint8Array; offsets?: Uint8Array | undefined }, count: number): string | undefined {
  switch (c.type as DType) {
    case 'u8': case 'u16': case 'u32': case 'i32': case 'u64': case 'i64': case 'str': {
      const width = storedWidth(c.data.length, count, c.type === 'str' ? 4 : DTYPE_WIDTH[c.type as DType], `${c.type} column`)
      return typeof width === 'string' ? width : undefined
    }
    case 'bytes':
      return c.offsets && c.offsets.length === (count + 1) * 4 ? undefined : `bytes column offsets do not hold ${count + 1} × 4 bytes`
    default:
      return `unknown column type '${String(c.type)}'`
  }
}

/** Checks a sparse group's row list: strictly increasing, each < count. */
export function decodeRows(bin: Uint8Array, count: number): Uint32Array | string {
  if (bin.length % 4 !== 0) return `sparse rows hold ${bin.length} bytes, not a multiple of 4`
  const rows = typed<Uint32Array>(Uint32Array, bin)
  let previous = -1
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!
    if (r <= previous || r >= count) return `sparse row ${r} at position ${i} is out of order or ≥ ${count}`
    previous = r
  }
  return rows
}

/** Reads value `i` of a column as the row object carries it (bigint for 64-bit, undefined when absent). */
export function columnValue(col: Column, i: number): number | bigint | string | Uint8Array | undefined {
  switch (col.dtype) {
    case 'str': {
      const k = col.index[i]!
      return k === 0 ? undefined : col.dict[k - 1]
    }
    case 'bytes': {
      const start = col.offsets[i]!
      const end = col.offsets[i + 1]!
      // A copy, so a kept value does not pin the whole file buffer.
      return end === start ? undefined : col.data.slice(start, end)
    }
    case 'u64':
    case 'i64':
      return col.narrow ? BigInt(col.values[i] as number) : col.values[i]
    default:
      return col.values[i]
  }
}

// ---- Encoding: growable column builders used by the writer ----

export interface ColumnBuilder {
  /** Appends one value; `undefined` stores the dtype's zero/absent value. */
  push(value: unknown): void
  /** True once any pushed value was defined (an all-absent column is not written). */
  readonly defined: boolean
  readonly length: number
  /** Estimated encoded bytes so far, for chunk sizing. */
  readonly byteSize: number
  /**
   * byteSize = length × rowBytes + variableBytes, split so the writer can size a chunk without asking every
   * column (variableBytes: a dictionary's or a blob column's growing part, 0 for numbers).
   */
  readonly rowBytes: number
  readonly variableBytes: number
  finish(): ColumnPayload
  reset(): void
  /**
   * Empties the builder and drops its buffers for small ones: a finished writer's builders are kept so that
   * their hidden classes, and the optimised code that depends on them, outlive it (ArchiveWriter.finish).
   */
  release(): void
}

export class NumericBuilder implements ColumnBuilder {
  protected buf: Uint8Array<ArrayBuffer>
  /** The values (typed array of the dtype); with `length`, `capacity` and `grow`, used by the writer's generated adders. */
  view: Record<number, number | bigint>
  /** How many values `view` holds before `grow()` is needed. */
  capacity: number
  protected readonly width: number
  length = 0
  defined = false
  readonly variableBytes = 0
  constructor(
    protected readonly dtype: NumericDType | BigDType,
    capacity = 1024,
  ) {
    this.width = DTYPE_WIDTH[dtype]
    this.buf = new Uint8Array(capacity * this.width)
    this.capacity = capacity
    this.view = new CTORS[dtype](this.buf.buffer, 0, capacity) as unknown as Record<number, number>
  }
  get byteSize(): number {
    return this.length * this.width
  }
  get rowBytes(): number {
    return this.width
  }
  push(value: unknown): void {
    if (this.length === this.capacity) this.grow()
    // A typed array stores undefined as 0, which is the absent value of numeric columns.
    if (value !== undefined) this.defined = true
    this.view[this.length++] = value as number
  }
  grow(): void {
    const next = new Uint8Array(Math.max(64, this.buf.length * 2))
    next.set(this.buf)
    this.buf = next
    this.capacity = next.length / this.width
    this.view = new CTORS[this.dtype](next.buffer, 0, this.capacity) as unknown as Record<number, number>
  }
  /** The values at the type's full width (for offsets and sparse rows, which the spec fixes at u32). */
  finishFull(): Uint8Array {
    return this.buf.subarray(0, this.length * this.width)
  }
  finish(): ColumnPayload {
    return { type: this.dtype, _d: ALIGN, data: narrowest(this.dtype, this.view as unknown as ArrayLike<number | bigint>, this.length) } as ColumnPayload
  }
  reset(): void {
    // The buffer is reused: a finished payload is copied into its frame before the next entry arrives.
    // Every slot holds 0 until written (a fresh or grown buffer is zero, and what a chunk wrote is cleared
    // here), so the writer's generated adders leave absent values unwritten instead of storing each 0.
    if (this.defined) this.buf.fill(0, 0, this.length * this.width)
    this.length = 0
    this.defined = false
  }
  release(): void {
    this.length = 0
    this.defined = false
    this.buf = new Uint8Array(8 * this.width)
    this.capacity = 8
    this.view = new CTORS[this.dtype](this.buf.buffer, 0, 8) as unknown as Record<number, number>
  }
}

export class BigBuilder extends NumericBuilder {
  override push(value: unknown): void {
    if (this.length === this.capacity) this.grow()
    if (value === undefined) this.view[this.length++] = 0n
    else {
      this.defined = true
      this.view[this.length++] = typeof value === 'bigint' ? value : BigInt(value as number)
    }
  }
}

export class StringBuilder implements ColumnBuilder {
  /** The dictionary ids, 0 for absent (the writer's generated adder fills it in step with its section). */
  readonly index = new NumericBuilder('u32')
  private dict: string[] = []
  private ids = new Map<string, number>()
  private dictBytes = 0
  defined = false
  get length(): number {
    return this.index.length
  }
  get byteSize(): number {
    return this.index.byteSize + this.dictBytes
  }
  readonly rowBytes = 4
  get variableBytes(): number {
    return this.dictBytes
  }
  /** The last value pushed and its id: runs of one value (a region's image, a handle's type) skip the map. */
  private lastValue: string | undefined
  private lastId = 0
  push(value: unknown): void {
    this.index.push(typeof value === 'string' ? this.idOf(value) : 0)
  }
  /** The dictionary id of `value` (from 1), added to the dictionary when new. */
  idOf(value: string): number {
    this.defined = true
    if (value === this.lastValue) return this.lastId
    let id = this.ids.get(value)
    if (id === undefined) {
      this.dict.push(value)
      id = this.dict.length
      this.ids.set(value, id)
      this.dictBytes += value.length * 3 + 5
    }
    this.lastValue = value
    this.lastId = id
    return id
  }
  finish(): ColumnPayload {
    // The index is a u32 builder, so its narrowest width follows from the largest index, dict.length.
    return { type: 'str', _d: ALIGN, data: this.index.finish().data, dict: this.dict } as ColumnPayload
  }
  reset(): void {
    this.index.reset()
    this.lastValue = undefined
    this.dict = []
    this.ids = new Map()
    this.dictBytes = 0
    this.defined = false
  }
  release(): void {
    this.reset()
    this.index.release()
  }
}

class BytesBuilder implements ColumnBuilder {
  private data = new Uint8Array(1 << 16)
  private offsets = new NumericBuilder('u32')
  private total = 0
  defined = false
  architecture: string | undefined
  constructor() {
    this.offsets.push(0)
  }
  get length(): number {
    return this.offsets.length - 1
  }
  get byteSize(): number {
    return this.total + this.offsets.byteSize
  }
  readonly rowBytes = 4
  /** The blob bytes and the offsets' leading 0. */
  get variableBytes(): number {
    return this.total + 4
  }
  push(value: unknown): void {
    if (value instanceof Uint8Array && value.length > 0) {
      this.defined = true
      if (this.total + value.length > this.data.length) {
        const next = new Uint8Array(Math.max(this.data.length * 2, this.total + value.length))
        next.set(this.data.subarray(0, this.total))
        this.data = next
      }
      // Copied: the caller's buffer may be reused for the next entry (as PSS walk buffers are).
      this.data.set(value, this.total)
      this.total += value.length
    }
    this.offsets.push(this.total)
  }
  finish(): ColumnPayload {
    const out = { type: 'bytes', data: this.data.subarray(0, this.total), _o: ALIGN, offsets: this.offsets.finishFull() } as ColumnPayload
    if (this.architecture !== undefined) out.architecture = this.architecture
    return out
  }
  reset(): void {
    this.offsets.reset()
    this.offsets.push(0)
    this.total = 0
    this.defined = false
  }
  release(): void {
    this.data = new Uint8Array(8)
    this.offsets.release()
    this.offsets.push(0)
    this.total = 0
    this.defined = false
  }
}

/**
 * A column's values in the narrowest width (spec §5.1) that holds every one of them. The width is found
 * here; the narrowed bytes are written by the encoder straight into the frame (LazyBin), not into a buffer
 * of their own that would then be copied.
 */
function narrowest(dtype: NumericDType | BigDType, values: ArrayLike<number | bigint>, length: number): Uint8Array | NarrowColumn {
  const full = DTYPE_WIDTH[dtype]
  let width = 1
  const src = values as unknown as ArrayBufferView
  if (full === 1) return new Uint8Array(src.buffer, src.byteOffset, length)
  if (dtype === 'u64') {
    // Through 32-bit halves: no bigint per value. Narrow only when every high half is zero. An OR has the
    // highest bit of the largest value, which is all the width depends on (and costs no compare).
    const words = new Uint32Array(src.buffer, src.byteOffset, length * 2)
    let low = 0
    let high = 0
    for (let i = 0; i < words.length; i += 2) {
      low |= words[i]!
      high |= words[i + 1]!
    }
    if (high !== 0) return new Uint8Array(src.buffer, src.byteOffset, length * 8)
    width = fitsWidth(false, 0, low >>> 0)
  } else if (dtype === 'i64') {
    let lo = 0n
    let hi = 0n
    for (let i = 0; i < length; i++) {
      const v = values[i] as bigint
      if (v > hi) hi = v
      else if (v < lo) lo = v
    }
    width = fitsWidth(true, Number(lo < -(1n << 40n) ? -(2 ** 40) : lo), hi > 0xffffffffn ? 2 ** 40 : Number(hi))
  } else if (dtype === 'i32') {
    const ints = values as Int32Array
    let lo = 0
    let hi = 0
    for (let i = 0; i < length; i++) {
      const v = ints[i]!
      if (v > hi) hi = v
      else if (v < lo) lo = v
    }
    width = fitsWidth(true, lo, hi)
  } else {
    // u16 and u32 through one loop over 32-bit words (a u16 pair per word, folded after).
    const or = orOfWords(src, length * full)
    width = fitsWidth(false, 0, full === 2 ? (or | (or >>> 16)) & 0xffff : or)
  }
  width = Math.min(width, full)
  if (width === full) return new Uint8Array(src.buffer, src.byteOffset, length * full)
  return new NarrowColumn(dtype, src, length, width)
}

/** The OR of the first `bytes` bytes of `src` (4-byte aligned, a multiple of 2) read as 32-bit words, unsigned. */
function orOfWords(src: ArrayBufferView, bytes: number): number {
  const whole = bytes >>> 2
  const words = new Uint32Array(src.buffer, src.byteOffset, whole + (bytes & 3 ? 1 : 0))
  let or = 0
  for (let i = 0; i < whole; i++) or |= words[i]!
  // A trailing u16 shares its word with the next slot, which is not the column's: only its own bytes count.
  if (bytes & 3) or |= words[whole]! & 0xffff
  return or >>> 0
}

class NarrowColumn extends LazyBin {
  readonly byteLength: number
  constructor(
    private readonly dtype: NumericDType | BigDType,
    private readonly values: ArrayBufferView,
    private readonly length: number,
    private readonly width: number,
  ) {
    super()
    this.byteLength = length * width
  }
  writeTo(out: Uint8Array, at: number): void {
    const { dtype, length, width } = this
    const ctor = (isSigned(dtype) ? SIGNED_BY_WIDTH : UNSIGNED_BY_WIDTH)[width]!
    // ALIGN places column data 8-byte aligned in the output's buffer; anything else goes through a copy.
    const offset = out.byteOffset + at
    const aligned = offset % width === 0
    const dest = new ctor(aligned ? out.buffer : new ArrayBuffer(this.byteLength), aligned ? offset : 0, length) as unknown as Record<number, number>
    const src = this.values
    if (dtype === 'u64') {
      const words = new Uint32Array(src.buffer, src.byteOffset, length * 2)
      for (let i = 0; i < length; i++) dest[i] = words[i * 2]!
    } else if (dtype === 'i64') {
      const values = src as BigInt64Array
      for (let i = 0; i < length; i++) dest[i] = Number(values[i]!)
    } else {
      // One bulk conversion (every value fits the narrower type, so it is stored unchanged).
      const values = src as Uint32Array
      ;(dest as unknown as Uint32Array).set(values.subarray(0, length))
    }
    if (!aligned) out.set(new Uint8Array((dest as unknown as ArrayBufferView).buffer, 0, this.byteLength), at)
  }
}

// A chunk's narrowed columns are gone once it is written; one empty one keeps their class (format/kept-shapes.ts).
keepShape(new NarrowColumn('u32', new Uint32Array(0), 0, 1))

function fitsWidth(signed: boolean, lo: number, hi: number): number {
  if (signed) return lo >= -0x80 && hi <= 0x7f ? 1 : lo >= -0x8000 && hi <= 0x7fff ? 2 : lo >= -0x80000000 && hi <= 0x7fffffff ? 4 : 8
  return hi <= 0xff ? 1 : hi <= 0xffff ? 2 : hi <= 0xffffffff ? 4 : 8
}

/** Row indices of a sparse group: always full u32 (spec §5.4). */
export function rowsBuilder(): NumericBuilder {
  return new NumericBuilder('u32')
}

export function columnBuilder(dtype: DType): ColumnBuilder & { architecture?: string | undefined } {
  if (dtype === 'str') return new StringBuilder()
  if (dtype === 'bytes') return new BytesBuilder()
  if (dtype === 'u64' || dtype === 'i64') return new BigBuilder(dtype)
  return new NumericBuilder(dtype)
}
