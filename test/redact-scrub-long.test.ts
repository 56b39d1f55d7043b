// Free-text scrubbing with a hostile machine or user name of 100k+ characters (the hostile fuzzer's seed
// 40035500): a regular expression built from such a word overflows V8's stack when compiled, which made
// `redact` fail with INTERNAL. Words past any real name's length are matched by exact case without one; the
// result is checked against the regular expression's own on a word short enough for it.
import { describe, expect, it } from 'vitest'
import { NameRedactor } from '../reader/redact/names.js'
import { PseudonymMaker } from '../reader/redact/pseudonyms.js'
import fc from 'fast-check'
import { replaceWord, scrubText } from '../reader/redact/scrub.js'

function scrub(text: string, machineName: string, users: string[] = []): string {
  const maker = new PseudonymMaker(new TextEncoder().encode('k'))
  const names = new NameRedactor(maker, { machineName, moduleNames: new Set(), redactModules: false, sensitive: [machineName, ...users] } as never)
  return scrubText(text, names, maker, { users, machineName })
}

describe('scrubText with very long names', () => {
  it('a 400k-character machine name is replaced as a word, never an error', () => {
    // The regular expression of this word overflows the stack even at the top of a stack (100k: in the CLI).
    const host = 'h\u202e'.repeat(200_000)
    const text = `on ${host}, again ${host}; not x${host} nor ${host}_y; ${host}`
    const out = scrub(text, host)
    expect(out).not.toContain(`on ${host},`)
    expect(out).toContain(`x${host}`) // inside a word: kept, as the regular expression keeps it
    expect(out).toContain(`${host}_y`)
    expect(out.split(' ').filter((w) => w.startsWith('host-'))).toHaveLength(3)
  })

  it('above the regular expression limit it agrees with the regular expression on same-case text', () => {
    // 257 characters: just past the limit, where the regular expression still compiles (the oracle).
    const word = `${'ab\u00e9'.repeat(85)}xy`
    const text = `${word} ${word}a a${word} é${word} 😀${word}😀 _${word} ${word}.`
    const viaRegex = text.replace(new RegExp(`(?<![\\p{L}\\p{N}_])${word}(?![\\p{L}\\p{N}_])`, 'gu'), 'P')
    const out = scrub(text, word)
    const pseudonym = /host-[0-9a-f]+/.exec(out)![0]
    expect(out).toBe(viaRegex.replaceAll('P', pseudonym))
  })

  it('replaceWord agrees with the regular expression on any text, overlapping and self-repeating words included', () => {
    // Texts built from copies of the word and single characters make overlaps, self-repeats and boundaries common.
    const word = fc.array(fc.constantFrom('a', 'b', 'é', ' ', '_'), { minLength: 1, maxLength: 4 }).map((a) => a.join(''))
    const piece = fc.oneof(fc.constant(null), fc.constantFrom('a', 'b', ' ', '_', 'é', '😀', '1'))
    const pair = word.chain((w) => fc.tuple(fc.constant(w), fc.array(piece, { maxLength: 12 }).map((ps) => ps.map((p) => p ?? w).join(''))))
    const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    expect(replaceWord('_a a a', 'a a', 'P')).toBe('_a P')
    fc.assert(
      fc.property(pair, ([w, t]) => {
        const viaRegex = t.replace(new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRe(w)}(?![\\p{L}\\p{N}_])`, 'gu'), 'P')
        expect(replaceWord(t, w, 'P')).toBe(viaRegex)
      }),
      { numRuns: 3000, seed: 20261203 },
    )
  })
})
