// `npm run fuzz -- --hostile [--seed S] [--count N] [--jobs J] …`: structure-aware hostile fuzzing (issue 18
// item 9). Bundles test/fuzz/hostile/main.ts and runs it in J child processes (seeds interleaved), each
// behind a watchdog: a verb that makes no progress for --hang-ms is killed and reported as a hang, a child
// that dies (V8 fatal error, signal) is reported with the verb it was running, and the child is restarted at
// the next seed, so one bad case never hides the rest. The kept regressions (test/fuzz/regressions-hostile/)
// are replayed first. Prints the failures grouped by class (verb · property) with the smallest failing
// seed of each, and keeps that seed as a regression (unless --no-keep). Exit 1 if anything failed.
//   --seed S (random)  --count N (50,000)  --jobs J (2)  --cli-every K (500: every K-th seed through the real
//   dist/cli.js)  --big-every B (500: every B-th seed carries a large attack)  --all-modes  --hang-ms (20,000)
//   --summary FILE (the whole result as JSON)  --no-keep  --no-replay
import { readFile } from 'node:fs/promises'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'

const CHILD = 'dist-bench/hostile.js'
const KEEP_DIR = 'test/fuzz/regressions-hostile'

/** The child bundles the CLI's code (so yargs is bundled too, as in dist/cli.js). */
async function buildChild() {
  const banner = ["import { createRequire as __pssnapCreateRequire } from 'node:module'", 'const require = __pssnapCreateRequire(import.meta.url)'].join('\n')
  // yargs renders the whole help text after every command, for a later failure's message (about 5 ms a run,
  // most of an in-process verb's cost on a small archive). The harness skips that cache: help is still built
  // when it is shown. The real-binary sample runs dist/cli.js unchanged.
  const skipHelpCache = {
    name: 'skip-help-cache',
    setup(b) {
      b.onLoad({ filter: /yargs[\\/]build[\\/]lib[\\/]command\.js$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8')
        const contents = text.replace('yargs.getInternalMethods().getUsageInstance().cacheHelpMessage();', '')
        return { contents, loader: 'js' }
      })
    },
  }
  await build({ entryPoints: { hostile: 'test/fuzz/hostile/main.ts' }, outdir: 'dist-bench', bundle: true, platform: 'node', format: 'esm', target: 'node20', external: ['koffi', 'msgpackr-extract'], banner: { js: banner }, plugins: [skipHelpCache], logLevel: 'warning' })
}

/**
 * Runs the child once; calls `onResult` per case and resolves with how it ended: `{ ok }`, or
 * `{ stopped: { id, verb }, problem }` when it hung or died while running that verb.
 */
function runChild(args, hangMs, onResult) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NO_COLOR: '1' }
    delete env.FORCE_COLOR
    const child = spawn(process.execPath, ['--max-old-space-size=2048', CHILD, ...args], { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-8192)))
    let pending = ''
    let current
    let at = Date.now()
    child.stdio[3].on('data', (d) => {
      pending += d
      const lines = pending.split('\n')
      pending = lines.pop()
      for (const line of lines) {
        at = Date.now()
        if (line.startsWith('S ')) {
          const [, id, ...verb] = line.split(' ')
          current = { id, verb: verb.join(' ') }
        } else if (line.startsWith('R ')) {
          current = undefined
          onResult(JSON.parse(line.slice(2)))
        }
      }
    })
    let hung = false
    const watchdog = setInterval(() => {
      if (Date.now() - at > hangMs) {
        hung = true
        child.kill('SIGKILL')
      }
    }, 500)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearInterval(watchdog)
      if (code === 0 && !hung) return resolve({ ok: true })
      const fatal = /FATAL ERROR[^\n]*|Reached heap limit[^\n]*|JavaScript heap out of memory[^\n]*/.exec(stderr)?.[0]
      const problem = hung
        ? { property: 'hang', detail: `no progress for ${hangMs / 1000} s (watchdog)` }
        : { property: 'fatal', detail: fatal ?? `the child ended with ${signal ?? `exit ${code}`}: ${stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300)}` }
      resolve({ stopped: current, problem })
    })
  })
}

/** Runs seeds start, start+stride, … (count of them) with restarts after a hang or a crash. */
async function runJob({ start, stride, count, extra, hangMs, onResult }) {
  let done = 0
  let next = start
  while (done < count) {
    let last
    const ended = await runChild(['--seed', String(next), '--count', String(count - done), '--stride', String(stride), ...extra], hangMs, (r) => {
      last = r.seed
      done++
      onResult(r)
    })
    if (ended.ok) break
    if (!ended.stopped && last === undefined) throw new Error(`the hostile fuzz child stopped before its first case: ${ended.problem.detail}`)
    // The case it stopped in is a failure of its own; go on after it.
    const seed = ended.stopped ? Number(ended.stopped.id) : last === undefined ? next : last + stride
    onResult({ id: String(seed), seed, big: null, bytes: 0, verbs: 0, exits: {}, problems: [{ verb: ended.stopped?.verb ?? '(between verbs)', ...ended.problem }], crashed: true })
    done++
    next = seed + stride
  }
}

function newTally() {
  return { cases: 0, verbRuns: 0, cliCases: 0, big: {}, writers: {}, exits: {}, worstTime: { ratio: 0 }, worstRss: { ratio: 0 }, classes: new Map() }
}

function tally(t, r) {
  t.cases++
  t.verbRuns += r.verbs
  if (r.cli) t.cliCases++
  if (r.big) t.big[r.big] = (t.big[r.big] ?? 0) + 1
  if (r.writer) t.writers[r.writer] = (t.writers[r.writer] ?? 0) + 1
  for (const [verb, code] of Object.entries(r.exits)) t.exits[`${verb} → ${code}`] = (t.exits[`${verb} → ${code}`] ?? 0) + 1
  if (r.worstTime > t.worstTime.ratio) t.worstTime = { ratio: r.worstTime, id: r.id }
  if (r.worstRss > t.worstRss.ratio) t.worstRss = { ratio: r.worstRss, id: r.id }
  for (const p of r.problems) {
    const key = `${p.verb} · ${p.property}`
    const c = t.classes.get(key) ?? { key, verb: p.verb, property: p.property, cases: 0, example: undefined }
    if (c.lastId !== r.id) c.cases++
    c.lastId = r.id
    // The smallest failing case is the one kept and shown.
    if (!c.example || (r.bytes > 0 && r.bytes < c.example.bytes)) c.example = { id: r.id, seed: r.seed, big: r.big, bytes: r.bytes, detail: p.detail }
    t.classes.set(key, c)
  }
}

const fmtRatio = (w, budget) => `${(w.ratio * 100).toFixed(0)}% of the ${budget} budget${w.id ? ` (case ${w.id})` : ''}`

function print(title, t) {
  console.log(`\n${title}`)
  console.log(`cases: ${t.cases} (${t.cliCases} through the real dist/cli.js; large attacks: ${Object.entries(t.big).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}; written by ${Object.entries(t.writers).map(([k, n]) => `${k} ${n}`).join(', ')})`)
  console.log(`verb runs: ${t.verbRuns}`)
  console.log(`worst time: ${fmtRatio(t.worstTime, 'time')}; worst peak RSS: ${fmtRatio(t.worstRss, 'memory')}`)
  const classes = [...t.classes.values()].sort((a, b) => a.property.localeCompare(b.property) || b.cases - a.cases)
  console.log(`failure classes: ${classes.length}`)
  for (const c of classes) console.log(`  FAILED ${c.key}: ${c.cases} case${c.cases === 1 ? '' : 's'}; smallest ${c.example.id}${c.example.big ? ` (${c.example.big})` : ''}, ${c.example.bytes} bytes: ${c.example.detail}`)
  return classes
}

export async function runHostile(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      count: { type: 'string' },
      jobs: { type: 'string' },
      'cli-every': { type: 'string' },
      'big-every': { type: 'string' },
      'all-modes': { type: 'boolean' },
      'hang-ms': { type: 'string' },
      summary: { type: 'string' },
      'no-keep': { type: 'boolean' },
      'no-replay': { type: 'boolean' },
    },
  })
  const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 30))
  const count = Number(values.count ?? 50_000)
  const jobs = Math.max(1, Number(values.jobs ?? 2))
  const hangMs = Number(values['hang-ms'] ?? 20_000)
  const bigEvery = values['big-every'] ?? '500'
  const common = ['--big-every', bigEvery, '--cli-every', values['cli-every'] ?? '500', ...(values['all-modes'] ? ['--all-modes'] : [])]
  await buildChild()
  const started = performance.now()

  let replay
  if (!values['no-replay'] && existsSync(KEEP_DIR) && readdirSync(KEEP_DIR).some((f) => f.endsWith('.json'))) {
    replay = newTally()
    // One pass over the kept cases; a crash skips to the next one (replay ids are file names, in order).
    const files = readdirSync(KEEP_DIR).filter((f) => f.endsWith('.json')).sort()
    let from = 0
    while (from < files.length) {
      const dir = mkdtempSync(join(tmpdir(), 'pssnap-replay-'))
      for (const f of files.slice(from)) for (const g of readdirSync(KEEP_DIR).filter((x) => x === f || x.startsWith(f.replace(/\.json$/, '.')))) writeFileSync(join(dir, g), await readFile(join(KEEP_DIR, g)))
      let seen = 0
      const ended = await runChild(['--replay', dir, ...common], hangMs, (r) => {
        seen++
        tally(replay, r)
      })
      rmSync(dir, { recursive: true, force: true })
      if (ended.ok) break
      tally(replay, { id: files[from + seen], seed: 0, big: null, bytes: 0, verbs: 0, exits: {}, problems: [{ verb: ended.stopped?.verb ?? '(between verbs)', ...ended.problem }] })
      from += seen + 1
    }
  }

  console.log(`hostile fuzz: seed ${seed}, ${count} cases in ${jobs} processes (reproduce one with --seed <its seed> --count 1 --jobs 1)`)
  const main = newTally()
  await Promise.all(
    Array.from({ length: Math.min(jobs, count) }, (_, k) =>
      runJob({ start: seed + k, stride: jobs, count: Math.ceil((count - k) / jobs), extra: common, hangMs, onResult: (r) => {
        tally(main, r)
        if (main.cases % 1000 === 0) console.log(`  … ${main.cases} cases`)
      } }),
    ),
  )
  const seconds = (performance.now() - started) / 1000
  const replayClasses = replay ? print(`replay of ${KEEP_DIR}/`, replay) : []
  const classes = print(`seeds ${seed}…${seed + count - 1}`, main)
  console.log(`time: ${seconds.toFixed(1)} s`)

  if (!values['no-keep'] && classes.length > 0) {
    const wanted = new Map()
    for (const c of classes) {
      const w = wanted.get(c.example.seed) ?? { seed: c.example.seed, problems: [] }
      w.problems.push({ verb: c.verb, property: c.property, detail: c.example.detail })
      wanted.set(c.example.seed, w)
    }
    const list = join(mkdtempSync(join(tmpdir(), 'pssnap-keep-')), 'keep.json')
    writeFileSync(list, JSON.stringify([...wanted.values()]))
    await new Promise((resolve, reject) => spawn(process.execPath, [CHILD, '--keep', list, '--dir', KEEP_DIR, '--big-every', bigEvery], { stdio: 'inherit' }).on('close', resolve).on('error', reject))
    console.log(`kept ${wanted.size} failing seeds in ${KEEP_DIR}/ (one per class, the smallest)`)
  }
  const plain = (t) => t && { ...t, classes: [...t.classes.values()].map(({ lastId, ...c }) => c) }
  const failed = classes.length > 0 || replayClasses.length > 0
  if (values.summary) writeFileSync(values.summary, `${JSON.stringify({ failed, seed, count, seconds, main: plain(main), replay: plain(replay) })}\n`)
  return failed ? 1 : 0
}
