// Capture by image name on Windows: names compare case-insensitively, with or without `.exe` (as Windows
// file names do); the calling process is left out, so `pssnap capture node` means another node.
import { CaptureFailedError } from '../errors.js'
import type { WindowsProcessSummary } from './process-list.js'

const stem = (name: string) => name.toUpperCase().replace(/\.EXE$/, '')

export function findWindowsProcesses(name: string, processes: readonly WindowsProcessSummary[], self = process.pid): WindowsProcessSummary[] {
  const wanted = stem(name)
  return processes.filter((p) => p.processId !== self && stem(p.name) === wanted)
}

/** The one process a pid or image name designates, or a typed error (none, or several: listed). */
export function resolveWindowsTarget(target: string, processes: readonly WindowsProcessSummary[], self = process.pid): number {
  if (/^\d+$/.test(target)) return Number(target)
  const hits = findWindowsProcesses(target, processes, self)
  if (hits.length === 1) return hits[0]!.processId
  if (hits.length === 0) throw new CaptureFailedError('NO_SUCH_PROCESS', `no process named '${target}' (run 'pssnap ps' to list processes)`)
  const list = hits.map((p) => `  ${p.processId}  ${p.name}`).join('\n')
  throw new CaptureFailedError('AMBIGUOUS_NAME', `${hits.length} processes are named '${target}'; capture one by its pid:\n${list}`)
}
