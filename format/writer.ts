// The streaming archive writer (spec/ARCHIVE.md §2–8). Entries are added one at a time, buffered into
// per-section column builders and written as a CHUNK frame whenever a chunk fills, so memory stays
// bounded by one chunk per open section whatever the capture's size.
import { BigBuilder, NumericBuilder, StringBuilder, columnBuilder, rowsBuilder, type ColumnBuilder } from './columns.js'
import { Codec, FORMAT_MAJOR, FORMAT_MINOR, FRAME_HEADER_LENGTH, FrameKind, PREAMBLE_LENGTH, SECTION_NAMES, type SectionName } from './constants.js'
import { ENTRY_SCHEMAS } from './entry-schemas.js'
import { SECTIONS, type FieldSpec, type SectionEntryTypes } from './fields.js'
import { encodePreamble, sealFrame } from './frames.js'
import { keepShape } from './kept-shapes.js'
import { resolveHooks, type FormatHooks, type ResolvedHooks } from './hooks.js'
import { ALIGN, encodeMessagePack } from './msgpack-encode.js'
import { HeaderSchema, type ArchiveHeaderInput, type ColumnPayload, type Epilogue } from './schemas.js'

/** Where frames go: a file, a stream, memory. A returned promise is awaited before the next write. */
export interface ByteSink {
  write(bytes: Uint8Array): void | Promise<void>
}

export interface WriterOptions {
  /** Per-frame compression; `none` (default) loads fastest, `deflate` is ~4× smaller. */
  compression?: 'none' | 'deflate'
  /** Most entries per chunk (default 65,536). */
  chunkEntries?: number
  /** Flush a chunk once its columns reach about this many bytes (default 4 MiB). */
  chunkBytes?: number
  /** Architecture of thread CONTEXT records; default: target.architecture, else host.architecture. */
  contextArchitecture?: string
  /**
   * Check every added entry against its zod schema (format/entry-schemas.ts) and throw on the first bad
   * one. Off by default: entries from the PSS walk are typed already, and checking costs ~1 µs each.
   */
  validateEntries?: boolean
  /**
   * The format minor the preamble declares (default 0, i.e. 1.0). Set 1 to write the 1.1 columns
   * (spec/ARCHIVE.md §10.1); writing one of them into a file declared older throws, so a file never
   * claims less than it holds. Writers declare the lowest minor that holds what they write.
   */
  formatMinor?: number
  hooks?: FormatHooks
}

export interface WriteSummary {
  frames: number
  bytes: number
  entryCounts: Record<string, number>
}

type Getter = (entry: Record<string, unknown>) => unknown

function getterFor(path: string): Getter {
  const parts = path.split('.')
  if (parts.length === 1) return (e) => e[path]
  return (e) => {
    let v: unknown = e
    for (const p of parts) {
      if (v === null || typeof v !== 'object') return undefined
      v = (v as Record<string, unknown>)[p]
    }
    return v
  }
}

interface BoundColumn {
  name: string
  /** The format minor that added the field (0 for 1.0). */
  since: number
  get: Getter
  builder: ColumnBuilder & { architecture?: string | undefined }
}

class SparseGroupBuilder {
  readonly get: Getter
  readonly rows = rowsBuilder()
  readonly columns: BoundColumn[]
  constructor(name: string, fields: Readonly<Record<string, FieldSpec>>) {
    this.get = getterFor(name)
    this.columns = Object.entries(fields).map(([field, spec]) => ({ name: field, since: spec.since ?? 0, get: getterFor(field), builder: columnBuilder(spec.dtype) }))
  }
}

class SectionBuilder {
  count = 0
  first = 0
  readonly columns: BoundColumn[]
  readonly sparse: [string, SparseGroupBuilder][]
  constructor(
    readonly name: SectionName,
    contextArchitecture: string,
    private readonly formatMinor: number,
  ) {
    const layout = SECTIONS[name]
    this.columns = Object.entries(layout.columns as Record<string, FieldSpec>).map(([field, spec]) => {
      const builder = columnBuilder(spec.dtype)
      if (field === 'contextRecord') builder.architecture = contextArchitecture
      return { name: field, since: spec.since ?? 0, get: getterFor(field), builder }
    })
    this.sparse = Object.entries(layout.sparse as Record<string, Record<string, FieldSpec>>).map(([g, fields]) => [g, new SparseGroupBuilder(g, fields)])
    for (const c of this.columns) {
      this.rowBytes += c.builder.rowBytes
      if (c.builder instanceof NumericBuilder) this.numeric.push(c.builder)
      else this.variable.push(c.builder)
      if (c.builder instanceof StringBuilder) this.numeric.push(c.builder.index)
    }
    this.capacity = Math.min(...this.numeric.map((b) => b.capacity))
    try {
      this.add = generatedAdder(this)
    } catch {
      // Code generation refused (a strict Content-Security-Policy): the generic adder above stays.
    }
  }
  /** Appends one entry to every column (replaced by generated code where the runtime allows it). */
  add: (entry: Record<string, unknown>) => void = (entry) => {
    for (const c of this.columns) c.builder.push(c.get(entry))
    for (const [, group] of this.sparse) {
      const member = group.get(entry)
      if (member === null || typeof member !== 'object') continue
      group.rows.push(this.count)
      for (const c of group.columns) c.builder.push(c.get(member as Record<string, unknown>))
    }
    this.count++
  }
  dtypeOf(field: string): string {
    return (SECTIONS[this.name].columns as Record<string, FieldSpec>)[field]!.dtype
  }
  /**
   * The numeric columns and string indexes, which the generated adder fills in step at row `count` (their
   * `length` is set at take), and how many rows all of them hold before `grow()` is needed.
   */
  private readonly numeric: NumericBuilder[] = []
  capacity = 0
  grow(): void {
    for (const b of this.numeric) while (b.capacity <= this.count) b.grow()
    this.capacity = Math.min(...this.numeric.map((b) => b.capacity))
  }
  /** Σ rowBytes of the columns (each holds `count` values between flushes). */
  private rowBytes = 0
  /** The columns with a growing part of their own (strings, blobs). */
  private readonly variable: ColumnBuilder[] = []
  /** The sum of the columns' byteSize, as count × rowBytes plus the strings' and blobs' own bytes. */
  byteSize(): number {
    let n = this.count * this.rowBytes
    for (const b of this.variable) n += b.variableBytes
    return n
  }
  /** The CHUNK payload for what was added since the last flush; `clear()` once it is encoded. */
  take(): Record<string, unknown> {
    for (const b of this.numeric) b.length = this.count
    const columns: Record<string, ColumnPayload> = {}
    for (const c of this.columns) {
      if (!c.builder.defined) continue
      if (c.since > this.formatMinor) throw new RangeError(`${this.name}.${c.name} is a format 1.${c.since} column; this archive was begun as 1.${this.formatMinor} (WriterOptions.formatMinor)`)
      columns[c.name] = c.builder.finish()
    }
    if (Object.keys(columns).length === 0 && this.count > 0) {
      // Entries with no field at all: a chunk must still have a column (spec §4), so write the first
      // text or blob column, whose absent value reads back as absent.
      const c = this.columns.find((x) => ['str', 'bytes'].includes(this.dtypeOf(x.name)))
      if (c) columns[c.name] = c.builder.finish()
    }
    const sparse: Record<string, unknown> = {}
    for (const [name, group] of this.sparse) {
      if (group.rows.length === 0) continue
      const groupColumns: Record<string, ColumnPayload> = {}
      for (const c of group.columns) if (c.builder.defined) groupColumns[c.name] = c.builder.finish()
      sparse[name] = { _r: ALIGN, rows: group.rows.finishFull(), columns: groupColumns }
    }
    const payload: Record<string, unknown> = { section: this.name, first: this.first, count: this.count, columns }
    if (Object.keys(sparse).length > 0) payload.sparse = sparse
    this.first += this.count
    this.count = 0
    return payload
  }
  /** Empties the builders and drops their buffers (see ColumnBuilder.release). */
  release(): void {
    for (const c of this.columns) c.builder.release()
    for (const [, group] of this.sparse) {
      group.rows.release()
      for (const c of group.columns) c.builder.release()
    }
    this.count = 0
    this.capacity = Math.min(...this.numeric.map((b) => b.capacity))
  }
  /** Empties the builders for the next chunk (after the payload, which views their buffers, is encoded). */
  clear(): void {
    for (const c of this.columns) c.builder.reset()
    for (const [, group] of this.sparse) {
      group.rows.reset()
      for (const c of group.columns) c.builder.reset()
    }
  }
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** `e.a?.b` for a dotted path of the spec's own identifiers (never names from input). */
function accessExpr(root: string, path: string): string {
  const parts = path.split('.')
  if (!parts.every((p) => IDENT.test(p))) throw new Error('unsafe identifier')
  return root + parts.map((p, i) => (i === 0 ? `.${p}` : `?.${p}`)).join('')
}

/**
 * One straight-line function per section: every column's push is its own monomorphic site and every
 * field a constant property load, which makes adding entries about twice as fast as looping over the
 * column table with per-field getters (bench (c)).
 */
function generatedAdder(b: SectionBuilder): (entry: Record<string, unknown>) => void {
  const refs: unknown[] = []
  const ref = (v: unknown) => `r${refs.push(v) - 1}`
  const lines: string[] = []
  // The numeric columns are filled in step at row n (one capacity check, one count), and an absent value
  // is not written at all: their slots hold 0 until written (NumericBuilder.reset).
  lines.push('const n = s.count; if (n === s.capacity) s.grow();')
  for (const c of b.columns) lines.push(rowCode(ref(c.builder), c.builder, accessExpr('e', c.name), ref))
  for (const [name, group] of b.sparse) {
    lines.push(`m = ${accessExpr('e', name)}; if (m !== null && typeof m === 'object') { ${pushCode(ref(group.rows), group.rows, 's.count')}`)
    for (const c of group.columns) lines.push(`  ${pushCode(ref(c.builder), c.builder, accessExpr('m', c.name))}`)
    lines.push('}')
  }
  lines.push('s.count = n + 1;')
  // Each builder is a constant of the closure; the numeric pushes are written out in line, so every
  // typed-array store is a site of its own that sees one array type (one shared push() sees them all).
  const consts = refs.map((_, i) => `const r${i} = r[${i}];`).join(' ')
  const source = `${consts} return function add(e) { let m, v; ${lines.join('\n')} }`
  // One maker per source (a section's layout): the adders of every writer are closures of the same
  // function, so they share its feedback and optimised code instead of warming up again in each writer.
  let make = ADDER_MAKERS.get(source)
  if (!make) {
    make = new Function('r', 's', source) as AdderMaker
    ADDER_MAKERS.set(source, make)
  }
  return make(refs, b)
}

/** One emptied builder per section from the last finished writer (ArchiveWriter.finish): a few kilobytes. */
const KEPT_BUILDERS = new Map<SectionName, SectionBuilder>()
/** An empty writer (format/kept-shapes.ts), made at the first finish. */
let keptWriter: ArchiveWriter | undefined

type AdderMaker = (refs: unknown[], s: SectionBuilder) => (entry: Record<string, unknown>) => void
/** Keyed by the generated source, which depends only on the section's layout: a handful of entries. */
const ADDER_MAKERS = new Map<string, AdderMaker>()

/** Code storing `value` at row `n` of a top-level column: numbers in line when defined, others a push() call. */
function rowCode(b: string, builder: ColumnBuilder, value: string, ref: (v: unknown) => string): string {
  if (builder instanceof BigBuilder) return `v = ${value}; if (v !== undefined) { ${b}.defined = true; ${b}.view[n] = typeof v === 'bigint' ? v : BigInt(v); }`
  if (builder instanceof NumericBuilder) return `v = ${value}; if (v !== undefined) { ${b}.defined = true; ${b}.view[n] = v; }`
  if (builder instanceof StringBuilder) {
    const index = ref(builder.index)
    return `v = ${value}; if (typeof v === 'string') { ${index}.defined = true; ${index}.view[n] = ${b}.idOf(v); }`
  }
  return `${b}.push(${value});`
}

/** Code for `builder.push(value)`: NumericBuilder.push and BigBuilder.push in line, others a call. */
function pushCode(b: string, builder: ColumnBuilder, value: string): string {
  if (builder instanceof BigBuilder) {
    return `v = ${value}; if (${b}.length === ${b}.capacity) ${b}.grow(); if (v === undefined) ${b}.view[${b}.length++] = 0n; else { ${b}.defined = true; ${b}.view[${b}.length++] = typeof v === 'bigint' ? v : BigInt(v); }`
  }
  if (builder instanceof NumericBuilder) {
    return `v = ${value}; if (${b}.length === ${b}.capacity) ${b}.grow(); if (v !== undefined) ${b}.defined = true; ${b}.view[${b}.length++] = v;`
  }
  return `${b}.push(${value});`
}

export class ArchiveWriter {
  private readonly hooks: ResolvedHooks
  private readonly chunkEntries: number
  private readonly chunkBytes: number
  private readonly sections = new Map<SectionName, SectionBuilder>()
  private readonly entryCounts: Record<string, number> = {}
  private readonly frameCrcs: number[] = []
  private contextArchitecture = 'x64'
  private readonly formatMinor: number
  /** options.validateEntries, read once: the options object's hidden class goes with the writer's caller. */
  private readonly validateEntries: boolean
  private bytes = 0
  /** File offset the next frame will start at (exact while frames are stored uncompressed). */
  private plannedBytes = PREAMBLE_LENGTH
  private tail: Promise<void> = Promise.resolve()
  private state: 'new' | 'open' | 'finished' | 'failed' = 'new'
  private lastSection: SectionName | undefined
  private lastBuilder: SectionBuilder | undefined

  constructor(
    private readonly sink: ByteSink,
    private readonly options: WriterOptions = {},
  ) {
    this.hooks = resolveHooks(options.hooks)
    this.chunkEntries = Math.min(Math.max(1, options.chunkEntries ?? 65536), 1 << 20)
    this.chunkBytes = options.chunkBytes ?? 4 * 1024 * 1024
    this.formatMinor = options.formatMinor ?? 0
    this.validateEntries = Boolean(options.validateEntries)
    if (!Number.isInteger(this.formatMinor) || this.formatMinor < 0 || this.formatMinor > FORMAT_MINOR) {
      throw new RangeError(`formatMinor must be an integer from 0 to ${FORMAT_MINOR}`)
    }
  }

  /** Writes the preamble and the HEADER frame. Call once, first. */
  async begin(header: ArchiveHeaderInput): Promise<void> {
    if (this.state !== 'new') throw new Error('ArchiveWriter.begin called twice')
    // Validated and normalised (64-bit values to bigint, so they travel as MessagePack uint64, never float)
    // before anything is written: an invalid header leaves the sink empty and the writer unopened.
    const parsed = HeaderSchema.safeParse(header)
    if (!parsed.success) throw new TypeError(`invalid archive header: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
    this.state = 'open'
    this.contextArchitecture = this.options.contextArchitecture ?? header.target.architecture ?? header.host.architecture
    this.enqueue(async () => this.emit(encodePreamble(FORMAT_MAJOR, this.formatMinor, this.hooks.crc32)))
    this.enqueueFrame(FrameKind.HEADER, { ...(header as object), ...parsed.data })
    await this.tail
  }

  /**
   * Adds one entry to a section. Returns a promise only when a chunk was flushed; await it to apply the
   * sink's backpressure (not awaiting is safe: writes stay in order).
   */
  add<S extends SectionName>(section: S, entry: SectionEntryTypes[S]): Promise<void> | undefined {
    if (this.state !== 'open') throw new Error(this.state === 'failed' ? 'ArchiveWriter.add after an add that threw' : 'ArchiveWriter.add before begin or after finish')
    // Entries of one section mostly come in a run: the last section's builder is kept at hand.
    let builder = section === this.lastSection ? this.lastBuilder : this.sections.get(section)
    if (!builder) {
      if (!SECTION_NAMES.includes(section)) throw new RangeError(`unknown section '${String(section)}'`)
      builder = new SectionBuilder(section, this.contextArchitecture, this.formatMinor)
      this.sections.set(section, builder)
      this.entryCounts[section] ??= 0
    }
    this.lastSection = section
    this.lastBuilder = builder
    if (this.validateEntries) {
      const checked = ENTRY_SCHEMAS[section].safeParse(entry)
      if (!checked.success) throw new TypeError(`invalid ${section} entry: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
    }
    // Counted by the builder (first + count); entryCounts takes the totals at finish.
    try {
      builder.add(entry as Record<string, unknown>)
    } catch (e) {
      // The entry was written part way (some columns of its row stored, others not): nothing after it
      // could be written right, so the writer refuses every later add and finish.
      this.state = 'failed'
      throw e
    }
    if (builder.count >= this.chunkEntries || (builder.count & 255) === 0 && builder.byteSize() >= this.chunkBytes) return this.flush(builder)
    if (section === 'threads' && builder.byteSize() >= this.chunkBytes) return this.flush(builder)
    return undefined
  }

  /** Marks a section as written even if it has no entries (it then appears in the trailer's counts). */
  declareSection(section: SectionName): void {
    this.entryCounts[section] ??= 0
  }

  /** Flushes every open chunk, writes the EPILOGUE (if given) and the TRAILER. */
  async finish(epilogue?: Epilogue): Promise<WriteSummary> {
    if (this.state !== 'open') throw new Error(this.state === 'failed' ? 'ArchiveWriter.finish after an add that threw' : 'ArchiveWriter.finish before begin or twice')
    for (const builder of this.sections.values()) if (builder.count > 0) void this.flush(builder)
    for (const [name, builder] of this.sections) this.entryCounts[name] = builder.first
    if (epilogue) this.enqueueFrame(FrameKind.EPILOGUE, epilogue)
    await this.tail
    const checksumInput = new Uint8Array(this.frameCrcs.length * 4)
    const view = new DataView(checksumInput.buffer)
    this.frameCrcs.forEach((c, i) => view.setUint32(i * 4, c, true))
    const trailer = {
      frameCount: this.frameCrcs.length,
      byteLength: BigInt(this.bytes),
      frameChecksum: this.hooks.crc32(checksumInput),
      entryCounts: { ...this.entryCounts },
    }
    this.enqueueFrame(FrameKind.TRAILER, trailer, false)
    await this.tail
    this.state = 'finished'
    // The last finished writer's builders are kept, emptied, for their hidden classes (format/kept-shapes.ts):
    // a section's builder classes depend on its layout, so the last of each section is kept, not a fixed one.
    for (const [name, builder] of this.sections) {
      builder.release()
      KEPT_BUILDERS.set(name, builder)
    }
    // The writer's own class too (add's optimised code checks it), by an empty one: this one holds its sink.
    keptWriter ??= keepShape(new ArchiveWriter(new MemorySink()))
    return { frames: this.frameCrcs.length, bytes: this.bytes, entryCounts: { ...this.entryCounts } }
  }

  private flush(builder: SectionBuilder): Promise<void> {
    this.enqueueFrame(FrameKind.CHUNK, builder.take())
    builder.clear()
    return this.tail
  }

  private enqueue(task: () => Promise<void>): void {
    this.tail = this.tail.then(task)
  }

  /** Encodes now (so builders can be reused at once), compresses and writes in order. */
  private enqueueFrame(kind: number, value: unknown, countCrc = true): void {
    // The payload is encoded straight after room for the frame header: one buffer, one copy.
    const compress = this.options.compression === 'deflate' && kind !== FrameKind.TRAILER
    // Alignment is to the file for stored frames, to the decoded payload for compressed ones.
    const origin = compress ? 8 - (FRAME_HEADER_LENGTH % 8) : this.plannedBytes % 8
    const frame = encodeMessagePack(value, FRAME_HEADER_LENGTH, origin)
    this.plannedBytes += frame.length
    this.enqueue(async () => {
      let out = frame
      if (compress) {
        const stored = await this.hooks.deflate(frame.subarray(FRAME_HEADER_LENGTH))
        out = new Uint8Array(FRAME_HEADER_LENGTH + stored.length)
        out.set(stored, FRAME_HEADER_LENGTH)
      }
      const crc = sealFrame(out, kind, compress ? Codec.DEFLATE : Codec.NONE, frame.length - FRAME_HEADER_LENGTH, this.hooks.crc32)
      if (countCrc) this.frameCrcs.push(crc)
      await this.emit(out)
    })
  }

  private async emit(bytes: Uint8Array): Promise<void> {
    this.bytes += bytes.length
    await this.sink.write(bytes)
  }
}

/** A sink collecting everything in memory, for tests and small archives. */
export class MemorySink implements ByteSink {
  private parts: Uint8Array[] = []
  private length = 0
  write(bytes: Uint8Array): void {
    this.parts.push(bytes)
    this.length += bytes.length
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length)
    let at = 0
    for (const p of this.parts) {
      out.set(p, at)
      at += p.length
    }
    return out
  }
}

