// Whether a name the kernel marked ` (deleted)` is really gone (spec/LINUX.md §9.2): a file may be called
// `x (deleted)`, so the literal path is looked up under the process's root and compared by device and inode.
// Callers ask only about files on a file system that answers from memory (§5.1): a lookup elsewhere may block.
import { lstatSync } from 'node:fs'
import { bytesFromText } from './byte-text.js'
import { procRoot } from './proc.js'

export const DELETED_SUFFIX = ' (deleted)'

/** A `maps` device (`fd:01`, hex major:minor) as st_dev (new_encode_dev). */
export function devOfMaps(device: string): bigint | undefined {
  const m = /^([0-9a-f]+):([0-9a-f]+)$/i.exec(device)
  if (!m) return undefined
  const major = BigInt(`0x${m[1]}`)
  const minor = BigInt(`0x${m[2]}`)
  return (minor & 0xffn) | (major << 8n) | ((minor & ~0xffn) << 12n)
}

/**
 * 1 when `name` ends with ` (deleted)` and that literal path does not name the file (`dev`, `ino`); 0 when it
 * does not end so, or the literal path is that very file.
 */
export function deletedFlag(pid: number, name: string, dev: bigint | undefined, ino: bigint): 0 | 1 {
  if (!name.endsWith(DELETED_SUFFIX)) return 0
  try {
    const path = Buffer.concat([Buffer.from(`${procRoot(pid)}/root`), Buffer.from(bytesFromText(name))])
    const st = lstatSync(path, { bigint: true })
    return st.ino === ino && (dev === undefined || st.dev === dev) ? 0 : 1
  } catch {
    return 1
  }
}
