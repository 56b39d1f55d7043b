// The archive decoder (spec/ARCHIVE.md §2–9): walks frames from bytes or an async byte stream, checks
// every CRC, length, payload shape and column before use, salvages every whole frame before damage, and
// reports each problem as a diagnostic with a stable code. Fatal problems throw ArchiveError.
import { Unpackr } from 'msgpackr'
import { decodeColumn, decodeRows, type Column } from './columns.js'
import {
  FORMAT_MAJOR,
  FORMAT_MINOR,
  FRAME_HEADER_LENGTH,
  FrameKind,
  MAX_FRAME_BYTES,
  MAX_RESYNC_CANDIDATES,
  PREAMBLE_LENGTH,
  SECTION_NAMES,
  type SectionName,
} from './constants.js'
import { ArchiveError, type ArchiveErrorCode, type Diagnostic, type Severity } from './errors.js'
import { SECTIONS, type FieldSpec } from './fields.js'
import { frameCrc, hasMagic, isSyncAt, readFrameHeader, sniffFormat, type FrameHeader } from './frames.js'
import { resolveHooks, type FormatHooks, type ResolvedHooks } from './hooks.js'
import { scanMessagePack } from './msgpack-scan.js'
import {
  ChunkSchema,
  EpilogueSchema,
  HeaderSchema,
  TrailerSchema,
  unknownKeys,
  type ArchiveHeader,
  type ColumnPayload,
  type Epilogue,
  type Trailer,
} from './schemas.js'

export interface FrameInfo {
  index: number
  offset: number
  kind: number
  codec: number
  storedLength: number
  decodedLength: number
  crc: number
  /** False when the frame was skipped (checksum, payload or schema problem). */
  ok: boolean
}

export interface DecodedSparseGroup {
  rows: Uint32Array
  columns: Record<string, Column>
}

export interface DecodedChunk {
  section: string
  first: number
  count: number
  columns: Record<string, Column>
  sparse: Record<string, DecodedSparseGroup>
  frame: number
}

export interface UnknownContent {
  /** Frame kinds this reader does not know, with how many frames of each. */
  frameKinds: Record<number, number>
  sections: string[]
  /** Dotted paths: `header.foo`, `chunk.handles.columns.bar`, `epilogue.baz`. */
  fields: string[]
}

export type ArchiveEvent =
  | { type: 'header'; header: ArchiveHeader; version: { major: number; minor: number } }
  | { type: 'chunk'; chunk: DecodedChunk }
  | { type: 'epilogue'; epilogue: Epilogue }
  | { type: 'trailer'; trailer: Trailer }
  | { type: 'frame'; frame: FrameInfo }
  | { type: 'diagnostic'; diagnostic: Diagnostic }
  /** Last event: what was not understood, and how many bytes were read. */
  | { type: 'end'; unknown: UnknownContent; byteLength: number }

export interface DecodeOptions {
  hooks?: FormatHooks
  /**
   * For consumers that handle each event before asking for the next (validate, counting): a stream's
   * frames are decoded in one reused buffer, so memory stays at about one frame whatever the input's
   * size, but a chunk's columns are valid only until the next event. Ignored for Uint8Array input.
   */
  transient?: boolean
}

// int64AsType 'auto': a small value written in a uint64/int64 format (valid per spec §2.2) must still pass
// the u32 schemas as a number; the u64 schemas widen every value to bigint themselves. ('auto' is in
// msgpackr's runtime and README but not in its 2.1 type declarations.)
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as 'bigint', moreTypes: false })
const EMPTY_MAP = Uint8Array.of(0x80)
/** Deflate's largest expansion: 258 bytes from one length/distance pair of at least 2 bits. */
const MAX_DEFLATE_RATIO = 1032

// ---- byte sources: one whole buffer (zero-copy) or an async stream (bounded buffering) ----

interface ByteSource {
  /** Absolute offset of the first unconsumed byte. */
  readonly position: number
  /** Ensures `n` bytes are buffered from `position`; false when the input ends first. */
  fill(n: number): Promise<boolean> | boolean
  /** Bytes buffered from `position` (at least what the last successful fill asked for). */
  view(n: number): Uint8Array
  buffered(): number
  advance(n: number): void
  /** True once the input is known to have no bytes left after `position`. */
  atEnd(): Promise<boolean> | boolean
}

class BufferSource implements ByteSource {
  position = 0
  constructor(private readonly bytes: Uint8Array) {}
  fill(n: number): boolean {
    return this.position + n <= this.bytes.length
  }
  view(n: number): Uint8Array {
    return this.bytes.subarray(this.position, this.position + n)
  }
  buffered(): number {
    return this.bytes.length - this.position
  }
  advance(n: number): void {
    this.position += n
  }
  atEnd(): boolean {
    return this.position >= this.bytes.length
  }
}

class StreamSource implements ByteSource {
  position = 0
  private buf = new Uint8Array(0)
  private start = 0
  private end = 0
  private done = false
  private readonly iterator: AsyncIterator<Uint8Array>
  constructor(
    stream: AsyncIterable<Uint8Array>,
    /** Views instead of copies: each frame's bytes are valid only until the next fill. */
    private readonly transient: boolean,
  ) {
    this.iterator = stream[Symbol.asyncIterator]()
  }
  async fill(n: number): Promise<boolean> {
    while (this.end - this.start < n && !this.done) {
      const { done, value } = await this.iterator.next()
      if (done) {
        this.done = true
        break
      }
      this.append(value, n)
    }
    return this.end - this.start >= n
  }
  /** `want`: how many live bytes the caller is waiting for, to size growth without overshooting. */
  private append(chunk: Uint8Array, want: number): void {
    const live = this.end - this.start
    if (this.end + chunk.length > this.buf.length) {
      // Live bytes move to the same position modulo 8 as in the file, so aligned columns stay aligned.
      const at = this.position % 8
      if (at + live + chunk.length <= this.buf.length) {
        this.buf.copyWithin(at, this.start, this.end)
      } else {
        // Grow from what actually arrived, never from a declared length: a hostile length cannot allocate.
        // Doubling, but never past what the caller waits for plus this chunk, so the buffer settles at
        // about the largest frame instead of twice it.
        const needed = at + live + chunk.length
        const next = new Uint8Array(Math.max(needed, Math.min(this.buf.length * 2, at + Math.max(want, live) + chunk.length), 1 << 16))
        next.set(this.buf.subarray(this.start, this.end), at)
        this.buf = next
      }
      this.start = at
      this.end = at + live
    }
    // Copied at once: the producer may reuse its chunk buffer (archiveFileStream does).
    this.buf.set(chunk, this.end)
    this.end += chunk.length
  }
  view(n: number): Uint8Array {
    if (this.transient) return this.buf.subarray(this.start, this.start + n)
    // A copy at the file's alignment: later appends overwrite the buffer, and decoded columns keep views.
    const at = this.position % 8
    const copy = new Uint8Array(at + n)
    copy.set(this.buf.subarray(this.start, this.start + n), at)
    return copy.subarray(at)
  }
  buffered(): number {
    return this.end - this.start
  }
  advance(n: number): void {
    this.start += n
    this.position += n
  }
  async atEnd(): Promise<boolean> {
    return !(await this.fill(1))
  }
}

export type ByteInput = Uint8Array | AsyncIterable<Uint8Array>

function sourceOf(input: ByteInput, transient: boolean): ByteSource {
  return input instanceof Uint8Array ? new BufferSource(input) : new StreamSource(input, transient)
}

// ---- the frame walk ----

class Walk {
  readonly diagnostics: Diagnostic[] = []
  readonly unknown: UnknownContent = { frameKinds: {}, sections: [], fields: [] }
  readonly frameCrcs: number[] = []
  readonly sectionCounts = new Map<string, number>()
  readonly sectionNext = new Map<string, number>()
  frameIndex = 0
  sawHeader = false
  sawEpilogue = false
  trailer: Trailer | undefined
  trailerOffset = 0
  trailerFrameIndex = 0
  constructor(readonly hooks: ResolvedHooks) {}

  report(code: ArchiveErrorCode, severity: Severity, message: string, where: Partial<Diagnostic> = {}): Diagnostic {
    const d: Diagnostic = { code, severity, message, ...where }
    this.diagnostics.push(d)
    return d
  }

  fatal(code: ArchiveErrorCode, message: string, offset?: number): never {
    const d = this.report(code, 'error', message, offset === undefined ? {} : { offset })
    throw new ArchiveError(code, message, { ...(d.offset === undefined ? {} : { offset: d.offset }), diagnostics: this.diagnostics })
  }

  noteUnknown(paths: string[]): void {
    for (const p of paths) if (!this.unknown.fields.includes(p)) this.unknown.fields.push(p)
  }
}

/**
 * Decodes an archive, yielding its content as events in file order. Throws ArchiveError for fatal
 * problems (not an archive, newer major, damaged preamble or header); every other problem is yielded as a
 * diagnostic and reading goes on with what is intact.
 */
export async function* decodeArchiveEvents(input: ByteInput, options: DecodeOptions = {}): AsyncGenerator<ArchiveEvent> {
  const walk = new Walk(resolveHooks(options.hooks))
  const src = sourceOf(input, options.transient ?? false)
  const version = await readPreamble(src, walk)
  if (version.minor > FORMAT_MINOR) {
    yield diag(walk.report('NEWER_MINOR', 'info', `archive format ${version.major}.${version.minor} is newer than this reader's ${FORMAT_MAJOR}.${FORMAT_MINOR}: read, content this reader does not know is listed as unknown`))
  }
  let resyncBudget = MAX_RESYNC_CANDIDATES
  for (;;) {
    if (walk.trailer) {
      if (!(await src.atEnd())) {
        const extra = src.buffered()
        yield diag(walk.report('TRAILING_DATA', 'warning', `${extra}${src instanceof StreamSource ? '+' : ''} bytes follow the trailer at offset ${src.position}`, { offset: src.position }))
      }
      break
    }
    const offset = src.position
    if (!(await src.fill(FRAME_HEADER_LENGTH))) {
      const left = src.buffered()
      if (!walk.sawHeader) walk.fatal('TRUNCATED', left === 0 ? 'archive ends after the preamble: no header frame' : `archive ends inside the header frame's header (${left} of ${FRAME_HEADER_LENGTH} bytes)`, offset)
      yield diag(walk.report('TRUNCATED', 'error', left === 0 ? `archive ends at offset ${offset} after ${walk.frameIndex} frames without a trailer` : `archive ends at offset ${offset + left} inside a frame header (${left} of ${FRAME_HEADER_LENGTH} bytes)`, { offset, frame: walk.frameIndex }))
      break
    }
    const head = src.view(FRAME_HEADER_LENGTH)
    if (!isSyncAt(head, 0)) {
      if (!walk.sawHeader) walk.fatal('BAD_FRAME', `no frame starts at offset ${offset} (expected the header frame)`, offset)
      yield diag(walk.report('BAD_FRAME', 'error', `no frame starts at offset ${offset}: skipping to the next frame marker`, { offset, frame: walk.frameIndex }))
      const found = await resync(src, resyncBudget)
      resyncBudget = found.budget
      if (!found.ok) {
        yield diag(walk.report('TRUNCATED', 'error', `no further intact frame after offset ${offset}; the archive has no trailer`, { offset }))
        break
      }
      continue
    }
    const fh = readFrameHeader(head, 0)
    const index = walk.frameIndex
    const info: FrameInfo = { index, offset, kind: fh.kind, codec: fh.codec, storedLength: fh.storedLength, decodedLength: fh.decodedLength, crc: fh.crc, ok: false }
    if (fh.storedLength > MAX_FRAME_BYTES || fh.decodedLength > MAX_FRAME_BYTES) {
      const msg = `frame ${index} at offset ${offset} declares ${Math.max(fh.storedLength, fh.decodedLength)} bytes, above the ${MAX_FRAME_BYTES}-byte limit`
      if (!walk.sawHeader) walk.fatal('BAD_LENGTH', msg, offset)
      yield diag(walk.report('BAD_LENGTH', 'error', msg, { offset, frame: index }))
      src.advance(1)
      const found = await resync(src, resyncBudget)
      resyncBudget = found.budget
      if (!found.ok) {
        yield diag(walk.report('TRUNCATED', 'error', `no further intact frame after offset ${offset}; the archive has no trailer`, { offset }))
        break
      }
      continue
    }
    const total = FRAME_HEADER_LENGTH + fh.storedLength
    if (!(await src.fill(total))) {
      const have = src.buffered() - FRAME_HEADER_LENGTH
      const msg = `archive ends inside frame ${index} (${kindName(fh.kind)}) at offset ${offset}: ${have} of ${fh.storedLength} payload bytes present`
      if (!walk.sawHeader) walk.fatal('TRUNCATED', msg, offset)
      yield diag(walk.report('TRUNCATED', 'error', msg, { offset, frame: index }))
      break
    }
    const frameBytes = src.view(total)
    const stored = frameBytes.subarray(FRAME_HEADER_LENGTH)
    const crc = frameCrc(frameBytes, stored, walk.hooks.crc32)
    if (crc !== fh.crc) {
      const msg = `frame ${index} (${kindName(fh.kind)}) at offset ${offset}: checksum ${hex(crc)} differs from the stored ${hex(fh.crc)}`
      if (!walk.sawHeader) walk.fatal('CHECKSUM', msg, offset)
      yield diag(walk.report('CHECKSUM', 'error', msg, { offset, frame: index }))
      // Trust the length only if it lands on another frame (or the end); else hunt for the next marker.
      const next = await landsOnFrame(src, total)
      if (next) {
        walk.frameCrcs.push(fh.crc)
        walk.frameIndex++
        src.advance(total)
        yield { type: 'frame', frame: info }
      } else {
        src.advance(1)
        const found = await resync(src, resyncBudget)
        resyncBudget = found.budget
        if (!found.ok) {
          yield diag(walk.report('TRUNCATED', 'error', `no further intact frame after offset ${offset}; the archive has no trailer`, { offset }))
          break
        }
      }
      continue
    }
    src.advance(total)
    if (fh.kind !== FrameKind.TRAILER) walk.frameCrcs.push(fh.crc)
    walk.frameIndex++
    const events: ArchiveEvent[] = []
    await decodeFrame(walk, fh, info, stored, version, events)
    yield { type: 'frame', frame: info }
    for (const e of events) yield e
  }
  // Release msgpackr's reference to the last source buffer (it keeps one in module state).
  unpackr.unpack(EMPTY_MAP)
  for (const d of finalChecks(walk)) yield diag(d)
  yield { type: 'end', unknown: walk.unknown, byteLength: src.position + src.buffered() }
}

function diag(d: Diagnostic): ArchiveEvent {
  return { type: 'diagnostic', diagnostic: d }
}

async function readPreamble(src: ByteSource, walk: Walk): Promise<{ major: number; minor: number }> {
  const ok = await src.fill(PREAMBLE_LENGTH)
  const head = src.view(Math.min(PREAMBLE_LENGTH, src.buffered()))
  if (head.length === 0) walk.fatal('EMPTY', 'the file is empty (0 bytes)', 0)
  if (!hasMagic(head)) {
    const prefixOk = head.length < 8 && head.every((b, i) => b === [0x89, 0x50, 0x53, 0x53, 0x4e, 0x41, 0x50, 0x0a][i])
    if (!prefixOk) walk.fatal('NOT_PSSNAP', `not a pssnap archive: this looks like ${sniffFormat(src.view(Math.min(512, src.buffered())))}`, 0)
  }
  if (!ok) walk.fatal('TRUNCATED', `archive ends inside the 16-byte preamble (${head.length} bytes)`, 0)
  const view = new DataView(head.buffer, head.byteOffset, PREAMBLE_LENGTH)
  const major = view.getUint16(8, true)
  const minor = view.getUint16(10, true)
  const stored = view.getUint32(12, true)
  if (walk.hooks.crc32(head.subarray(0, 12)) !== stored) walk.fatal('CHECKSUM', 'the preamble checksum is wrong: the version bytes are damaged', 12)
  if (major !== FORMAT_MAJOR) {
    walk.fatal(
      'UNSUPPORTED_VERSION',
      major > FORMAT_MAJOR
        ? `archive format ${major}.${minor} is newer than this reader supports (${FORMAT_MAJOR}.${FORMAT_MINOR}); upgrade pssnap to read it`
        : `archive format ${major}.${minor} is not supported by this reader (${FORMAT_MAJOR}.${FORMAT_MINOR})`,
      8,
    )
  }
  src.advance(PREAMBLE_LENGTH)
  return { major, minor }
}

/** True when `length` bytes from here end exactly at the input's end or at another frame marker. */
async function landsOnFrame(src: ByteSource, length: number): Promise<boolean> {
  if (await src.fill(length + 4)) return isSyncAt(src.view(length + 4), length)
  return src.buffered() === length
}

/** Scans forward for the next frame marker; bounded by a budget of candidates so damage stays linear. */
async function resync(src: ByteSource, budget: number): Promise<{ ok: boolean; budget: number }> {
  while (budget > 0) {
    if (!(await src.fill(4))) return { ok: false, budget }
    const window = src.view(src.buffered())
    let found = -1
    for (let i = 0; i + 4 <= window.length; i++) {
      if (isSyncAt(window, i)) {
        found = i
        break
      }
    }
    if (found < 0) {
      src.advance(Math.max(0, window.length - 3))
      if (!(await src.fill(window.length > 3 ? 4 : window.length + 1))) return { ok: false, budget }
      continue
    }
    src.advance(found)
    return { ok: true, budget: budget - 1 }
  }
  return { ok: false, budget }
}

async function decodeFrame(walk: Walk, fh: FrameHeader, info: FrameInfo, stored: Uint8Array, version: { major: number; minor: number }, out: ArchiveEvent[]): Promise<void> {
  const where = { offset: info.offset, frame: info.index }
  const fail = (code: ArchiveErrorCode, message: string): void => {
    if (!walk.sawHeader && info.index === 0) walk.fatal(code, message, info.offset)
    out.push(diag(walk.report(code, 'error', message, where)))
  }
  if (info.index === 0 && fh.kind !== FrameKind.HEADER) walk.fatal('MISSING_HEADER', `the first frame is a ${kindName(fh.kind)} frame, not the header`, info.offset)
  let payload: Uint8Array
  if (fh.codec === 0) {
    if (fh.decodedLength !== fh.storedLength) return fail('BAD_FRAME', `frame ${info.index}: uncompressed but declares ${fh.decodedLength} decoded bytes for ${fh.storedLength} stored`)
    payload = stored
  } else if (fh.codec === 1) {
    // Deflate expands at most 1032:1, so a larger declaration is a lie; refusing it here keeps an inflater
    // from sizing anything by it (a few stored bytes must not reserve 256 MiB).
    if (fh.decodedLength > fh.storedLength * MAX_DEFLATE_RATIO + 1024) return fail('DECOMPRESS', `frame ${info.index}: declares ${fh.decodedLength} decoded bytes for ${fh.storedLength} deflate bytes, more than deflate can produce`)
    try {
      payload = await walk.hooks.inflate(stored, fh.decodedLength)
    } catch (e) {
      return fail('DECOMPRESS', `frame ${info.index}: deflate payload does not inflate to the declared ${fh.decodedLength} bytes (${(e as Error).message})`)
    }
    if (payload.length !== fh.decodedLength) return fail('DECOMPRESS', `frame ${info.index}: inflated to ${payload.length} bytes, declared ${fh.decodedLength}`)
  } else {
    return fail('BAD_FRAME', `frame ${info.index}: unknown codec ${fh.codec}`)
  }
  const known = fh.kind >= FrameKind.HEADER && fh.kind <= FrameKind.TRAILER
  if (!known) {
    walk.unknown.frameKinds[fh.kind] = (walk.unknown.frameKinds[fh.kind] ?? 0) + 1
    info.ok = true
    out.push(diag(walk.report('UNKNOWN', 'info', `frame ${info.index} has kind ${fh.kind}, unknown to this reader: skipped`, where)))
    return
  }
  const problem = scanMessagePack(payload)
  if (problem) return fail(problem.code, `frame ${info.index} (${kindName(fh.kind)}): ${problem.message}`)
  let value: unknown
  try {
    value = unpackr.unpack(payload)
  } catch (e) {
    return fail('BAD_PAYLOAD', `frame ${info.index} (${kindName(fh.kind)}): MessagePack does not decode (${(e as Error).message})`)
  }
  switch (fh.kind) {
    case FrameKind.HEADER: {
      if (walk.sawHeader) return void out.push(diag(walk.report('DUPLICATE', 'error', `frame ${info.index} is a second header: ignored`, where)))
      const parsed = HeaderSchema.safeParse(value)
      if (!parsed.success) walk.fatal('SCHEMA', `the header frame does not match the format: ${zodMessage(parsed.error)}`, info.offset)
      walk.sawHeader = true
      info.ok = true
      reportUnknown(walk, unknownKeys(value, HeaderSchema, 'header.'), out, where)
      out.push({ type: 'header', header: parsed.data, version })
      return
    }
    case FrameKind.CHUNK: {
      const chunk = decodeChunk(walk, value, info, out)
      if (chunk) {
        info.ok = true
        out.push({ type: 'chunk', chunk })
      }
      return
    }
    case FrameKind.EPILOGUE: {
      if (walk.sawEpilogue) return void out.push(diag(walk.report('DUPLICATE', 'error', `frame ${info.index} is a second epilogue: ignored`, where)))
      const parsed = EpilogueSchema.safeParse(value)
      if (!parsed.success) return fail('SCHEMA', `epilogue frame ${info.index}: ${zodMessage(parsed.error)}`)
      walk.sawEpilogue = true
      info.ok = true
      reportUnknown(walk, unknownKeys(value, EpilogueSchema, 'epilogue.'), out, where)
      out.push({ type: 'epilogue', epilogue: parsed.data })
      return
    }
    case FrameKind.TRAILER: {
      const parsed = TrailerSchema.safeParse(value)
      if (!parsed.success) return fail('SCHEMA', `trailer frame ${info.index}: ${zodMessage(parsed.error)}`)
      info.ok = true
      walk.trailer = parsed.data
      walk.trailerOffset = info.offset
      walk.trailerFrameIndex = info.index
      reportUnknown(walk, unknownKeys(value, TrailerSchema, 'trailer.'), out, where)
      out.push({ type: 'trailer', trailer: parsed.data })
      return
    }
  }
}

function reportUnknown(walk: Walk, paths: string[], out: ArchiveEvent[], where: Partial<Diagnostic>): void {
  const fresh = paths.filter((p) => !walk.unknown.fields.includes(p))
  if (fresh.length === 0) return
  walk.noteUnknown(fresh)
  out.push(diag(walk.report('UNKNOWN', 'info', `unknown fields ignored: ${fresh.join(', ')}`, where)))
}

function decodeChunk(walk: Walk, value: unknown, info: FrameInfo, out: ArchiveEvent[]): DecodedChunk | undefined {
  const where = { offset: info.offset, frame: info.index }
  const parsed = ChunkSchema.safeParse(value)
  if (!parsed.success) {
    out.push(diag(walk.report('SCHEMA', 'error', `chunk frame ${info.index}: ${zodMessage(parsed.error)}`, where)))
    return undefined
  }
  const c = parsed.data
  const section = c.section
  const layout = (SECTIONS as Record<string, { columns: Record<string, FieldSpec>; sparse: Record<string, Record<string, FieldSpec>> } | undefined>)[section]
  if (!layout || !Object.prototype.hasOwnProperty.call(SECTIONS, section)) {
    // A newer minor's section: the frame is intact and skipped by design, not damaged.
    info.ok = true
    if (!walk.unknown.sections.includes(section)) {
      walk.unknown.sections.push(section)
      out.push(diag(walk.report('UNKNOWN', 'info', `section '${section}' is unknown to this reader: its chunks are skipped`, { ...where, section })))
    }
    return undefined
  }
  const expectedFirst = walk.sectionNext.get(section) ?? 0
  if (c.first < expectedFirst) {
    out.push(diag(walk.report('DUPLICATE', 'error', `chunk frame ${info.index} of ${section} starts at entry ${c.first}, overlapping entries already read (next expected ${expectedFirst}): skipped`, { ...where, section })))
    return undefined
  }
  if (c.first > expectedFirst) {
    out.push(diag(walk.report('GAP', 'error', `${section}: entries ${expectedFirst}..${c.first - 1} are missing (a chunk was lost)`, { ...where, section })))
  }
  if (c.count > 0 && Object.keys(c.columns).length === 0) {
    // Every entry must cost bytes in some column, so a file cannot claim more entries than it has bytes.
    out.push(diag(walk.report('SCHEMA', 'error', `chunk frame ${info.index} of ${section} claims ${c.count} entries but has no column: skipped`, { ...where, section })))
    return undefined
  }
  const columns = decodeColumns(walk, section, 'columns', c.columns, layout.columns, c.count, out, where)
  if (!columns) return undefined
  const sparse: Record<string, DecodedSparseGroup> = {}
  for (const [group, g] of Object.entries(c.sparse ?? {})) {
    const fields = Object.prototype.hasOwnProperty.call(layout.sparse, group) ? layout.sparse[group] : undefined
    const rows = decodeRows(g.rows, c.count)
    if (typeof rows === 'string') {
      out.push(diag(walk.report('SCHEMA', 'error', `chunk frame ${info.index}, ${section}.${group}: ${rows}`, { ...where, section })))
      return undefined
    }
    if (!fields) {
      // A sparse group this reader does not know: reported once as a whole, its columns not decoded.
      const path = `chunk.${section}.sparse.${group}`
      if (!walk.unknown.fields.includes(path)) reportUnknown(walk, [path], out, where)
      continue
    }
    const groupColumns = decodeColumns(walk, section, `sparse.${group}`, g.columns, fields, rows.length, out, where)
    if (!groupColumns) return undefined
    sparse[group] = { rows, columns: groupColumns }
  }
  reportUnknown(walk, unknownKeys(value, ChunkSchema, `chunk.${section}.`).filter((p) => !p.includes('.columns.') && !p.includes('.sparse.')), out, where)
  walk.sectionNext.set(section, c.first + c.count)
  walk.sectionCounts.set(section, (walk.sectionCounts.get(section) ?? 0) + c.count)
  return { section, first: c.first, count: c.count, columns, sparse, frame: info.index }
}

function decodeColumns(
  walk: Walk,
  section: string,
  label: string,
  payloads: Record<string, ColumnPayload>,
  known: Readonly<Record<string, FieldSpec>>,
  count: number,
  out: ArchiveEvent[],
  where: Partial<Diagnostic>,
): Record<string, Column> | undefined {
  // Null-prototype map: column names come from the file and must never reach Object.prototype.
  const columns: Record<string, Column> = Object.create(null)
  for (const [name, payload] of Object.entries(payloads)) {
    const spec = Object.prototype.hasOwnProperty.call(known, name) ? known[name] : undefined
    const decoded = decodeColumn(payload, count)
    if (typeof decoded === 'string') {
      if (!spec) {
        // A newer minor's column this reader cannot even decode (an unknown type): drop just that column.
        const path = `chunk.${section}.${label}.${name}`
        if (!walk.unknown.fields.includes(path)) {
          walk.noteUnknown([path])
          out.push(diag(walk.report('UNKNOWN', 'info', `unknown column ${section}.${label}.${name} ignored (${decoded})`, where)))
        }
        continue
      }
      out.push(diag(walk.report('SCHEMA', 'error', `chunk frame ${where.frame}, ${section}.${label}.${name}: ${decoded}: chunk skipped`, { ...where, section })))
      return undefined
    }
    if (!spec) {
      const path = `chunk.${section}.${label}.${name}`
      if (!walk.unknown.fields.includes(path)) reportUnknown(walk, [path], out, where)
      columns[name] = decoded
      continue
    }
    if (spec.dtype !== decoded.dtype) {
      out.push(diag(walk.report('SCHEMA', 'error', `${section}.${name} is stored as ${decoded.dtype}, the format says ${spec.dtype}: column dropped`, { ...where, section })))
      continue
    }
    columns[name] = decoded
  }
  return columns
}

function finalChecks(walk: Walk): Diagnostic[] {
  const out: Diagnostic[] = []
  const t = walk.trailer
  if (!t) return out
  const where = { offset: walk.trailerOffset, frame: walk.trailerFrameIndex }
  const mismatch = (message: string) => out.push(walk.report('TRAILER_MISMATCH', 'error', message, where))
  if (t.frameCount !== walk.frameIndex - 1) mismatch(`trailer counts ${t.frameCount} frames before it, the file has ${walk.frameIndex - 1}`)
  if (t.byteLength !== BigInt(walk.trailerOffset)) mismatch(`trailer says it starts at offset ${t.byteLength}, it starts at ${walk.trailerOffset}`)
  const crcBytes = new Uint8Array(walk.frameCrcs.length * 4)
  const view = new DataView(crcBytes.buffer)
  walk.frameCrcs.forEach((c, i) => view.setUint32(i * 4, c, true))
  const sum = walk.hooks.crc32(crcBytes)
  if (sum !== t.frameChecksum) mismatch(`trailer frame checksum ${hex(t.frameChecksum)} differs from the frames' ${hex(sum)}: a frame was added, removed or reordered`)
  for (const [section, expected] of Object.entries(t.entryCounts)) {
    if (!(SECTION_NAMES as readonly string[]).includes(section)) continue
    const got = walk.sectionCounts.get(section) ?? 0
    if (got !== expected) out.push(walk.report(got < expected ? 'GAP' : 'TRAILER_MISMATCH', 'error', `${section}: trailer counts ${expected} entries, ${got} were read`, { ...where, section }))
  }
  for (const [section, got] of walk.sectionCounts) {
    if (!(section in t.entryCounts)) mismatch(`${section}: ${got} entries read but the trailer does not list the section`)
  }
  return out
}

function kindName(kind: number): string {
  return ({ 1: 'header', 2: 'chunk', 3: 'epilogue', 4: 'trailer' } as Record<number, string>)[kind] ?? `kind ${kind}`
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`
}

function zodMessage(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ')
}

export type { SectionName }
