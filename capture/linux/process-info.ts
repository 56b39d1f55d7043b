// The HEADER's `linuxProcess` (format 1.2, spec/LINUX.md §9.5): command line, directories, ids and names,
// limits, cgroup and namespaces. Each file is read on its own; one that cannot be read leaves its keys out,
// with a soft error of `process`. Everything is the process's own bytes (it may rewrite argv), kept by the
// lossless rule of byte-text.ts.
import { closeSync, openSync, readSync, statSync, type BigIntStats } from 'node:fs'
import { LINUX_LIMIT_NAMES, LINUX_NAMESPACE_NAMES, type LinuxProcess } from '../../format/index.js'
import { textFromBytes } from './byte-text.js'
import { deletedFlag } from './deleted.js'
import { answersFromMemory, type MountTable } from './mounts.js'
import { isGone, parseStatus, procRoot, readLink, readText } from './proc.js'
import type { SoftErrors } from './soft-errors.js'
import { idNames, type IdNames } from './users.js'

export const MAX_COMMAND_LINE_BYTES = 256 * 1024
export const MAX_ARGUMENTS = 4096
const MAX_CGROUP_LINES = 64
const RLIM_INFINITY = (1n << 64n) - 1n

/** proc(5) `limits` rows by their text, in the kernel's order. */
const LIMIT_ROWS: Readonly<Record<string, (typeof LINUX_LIMIT_NAMES)[number]>> = {
  'Max cpu time': 'cpuTime',
  'Max file size': 'fileSize',
  'Max data size': 'dataSize',
  'Max stack size': 'stackSize',
  'Max core file size': 'coreFileSize',
  'Max resident set': 'residentSet',
  'Max processes': 'processes',
  'Max open files': 'openFiles',
  'Max locked memory': 'lockedMemory',
  'Max address space': 'addressSpace',
  'Max file locks': 'fileLocks',
  'Max pending signals': 'pendingSignals',
  'Max msgqueue size': 'msgqueueSize',
  'Max nice priority': 'nicePriority',
  'Max realtime priority': 'realtimePriority',
  'Max realtime timeout': 'realtimeTimeout',
}

export function parseLimits(text: string): NonNullable<LinuxProcess['limits']> {
  const out: Record<string, { soft: bigint; hard: bigint }> = {}
  for (const line of text.split('\n')) {
    const m = /^(Max [a-z ]+?)\s{2,}(\d+|unlimited)\s+(\d+|unlimited)/.exec(line)
    if (!m || !Object.hasOwn(LIMIT_ROWS, m[1]!)) continue
    const v = (s: string) => (s === 'unlimited' ? RLIM_INFINITY : BigInt(s))
    out[LIMIT_ROWS[m[1]!]!] = { soft: v(m[2]!), hard: v(m[3]!) }
  }
  return out
}

/** `cmdline`: NUL-separated arguments, the last usually NUL-terminated. */
export function parseCommandLine(bytes: Uint8Array): { args: string[]; complete: boolean } {
  const args: string[] = []
  let at = 0
  while (at < bytes.length && args.length < MAX_ARGUMENTS) {
    let end = bytes.indexOf(0, at)
    if (end < 0) end = bytes.length
    args.push(textFromBytes(bytes.subarray(at, end)))
    at = end + 1
  }
  return { args, complete: at >= bytes.length }
}

/** Up to `max` bytes of a file, and whether more followed. */
function readBounded(path: string, max: number): { bytes: Buffer; more: boolean } {
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.allocUnsafe(max + 1)
    let n = 0
    for (let m; n < max + 1 && (m = readSync(fd, buf, n, max + 1 - n, null)) > 0; ) n += m
    return { bytes: buf.subarray(0, Math.min(n, max)), more: n > max }
  } finally {
    closeSync(fd)
  }
}

const ids = (v: string | undefined) => (v ?? '').split(/\s+/).filter((x) => /^\d{1,10}$/.test(x)).map(Number).filter((x) => x <= 0xffffffff)

export function readLinuxProcess(pid: number, errors: SoftErrors, mounts: () => MountTable | undefined, names: IdNames = idNames()): LinuxProcess {
  const root = procRoot(pid)
  const p: LinuxProcess = {}
  const attempt = (file: string, operation: string, fn: () => void) => {
    try {
      fn()
    } catch (error) {
      errors.add('process', operation, `${root}/${file}`, error, isGone(error) ? 'left out (the process exited?)' : 'left out')
    }
  }
  attempt('cmdline', 'readFile', () => {
    const { bytes, more } = readBounded(`${root}/cmdline`, MAX_COMMAND_LINE_BYTES)
    if (bytes.length === 0) return // a zombie or kernel thread has none
    const { args, complete } = parseCommandLine(bytes)
    p.commandLine = args
    if (more || !complete) {
      const cut = Object.assign(new Error(`the command line is longer than ${MAX_COMMAND_LINE_BYTES} bytes or ${MAX_ARGUMENTS} arguments`), { code: 'E2BIG', errno: -7 })
      errors.add('process', 'readFile', `${root}/cmdline`, cut, `kept its first ${args.length} arguments (the last may be cut)`)
    }
  })
  attempt('cwd', 'readlink', () => (p.workingDirectory = readLink(`${root}/cwd`)))
  attempt('root', 'readlink', () => (p.rootDirectory = readLink(`${root}/root`)))
  attempt('exe', 'readlink', () => {
    const exe = readLink(`${root}/exe`)
    if (!answersFromMemory(mounts()?.ofPath(exe)?.fsType)) return
    // Only refines a flag, like the ELF header of §2: without the stat it stays absent (not known), silently.
    let st: BigIntStats | undefined
    try {
      st = statSync(`${root}/exe`, { bigint: true })
    } catch {
      return
    }
    if (st) p.executableDeleted = deletedFlag(pid, exe, st.dev, st.ino) === 1
  })
  attempt('status', 'readFile', () => {
    const status = parseStatus(readText(`${root}/status`))
    const uid = ids(status.get('Uid'))
    const gid = ids(status.get('Gid'))
    if (uid.length === 4) [p.realUserId, p.effectiveUserId, p.savedUserId, p.filesystemUserId] = uid as [number, number, number, number]
    if (gid.length === 4) [p.realGroupId, p.effectiveGroupId, p.savedGroupId, p.filesystemGroupId] = gid as [number, number, number, number]
    if (status.has('Groups')) p.supplementaryGroups = ids(status.get('Groups')).slice(0, 65536)
    const set = (key: 'userName' | 'effectiveUserName' | 'groupName' | 'effectiveGroupName', name: string | undefined) => {
      if (name !== undefined) p[key] = name
    }
    set('userName', names.user(p.realUserId))
    set('effectiveUserName', names.user(p.effectiveUserId))
    set('groupName', names.group(p.realGroupId))
    set('effectiveGroupName', names.group(p.effectiveGroupId))
  })
  attempt('limits', 'readFile', () => (p.limits = parseLimits(readText(`${root}/limits`))))
  attempt('cgroup', 'readFile', () => {
    const lines = readText(`${root}/cgroup`).split('\n').filter((l) => l !== '')
    p.cgroup = lines.slice(0, MAX_CGROUP_LINES)
  })
  const namespaces: Record<string, bigint> = {}
  for (const ns of LINUX_NAMESPACE_NAMES) {
    try {
      const m = /^[a-z_]+:\[(\d+)\]$/.exec(readLink(`${root}/ns/${ns}`))
      if (m) namespaces[ns] = BigInt(m[1]!)
    } catch (error) {
      // A namespace this kernel does not have (time before 5.6) is simply absent.
      if (!isGone(error)) errors.add('process', 'readlink', `${root}/ns/${ns}`, error, 'left out')
    }
  }
  if (Object.keys(namespaces).length) p.namespaces = namespaces
  return p
}
