// Mutation fuzzing (issue 6, item 1): 10,000 seeded mutants of every golden fixture and every corpus file
// that opens, each held to the reader's contract by test/fuzz/run.ts (an outcome that is an archive or an
// ArchiveError with a known code, renderable, the same through validate and a stream, within a generous
// time, memory kept within 4× the bytes decoded on the large inputs). `npm run fuzz` runs 100,000 and keeps
// failing inputs under test/fuzz/regressions/, which are replayed here on every run.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { nodeHooks } from '../reader/node.js'
import { fuzzInputs } from './fuzz/inputs.js'
import { mutate, repairChecksums } from './fuzz/mutate.js'
import { loadRegressions } from './fuzz/regressions.js'
import { checkMutant, decodeOutcome, emptyStats } from './fuzz/run.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
/** What the fuzz child reports per phase (test/fuzz/main.ts), as far as these tests read it. */
interface FuzzSummary {
  tried: number
  outcomes: Record<string, number>
  diagnostics: Record<string, number>
  memory: { measured: number }
  peak: { measured: number }
  failures: unknown[]
}

const SEED = 20261125
const COUNT = 10_000
const inputs = fuzzInputs()

describe('mutation fuzzing', () => {
  it('has every fixture and the corpus files that open as bases', () => {
    expect(inputs.map((i) => i.name)).toEqual(expect.arrayContaining(['spec/fixtures/minimal.pssnap', 'spec/fixtures/small.pssnap', 'spec/fixtures/medium.pssnap', 'test/corpus/newer-minor.pssnap', 'test/corpus/proto-keys.pssnap']))
    expect(inputs.length).toBeGreaterThan(30)
  })

  it('is deterministic: a seed gives the same mutant', () => {
    for (const seed of [1, 2, 77, 4096]) expect(mutate(seed, inputs).bytes).toEqual(mutate(seed, inputs).bytes)
    expect(mutate(1, inputs).bytes).not.toEqual(mutate(2, inputs).bytes)
  })

  it('repairing checksums makes a payload mutation reach the payload decoders', async () => {
    const small = inputs.find((i) => i.name === 'spec/fixtures/small.pssnap')!.bytes
    const damaged = small.slice()
    damaged[2000]! ^= 0xff // inside a chunk payload
    expect((await decodeOutcome(damaged)).outcome).toMatchObject({ diagnostics: expect.arrayContaining(['CHECKSUM']) })
    const repaired = await decodeOutcome(repairChecksums(damaged))
    expect('diagnostics' in repaired.outcome && repaired.outcome.diagnostics.includes('CHECKSUM')).toBe(false)
  })

  it(`${COUNT} mutants, in a child process behind a watchdog: every outcome is an archive or an ArchiveError with a known code`, async () => {
    // The same machinery as `npm run fuzz` (scripts/fuzz.mjs), so a decode that never returns is killed after
    // 30 s and reported with its seed instead of stalling this runner; then the memory phase on medium alone.
    const dir = mkdtempSync(join(tmpdir(), 'pssnap-fuzz-'))
    const summaryFile = join(dir, 'summary.json')
    try {
      const run = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['scripts/fuzz.mjs', '--seed', String(SEED), '--count', String(COUNT), '--rss-count', '50', '--summary', summaryFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
        let output = ''
        child.stdout.on('data', (d: Buffer) => (output += d))
        child.stderr.on('data', (d: Buffer) => (output += d))
        child.on('error', reject)
        child.on('close', (code) => resolve({ code, output }))
      })
      console.log(run.output)
      expect(run.code, run.output).toBe(0)
      const { failed, main, rss } = JSON.parse(readFileSync(summaryFile, 'utf8')) as { failed: boolean; main: FuzzSummary; rss: FuzzSummary }
      expect(failed).toBe(false)
      expect(main.tried).toBe(COUNT)
      expect(main.failures).toEqual([])
      expect(rss.failures).toEqual([])
      expect(main.memory.measured).toBeGreaterThan(5)
      expect(rss.memory.measured).toBeGreaterThan(5)
      if (process.platform === 'linux') expect(main.peak.measured).toBe(main.memory.measured)
      // Both broken-checksum and repaired mutants reach deep: archives open with errors, and the payload
      // and schema layers refuse things, not just the checksum layer.
      expect(main.outcomes['opened with errors']).toBeGreaterThan(COUNT / 10)
      for (const code of ['CHECKSUM', 'BAD_PAYLOAD', 'SCHEMA', 'TRUNCATED', 'BAD_LENGTH']) expect(main.outcomes[code], code).toBeGreaterThan(0)
      for (const code of ['DECOMPRESS', 'DEPTH', 'GAP', 'UNKNOWN']) expect(main.diagnostics[code], code).toBeGreaterThan(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    // ~15 s of CPU on one core; generous for a loaded machine. Not a speed assertion (bench/ has those).
  }, 600_000)
})

describe('kept regression inputs (test/fuzz/regressions/)', () => {
  const regressions = loadRegressions()

  it('are all documented with their expected outcome', () => {
    expect(regressions.length).toBeGreaterThan(0)
    for (const r of regressions) expect(r.expect, r.file).toBeDefined()
  })

  it.each(regressions.map((r) => [r.file, r] as const))('%s: the expected outcome, the whole contract, no large allocation', async (_file, r) => {
    for (const hooks of [undefined, nodeHooks]) {
      const before = process.memoryUsage().arrayBuffers
      const { outcome } = await decodeOutcome(r.bytes, hooks)
      // Measured before any collection, so a large temporary allocation shows.
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024 + 4 * r.bytes.length)
      expect(outcome).toEqual(r.expect)
    }
    const problem = await checkMutant({ seed: r.seed, base: r.base, ops: r.ops, repaired: r.repaired, bytes: r.bytes }, { seed: r.seed, count: 1, inputs, nodeHooks, crossCheckEvery: 1 }, emptyStats())
    expect(problem).toBeUndefined()
  })
})
