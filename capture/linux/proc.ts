// Reading /proc: paths, the `stat` and `status` formats, and errno helpers. Synchronous on purpose: /proc
// reads never block on disk, and a thread-pool round trip per file would dominate a 10k-fd capture.
// Text is bytes to the kernel: comm, paths and link targets are decoded by the lossless rule of byte-text.ts.
import { readFileSync, readlinkSync } from 'node:fs'
import { textFromBytes } from './byte-text.js'

export const procRoot = (pid: number) => `/proc/${pid}`

/** A /proc text file: UTF-8, with bytes that are not (a cut comm, a Latin-1 file name) kept as escapes. */
export function readText(path: string): string {
  // Read as Latin-1 (one char per byte, nothing lost): nearly every file is ASCII and needs nothing more.
  const text = readFileSync(path, 'latin1')
  return NOT_ASCII.test(text) ? textFromBytes(Buffer.from(text, 'latin1')) : text
}

const NOT_ASCII = /[^\x00-\x7f]/

/** readlink of a /proc magic link, decoded the same way: two names that differ in any byte stay different. */
export function readLink(path: string): string {
  // No options argument: utf8 is the default, and an encoding given as a string makes Node copy an options
  // object on every call (10k calls in a 10k-fd walk).
  const text = readlinkSync(path)
  // Node's UTF-8 decoding is exact unless it met bytes that are not UTF-8 (each became U+FFFD) or a character
  // the rule escapes: only then are the bytes read (again) and decoded by the rule. The cheap path is most links.
  return NEEDS_BYTES.test(text) ? textFromBytes(readlinkSync(path, 'buffer')) : text
}

const NEEDS_BYTES = /[\ufffd\uf780-\uf7ff]/

/** `/proc/<pid>/stat` or `task/<tid>/stat`: fields by their 1-based number in proc(5). */
export interface Stat {
  comm: string
  field(n: number): string | undefined
  num(n: number): number
  big(n: number): bigint
}

export function parseStat(text: string): Stat {
  // comm (field 2) may hold spaces and parentheses: it ends at the last ')'.
  const open = text.indexOf('(')
  const close = text.lastIndexOf(')')
  if (open < 0 || close < open) throw new Error(`unreadable stat line: ${text.slice(0, 80)}`)
  const rest = text.slice(close + 2).trimEnd().split(' ')
  const field = (n: number) => (n === 2 ? text.slice(open + 1, close) : n === 1 ? text.slice(0, open).trim() : rest[n - 3])
  return {
    comm: text.slice(open + 1, close),
    field,
    num: (n) => Number(field(n) ?? NaN),
    big: (n) => BigInt(field(n) ?? 0),
  }
}

/** `status`: `Key:\tvalue` lines. */
export function parseStatus(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) out.set(line.slice(0, colon), line.slice(colon + 1).trim())
  }
  return out
}

/** A `status` size (`VmRSS:  1234 kB`) in bytes, or undefined when the key is absent (kernel threads). */
export function statusBytes(status: Map<string, string>, key: string): bigint | undefined {
  const m = /^(\d+)\s*kB$/.exec(status.get(key) ?? '')
  return m ? BigInt(m[1]!) * 1024n : undefined
}

/** `Cpus_allowed: ff,ffffffff` as a u64 mask, or undefined when CPUs beyond 63 are allowed (no room). */
export function cpuMask(status: Map<string, string> | string): bigint | undefined {
  // From the raw text, one thread at a time: no per-line map for a single key.
  const raw = typeof status === 'string' ? /^Cpus_allowed:\s*(\S+)$/m.exec(status)?.[1] : status.get('Cpus_allowed')
  if (!raw || !/^[0-9a-f,]+$/i.test(raw)) return undefined
  const mask = BigInt(`0x${raw.replace(/,/g, '')}`)
  return mask >> 64n === 0n ? mask : undefined
}

export interface Errno {
  code: number
  name: string
  message: string
}

/** errno number and name of a Node fs error (its `errno` is negative), for captureErrors. */
export function errnoOf(error: unknown): Errno {
  const e = error as NodeJS.ErrnoException
  const name = typeof e?.code === 'string' ? e.code : 'EIO'
  const code = typeof e?.errno === 'number' ? Math.abs(e.errno) : 0
  // `ENOENT: no such file or directory, readlink '/proc/…'` → `no such file or directory` (the caller names the path).
  const message = error instanceof Error ? (/^[A-Z]+: (.*?), \w+ '.*'$/s.exec(error.message)?.[1] ?? error.message) : String(error)
  return { code, name, message }
}

export const isGone = (error: unknown) => ['ENOENT', 'ESRCH'].includes((error as NodeJS.ErrnoException)?.code ?? '')
export const isDenied = (error: unknown) => ['EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException)?.code ?? '')
