// The C target of the holding and minidump tests (test/fixtures-c/chain.c): built with gcc -g once per run,
// started as a grandchild through sh (node must not trace its own children: libuv reaps them), and killed after.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SOURCE = fileURLToPath(new URL('../fixtures-c/chain.c', import.meta.url))
const BUILD_DIR = fileURLToPath(new URL('../fixtures-c/build/', import.meta.url))

/** Compiles chain.c (gcc -g -O0, frame pointers kept) and returns the executable's path. */
export function buildChain(): string {
  mkdirSync(BUILD_DIR, { recursive: true })
  // One executable per test process: replacing a file another test's target runs from would make that
  // process's executable "(deleted)", and a debugger would find no symbols for it.
  const target = join(BUILD_DIR, `chain-${process.pid}`)
  const temp = `${target}.${process.pid}.tmp`
  execFileSync('gcc', ['-g', '-O0', '-fno-omit-frame-pointer', '-pthread', '-Wall', '-Wextra', '-Werror', '-o', temp, SOURCE], { stdio: ['ignore', 'pipe', 'pipe'] })
  renameSync(temp, target)
  return target
}

export interface ChainTarget {
  pid: number
  /** The thread ids: [main, ticker, sleeper] in creation order. */
  tids: number[]
  executable: string
  kill(): void
}

/** Starts the target (not a child of this process) and waits until its three threads run. */
export function startChain(executable: string): ChainTarget {
  const dir = mkdtempSync(join(tmpdir(), 'pssnap-chain-'))
  const ready = join(dir, 'ready')
  const out = spawnSync('sh', ['-c', '"$0" "$1" </dev/null >/dev/null 2>&1 & echo $!', executable, ready], { encoding: 'utf8' })
  const pid = Number(out.stdout.trim())
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`could not start ${executable}: ${out.stderr}`)
  const deadline = Date.now() + 10_000
  while (!existsSync(ready) || readFileSync(ready, 'utf8').trim() !== String(pid)) {
    if (Date.now() > deadline) throw new Error(`${executable} (pid ${pid}) did not become ready`)
    spawnSync('sleep', ['0.02'])
  }
  rmSync(dir, { recursive: true, force: true })
  const tids = taskIds(pid)
  return {
    pid,
    tids,
    executable,
    kill: () => {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    },
  }
}

export function taskIds(pid: number): number[] {
  return execFileSync('ls', [`/proc/${pid}/task`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .sort((a, b) => a - b)
}

/** A thread's scheduler state letter (R, S, T stopped, t traced) from /proc. */
export function threadState(pid: number, tid: number): string {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '?'
}

/** A thread's voluntary context switches: grows while the ticker thread runs. */
export function contextSwitches(pid: number, tid: number): number {
  const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'latin1')
  const m = /voluntary_ctxt_switches:\s*(\d+)/.exec(status)
  return m ? Number(m[1]) : NaN
}

/** The process's TracerPid (0 when nobody traces it). */
export function tracerPid(pid: number, tid = pid): number {
  const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'latin1')
  const m = /TracerPid:\s*(\d+)/.exec(status)
  return m ? Number(m[1]) : NaN
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Waits until cond holds (the kernel applies a detach or a stop asynchronously to the thread). */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`)
    await pause(10)
  }
}

/** The ticker thread runs: its voluntary context switches grow (it sleeps 5 ms a tick). */
export async function runs(t: ChainTarget): Promise<boolean> {
  const before = contextSwitches(t.pid, t.tids[1]!)
  await pause(150)
  return contextSwitches(t.pid, t.tids[1]!) > before
}
