// Opening an archive file for a command, with `reading… 45%` on a terminal for large files.
import { stat } from 'node:fs/promises'
import type { Archive } from '../reader/archive.js'
import { openArchiveFile } from '../reader/node-files.js'
import { cliDecodeOptions } from './decode-limit.js'
import { CliError, progress } from './io.js'

/** Files below this open in well under a second: no progress line. */
const PROGRESS_THRESHOLD = 32 * 1024 * 1024

/**
 * The archive at `path`, through the library's file opener (reader/node.ts openArchiveFile: slices checksummed
 * as they are read, frames decoded as soon as their bytes are in, a helper thread for a large file), the one
 * bench (a) measures. The file is read as it was when opened (pssnap writes archives under a temporary name,
 * so they do not grow; one that shrinks ends where it ends).
 */
export async function openForCli(path: string): Promise<Archive> {
  const info = await stat(path)
  if (info.isDirectory()) throw new CliError('EISDIR', `'${path}' is a directory, not an archive`)
  const bar = progress('reading…', Boolean(process.stderr.isTTY) && info.size >= PROGRESS_THRESHOLD)
  try {
    return await openArchiveFile(path, { ...cliDecodeOptions(), onProgress: (f) => bar.update(f) })
  } finally {
    bar.done()
  }
}
