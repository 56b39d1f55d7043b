// The Node entry (`pssnap/node`): file helpers and zlib-backed hooks. The only reader file that may use
// node: modules; everything else in reader/ and format/ runs in any JavaScript runtime.
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import * as zlib from 'node:zlib'
import { ArchiveWriter, type ArchiveHeaderInput, type ByteSink, type Epilogue, type FormatHooks, type WriteSummary, type WriterOptions } from '../format/index.js'
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

/** Opens an archive file (read whole: the fastest way to a queryable archive). */
export async function openArchiveFile(path: string, options: OpenOptions = {}): Promise<Archive> {
  return decodeArchive(await readWhole(path), withHooks(options))
}

/**
 * The whole file in one buffer, read with as few calls as possible: fs.promises.readFile reads in 512 KiB
 * steps with a round trip each, which made opening a 100 MB archive twice as slow as reading it.
 */
async function readWhole(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    // Unzeroed: every byte is overwritten by the read (and trimmed below if the file shrank meanwhile).
    const out = Buffer.allocUnsafe(size)
    let filled = 0
    while (filled < size) {
      const { bytesRead } = await handle.read(out, filled, size - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return filled === size ? out : out.subarray(0, filled)
  } finally {
    await handle.close()
  }
}

/** Validates a file as a stream, so memory stays bounded by one frame whatever the file's size. */
export async function validateArchiveFile(path: string): Promise<ValidationReport> {
  return validateArchive(archiveFileStream(path), withHooks({}))
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

export interface WriteFileOptions extends WriterOptions {
  /** Aborts the write (the CLI's SIGINT/SIGTERM): the temporary file is removed and `path` is left as it was. */
  signal?: AbortSignal
}

/**
 * Writes an archive to `path` through a temporary file in the same folder, renamed into place only when
 * `fill` and `finish` complete: a crash, an error or a signal never leaves a partial file at `path`.
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
  const { signal, ...writerOptions } = options
  signal?.throwIfAborted()
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`)
  const handle = await open(temp, 'wx')
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
    await rename(temp, path)
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
    private readonly handle: import('node:fs/promises').FileHandle,
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
