// The fuzz bases: every golden fixture (spec/fixtures/*.pssnap) and every corpus file that opens
// (test/corpus/expectations.json), read from disk once.
import { readdirSync, readFileSync } from 'node:fs'
import type { FuzzInput } from './mutate.js'

/** `root`: the repository (a file: URL ending in /); the default works from the sources, not a bundle. */
export function fuzzInputs(root = new URL('../../', import.meta.url)): FuzzInput[] {
  const FIXTURES = new URL('spec/fixtures/', root)
  const CORPUS = new URL('test/corpus/', root)
  const fixtures = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.pssnap'))
    .sort()
    .map((f) => ({ name: `spec/fixtures/${f}`, bytes: new Uint8Array(readFileSync(new URL(f, FIXTURES))) }))
  const expectations = JSON.parse(readFileSync(new URL('expectations.json', CORPUS), 'utf8')) as Record<string, { opens?: true }>
  const corpus = Object.entries(expectations)
    .filter(([, e]) => e.opens)
    .map(([f]) => f)
    .sort()
    .map((f) => ({ name: `test/corpus/${f}`, bytes: new Uint8Array(readFileSync(new URL(f, CORPUS))) }))
  return [...fixtures, ...corpus]
}
