// Two ways to run a CLI verb, with the same result shape (check.ts judges both):
// - in process: the CLI's own entry, `main(argv)` of cli/main.ts (the code dist/cli.js is bundled from),
//   with stdout and stderr captured, the RSS rise measured around the call (Linux) and CPU time counted.
//   Fast enough for thousands of cases; a hang or a V8 fatal error kills the process, which the watchdog
//   in scripts/fuzz.mjs sees and reports;
// - the real binary: `node dist/cli.js …` under /usr/bin/time for its peak RSS, for a sample of cases.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { canMeasurePeakRss, peakRise, startPeak } from '../../helpers/peak-rss.js'
import type { VerbResult } from './check.js'

type Main = (argv: string[]) => Promise<number>
let cliMain: Main | undefined
/** An error that escaped to the event loop while a verb ran (an unhandled rejection, a throw in a callback). */
let escapedMeanwhile: string | undefined

/** Fed by the child's process-wide handlers (main.ts), so a stray async error is charged to the running verb. */
export function noteEscaped(error: unknown): void {
  escapedMeanwhile ??= (error as Error)?.stack ?? String(error)
}

interface Capture {
  stdout(): string
  stderr(): string
  bytes: number
  stop(): void
}

function captureStreams(): Capture {
  const out: Buffer[] = []
  const err: Buffer[] = []
  const originals = { out: process.stdout.write, err: process.stderr.write }
  const state = { bytes: 0 }
  const sink = (into: Buffer[]) =>
    function (this: unknown, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : Buffer.from(chunk as Uint8Array)
      into.push(buf)
      state.bytes += buf.length
      const cb = typeof encoding === 'function' ? encoding : callback
      if (typeof cb === 'function') queueMicrotask(() => (cb as () => void)())
      return true
    }
  process.stdout.write = sink(out) as typeof process.stdout.write
  process.stderr.write = sink(err) as typeof process.stderr.write
  return {
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
    get bytes() {
      return state.bytes
    },
    stop() {
      process.stdout.write = originals.out
      process.stderr.write = originals.err
    },
  }
}

const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort().join()

/** What a verb left on Object.prototype (prototype pollution), if anything. */
function pollution(): string | undefined {
  const names = Object.getOwnPropertyNames(Object.prototype).sort().join()
  if (names !== PROTOTYPE_NAMES) return names
  const inherited = Object.keys(Object.getPrototypeOf({}) as object)
  return inherited.length > 0 ? inherited.join() : undefined
}

/** Loads cli/main.ts once. Importing it runs the CLI with this process's arguments, so it runs `--version` silently. */
export async function loadCliMain(): Promise<void> {
  if (cliMain) return
  const saved = process.argv
  process.argv = [saved[0]!, saved[1]!, '--version']
  const streams = captureStreams()
  try {
    cliMain = (await import('../../../cli/main.js')).main
  } finally {
    streams.stop()
    process.argv = saved
    process.exitCode = undefined
  }
}

/**
 * Runs one verb in this process. `idleRss`: the real CLI's RSS after a small read, so idle + the rise here
 * estimates what the CLI would reach; the captured output is not charged (the CLI streams it to a pipe).
 */
export async function runInProcess(argv: string[], idleRss: number): Promise<VerbResult> {
  if (!cliMain) throw new Error('loadCliMain first')
  escapedMeanwhile = undefined
  const streams = captureStreams()
  const start = canMeasurePeakRss ? startPeak() : 0
  const cpu = process.cpuUsage()
  const t0 = performance.now()
  let code: number | null = null
  let escaped: string | undefined
  try {
    code = await cliMain(argv)
  } catch (e) {
    escaped = (e as Error)?.stack ?? String(e)
  }
  const ms = performance.now() - t0
  const used = process.cpuUsage(cpu)
  const rise = canMeasurePeakRss ? peakRise(start) : 0
  streams.stop()
  const outputBytes = streams.bytes
  escaped ??= escapedMeanwhile
  const polluted = pollution()
  if (polluted) escaped ??= `Object.prototype changed: ${polluted}`
  return {
    code,
    stdout: streams.stdout(),
    stderr: streams.stderr(),
    ms,
    cpuMs: (used.user + used.system) / 1000,
    ...(canMeasurePeakRss ? { peakRss: idleRss + Math.max(0, rise - outputBytes) } : {}),
    ...(escaped !== undefined ? { escaped } : {}),
  }
}

const TIME = '/usr/bin/time'
const hasTime = existsSync(TIME)

/** Runs `node dist/cli.js argv…` (under /usr/bin/time when present); killed after `timeoutMs`. */
export function runCli(cli: string, argv: string[], statsFile: string, timeoutMs: number): Promise<VerbResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' }
  delete env.FORCE_COLOR
  const command = hasTime ? TIME : process.execPath
  const args = hasTime ? ['-f', '%M %e %U %S', '-o', statsFile, process.execPath, cli, ...argv] : [cli, ...argv]
  rmSync(statsFile, { force: true })
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    // Its own process group, so a timeout stops node under /usr/bin/time too.
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (exit, signal) => {
      clearTimeout(timer)
      const ms = performance.now() - t0
      let code: number | null = exit
      let sig: string | null = signal
      let peakRss: number | undefined
      let cpuMs = ms
      if (hasTime && existsSync(statsFile)) {
        const lines = readFileSync(statsFile, 'utf8').trim().split('\n')
        const killed = /terminated by signal (\d+)/.exec(lines.join('\n'))
        if (killed) {
          sig = `signal ${killed[1]}`
          code = null
        }
        const m = /^(\d+) ([\d.]+) ([\d.]+) ([\d.]+)$/.exec(lines.at(-1) ?? '')
        if (m) {
          peakRss = Number(m[1]) * 1024
          cpuMs = (Number(m[3]) + Number(m[4])) * 1000
        }
      }
      // A verb stopped by the timeout is a hang, not a crash of its own.
      if (timedOut) sig = null
      resolve({ code, signal: sig, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms, cpuMs, ...(peakRss !== undefined ? { peakRss } : {}), ...(timedOut ? { timedOut } : {}) })
    })
  })
}

/** The real CLI's peak RSS reading a small archive: the in-process estimate's baseline. */
export function idleCliRss(cli: string, archive: string): number {
  if (!hasTime) return 60 * 1024 * 1024
  const r = spawnSync(TIME, ['-f', '%M', process.execPath, cli, 'info', archive], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  const kb = Number(/(\d+)\s*$/.exec(r.stderr)?.[1])
  return Number.isFinite(kb) && kb > 0 ? kb * 1024 : 60 * 1024 * 1024
}
