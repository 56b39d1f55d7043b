// Threads from /proc/<pid>/task/*: PSS_THREAD_ENTRY's fields with a Linux equivalent (spec/LINUX.md §3).
import { readdirSync } from 'node:fs'
import type { ThreadEntry } from '../../format/index.js'
import { cpuMask, isGone, parseStat, procRoot } from './proc.js'
import { readSmall, textOf } from './small-read.js'
import type { SoftErrors } from './soft-errors.js'
import { nowFiletime, startTimeFiletime, ticksToDuration } from './time.js'

const PSS_THREAD_FLAGS_TERMINATED = 0x1

export function readThreads(pid: number, boot: bigint, errors: SoftErrors): ThreadEntry[] {
  const dir = `${procRoot(pid)}/task`
  const threads: ThreadEntry[] = []
  for (const name of readdirSync(dir)) {
    const tid = Number(name)
    if (!Number.isInteger(tid)) continue
    let path = `${dir}/${name}/stat`
    try {
      // Into the reused buffer (small-read.ts): readFileSync would allocate 64 KiB per file, two files a thread.
      const stat = parseStat(textOf(readSmall(path)))
      const captureTime = nowFiletime()
      path = `${dir}/${name}/status`
      const status = textOf(readSmall(path))
      const state = stat.field(3)
      const entry: ThreadEntry = {
        threadId: tid,
        processId: pid,
        priority: stat.num(18),
        basePriority: stat.num(19),
        createTime: startTimeFiletime(boot, stat.big(22)),
        kernelTime: ticksToDuration(stat.big(15)),
        userTime: ticksToDuration(stat.big(14)),
        captureTime,
        // A zombie or dead thread has exited but is still listed.
        flags: state === 'Z' || state === 'X' ? PSS_THREAD_FLAGS_TERMINATED : 0,
        threadName: stat.comm,
      }
      if (state) entry.schedulerState = state
      const mask = cpuMask(status)
      if (mask !== undefined) entry.affinityMask = mask
      threads.push(entry)
    } catch (error) {
      // A thread that exited between readdir and the read: expected, skipped, counted.
      errors.add('threads', 'readFile', path, error, isGone(error) ? 'the thread exited during the walk; skipped' : 'skipped')
    }
  }
  return threads
}
