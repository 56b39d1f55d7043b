// The Linux capture benchmark (issue 7 §6): a target with 10k open fds, 1k threads and 5k mappings,
// captured to an archive, against a baseline measured in the same run that reads the same /proc files
// without parsing them or building an archive. Time (median of warm runs) and peak RSS (each mode in a
// fresh process) are printed as ratios next to their target. Run with `npm run bench:capture` (Linux).
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { captureLinuxToFile, readLinuxCapture } from '../capture/linux/index.js'
import { gc, median, ratioLine } from './measure.js'

const FDS = 10_000
const THREADS = 1_000
const MAPPINGS = 5_000
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

// Python threads are real kernel threads at a fraction of a node worker's memory; alternating protections
// keep the kernel from merging neighbouring anonymous mappings into one.
const TARGET = `
import mmap, os, resource, sys, threading
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
fds = [os.open('/dev/null', os.O_RDONLY) for _ in range(${FDS})]
maps = [mmap.mmap(-1, 4096, prot=mmap.PROT_READ if i % 2 else mmap.PROT_READ | mmap.PROT_WRITE) for i in range(${MAPPINGS})]
stop = threading.Event()
threads = [threading.Thread(target=stop.wait, daemon=True) for _ in range(${THREADS})]
for t in threads: t.start()
print('ready', flush=True)
sys.stdin.read()
`

/** Every read a capture makes, without parsing or keeping anything. */
function readOnly(pid: number): void {
  const root = `/proc/${pid}`
  readFileSync(`${root}/stat`, 'latin1')
  readFileSync(`${root}/status`, 'latin1')
  readlinkSync(`${root}/exe`)
  const head = Buffer.alloc(20)
  const exe = openSync(`${root}/exe`, 'r')
  readSync(exe, head, 0, 20, 0)
  closeSync(exe)
  for (const fd of readdirSync(`${root}/fd`)) {
    try {
      readlinkSync(`${root}/fd/${fd}`)
      statSync(`${root}/fd/${fd}`)
      readFileSync(`${root}/fdinfo/${fd}`, 'latin1')
    } catch {
      // closed meanwhile
    }
  }
  for (const tid of readdirSync(`${root}/task`)) {
    try {
      readFileSync(`${root}/task/${tid}/stat`, 'latin1')
      readFileSync(`${root}/task/${tid}/status`, 'latin1')
    } catch {
      // exited meanwhile
    }
  }
  readFileSync(`${root}/maps`, 'latin1') // the default preset reads maps; smaps only for full/memory
}

/** Worker mode: one measurement in this fresh process, printed as JSON. */
async function measure(mode: string, pid: number, out: string): Promise<void> {
  const run = mode === 'baseline' ? () => readOnly(pid) : mode === 'model' ? () => readLinuxCapture(pid) : () => captureLinuxToFile(pid, out)
  await run() // warm-up
  gc()
  const ms = await median(RUNS, run)
  process.stdout.write(`${JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS })}\n`)
}

async function main(): Promise<void> {
  if (process.platform !== 'linux') {
    console.log('bench:capture needs Linux')
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'pssnap-bench-'))
  const target = spawn('python3', ['-c', TARGET], { stdio: ['pipe', 'pipe', 'inherit'] })
  try {
    await new Promise<void>((resolve, reject) => {
      target.stdout.on('data', (b: Buffer) => b.toString().includes('ready') && resolve())
      target.once('exit', (code) => reject(new Error(`target exited (${code})`)))
    })
    const pid = target.pid!
    const counts = { fds: readdirSync(`/proc/${pid}/fd`).length, threads: readdirSync(`/proc/${pid}/task`).length, mappings: readFileSync(`/proc/${pid}/maps`, 'latin1').split('\n').length - 1 }
    console.log(`pssnap capture bench — Node ${process.version}, target pid ${pid}: ${counts.fds} fds, ${counts.threads} threads, ${counts.mappings} mappings; median of ${RUNS} warm runs per fresh process, median of ${ROUNDS} alternating rounds`)
    const self = fileURLToPath(import.meta.url)
    const run = (mode: string) => {
      const r = spawnSync(process.execPath, ['--expose-gc', self, mode, String(pid), join(dir, 'bench.pssnap')], { encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`)
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; maxRssKb: number }
    }
    // The machine is shared: modes alternate over several rounds, and each keeps its median round, so a
    // burst of someone else's load does not land on one mode only.
    const rounds: Record<string, { ms: number; maxRssKb: number }[]> = { baseline: [], capture: [], model: [] }
    for (let round = 0; round < ROUNDS; round++) for (const mode of Object.keys(rounds)) rounds[mode]!.push(run(mode))
    const mid = (list: { ms: number; maxRssKb: number }[]) => ({
      ms: list.map((r) => r.ms).sort((a, b) => a - b)[list.length >> 1]!,
      maxRssKb: list.map((r) => r.maxRssKb).sort((a, b) => a - b)[list.length >> 1]!,
    })
    const [baseline, ours, model] = [mid(rounds.baseline!), mid(rounds.capture!), mid(rounds.model!)]
    const size = statSync(join(dir, 'bench.pssnap')).size
    console.log(`archive: ${size} bytes; of the capture's ${ours.ms.toFixed(0)} ms, reading /proc into the model takes ${model.ms.toFixed(0)} ms, the rest is encoding, writing and fsync`)
    console.log(ratioLine({ id: 'time', what: 'capture to a file vs reading the same /proc files', ours: ours.ms, baseline: baseline.ms, unit: 'ms', target: 1.5 }))
    console.log(ratioLine({ id: 'rss', what: 'peak RSS of the capturing process', ours: ours.maxRssKb / 1024, baseline: baseline.maxRssKb / 1024, unit: 'MiB', target: 1.5 }))
  } finally {
    target.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}

const [mode, pid, out] = process.argv.slice(2)
if (mode) await measure(mode, Number(pid), out!)
else await main()
