// The child process of `npm run fuzz -- --hostile` (scripts/fuzz.mjs bundles and runs it behind a watchdog):
//   --seed S --count N   cases S, S+1, …: each generated (three variants), written to a temporary folder and run
//                        through every reading verb (verbs.ts), each result held to check.ts's contract
//   --stride J           seeds S, S+J, S+2J, … instead (J children share a run)
//   --all-modes          every verb in every output mode (32 runs per case; default: one mode per verb, by seed)
//   --cli-every K        every K-th seed runs its verbs, in every mode, through the real `node dist/cli.js`
//                        instead (0: never)
//   --big-every B        every B-th seed carries one of the large attacks, in turn (generate.ts BIG_KINDS)
//   --replay DIR         run the kept regressions of DIR (regressions.ts) instead of seeds
//   --keep FILE --dir D  write the cases listed in FILE (JSON [{seed, big, problems}]) as regressions into D
// Reports on fd 3, one line each: `S <seed> <verb>` before every verb (the watchdog's heartbeat) and
// `R <json>` after every case (its problems and figures), so a child killed mid-run loses nothing reported.
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { checkVerb, rssBudget, timeBudgetMs, type Problem } from './check.js'
import { bigKindOf, generateCase, planCase, type HostileCase } from './generate.js'
import { idleCliRss, loadCliMain, noteEscaped, runCli, runInProcess } from './invoke.js'
import { keepHostileRegression, loadHostileRegressions } from './regressions.js'
import { verbsFor, type CaseFiles } from './verbs.js'

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    count: { type: 'string' },
    stride: { type: 'string' },
    'all-modes': { type: 'boolean' },
    'cli-every': { type: 'string' },
    'big-every': { type: 'string' },
    replay: { type: 'string' },
    keep: { type: 'string' },
    dir: { type: 'string' },
  },
})

const ROOT = process.cwd()
const CLI = join(ROOT, 'dist/cli.js')
const bigEvery = Number(values['big-every'] ?? 500)
const cliEvery = Number(values['cli-every'] ?? 0)

/** Writes one report line to fd 3, retrying while the pipe is full. */
function report(line: string): void {
  const buf = Buffer.from(`${line}\n`)
  let at = 0
  while (at < buf.length) {
    try {
      at += writeSync(3, buf, at)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e
    }
  }
}

async function casesOf(seed: number, big = bigKindOf(seed, bigEvery)): Promise<HostileCase[]> {
  const plan = planCase(seed, big)
  return Promise.all([0, 1, 2].map((v) => generateCase(plan, v)))
}

if (values.keep !== undefined) {
  const wanted = JSON.parse(readFileSync(values.keep, 'utf8')) as { seed: number; problems: Problem[] }[]
  for (const w of wanted) keepHostileRegression(w.seed, bigKindOf(w.seed, bigEvery), await casesOf(w.seed), w.problems, values.dir!)
  process.exit(0)
}

process.on('unhandledRejection', noteEscaped)
process.on('uncaughtException', noteEscaped)
await loadCliMain()
const work = mkdtempSync(join(existsShm() ? '/dev/shm' : tmpdir(), 'pssnap-hostile-'))
const files: CaseFiles = { a: join(work, 'a.pssnap'), b: join(work, 'b.pssnap'), c: join(work, 'c.pssnap'), redacted: join(work, 'redacted.pssnap'), map: join(work, 'map.json') }

/** A RAM-backed folder where there is one: thousands of small files are written and read. */
function existsShm(): boolean {
  try {
    accessSync('/dev/shm', constants.W_OK)
    return true
  } catch {
    return false
  }
}

const idleRss = await (async () => {
  const tiny = await generateCase(planCase(1), 0)
  writeFileSync(files.a, tiny.bytes)
  return idleCliRss(CLI, files.a)
})()

/** Runs every verb over one case's three variants; reports its problems and figures. */
async function runCase(id: string, seed: number, cases: HostileCase[], throughCli: boolean, allModes: boolean): Promise<void> {
  const [a, b, c] = cases as [HostileCase, HostileCase, HostileCase]
  writeFileSync(files.a, a.bytes)
  writeFileSync(files.b, b.bytes)
  writeFileSync(files.c, c.bytes)
  rmSync(files.redacted, { force: true })
  rmSync(files.map, { force: true })
  const decoded = { a: a.decodedBytes, b: b.decodedBytes, c: c.decodedBytes, redacted: a.decodedBytes }
  const problems: Problem[] = []
  const exits: Record<string, number | null> = {}
  let worstTime = 0
  let worstRss = 0
  for (const verb of verbsFor(files, seed, allModes || throughCli)) {
    if (verb.reads.includes('redacted') && exits.redact !== 0) continue
    report(`S ${id} ${verb.label}`)
    const d = verb.reads.reduce((n, f) => n + decoded[f], 0)
    const result = throughCli ? await runCli(CLI, verb.argv, join(work, 'time.txt'), 60_000) : await runInProcess(verb.argv, idleRss)
    exits[verb.label] = result.code
    problems.push(...checkVerb(verb, result, d))
    worstTime = Math.max(worstTime, Math.min(result.ms, result.cpuMs) / timeBudgetMs(d))
    if (result.peakRss !== undefined) worstRss = Math.max(worstRss, result.peakRss / rssBudget(d))
  }
  report(`R ${JSON.stringify({ id, seed, big: a.plan.big ?? null, writer: a.plan.writer, cli: throughCli, bytes: a.bytes.length + b.bytes.length + c.bytes.length, decoded: a.decodedBytes, verbs: Object.keys(exits).length, exits, worstTime, worstRss, problems })}`)
}

try {
  if (values.replay !== undefined) {
    for (const r of loadHostileRegressions(values.replay)) {
      const cases = r.cases ?? (await casesOf(r.seed, r.big ?? undefined))
      await runCase(r.file, r.seed, cases, false, true)
    }
  } else {
    const seed = Number(values.seed ?? 1)
    const count = Number(values.count ?? 1000)
    const stride = Number(values.stride ?? 1)
    for (let i = 0; i < count; i++) {
      const s = (seed + i * stride) >>> 0
      await runCase(String(s), s, await casesOf(s), cliEvery > 0 && s % cliEvery === 0, values['all-modes'] === true)
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
process.exit(0)
