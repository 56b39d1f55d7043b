// The child process of `npm run fuzz -- --hostile` (scripts/fuzz.mjs bundles and runs it behind a watchdog):
//   --seed S --count N   cases S, S+1, …: each generated (three variants), written to a temporary folder and run
//                        through every reading verb (verbs.ts), each result held to check.ts's contract
//   --stride J           seeds S, S+J, S+2J, … instead (J children share a run)
//   --all-modes          every verb in every output mode (37 runs per case; default: one mode per verb, by seed)
//   --cli-every K        every K-th seed (+7) runs its verbs, in every mode, through the real `node dist/cli.js`
//                        instead (0: never); the cases with a large attack always run through it
//   --big-every B        every B-th seed carries one of the large attacks, in turn (generate.ts BIG_KINDS)
//   --replay DIR         run the kept regressions of DIR (regressions.ts) instead of seeds (--from I: from the
//                        I-th), each through its seed's modes and the verbs that failed when it was kept
//   --resume-after VERB  start the first case after this verb (the watchdog's restart after a hang or crash)
//   --hang-ms T          the watchdog's limit; a verb through the binary is stopped at ¾ of it
//   --keep FILE --dir D  write the cases listed in FILE (JSON [{seed, big, problems}]) as regressions into D
// Reports on fd 3, one line each: `W <folder>` (its temporary files), `C <json>` when a case starts,
// `S <id> <verb>` before every verb (the watchdog's heartbeat) and `R <json>` after every case (its problems
// and figures), so a child killed mid-run loses nothing reported and can be restarted at the next verb.
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
    from: { type: 'string' },
    'resume-after': { type: 'string' },
    'hang-ms': { type: 'string' },
    keep: { type: 'string' },
    dir: { type: 'string' },
  },
})

const ROOT = process.cwd()
const CLI = join(ROOT, 'dist/cli.js')
const bigEvery = Number(values['big-every'] ?? 500)
const cliEvery = Number(values['cli-every'] ?? 0)
const hangMs = Number(values['hang-ms'] ?? 20_000)

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
  const kept = []
  for (const w of wanted) if (keepHostileRegression(w.seed, bigKindOf(w.seed, bigEvery), await casesOf(w.seed), w.problems, values.dir!)) kept.push(w.seed)
  process.stdout.write(`${JSON.stringify({ kept })}\n`)
  process.exit(0)
}

process.on('unhandledRejection', noteEscaped)
process.on('uncaughtException', noteEscaped)
await loadCliMain()
const work = mkdtempSync(join(existsShm() ? '/dev/shm' : tmpdir(), 'pssnap-hostile-'))
// Named to the watchdog, which removes it if this process is killed.
report(`W ${work}`)
const files: CaseFiles = { a: join(work, 'a.pssnap'), b: join(work, 'b.pssnap'), c: join(work, 'c.pssnap'), redacted: join(work, 'redacted.pssnap'), map: join(work, 'map.json'), dump: join(work, 'x.dmp'), parquet: join(work, 'parquet') }

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

/** Runs every verb over one case's three variants (after `resumeAfter`'s, when resuming); reports its problems and figures. */
async function runCase(id: string, seed: number, cases: HostileCase[], throughCli: boolean, allModes: boolean, resumeAfter?: string, also: readonly string[] = []): Promise<void> {
  const [a, b, c] = cases as [HostileCase, HostileCase, HostileCase]
  writeFileSync(files.a, a.bytes)
  writeFileSync(files.b, b.bytes)
  writeFileSync(files.c, c.bytes)
  rmSync(files.redacted, { force: true })
  rmSync(files.map, { force: true })
  rmSync(files.parquet, { recursive: true, force: true })
  const decoded = { a: a.decodedBytes, b: b.decodedBytes, c: c.decodedBytes, redacted: a.decodedBytes }
  const problems: Problem[] = []
  const exits: Record<string, number | null> = {}
  let worstTime = 0
  let worstRss = 0
  // `also`: verbs run besides the seed's own modes (a replay runs the ones that failed when the case was kept).
  const own = new Set([...verbsFor(files, seed).map((v) => v.label), ...also])
  const verbs = verbsFor(files, seed, true).filter((v) => allModes || throughCli || own.has(v.label))
  // The large attacks are where the budget is at stake, and an in-process RSS rise can hide in heap an earlier
  // verb left free (diff --json of an honest 200k-entry chunk: 77% of the budget estimated, 202 MB = 133% in
  // the binary): their verbs always run through the binary.
  const binary = throughCli || a.plan.big !== undefined
  const from = resumeAfter === undefined ? 0 : verbs.findIndex((v) => v.label === resumeAfter) + 1
  for (const verb of verbs.slice(from)) {
    if (verb.reads.includes('redacted') && exits.redact !== 0) continue
    report(`S ${id} ${verb.label}`)
    const d = verb.reads.reduce((n, f) => n + decoded[f], 0)
    // Through the binary, a verb is stopped before the watchdog would stop this process, and reported as a hang.
    const result = binary ? await runCli(CLI, verb.argv, join(work, 'time.txt'), hangMs * 0.75) : await runInProcess(verb.argv, idleRss)
    exits[verb.label] = result.code
    let found = checkVerb(verb, result, d)
    if (!binary && found.some((p) => p.property === 'memory' || p.property === 'time')) {
      // In process, the RSS rise and the time include what earlier verbs left to collect: a budget overrun
      // counts only if the real binary confirms it (its figures replace the estimate).
      const confirmed = checkVerb(verb, await runCli(CLI, verb.argv, join(work, 'time.txt'), hangMs * 0.75), d).filter((p) => p.property === 'memory' || p.property === 'time')
      found = [...found.filter((p) => p.property !== 'memory' && p.property !== 'time'), ...confirmed.map((p) => ({ ...p, detail: `${p.detail} (dist/cli.js)` }))]
    }
    problems.push(...found)
    if (result.timedOut) problems.push({ verb: verb.label, property: 'hang', detail: `stopped after ${((hangMs * 0.75) / 1000).toFixed(0)} s` })
    worstTime = Math.max(worstTime, Math.min(result.ms, result.cpuMs) / timeBudgetMs(d))
    if (result.peakRss !== undefined) worstRss = Math.max(worstRss, result.peakRss / rssBudget(d))
  }
  report(`R ${JSON.stringify({ id, seed, big: a.plan.big ?? null, writer: a.plan.writer, cli: binary, bytes: a.bytes.length + b.bytes.length + c.bytes.length, decoded: a.decodedBytes, verbs: Object.keys(exits).length, exits, worstTime, worstRss, problems })}`)
}

// Every case is announced (`C`) before it is generated, so the watchdog knows which case a crash belongs to.
try {
  const resumeAfter = values['resume-after']
  if (values.replay !== undefined) {
    const kept = loadHostileRegressions(values.replay)
    for (let i = Number(values.from ?? 0); i < kept.length; i++) {
      const r = kept[i]!
      report(`C ${JSON.stringify({ id: r.file, pos: i, seed: r.seed, big: r.big })}`)
      await runCase(r.file, r.seed, r.cases, false, values['all-modes'] === true, i === Number(values.from ?? 0) ? resumeAfter : undefined, r.problems.map((p) => p.verb))
    }
  } else {
    const seed = Number(values.seed ?? 1)
    const count = Number(values.count ?? 1000)
    const stride = Number(values.stride ?? 1)
    for (let i = 0; i < count; i++) {
      const s = (seed + i * stride) >>> 0
      report(`C ${JSON.stringify({ id: String(s), pos: s, seed: s, big: bigKindOf(s, bigEvery) ?? null })}`)
      // The real-binary sample avoids the seeds of the large attacks (multiples of bigEvery).
      const throughCli = cliEvery > 0 && s % cliEvery === 7
      await runCase(String(s), s, await casesOf(s), throughCli, values['all-modes'] === true, i === 0 ? resumeAfter : undefined)
    }
  }
} catch (e) {
  // Outside a verb (generating a case): exit non-zero so the watchdog charges it to the case and goes on. The
  // handlers above keep an escaped error from ending the process, so without this it ended with 0, unreported.
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`)
  rmSync(work, { recursive: true, force: true })
  process.exit(70)
} finally {
  rmSync(work, { recursive: true, force: true })
}
process.exit(0)
