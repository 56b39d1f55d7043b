// Kept hostile cases (test/fuzz/regressions-hostile/): each failing seed is written as <seed>.json (where it
// came from and what went wrong) with its three archives <seed>.a|b|c.pssnap, so a replay does not depend on
// the generator staying the same. Only small cases are kept (the large attacks recur in every seeded run).
// test/hostile-fuzz.test.ts replays every one (through scripts/fuzz.mjs, behind its watchdog) on every run.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Problem } from './check.js'
import type { BigKind, HostileCase } from './generate.js'

/** Archives above this (the three together) are regenerated from the seed rather than kept. */
const KEEP_BYTES = 512 * 1024
const VARIANTS = ['a', 'b', 'c'] as const

export interface HostileRegression {
  file: string
  seed: number
  big: BigKind | null
  /** What failed when it was found (verb, property, detail). */
  problems: Problem[]
  /** The kept archives. */
  cases: HostileCase[]
}

/**
 * Writes a failing case (never overwrites one already kept); returns the JSON file's path, or undefined for
 * a case too large to keep (the large attacks recur in every seeded run: `--seed <seed> --count 1` replays one).
 */
export function keepHostileRegression(seed: number, big: BigKind | undefined, cases: HostileCase[], problems: Problem[], dir: string): string | undefined {
  if (cases.reduce((n, c) => n + c.bytes.length, 0) > KEEP_BYTES) return undefined
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `${seed}.json`)
  if (existsSync(path)) return path
  cases.forEach((c, i) => writeFileSync(join(dir, `${seed}.${VARIANTS[i]}.pssnap`), c.bytes))
  writeFileSync(path, `${JSON.stringify({ seed, big: big ?? null, decodedBytes: cases.map((c) => c.decodedBytes), plan: cases[0]!.plan, problems }, null, 2)}\n`)
  return path
}

export function loadHostileRegressions(dir: string): HostileRegression[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const meta = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { seed: number; big: BigKind | null; decodedBytes: number[]; plan: HostileCase['plan']; problems: Problem[] }
      const cases = VARIANTS.map((v, i) => ({ plan: meta.plan, variant: i, bytes: new Uint8Array(readFileSync(join(dir, `${meta.seed}.${v}.pssnap`))), decodedBytes: meta.decodedBytes[i]! }))
      return { file, seed: meta.seed, big: meta.big, problems: meta.problems, cases }
    })
}
