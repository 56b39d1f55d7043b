// stat with a deadline, for descriptors on file systems that may never answer (FUSE, NFS: mounts.ts).
// Not in this process: a stat stuck in the kernel cannot be cancelled, and neither of Node's ways to wait
// would get it back. A synchronous stat blocks the one JS thread, so Ctrl-C is never handled; an async one
// holds a libuv pool thread for good, and libuv joins its pool threads at exit, so the process cannot even
// exit (measured: fs.open of a FIFO, then process.exit(0), hangs). A helper process can be killed: FUSE and
// NFS wait killably. It stats each path in turn and writes each answer at once, so the answers given before
// a hang are kept. It is waited for asynchronously (a child process needs no pool thread), so SIGKILL ends
// it at the deadline or as soon as the capture is aborted (Ctrl-C): a terminal's SIGINT alone would not,
// since Node installs a SIGINT handler and only a fatal signal ends a killable wait.
import { spawn } from 'node:child_process'

export type StatAnswer = { mode: number } | { errno: number; code: string } | { timedOut: true }

/** Reads one path per line on stdin; answers `<index> <mode>` or `<index> ! <errno> <code>` per line. */
export const STAT_HELPER = `
const fs = require('node:fs')
const paths = fs.readFileSync(0, 'latin1').split('\\n').filter(Boolean)
paths.forEach((path, i) => {
  let line
  try { line = i + ' ' + fs.statSync(path).mode } catch (e) { line = i + ' ! ' + Math.abs(e.errno || 5) + ' ' + (e.code || 'EIO') }
  fs.writeSync(1, line + '\\n')
})
`

export interface BoundedStatOptions {
  /** Milliseconds one helper run may take, its start-up included (default 5000: Node starts slowly on a loaded machine). */
  timeoutMs?: number
  /** The helper's source (tests substitute one whose stat blocks). */
  helper?: string
  /** Kills the helper and rejects with the signal's reason (the CLI's SIGINT/SIGTERM). */
  signal?: AbortSignal
}

export const DEFAULT_STAT_TIMEOUT_MS = 5000

/**
 * The stat of each path, in a helper killed at the deadline. Paths are grouped by `groupOf` (their mount):
 * when one path does not answer, the rest of its group is not asked (one hung mount costs one deadline), and
 * the other groups are asked again in a fresh helper.
 */
export async function boundedStat(paths: readonly string[], groupOf: (path: string) => string, options: BoundedStatOptions = {}): Promise<Map<string, StatAnswer>> {
  const answers = new Map<string, StatAnswer>()
  let pending = [...paths]
  while (pending.length > 0) {
    const { answered, complete } = await runHelper(pending, options)
    for (const [i, answer] of answered) answers.set(pending[i]!, answer)
    const unanswered = pending.filter((_, i) => !answered.has(i))
    if (complete || unanswered.length === 0) break
    // The first unanswered path is the one the helper was stuck on: its mount is given up.
    const stuck = groupOf(unanswered[0]!)
    pending = []
    for (const path of unanswered) {
      if (groupOf(path) === stuck) answers.set(path, { timedOut: true })
      else pending.push(path)
    }
  }
  return answers
}

interface HelperRun {
  answered: Map<number, StatAnswer>
  /** False when the deadline ended it: the first unanswered path is the one it was stuck on. */
  complete: boolean
}

function runHelper(paths: readonly string[], options: BoundedStatOptions): Promise<HelperRun> {
  const { signal } = options
  signal?.throwIfAborted()
  const env = { ...process.env }
  delete env.NODE_OPTIONS // a preloaded hook would only slow the helper's start
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', options.helper ?? STAT_HELPER], { env, stdio: ['pipe', 'pipe', 'ignore'] })
    let output = ''
    let timedOut = false
    let failure: NodeJS.ErrnoException | undefined
    child.stdout.setEncoding('latin1')
    child.stdout.on('data', (text: string) => (output += text))
    child.stdin.on('error', () => {}) // a helper that died early closes its stdin: its answers say the rest
    child.stdin.end(`${paths.join('\n')}\n`)
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, options.timeoutMs ?? DEFAULT_STAT_TIMEOUT_MS)
    const onAbort = () => child.kill('SIGKILL')
    signal?.addEventListener('abort', onAbort, { once: true })
    child.once('error', (error) => (failure = error)) // could not start (close follows)
    child.once('close', (_code, killedBy) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      if (signal?.aborted) return reject(signal.reason)
      resolve(answersOf(output, paths.length, timedOut, failure, killedBy))
    })
  })
}

function answersOf(output: string, count: number, timedOut: boolean, failure: NodeJS.ErrnoException | undefined, killedBy: NodeJS.Signals | null): HelperRun {
  const answered = new Map<number, StatAnswer>()
  for (const line of output.split('\n')) {
    const m = /^(\d+) (?:(\d+)|! (\d+) ([A-Z0-9_]+))$/.exec(line)
    const i = m ? Number(m[1]) : -1
    if (!m || i >= count) continue
    answered.set(i, m[2] !== undefined ? { mode: Number(m[2]) } : { errno: Number(m[3]), code: m[4]! })
  }
  if (timedOut) return { answered, complete: false }
  // Ended otherwise without answering everything (could not start, crashed, killed by someone else): the
  // rest is not asked again.
  const unanswered: StatAnswer = failure ? { errno: Math.abs(failure.errno ?? 5), code: failure.code ?? 'EIO' } : killedBy ? { errno: 4, code: 'EINTR' } : { errno: 5, code: 'EIO' }
  for (let i = 0; i < count; i++) if (!answered.has(i)) answered.set(i, unanswered)
  return { answered, complete: true }
}
