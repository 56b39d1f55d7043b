// The Node entry (`pssnap/node`): file helpers and zlib-backed hooks. The only reader file that may use
// node: modules; everything else in reader/ and format/ runs in any JavaScript runtime.
import { link, lstat, open, realpath, rename, rm, stat } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import * as zlib from 'node:zlib'
import { ArchiveWriter, type ArchiveHeaderInput, type ByteSink, type DecodeOptions, type Epilogue, type FillingBytes, type FormatHooks, type WriteSummary, type WriterOptions } from '../format/index.js'
import { decodeArchive, type Archive, type OpenOptions } from './archive.js'
import { validateArchive, type ValidationReport } from './validate.js'

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32

/** zlib's native CRC-32 (Node ≥ 20.15 / 22.2) and deflate: several times faster than the portable ones. */
export const nodeHooks: FormatHooks = {
  ...(nativeCrc32 ? { crc32: (data: Uint8Array, previous = 0) => nativeCrc32(data, previous) } : {}),
  deflate: (bytes) => zlib.deflateSync(bytes, { level: 1 }),
  inflate: (bytes, expectedLength) => {
    // maxOutputLength makes zlib stop at the declared size instead of inflating a bomb.
    const out = zlib.inflateSync(bytes, { maxOutputLength: Math.max(1, expectedLength) })
    if (out.length !== expectedLength) throw new RangeError(`inflated to ${out.length} bytes, declared ${expectedLength}`)
    return out
  },
}

function withHooks<T extends { hooks?: FormatHooks }>(options: T): T {
  return { ...options, hooks: { ...nodeHooks, ...options.hooks } }
}

/**
 * Opens an archive file, read whole into one buffer (the fastest way to a queryable archive). Frames are
 * checksummed and decoded as soon as their bytes are in place, while the rest of the file is still being read
 * in libuv's thread pool (FileFilling), so verifying and validating overlap reading instead of following it.
 */
export async function openArchiveFile(path: string, options: OpenOptions = {}): Promise<Archive> {
  return decodeArchive(await FileFilling.start(path), withHooks(options))
}

/**
 * Bytes per read and reads kept in flight: with two, the pool has the next read to work on while the main
 * thread checks and decodes, and a slice is small enough for the decoder to start early (measured: 2 MiB × 2
 * beat 4 MiB × 1 and 1 MiB × 4 on a 109 MB file; see spec/ENCODING.md).
 */
const READ_STEP = 2 << 20
const READS_IN_FLIGHT = 2

/**
 * A file read front to back into one buffer of its size, as FillingBytes for the decoder. Reads of READ_STEP
 * bytes are issued ahead (they may complete in any order); `filled` is where the contiguous prefix of completed
 * reads ends. A file that shrank after its size was taken ends where its reads stopped finding bytes.
 */
class FileFilling implements FillingBytes {
  filled = 0
  private end: number
  private requested = 0
  private inFlight = 0
  /** Completed reads beyond `filled`: start → where that read stopped. */
  private readonly completed = new Map<number, number>()
  private failure: unknown
  private stopping = false
  private waiter: (() => void) | undefined
  private closed: Promise<void> | undefined

  private constructor(
    private readonly handle: FileHandle,
    readonly bytes: Uint8Array,
  ) {
    this.end = bytes.length
  }

  static async start(path: string): Promise<FileFilling> {
    const handle = await open(path, 'r')
    try {
      const { size } = await handle.stat()
      // Unzeroed: a byte is read before `filled` passes it, and bytes past where the file ended are never looked at.
      const filling = new FileFilling(handle, Buffer.allocUnsafe(size))
      filling.pump()
      filling.settle()
      return filling
    } catch (e) {
      await handle.close()
      throw e
    }
  }

  more(): Promise<boolean> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    if (this.finished) return Promise.resolve(false)
    return new Promise<boolean>((resolve, reject) => {
      this.waiter = () => (this.failure !== undefined ? reject(this.failure) : resolve(true))
    })
  }

  async close(): Promise<void> {
    this.stopping = true
    this.settle()
    await this.closed
  }

  private get finished(): boolean {
    return this.filled >= this.end
  }

  private pump(): void {
    while (this.inFlight < READS_IN_FLIGHT && this.requested < this.end && !this.stopping && this.failure === undefined) {
      const start = this.requested
      const until = Math.min(start + READ_STEP, this.end)
      this.requested = until
      this.inFlight++
      this.readRange(start, until).then(
        (stop) => this.arrived(start, until, stop),
        (e: unknown) => {
          this.failure ??= e
          this.arrived(start, until, start)
        },
      )
    }
  }

  /** Reads [start, until); returns where it stopped (before `until` only at the end of the file). */
  private async readRange(start: number, until: number): Promise<number> {
    let at = start
    while (at < until) {
      const { bytesRead } = await this.handle.read(this.bytes, at, until - at, at)
      if (bytesRead === 0) break
      at += bytesRead
    }
    return at
  }

  private arrived(start: number, until: number, stop: number): void {
    this.inFlight--
    if (stop < until) this.end = Math.min(this.end, stop)
    this.completed.set(start, stop)
    for (let stopAt; (stopAt = this.completed.get(this.filled)) !== undefined && this.filled < this.end; ) {
      this.completed.delete(this.filled)
      this.filled = Math.min(stopAt, this.end)
    }
    this.pump()
    this.settle()
    const waiter = this.waiter
    this.waiter = undefined
    waiter?.()
  }

  /** Closes the file once no read is in flight and none will be issued (a read never meets a closed handle). */
  private settle(): void {
    if (this.closed || this.inFlight > 0) return
    if (this.finished || this.stopping || this.failure !== undefined) this.closed = this.handle.close().catch(() => {})
  }
}

/** Validates a file as a stream, so memory stays bounded by one frame whatever the file's size. */
export async function validateArchiveFile(path: string, options: DecodeOptions = {}): Promise<ValidationReport> {
  return validateArchive(archiveFileStream(path), withHooks(options))
}

/**
 * The file's bytes as an async iterable for the streaming decoder. One buffer is reused for every read
 * (no garbage per chunk), so each chunk is valid only until the next one is requested: the decoder
 * copies what it needs at once.
 */
export async function* archiveFileStream(path: string, chunkSize = 1 << 20): AsyncIterable<Uint8Array> {
  const handle = await open(path, 'r')
  try {
    const buffer = new Uint8Array(chunkSize)
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkSize, null)
      if (bytesRead === 0) return
      yield buffer.subarray(0, bytesRead)
    }
  } finally {
    await handle.close()
  }
}

export interface WriteFileOptions extends WriterOptions, DestinationOptions {
  /** Aborts the write (the CLI's SIGINT/SIGTERM): the temporary file is removed and `path` is left as it was. */
  signal?: AbortSignal
}

// ---- destinations: what a written file may replace ----
//
// A file is written under a temporary name beside its destination and renamed over it when complete. A rename
// replaces whatever has the name, so the destination is checked first: only a regular file is replaced, or a
// missing name created. A device, FIFO, socket or directory is refused (as root, `-o /dev/null` would otherwise
// replace the system's /dev/null with a file). A symbolic link is followed: a link to a regular file is
// written through (the file it names is replaced and the link stays a link, as a shell's `>` would), a link to
// anything else, or to nothing, is refused. Files are created 0600, as Linux creates core files: an archive
// or an export holds another process's file names, a redaction map undoes the redaction.

export type OutputPathErrorCode = 'NOT_A_REGULAR_FILE' | 'FILE_EXISTS' | 'SAME_FILE'

/** A destination that may not be written: not a regular file, existing (without overwrite), or an input. */
export class OutputPathError extends Error {
  override name = 'OutputPathError'
  constructor(
    readonly code: OutputPathErrorCode,
    message: string,
    /** The path as given. */
    readonly path: string,
  ) {
    super(message)
  }
}

export interface DestinationOptions {
  /** Replace an existing regular file (default true here; the CLI passes its --force). */
  overwrite?: boolean
  /** Files being read: the destination may not be one of them (same device and inode), overwrite or not. */
  inputs?: readonly string[]
}

/** Mode of every file written here (before the umask, which can only remove bits). */
export const OUTPUT_FILE_MODE = 0o600

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory'
  if (s.isCharacterDevice()) return 'a character device'
  if (s.isBlockDevice()) return 'a block device'
  if (s.isFIFO()) return 'a FIFO (named pipe)'
  if (s.isSocket()) return 'a socket'
  if (s.isSymbolicLink()) return 'a symbolic link'
  return 'not a regular file'
}

const missing = (e: unknown) => (e as NodeJS.ErrnoException)?.code === 'ENOENT'

/**
 * Checks that `path` may be written and returns where the file really goes: `path` itself, or for a symbolic
 * link to a regular file the file it names. Throws OutputPathError when it may not.
 */
export async function checkDestination(path: string, options: DestinationOptions = {}): Promise<string> {
  let own: Stats
  try {
    own = await lstat(path)
  } catch (e) {
    if (missing(e)) return path
    throw e
  }
  let target = own
  let real = path
  if (own.isSymbolicLink()) {
    try {
      target = await stat(path)
    } catch (e) {
      if (missing(e)) throw new OutputPathError('NOT_A_REGULAR_FILE', `'${path}' is a symbolic link to a missing file: not written through (remove the link or write elsewhere)`, path)
      throw e
    }
    if (target.isFile()) real = await realpath(path)
  }
  if (!target.isFile()) {
    const through = own.isSymbolicLink() ? ' through a symbolic link' : ''
    throw new OutputPathError('NOT_A_REGULAR_FILE', `'${path}' is ${kindOf(target)}${through}: only a regular file is replaced`, path)
  }
  for (const input of options.inputs ?? []) {
    const read = await stat(input).catch(() => undefined)
    if (read && read.dev === target.dev && read.ino === target.ino) {
      throw new OutputPathError('SAME_FILE', `'${path}' is the input '${input}'${input === path ? '' : ' (the same file)'}: write elsewhere`, path)
    }
  }
  if (options.overwrite === false) throw new OutputPathError('FILE_EXISTS', `'${path}' already exists: not replaced`, path)
  return real
}

/**
 * Moves the complete temporary file `temp` to `destination` (from checkDestination). Without overwrite, a
 * hard link creates the name only if it is still free (atomic: a file that appeared meanwhile is never
 * replaced); with it, the destination is checked once more, then replaced by a rename.
 */
export async function commitFile(temp: string, destination: string, path: string, overwrite: boolean): Promise<void> {
  if (!overwrite) {
    try {
      await link(temp, destination)
      await rm(temp, { force: true })
      return
    } catch (e) {
      const code = (e as NodeJS.ErrnoException)?.code
      if (code === 'EEXIST') throw new OutputPathError('FILE_EXISTS', `'${path}' already exists: not replaced`, path)
      // A file system without hard links (EPERM, ENOTSUP, ENOSYS…): check, then rename.
      const now = await lstat(destination).catch((err: unknown) => (missing(err) ? undefined : Promise.reject(err)))
      if (now) throw new OutputPathError('FILE_EXISTS', `'${path}' already exists: not replaced`, path)
    }
  } else {
    const now = await lstat(destination).catch((err: unknown) => (missing(err) ? undefined : Promise.reject(err)))
    if (now && !now.isFile()) throw new OutputPathError('NOT_A_REGULAR_FILE', `'${path}' is ${kindOf(now)}: only a regular file is replaced`, path)
  }
  await rename(temp, destination)
}

/** The temporary name beside `destination`: hidden, unique to this process and moment. */
export function temporaryName(destination: string): string {
  return join(dirname(destination), `.${basename(destination)}.${process.pid}.${Date.now().toString(36)}.tmp`)
}

/**
 * Writes an archive to `path` through a temporary file in the same folder, renamed into place only when
 * `fill` and `finish` complete: a crash, an error or a signal never leaves a partial file at `path`.
 * `path` must be a regular file, a symbolic link to one, or missing (checkDestination); the file is 0600.
 * An abort (`options.signal`) is noticed at every block written and before the rename; it rejects with the
 * signal's reason after the temporary file is removed.
 */
export async function writeArchiveFile(
  path: string,
  header: ArchiveHeaderInput,
  fill: (writer: ArchiveWriter) => Promise<void> | void,
  epilogue?: Epilogue | (() => Epilogue),
  options: WriteFileOptions = {},
): Promise<WriteSummary> {
  const { signal, overwrite = true, inputs, ...writerOptions } = options
  signal?.throwIfAborted()
  const destination = await checkDestination(path, { overwrite, ...(inputs ? { inputs } : {}) })
  const temp = temporaryName(destination)
  const handle = await open(temp, 'wx', OUTPUT_FILE_MODE)
  let done = false
  try {
    const sink = new FileSink(handle, signal)
    const writer = new ArchiveWriter(sink, withHooks(writerOptions))
    await writer.begin(header)
    await fill(writer)
    signal?.throwIfAborted()
    const summary = await writer.finish(typeof epilogue === 'function' ? epilogue() : epilogue)
    await sink.flush()
    await handle.sync()
    await handle.close()
    signal?.throwIfAborted()
    await commitFile(temp, destination, path, overwrite)
    done = true
    return summary
  } finally {
    if (!done) {
      await handle.close().catch(() => {})
      await rm(temp, { force: true })
    }
  }
}

/** Buffers small writes into 1 MiB blocks before they reach the file. */
class FileSink implements ByteSink {
  private block = new Uint8Array(1 << 20)
  private used = 0
  constructor(
    private readonly handle: FileHandle,
    private readonly signal?: AbortSignal,
  ) {}
  async write(bytes: Uint8Array): Promise<void> {
    this.signal?.throwIfAborted()
    if (this.used + bytes.length > this.block.length) await this.flush()
    if (bytes.length >= this.block.length) {
      await this.handle.write(bytes)
      return
    }
    this.block.set(bytes, this.used)
    this.used += bytes.length
  }
  async flush(): Promise<void> {
    if (this.used === 0) return
    await this.handle.write(this.block.subarray(0, this.used))
    this.used = 0
  }
}

export * from './index.js'
