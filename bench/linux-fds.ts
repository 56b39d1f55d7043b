// Issue 16's capture benchmark: a target holding 10k fds of which 2k are sockets (unix socketpairs, TCP
// connections over loopback, UDP over IPv4 and IPv6), captured to an archive at lsof depth (net tables
// joined, fdinfo details, linuxProcess), against a baseline measured in the same run that reads the same
// /proc files, net tables included, without parsing them or building an archive. Target: ≤ 1.5×.
// `npm run bench -- linux-fds` (Linux, python3).
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { captureLinuxToFile, readLinuxCapture } from '../capture/linux/index.js'
import { gc, median, ratioLine } from './measure.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

// 400 socketpairs (800), 1 listener + 300 TCP connections (600), 300 UDP/IPv4 + 300 UDP/IPv6: 2,001 sockets;
// then /dev/null up to 10,000 fds.
const TARGET = `
import os, resource, socket, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
keep = []
for _ in range(400): keep.extend(socket.socketpair())
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(512); keep.append(srv)
for _ in range(300):
    c = socket.create_connection(srv.getsockname()); a, _ = srv.accept(); keep += [c, a]
for fam, host in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
    for _ in range(300):
        u = socket.socket(fam, socket.SOCK_DGRAM); u.bind((host, 0)); keep.append(u)
files = [os.open('/dev/null', os.O_RDONLY) for _ in range(10000 - len(os.listdir('/proc/self/fd')) + 1)]
print('ready', flush=True)
sys.stdin.read()
`

const TABLES = ['tcp', 'tcp6', 'udp', 'udp6', 'raw', 'raw6', 'netlink', 'packet', 'unix']

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
  // linuxProcess
  for (const f of ['cmdline', 'limits', 'cgroup']) readFileSync(`${root}/${f}`, 'latin1')
  for (const l of ['cwd', 'root']) readlinkSync(`${root}/${l}`)
  for (const ns of readdirSync(`${root}/ns`)) readlinkSync(`${root}/ns/${ns}`)
  for (const fd of readdirSync(`${root}/fd`)) {
    try {
      readlinkSync(`${root}/fd/${fd}`)
      statSync(`${root}/fd/${fd}`)
      readFileSync(`${root}/fdinfo/${fd}`, 'latin1')
    } catch {
      // closed meanwhile
    }
  }
  for (const t of TABLES) {
    try {
      readFileSync(`${root}/net/${t}`, 'latin1')
    } catch {
      // no such protocol here
    }
  }
  for (const tid of readdirSync(`${root}/task`)) {
    readFileSync(`${root}/task/${tid}/stat`, 'latin1')
    readFileSync(`${root}/task/${tid}/status`, 'latin1')
  }
  readFileSync(`${root}/maps`, 'latin1')
}

async function measure(mode: string, pid: number, out: string): Promise<void> {
  const run = mode === 'baseline' ? () => readOnly(pid) : mode === 'model' ? () => readLinuxCapture(pid) : () => captureLinuxToFile(pid, out)
  await run() // warm-up
  gc()
  const ms = await median(RUNS, run)
  process.stdout.write(`${JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS })}\n`)
}

async function main(): Promise<void> {
  if (process.platform !== 'linux') {
    console.log('bench linux-fds needs Linux')
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'pssnap-bench-fds-'))
  const target = spawn('python3', ['-c', TARGET], { stdio: ['pipe', 'pipe', 'inherit'] })
  try {
    await new Promise<void>((resolve, reject) => {
      target.stdout.on('data', (b: Buffer) => b.toString().includes('ready') && resolve())
      target.once('exit', (code) => reject(new Error(`target exited (${code})`)))
    })
    const pid = target.pid!
    const links = readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`))
    const sockets = links.filter((l) => l.startsWith('socket:')).length
    const tableBytes = TABLES.reduce((n, t) => n + (() => { try { return readFileSync(`/proc/${pid}/net/${t}`).length } catch { return 0 } })(), 0)
    console.log(`pssnap linux-fds bench — Node ${process.version}, target pid ${pid}: ${links.length} fds, ${sockets} sockets, net tables ${tableBytes} bytes; median of ${RUNS} warm runs per fresh process, median of ${ROUNDS} alternating rounds`)
    const self = fileURLToPath(import.meta.url)
    const run = (mode: string) => {
      const r = spawnSync(process.execPath, ['--expose-gc', self, mode, String(pid), join(dir, 'bench.pssnap')], { encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`)
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; maxRssKb: number }
    }
    const rounds: Record<string, { ms: number; maxRssKb: number }[]> = { baseline: [], capture: [], model: [] }
    for (let round = 0; round < ROUNDS; round++) for (const mode of Object.keys(rounds)) rounds[mode]!.push(run(mode))
    const mid = (list: { ms: number; maxRssKb: number }[]) => ({
      ms: list.map((r) => r.ms).sort((a, b) => a - b)[list.length >> 1]!,
      maxRssKb: list.map((r) => r.maxRssKb).sort((a, b) => a - b)[list.length >> 1]!,
    })
    const [baseline, ours, model] = [mid(rounds.baseline!), mid(rounds.capture!), mid(rounds.model!)]
    const size = statSync(join(dir, 'bench.pssnap')).size
    console.log(`archive: ${size} bytes; of the capture's ${ours.ms.toFixed(0)} ms, reading /proc into the model takes ${model.ms.toFixed(0)} ms, the rest is encoding, writing and fsync`)
    console.log(ratioLine({ id: 'time', what: 'capture at lsof depth vs reading the same /proc files (net tables included)', ours: ours.ms, baseline: baseline.ms, unit: 'ms', target: 1.5 }))
    console.log(ratioLine({ id: 'rss', what: 'peak RSS of the capturing process', ours: ours.maxRssKb / 1024, baseline: baseline.maxRssKb / 1024, unit: 'MiB', target: Infinity }))
  } finally {
    target.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}

const [mode, pid, out] = process.argv.slice(2)
if (mode) await measure(mode, Number(pid), out!)
else await main()
