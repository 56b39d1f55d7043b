// Runs one Windows program under Wine in its own prefix and stops that prefix's wineserver afterwards.
// The program's stdout and stderr go to a log FILE: Windows Node under Wine fails with EBADF writing to a pipe.
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import type { WineTools } from './tools.js'

export interface WineRun {
  exitCode: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  ms: number
  /** What Wine and the program wrote (the log file's content). */
  log: string
}

export interface WineRunOptions {
  tools: WineTools
  /** WINEPREFIX: created by Wine on first use (10-30 s), private to this run. */
  prefix: string
  exe: string
  args: string[]
  logFile: string
  timeoutMs: number
  cwd: string
  /** Added to the environment Wine passes on to the Windows program. */
  env?: Record<string, string>
}

export async function runUnderWine(options: WineRunOptions): Promise<WineRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WINEPREFIX: options.prefix,
    WINEDEBUG: '-all',
    // No Mono or Gecko install attempt while the prefix is created: nothing here needs .NET or HTML.
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
    // Node refuses to start on Windows versions it does not support; Wine reports an old one.
    NODE_SKIP_PLATFORM_CHECK: '1',
    ...options.env,
  }
  // Options meant for the Linux node running the tests (paths, loaders) must not reach the Windows one.
  delete env.NODE_OPTIONS
  const log = openSync(options.logFile, 'w')
  const start = performance.now()
  try {
    const child = spawn(options.tools.wine, [options.exe, ...options.args], { cwd: options.cwd, env, stdio: ['ignore', log, log] })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, options.timeoutMs)
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject)
      child.once('exit', (code, sig) => resolve([code, sig]))
    }).finally(() => clearTimeout(timer))
    return { exitCode, signal, timedOut, ms: Math.round(performance.now() - start), log: readFileSync(options.logFile, 'utf8') }
  } finally {
    closeSync(log)
    stopWineserver(options.tools, options.prefix)
  }
}

/** `wineserver -k` for this prefix only (other prefixes' servers are untouched). */
export function stopWineserver(tools: WineTools, prefix: string): void {
  try {
    execFileSync(tools.wineserver, ['-k'], { env: { ...process.env, WINEPREFIX: prefix }, stdio: 'ignore', timeout: 30_000 })
  } catch {
    // No server running for this prefix (already exited): nothing to stop.
  }
}
