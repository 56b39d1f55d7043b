// The entry tables' column chunks (handles, threads, regions, aux) straight from an archive section's
// decoded columns, by the same rules as sql/fill.ts loads them into DuckDB (spec/SQL.md §3): integers as
// stored, FILETIME as µs (0 → NULL), durations as seconds, texts and names dictionary-encoded, blobs as their
// length (empty → NULL), a sparse group's member NULL where the entry lacks the group. The present rows'
// values of a page are one contiguous range of the source array (a sparse group's rows are strictly
// increasing: format/columns.ts checks), so a column stored as wide as its type is written from the
// archive's own bytes.
import type { Column, DecodedSparseGroup, Section } from '../reader/index.js'
import { formatNamed } from '../reader/index.js'
import { PAGE_ROWS, type ChunkSource, type PageParts } from './parquet-file.js'
import type { EntryColumn, EntryTable } from './tables.js'

const TWO_32 = 4294967296
/** µs from 1601-01-01 to 1970-01-01 as two 32-bit words. */
const EPOCH_US_HI = Math.floor(11644473600000000 / TWO_32)
const EPOCH_US_LO = 11644473600000000 - EPOCH_US_HI * TWO_32
const encoder = new TextEncoder()

/** Scratch space shared by every column: a page is written out before the next is made. */
class Scratch {
  readonly bytes = new Uint8Array(PAGE_ROWS * 8)
  readonly u32 = new Uint32Array(this.bytes.buffer)
  readonly i32 = new Int32Array(this.bytes.buffer)
  readonly f64 = new Float64Array(this.bytes.buffer)
  readonly present = new Uint8Array(PAGE_ROWS / 8)
  readonly indices = new Uint32Array(PAGE_ROWS)
}
let shared: Scratch | undefined
const scratch = (): Scratch => (shared ??= new Scratch())

/** One archive chunk's source of a column: the values array and, for a sparse member, the rows holding them. */
interface Part {
  readonly count: number
  /** Undefined: every row NULL. */
  readonly column: Column | undefined
  /** A sparse member: the chunk rows its values belong to (strictly increasing). */
  readonly rows?: Uint32Array
}

function partsOf(section: Section<object>, c: EntryColumn): Part[] {
  if (c.group === undefined) return section.spans(c.field).map((s) => ({ count: s.count, column: s.column }))
  const member = c.field.slice(c.group.length + 1)
  return section.sparseSpans(c.group).map((s) => {
    const g: DecodedSparseGroup | undefined = s.group
    const column = g && Object.hasOwn(g.columns, member) ? g.columns[member] : undefined
    return column ? { count: s.count, column, rows: g!.rows } : { count: s.count, column: undefined }
  })
}

/** First index of `rows` holding a value ≥ x. */
function lowerBound(rows: Uint32Array, x: number): number {
  let lo = 0
  let hi = rows.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (rows[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * The pages of one column over a section's chunks. `page` gets the source range [a, b) of the present
 * candidates and where they sit (row of value g: `rows ? rows[g] - from : g - from`), and returns the page.
 */
function pagesOf(parts: readonly Part[], page: (part: Part, from: number, n: number, a: number, b: number) => PageParts, emit: (p: PageParts) => void): void {
  for (const part of parts) {
    for (let from = 0; from < part.count; from += PAGE_ROWS) {
      const n = Math.min(PAGE_ROWS, part.count - from)
      if (!part.column) {
        emit({ rows: n, present: false })
        continue
      }
      const a = part.rows ? lowerBound(part.rows, from) : from
      const b = part.rows ? lowerBound(part.rows, from + n) : from + n
      emit(page(part, from, n, a, b))
    }
  }
}

/** Presence bits of the rows holding values [a, b) of a sparse member (all rows for a dense column). */
function sparsePresence(part: Part, from: number, n: number, a: number, b: number, s: Scratch): Uint8Array | boolean {
  const rows = part.rows
  if (!rows) return true
  if (a === b) return false
  if (b - a === n) return true
  const p = s.present
  p.fill(0, 0, (n + 7) >> 3)
  for (let g = a; g < b; g++) {
    const r = rows[g]! - from
    p[r >> 3]! |= 1 << (r & 7)
  }
  return p
}

type Ints = Exclude<Extract<Column, { values: unknown }>['values'], never>

function intsOf(column: Column | undefined): Ints | undefined {
  return column && column.dtype !== 'str' && column.dtype !== 'bytes' ? column.values : undefined
}

/** Integers as stored, widened to the physical width (4 or 8 bytes) where stored narrower. */
function intSource(parts: readonly Part[], c: EntryColumn): ChunkSource {
  const width = c.type === 'UBIGINT' || c.type === 'BIGINT' ? 8 : 4
  const s = scratch()
  return {
    pages: (emit) =>
      pagesOf(parts, (part, from, n, a, b) => {
        const values = intsOf(part.column)
        if (!values || values.BYTES_PER_ELEMENT > width) return { rows: n, present: false }
        const present = sparsePresence(part, from, n, a, b, s)
        const k = b - a
        let plain: Uint8Array
        if (values.BYTES_PER_ELEMENT === width) plain = new Uint8Array(values.buffer, values.byteOffset + a * width, k * width)
        else if (width === 4) {
          // TypedArray.set widens numerically: sign-extending an Int8/Int16, zero-extending an unsigned one.
          const narrow = values as Exclude<Ints, BigUint64Array | BigInt64Array>
          ;(narrow instanceof Int8Array || narrow instanceof Int16Array ? s.i32 : s.u32).set(narrow.subarray(a, b))
          plain = s.bytes.subarray(0, k * 4)
        } else {
          const narrow = values as Exclude<Ints, BigUint64Array | BigInt64Array>
          const w = s.u32
          for (let i = 0; i < k; i++) {
            const x = narrow[a + i]!
            w[2 * i] = x >>> 0
            w[2 * i + 1] = x < 0 ? 0xffffffff : 0
          }
          plain = s.bytes.subarray(0, k * 8)
        }
        return { rows: n, present, plain }
      }, emit),
  }
}

/** Word access to a 64-bit (or narrow) integer column: value g as hi and lo. */
function words(values: Ints): { hi: (g: number) => number; lo: (g: number) => number } {
  if (values instanceof BigUint64Array || values instanceof BigInt64Array) {
    const w = new Uint32Array(values.buffer, values.byteOffset, values.length * 2)
    return { hi: (g) => w[2 * g + 1]!, lo: (g) => w[2 * g]! }
  }
  const v = values
  return { hi: (g) => (v[g]! < 0 ? 0xffffffff : 0), lo: (g) => v[g]! >>> 0 }
}

/**
 * The present rows whose value passes `keep`: presence bits, and the kept values written by `put(slot, g)`.
 * Returns the page with `plain` of `bytesEach` per kept value.
 */
function filtered(part: Part, from: number, n: number, a: number, b: number, s: Scratch, keep: (g: number) => boolean, put: (slot: number, g: number) => void, bytesEach: number): PageParts {
  const p = s.present
  p.fill(0, 0, (n + 7) >> 3)
  const rows = part.rows
  let k = 0
  for (let g = a; g < b; g++) {
    if (!keep(g)) continue
    const r = rows ? rows[g]! - from : g - from
    p[r >> 3]! |= 1 << (r & 7)
    put(k++, g)
  }
  return { rows: n, present: k === n ? true : k === 0 ? false : p, plain: s.bytes.subarray(0, k * bytesEach) }
}

/** FILETIME (100 ns since 1601) → µs since 1970, exactly, in 32-bit words; 0 (never set) → NULL. */
function timeSource(parts: readonly Part[]): ChunkSource {
  const s = scratch()
  return {
    pages: (emit) =>
      pagesOf(parts, (part, from, n, a, b) => {
        const values = intsOf(part.column)
        if (!values) return { rows: n, present: false }
        const { hi, lo } = words(values)
        const w = s.u32
        return filtered(part, from, n, a, b, s, (g) => hi(g) !== 0 || lo(g) !== 0, (slot, g) => {
          const h = hi(g) >>> 0
          // ticks / 10: the high word's quotient, then the remainder carried into the low word (exact).
          const qHi = Math.floor(h / 10)
          const rest = (h - qHi * 10) * TWO_32 + (lo(g) >>> 0)
          let qLo = Math.floor(rest / 10) - EPOCH_US_LO
          let top = qHi - EPOCH_US_HI
          if (qLo < 0) {
            qLo += TWO_32
            top -= 1
          }
          w[2 * slot] = qLo
          w[2 * slot + 1] = top >>> 0
        }, 8)
      }, emit),
  }
}

/** FILETIME duration → seconds (DOUBLE). */
function durSource(parts: readonly Part[]): ChunkSource {
  const s = scratch()
  return {
    pages: (emit) =>
      pagesOf(parts, (part, from, n, a, b) => {
        const values = intsOf(part.column)
        if (!values) return { rows: n, present: false }
        const { hi, lo } = words(values)
        const present = sparsePresence(part, from, n, a, b, s)
        for (let g = a; g < b; g++) s.f64[g - a] = ((hi(g) >>> 0) * TWO_32 + (lo(g) >>> 0)) / 1e7
        return { rows: n, present, plain: s.bytes.subarray(0, (b - a) * 8) }
      }, emit),
  }
}

/** A blob's byte count (UINTEGER); empty or absent → NULL. */
function lengthSource(parts: readonly Part[]): ChunkSource {
  const s = scratch()
  return {
    pages: (emit) =>
      pagesOf(parts, (part, from, n, a, b) => {
        if (part.column?.dtype !== 'bytes') return { rows: n, present: false }
        const offsets = part.column.offsets
        return filtered(part, from, n, a, b, s, (g) => offsets[g + 1]! !== offsets[g]!, (slot, g) => void (s.u32[slot] = offsets[g + 1]! - offsets[g]!), 4)
      }, emit),
  }
}

/** Dictionary pages over the row group: `slot(part, g)` is value g's dictionary index + 1, 0 for NULL. */
function dictionaryPages(parts: readonly Part[], s: Scratch, slotsOf: (part: Part) => ((g: number) => number) | undefined): ChunkSource['pages'] {
  return (emit) =>
    pagesOf(parts, (part, from, n, a, b) => {
      const slot = slotsOf(part)
      if (!slot) return { rows: n, present: false }
      const p = s.present
      p.fill(0, 0, (n + 7) >> 3)
      const rows = part.rows
      const idx = s.indices
      let k = 0
      for (let g = a; g < b; g++) {
        const x = slot(g)
        if (x === 0) continue
        const r = rows ? rows[g]! - from : g - from
        p[r >> 3]! |= 1 << (r & 7)
        idx[k++] = x - 1
      }
      return { rows: n, present: k === n ? true : k === 0 ? false : p, indices: idx, count: k }
    }, emit)
}

/** Texts: one dictionary for the row group, merged from the chunks' own; each chunk's indices remapped. */
function textSource(parts: readonly Part[]): ChunkSource {
  const position = new Map<string, number>()
  const dictionary: Uint8Array[] = []
  const remaps = new Map<Part, Uint32Array>()
  for (const part of parts) {
    if (part.column?.dtype !== 'str') continue
    const dict = part.column.dict
    const remap = new Uint32Array(dict.length + 1)
    for (let k = 0; k < dict.length; k++) {
      const text = dict[k]!
      let p = position.get(text)
      if (p === undefined) {
        p = dictionary.push(encoder.encode(text))
        position.set(text, p)
      }
      remap[k + 1] = p
    }
    remaps.set(part, remap)
  }
  const s = scratch()
  return {
    dictionary,
    pages: dictionaryPages(parts, s, (part) => {
      const remap = remaps.get(part)
      if (!remap || part.column?.dtype !== 'str') return undefined
      const index = part.column.index
      return (g) => remap[index[g]!]!
    }),
  }
}

/** Enum and flag names (format/names.ts), one dictionary entry per distinct value in the row group. */
function nameSource(parts: readonly Part[], c: EntryColumn): ChunkSource {
  const dictionary: Uint8Array[] = []
  const byValue = new Map<number, number>()
  const slotOf = (x: number): number => {
    let k = byValue.get(x)
    if (k === undefined) {
      k = dictionary.push(encoder.encode(formatNamed(c.names, x)))
      byValue.set(x, k)
    }
    return k
  }
  // Values stored in 8 or 16 bits (most: states, protections, types) find their slot in a table by their low 16
  // bits (a column's field is signed or unsigned in every chunk, so no two values share them); wider ones
  // through a small cache, then the map. Done up front: the dictionary is complete before the first page.
  let table: Int32Array | undefined
  const keys = new Float64Array(256).fill(NaN)
  const cached = new Uint32Array(256)
  const slots = new Map<Part, (g: number) => number>()
  for (const part of parts) {
    const col = part.column
    if (!col || col.dtype === 'str' || col.dtype === 'bytes' || col.dtype === 'u64' || col.dtype === 'i64') continue
    const values = col.values as Exclude<Ints, BigUint64Array | BigInt64Array>
    if (values.BYTES_PER_ELEMENT <= 2) {
      const t = (table ??= new Int32Array(65536))
      for (let i = 0; i < values.length; i++) {
        const x = values[i]!
        if (t[x & 0xffff] === 0) t[x & 0xffff] = slotOf(x)
      }
      slots.set(part, (g) => t[values[g]! & 0xffff]!)
      continue
    }
    // Wider values: a direct-mapped cache in front of the map (a name column holds few distinct values).
    const out = new Uint32Array(values.length)
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!
      const h = (x ^ (x >>> 8) ^ (x >>> 16) ^ (x >>> 24)) & 255
      if (keys[h] !== x) {
        keys[h] = x
        cached[h] = slotOf(x)
      }
      out[i] = cached[h]!
    }
    slots.set(part, (g) => out[g]!)
  }
  const s = scratch()
  return { dictionary, pages: dictionaryPages(parts, s, (part) => slots.get(part)) }
}

/** `snapshot_id`, the same value in every row. */
function constantSource(rows: readonly number[], id: number): ChunkSource {
  const ids = new Uint32Array(PAGE_ROWS).fill(id)
  const bytes = new Uint8Array(ids.buffer)
  return {
    pages(emit) {
      for (const count of rows) for (let from = 0; from < count; from += PAGE_ROWS) {
        const n = Math.min(PAGE_ROWS, count - from)
        emit({ rows: n, present: true, plain: bytes.subarray(0, n * 4) })
      }
    },
  }
}

/** The column chunks of one archive's section, in the table's column order (snapshot_id first). */
export function entrySources(table: EntryTable, section: Section<object>, snapshotId: number): (() => ChunkSource)[] {
  const counts = section.spans(table.columns[0]!.field).map((s) => s.count)
  return [
    () => constantSource(counts, snapshotId),
    ...table.columns.map((c) => (): ChunkSource => {
      const parts = partsOf(section, c)
      switch (c.fill) {
        case 'int': return intSource(parts, c)
        case 'time': return timeSource(parts)
        case 'dur': return durSource(parts)
        case 'text': return textSource(parts)
        case 'name': return nameSource(parts, c)
        case 'length': return lengthSource(parts)
      }
    }),
  ]
}
