// The CLI bundle's stand-in for string-width (cli/string-width.ts, scripts/lazy-modules.mjs) against the real
// package, every version installed (yargs: 8.x; cliui and wrap-ansi: 7.x): the same width for every code point
// it measures itself, alone and beside others, and the real module loaded for anything else.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { lazyStringWidth, SIMPLE, simpleWidth } from '../cli/string-width.js'

type Width = (text: string, options?: object) => number
const require = createRequire(import.meta.url)

/** string-width as each of its importers resolves it (every version has its code in index.js). */
async function installed(): Promise<[string, Width][]> {
  const out: [string, Width][] = []
  for (const importer of ['yargs', 'cliui', 'wrap-ansi']) {
    // Node's lookup: the importer's own node_modules first, then the top-level one.
    const nested = join('node_modules', importer, 'node_modules', 'string-width')
    const dir = existsSync(nested) ? nested : join('node_modules', 'string-width')
    const { version } = require(resolve(dir, 'package.json')) as { version: string }
    const real = ((await import(pathToFileURL(resolve(dir, 'index.js')).href)) as { default: Width }).default
    out.push([`${importer} → string-width ${version}`, real])
  }
  return out
}

describe('string-width stand-in', () => {
  it('measures what it measures as every installed string-width does', async () => {
    const reals = await installed()
    const samples: string[] = []
    for (let c = 0; c < 0x80; c++) if (c !== 0x1b) samples.push(String.fromCharCode(c))
    for (let c = 0x80; c <= 0x9f; c++) if (c !== 0x9b) samples.push(String.fromCharCode(c))
    for (const [first, last] of SIMPLE) for (let c = first; c <= last; c++) samples.push(String.fromCodePoint(c))
    for (const [name, real] of reals) {
      for (const s of samples) {
        for (const text of [s, `a${s}b`, `${s}${s}`, `${s}\n${s}`]) expect(simpleWidth(text), `${name}: U+${s.codePointAt(0)!.toString(16)} in ${JSON.stringify(text)}`).toBe(real(text))
      }
      for (const text of ['', '--limit takes a whole number ≥ 0', 'many archives (or folders) as Parquet tables, in host=…/date=… folders', 'pseudonym → original', 'Mann–Kendall, one-sided p ≤ 0.01', '  -h, --help  Show help  [boolean]']) {
        expect(simpleWidth(text), `${name}: ${text}`).toBe(real(text))
      }
    }
  }, 120_000)

  it('is ordered, so the lookup can stop early', () => {
    for (let i = 1; i < SIMPLE.length; i++) expect(SIMPLE[i]![0]).toBeGreaterThan(SIMPLE[i - 1]![1])
  })

  it('loads the real one only for a string it cannot measure, or with options', async () => {
    const [, real] = (await installed())[0]!
    let loads = 0
    const width = lazyStringWidth(() => {
      loads++
      return real
    })
    expect(width('plain help text ≥ 0 … →')).toBe(23)
    expect(loads).toBe(0)
    for (const text of ['日本語', '👍🏽 ok', 'e\u0301', '\x1b[31mred\x1b[0m', '©', 'a\u200db', '\u{1f600}']) {
      expect(simpleWidth(text), text).toBe(-1)
      expect(width(text), text).toBe(real(text))
    }
    expect(loads).toBe(1)
    expect(width('±', { ambiguousIsNarrow: false })).toBe(real('±', { ambiguousIsNarrow: false }))
  })
})
