// Golden fixtures (spec/fixtures/, spec/STABILITY.md): every committed archive opens, validates clean and
// renders exactly as its committed JSON, from bytes and from the file, today and in every later reader.
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { openArchive, validateArchive } from '../reader/index.js'
import { openArchiveFile, validateArchiveFile } from '../reader/node.js'
import { renderArchiveText } from './helpers/render.js'

const DIR = new URL('../spec/fixtures/', import.meta.url)
const files = readdirSync(DIR)
const names = files.filter((f) => f.endsWith('.pssnap')).map((f) => f.slice(0, -'.pssnap'.length)).sort()

/** Where two renderings first differ, as a short readable message instead of a multi-megabyte diff. */
function firstDifference(actual: string, expected: string): string | undefined {
  if (actual === expected) return undefined
  const a = actual.split('\n')
  const e = expected.split('\n')
  let i = 0
  while (i < a.length && i < e.length && a[i] === e[i]) i++
  const context = (lines: string[]) => lines.slice(Math.max(0, i - 3), i + 3).join('\n')
  return `renderings differ at line ${i + 1}:\n--- committed\n${context(e)}\n--- now\n${context(a)}`
}

describe('golden fixtures', () => {
  it('include the format 1.0 and 1.1 fixtures, each with its JSON', async () => {
    expect(names).toEqual(expect.arrayContaining(['linux-small', 'medium', 'minimal', 'small']))
    for (const name of ['medium', 'minimal', 'small']) expect((await openArchiveFile(new URL(`${name}.pssnap`, DIR).pathname)).version).toEqual({ major: 1, minor: 0 })
    expect((await openArchiveFile(new URL('linux-small.pssnap', DIR).pathname)).version).toEqual({ major: 1, minor: 1 })
    const jsons = files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort()
    expect(jsons).toEqual(names)
  })

  describe.each(names)('%s', (name) => {
    const path = new URL(`${name}.pssnap`, DIR)
    const bytes = new Uint8Array(readFileSync(path))
    const expected = readFileSync(new URL(`${name}.json`, DIR), 'utf8')

    it('renders as committed, opened from bytes (platform-free hooks)', async () => {
      expect(firstDifference(renderArchiveText(await openArchive(bytes)), expected)).toBeUndefined()
    })

    it('renders as committed, opened from the file (Node hooks)', async () => {
      expect(firstDifference(renderArchiveText(await openArchiveFile(path.pathname)), expected)).toBeUndefined()
    })

    it('validates with no diagnostics, from bytes and as a stream', async () => {
      for (const report of [await validateArchive(bytes), await validateArchiveFile(path.pathname)]) {
        expect(report.ok).toBe(true)
        expect(report.diagnostics).toEqual([])
        expect(report.hasTrailer).toBe(true)
        expect(report.recoveredBytes).toBe(bytes.length)
      }
    })
  })
})
