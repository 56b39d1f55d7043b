// The archive decoder (spec/ARCHIVE.md §2–9): walks frames from bytes or an async byte stream, checks
// every CRC, length, payload shape and column before use, salvages every whole frame before damage, and
// reports each problem as a diagnostic with a stable code. Fatal problems throw ArchiveError.
import { checkColumnLength, decodeColumn, decodeRows, type Column } from './columns.js'
import {
  DEFAULT_MAX_DECODED_BYTES,
  FORMAT_MAJOR,
  FORMAT_MINOR,
  FRAME_HEADER_LENGTH,
  FrameKind,
  MAX_CHUNK_ENTRIES,
  MAX_FRAME_BYTES,
  MAX_RESYNC_CANDIDATES,
  PREAMBLE_LENGTH,
  SECTION_NAMES,
  type SectionName,
} from './constants.js'
import { ArchiveError, type ArchiveErrorCode, type Diagnostic, type Severity } from './errors.js'
import { SECTIONS, type FieldSpec } from './fields.js'
import type { Crc32 } from './crc32.js'
import { frameCrc, hasMagic, isSyncAt, readFrameHeader, sniffFormat, type FrameHeader } from './frames.js'
import { resolveHooks, type FormatHooks, type ResolvedHooks } from './hooks.js'
import { scanMessagePack } from './msgpack-scan.js'
import { LazyStrings, PayloadReader, ShapeError, shapeOf, type Shape } from './payload.js'
import {
  EpilogueSchema,
  HeaderSchema,
  TrailerSchema,
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
  /**
   * Unknown keys, each once, as dotted paths of where they sit (spec §9 UNKNOWN): `header.foo`,
   * `header.target.foo`, `chunk.handles.foo`, `chunk.handles.columns.bar`, `chunk.handles.sparse.<group>`,
   * `chunk.handles.sparse.<group>.columns.bar`, `epilogue.captureErrors[].foo`, `trailer.foo`. What an unknown
   * key holds is skipped, so keys nested inside it are not listed.
   */
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
  /**
   * Limit on the total decoded payload bytes (the frames' decodedLength, summed in file order); reading
   * past it throws ArchiveError `TOO_LARGE` before that frame is decoded (spec §2.4). Default 1 GiB.
   */
  maxDecodedBytes?: number
}

const HEADER_SHAPE = shapeOf(HeaderSchema)
const EPILOGUE_SHAPE = shapeOf(EpilogueSchema)
const knownSection = (name: string): boolean => (SECTION_NAMES as readonly string[]).includes(name)
/** entryCounts of sections this reader does not know are listed as unknown sections, not kept. */
const TRAILER_SHAPE: Shape = (() => {
  const base = shapeOf(TrailerSchema) as { map: Record<string, Shape>; extra: 'report' }
  return { ...base, map: { ...base.map, entryCounts: { record: (name: string) => (knownSection(name) ? 'int' : undefined) } } }
})()
/** A column map: other keys (padding `_…` among them) are ignored, not listed (spec §5). */
const COLUMN_SHAPE: Shape = { map: { type: 'str', data: 'bin', dict: { lazyStrings: true }, offsets: 'bin', architecture: 'str' }, extra: 'ignore', required: ['type', 'data'] }
/** An unknown column: only what checks its length is read; its dictionary is never decoded. */
const UNKNOWN_COLUMN_SHAPE: Shape = { map: { type: 'str', data: 'bin', offsets: 'bin' }, extra: 'ignore', required: ['type', 'data'] }

/**
 * The shape of a chunk of a known section: its columns and sparse groups by the spec's tables. Like column
 * maps, a sparse group's map may hold `_` padding (before `rows`) and other keys, ignored (spec §5, §5.4).
 */
function chunkShape(layout: SectionLayout): Shape {
  const columnsOf = (known: Readonly<Record<string, FieldSpec>>): Shape => ({ record: (name) => (Object.hasOwn(known, name) ? COLUMN_SHAPE : UNKNOWN_COLUMN_SHAPE) })
  return {
    map: {
      section: 'str',
      first: 'int',
      count: 'int',
      columns: columnsOf(layout.columns),
      sparse: { record: (group) => (Object.hasOwn(layout.sparse, group) ? { map: { rows: 'bin', columns: columnsOf(layout.sparse[group]!) }, extra: 'ignore', required: ['rows', 'columns'] } : undefined) },
    },
    extra: 'report',
    required: ['section', 'first', 'count', 'columns'],
  }
}
type SectionLayout = { columns: Readonly<Record<string, FieldSpec>>; sparse: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>> }
const CHUNK_SHAPES = new Map<string, Shape>(SECTION_NAMES.map((name) => [name, chunkShape(SECTIONS[name] as SectionLayout)]))
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
  /** Lets go of the input when reading stops early (a fatal error, a consumer that stops asking). */
  close(): Promise<void> | void
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
  close(): void {}
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
  async close(): Promise<void> {
    // A file stream closes its handle when told it is no longer read.
    if (!this.done) await this.iterator.return?.()
  }
}

/**
 * One buffer filled front to back while it is decoded (a file being read into memory): frames are checked
 * and decoded as soon as their bytes are in place, while later bytes are still arriving, and decoded columns
 * are views into `bytes`, as for a whole buffer (no copies).
 */
export interface FillingBytes {
  /** The buffer the input is read into; bytes [0, filled) are in place and never change afterwards. */
  readonly bytes: Uint8Array
  readonly filled: number
  /**
   * Resolves once `filled` has grown, or with false when it never will again: the input ended, maybe short
   * of bytes.length (a file that shrank). Rejects when reading fails.
   */
  more(): Promise<boolean>
  /** Lets go of the input when decoding stops before it ended. */
  close?(): Promise<void> | void
}

class FillingSource implements ByteSource {
  position = 0
  private ended = false
  constructor(private readonly input: FillingBytes) {}
  async fill(n: number): Promise<boolean> {
    while (this.input.filled - this.position < n && !this.ended) this.ended = !(await this.input.more())
    return this.input.filled - this.position >= n
  }
  view(n: number): Uint8Array {
    return this.input.bytes.subarray(this.position, this.position + n)
  }
  buffered(): number {
    return this.input.filled - this.position
  }
  advance(n: number): void {
    this.position += n
  }
  async atEnd(): Promise<boolean> {
    // Waits for the whole input, so that what follows a trailer is counted as in a whole buffer.
    while (!this.ended) this.ended = !(await this.input.more())
    return this.position >= this.input.filled
  }
  async close(): Promise<void> {
    if (!this.ended) await this.input.close?.()
  }
}

export type ByteInput = Uint8Array | AsyncIterable<Uint8Array> | FillingBytes

function sourceOf(input: ByteInput, transient: boolean): ByteSource {
  if (input instanceof Uint8Array) return new BufferSource(input)
  if (Symbol.asyncIterator in input) return new StreamSource(input, transient)
  return new FillingSource(input)
}

// ---- the frame walk ----

class Walk {
  readonly diagnostics: Diagnostic[] = []
  readonly unknown: UnknownContent = { frameKinds: {}, sections: [], fields: [] }
  /** Names already in unknown.fields / unknown.sections: a Set, so many unknown names stay linear. */
  private readonly unknownSeen = new Set<string>()
  private readonly unknownSections = new Set<string>()
  decodedBytes = 0
  maxDecodedBytes = DEFAULT_MAX_DECODED_BYTES
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

  /**
   * A str column whose rows repeat dictionary strings spells out more than the frame's bytes: one 1 MiB
   * string referenced by a million rows is a terabyte of JSON. What the rows spell out beyond the stored
   * dictionary counts as decoded bytes (spec §2.4), so such a column is TOO_LARGE, not an endless output.
   */
  countExpansion(dict: LazyStrings, index: ArrayLike<number>, column: string, where: { offset: number; frame: number }): void {
    const excess = dict.expandedBytes(index) - dict.storedBytes
    if (excess <= 0) return
    this.decodedBytes += excess
    if (this.decodedBytes > this.maxDecodedBytes) {
      this.fatal('TOO_LARGE', `frame ${where.frame} at offset ${where.offset}: the rows of ${column} repeat its dictionary strings to ${excess} bytes beyond the dictionary, bringing the decoded payload to ${this.decodedBytes} bytes, above the limit of ${this.maxDecodedBytes} (raise it with the maxDecodedBytes option, or --max-decoded in the CLI)`, where.offset)
    }
  }

  fatal(code: ArchiveErrorCode, message: string, offset?: number): never {
    const d = this.report(code, 'error', message, offset === undefined ? {} : { offset })
    throw new ArchiveError(code, message, { ...(d.offset === undefined ? {} : { offset: d.offset }), diagnostics: this.diagnostics })
  }

  /** Adds unknown field paths; returns those not listed before. */
  noteUnknown(paths: readonly string[]): string[] {
    const fresh: string[] = []
    for (const p of paths) {
      if (this.unknownSeen.has(p)) continue
      this.unknownSeen.add(p)
      this.unknown.fields.push(p)
      fresh.push(p)
    }
    return fresh
  }

  /** Adds an unknown section name; true when it was not listed before. */
  noteUnknownSection(name: string): boolean {
    if (this.unknownSections.has(name)) return false
    this.unknownSections.add(name)
    this.unknown.sections.push(name)
    return true
  }
}

/**
 * Decodes an archive, yielding its content as events in file order. Throws ArchiveError for fatal
 * problems (not an archive, newer major, damaged preamble or header); every other problem is yielded as a
 * diagnostic and reading goes on with what is intact.
 */
export async function* decodeArchiveEvents(input: ByteInput, options: DecodeOptions = {}): AsyncGenerator<ArchiveEvent> {
  const src = sourceOf(input, options.transient ?? false)
  try {
    yield* walkArchive(src, options)
  } finally {
    await src.close()
  }
}

async function* walkArchive(src: ByteSource, options: DecodeOptions): AsyncGenerator<ArchiveEvent> {
  const walk = new Walk(resolveHooks(options.hooks))
  const maxDecoded = options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES
  walk.maxDecodedBytes = maxDecoded
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
      const found = await resync(src, resyncBudget, walk.hooks.crc32)
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
      const found = await resync(src, resyncBudget, walk.hooks.crc32)
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
        const found = await resync(src, resyncBudget, walk.hooks.crc32)
        resyncBudget = found.budget
        if (!found.ok) {
          yield diag(walk.report('TRUNCATED', 'error', `no further intact frame after offset ${offset}; the archive has no trailer`, { offset }))
          break
        }
      }
      continue
    }
    // The budget on decoded bytes is checked before the payload is inflated or decoded (spec §2.4).
    walk.decodedBytes += fh.decodedLength
    if (walk.decodedBytes > maxDecoded) {
      walk.fatal('TOO_LARGE', `frame ${index} at offset ${offset} brings the decoded payload to ${walk.decodedBytes} bytes, above the limit of ${maxDecoded} (raise it with the maxDecodedBytes option, or --max-decoded in the CLI)`, offset)
    }
    src.advance(total)
    if (fh.kind !== FrameKind.TRAILER) walk.frameCrcs.push(fh.crc)
    walk.frameIndex++
    const events: ArchiveEvent[] = []
    await decodeFrame(walk, fh, info, stored, version, events)
    yield { type: 'frame', frame: info }
    for (const e of events) yield e
  }
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

/**
 * Scans forward for the next frame that checks out (spec §2.3): a `PSFR` marker whose lengths are within
 * the limits, whose stored bytes are all present and whose CRC matches. Each marker tried costs one
 * candidate of the budget, so damage (or a file full of markers) stays linear.
 */
async function resync(src: ByteSource, budget: number, crc32: Crc32): Promise<{ ok: boolean; budget: number }> {
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
    budget--
    if (await checksOut(src, crc32)) return { ok: true, budget }
    src.advance(1)
  }
  return { ok: false, budget }
}

/** Whether a whole, intact frame starts at the current position (a resync candidate). */
async function checksOut(src: ByteSource, crc32: Crc32): Promise<boolean> {
  if (!(await src.fill(FRAME_HEADER_LENGTH))) return false
  const fh = readFrameHeader(src.view(FRAME_HEADER_LENGTH), 0)
  if (fh.storedLength > MAX_FRAME_BYTES || fh.decodedLength > MAX_FRAME_BYTES) return false
  const total = FRAME_HEADER_LENGTH + fh.storedLength
  if (!(await src.fill(total))) return false
  const bytes = src.view(total)
  return frameCrc(bytes, bytes.subarray(FRAME_HEADER_LENGTH), crc32) === fh.crc
}

async function decodeFrame(walk: Walk, fh: FrameHeader, info: FrameInfo, stored: Uint8Array, version: { major: number; minor: number }, out: ArchiveEvent[]): Promise<void> {
  const where = { offset: info.offset, frame: info.index }
  const fail = (code: ArchiveErrorCode, message: string): void => {
    if (!walk.sawHeader && info.index === 0) walk.fatal(code, message, info.offset)
    out.push(diag(walk.report(code, 'error', message, where)))
  }
  if (info.index === 0 && fh.kind !== FrameKind.HEADER) walk.fatal('MISSING_HEADER', `the first frame is a ${kindName(fh.kind)} frame, not the header`, info.offset)
  const known = fh.kind >= FrameKind.HEADER && fh.kind <= FrameKind.TRAILER
  if (!known) {
    // Skipped whatever its codec: a later minor's frame kind may use a later minor's codec (STABILITY.md:
    // unknown content is never damage). Its CRC was checked; its payload is not looked at.
    walk.unknown.frameKinds[fh.kind] = (walk.unknown.frameKinds[fh.kind] ?? 0) + 1
    info.ok = true
    out.push(diag(walk.report('UNKNOWN', 'info', `frame ${info.index} has kind ${fh.kind}, unknown to this reader: skipped`, where)))
    return
  }
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
  const problem = scanMessagePack(payload)
  if (problem) return fail(problem.code, `frame ${info.index} (${kindName(fh.kind)}): ${problem.message}`)
  switch (fh.kind) {
    case FrameKind.HEADER: {
      if (walk.sawHeader) return void out.push(diag(walk.report('DUPLICATE', 'error', `frame ${info.index} is a second header: ignored`, where)))
      const read = readShaped(payload, HEADER_SHAPE)
      if (read instanceof ShapeError) walk.fatal('SCHEMA', `the header frame does not match the format: ${read.message}`, info.offset)
      const parsed = HeaderSchema.safeParse(read.value)
      if (!parsed.success) walk.fatal('SCHEMA', `the header frame does not match the format: ${zodMessage(parsed.error)}`, info.offset)
      walk.sawHeader = true
      info.ok = true
      reportUnknown(walk, read.unknown.map((p) => `header.${p}`), out, where)
      out.push({ type: 'header', header: parsed.data, version })
      return
    }
    case FrameKind.CHUNK: {
      const chunk = decodeChunk(walk, payload, info, out)
      if (chunk) {
        info.ok = true
        out.push({ type: 'chunk', chunk })
      }
      return
    }
    case FrameKind.EPILOGUE: {
      if (walk.sawEpilogue) return void out.push(diag(walk.report('DUPLICATE', 'error', `frame ${info.index} is a second epilogue: ignored`, where)))
      const read = readShaped(payload, EPILOGUE_SHAPE)
      if (read instanceof ShapeError) return fail('SCHEMA', `epilogue frame ${info.index}: ${read.message}`)
      const parsed = EpilogueSchema.safeParse(read.value)
      if (!parsed.success) return fail('SCHEMA', `epilogue frame ${info.index}: ${zodMessage(parsed.error)}`)
      walk.sawEpilogue = true
      info.ok = true
      reportUnknown(walk, read.unknown.map((p) => `epilogue.${p}`), out, where)
      out.push({ type: 'epilogue', epilogue: parsed.data })
      return
    }
    case FrameKind.TRAILER: {
      const read = readShaped(payload, TRAILER_SHAPE)
      if (read instanceof ShapeError) return fail('SCHEMA', `trailer frame ${info.index}: ${read.message}`)
      const parsed = TrailerSchema.safeParse(read.value)
      if (!parsed.success) return fail('SCHEMA', `trailer frame ${info.index}: ${zodMessage(parsed.error)}`)
      info.ok = true
      walk.trailer = parsed.data
      walk.trailerOffset = info.offset
      walk.trailerFrameIndex = info.index
      // Sections the trailer counts that this reader does not know are unknown sections, not fields.
      const fields = read.unknown.filter((p) => !p.startsWith('entryCounts.'))
      const sections = read.unknown.filter((p) => p.startsWith('entryCounts.')).map((p) => p.slice('entryCounts.'.length))
      const freshSections = sections.filter((name) => walk.noteUnknownSection(name))
      if (freshSections.length) out.push(diag(walk.report('UNKNOWN', 'info', `the trailer counts sections unknown to this reader: ${freshSections.join(', ')}`, where)))
      reportUnknown(walk, fields.map((p) => `trailer.${p}`), out, where)
      out.push({ type: 'trailer', trailer: parsed.data })
      return
    }
  }
}

/** Decodes a scanned payload by its shape: the value and the unknown keys met, or why it does not fit. */
function readShaped(payload: Uint8Array, shape: Shape): { value: unknown; unknown: string[] } | ShapeError {
  const reader = new PayloadReader(payload)
  try {
    return { value: reader.read(shape, ''), unknown: reader.unknown }
  } catch (e) {
    if (e instanceof ShapeError) return e
    throw e
  }
}

/**
 * A chunk read by its section's shape (undefined for a section this reader does not know), with the
 * section the decoded map holds, which differs from `section` only when the key is repeated.
 */
function readShapedChunk(payload: Uint8Array, section: string): { shaped: ReturnType<typeof readShaped> | undefined; section: string } {
  const shape = Object.hasOwn(SECTIONS, section) ? CHUNK_SHAPES.get(section) : undefined
  if (!shape) return { shaped: undefined, section }
  const shaped = readShaped(payload, shape)
  return { shaped, section: shaped instanceof ShapeError ? section : String((shaped.value as { section?: unknown }).section) }
}

/** At most one UNKNOWN diagnostic per frame, naming what it holds that was not listed before. */
function reportUnknown(walk: Walk, paths: string[], out: ArchiveEvent[], where: Partial<Diagnostic>): void {
  const fresh = walk.noteUnknown(paths)
  if (fresh.length === 0) return
  out.push(diag(walk.report('UNKNOWN', 'info', `unknown fields ignored: ${fresh.join(', ')}`, where)))
}

interface ChunkPayload {
  section: string
  first: number
  count: number
  columns: Record<string, ColumnPayload>
  sparse?: Record<string, { rows: Uint8Array; columns: Record<string, ColumnPayload> }>
}

function decodeChunk(walk: Walk, payload: Uint8Array, info: FrameInfo, out: ArchiveEvent[]): DecodedChunk | undefined {
  const where = { offset: info.offset, frame: info.index }
  const schemaError = (message: string, section?: string): undefined => {
    out.push(diag(walk.report('SCHEMA', 'error', `chunk frame ${info.index}${section ? ` of ${section}` : ''}: ${message}`, section === undefined ? where : { ...where, section })))
    return undefined
  }
  // The section decides the shape of everything else, and a map's keys come in any order: look it up first
  // (writers put it first; a repeated `section` key, whose last value counts, takes the slow path below).
  let section = new PayloadReader(payload).peekString('section', true)
  // An unknown section is skipped unread, so make sure no later repeat of the key names another.
  if (section === undefined || !CHUNK_SHAPES.has(section)) section = new PayloadReader(payload).peekString('section')
  if (section === undefined) return schemaError('section: expected a string')
  let read = readShapedChunk(payload, section)
  if (read.section !== section) {
    section = new PayloadReader(payload).peekString('section')
    if (section === undefined) return schemaError('section: expected a string')
    read = readShapedChunk(payload, section)
  }
  if (read.shaped === undefined) {
    // A newer minor's section: the frame is intact and skipped by design, not damaged.
    info.ok = true
    if (walk.noteUnknownSection(section)) out.push(diag(walk.report('UNKNOWN', 'info', `section '${section}' is unknown to this reader: its chunks are skipped`, { ...where, section })))
    return undefined
  }
  if (read.shaped instanceof ShapeError) return schemaError(read.shaped.message, section)
  const layout = SECTIONS[section as SectionName] as SectionLayout
  const c = read.shaped.value as Partial<ChunkPayload>
  if (typeof c.first !== 'number' || c.first > 0xffffffff || c.first < 0) return schemaError(`first: expected a uint32, found ${String(c.first)}`, section)
  if (typeof c.count !== 'number' || c.count > MAX_CHUNK_ENTRIES || c.count < 0) return schemaError(`count: expected an integer from 0 to ${MAX_CHUNK_ENTRIES}, found ${String(c.count)}`, section)
  if (!c.columns) return schemaError('columns: required', section)
  const { first, count } = c as ChunkPayload
  const expectedFirst = walk.sectionNext.get(section) ?? 0
  if (first < expectedFirst) {
    out.push(diag(walk.report('DUPLICATE', 'error', `chunk frame ${info.index} of ${section} starts at entry ${first}, overlapping entries already read (next expected ${expectedFirst}): skipped`, { ...where, section })))
    return undefined
  }
  const unknownPaths = read.shaped.unknown.map((p) => `chunk.${section}.${p}`)
  const decoded = decodeColumns(section, 'columns', c.columns, layout.columns, count, out, where, walk, unknownPaths)
  if (!decoded) return undefined
  // Sparse groups hold at most `count` rows each, so they never back entries on their own.
  const backed = decoded.backed
  const sparse: Record<string, DecodedSparseGroup> = Object.create(null)
  for (const [group, g] of Object.entries(c.sparse ?? {})) {
    const rows = decodeRows(g.rows, count)
    if (typeof rows === 'string') return schemaError(`${section}.${group}: ${rows}`, section)
    const groupColumns = decodeColumns(section, `sparse.${group}.columns`, g.columns, layout.sparse[group]!, rows.length, out, where, walk, unknownPaths)
    if (!groupColumns) return undefined
    sparse[group] = { rows, columns: groupColumns.columns }
  }
  if (count > 0 && !backed) {
    // Every entry must cost bytes in a column whose length was checked, so a file cannot claim more
    // entries than it has bytes (spec §4).
    return schemaError(`claims ${count} entries but has no column whose values back them: skipped`, section)
  }
  if (first > expectedFirst) {
    out.push(diag(walk.report('GAP', 'error', `${section}: entries ${expectedFirst}..${first - 1} are missing (a chunk was lost)`, { ...where, section })))
  }
  reportUnknown(walk, unknownPaths, out, where)
  walk.sectionNext.set(section, first + count)
  walk.sectionCounts.set(section, (walk.sectionCounts.get(section) ?? 0) + count)
  return { section, first, count, columns: decoded.columns, sparse, frame: info.index }
}

function decodeColumns(
  section: string,
  label: string,
  payloads: Record<string, ColumnPayload>,
  known: Readonly<Record<string, FieldSpec>>,
  count: number,
  out: ArchiveEvent[],
  where: { offset: number; frame: number },
  walk: Walk,
  unknownPaths: string[],
): { columns: Record<string, Column>; backed: boolean } | undefined {
  // Null-prototype map: column names come from the file and must never reach Object.prototype.
  const columns: Record<string, Column> = Object.create(null)
  let backed = false
  for (const [name, payload] of Object.entries(payloads)) {
    if (!Object.hasOwn(known, name)) {
      // A newer minor's column: listed, its length checked (so it may back the row count), never decoded.
      unknownPaths.push(`chunk.${section}.${label}.${name}`)
      if (checkColumnLength(payload, count) === undefined) backed = true
      continue
    }
    const spec = known[name]!
    const decoded = decodeColumn(payload, count)
    if (typeof decoded === 'string') {
      out.push(diag(walk.report('SCHEMA', 'error', `chunk frame ${where.frame}, ${section}.${label}.${name}: ${decoded}: chunk skipped`, { ...where, section })))
      return undefined
    }
    backed = true
    if (decoded.dtype === 'str' && payload.dict instanceof LazyStrings) walk.countExpansion(payload.dict, decoded.index, `${section}.${label}.${name}`, where)
    if (spec.dtype !== decoded.dtype) {
      out.push(diag(walk.report('SCHEMA', 'error', `${section}.${name} is stored as ${decoded.dtype}, the format says ${spec.dtype}: column dropped`, { ...where, section })))
      continue
    }
    columns[name] = decoded
  }
  return { columns, backed }
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
  if (sum !== t.frameChecksum) mismatch(`trailer frame checksum ${hex(sum)} expected, the trailer says ${hex(t.frameChecksum)}: a frame was added, removed, reordered or skipped`)
  // The trailer's entryCounts holds only known sections (others were listed as unknown when it was read).
  for (const [section, expected] of Object.entries(t.entryCounts)) {
    const read = walk.sectionCounts.get(section) ?? 0
    const next = walk.sectionNext.get(section) ?? 0
    // Each lost range is reported once: ranges between chunks at the chunk after them, the tail here.
    if (read > expected || next > expected) out.push(walk.report('TRAILER_MISMATCH', 'error', `${section}: trailer counts ${expected} entries, ${read} were read (up to index ${next - 1})`, { ...where, section }))
    else if (next < expected) out.push(walk.report('GAP', 'error', `${section}: entries ${next}..${expected - 1} are missing (the trailer counts ${expected}, ${read} were read)`, { ...where, section }))
  }
  for (const [section, got] of walk.sectionCounts) {
    if (!Object.hasOwn(t.entryCounts, section)) mismatch(`${section}: ${got} entries read but the trailer does not list the section`)
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
