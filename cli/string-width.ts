// The string-width that yargs, cliui and wrap-ansi measure help text with, in the bundled CLI
// (scripts/lazy-modules.mjs): the real package is loaded on the first string it would be needed for.
//
// Why: yargs renders the matched command's help after every command it runs (to keep it for a later failure),
// so every `pssnap info` measures help text, and loading string-width builds an Intl.Segmenter (ICU data) and a
// /^\p{RGI_Emoji}$/v RegExp: ~25 ms of a ~90 ms start-up (bench (f)). Help text is ASCII with a few
// punctuation and math signs (… – → ≥), whose width is known without segmenting: one column each (controls:
// none). Any other string, or any option, goes to the real string-width, so results never differ
// (test/string-width.test.ts checks every code point of SIMPLE against both installed versions).

type StringWidth = (text: string, options?: object) => number

/**
 * Code points outside ASCII that are one column wide in every context: each is its own grapheme cluster
 * (never joins a neighbour), not an emoji, not East Asian wide and not ambiguous-wide by default.
 * Pairs [first, last], ascending.
 */
export const SIMPLE: readonly (readonly [number, number])[] = [
  [0xa0, 0xa8], // Latin-1: no-break space … ¨ (not ©, soft hyphen, ®)
  [0xaa, 0xac],
  [0xaf, 0x2ff], // Latin-1, Latin Extended-A and -B, IPA, spacing modifier letters
  [0x370, 0x482], // Greek, Cyrillic (not the combining signs U+0483–U+0489)
  [0x48a, 0x4ff],
  [0x2010, 0x2029], // dashes, quotes, bullets, … (not the bidi and invisible format characters)
  [0x202f, 0x203b],
  [0x203d, 0x2048],
  [0x204a, 0x205e],
  [0x2070, 0x20bf], // super- and subscripts, currency signs
  [0x2190, 0x2193], // ← ↑ → ↓ (not ↔ ↕ …, emoji with a selector)
  [0x2200, 0x22ff], // mathematical operators: ≤ ≥ × …
  [0x2500, 0x257f], // box drawing
]

function simple(code: number): boolean {
  for (const [first, last] of SIMPLE) {
    if (code < first) return false
    if (code <= last) return true
  }
  return false
}

/** Columns of `text` when every character is printable ASCII, a control (not ESC or CSI) or SIMPLE; else -1. */
export function simpleWidth(text: string): number {
  let width = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0x20 && c < 0x7f) width++
    // C0, DEL and C1 controls take no column (tabs too, as string-width has it); ESC and CSI start escape sequences.
    else if (c <= 0x9f) {
      if (c === 0x1b || c === 0x9b) return -1
    } else if (simple(c)) width++
    else return -1
  }
  return width
}

/** A string-width that calls `load()` (the real one) only for a string simpleWidth cannot measure. */
export function lazyStringWidth(load: () => StringWidth): StringWidth {
  let real: StringWidth | undefined
  return (text, options) => {
    if (typeof text === 'string' && options === undefined) {
      const width = simpleWidth(text)
      if (width >= 0) return width
    }
    real ??= load()
    return options === undefined ? real(text) : real(text, options)
  }
}
