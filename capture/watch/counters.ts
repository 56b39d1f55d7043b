// Process counters a `pssnap watch` condition may test, and what each costs to read. A poll reads only the
// sources its condition names: on Linux `handleCount` counts /proc/<pid>/fd (its stat size on Linux ≥ 6.2,
// else a listing: 10k fds are 10k directory entries), `threadCount` and `cpuPercent` read /proc/<pid>/stat, `rss` and `privateBytes`
// /proc/<pid>/status. The Windows backend counts threads through Toolhelp32 and reads handles, memory and CPU
// time of the one process (GetProcessHandleCount, K32GetProcessMemoryInfo, GetProcessTimes:
// capture/windows/process-counters.ts).
import { readdirSync, statSync } from 'node:fs'
import { parseStat, parseStatus, procRoot, readText, statusBytes } from '../linux/proc.js'
import { CLK_TCK } from '../linux/time.js'

/** The counters, as `--when` names them (matched ignoring case, like every `--where` field). */
export const COUNTER_NAMES = ['handleCount', 'threadCount', 'rss', 'privateBytes', 'cpuPercent', 'handleGrowth', 'threadGrowth', 'rssGrowth', 'privateGrowth'] as const
export type CounterName = (typeof COUNTER_NAMES)[number]
export type Counters = Partial<Record<CounterName, number>>

/** A file a Linux poll reads. */
export type LinuxSource = 'fd' | 'stat' | 'status'

/** The base counter a growth counter is the growth of. */
export const GROWTH_OF: Readonly<Partial<Record<CounterName, CounterName>>> = { handleGrowth: 'handleCount', threadGrowth: 'threadCount', rssGrowth: 'rss', privateGrowth: 'privateBytes' }

const LINUX_SOURCE: Readonly<Record<CounterName, LinuxSource>> = {
  handleCount: 'fd',
  handleGrowth: 'fd',
  threadCount: 'stat',
  threadGrowth: 'stat',
  cpuPercent: 'stat',
  rss: 'status',
  rssGrowth: 'status',
  privateBytes: 'status',
  privateGrowth: 'status',
}

/** What a Linux poll for these counters reads: nothing else is opened. */
export function linuxSources(counters: Iterable<CounterName>): Set<LinuxSource> {
  return new Set([...counters].map((c) => LINUX_SOURCE[c]))
}

/** One reading of a process: the counters asked for, and CPU time for cpuPercent (seconds). */
export interface Sample {
  at: number
  counters: Counters
  cpuSeconds?: number
  /** The process is a zombie or gone. */
  exited?: boolean
}

/** The file reads a Linux poll makes (tests count them; default: /proc). */
export interface ProcReads {
  text(path: string): string
  count(dir: string): number
}

/**
 * Entries of /proc/<pid>/fd: since Linux 6.2 the directory's stat size is the process's open fd count (the
 * kernel counts its fd bitmap), one call instead of a listing of 10k names; an older kernel reports 0 there,
 * and so does a process with no fd, so 0 is checked by listing.
 */
export function countFds(dir: string): number {
  const size = statSync(dir).size
  return size > 0 ? size : readdirSync(dir).length
}

export const PROC_READS: ProcReads = { text: readText, count: countFds }

const gone = (e: unknown) => ['ENOENT', 'ESRCH'].includes((e as NodeJS.ErrnoException)?.code ?? '')

/** Reads `sources` of Linux process `pid`. A process that exited gives `exited`; another failure throws. */
export function sampleLinux(pid: number, sources: ReadonlySet<LinuxSource>, reads: ProcReads = PROC_READS, at = performance.now()): Sample {
  const root = procRoot(pid)
  const counters: Counters = {}
  const sample: Sample = { at, counters }
  try {
    if (sources.has('stat')) {
      const stat = parseStat(reads.text(`${root}/stat`))
      // A zombie keeps its stat but no longer runs: for a watch it has exited.
      if (stat.field(3) === 'Z' || stat.field(3) === 'X') return { ...sample, exited: true }
      counters.threadCount = stat.num(20)
      sample.cpuSeconds = (stat.num(14) + stat.num(15)) / CLK_TCK
    }
    if (sources.has('status')) {
      const status = parseStatus(reads.text(`${root}/status`))
      if (/^[ZX]/.test(status.get('State') ?? '')) return { ...sample, exited: true }
      const rss = statusBytes(status, 'VmRSS')
      const data = statusBytes(status, 'VmData')
      // Same meaning as a Linux capture's workingSetSize and privateUsage (spec/LINUX.md).
      if (rss !== undefined) counters.rss = Number(rss)
      if (data !== undefined) counters.privateBytes = Number(data)
    }
    if (sources.has('fd')) counters.handleCount = reads.count(`${root}/fd`)
  } catch (error) {
    if (gone(error)) return { ...sample, exited: true }
    throw error
  }
  return sample
}

/**
 * The growth counters and cpuPercent of `sample`, from the first sample of the process (`base`) and the
 * earlier samples kept in `history` (oldest first): CPU percent of one core over the last `cpuWindowMs`,
 * or over what history there is when the watch is younger than the window. Absent when it cannot be known.
 */
export function derive(sample: Sample, base: Sample | undefined, history: readonly Sample[], cpuWindowMs: number): Counters {
  const c: Counters = { ...sample.counters }
  for (const [growth, of] of Object.entries(GROWTH_OF) as [CounterName, CounterName][]) {
    const now = c[of]
    const then = base?.counters[of]
    if (now !== undefined && then !== undefined) c[growth] = now - then
  }
  if (sample.cpuSeconds !== undefined) {
    let from: Sample | undefined
    for (const h of history) {
      if (h.cpuSeconds === undefined) continue
      if (sample.at - h.at >= cpuWindowMs || from === undefined) from = h
      if (sample.at - h.at < cpuWindowMs) break
    }
    if (from && sample.at > from.at) c.cpuPercent = (100 * 1000 * (sample.cpuSeconds - from.cpuSeconds!)) / (sample.at - from.at)
  }
  return c
}
