// Open file descriptors from /proc/<pid>/fd/* as PSS_HANDLE_ENTRY (spec/LINUX.md §5): the fd number is the
// handle value, the link target the object name, the kind of object the type name, and from fdinfo/* the
// open flags and file position (format 1.1). PSS's object types (process, thread, mutant, …) have no Linux
// counterpart: objectType is always UNKNOWN (0).
import { closeSync, openSync, readdirSync, statSync } from 'node:fs'
import type { HandleEntry } from '../../format/index.js'
import { isGone, procRoot, readLink, readText } from './proc.js'
import type { SoftErrors } from './soft-errors.js'
import { nowFiletime } from './time.js'

const PSS_HANDLE_HAVE_TYPE = 0x1
const PSS_HANDLE_HAVE_NAME = 0x2

/** `anon_inode:[eventfd]` and friends, by the kernel's anon inode name. */
const ANON_TYPES: Record<string, string> = {
  eventfd: 'EventFd',
  timerfd: 'TimerFd',
  signalfd: 'SignalFd',
  eventpoll: 'Epoll',
  inotify: 'Inotify',
  fanotify: 'Fanotify',
  pidfd: 'PidFd',
  io_uring: 'IoUring',
  userfaultfd: 'UserFaultFd',
  'perf_event': 'PerfEvent',
  bpf_map: 'BpfMap',
  bpf_prog: 'BpfProg',
}

/** The type name of a link target; `stat` (of the target) is consulted only for real paths. */
export function typeNameOf(target: string, statTarget: () => { isDirectory(): boolean; isFile(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (target.startsWith('socket:[')) return 'Socket'
  if (target.startsWith('pipe:[')) return 'Pipe'
  if (target.startsWith('anon_inode:')) {
    const kind = target.slice('anon_inode:'.length).replace(/^\[|\]$/g, '')
    return ANON_TYPES[kind] ?? 'AnonInode'
  }
  if (target.startsWith('/memfd:')) return 'Memfd'
  if (/^[a-z_]+:\[\d+\]$/.test(target)) return 'Namespace' // net:[…], mnt:[…], pid:[…] …
  if (!target.startsWith('/')) return 'Other'
  const s = statTarget()
  if (s.isDirectory()) return 'Directory'
  if (s.isFile()) return 'File'
  if (s.isFIFO()) return 'Pipe'
  if (s.isSocket()) return 'Socket'
  if (s.isCharacterDevice()) return 'CharacterDevice'
  if (s.isBlockDevice()) return 'BlockDevice'
  return 'Other'
}

/**
 * `fdinfo/<n>`: `pos:` in decimal, `flags:` in octal (proc(5)); other lines (mnt_id, ino, …) are ignored.
 * Both come first, so parsing stops at `flags:` (a 10k-fd capture parses 10k of these).
 */
export function parseFdinfo(text: string, into: { openFlags?: number; filePosition?: bigint } = {}): { openFlags?: number; filePosition?: bigint } {
  for (let at = 0; at < text.length; ) {
    const end = text.indexOf('\n', at) >>> 0
    const line = text.slice(at, Math.min(end, text.length))
    const colon = line.indexOf(':')
    const key = line.slice(0, colon)
    const value = line.slice(colon + 1).trim()
    if (key === 'pos' && /^\d+$/.test(value)) into.filePosition = BigInt(value)
    else if (key === 'flags' && /^[0-7]+$/.test(value)) {
      into.openFlags = Number.parseInt(value, 8) >>> 0
      break
    }
    at = Math.min(end, text.length) + 1
  }
  return into
}

export function readHandles(pid: number, errors: SoftErrors): HandleEntry[] {
  const dir = `${procRoot(pid)}/fd`
  const infoDir = `${procRoot(pid)}/fdinfo`
  // Capturing ourselves, the listing includes the descriptor readdir itself held, closed by now. The kernel
  // hands out the lowest free number, so probing it first tells which one that was.
  let listingFd = -1
  if (pid === process.pid) {
    listingFd = openSync('/dev/null', 'r')
    closeSync(listingFd)
  }
  const fds = readdirSync(dir)
    .map(Number)
    .filter((n) => Number.isInteger(n))
    .sort((a, b) => a - b)
  const handles: HandleEntry[] = []
  for (const fd of fds) {
    const path = `${dir}/${fd}`
    let operation = 'readlink'
    try {
      const target = readLink(path)
      operation = 'stat'
      // stat through the magic link reaches the open object even when its path is gone or elsewhere.
      const typeName = typeNameOf(target, () => statSync(path))
      const entry: HandleEntry = {
        handle: BigInt(fd),
        flags: PSS_HANDLE_HAVE_TYPE | PSS_HANDLE_HAVE_NAME,
        objectType: 0,
        captureTime: nowFiletime(),
        typeName,
        objectName: target,
      }
      try {
        parseFdinfo(readText(`${infoDir}/${fd}`), entry)
      } catch (error) {
        // Closed after its link was read: it was open at that moment, so the entry stays, without flags.
        errors.add('handles', 'readFile', `${infoDir}/${fd}`, error, isGone(error) ? 'closed during the walk; kept without open flags and position' : 'kept without open flags and position')
      }
      handles.push(entry)
    } catch (error) {
      if (fd === listingFd && isGone(error)) continue
      errors.add('handles', operation, path, error, isGone(error) ? 'the descriptor was closed during the walk; skipped' : 'skipped')
    }
  }
  return handles
}
