// Column-to-column loading: each archive chunk's typed arrays are copied into DuckDB data chunks (2,048 rows
// each) and appended, never a row object or a DuckDB value per entry. Strings go in as ENUM indices over
// the chunk's own dictionary (the table stores VARCHAR: the appender casts, in C++). The copy into a vector
// is unchecked, so every byte count below is the row count times the vector's exact width.
import type { Column, DecodedSparseGroup, Section } from '../reader/index.js'
import { formatNamed } from '../reader/index.js'
import { hiAt, intColumn, loAt, type IntColumn } from '../reader/column-views.js'
import type { DuckDBModules } from './duckdb.js'
import type { EntryColumn, EntryTable, SqlType } from './tables.js'

type Api = DuckDBModules['api']
type DataChunk = InstanceType<Api['DuckDBDataChunk']>
type Appender = Awaited<ReturnType<InstanceType<Api['DuckDBConnection']>['createAppender']>>
/** A raw C-API logical type: the chunk is made with the binding, not node-api (its ENUM type indexes every member in a JS object). */
type LogicalType = ReturnType<DuckDBModules['bindings']['create_logical_type']>

const WIDTH: Readonly<Record<SqlType, number>> = { UTINYINT: 1, USMALLINT: 2, UINTEGER: 4, INTEGER: 4, UBIGINT: 8, BIGINT: 8, DOUBLE: 8, TIMESTAMP: 8, VARCHAR: 0, BOOLEAN: 1 }
const TWO_32 = 4294967296
/**
 * The appender buffers rows until it holds 204,800, then copies them into the table: a buffer of that size
 * (about 70 MB for the handles table) is out of the CPU caches when copied again, and its fresh pages fault
 * in each time. Flushing every 8,192 rows copies them while they are still cached (1M entries: load 11 % less
 * CPU, 16 % less time, in alternating rounds).
 */
const FLUSH_ROWS = 8192
/** 100 ns ticks from 1601-01-01 to 1970-01-01, divided by 10 (µs): 11,644,473,600,000,000 as two words. */
const EPOCH_US_HI = Math.floor(11644473600000000 / TWO_32)
const EPOCH_US_LO = 11644473600000000 - EPOCH_US_HI * TWO_32

/** Scratch space per column, reused for every vector: 2,048 rows × 8 bytes. */
class Scratch {
  readonly buffer: ArrayBuffer
  readonly u8: Uint8Array
  readonly u16: Uint16Array
  readonly u32: Uint32Array
  readonly i32: Int32Array
  readonly f64: Float64Array
  /** Validity bits, one u64 word per 64 rows. */
  readonly validity: Uint8Array
  constructor(rows: number) {
    this.buffer = new ArrayBuffer(rows * 8)
    this.u8 = new Uint8Array(this.buffer)
    this.u16 = new Uint16Array(this.buffer)
    this.u32 = new Uint32Array(this.buffer)
    this.i32 = new Int32Array(this.buffer)
    this.f64 = new Float64Array(this.buffer)
    this.validity = new Uint8Array(Math.ceil(rows / 64) * 8)
  }
}

/** One column's source within one archive chunk, prepared once per chunk. */
interface Prepared {
  readonly type: LogicalType
  /** Writes rows [from, from + n) of the chunk into the vector; true when some are NULL (then `s.validity` holds which). */
  write(vector: unknown, from: number, n: number, s: Scratch): boolean
}

export interface FillContext {
  readonly duck: DuckDBModules
  readonly rows: number
}

/** Appends every entry of `section` to the table behind `appender`, with `snapshot_id` first. */
export function appendSection(ctx: FillContext, appender: Appender, table: EntryTable, snapshotId: number, section: Section<object>): number {
  const { api, bindings } = ctx.duck
  // Sparse members are spread over their chunk's rows one chunk at a time (below), not all at once.
  const spans = table.columns.map((c) => (c.group === undefined ? section.spans(c.field) : section.sparseSpans(c.group)))
  const chunks = spans[0]?.length ?? 0
  const scratch = [new Scratch(ctx.rows), ...table.columns.map(() => new Scratch(ctx.rows))]
  const ids = scratch[0]!.u32.fill(snapshotId)
  let appended = 0
  let sinceFlush = 0
  for (let k = 0; k < chunks; k++) {
    const count = spans[0]![k]!.count
    if (count === 0) continue
    // Which rows have each sparse group, as validity bits: computed once per group and shared by its members.
    const presence = new Map<DecodedSparseGroup, Uint8Array>()
    const prepared = table.columns.map((c, j) => {
      const span = spans[j]![k]!
      if (!('group' in span)) return prepare(api, c, span.column)
      const { column, present } = spread(c, span.count, span.group, presence)
      return present ? onlyPresent(prepare(api, c, column), present) : prepare(api, c, column)
    })
    const chunk: DataChunk = new api.DuckDBDataChunk(bindings.create_data_chunk([logical(api, 'UINTEGER'), ...prepared.map((p) => p.type)]))
    for (let from = 0; from < count; from += ctx.rows) {
      const n = Math.min(ctx.rows, count - from)
      bindings.data_chunk_reset(chunk.chunk)
      const raw = chunk.chunk
      bindings.copy_data_to_vector(bindings.data_chunk_get_vector(raw, 0), 0, ids.buffer as ArrayBuffer, 0, n * 4)
      for (let j = 0; j < prepared.length; j++) {
        const vector = bindings.data_chunk_get_vector(raw, j + 1)
        const s = scratch[j + 1]!
        if (prepared[j]!.write(vector, from, n, s)) {
          bindings.vector_ensure_validity_writable(vector)
          bindings.copy_data_to_vector_validity(vector, 0, s.validity.buffer as ArrayBuffer, 0, Math.ceil(n / 64) * 8)
        }
      }
      bindings.data_chunk_set_size(raw, n)
      appender.appendDataChunk(chunk)
      appended += n
      if ((sinceFlush += n) >= FLUSH_ROWS) {
        appender.flushSync()
        sinceFlush = 0
      }
    }
  }
  return appended
}

/**
 * A sparse group's member as a column over every entry of one chunk: values scattered to their rows, and which
 * rows have the group (the others are NULL).
 */
function spread(c: EntryColumn, count: number, group: DecodedSparseGroup | undefined, presence: Map<DecodedSparseGroup, Uint8Array>): { column: Column | undefined; present?: Uint8Array } {
  const member = c.field.slice(c.group!.length + 1)
  const source = group && Object.hasOwn(group.columns, member) ? group.columns[member] : undefined
  if (!group || !source || source.dtype === 'bytes') return { column: undefined }
  const rows = group.rows
  let column: Column
  if (source.dtype === 'str') {
    const index = new Uint32Array(count)
    for (let k = 0; k < rows.length; k++) if (rows[k]! < count) index[rows[k]!] = source.index[k]!
    column = { dtype: 'str', dict: source.dict, index }
  } else {
    const values = source.values
    const dense = new (values.constructor as new (n: number) => typeof values)(count)
    for (let k = 0; k < rows.length; k++) if (rows[k]! < count) (dense as unknown as unknown[])[rows[k]!] = values[k]!
    column = { ...source, values: dense } as Column
  }
  let present = presence.get(group)
  if (!present) {
    present = new Uint8Array((count + 7) >> 3)
    for (let k = 0; k < rows.length; k++) if (rows[k]! < count) present[rows[k]! >> 3]! |= 1 << (rows[k]! & 7)
    presence.set(group, present)
  }
  return { column, present }
}

/** NULL where the row does not have the sparse group (`present`: one bit per row of the chunk). */
function onlyPresent(inner: Prepared, present: Uint8Array): Prepared {
  return {
    type: inner.type,
    write(v, from, n, s) {
      let nulls = inner.write(v, from, n, s)
      const valid = s.validity
      if (!nulls) valid.fill(0xff, 0, Math.ceil(n / 64) * 8)
      // `from` is a multiple of the vector size: whole bytes of `present` line up with the vector's.
      const base = from >> 3
      const whole = n >> 3
      for (let b = 0; b < whole; b++) {
        const p = present[base + b]!
        if (p === 0xff) continue
        valid[b]! &= p
        nulls = true
      }
      for (let i = whole << 3; i < n; i++) {
        if (present[(from + i) >> 3]! & (1 << ((from + i) & 7))) continue
        valid[i >> 3]! &= ~(1 << (i & 7))
        nulls = true
      }
      return nulls
    },
  }
}

function prepare(api: Api, c: EntryColumn, column: Column | undefined): Prepared {
  switch (c.fill) {
    case 'int':
      return intSource(api, c, column)
    case 'time':
      return timeSource(api, column)
    case 'dur':
      return durSource(api, column)
    case 'text':
      return textSource(api, column)
    case 'name':
      return nameSource(api, c, column)
    case 'length':
      return lengthSource(api, column)
  }
}

const rawTypes = new Map<SqlType, LogicalType>()
const logical = (api: Api, type: SqlType): LogicalType => {
  let t = rawTypes.get(type)
  if (!t) rawTypes.set(type, (t = (api[type] as { toLogicalType(): { logical_type: LogicalType } }).toLogicalType().logical_type))
  return t
}
const enumType = (members: readonly string[]): LogicalType => bindingsRef!.create_enum_type(members)

/** Marks every row of [0, n) invalid (NULL). */
function allNull(s: Scratch, n: number): boolean {
  s.validity.fill(0, 0, Math.ceil(n / 64) * 8)
  return true
}

/** Sets validity bits from a predicate's rows: valid where `ok(i)`. Returns whether any row is NULL. */
function validityFrom(s: Scratch, n: number, ok: (i: number) => boolean): boolean {
  const v = s.validity
  v.fill(0, 0, Math.ceil(n / 64) * 8)
  let nulls = false
  for (let i = 0; i < n; i++) {
    if (ok(i)) v[i >> 3]! |= 1 << (i & 7)
    else nulls = true
  }
  return nulls
}

let bindingsRef: DuckDBModules['bindings'] | undefined
/** The raw copy, bound once by `bindCopy`. */
function copyTo(vector: unknown, buffer: ArrayBufferLike, byteOffset: number, bytes: number): void {
  bindingsRef!.copy_data_to_vector(vector as never, 0, buffer as ArrayBuffer, byteOffset, bytes)
}
export function bindCopy(bindings: DuckDBModules['bindings']): void {
  bindingsRef = bindings
}

function intSource(api: Api, c: EntryColumn, column: Column | undefined): Prepared {
  const type = logical(api, c.type)
  const width = WIDTH[c.type]
  if (!column || column.dtype === 'str' || column.dtype === 'bytes') return { type, write: (_v, _f, n, s) => allNull(s, n) }
  const values = column.values
  if (values.BYTES_PER_ELEMENT === width) {
    // Stored as wide as the SQL type: straight from the archive's bytes. A file of 24 MiB or more is read into a
    // SharedArrayBuffer (reader/node.ts), which the binding refuses: its values go through the scratch buffer.
    if (!(values.buffer instanceof ArrayBuffer)) {
      return {
        type,
        write(v, from, n, s) {
          s.u8.set(new Uint8Array(values.buffer, values.byteOffset + from * width, n * width))
          copyTo(v, s.buffer, 0, n * width)
          return false
        },
      }
    }
    return { type, write: (v, from, n) => (copyTo(v, values.buffer, values.byteOffset + from * width, n * width), false) }
  }
  if (width === 8) {
    // A 64-bit field stored narrow: widen into words (sign-extending a signed one).
    const narrow = values as Exclude<typeof values, BigUint64Array | BigInt64Array>
    return {
      type,
      write(v, from, n, s) {
        const w = s.u32
        for (let i = 0; i < n; i++) {
          const x = narrow[from + i]!
          w[2 * i] = x >>> 0
          w[2 * i + 1] = x < 0 ? 0xffffffff : 0
        }
        copyTo(v, s.buffer, 0, n * 8)
        return false
      },
    }
  }
  // A narrower stored width: TypedArray.set widens numerically.
  const narrow = values as Exclude<typeof values, BigUint64Array | BigInt64Array>
  return {
    type,
    write(v, from, n, s) {
      const target = width === 1 ? s.u8 : width === 2 ? s.u16 : c.type === 'INTEGER' ? s.i32 : s.u32
      target.set(narrow.subarray(from, from + n))
      copyTo(v, s.buffer, 0, n * width)
      return false
    },
  }
}

/** FILETIME (100 ns since 1601) → µs since 1970, exactly, in 32-bit words; 0 (never set) → NULL. */
function timeSource(api: Api, column: Column | undefined): Prepared {
  const type = logical(api, 'TIMESTAMP')
  const col: IntColumn = intColumn(column)
  if (!col.words && !col.narrow) return { type, write: (_v, _f, n, s) => allNull(s, n) }
  return {
    type,
    write(v, from, n, s) {
      const w = s.u32
      const valid = s.validity
      valid.fill(0, 0, Math.ceil(n / 64) * 8)
      let nulls = false
      for (let i = 0; i < n; i++) {
        const hi = hiAt(col, from + i) >>> 0
        const lo = loAt(col, from + i) >>> 0
        if (hi === 0 && lo === 0) {
          nulls = true
          w[2 * i] = 0
          w[2 * i + 1] = 0
          continue
        }
        valid[i >> 3]! |= 1 << (i & 7)
        // ticks / 10: the high word's quotient, then the remainder carried into the low word (< 10 × 2^32: exact).
        const qHi = Math.floor(hi / 10)
        const rest = (hi - qHi * 10) * TWO_32 + lo
        let qLo = Math.floor(rest / 10)
        let h = qHi - EPOCH_US_HI
        qLo -= EPOCH_US_LO
        if (qLo < 0) {
          qLo += TWO_32
          h -= 1
        }
        w[2 * i] = qLo
        w[2 * i + 1] = h >>> 0
      }
      copyTo(v, s.buffer, 0, n * 8)
      return nulls
    },
  }
}

function durSource(api: Api, column: Column | undefined): Prepared {
  const type = logical(api, 'DOUBLE')
  const col = intColumn(column)
  if (!col.words && !col.narrow) return { type, write: (_v, _f, n, s) => allNull(s, n) }
  return {
    type,
    write(v, from, n, s) {
      for (let i = 0; i < n; i++) s.f64[i] = ((hiAt(col, from + i) >>> 0) * TWO_32 + (loAt(col, from + i) >>> 0)) / 1e7
      copyTo(v, s.buffer, 0, n * 8)
      return false
    },
  }
}

/** Distinct strings in first-seen order, and each stored index's position among them (0 stays NULL). */
function enumOver(strings: readonly string[]): { values: string[]; remap: Uint32Array } {
  const position = new Map<string, number>()
  const remap = new Uint32Array(strings.length + 1)
  const values: string[] = []
  for (let k = 0; k < strings.length; k++) {
    const text = strings[k]!
    let p = position.get(text)
    if (p === undefined) {
      p = values.push(text) - 1
      position.set(text, p)
    }
    remap[k + 1] = p
  }
  return { values, remap }
}

/** Writes ENUM indices `remap[index[from + i]]` at the enum's width; index 0 is NULL. */
function enumWriter(values: readonly string[], index: ArrayLike<number>, remap: Uint32Array): Prepared['write'] {
  const width = values.length < 256 ? 1 : values.length < 65536 ? 2 : 4
  return (v, from, n, s) => {
    const target = width === 1 ? s.u8 : width === 2 ? s.u16 : s.u32
    let nulls = false
    const valid = s.validity
    valid.fill(0, 0, Math.ceil(n / 64) * 8)
    for (let i = 0; i < n; i++) {
      const k = index[from + i]!
      if (k === 0) {
        nulls = true
        target[i] = 0
      } else {
        target[i] = remap[k]!
        valid[i >> 3]! |= 1 << (i & 7)
      }
    }
    copyTo(v, s.buffer, 0, n * width)
    return nulls
  }
}

function textSource(api: Api, column: Column | undefined): Prepared {
  if (column?.dtype !== 'str') return { type: logical(api, 'VARCHAR'), write: (_v, _f, n, s) => allNull(s, n) }
  // ENUM members go to DuckDB as C strings: one holding U+0000 would be cut there, and two cut to the same
  // text (or two lone surrogates, both U+FFFD in UTF-8) make a duplicate member, which crashes the process.
  // Such a chunk is loaded as VARCHAR, one string at a time.
  if (column.dict.some((t) => t.includes('\0') || LONE_SURROGATE.test(t))) return varcharSource(api, column.dict, column.index)
  const { values, remap } = enumOver(column.dict)
  // An ENUM needs at least one member; a chunk whose strings are all absent gets a placeholder never used.
  const members = values.length ? values : ['']
  return { type: enumType(members), write: enumWriter(members, column.index, remap) }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Strings set one by one with their byte length (slower than ENUM indices; for texts an ENUM cannot hold). */
function varcharSource(api: Api, dict: readonly string[], index: ArrayLike<number>): Prepared {
  const encoder = new TextEncoder()
  const bytes: (Uint8Array | undefined)[] = new Array(dict.length + 1)
  return {
    type: logical(api, 'VARCHAR'),
    write(v, from, n, s) {
      const valid = s.validity
      valid.fill(0, 0, Math.ceil(n / 64) * 8)
      let nulls = false
      for (let i = 0; i < n; i++) {
        const k = index[from + i]!
        if (k === 0) {
          nulls = true
          continue
        }
        bindingsRef!.vector_assign_string_element_len(v as never, i, (bytes[k] ??= encoder.encode(dict[k - 1]!)))
        valid[i >> 3]! |= 1 << (i & 7)
      }
      return nulls
    },
  }
}

/** Slots of values below 2^16 while one column is named (zero again after it). */
const SMALL_SLOT = new Uint32Array(65536)

/** The enum or flag name of each value (format/names.ts), as ENUM indices over the chunk's distinct values. */
function nameSource(api: Api, c: EntryColumn, column: Column | undefined): Prepared {
  if (!column || column.dtype === 'str' || column.dtype === 'bytes' || column.dtype === 'u64' || column.dtype === 'i64') return { type: logical(api, 'VARCHAR'), write: (_v, _f, n, s) => allNull(s, n) }
  const values = column.values as ArrayLike<number>
  // Dictionary of the chunk's distinct values: slot 0 stays "absent", value slots from 1.
  const slot = new Map<number, number>()
  const index = new Uint32Array(values.length)
  const names: string[] = []
  // Neighbouring entries mostly share a value (a run of COMMIT regions): the last slot is reused. A value below
  // 2^16 (most protections, flags, types) finds its slot in a table instead of the map.
  let last = NaN
  let lastSlot = 0
  const small: number[] = []
  try {
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!
      if (x !== last) {
        let k = x >= 0 && x < 65536 ? SMALL_SLOT[x]! : slot.get(x)
        if (!k) {
          k = names.push(formatNamed(c.names, x)) // 1-based
          if (x >= 0 && x < 65536) {
            SMALL_SLOT[x] = k
            small.push(x)
          } else slot.set(x, k)
        }
        last = x
        lastSlot = k
      }
      index[i] = lastSlot
    }
  } finally {
    for (const x of small) SMALL_SLOT[x] = 0
  }
  const { values: members, remap } = enumOver(names)
  const list = members.length ? members : ['']
  return { type: enumType(list), write: enumWriter(list, index, remap) }
}

function lengthSource(api: Api, column: Column | undefined): Prepared {
  const type = logical(api, 'UINTEGER')
  if (column?.dtype !== 'bytes') return { type, write: (_v, _f, n, s) => allNull(s, n) }
  const offsets = column.offsets
  return {
    type,
    write(v, from, n, s) {
      for (let i = 0; i < n; i++) s.u32[i] = offsets[from + i + 1]! - offsets[from + i]!
      copyTo(v, s.buffer, 0, n * 4)
      // An empty blob is an absent one (the reader's rows carry undefined).
      return validityFrom(s, n, (i) => s.u32[i] !== 0)
    },
  }
}
