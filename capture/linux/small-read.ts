// Many small /proc files in a row (one fdinfo per descriptor): read into one reused buffer. readFileSync
// would fstat each file and, /proc files having no size, allocate a fresh 64 KiB buffer for each: 10k
// descriptors made 640 MB of garbage and half the walk's time went to it.
import { closeSync, constants, openSync, readSync } from 'node:fs'
import { textFromBytes } from './byte-text.js'

const KEPT = 64 * 1024
let scratch = Buffer.allocUnsafe(KEPT)

/**
 * The whole file at `path` (read until end of file), as a view valid until the next call. A file larger than
 * 64 KiB gets a buffer of its own, not kept. Throws what openSync/readSync throw.
 */
export function readSmall(path: string): Buffer {
  const n = readSmallLength(path)
  return held.subarray(0, n)
}

let held: Buffer = scratch

/**
 * readSmall without the view (one object fewer per file: 10k per 10k-fd walk, for the scavenger to sweep):
 * the file's length; its bytes are heldBytes()[0, length), valid until the next call.
 */
export function readSmallLength(path: string): number {
  const fd = openSync(path, constants.O_RDONLY)
  try {
    let buf = scratch
    let n = 0
    for (;;) {
      if (n === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2)
        buf.copy(bigger, 0, 0, n)
        buf = bigger
      }
      const k = readSync(fd, buf, n, buf.length - n, null)
      if (k === 0) break
      n += k
    }
    held = buf
    return n
  } finally {
    closeSync(fd)
  }
}

/** The buffer the last readSmallLength read into. */
export const heldBytes = (): Buffer => held

/** What readText (proc.ts) gives for these bytes: ASCII as it is, anything else by the lossless rule. */
export function textOf(bytes: Buffer): string {
  const text = bytes.toString('latin1')
  return NOT_ASCII.test(text) ? textFromBytes(bytes) : text
}

const NOT_ASCII = /[^\x00-\x7f]/
