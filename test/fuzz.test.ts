// Mutation fuzzing (issue 6, item 1): 10,000 seeded mutants of every golden fixture and every corpus file
// that opens, each held to the reader's contract by test/fuzz/run.ts (an outcome that is an archive or an
// ArchiveError with a known code, renderable, the same through validate and a stream, within a generous
// time, memory kept within 4× the bytes decoded on the large inputs). `npm run fuzz` runs 100,000 and keeps
// failing inputs under test/fuzz/regressions/, which are replayed here on every run.
import { describe, expect, it } from 'vitest'
import { nodeHooks } from '../reader/node.js'
import { fuzzInputs } from './fuzz/inputs.js'
import { mutate, repairChecksums } from './fuzz/mutate.js'
import { loadRegressions } from './fuzz/regressions.js'
import { checkMutant, decodeOutcome, emptyStats, formatStats, runFuzz } from './fuzz/run.js'

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

  it(`${COUNT} mutants: every outcome is an archive or an ArchiveError with a known code`, async () => {
    // The large fixture (medium, 400 KiB) is decoded ~20 times: enough for the memory measurement, while
    // the run stays short.
    const weights = inputs.map((i) => (i.bytes.length > 64 * 1024 ? 0.1 : 1))
    const stats = await runFuzz({ seed: SEED, count: COUNT, inputs, weights, nodeHooks, hangMs: 10_000, peakRss: process.platform === 'linux' })
    console.log(formatStats(stats))
    expect(stats.tried).toBe(COUNT)
    expect(stats.memory.measured).toBeGreaterThan(5)
    if (process.platform === 'linux') expect(stats.peak.measured).toBe(stats.memory.measured)
    // Both broken-checksum and repaired mutants reach deep: archives open with errors, and the payload
    // and schema layers refuse things, not just the checksum layer.
    expect(stats.outcomes['opened with errors']).toBeGreaterThan(COUNT / 10)
    for (const code of ['CHECKSUM', 'BAD_PAYLOAD', 'SCHEMA', 'TRUNCATED', 'BAD_LENGTH']) expect(stats.outcomes[code], code).toBeGreaterThan(0)
    for (const code of ['DECOMPRESS', 'DEPTH', 'GAP', 'UNKNOWN']) expect(stats.diagnostics[code], code).toBeGreaterThan(0)
    expect(stats.failures.map((f) => `seed ${f.mutant.seed} (${f.mutant.base}; ${f.mutant.ops.join('; ')}${f.mutant.repaired ? '; CRCs repaired' : ''}): ${f.problem}`)).toEqual([])
    // ~20 s of CPU on one core; generous for a loaded machine. Not a speed assertion (bench/ has those).
  }, 300_000)
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
