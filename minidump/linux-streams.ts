// Breakpad's Linux streams that pssnap can fill (spec/MINIDUMP.md §2).
import type { Archive } from '../reader/archive.js'

/**
 * The lines of /proc/<pid>/status the archive holds values for (never a line it does not): Name, State (of the
 * main thread), Pid, PPid, Uid, Gid. lldb takes the pid from here when MiscInfo is absent; both are written.
 */
export function linuxStatus(archive: Archive): string | undefined {
  const lines: string[] = []
  const pid = archive.header.target.processId
  let name: string | undefined
  archive.threads.forEach((t) => {
    if (t.threadId === pid) name = t.threadName
  }, ['threadId', 'threadName'])
  // One line per key: a hostile name cannot add lines of its own.
  if (name !== undefined) lines.push(`Name:\t${name.replace(/[\0-\x1f]/g, '?')}`)
  lines.push(`Pid:\t${pid}`)
  const ppid = archive.header.processInformation?.parentProcessId
  if (ppid !== undefined) lines.push(`PPid:\t${ppid}`)
  const lp = archive.header.linuxProcess
  if (lp?.realUserId !== undefined && lp.effectiveUserId !== undefined && lp.savedUserId !== undefined && lp.filesystemUserId !== undefined) lines.push(`Uid:\t${lp.realUserId}\t${lp.effectiveUserId}\t${lp.savedUserId}\t${lp.filesystemUserId}`)
  if (lp?.realGroupId !== undefined && lp.effectiveGroupId !== undefined && lp.savedGroupId !== undefined && lp.filesystemGroupId !== undefined) lines.push(`Gid:\t${lp.realGroupId}\t${lp.effectiveGroupId}\t${lp.savedGroupId}\t${lp.filesystemGroupId}`)
  return lines.join('\n') + '\n'
}
