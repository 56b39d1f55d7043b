// One Parquet file written page by page from typed arrays (spec/SQL.md §6), without DuckDB. The Thrift
// structures (page headers, the footer) are hyparquet-writer's serialiser; the pages' contents are encoded
// here, because its value path takes a JavaScript value (a bigint for each 64-bit cell) per cell: ~190 ns a
// value, several seconds for a million entries. Format 1 files as DuckDB writes them: data pages v1, every
// column OPTIONAL, definition levels RLE/bit-packed, values PLAIN or dictionary-encoded, no compression.
import { closeSync, openSync, writeSync } from 'node:fs'
import type { ColumnChunk, RowGroup, SchemaElement } from 'hyparquet'
import { ByteWriter } from 'hyparquet-writer'
import { writePageHeader } from 'hyparquet-writer/src/datapage.js'
import { writeMetadata } from 'hyparquet-writer/src/metadata.js'
import type { SqlType } from './tables.js'

/** Rows per data page (a multiple of 8: a page's presence bits start on a byte). */
export const PAGE_ROWS = 65536

/** The standard physical type and annotations of each SQL type (spec/SQL.md §6). */
export function schemaElement(name: string, type: SqlType): SchemaElement {
  const optional = { name, repetition_type: 'OPTIONAL' } as const
  // The converted type only, as DuckDB writes it: hyparquet-writer 0.17 serialises the INTEGER logical type's
  // bitWidth as an i32 where Thrift declares an i8, which DuckDB refuses (TProtocolException).
  const int = (bits: 8 | 16 | 32 | 64, signed: boolean): SchemaElement => ({
    ...optional,
    type: bits === 64 ? 'INT64' : 'INT32',
    converted_type: `${signed ? 'INT' : 'UINT'}_${bits}` as SchemaElement['converted_type'],
  })
  switch (type) {
    case 'UTINYINT': return int(8, false)
    case 'USMALLINT': return int(16, false)
    case 'UINTEGER': return int(32, false)
    case 'INTEGER': return int(32, true)
    case 'UBIGINT': return int(64, false)
    case 'BIGINT': return int(64, true)
    case 'DOUBLE': return { ...optional, type: 'DOUBLE' }
    case 'BOOLEAN': return { ...optional, type: 'BOOLEAN' }
    case 'TIMESTAMP': return { ...optional, type: 'INT64', converted_type: 'TIMESTAMP_MICROS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' } }
    case 'VARCHAR': return { ...optional, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } }
  }
}

/**
 * One page's rows: which are present (bit i of `present` for row i, LSB first; `true` all, `false` none) and
 * the present rows' values, PLAIN-encoded (`plain`) or as dictionary indices (`indices`, `count` of them).
 */
export interface PageParts {
  readonly rows: number
  readonly present: Uint8Array | boolean
  readonly plain?: Uint8Array
  readonly indices?: Uint32Array
  readonly count?: number
}

/** A column chunk's source: its dictionary (UTF-8 entries) if dictionary-encoded, and its pages in row order. */
export interface ChunkSource {
  readonly dictionary?: readonly Uint8Array[]
  pages(emit: (page: PageParts) => void): void
}

/** Appends to a file through a 1 MiB buffer; large arrays are written straight from where they are. */
class FileOut {
  private readonly buf = new Uint8Array(1 << 20)
  private pos = 0
  constructor(
    private readonly fd: number,
    /** Bytes in the file before this writer's first. */
    public offset: number,
  ) {}

  write(bytes: Uint8Array): void {
    const direct = bytes.length >= this.buf.length >> 1
    if (direct || bytes.length > this.buf.length - this.pos) this.flush()
    if (direct) writeAll(this.fd, bytes)
    else {
      this.buf.set(bytes, this.pos)
      this.pos += bytes.length
    }
    this.offset += bytes.length
  }

  flush(): void {
    if (this.pos) writeAll(this.fd, this.buf.subarray(0, this.pos))
    this.pos = 0
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done)
}

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]) // PAR1

/**
 * A Parquet file built by appending row groups, each written as it comes (nothing of it kept but its
 * metadata); `finish` writes the footer. The file is created new (never over an existing one), mode 0600.
 */
export class ParquetFile {
  private offset = 0
  private rows = 0n
  private readonly groups: RowGroup[] = []
  private created = false

  constructor(
    readonly path: string,
    readonly schema: readonly SchemaElement[],
  ) {}

  /**
   * Appends one row group of `rows` rows: one source per leaf column of the schema, in its order, each made
   * when its turn comes (a dictionary built for one column is garbage before the next).
   */
  rowGroup(rows: number, columns: readonly (() => ChunkSource)[]): void {
    if (rows === 0) return
    if (columns.length !== this.schema.length) throw new Error('parquet: one source per column')
    const fd = this.open()
    try {
      const out = new FileOut(fd, this.offset)
      const start = out.offset
      const chunks = columns.map((c, j) => writeChunk(out, this.schema[j]!, rows, c()))
      out.flush()
      const size = BigInt(out.offset - start)
      this.groups.push({ columns: chunks, total_byte_size: size, num_rows: BigInt(rows), file_offset: BigInt(start), total_compressed_size: size })
      this.rows += BigInt(rows)
      this.offset = out.offset
    } finally {
      closeSync(fd)
    }
  }

  /** Writes the footer (a file with no row groups is a valid empty table). */
  finish(): void {
    const fd = this.open()
    try {
      const w = new ByteWriter()
      writeMetadata(w, {
        version: 1,
        schema: [{ name: 'schema', repetition_type: 'REQUIRED', num_children: this.schema.length }, ...this.schema],
        num_rows: this.rows,
        row_groups: this.groups,
        created_by: 'pssnap',
        metadata_length: 0,
      })
      w.appendBytes(MAGIC)
      writeAll(fd, w.getBytes())
    } finally {
      closeSync(fd)
    }
  }

  /** Opened for each row group and closed after: a partitioned export may have thousands of files. */
  private open(): number {
    if (this.created) return openSync(this.path, 'a')
    const fd = openSync(this.path, 'wx', 0o600)
    this.created = true
    writeAll(fd, MAGIC)
    this.offset = MAGIC.length
    return fd
  }
}

function varint(w: number[], x: number): void {
  while (x > 0x7f) {
    w.push((x & 0x7f) | 0x80)
    x = Math.floor(x / 128)
  }
  w.push(x)
}

/** A page header's bytes (Thrift compact, by hyparquet-writer). */
function header(h: Parameters<typeof writePageHeader>[1]): Uint8Array {
  const w = new ByteWriter(64)
  writePageHeader(w, h)
  return w.getBytes()
}

/** Definition levels (bit width 1) as a v1 page holds them: a 4-byte length, then the RLE/bit-packed runs. */
function levels(rows: number, present: Uint8Array | boolean): Uint8Array {
  const head: number[] = [0, 0, 0, 0]
  if (typeof present === 'boolean') {
    varint(head, rows * 2)
    head.push(present ? 1 : 0)
    const b = new Uint8Array(head)
    new DataView(b.buffer).setUint32(0, b.length - 4, true)
    return b
  }
  // One bit-packed run: the presence bits are the levels, 8 rows a byte.
  const bytes = (rows + 7) >> 3
  varint(head, bytes * 2 + 1)
  const b = new Uint8Array(head.length + bytes)
  b.set(head)
  b.set(present.subarray(0, bytes), head.length)
  if (rows & 7) b[b.length - 1]! &= (1 << (rows & 7)) - 1
  new DataView(b.buffer).setUint32(0, b.length - 4, true)
  return b
}

/** Dictionary indices: the bit width, then one bit-packed run of `count` values (padded to a multiple of 8). */
function packIndices(indices: Uint32Array, count: number, width: number, scratch: { buf: Uint8Array }): Uint8Array {
  const groups = (count + 7) >> 3
  const head: number[] = [width]
  if (count) varint(head, groups * 2 + 1)
  const need = head.length + groups * width
  if (scratch.buf.length < need) scratch.buf = new Uint8Array(need)
  const out = scratch.buf
  out.set(head)
  let o = head.length
  if (width <= 24) {
    let acc = 0
    let bits = 0
    for (let i = 0; i < count; i++) {
      acc |= indices[i]! << bits
      bits += width
      while (bits >= 8) {
        out[o++] = acc & 0xff
        acc >>>= 8
        bits -= 8
      }
    }
    // The padding values of the last group are zeros.
    const end = head.length + groups * width
    if (bits > 0) out[o++] = acc & 0xff
    out.fill(0, o, end)
    o = end
  } else {
    // Wider than 24 bits (a dictionary of 16M+ entries): arithmetic instead of 32-bit shifts.
    let acc = 0
    let bits = 0
    for (let i = 0; i < count; i++) {
      acc += indices[i]! * 2 ** bits
      bits += width
      while (bits >= 8) {
        out[o++] = acc % 256
        acc = Math.floor(acc / 256)
        bits -= 8
      }
    }
    const end = head.length + groups * width
    if (bits > 0) out[o++] = acc % 256
    out.fill(0, o, end)
    o = end
  }
  return out.subarray(0, o)
}

/** Parquet's PLAIN encoding of BYTE_ARRAY values: each one's length (uint32 LE), then its bytes. */
export function plainByteArrays(values: readonly Uint8Array[]): Uint8Array {
  let size = 0
  for (const v of values) size += 4 + v.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  let o = 0
  for (const v of values) {
    view.setUint32(o, v.length, true)
    out.set(v, o + 4)
    o += 4 + v.length
  }
  return out
}

function writeChunk(out: FileOut, element: SchemaElement, rows: number, source: ChunkSource): ColumnChunk {
  const start = out.offset
  let dictionaryOffset: bigint | undefined
  const dict = source.dictionary
  const dictionary = dict !== undefined && dict.length > 0
  const width = dictionary ? Math.max(1, Math.ceil(Math.log2(dict.length))) : 0
  if (dictionary) {
    dictionaryOffset = BigInt(out.offset)
    const body = plainByteArrays(dict)
    const size = body.length
    out.write(header({ type: 'DICTIONARY_PAGE', uncompressed_page_size: size, compressed_page_size: size, dictionary_page_header: { num_values: dict.length, encoding: 'PLAIN_DICTIONARY' } }))
    out.write(body)
  }
  const dataOffset = BigInt(out.offset)
  const scratch = { buf: new Uint8Array(0) }
  let seen = 0
  source.pages((p) => {
    seen += p.rows
    const defs = levels(p.rows, p.present)
    let values: Uint8Array
    if (p.indices) {
      if (!dictionary && (p.count ?? 0) > 0) throw new Error('parquet: dictionary indices without a dictionary')
      // Every row NULL (no dictionary): a PLAIN page of no values.
      values = dictionary ? packIndices(p.indices, p.count ?? 0, width, scratch) : new Uint8Array(0)
    } else values = p.plain ?? new Uint8Array(0)
    const size = defs.length + values.length
    const encoding = p.indices && dictionary ? 'PLAIN_DICTIONARY' : 'PLAIN'
    out.write(header({ type: 'DATA_PAGE', uncompressed_page_size: size, compressed_page_size: size, data_page_header: { num_values: p.rows, encoding, definition_level_encoding: 'RLE', repetition_level_encoding: 'BIT_PACKED' } }))
    out.write(defs)
    out.write(values)
  })
  if (seen !== rows) throw new Error(`parquet: column ${element.name} has ${seen} rows, not ${rows}`)
  const size = BigInt(out.offset - start)
  return {
    file_offset: BigInt(start),
    meta_data: {
      type: element.type!,
      encodings: dictionary ? ['PLAIN_DICTIONARY', 'RLE', 'BIT_PACKED'] : ['PLAIN', 'RLE', 'BIT_PACKED'],
      path_in_schema: [element.name],
      codec: 'UNCOMPRESSED',
      num_values: BigInt(rows),
      total_uncompressed_size: size,
      total_compressed_size: size,
      data_page_offset: dataOffset,
      ...(dictionaryOffset !== undefined ? { dictionary_page_offset: dictionaryOffset } : {}),
    },
  }
}
