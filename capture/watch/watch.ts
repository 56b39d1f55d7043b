// `pssnap watch`: capture one process repeatedly into a directory, every interval and/or when a condition over
// its counters holds, like ProcDump's -s/-n/-c/-m/-p/-w. Between captures a poll reads only what the condition
// needs (./counters.ts); without a condition nothing is read between captures. Every archive of one watch
// shares a capture set (`kind: series`, spec/ARCHIVE.md §3.4) whose `trigger` says why it was taken.
import { readlinkSync } from 'node:fs'
import { unlink } from 'node:fs/promises'
import { setTimeout as sleepFor } from 'node:timers/promises'
import { captureToFile, listProcesses, selectBackend, type BackendSelection, type CaptureOptions, type CaptureResult } from '../index.js'
import { CaptureFailedError } from '../errors.js'
import { resolveTargets } from '../targets.js'
import { compileCondition, countersToRead, describeTrigger, type Condition } from './condition.js'
import { derive, linuxSources, PROC_READS, sampleLinux, type LinuxSource, type Counters, type ProcReads, type Sample } from './counters.js'
import { archivePath, newCaptureSetId } from './naming.js'

export class WatchError extends Error {
  override name = 'WatchError'
  constructor(
    readonly code: 'BAD_WATCH',
    message: string,
  ) {
    super(message)
  }
}

export type WatchTarget = { pid: number } | { name: string } | 'self'

export interface WatchOptions extends BackendSelection {
  target: WatchTarget
  /** The directory the archives go into (it must exist). */
  directory: string
  /** Capture every this many ms; with `when`, the shortest time between two captures (default 10 s then). */
  intervalMs?: number
  /** Capture when this `--where` expression over the counters (COUNTER_NAMES) holds. */
  when?: string
  /** How often the condition is polled, ms (default 1000). */
  pollMs?: number
  /** The window cpuPercent is measured over, ms (default 5000). */
  cpuWindowMs?: number
  /** Stop after this many captures. */
  count?: number
  /** Keep only the newest N archives this watch wrote (older ones are removed). */
  keep?: number
  /** Stop at this time (Date.now() ms). */
  untilMs?: number
  /** A name target: wait for it to appear, and after it exits wait for the next process of that name. */
  wait?: boolean
  /** What each capture asks for (preset, Windows flags…). */
  capture?: Pick<CaptureOptions, 'preset' | 'flags' | 'debugPrivilege' | 'threadContextFlags' | 'timeoutMs'>
  signal?: AbortSignal
  onEvent?: (event: WatchEvent) => void
  /** Tests: the /proc reads a Linux poll makes. */
  procReads?: ProcReads
}

export type WatchEvent =
  | { type: 'waiting'; name: string }
  | { type: 'target'; pid: number; image: string | undefined }
  | { type: 'sample'; pid: number; counters: Counters; holds: boolean }
  | { type: 'captured'; pid: number; index: number; path: string; trigger: string; result: CaptureResult }
  | { type: 'removed'; path: string }
  | { type: 'exited'; pid: number }

export interface WatchResult {
  captures: number
  /** Archives this watch wrote that are still there (after retention), oldest first. */
  kept: string[]
  captureSetId: string
  stoppedBy: 'count' | 'until' | 'exited'
}


const DEFAULT_POLL_MS = 1000
const STATE_ONLY: ReadonlySet<LinuxSource> = new Set(['stat'])
const DEFAULT_TRIGGER_INTERVAL_MS = 10_000
const DEFAULT_CPU_WINDOW_MS = 5000

export async function watch(options: WatchOptions): Promise<WatchResult> {
  const condition: Condition | undefined = options.when !== undefined ? compileCondition(options.when) : undefined
  if (!condition && options.intervalMs === undefined) throw new WatchError('BAD_WATCH', 'give an interval, a condition, or both')
  if (options.wait && typeof options.target === 'object' && 'pid' in options.target) throw new WatchError('BAD_WATCH', 'waiting needs a process name: a pid does not come back')
  const backend = selectBackend(options)
  const toRead = countersToRead(condition)
  const reads = options.procReads ?? PROC_READS
  let sampler: (pid: number) => Promise<Sample>
  if (backend.name === 'linux') {
    const sources = linuxSources(toRead)
    sampler = async (pid) => sampleLinux(pid, sources, reads)
  } else {
    // One process, and only the counters the condition names (capture/windows/process-counters.ts).
    const want = { handles: toRead.has('handleCount'), threads: toRead.has('threadCount'), memory: toRead.has('rss') || toRead.has('privateBytes'), times: toRead.has('cpuPercent') }
    const { windowsProcessCounters } = await import('../windows/process-counters.js')
    sampler = async (pid) => {
      const at = performance.now()
      const c = await windowsProcessCounters(pid, want, backend.library)
      if (c.exited) return { at, counters: {}, exited: true }
      const counters: Counters = {}
      for (const name of ['threadCount', 'handleCount', 'rss', 'privateBytes'] as const) if (c[name] !== undefined) counters[name] = c[name]
      return { at, counters, ...(c.cpuSeconds !== undefined ? { cpuSeconds: c.cpuSeconds } : {}) }
    }
  }
  const signal = options.signal
  const emit = options.onEvent ?? (() => {})
  const interval = options.intervalMs ?? DEFAULT_TRIGGER_INTERVAL_MS
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS
  const cpuWindowMs = options.cpuWindowMs ?? DEFAULT_CPU_WINDOW_MS
  const captureSetId = newCaptureSetId()
  const kept: string[] = []
  let captures = 0
  let exitedPid: number | undefined
  const timeLeft = () => (options.untilMs === undefined ? Infinity : options.untilMs - Date.now())
  const done = (stoppedBy: WatchResult['stoppedBy']): WatchResult => ({ captures, kept, captureSetId, stoppedBy })
  const pause = async (ms: number) => {
    const wait = Math.min(ms, timeLeft())
    if (wait > 0) await sleepFor(wait, undefined, signal ? { signal } : {})
    signal?.throwIfAborted()
  }

  for (;;) {
    signal?.throwIfAborted()
    if (timeLeft() <= 0) return done('until')
    const pid = await findTarget()
    if (pid === undefined) return done('until')
    const image = imageOf(pid) ?? (await listProcesses(options).catch(() => [])).find((p) => p.processId === pid)?.name
    emit({ type: 'target', pid, image })
    let base: Sample | undefined
    const history: Sample[] = []
    let lastCapture = -Infinity
    let exited = false
    while (!exited) {
      if (timeLeft() <= 0) return done('until')
      const now = performance.now()
      let trigger: string | undefined
      if (condition) {
        const sample = await sampler(pid)
        if (sample.exited) {
          exited = true
          break
        }
        base ??= sample
        const counters = derive(sample, base, history, cpuWindowMs)
        history.push(sample)
        // Keep the window, plus the newest sample older than it.
        while (history.length > 2 && sample.at - history[1]!.at >= cpuWindowMs) history.shift()
        const holds = condition.test(counters)
        emit({ type: 'sample', pid, counters, holds })
        if (holds && now - lastCapture >= interval) trigger = describeTrigger(condition, counters)
      } else if (now - lastCapture >= interval) {
        // Without a condition only the state is read, so an exited process (a zombie still has its /proc entry)
        // is not captured as an empty one.
        if (backend.name === 'linux' && sampleLinux(pid, STATE_ONLY, reads).exited) break
        trigger = 'interval'
      }
      if (trigger !== undefined) {
        lastCapture = now
        const path = await archivePath(options.directory, image, pid)
        let result: CaptureResult
        try {
          result = await captureToFile(pid, path, { ...options.capture, ...backendOf(options), ...(signal ? { signal } : {}), captureSet: { id: captureSetId, kind: 'series', index: captures, trigger } })
        } catch (error) {
          if ((error as { code?: string })?.code === 'NO_SUCH_PROCESS') {
            exited = true
            break
          }
          throw error
        }
        emit({ type: 'captured', pid, index: captures, path, trigger, result })
        captures++
        kept.push(path)
        while (options.keep !== undefined && kept.length > options.keep) {
          const old = kept.shift()!
          await unlink(old).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)))
          emit({ type: 'removed', path: old })
        }
        if (options.count !== undefined && captures >= options.count) return done('count')
      }
      const next = condition ? pollMs : lastCapture + interval - performance.now()
      await pause(Math.max(0, next))
    }
    emit({ type: 'exited', pid })
    exitedPid = pid
    if (!(options.wait && typeof options.target === 'object' && 'name' in options.target)) return done('exited')
  }

  /** The pid to watch now; with `wait`, the first process of the name to appear (not the one that just exited). */
  async function findTarget(): Promise<number | undefined> {
    const t = options.target
    if (t === 'self') return process.pid
    if ('pid' in t) return t.pid
    let announced = false
    for (;;) {
      // Zombies are left out (capture/targets.ts), so the one that just exited does not make the name ambiguous.
      const found = await resolveTargets({ targets: [t.name] }, options).then(
        (list) => list.filter((p) => p.processId !== exitedPid),
        (error: unknown) => {
          if (!options.wait || (error as { code?: string })?.code !== 'NO_SUCH_PROCESS') throw error
          return []
        },
      )
      if (found.length === 1) return found[0]!.processId
      if (found.length > 1) throw new CaptureFailedError('AMBIGUOUS_NAME', `${found.length} processes are named '${t.name}' (pids ${found.map((p) => p.processId).join(', ')}): watch one by its pid`)
      if (!options.wait) throw new CaptureFailedError('NO_SUCH_PROCESS', `no process named '${t.name}' (run 'pssnap ps' to list processes)`)
      if (!announced) emit({ type: 'waiting', name: t.name })
      announced = true
      if (timeLeft() <= 0) return undefined
      await pause(pollMs)
    }
  }

  function imageOf(pid: number): string | undefined {
    if (backend.name !== 'linux') return undefined
    try {
      return readlinkSync(`/proc/${pid}/exe`)
    } catch {
      return undefined
    }
  }
}

const backendOf = (s: BackendSelection): BackendSelection => ({ ...(s.platform ? { platform: s.platform } : {}), ...(s.pssLibrary ? { pssLibrary: s.pssLibrary } : {}) })
