// The child process of `npm run fuzz` (scripts/fuzz.mjs bundles and runs it behind a watchdog):
//   --seed S --count N      run N mutants with seeds S, S+1, …; failing inputs go to test/fuzz/regressions/
//   --only NAME             mutate only the inputs whose name contains NAME (the RSS phase: the medium fixture)
//   --keep SEED --problem P write mutant SEED as a regression without decoding it (the watchdog's hang report)
// Writes the seed of every mutant it starts to fd 3 (the watchdog's heartbeat) and one JSON summary to stdout.
import { writeSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { nodeHooks } from '../../reader/node.js'
import { fuzzInputs } from './inputs.js'
import { mutate } from './mutate.js'
import { keepRegression } from './regressions.js'
import { decodeOutcome, emptyStats, formatStats, runFuzz } from './run.js'

const { values } = parseArgs({ options: { seed: { type: 'string' }, count: { type: 'string' }, only: { type: 'string' }, keep: { type: 'string' }, problem: { type: 'string' } } })
const root = pathToFileURL(`${process.cwd()}/`)
const regressions = new URL('test/fuzz/regressions/', root)
const all = fuzzInputs(root)
const inputs = values.only ? all.filter((i) => i.name.includes(values.only!)) : all
// Large inputs (medium, 400 KiB) cost ~50× a small one to decode: rarer, so the run's time is spread.
const weights = inputs.map((i) => (i.bytes.length > 64 * 1024 && !values.only ? 0.2 : 1))

if (values.keep !== undefined) {
  const mutant = mutate(Number(values.keep), inputs, weights)
  process.stdout.write(`${JSON.stringify({ kept: keepRegression(mutant, values.problem ?? 'kept by hand', regressions) })}\n`)
  process.exit(0)
}

// Warm up (every input decoded once per hook set, unmutated) so the RSS baseline includes compiled code and loaded
// modules, and the peak above it is what decoding mutants costs.
const rssLoaded = process.memoryUsage().rss
for (const input of inputs) for (const hooks of [nodeHooks, undefined]) await decodeOutcome(input.bytes, hooks)
const peakClean = process.resourceUsage().maxRSS * 1024
let heartbeat = true
const stats = emptyStats()
const started = performance.now()
await runFuzz(
  {
    seed: Number(values.seed ?? 1),
    count: Number(values.count ?? 100_000),
    inputs,
    weights,
    nodeHooks,
    peakRss: process.platform === 'linux',
    // The memory phase decodes only (no validate or stream cross-checks), with a collection around every
    // decode (the kept-memory measurement), so the peak RSS is about one decode's garbage, not many.
    ...(values.only ? { crossCheckEvery: Number.MAX_SAFE_INTEGER } : {}),
    onStart: (seed) => {
      if (!heartbeat) return
      try {
        writeSync(3, `${seed}\n`)
      } catch {
        heartbeat = false // run by hand, without the watchdog's pipe
      }
    },
  },
  stats,
)
const kept = stats.failures.map((f) => ({ seed: f.mutant.seed, base: f.mutant.base, ops: f.mutant.ops, repaired: f.mutant.repaired, problem: f.problem, file: keepRegression(f.mutant, f.problem, regressions) }))
process.stdout.write(
  `${JSON.stringify({
    text: formatStats(stats),
    seconds: (performance.now() - started) / 1000,
    tried: stats.tried,
    outcomes: stats.outcomes,
    diagnostics: stats.diagnostics,
    slowest: stats.slowest,
    memory: stats.memory,
    peak: stats.peak,
    /** RSS with the inputs loaded; peak after decoding each unmutated input once; peak at the end. */
    rss: { loaded: rssLoaded, peakClean, peak: process.resourceUsage().maxRSS * 1024 },
    inputBytes: Math.max(...inputs.map((i) => i.bytes.length)),
    failures: kept,
  })}\n`,
)
