// `npm run fuzz -- --hostile [...]`: the structure-aware hostile fuzzer instead (test/fuzz/hostile/driver.mjs).
// `npm run fuzz [-- --seed S --count N]`: 100,000 seeded mutants (default) of every fixture and opening
// corpus file, held to the reader's contract (test/fuzz/run.ts), then a memory phase on the medium fixture
// alone that reports the child's peak RSS. The fuzzer runs in a child process behind a watchdog: a decode
// that makes no progress for 30 s is a hang, reported with its seed and kept as a regression input.
// Prints mutations tried, outcomes by error code, the slowest decode (with its seed) and peak memory;
// exits 1 if anything failed (failing inputs are written to test/fuzz/regressions/ with their seed).
// `--summary FILE` also writes both phases' summaries as JSON (test/fuzz.test.ts runs CI's 10k this way, so a
// hang there is caught by this watchdog rather than stalling the test runner).
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'

// `--hostile`: valid archives with hostile content through every reading verb (test/fuzz/hostile/driver.mjs).
if (process.argv.includes('--hostile')) {
  const { runHostile } = await import('../test/fuzz/hostile/driver.mjs')
  process.exit(await runHostile(process.argv.slice(2).filter((a) => a !== '--hostile')))
}

const { values } = parseArgs({ options: { seed: { type: 'string' }, count: { type: 'string' }, 'rss-count': { type: 'string' }, summary: { type: 'string' } } })
const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31))
const count = Number(values.count ?? 100_000)
const rssCount = Number(values['rss-count'] ?? 200)
const HANG_MS = 30_000
const CHILD = 'dist-bench/fuzz.js'

await build({ entryPoints: { fuzz: 'test/fuzz/main.ts' }, outdir: 'dist-bench', bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' })

/** Runs the child; resolves with its summary, or with `{ hang: seed }` after killing a stalled one. */
function runChild(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=4096', CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] })
    let out = ''
    let last = { seed: undefined, at: Date.now() }
    let hung
    child.stdout.on('data', (d) => (out += d))
    let pending = ''
    let started = 0
    child.stdio[3].on('data', (d) => {
      pending += d
      const lines = pending.split('\n')
      pending = lines.pop()
      if (lines.length) last = { seed: Number(lines.at(-1)), at: Date.now() }
      started += lines.length
      if (Math.floor(started / 10_000) > Math.floor((started - lines.length) / 10_000)) console.log(`  … ${Math.floor(started / 10_000) * 10_000} mutants`)
    })
    const watchdog = setInterval(() => {
      if (Date.now() - last.at > HANG_MS) {
        hung = last.seed
        child.kill('SIGKILL')
      }
    }, 1000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearInterval(watchdog)
      if (hung !== undefined) return resolve({ hang: hung })
      if (code !== 0) return reject(new Error(`the fuzz child exited with ${code}`))
      resolve(JSON.parse(out))
    })
  })
}

const mib = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`
let failed = false

async function phase(title, args, only) {
  console.log(`\n${title}`)
  const r = await runChild(args)
  if (r.hang !== undefined) {
    const kept = await runChild(['--keep', String(r.hang), '--problem', `no progress for ${HANG_MS / 1000} s (watchdog)`, ...(only ? ['--only', only] : [])])
    console.log(`HANG: seed ${r.hang} made no progress for ${HANG_MS / 1000} s; kept as ${kept.kept}`)
    failed = true
    return undefined
  }
  console.log(r.text)
  console.log(`time: ${r.seconds.toFixed(1)} s`)
  for (const f of r.failures) console.log(`FAILED seed ${f.seed} (${f.base}; ${f.ops.join('; ')}${f.repaired ? '; CRCs repaired' : ''}): ${f.problem.split('\n')[0]}\n  kept as ${f.file}`)
  if (r.failures.length) failed = true
  return r
}

console.log(`fuzz: seed ${seed}, ${count} mutants (reproduce one with --seed <its seed> --count 1)`)
const main = await phase('every fixture and opening corpus file', ['--seed', String(seed), '--count', String(count)])
if (main) console.log(`peak RSS of the fuzz process: ${mib(main.rss.peak)} (${mib(main.rss.loaded)} with the inputs loaded, ${mib(main.rss.peakClean)} after decoding each once)`)

// Memory on the largest input, in a fresh process, decoding only: the per-decode measurements (memory
// kept, RSS rise during each decode) over many mutants of it, and the process's peak RSS for context.
const rss = await phase(`memory: ${rssCount} mutants of the medium fixture alone`, ['--seed', String(seed), '--count', String(rssCount), '--only', 'medium'], 'medium')
if (rss) {
  const { loaded, peakClean, peak } = rss.rss
  const extra = peak - peakClean
  console.log(`input ${mib(rss.inputBytes)}; RSS ${mib(loaded)} loaded, peak ${mib(peakClean)} after one clean decode (+${mib(peakClean - loaded)}), peak ${mib(peak)} after the mutants (+${mib(extra)} more, ${(extra / rss.inputBytes).toFixed(1)}× the input)`)
  // Reported, not enforced: the process's peak includes the harness (mutating, forced collections) and
  // V8's heap sizing. The enforced bounds are per decode (run.ts: the memory kept and, on Linux, the RSS
  // rise during the decode alone, each within 4× of the bytes decoded), in the lines above.
}
if (values.summary) writeFileSync(values.summary, `${JSON.stringify({ failed, main, rss })}\n`)
process.exit(failed ? 1 : 0)
