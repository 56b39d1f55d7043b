// The Node part of the Node entry (`pssnap/node`, reader/node.ts): file helpers and zlib-backed hooks. With
// node.ts, the only reader files that may use node: modules; everything else in reader/ and format/ runs in any
// JavaScript runtime. The CLI imports this file, not node.ts, which re-exports the whole reader: a verb's
// bundle chunks then hold only the reader modules it uses (bench (f), pssnap's cold start).
import { link, lstat, open, realpath, rename, rm, stat } from 'node:fs/promises'
import { closeSync, fsync, fsyncSync, lstatSync, openSync, readSync, renameSync, write, writeSync, type Stats } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import * as zlib from 'node:zlib'
import { ArchiveWriter, type ArchiveHeaderInput, type ByteSink, type DecodeOptions, type Epilogue, type FillingBytes, type FormatHooks, type WriteSummary, type WriterOptions } from '../format/index.js'
import { crc32 as portableCrc32, crc32Combiner, type Crc32 } from '../format/crc32.js'
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
 * Opens an archive file, read whole into one buffer (the fastest way to a queryable archive). The file is read
 * in slices, each checksummed right after it is read while it is still in the reading core's cache (a CRC of
 * bytes another core wrote runs at less than half the speed); frames are checked and decoded as soon as their
 * slices are in place. A large file is read by two threads, this one and a helper (FileFilling).
 */
export async function openArchiveFile(path: string, options: OpenFileOptions = {}): Promise<Archive> {
  const { onProgress, ...rest } = options
  const resolved = withHooks(rest)
  const filling = await FileFilling.start(path, resolved.hooks?.crc32 ?? portableCrc32, onProgress)
  return decodeArchive(filling, { ...resolved, hooks: { ...resolved.hooks, crc32: filling.crc32 } })
}

export interface OpenFileOptions extends OpenOptions {
  /** Called as the file is read, with the fraction read so far (a progress line for a large file). */
  onProgress?: (fraction: number) => void
}

/** Atomics.waitAsync (ES2024; in Node since 16). */
const waitAsync = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number, timeout: number): { async: boolean; value: unknown } }).waitAsync

/** Bytes per read: small enough to stay in a core's 2 MiB L2 cache until checksummed (measured fastest). */
const SLICE = 256 << 10
/**
 * Each slice is checksummed in blocks of this size, so that a frame's CRC is its blocks' CRCs combined plus the
 * bytes of the two partial blocks at its ends (checksumming partial slices again ran cold: ~5 ms of 109 MB).
 */
const BLOCK = 32 << 10
const combineBlock = crc32Combiner(BLOCK)
/** Files this large get a helper thread (it takes ~16 ms to start: not worth it for less). */
const HELPER_FROM = 24 << 20

/**
 * The helper thread: for each job posted to it, claims slices from the shared counter, reads each with the main
 * thread's descriptor, checksums it and marks it done; when no slice is left (or the main thread took the rest
 * away) it answers, and waits for the next job. It is kept between opens: starting one costs 16–47 ms, a
 * third of the time an open of 100 MB takes, and diff and trend open several archives.
 */
const HELPER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { readSync } = require('node:fs')
const crc32 = require('node:zlib').crc32
parentPort.on('message', (w) => {
  try {
    const bytes = new Uint8Array(w.bytes), control = new Int32Array(w.control), count = w.count, slice = w.slice, block = w.block
    const state = new Int32Array(w.control, 16, count), got = new Int32Array(w.control, 16 + 4 * count, count), crcs = new Int32Array(w.crcs)
    for (let i; (i = Atomics.add(control, 0, 1)) < count; ) {
      const start = i * slice, until = Math.min(start + slice, bytes.length)
      let at = start
      for (let n; at < until && (n = readSync(w.fd, bytes, at, until - at, at)) > 0; ) at += n
      for (let b = start; b < at; b += block) crcs[b / block] = crc32(bytes.subarray(b, Math.min(b + block, at)))
      got[i] = at - start
      Atomics.store(state, i, 1)
      Atomics.add(control, 1, 1)
      Atomics.notify(control, 1)
    }
  } finally {
    parentPort.postMessage(0)
  }
})
`

/** The kept helper: busy with one open's job at a time (another open meanwhile reads alone). */
interface Helper {
  readonly worker: Worker
  /** Called when the current job ends: answered, or the thread gone. */
  jobDone: (() => void) | undefined
  /** Bytes of the files it was given: its isolate keeps their buffers until it collects garbage. */
  given: number
  idleTimer: ReturnType<typeof setTimeout> | undefined
  ended: boolean
}
let helper: Helper | undefined

/**
 * An idle helper allocates nothing, so it never collects the buffers of the jobs it was given: every open of a
 * 100 MB file stayed resident (RSS +108 MB per open, until 850 MB). Past this many bytes given, or this long
 * idle, it is ended and the next large open starts another (16–47 ms, small beside reading 256 MB).
 */
const HELPER_RETAINS_AT_MOST = 256 << 20
const HELPER_IDLE_MS = 2000

function endHelper(h: Helper): void {
  if (h.ended) return
  h.ended = true
  clearTimeout(h.idleTimer)
  if (helper === h) helper = undefined
  void h.worker.terminate()
}

/** Gives `job` to the kept helper (started on first use); resolves when the helper is done with it. Undefined when busy or unavailable. */
function runOnHelper(job: { readonly bytes: ArrayBufferLike; readonly [more: string]: unknown }): Promise<void> | undefined {
  if (helper?.jobDone) return undefined
  if (!helper) {
    let worker: Worker
    try {
      worker = new Worker(HELPER_SOURCE, { eval: true })
    } catch {
      return undefined // No helper: this thread reads every slice.
    }
    const h: Helper = { worker, jobDone: undefined, given: 0, idleTimer: undefined, ended: false }
    const done = () => {
      const d = h.jobDone
      h.jobDone = undefined
      // Idle, it does not keep the process alive.
      h.worker.unref()
      if (!h.ended) {
        if (h.given >= HELPER_RETAINS_AT_MOST) endHelper(h)
        else (h.idleTimer = setTimeout(() => endHelper(h), HELPER_IDLE_MS)).unref()
      }
      d?.()
    }
    worker.on('message', done)
    worker.on('error', () => {})
    worker.once('exit', () => {
      h.ended = true
      if (helper === h) helper = undefined
      done()
    })
    helper = h
  }
  const h = helper
  clearTimeout(h.idleTimer)
  h.given += job.bytes.byteLength
  return new Promise<void>((resolve) => {
    h.jobDone = resolve
    h.worker.ref()
    h.worker.postMessage(job)
  })
}

/**
 * A file read into one buffer of its size, as FillingBytes for the decoder. The buffer is cut into SLICE-byte
 * slices claimed in order from a shared counter by this thread (when the decoder asks for more) and, for a large
 * file, by a helper thread all along; each slice's CRC-32 is taken by the thread that read it, at once.
 * `filled` is where the contiguous run of read slices ends; a slice read short (a file that shrank after its
 * size was taken) ends the file there. The `crc32` hook answers for a range of this buffer from its blocks'
 * CRCs (crc32Combiner), checksumming itself only the partial blocks at the range's ends.
 */
class FileFilling implements FillingBytes {
  filled = 0
  private end: number
  private readonly count: number
  /** [0] next slice to claim, [1] slices done (waited on); then per slice: state (1 = read), bytes read. */
  private readonly control: Int32Array
  private readonly state: Int32Array
  private readonly got: Int32Array
  /** Per BLOCK: its CRC-32. */
  private readonly crcs: Int32Array
  private helperExit: Promise<void> | undefined
  private closed: Promise<void> | undefined

  private constructor(
    private readonly handle: FileHandle,
    readonly bytes: Uint8Array,
    private readonly nativeCrc32: Crc32,
    private readonly onProgress: ((fraction: number) => void) | undefined,
  ) {
    this.end = bytes.length
    this.count = Math.ceil(bytes.length / SLICE)
    const shared = new SharedArrayBuffer(16 + 8 * this.count)
    this.control = new Int32Array(shared, 0, 4)
    this.state = new Int32Array(shared, 16, this.count)
    this.got = new Int32Array(shared, 16 + 4 * this.count, this.count)
    this.crcs = new Int32Array(new SharedArrayBuffer(4 * Math.ceil(bytes.length / BLOCK)))
  }

  static async start(path: string, crc32: Crc32, onProgress?: (fraction: number) => void): Promise<FileFilling> {
    const handle = await open(path, 'r')
    try {
      const { size } = await handle.stat()
      // Shared so the helper can read into it; zero pages cost nothing until a read writes them.
      const filling = new FileFilling(handle, new Uint8Array(size >= HELPER_FROM && nativeCrc32 ? new SharedArrayBuffer(size) : new ArrayBuffer(size)), crc32, onProgress)
      // The helper checksums with zlib.crc32 itself: without it (Node < 20.15) this thread does all the work.
      if (size >= HELPER_FROM && nativeCrc32) filling.startHelper()
      return filling
    } catch (e) {
      await handle.close()
      throw e
    }
  }

  private startHelper(): void {
    const job = runOnHelper({ fd: this.handle.fd, bytes: this.bytes.buffer, control: this.control.buffer, crcs: this.crcs.buffer, count: this.count, slice: SLICE, block: BLOCK })
    if (!job) return
    // Whatever the helper claimed but did not finish (it failed) is read again here: see readLeftovers.
    this.helperExit = job
    this.helperExit.then(() => {
      this.helperExit = undefined
      Atomics.add(this.control, 1, 1)
      Atomics.notify(this.control, 1)
    })
  }

  async more(): Promise<boolean> {
    const before = this.filled
    for (;;) {
      this.advance()
      if (this.filled > before) {
        this.onProgress?.(this.end > 0 ? this.filled / this.end : 1)
        return true
      }
      if (this.filled >= this.end) return false
      if (this.readSlice(Atomics.add(this.control, 0, 1))) continue
      if (!this.helperExit) {
        this.readLeftovers()
        continue
      }
      // Every slice is claimed and the helper has the next one: wait until it marks a slice done (or exits).
      const seen = Atomics.load(this.control, 1)
      this.advance()
      if (this.filled > before) return true
      const waiting = waitAsync(this.control, 1, seen, 100)
      if (waiting.async) await waiting.value
    }
  }

  /** The crc32 hook: ranges of this buffer spanning whole blocks from the blocks' CRCs, the rest computed. */
  readonly crc32: Crc32 = (data, previous = 0) => {
    const start = data.byteOffset - this.bytes.byteOffset
    const first = Math.ceil(start / BLOCK)
    const last = Math.floor((start + data.length) / BLOCK)
    if (data.buffer !== this.bytes.buffer || first >= last || start + data.length > this.filled) return this.nativeCrc32(data, previous)
    let crc = this.nativeCrc32(data.subarray(0, first * BLOCK - start), previous)
    for (let b = first; b < last; b++) crc = combineBlock(crc, this.crcs[b]! >>> 0)
    return this.nativeCrc32(data.subarray(last * BLOCK - start), crc)
  }

  async close(): Promise<void> {
    // No slice is claimed after this; the helper finishes the one it reads, then the file is closed.
    Atomics.store(this.control, 0, this.count)
    await this.finish()
  }

  private finish(): Promise<void> {
    return (this.closed ??= (async () => {
      await this.helperExit
      await this.handle.close().catch(() => {})
    })())
  }

  /** Reads and checksums slice `i` here; false when `i` is past the last slice. */
  private readSlice(i: number): boolean {
    if (i >= this.count) return false
    const start = i * SLICE
    const until = Math.min(start + SLICE, this.bytes.length)
    let at = start
    for (let n; at < until && (n = readSync(this.handle.fd, this.bytes, at, until - at, at)) > 0; ) at += n
    for (let b = start; b < at; b += BLOCK) this.crcs[b / BLOCK] = this.nativeCrc32(this.bytes.subarray(b, Math.min(b + BLOCK, at)))
    this.got[i] = at - start
    Atomics.store(this.state, i, 1)
    return true
  }

  /** After the helper is gone: slices it claimed without marking them read are read here. */
  private readLeftovers(): void {
    for (let i = Math.floor(this.filled / SLICE); i < this.count; i++) if (Atomics.load(this.state, i) === 0) this.readSlice(i)
  }

  /** Moves `filled` over the slices read since; a short slice is the end of the file. */
  private advance(): void {
    for (let i = Math.floor(this.filled / SLICE); i < this.count && this.filled < this.end && Atomics.load(this.state, i) === 1; i++) {
      this.filled = i * SLICE + this.got[i]!
      if (this.got[i]! < Math.min(SLICE, this.bytes.length - i * SLICE)) this.end = this.filled
    }
    if (this.filled >= this.end) void this.finish()
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
    refuseUnlessRegular(await lstat(destination).catch((err: unknown) => (missing(err) ? undefined : Promise.reject(err))), path)
  }
  await rename(temp, destination)
}

/** What replacing commits check just before the rename: only a regular file (or nothing) is replaced. */
function refuseUnlessRegular(now: Stats | undefined, path: string): void {
  if (now && !now.isFile()) throw new OutputPathError('NOT_A_REGULAR_FILE', `'${path}' is ${kindOf(now)}: only a regular file is replaced`, path)
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
  // Opened at once (a directory that cannot be written fails before any work), synchronously: one open is
  // not worth a thread-pool round trip, which on a loaded machine waits for a core twice.
  const fd = openSync(temp, 'wx', OUTPUT_FILE_MODE)
  let closed = false
  let done = false
  try {
    const sink = new FileSink(fd, signal)
    const writer = new ArchiveWriter(sink, withHooks(writerOptions))
    await writer.begin(header)
    await fill(writer)
    signal?.throwIfAborted()
    const summary = await writer.finish(typeof epilogue === 'function' ? epilogue() : epilogue)
    // A small archive's writing awaits nothing but microtasks: one turn of the event loop lets a signal that
    // came meanwhile (the CLI's SIGINT) be seen before the file is completed, and another before the rename.
    if (!sink.spilled) await loopTurn()
    signal?.throwIfAborted()
    if (sink.spilled) {
      await sink.flush()
      await new Promise<void>((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())))
    } else {
      // All of it still in the sink's block (at most 1 MiB: a capture of a few thousand handles): written,
      // synced and closed with sync calls, the same durability without four round trips to the pool.
      sink.flushSync()
      fsyncSync(fd)
    }
    closed = true
    closeSync(fd)
    if (!sink.spilled) await loopTurn()
    signal?.throwIfAborted()
    if (overwrite && !sink.spilled) commitReplacingSync(temp, destination, path)
    else await commitFile(temp, destination, path, overwrite)
    done = true
    return summary
  } finally {
    if (!done) {
      if (!closed) {
        try {
          closeSync(fd)
        } catch {
          // already failed: the temporary file goes either way
        }
      }
      await rm(temp, { force: true })
    }
  }
}

/** One turn of the event loop (its I/O and signal callbacks), without a thread-pool round trip. */
const loopTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/** commitFile with overwrite, synchronously (a small archive's write): the same check, then the rename. */
function commitReplacingSync(temp: string, destination: string, path: string): void {
  let now: Stats | undefined
  try {
    now = lstatSync(destination)
  } catch (e) {
    if (!missing(e)) throw e
  }
  refuseUnlessRegular(now, path)
  renameSync(temp, destination)
}

class FileSink implements ByteSink {
  private block = new Uint8Array(1 << 20)
  private used = 0
  /** Whether anything went to the file before the end (an archive larger than the block). */
  spilled = false
  constructor(
    private readonly fd: number,
    private readonly signal?: AbortSignal,
  ) {}
  async write(bytes: Uint8Array): Promise<void> {
    this.signal?.throwIfAborted()
    if (this.used + bytes.length > this.block.length) await this.flush()
    if (bytes.length >= this.block.length) {
      await this.writeAll(bytes)
      return
    }
    this.block.set(bytes, this.used)
    this.used += bytes.length
  }
  async flush(): Promise<void> {
    if (this.used === 0) return
    await this.writeAll(this.block.subarray(0, this.used))
    this.used = 0
  }
  flushSync(): void {
    for (let at = 0; at < this.used; ) at += writeSync(this.fd, this.block, at, this.used - at)
    this.used = 0
  }
  private async writeAll(bytes: Uint8Array): Promise<void> {
    this.spilled = true
    for (let at = 0; at < bytes.length; ) {
      at += await new Promise<number>((resolve, reject) => write(this.fd, bytes, at, bytes.length - at, null, (e, n) => (e ? reject(e) : resolve(n))))
    }
  }
}
