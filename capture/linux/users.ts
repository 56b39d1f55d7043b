// User and group names by id from pssnap's own /etc/passwd and /etc/group (spec/LINUX.md §9.5), parsed
// here rather than through NSS (getpwuid would load modules, may ask a network directory, and is not
// reachable from Node). Bounded: the first 4 MiB of each file, first match wins, as getpwuid's files module.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { textFromBytes } from './byte-text.js'

const MAX_BYTES = 4 * 1024 * 1024

function readHead(path: string): Buffer | undefined {
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    // Sized by the file (a few KiB) but never past the bound, whatever it claims or grows to.
    const size = Math.min(MAX_BYTES, fstatSync(fd).size + 4096)
    const buf = Buffer.allocUnsafe(size)
    let n = 0
    for (let m; n < size && (m = readSync(fd, buf, n, size - n, null)) > 0; ) n += m
    return buf.subarray(0, n)
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** `name:x:id:…` lines → id → name (the first line naming an id). */
export function parseIdFile(bytes: Uint8Array): Map<number, string> {
  const out = new Map<number, string>()
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1')
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue
    const f = line.split(':')
    if (f.length < 3 || f[0] === '' || !/^\d{1,10}$/.test(f[2]!)) continue
    const id = Number(f[2])
    if (id > 0xffffffff || out.has(id)) continue
    out.set(id, /[^\x00-\x7f]/.test(f[0]!) ? textFromBytes(Buffer.from(f[0]!, 'latin1')) : f[0]!)
  }
  return out
}

export interface IdNames {
  user(id: number | undefined): string | undefined
  group(id: number | undefined): string | undefined
}

/** Reads each file once, when first asked. */
export function idNames(passwd = '/etc/passwd', group = '/etc/group'): IdNames {
  let users: Map<number, string> | undefined
  let groups: Map<number, string> | undefined
  const of = (path: string) => {
    const bytes = readHead(path)
    return bytes ? parseIdFile(bytes) : new Map<number, string>()
  }
  return {
    user: (id) => (id === undefined ? undefined : (users ??= of(passwd)).get(id)),
    group: (id) => (id === undefined ? undefined : (groups ??= of(group)).get(id)),
  }
}
