// The one output-safety function: every string that came from an archive or a live process passes through
// `safeText` before it reaches a person (tables, info, validate, diff, trend, redact, ps, stderr). Archives
// travel in bug reports, so their strings are hostile: a raw ESC can write the clipboard (OSC 52), retitle
// the window or hide text; C1 controls do the same on terminals that honour 8-bit controls; bidi overrides
// and invisible format characters make a name read as something else. Machine formats (JSON, NDJSON, CSV)
// keep exact values and do not use this. Platform-free.

/** Display cut used when the caller gives none: long enough for any real path, short enough for a line. */
export const DEFAULT_DISPLAY_LENGTH = 1024

export interface SafeTextOptions {
  /** Code points shown before the cut (default DEFAULT_DISPLAY_LENGTH); Infinity keeps everything. */
  readonly max?: number
}

// What is escaped, by Unicode property (so new format characters are covered without a list to maintain):
//  Cc  C0, DEL and C1 controls          Cf  format: bidi embeddings, overrides and isolates, ZW(N)J, ZWSP,
//  Zl  U+2028 line separator                 word joiner, BOM, soft hyphen, tags, interlinear annotation…
//  Zp  U+2029 paragraph separator       Cs  lone surrogates (a string cut mid-pair, or hostile UTF-16)
// Every escape has one form, `\xHH` below U+0100, `\uHHHH` or `\u{H…}` above (a newline is `\x0a`), so a
// string is shown raw unless it holds an unsafe character or something that reads like one of our escapes;
// then every backslash in it is doubled too. `C:\Windows\System32\ntdll.dll` stays as it is, while a name
// spelling a literal `\x1b` shows as `\\x1b`, never as an escaped ESC.
// Also U+F780–U+F7FF: in a Linux capture, bytes of a name that are not UTF-8 (ARCHIVE.md §1.1), shown as
// `\uf7ff` (the byte in the last two digits) rather than as private-use glyphs that look alike or blank.
const UNSAFE_CHAR = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u{f780}-\u{f7ff}]/u
const LOOKS_ESCAPED = /\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]+\})/
const TO_ESCAPE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u{f780}-\u{f7ff}\\]/gu

function escapeOne(c: string): string {
  if (c === '\\') return '\\\\'
  const cp = c.codePointAt(0)!
  if (cp < 0x100) return `\\x${cp.toString(16).padStart(2, '0')}`
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`
  return `\\u{${cp.toString(16)}}`
}

const needsEscaping = (text: string) => UNSAFE_CHAR.test(text) || LOOKS_ESCAPED.test(text)

/**
 * `text` made safe to show: controls, bidi, invisible format characters and lone surrogates written as
 * visible escapes (`\x1b`, `\u202e`, `\u{e0041}`), and everything past `max` code points cut with the
 * remaining length (in UTF-16 code units) shown (`…(+99999 more)`). The cut happens before any work on the rest, so a
 * 100M-character name costs what `max` characters cost.
 */
export function safeText(text: string, options: SafeTextOptions = {}): string {
  const max = options.max ?? DEFAULT_DISPLAY_LENGTH
  if (text.length <= max && isPlainAscii(text)) return text
  let head = text
  let rest = 0
  // Each code point is 1 or 2 code units: a string of ≤ max code units is never cut.
  if (text.length > max) {
    const end = cutIndex(text, max)
    if (end < text.length) {
      head = text.slice(0, end)
      rest = text.length - end // UTF-16 code units: counting code points would read the whole string
    }
  }
  const safe = needsEscaping(head) ? head.replace(TO_ESCAPE, escapeOne) : head
  return rest > 0 ? `${safe}…(+${rest} more)` : safe
}

/**
 * Printable ASCII without a backslash (U+0020–U+007E but `\`): nothing to escape, nothing that reads like an
 * escape. Most cells of a table are numbers, addresses and names we formatted; a table of a million rows
 * asks this of every cell twice, and a loop over a short string costs a fraction of the regular expressions.
 */
function isPlainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x20 || c > 0x7e || c === 0x5c) return false
  }
  return true
}

/** True when `text` needs no change to be shown (nothing to escape, nothing to cut). */
export function isDisplaySafe(text: string, options: SafeTextOptions = {}): boolean {
  return !needsEscaping(text) && text.length <= (options.max ?? DEFAULT_DISPLAY_LENGTH)
}

/** Any value made displayable: strings through safeText, everything else through String first. */
export function safeValue(value: unknown, options: SafeTextOptions = {}): string {
  return safeText(typeof value === 'string' ? value : String(value), options)
}

/** Code-unit index after `max` code points (never splitting a surrogate pair). */
function cutIndex(text: string, max: number): number {
  let i = 0
  for (let n = 0; n < max && i < text.length; n++) {
    const c = text.charCodeAt(i)
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1
  }
  return i
}

/**
 * Where raw control or bidi characters remain in rendered output (for tests and the hostile fuzzer): the
 * characters a terminal would act on or that would reorder text. ESC sequences we emit for colour are
 * allowed only in their exact SGR form.
 */
export function unsafeCharactersIn(output: string): string[] {
  const found: string[] = []
  const withoutColour = output.replace(/\x1b\[[0-9;]*m/g, '')
  for (const m of withoutColour.matchAll(new RegExp(UNSAFE_CHAR.source, 'gu'))) {
    const c = m[0]
    if (c === '\n' || c === '\t') continue
    if (c === '\r' && withoutColour[m.index + 1] === '\n') continue
    found.push(escapeOne(c))
    if (found.length >= 16) break
  }
  return found
}
