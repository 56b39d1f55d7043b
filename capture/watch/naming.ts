// Names of the archives a watch (or a capture of several processes) writes into a directory:
// `<image>_<pid>_<YYYYMMDD_HHMMSS_mmm>.pssnap`, local time as ProcDump names dumps, with milliseconds so that
// captures less than a second apart do not collide; `pssnap trend <dir>` and `diff` take them as they are.
import { lstat } from 'node:fs/promises'
import { join } from 'node:path'

/** An image path or name made safe for a file name (no separators, no leading dots), at most 64 characters. */
export function safeStem(image: string | undefined): string {
  const base = (image ?? '').replace(/ \(deleted\)$/, '').split(/[\\/]/).pop()!.replace(/\.exe$/i, '')
  return base.replace(/[^A-Za-z0-9._+-]+/g, '_').slice(0, 64).replace(/^[._]+|_+$/g, '') || 'process'
}

export function timeStamp(at: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())}_${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}_${p(at.getMilliseconds(), 3)}`
}

/** A path in `directory` no file holds yet (`_2`, `_3`… appended when one does). */
export async function archivePath(directory: string, image: string | undefined, pid: number, at = new Date()): Promise<string> {
  const stem = `${safeStem(image)}_${pid}_${timeStamp(at)}`
  for (let n = 1; n < 1000; n++) {
    const path = join(directory, `${stem}${n === 1 ? '' : `_${n}`}.pssnap`)
    const taken = await lstat(path).then(
      () => true,
      (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? false : Promise.reject(e)),
    )
    if (!taken) return path
  }
  throw Object.assign(new Error(`'${stem}.pssnap' and 998 numbered variants exist in '${directory}'`), { code: 'FILE_EXISTS' })
}

/** A new capture-set id: 128 random bits as 32 lowercase hex digits (spec/ARCHIVE.md §3.4). */
export function newCaptureSetId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
