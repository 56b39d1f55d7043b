// The skeleton shared by the Linux capture benchmarks (bench/capture-linux.ts, bench/linux-fds.ts): a Python
// target holding what the bench needs, captured to an archive, against a baseline measured in the same run
// that makes every read a capture makes without parsing or keeping anything. Each mode runs in a fresh
// process (peak RSS is per process); modes alternate over rounds, each keeping its median round, so a burst
// of someone else's load on this shared machine does not land on one mode only.
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { captureLinuxToFile, readLinuxCapture } from '../capture/linux/index.js'
import { NET_TABLES } from '../capture/linux/net-tables.js'
import { gc, median, ratioLine } from './measure.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

export interface ProcCaptureBench {
  /** How the bench names itself ("bench linux-fds"). */
  name: string
  /** The bench's own file (it is re-run as the worker of each mode). */
  self: string
  /** A Python program that prints `ready` once it holds everything, then waits for its stdin to close. */
  target: string
  /** What the target holds, for the heading. */
  describe(pid: number): string
  /** The time ratio's wording, and the targets of both ratios. */
  timeWhat: string
  timeTarget: number
  rssTarget: number
}

function tryRead(path: string, lean: boolean): void {
  try {
    if (lean) drain(path)
    else readFileSync(path, 'latin1')
  } catch {
    // gone meanwhile, or a protocol this kernel lacks
  }
}

const slice = Buffer.allocUnsafe(64 * 1024)
/** The cheapest whole read of a file in Node: open, read into one reused 64 KiB buffer until its end, close. */
function drain(path: string): void {
  const fd = openSync(path, 'r')
  try {
    while (readSync(fd, slice, 0, slice.length, null) > 0);
  } finally {
    closeSync(fd)
  }
}

/**
 * Every read a default capture makes (format 1.2: linuxProcess and, with sockets, the net tables), without
 * parsing or keeping anything. `lean` (the target's baseline): each file read the cheapest way (drain: no
 * fstat, no buffer per file) and a stat only where the capture makes one, once per open file named by a path
 * (sockets, pipes and anonymous inodes say their type in their link; the capture stats thousands of
 * descriptors of one file once). Otherwise readFileSync and a stat per descriptor, as this bench measured
 * before 2026-12-03: reported beside, no target (part of a gain against it is the baseline's own cost).
 */
function readOnly(pid: number, lean = false): void {
  const root = `/proc/${pid}`
  const read = lean ? drain : (path: string) => void readFileSync(path, 'latin1')
  read(`${root}/stat`)
  read(`${root}/status`)
  readlinkSync(`${root}/exe`)
  const head = Buffer.alloc(20)
  const exe = openSync(`${root}/exe`, 'r')
  readSync(exe, head, 0, 20, 0)
  closeSync(exe)
  for (const f of ['cmdline', 'limits', 'cgroup']) read(`${root}/${f}`)
  for (const l of ['cwd', 'root']) readlinkSync(`${root}/${l}`)
  for (const ns of readdirSync(`${root}/ns`)) readlinkSync(`${root}/ns/${ns}`)
  let sockets = false
  const statted = new Set<string>()
  for (const fd of readdirSync(`${root}/fd`)) {
    try {
      const link = readlinkSync(`${root}/fd/${fd}`)
      sockets = link.startsWith('socket:') || sockets
      if (!lean) statSync(`${root}/fd/${fd}`)
      else if (link.startsWith('/') && !statted.has(link)) {
        statted.add(link)
        statSync(`${root}/fd/${fd}`)
      }
      read(`${root}/fdinfo/${fd}`)
    } catch {
      // closed meanwhile
    }
  }
  if (sockets) for (const t of NET_TABLES) tryRead(`${root}/net/${t}`, lean)
  for (const tid of readdirSync(`${root}/task`)) {
    tryRead(`${root}/task/${tid}/stat`, lean)
    tryRead(`${root}/task/${tid}/status`, lean)
  }
  read(`${root}/maps`) // the default preset reads maps; smaps only for full/memory
}

type Measured = { ms: number; cpuMs: number; maxRssKb: number }

/** Worker mode: one measurement in this fresh process, printed as JSON. */
async function measure(mode: string, pid: number, out: string): Promise<void> {
  const run = mode === 'baseline' ? () => readOnly(pid) : mode === 'lean' ? () => readOnly(pid, true) : mode === 'model' ? () => readLinuxCapture(pid) : () => captureLinuxToFile(pid, out)
  await run() // warm-up
  gc()
  // CPU time of every thread of the process (JS, GC helpers, the libuv pool) beside the wall time: on this
  // shared machine the wall time also holds the waits for a core, which the CPU time does not.
  const cpu: number[] = []
  const ms = await median(RUNS, async () => {
    const c = process.cpuUsage()
    await run()
    const u = process.cpuUsage(c)
    cpu.push((u.user + u.system) / 1000)
  })
  cpu.sort((a, b) => a - b)
  process.stdout.write(`${JSON.stringify({ ms, cpuMs: cpu[cpu.length >> 1], maxRssKb: process.resourceUsage().maxRSS })}\n`)
}

async function compare(bench: ProcCaptureBench): Promise<void> {
  if (process.platform !== 'linux') {
    console.log(`${bench.name} needs Linux`)
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'pssnap-bench-'))
  const target = spawn('python3', ['-c', bench.target], { stdio: ['pipe', 'pipe', 'inherit'] })
  try {
    await new Promise<void>((resolve, reject) => {
      target.stdout.on('data', (b: Buffer) => b.toString().includes('ready') && resolve())
      target.once('exit', (code) => reject(new Error(`target exited (${code})`)))
    })
    const pid = target.pid!
    console.log(`pssnap ${bench.name} — Node ${process.version}, target pid ${pid}: ${bench.describe(pid)}; median of ${RUNS} warm runs per fresh process, median of ${ROUNDS} alternating rounds`)
    const run = (mode: string): Measured => {
      const r = spawnSync(process.execPath, ['--expose-gc', bench.self, mode, String(pid), join(dir, 'bench.pssnap')], { encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`)
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measured
    }
    const rounds: Record<string, Measured[]> = { baseline: [], capture: [], model: [], lean: [] }
    for (let round = 0; round < ROUNDS; round++) for (const mode of Object.keys(rounds)) rounds[mode]!.push(run(mode))
    const mid = (list: Measured[]): Measured => ({
      ms: list.map((r) => r.ms).sort((a, b) => a - b)[list.length >> 1]!,
      cpuMs: list.map((r) => r.cpuMs).sort((a, b) => a - b)[list.length >> 1]!,
      maxRssKb: list.map((r) => r.maxRssKb).sort((a, b) => a - b)[list.length >> 1]!,
    })
    const [baseline, ours, model, lean] = [mid(rounds.baseline!), mid(rounds.capture!), mid(rounds.model!), mid(rounds.lean!)]
    const size = statSync(join(dir, 'bench.pssnap')).size
    console.log(`archive: ${size} bytes; of the capture's ${ours.ms.toFixed(0)} ms, reading /proc into the model takes ${model.ms.toFixed(0)} ms (CPU ${ours.cpuMs.toFixed(0)} and ${model.cpuMs.toFixed(0)} ms), the rest is encoding, writing and fsync`)
    console.log(ratioLine({ id: 'time', what: bench.timeWhat, ours: ours.ms, baseline: lean.ms, unit: 'ms', target: bench.timeTarget }))
    console.log(ratioLine({ id: 'cpu', what: 'CPU time of the same (all threads; no wait for a core)', ours: ours.cpuMs, baseline: lean.cpuMs, unit: 'ms', target: Infinity }))
    console.log(ratioLine({ id: 'time-readfile', what: 'the same against readFileSync reads and a stat per descriptor (the baseline before 2026-12-03)', ours: ours.ms, baseline: baseline.ms, unit: 'ms', target: Infinity }))
    console.log(ratioLine({ id: 'rss', what: 'peak RSS of the capturing process', ours: ours.maxRssKb / 1024, baseline: lean.maxRssKb / 1024, unit: 'MiB', target: bench.rssTarget }))
  } finally {
    target.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Runs the bench: the comparison, or (when started by it with a mode) one worker measurement. */
export async function runProcCaptureBench(bench: ProcCaptureBench): Promise<void> {
  const [mode, pid, out] = process.argv.slice(2)
  if (mode) await measure(mode, Number(pid), out!)
  else await compare(bench)
}
