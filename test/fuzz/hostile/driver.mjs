// `npm run fuzz -- --hostile [--seed S] [--count N] [--jobs J] …`: structure-aware hostile fuzzing (issue 18
// item 9). Bundles test/fuzz/hostile/main.ts and runs it in J child processes (seeds interleaved), each
// behind a watchdog: a verb that makes no progress for --hang-ms is killed and reported as a hang, a child
// that dies (V8 fatal error, signal) is reported with the verb it was running, and the child is restarted at
// that case's next verb, so one bad verb never hides the rest. The kept regressions (test/fuzz/regressions-hostile/)
// are replayed first. Prints the failures grouped by class (verb · property) with the smallest failing
// seed of each, and keeps that seed as a regression (unless --no-keep). Exit 1 if anything failed.
//   --seed S (random)  --count N (50,000)  --jobs J (2)  --cli-every K (500: every K-th seed, and every case with
//   a large attack, through the real dist/cli.js)  --big-every B (500: every B-th seed carries a large attack)
//   --all-modes  --hang-ms (20,000)
//   --summary FILE (the whole result as JSON)  --no-keep  --no-replay
// SIGINT or SIGTERM stops the run early: it still prints (and keeps) what it found in the cases it ran.
import { readFile } from 'node:fs/promises'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'

const CHILD = 'dist-bench/hostile.js'
/** Children running, and whether SIGINT or SIGTERM asked the run to stop (it then reports what it has). */
const live = new Set()
let interrupted = false
const KEEP_DIR = 'test/fuzz/regressions-hostile'

/** The child bundles the CLI's code (so yargs is bundled too, as in dist/cli.js); native addons stay external, as there. */
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
  await build({ entryPoints: { hostile: 'test/fuzz/hostile/main.ts' }, outdir: 'dist-bench', bundle: true, platform: 'node', format: 'esm', target: 'node20', external: ['koffi', 'msgpackr-extract', '@duckdb/node-api'], banner: { js: banner }, plugins: [skipHelpCache], logLevel: 'warning' })
}

/**
 * Runs the child once; calls `onCase` when a case starts and `onResult` when it ends, and resolves with how
 * the child ended: `{ ok }`, or `{ stopped, problem }` (stopped: the verb it was running, if any).
 */
function runChild(args, hangMs, { onCase, onResult }) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NO_COLOR: '1' }
    delete env.FORCE_COLOR
    const child = spawn(process.execPath, ['--max-old-space-size=2048', CHILD, '--hang-ms', String(hangMs), ...args], { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] })
    live.add(child)
    let stderr = ''
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-8192)))
    let pending = ''
    let current
    let work
    let at = Date.now()
    child.stdio[3].on('data', (d) => {
      pending += d
      const lines = pending.split('\n')
      pending = lines.pop()
      for (const line of lines) {
        at = Date.now()
        if (line.startsWith('W ')) work = line.slice(2)
        else if (line.startsWith('C ')) {
          current = undefined
          onCase(JSON.parse(line.slice(2)))
        } else if (line.startsWith('S ')) current = line.slice(2).split(' ').slice(1).join(' ')
        else if (line.startsWith('R ')) {
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
      live.delete(child)
      clearInterval(watchdog)
      if (work) rmSync(work, { recursive: true, force: true }) // a killed child leaves its case files behind
      if (code === 0 && !hung) return resolve({ ok: true })
      const fatal = /FATAL ERROR[^\n]*|Reached heap limit[^\n]*|JavaScript heap out of memory[^\n]*/.exec(stderr)?.[0]
      const problem = hung
        ? { property: 'hang', detail: `no progress for ${hangMs / 1000} s (watchdog)` }
        : { property: 'fatal', detail: fatal ?? `the child ended with ${signal ?? `exit ${code}`}: ${stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300)}` }
      resolve({ stopped: current, problem })
    })
  })
}

/**
 * Runs `total` cases from position `first` (a seed, or an index into the kept regressions) with restarts: a
 * hang or crash inside a verb is charged to that case and the case resumes at its next verb; one outside a
 * verb (generating the case) ends the case there. `argsFor(position, remaining, resumeAfter)`.
 */
async function runJob({ first, step, total, argsFor, hangMs, onResult }) {
  let done = 0
  let position = first
  let resumeAfter
  const carried = new Map()
  while (done < total && !interrupted) {
    let started
    let finishedId
    const ended = await runChild(argsFor(position, total - done, resumeAfter), hangMs, {
      onCase: (c) => (started = c),
      onResult: (r) => {
        finishedId = r.id
        const extra = carried.get(r.id)
        if (extra) {
          r.problems.push(...extra)
          carried.delete(r.id)
        }
        done++
        onResult(r)
      },
    })
    if (interrupted) break // killed by the stop itself: not a finding
    // A child that exits 0 before its last case has lost cases: charged to the case it was in, never silent.
    if (ended.ok && done < total) Object.assign(ended, { ok: false, problem: { property: 'fatal', detail: `the child exited 0 after ${done} of ${total} cases` } })
    if (ended.ok) break
    if (!started) throw new Error(`the hostile fuzz child stopped before its first case: ${ended.problem.detail}`)
    if (finishedId === started.id) throw new Error(`the hostile fuzz child stopped between cases: ${ended.problem.detail}`)
    const problem = { verb: ended.stopped ?? '(generating the case)', ...ended.problem }
    carried.set(started.id, [...(carried.get(started.id) ?? []), problem])
    if (ended.stopped !== undefined) {
      position = started.pos
      resumeAfter = ended.stopped
    } else {
      onResult({ ...started, bytes: 0, verbs: 0, exits: {}, problems: carried.get(started.id) })
      carried.delete(started.id)
      done++
      position = started.pos + step
      resumeAfter = undefined
    }
  }
}

function newTally() {
  return { cases: 0, verbRuns: 0, cliCases: 0, big: {}, writers: {}, exits: {}, exitCodes: {}, worstTime: { ratio: 0 }, worstRss: { ratio: 0 }, classes: new Map() }
}

function tally(t, r) {
  t.cases++
  t.verbRuns += r.verbs
  if (r.cli) t.cliCases++
  if (r.big) t.big[r.big] = (t.big[r.big] ?? 0) + 1
  if (r.writer) t.writers[r.writer] = (t.writers[r.writer] ?? 0) + 1
  for (const [verb, code] of Object.entries(r.exits)) {
    t.exits[`${verb} → ${code}`] = (t.exits[`${verb} → ${code}`] ?? 0) + 1
    t.exitCodes[code] = (t.exitCodes[code] ?? 0) + 1
  }
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
  console.log(`verb runs: ${t.verbRuns} (exit ${Object.entries(t.exitCodes).map(([c, n]) => `${c}: ${n}`).join(', ')})`)
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
  const kept = existsSync(KEEP_DIR) ? readdirSync(KEEP_DIR).filter((f) => f.endsWith('.json')) : []
  if (!values['no-replay'] && kept.length > 0) {
    replay = newTally()
    await runJob({ first: 0, step: 1, total: kept.length, hangMs, onResult: (r) => tally(replay, r), argsFor: (from, _n, resumeAfter) => ['--replay', KEEP_DIR, '--from', String(from), ...(resumeAfter ? ['--resume-after', resumeAfter] : []), ...common] })
  }

  console.log(`hostile fuzz: seed ${seed}, ${count} cases in ${jobs} processes (reproduce one with --seed <its seed> --count 1 --jobs 1)`)
  const main = newTally()
  // Stopped early (a time limit), the run still reports its counts and failure classes so far.
  const stop = () => {
    interrupted = true
    for (const c of live) c.kill('SIGKILL')
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  await Promise.all(
    Array.from({ length: Math.min(jobs, count) }, (_, k) =>
      runJob({
        first: seed + k,
        step: jobs,
        total: Math.ceil((count - k) / jobs),
        hangMs,
        argsFor: (from, n, resumeAfter) => ['--seed', String(from), '--count', String(n), '--stride', String(jobs), ...(resumeAfter ? ['--resume-after', resumeAfter] : []), ...common],
        onResult: (r) => {
          tally(main, r)
          if (main.cases % 1000 === 0) console.log(`  … ${main.cases} cases`)
        },
      }),
    ),
  )
  const seconds = (performance.now() - started) / 1000
  const replayClasses = replay ? print(`replay of ${KEEP_DIR}/`, replay) : []
  const classes = print(`seeds ${seed}…${seed + count - 1}${interrupted ? ` (interrupted: ${main.cases} of ${count} cases run)` : ''}`, main)
  console.log(`time: ${seconds.toFixed(1)} s`)

  if (!values['no-keep'] && classes.length > 0) {
    const wanted = new Map()
    for (const c of classes) {
      const w = wanted.get(c.example.seed) ?? { seed: c.example.seed, problems: [] }
      w.problems.push({ verb: c.verb, property: c.property, detail: c.example.detail })
      wanted.set(c.example.seed, w)
    }
    const listDir = mkdtempSync(join(tmpdir(), 'pssnap-keep-'))
    const list = join(listDir, 'keep.json')
    writeFileSync(list, JSON.stringify([...wanted.values()]))
    const out = await new Promise((resolve, reject) => {
      let text = ''
      const child = spawn(process.execPath, [CHILD, '--keep', list, '--dir', KEEP_DIR, '--big-every', bigEvery], { stdio: ['ignore', 'pipe', 'inherit'] })
      child.stdout.on('data', (d) => (text += d))
      child.on('close', () => resolve(text)).on('error', reject)
    })
    rmSync(listDir, { recursive: true, force: true })
    const { kept } = JSON.parse(out)
    const large = [...wanted.keys()].filter((s) => !kept.includes(s))
    console.log(`kept ${kept.length} failing seeds in ${KEEP_DIR}/ (the smallest of each class)${large.length ? `; not kept, too large (the seeded run's large attacks repeat them): ${large.join(', ')}` : ''}`)
  }
  const plain = (t) => t && { ...t, classes: [...t.classes.values()].map(({ lastId, ...c }) => c) }
  const failed = classes.length > 0 || replayClasses.length > 0
  if (values.summary) writeFileSync(values.summary, `${JSON.stringify({ failed, seed, count, interrupted, seconds, main: plain(main), replay: plain(replay) })}\n`)
  return failed ? 1 : 0
}
