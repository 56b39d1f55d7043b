// Free text (capture error messages, the OS version string) is not a name with a shape: it is scrubbed
// instead. Every name already redacted elsewhere in the archive is replaced where it appears, then every
// path-looking token, then user and machine names as words.
import type { NameRedactor } from './names.js'
import type { PseudonymMaker } from './pseudonyms.js'

/** An absolute path in prose: a drive or a separator, then anything but spaces, quotes and punctuation. */
const PATH_TOKEN = /(?:[A-Za-z]:)?[\\/][^\s'"`,;:()<>]*/g

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Longer than any real user or host name (255): such a word (from a hostile archive) is matched by exact case
 * without a regular expression built from it, whose compilation overflows V8's stack at ~100k characters.
 */
const REGEX_WORD_MAX = 256
const WORD_CHAR = /[\p{L}\p{N}_]/u

/**
 * `word` replaced where it stands as a whole word (no letter, digit or _ on either side), exact case, as the
 * regular expression would: left to right, a match starting at or after the end of the last one replaced.
 * Occurrences are found in one pass (Knuth–Morris–Pratt): searching again one character after a rejected
 * match costs the word's length per character when the word repeats itself ('h\u202e' × 200k: 26 s).
 */
export function replaceWord(text: string, word: string, replacement: string): string {
  const m = word.length
  const border = new Int32Array(m) // border[i]: length of the longest proper border of word[0..i]
  for (let i = 1, k = 0; i < m; i++) {
    while (k > 0 && word.charCodeAt(i) !== word.charCodeAt(k)) k = border[k - 1]!
    if (word.charCodeAt(i) === word.charCodeAt(k)) k++
    border[i] = k
  }
  let out = ''
  let from = 0
  for (let i = 0, k = 0; i < text.length; i++) {
    while (k > 0 && text.charCodeAt(i) !== word.charCodeAt(k)) k = border[k - 1]!
    if (text.charCodeAt(i) === word.charCodeAt(k)) k++
    if (k < m) continue
    const at = i + 1 - m
    k = border[m - 1]!
    if (at < from) continue
    const end = i + 1
    const before = at > 0 ? String.fromCodePoint(codePointBefore(text, at)) : ''
    const after = end < text.length ? String.fromCodePoint(text.codePointAt(end)!) : ''
    if (WORD_CHAR.test(before) || WORD_CHAR.test(after)) continue
    out += text.slice(from, at) + replacement
    from = end
  }
  return out + text.slice(from)
}

/** The code point that ends just before `at` (a surrogate pair read whole). */
function codePointBefore(text: string, at: number): number {
  const low = text.charCodeAt(at - 1)
  if (low >= 0xdc00 && low <= 0xdfff && at >= 2) {
    const high = text.charCodeAt(at - 2)
    if (high >= 0xd800 && high <= 0xdbff) return text.codePointAt(at - 2)!
  }
  return low
}

export interface ScrubTokens {
  /** User names found in the archive's profile paths. */
  readonly users: readonly string[]
  readonly machineName?: string
}

export function scrubText(text: string, names: NameRedactor, maker: PseudonymMaker, tokens: ScrubTokens): string {
  let out = text
  // Whole names seen in the archive, longest first so a path wins over its own folder.
  const known = [...names.names].filter(([original, redacted]) => original !== redacted && original.length >= 4 && out.includes(original))
  known.sort((a, b) => b[0].length - a[0].length)
  for (const [original, redacted] of known) out = out.split(original).join(redacted)
  // Paths the archive did not otherwise hold: two separators at least (or a drive), so `read/write` stays.
  const paths = [...new Set(out.match(PATH_TOKEN) ?? [])].filter((p) => /^[A-Za-z]:/.test(p) || (p.match(/[\\/]/g) ?? []).length >= 2)
  const replacements = new Map<string, string>()
  for (const p of paths) replacements.set(p, names.redact(p))
  if (replacements.size) out = out.replace(PATH_TOKEN, (p) => replacements.get(p) ?? p)
  // Remaining user and machine names as words (case ignored), whatever their length.
  const words: [string, string][] = []
  for (const user of tokens.users) words.push([user, `user-${maker.hex('name', user)}`])
  if (tokens.machineName) words.push([tokens.machineName, names.host(tokens.machineName)])
  words.sort((a, b) => b[0].length - a[0].length)
  for (const [word, pseudonym] of words) {
    if (word === '') continue
    if (word.length > REGEX_WORD_MAX) out = replaceWord(out, word, pseudonym)
    else out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}_])${escape(word)}(?![\\p{L}\\p{N}_])`, 'giu'), pseudonym)
  }
  return out
}
