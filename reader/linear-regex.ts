// `--where field ~ /regex/flags` runs user patterns over strings read from archives, both hostile. JavaScript's
// RegExp backtracks: `/^(\/?[a-z]+)+\.log$/` takes minutes on a 38-character name. RE2JS (a pure-JS port of
// RE2: automata, no backtracking) matches in time linear in the input in any runtime, so reader/ stays
// platform-free and no Node flag is needed. What RE2 cannot do in linear time (backreferences, lookahead,
// lookbehind) is refused when the query is compiled, not discovered while matching.
import { RE2JS } from 're2js'

/** Why a pattern cannot be used: a sentence for QueryError, without the column. */
export class RegexRefusal extends Error {
  override name = 'RegexRefusal'
}

const FLAG_BITS: Readonly<Record<string, number>> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL }
/** Flags that change nothing for a yes/no test: u (RE2 always matches code points), g, y, d. */
const IGNORED_FLAGS = 'ugyd'

/** A compiled `/source/flags` whose `test` runs in time linear in the text tested. */
export function compileLinearRegex(source: string, flags: string): (text: string) => boolean {
  let bits = 0
  for (const f of flags) {
    if (Object.hasOwn(FLAG_BITS, f)) bits |= FLAG_BITS[f]!
    else if (!IGNORED_FLAGS.includes(f)) throw new RegexRefusal(`expected regular expression flags among i, m, s (u, g, y, d change nothing here), not '${f}'`)
  }
  let pattern: RE2JS
  try {
    // translateRegExp turns JavaScript spellings RE2 lacks (`\/`, `(?<name>…)`, `\u00e9`) into RE2's.
    pattern = RE2JS.compile(RE2JS.translateRegExp(source), bits)
  } catch (error) {
    throw new RegexRefusal(refusalText(error))
  }
  return (text) => {
    try {
      return pattern.test(text)
    } catch (error) {
      // Not expected (matching is linear, its memory bounded by the DFA's budget), but typed if it happens.
      throw new RegexRefusal(`the regular expression could not be matched (${error instanceof Error ? error.message : String(error)})`)
    }
  }
}

function refusalText(error: unknown): string {
  const detail = (error instanceof Error ? error.message : String(error)).replace(/^error parsing regexp: /, '')
  const why = /\(\?[=!]|\(\?<[=!]|invalid named capture|\\[1-9]|invalid escape sequence: `\\k/.test(detail)
    ? '; backreferences, lookahead and lookbehind are not supported (patterns run on a linear-time engine, RE2 syntax)'
    : /repeat count|too large|too big/.test(detail)
      ? '; the pattern is too large for the linear-time engine (repeat counts up to 1000)'
      : ''
  return `expected a valid regular expression (${detail})${why}`
}
