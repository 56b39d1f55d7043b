// Kept fuzz inputs (test/fuzz/regressions/): each failing mutant is written as <seed>.pssnap with a
// <seed>.json saying where it came from, what went wrong, and the outcome the reader must give now (filled
// in once the bug is fixed). test/fuzz.test.ts replays every one on every run.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { Mutant } from './mutate.js'
import type { Outcome } from './run.js'

/** The default works from the sources; a bundle (npm run fuzz) passes the repository's own. */
const DEFAULT_DIR = new URL('./regressions/', import.meta.url)

export interface Regression {
  file: string
  seed: number
  base: string
  ops: string[]
  repaired: boolean
  /** What the reader did wrong when the input was found. */
  problem: string
  /** What it must do now; absent until the bug is fixed and the outcome checked by hand. */
  expect?: Outcome
}

/** Writes a failing mutant (never overwrites one already kept); returns the .pssnap path. */
export function keepRegression(mutant: Mutant, problem: string, dir = DEFAULT_DIR): string {
  mkdirSync(dir, { recursive: true })
  const file = `${mutant.seed}.pssnap`
  const path = new URL(file, dir)
  if (!existsSync(path)) {
    writeFileSync(path, mutant.bytes)
    const meta: Omit<Regression, 'file'> = { seed: mutant.seed, base: mutant.base, ops: mutant.ops, repaired: mutant.repaired, problem }
    writeFileSync(new URL(`${mutant.seed}.json`, dir), `${JSON.stringify(meta, null, 2)}\n`)
  }
  return path.pathname
}

export function loadRegressions(dir = DEFAULT_DIR): (Regression & { bytes: Uint8Array })[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pssnap'))
    .sort()
    .map((file) => {
      const meta = JSON.parse(readFileSync(new URL(file.replace(/\.pssnap$/, '.json'), dir), 'utf8')) as Omit<Regression, 'file'>
      return { ...meta, file, bytes: new Uint8Array(readFileSync(new URL(file, dir))) }
    })
}
