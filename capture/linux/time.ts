// Linux clocks to PSS time units: FILETIME (100 ns since 1601-01-01 UTC) and 100 ns durations.
import { readText } from './proc.js'

/**
 * USER_HZ, the unit of every tick count in /proc/<pid>/stat. It is part of the kernel ABI and 100 on every
 * architecture Linux supports, whatever CONFIG_HZ is; Node cannot call sysconf(_SC_CLK_TCK) to ask.
 */
export const CLK_TCK = 100
const TICK_100NS = 10_000_000n / BigInt(CLK_TCK)

/** Milliseconds between 1601-01-01 and 1970-01-01. */
const EPOCH_DELTA_MS = 11_644_473_600_000n

export function filetimeFromUnixMs(ms: number): bigint {
  return (BigInt(Math.round(ms)) + EPOCH_DELTA_MS) * 10_000n
}

let lastMs = NaN
let lastFiletime = 0n

/** The wall clock as FILETIME; reused within one millisecond, so a 10k-entry walk does not allocate 10k bigints. */
export function nowFiletime(): bigint {
  const ms = Date.now()
  if (ms !== lastMs) {
    lastMs = ms
    lastFiletime = filetimeFromUnixMs(ms)
  }
  return lastFiletime
}

export function ticksToDuration(ticks: bigint): bigint {
  return ticks * TICK_100NS
}

/**
 * Boot time from /proc/stat `btime` (whole seconds). Chosen over now − uptime because it is the same in every
 * capture, so a thread's or process's createTime is equal across captures and diffs can match on it.
 */
export function bootTimeFiletime(): bigint {
  const btime = Number(/^btime (\d+)$/m.exec(readText('/proc/stat'))?.[1] ?? NaN)
  if (!Number.isFinite(btime)) throw new Error('no btime in /proc/stat')
  return filetimeFromUnixMs(btime * 1000)
}

/** FILETIME of a `starttime` (ticks after boot). */
export function startTimeFiletime(boot: bigint, startTicks: bigint): bigint {
  return boot + startTicks * TICK_100NS
}
