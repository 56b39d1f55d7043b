// Processes for `pssnap ps` and for capture by name: pid, name, fd count, thread count from /proc.
import { readdirSync } from 'node:fs'
import { basename } from 'node:path'
import { CaptureFailedError } from '../errors.js'
import type { ProcessSummary } from '../process-summary.js'
import { parseStat, procRoot, readLink, readText } from './proc.js'

export type { ProcessSummary }

/** PF_KTHREAD in `stat` field 9 (include/linux/sched.h): a kernel thread, with no user memory, fds or executable. */
const PF_KTHREAD = 0x00200000

export function isKernelThread(statFlags: number): boolean {
  return Number.isFinite(statFlags) && (statFlags & PF_KTHREAD) !== 0
}

export function listProcesses(): ProcessSummary[] {
  const out: ProcessSummary[] = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid <= 0) continue
    const root = procRoot(pid)
    try {
      const stat = parseStat(readText(`${root}/stat`))
      const p: ProcessSummary = { processId: pid, parentProcessId: stat.num(4), name: stat.comm, threadCount: stat.num(20), state: stat.field(3) ?? '?', kernelThread: isKernelThread(stat.num(9)) }
      try {
        // NUL-separated arguments; empty for kernel threads and zombies.
        const args = readText(`${root}/cmdline`).replace(/\0+$/, '')
        if (args) p.commandLine = args.replace(/\0/g, ' ')
      } catch {
        // exited meanwhile
      }
      try {
        p.imagePath = readLink(`${root}/exe`)
      } catch {
        // another user's process, or a kernel thread
      }
      try {
        p.handleCount = readdirSync(`${root}/fd`).length
      } catch {
        // not ours to list
      }
      out.push(p)
    } catch {
      // exited while listing
    }
  }
  return out.sort((a, b) => a.processId - b.processId)
}

/**
 * Processes a name designates: its comm, or the file name of its executable (comm is cut at 15 bytes).
 * The calling process is left out: `pssnap capture node` means another node.
 */
export function findProcesses(name: string, processes = listProcesses()): ProcessSummary[] {
  return processes.filter((p) => p.processId !== process.pid && (p.name === name || (p.imagePath !== undefined && basename(p.imagePath.replace(/ \(deleted\)$/, '')) === name)))
}

/** The one process a pid or name designates, or a typed error (none, or several: listed). */
export function resolveTarget(target: string): number {
  if (/^\d+$/.test(target)) return Number(target)
  const hits = findProcesses(target)
  if (hits.length === 1) return hits[0]!.processId
  if (hits.length === 0) throw new CaptureFailedError('NO_SUCH_PROCESS', `no process named '${target}' (run 'pssnap ps' to list processes)`)
  // The command line tells identical `node /usr/bin/node` rows apart. An argument's newline would print as a
  // row of its own (the CLI escapes each line, not the line breaks), so one process stays one row.
  const list = hits.map((p) => `  ${p.processId}  ${(p.commandLine ?? p.imagePath ?? p.name).replace(/\n/g, ' ')}`).join('\n')
  throw new CaptureFailedError('AMBIGUOUS_NAME', `${hits.length} processes are named '${target}'; capture one by its pid:\n${list}`)
}
