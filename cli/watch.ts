// `pssnap watch`: captures of one process into a directory, every --interval and/or when --when holds
// (capture/watch/). A verb of its own rather than options of `capture`: capture writes one archive to one file
// and returns; watch runs until a count, a time or Ctrl-C, writes a directory of archives, polls counters and
// keeps a live status, so its options (--interval, --when, --count, --keep, --until, --wait) mean nothing to a
// single capture, and capture's -o FILE would mean something else here.
import { mkdir, stat } from 'node:fs/promises'
import { safeText } from '../reader/display.js'
import { formatSize } from '../reader/text.js'
import type { Counters } from '../capture/watch/counters.js'
import type { WatchEvent, WatchTarget } from '../capture/watch/watch.js'
import { interruptSignal, interruption } from './interrupt.js'
import { CliError, count, stdoutOutput } from './io.js'

type Args = Record<string, unknown>

const UNITS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 }

/** `500ms`, `2s`, `1.5m`, `1h`, or a bare number of seconds, as milliseconds. */
export function parseDurationMs(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?$/i.exec(text.trim())
  const ms = m ? Number(m[1]) * UNITS[(m[2] ?? 's').toLowerCase()]! : NaN
  if (!(ms > 0) || !Number.isFinite(ms)) throw new CliError('BAD_DURATION', `${option} takes a duration such as 500ms, 10s, 5m or 1h (a bare number is seconds), not '${text}'`)
  return ms
}

/** `--until`: a duration from now (`10m`) or a time (`2026-12-02T23:00Z`, `23:00` today). */
function parseUntil(text: string, now = Date.now()): number {
  if (/^\d+(?:\.\d+)?\s*[a-z]*$/i.test(text.trim())) return now + parseDurationMs(text, '--until')
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim())
  if (clock) {
    const d = new Date(now)
    d.setHours(Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0), 0)
    return d.getTime() <= now ? d.getTime() + 86_400_000 : d.getTime()
  }
  const t = Date.parse(text)
  if (!Number.isFinite(t)) throw new CliError('BAD_DURATION', `--until takes a duration (10m), a time of day (23:00) or a date and time (2026-12-02T23:00Z), not '${text}'`)
  return t
}

const wholeNumber = (v: unknown, option: string, min: number): number | undefined => {
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new CliError('BAD_COUNT', `${option} takes a whole number ≥ ${min}`)
  return v
}

function counterText(c: Counters): string {
  const parts: string[] = []
  if (c.handleCount !== undefined) parts.push(`handles ${count(c.handleCount)}`)
  if (c.threadCount !== undefined) parts.push(`threads ${count(c.threadCount)}`)
  if (c.rss !== undefined) parts.push(`rss ${formatSize(c.rss)}`)
  if (c.privateBytes !== undefined) parts.push(`private ${formatSize(c.privateBytes)}`)
  if (c.cpuPercent !== undefined) parts.push(`cpu ${c.cpuPercent.toFixed(1)}%`)
  return parts.join(', ')
}

export async function watchCommand(args: Args): Promise<number> {
  const { watch } = await import('../capture/watch/watch.js')
  const directory = typeof args.output === 'string' ? args.output : '.'
  const target: WatchTarget = args.self ? 'self' : /^\d+$/.test(String(args.target)) ? { pid: Number(args.target) } : { name: String(args.target) }
  const options = {
    target,
    directory,
    ...(typeof args.interval === 'string' ? { intervalMs: parseDurationMs(args.interval, '--interval') } : {}),
    ...(typeof args.when === 'string' ? { when: args.when } : {}),
    ...(typeof args.poll === 'string' ? { pollMs: parseDurationMs(args.poll, '--poll') } : {}),
    ...(typeof args.cpuWindow === 'string' ? { cpuWindowMs: parseDurationMs(args.cpuWindow, '--cpu-window') } : {}),
    ...(args.count !== undefined ? { count: wholeNumber(args.count, '--count', 1)! } : {}),
    ...(args.keep !== undefined ? { keep: wholeNumber(args.keep, '--keep', 1)! } : {}),
    ...(typeof args.until === 'string' ? { untilMs: parseUntil(args.until) } : {}),
    ...(args.wait ? { wait: true } : {}),
    capture: { ...(typeof args.preset === 'string' ? { preset: args.preset } : {}), ...(typeof args.timeout === 'number' ? { timeoutMs: args.timeout * 1000 } : {}) },
  }
  await mkdir(directory, { recursive: true, mode: 0o700 })
  if (!(await stat(directory)).isDirectory()) throw new CliError('NOT_A_DIRECTORY', `'${directory}' is not a directory`)
  const signal = interruptSignal()
  const tty = process.stderr.isTTY === true
  const out = stdoutOutput()
  let status = ''
  let captures = 0
  let name = typeof target === 'object' && 'name' in target ? target.name : undefined
  let pid: number | undefined
  // The live line: one line on a terminal, rewritten in place; nothing when stderr is a file or a pipe.
  const show = (line: string) => {
    if (!tty) return
    // A terminal that reports no width (0) gets 80 columns.
    status = line.slice(0, Math.max(20, (process.stderr.columns || 80) - 1))
    process.stderr.write(`\r\x1b[K${status}`)
  }
  const say = async (line: string, toErr = false) => {
    if (tty && status) process.stderr.write('\r\x1b[K')
    if (toErr) process.stderr.write(`${line}\n`)
    else await out.write(`${line}\n`)
    if (tty && status) process.stderr.write(status)
  }
  const pending: Promise<void>[] = []
  const onEvent = (e: WatchEvent) => {
    // Process names and trigger texts come from the process or the user: escaped before they are shown.
    if (e.type === 'waiting') pending.push(say(`waiting for a process named '${safeText(e.name)}'…`, true))
    else if (e.type === 'target') {
      pid = e.pid
      name = e.image?.split('/').pop() ?? name
      pending.push(say(`watching pid ${e.pid}${name ? ` (${safeText(name)})` : ''}`, true))
    } else if (e.type === 'sample') show(`pid ${e.pid}${name ? ` ${safeText(name, { max: 32 })}` : ''}: ${counterText(e.counters)}${e.holds ? ' — condition holds' : ''} · ${count(captures)} captured`)
    else if (e.type === 'captured') {
      captures++
      const t = e.result.timings
      const cost = t.captureMs !== undefined ? ` in ${Number(t.captureMs.toFixed(1))} ms` : ''
      pending.push(say(`captured pid ${e.pid} #${e.index + 1} (${safeText(e.trigger)})${cost} → ${safeText(e.path)} (${formatSize(e.result.summary.bytes)})`))
      show(`pid ${e.pid}: ${count(captures)} captured, last ${safeText(e.path)}`)
    } else if (e.type === 'removed') pending.push(say(`removed ${safeText(e.path)} (--keep)`, true))
    else if (e.type === 'exited') pending.push(say(`pid ${e.pid} exited`, true))
  }
  try {
    const result = await watch({ ...options, signal, onEvent })
    await Promise.all(pending)
    if (tty && status) process.stderr.write('\r\x1b[K')
    const why = result.stoppedBy === 'count' ? `--count ${captures} reached` : result.stoppedBy === 'until' ? '--until reached' : `pid ${pid ?? '?'} exited`
    process.stderr.write(`${count(result.captures)} captures (${why}); ${count(result.kept.length)} in ${safeText(directory)} (capture set ${result.captureSetId})\n`)
    return 0
  } catch (error) {
    await Promise.all(pending)
    if (tty && status) process.stderr.write('\r\x1b[K')
    const stopped = interruption(signal, `watch stopped after ${count(captures)} captures; a capture in progress was discarded, nothing partial is left in '${directory}'`)
    if (stopped) throw stopped
    throw error
  }
}
