// Opening an archive file for a command, with `reading… 45%` on a terminal for large files.
import { open, stat } from 'node:fs/promises'
import { decodeArchive, nodeHooks, type Archive } from '../reader/node.js'
import { cliDecodeOptions } from './decode-limit.js'
import { CliError, progress } from './io.js'

/** Files below this open in well under a second: no progress line. */
const PROGRESS_THRESHOLD = 32 * 1024 * 1024
const BLOCK = 8 * 1024 * 1024

export async function openForCli(path: string): Promise<Archive> {
  const info = await stat(path)
  if (info.isDirectory()) throw new CliError('EISDIR', `'${path}' is a directory, not an archive`)
  const bar = progress('reading…', Boolean(process.stderr.isTTY) && info.size >= PROGRESS_THRESHOLD)
  try {
    const bytes = await readWithProgress(path, info.size, (f) => bar.update(f))
    bar.phase('decoding…')
    return await decodeArchive(bytes, { hooks: nodeHooks, ...cliDecodeOptions() })
  } finally {
    bar.done()
  }
}

/**
 * The file's bytes as they were when it was stat'ed, read in 8 MiB blocks into one buffer so progress can
 * be shown without an extra copy. (pssnap writes archives under a temporary name, so they do not grow.)
 */
async function readWithProgress(path: string, size: number, onProgress: (fraction: number) => void): Promise<Uint8Array> {
  const handle = await open(path, 'r')
  try {
    const buffer = new Uint8Array(size)
    let length = 0
    while (length < size) {
      const { bytesRead } = await handle.read(buffer, length, Math.min(BLOCK, size - length), length)
      if (bytesRead === 0) break
      length += bytesRead
      onProgress(length / size)
    }
    return length === size ? buffer : buffer.subarray(0, length)
  } finally {
    await handle.close()
  }
}
