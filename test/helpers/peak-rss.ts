// The RSS high-water mark of a stretch of code (Linux): reset the kernel's mark (/proc/self/clear_refs, 5) just
// before, read VmHWM just after. getrusage's maxRSS cannot do this: it is the whole process's lifetime peak, so an
// earlier test's large but freed allocation would be charged to whatever is measured next.
import { readFileSync, writeFileSync } from 'node:fs'

/** Whether this platform can measure it (Linux /proc). */
export const canMeasurePeakRss = process.platform === 'linux'

/** A field of /proc/self/status in bytes (VmRSS, VmHWM). */
export function statusBytes(field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))
  return m ? Number(m[1]) * 1024 : 0
}

/** Resets the RSS high-water mark to the current RSS; returns that RSS. */
export function startPeak(): number {
  writeFileSync('/proc/self/clear_refs', '5')
  return statusBytes('VmRSS')
}

/** How far RSS rose above `start` (startPeak's value) at its highest since. */
export const peakRise = (start: number) => Math.max(0, statusBytes('VmHWM') - start)
