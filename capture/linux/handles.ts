// Open file descriptors from /proc/<pid>/fd/* as PSS_HANDLE_ENTRY (spec/LINUX.md §5): the fd number is the
// handle value, the link target the object name, the kind of object the type name, and from fdinfo/* the
// open flags and file position (format 1.1). PSS's object types (process, thread, mutant, …) have no Linux
// counterpart: objectType is always UNKNOWN (0).
import { closeSync, openSync, readdirSync, statSync, type Stats } from 'node:fs'
import type { HandleEntry } from '../../format/index.js'
import { boundedStat, DEFAULT_STAT_TIMEOUT_MS, type BoundedStatOptions } from './bounded-stat.js'
import { deletedFlag } from './deleted.js'
import { detailsOf } from './fdinfo.js'
import { joinSockets, type NetTableOptions } from './net-tables.js'
import { answersFromMemory, lazyMounts, type Mount, type MountTable } from './mounts.js'
import { isGone, procRoot, readLink } from './proc.js'
import { heldBytes, readSmallLength, textOf } from './small-read.js'
import type { SoftErrors } from './soft-errors.js'
import { nowFiletime } from './time.js'

const PSS_HANDLE_HAVE_TYPE = 0x1
const PSS_HANDLE_HAVE_NAME = 0x2
/** Handle values as bigints for fds below 2^16, made once per process (they never change): index fd. */
const FD_VALUES: bigint[] = []
function handleValue(fd: number): bigint {
  if (fd < 0 || fd >= 1 << 16) return BigInt(fd)
  // Filled in order (a packed array, not a sparse one, whose lookups would be a dictionary's).
  while (FD_VALUES.length <= fd) FD_VALUES.push(BigInt(FD_VALUES.length))
  return FD_VALUES[fd]!
}
const NOT_DELETED = Object.freeze({ file: Object.freeze({ deleted: 0 as const }) })
const DELETED = Object.freeze({ file: Object.freeze({ deleted: 1 as const }) })
/** The kinds whose fdinfo text detailsOf reads (fdinfo.ts). */
const DETAILED: Readonly<Record<string, true>> = { EventFd: true, TimerFd: true, SignalFd: true, Inotify: true }

/** `anon_inode:[eventfd]` and friends, by the kernel's anon inode name. */
const ANON_TYPES: Readonly<Record<string, string>> = {
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

/**
 * The type name a link target says by itself (`socket:[…]`, `anon_inode:[eventfd]`, …), or undefined for a
 * path: only the open object's mode tells a directory from a file or a device (typeNameOfMode).
 */
export function typeNameOfLink(target: string): string | undefined {
  // A path first: most descriptors of a busy process are files.
  if (target.charCodeAt(0) === 0x2f) return target.startsWith('/memfd:') ? 'Memfd' : undefined
  if (target.startsWith('socket:[')) return 'Socket'
  if (target.startsWith('pipe:[')) return 'Pipe'
  if (target.startsWith('anon_inode:')) {
    const kind = target.slice('anon_inode:'.length).replace(/^\[|\]$/g, '')
    return Object.hasOwn(ANON_TYPES, kind) ? ANON_TYPES[kind] : 'AnonInode'
  }
  if (target.startsWith('/memfd:')) return 'Memfd'
  if (/^[a-z_]+:\[\d+\]$/.test(target)) return 'Namespace' // net:[…], mnt:[…], pid:[…] …
  if (!target.startsWith('/')) return 'Other'
  return undefined
}

const S_IFMT = 0o170000
const TYPE_OF_MODE: ReadonlyMap<number, string> = new Map([
  [0o040000, 'Directory'],
  [0o100000, 'File'],
  [0o010000, 'Pipe'], // a FIFO
  [0o140000, 'Socket'],
  [0o020000, 'CharacterDevice'],
  [0o060000, 'BlockDevice'],
])

/** The type name of an open object by its `st_mode`. */
export const typeNameOfMode = (mode: number) => TYPE_OF_MODE.get(mode & S_IFMT) ?? 'Other'

export interface Fdinfo {
  openFlags?: number
  filePosition?: bigint
  /** The mount the open file is on (not stored: it tells whether a stat of the file may block). */
  mountId?: number
}

/**
 * `fdinfo/<n>`: `pos:` in decimal, `flags:` in octal, `mnt_id:` in decimal (proc(5)); other lines (ino, …)
 * are ignored. The three come first, so parsing stops at `mnt_id:` (a 10k-fd capture parses 10k of these).
 */
export function parseFdinfo(text: string): Fdinfo {
  const into: Fdinfo = {}
  for (let at = 0; at < text.length; ) {
    const end = text.indexOf('\n', at) >>> 0
    const line = text.slice(at, Math.min(end, text.length))
    const colon = line.indexOf(':')
    const key = line.slice(0, colon)
    const value = line.slice(colon + 1).trim()
    if (key === 'pos' && /^\d+$/.test(value)) into.filePosition = BigInt(value)
    else if (key === 'flags' && /^[0-7]+$/.test(value)) into.openFlags = Number.parseInt(value, 8) >>> 0
    else if (key === 'mnt_id') {
      if (/^\d+$/.test(value)) into.mountId = Number(value)
      break
    }
    at = Math.min(end, text.length) + 1
  }
  return into
}

export interface FdinfoHead extends Fdinfo {
  /** `ino:` (the line after `mnt_id:`, Linux ≥ 5.14), when below 2^53: with mountId it names the open inode. */
  inode?: number
}

const NL = 0x0a
const COLON = 0x3a
const isBlank = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d)
/** `line[from, to)` as a whole number when it is 1–15 decimal digits (radix 8: 1–10 octal digits), else -1. */
function digitsAt(b: Buffer, from: number, to: number, radix: 8 | 10): number {
  if (to <= from || to - from > (radix === 8 ? 10 : 15)) return -1
  let v = 0
  for (let i = from; i < to; i++) {
    const d = b[i]! - 0x30
    if (d < 0 || d >= radix) return -1
    v = v * radix + d
  }
  return v
}
const allDigits = (b: Buffer, from: number, to: number, top: number) => {
  for (let i = from; i < to; i++) if (b[i]! < 0x30 || b[i]! > top) return false
  return to > from
}
const keyIs = (b: Buffer, from: number, to: number, key: string) => {
  if (to - from !== key.length) return false
  for (let i = 0; i < key.length; i++) if (b[from + i] !== key.charCodeAt(i)) return false
  return true
}

/**
 * parseFdinfo over fdinfo's bytes, as the walk reads them: no string per line (a 10k-fd capture parses 10k
 * of these), and the `ino:` line after `mnt_id:` kept too. For ASCII text (what the kernel writes) the open
 * flags, position and mount are parseFdinfo's.
 */
export function parseFdinfoBytes(b: Buffer, length = b.length): FdinfoHead {
  scanFdinfo(b, length)
  const into: FdinfoHead = {}
  if (scanned.filePosition !== undefined) into.filePosition = scanned.filePosition
  if (scanned.openFlags >= 0) into.openFlags = scanned.openFlags
  if (scanned.mountId >= 0) into.mountId = scanned.mountId
  if (scanned.inode >= 0) into.inode = scanned.inode
  return into
}

/** What the last scanFdinfo found, -1 (or undefined) for absent: one record for the whole walk, no object per descriptor. */
const scanned = { filePosition: undefined as bigint | undefined, openFlags: -1, mountId: -1, inode: -1 }

/** parseFdinfoBytes into `scanned`. */
function scanFdinfo(b: Buffer, length: number): void {
  scanned.filePosition = undefined
  scanned.openFlags = scanned.mountId = scanned.inode = -1
  let afterMount = false
  for (let at = 0; at < length; ) {
    let end = at
    let colon = -1
    for (; end < length && b[end] !== NL; end++) if (colon < 0 && b[end] === COLON) colon = end
    // parseFdinfo's cut of a line without a colon: the key is all but its last character.
    const keyEnd = colon >= 0 ? colon : end - 1
    let from = colon >= 0 ? colon + 1 : at
    let to = end
    while (from < to && isBlank(b[from]!)) from++
    while (to > from && isBlank(b[to - 1]!)) to--
    if (afterMount) {
      if (keyIs(b, at, keyEnd, 'ino')) scanned.inode = digitsAt(b, from, to, 10)
      break
    }
    if (keyIs(b, at, keyEnd, 'pos')) {
      if (allDigits(b, from, to, 0x39)) {
        const v = digitsAt(b, from, to, 10)
        // 0 (most descriptors) as the one constant: no bigint of its own per entry.
        scanned.filePosition = v === 0 ? 0n : v > 0 ? BigInt(v) : BigInt(b.toString('latin1', from, to))
      }
    } else if (keyIs(b, at, keyEnd, 'flags')) {
      if (allDigits(b, from, to, 0x37)) {
        const v = digitsAt(b, from, to, 8)
        scanned.openFlags = (v >= 0 ? v : Number.parseInt(b.toString('latin1', from, to), 8)) >>> 0
      }
    } else if (keyIs(b, at, keyEnd, 'mnt_id')) {
      if (!allDigits(b, from, to, 0x39)) break
      const v = digitsAt(b, from, to, 10)
      scanned.mountId = v >= 0 ? v : Number(b.toString('latin1', from, to))
      afterMount = true
    }
    at = end + 1
  }
}

/** A path target on a file system that may not answer: typed after the walk, by typeUntyped. */
export interface UntypedTarget {
  entry: HandleEntry
  /** `/proc/<pid>/fd/<n>` */
  path: string
  mount: Mount | undefined
}

export interface HandleWalk {
  handles: HandleEntry[]
  /** Entries still without a type: their stat could block (spec/LINUX.md §5.1). */
  untyped: UntypedTarget[]
}

/**
 * The fds, in order, each typed by its link or, on a file system that answers from memory, by a stat; the
 * others are left for typeUntyped. Synchronous: /proc and such stats never wait for anyone.
 */
export function readHandles(pid: number, errors: SoftErrors, mounts: () => MountTable | undefined = lazyMounts(pid), net: NetTableOptions = {}): HandleWalk {
  const dir = `${procRoot(pid)}/fd`
  const infoDir = `${procRoot(pid)}/fdinfo`
  // Capturing ourselves, the listing includes the descriptor readdir itself held, closed by now. The kernel
  // hands out the lowest free number, so probing it first tells which one that was.
  let listingFd = -1
  if (pid === process.pid) {
    listingFd = openSync('/dev/null', 'r')
    closeSync(listingFd)
  }
  const fds = descriptorNumbers(readdirSync(dir))
  const w = new Walk(pid, errors, mounts, dir, infoDir, listingFd)
  // One call per descriptor, not the loop's body in line: the body is optimised as a function of its own,
  // from what the first descriptors taught it, instead of on-stack-replaced in a walk whose code after the loop
  // (the join) had not run yet, which threw the optimised code away at the end of each walk.
  walkAll(w, fds)
  joinSockets(pid, w.sockets, errors, net)
  // An empty walk of the same shape, holding this capture's mount closure and soft errors, outlives the capture.
  kept.walk = new Walk(pid, errors, mounts, dir, infoDir, listingFd)
  return { handles: w.handles, untyped: w.untyped }
}

/**
 * What the walk's optimised code depends on, kept from one capture to the next. A full GC between two captures
 * (a watch loop's captures are far apart; the bench calls gc() before each) frees every object of the capture
 * before, and with the last object of a hidden class V8 drops the class (a class's fields are added by
 * transitions it holds weakly) and the closure whose call it had inlined: each such drop discarded the
 * optimised walk ("weak objects" in --trace-deopt), and every capture ran its first thousands of descriptors
 * in the interpreter again and compiled the walk again.
 */
const kept: { walk?: Walk; stat?: Stats } = {}

/**
 * The descriptors /proc/<pid>/fd lists, ascending. Node lists a directory in byte order (0, 1, 10, 100, …), so
 * they are sorted, by a typed array's own numeric sort (no comparator called 10k times). Loop-free itself, its
 * loop a function of its own: run once per capture, a loop on-stack-replaced here would leave the code after
 * it without type feedback, thrown away and compiled again capture after capture.
 */
function descriptorNumbers(names: string[]): Int32Array | Float64Array {
  const sorted = Float64Array.from(numbersOf(names)).sort()
  // An fd is an int, walked as one; anything past int32 (no kernel lists one) stays a double.
  const n = sorted.length
  return n === 0 || (sorted[0]! >= 0 && sorted[n - 1]! <= 0x7fffffff) ? Int32Array.from(sorted) : sorted
}

/** The names that are whole numbers, as numbers, in the order listed. */
function numbersOf(names: string[]): number[] {
  const fds: number[] = []
  for (let i = 0; i < names.length; i++) {
    const n = decimalOf(names[i]!)
    if (Number.isInteger(n)) fds.push(n)
  }
  return fds
}

/** Number(name), with a name of up to 9 decimal digits (every descriptor's) read in a loop: Number() of 10k fresh strings cost more. */
function decimalOf(name: string): number {
  if (name.length === 0 || name.length > 9) return Number(name)
  let v = 0
  for (let i = 0; i < name.length; i++) {
    const d = name.charCodeAt(i) - 0x30
    if (d < 0 || d > 9) return Number(name)
    v = v * 10 + d
  }
  return v
}

/** The loop alone: on-stack-replaced while it runs, its optimised code holds nothing that has not run yet. */
function walkAll(w: Walk, fds: Int32Array | Float64Array): void {
  for (let i = 0; i < fds.length; i++) walkDescriptor(w, fds[i]!)
}

/** A file stat'ed once by the walk: its live name, mount and inode number, and the type its mode said. */
interface KnownFile {
  target: string
  mountId: number
  inode: number
  typeName: string
}

/** What the walk keeps from one descriptor to the next. */
class Walk {
  readonly handles: HandleEntry[] = []
  readonly untyped: UntypedTarget[] = []
  /** socket:[inode] → its entry, filled from the net tables after the walk (spec/LINUX.md §9.1). */
  readonly sockets = new Map<string, HandleEntry>()
  /**
   * Descriptors of one open file (thousands on /dev/null) share its type: a stat per inode, not per descriptor.
   * Keyed by the name too: the same live name, mount and inode number are the same file (an inode number alone
   * may repeat across an overlay's layers).
   */
  readonly typeOfInode = new Map<string, KnownFile>()
  /** The typeOfInode record the last path descriptor looked up. */
  lastKnown: KnownFile | undefined = undefined
  constructor(
    readonly pid: number,
    readonly errors: SoftErrors,
    readonly mounts: () => MountTable | undefined,
    readonly dir: string,
    readonly infoDir: string,
    /** The descriptor our own readdir held, when capturing ourselves (-1 otherwise). */
    readonly listingFd: number,
  ) {}
}

/** Reads descriptor `fd` into an entry of the walk (or a soft error). */
function walkDescriptor(w: Walk, fd: number): void {
  const path = `${w.dir}/${fd}`
  let operation = 'readlink'
  try {
    const target = readLink(path)
    const captureTime = nowFiletime()
    let typeName = typeNameOfLink(target)
    // Only these kinds' details are read past `mnt_id:` (fdinfo.ts): the others' text is never made.
    const detailed = typeName !== undefined && Object.hasOwn(DETAILED, typeName)
    let infoText = ''
    try {
      const length = readSmallLength(`${w.infoDir}/${fd}`)
      scanFdinfo(heldBytes(), length)
      if (detailed) infoText = textOf(heldBytes().subarray(0, length))
    } catch (error) {
      scanned.filePosition = undefined
      scanned.openFlags = scanned.mountId = scanned.inode = -1
      // Closed after its link was read: it was open at that moment, so the entry stays, without flags.
      w.errors.add('handles', 'readFile', `${w.infoDir}/${fd}`, error, isGone(error) ? 'closed during the walk; kept without open flags and position' : 'kept without open flags and position')
    }
    const { mountId, inode } = scanned
    let mount: Mount | undefined
    let deleted: 0 | 1 | undefined
    if (typeName === undefined) {
      // The mount table is read once, when the first path target needs it.
      const table = w.mounts()
      mount = (mountId >= 0 ? table?.ofId(mountId) : undefined) ?? table?.ofPath(target)
      if (answersFromMemory(mount?.fsType)) {
        operation = 'stat'
        if (!target.endsWith(' (deleted)')) {
          deleted = 0
          // The same file as the descriptor before (thousands of /dev/null in a row): compared, not hashed again.
          const known = target === w.lastKnown?.target ? w.lastKnown : w.typeOfInode.get(target)
          if (known !== undefined && known.mountId === mountId && known.inode === inode && inode >= 0) {
            typeName = known.typeName
            w.lastKnown = known
          } else {
            // stat through the magic link reaches the open object even when its path is gone or elsewhere.
            const stat = statSync(path)
            kept.stat = stat
            typeName = typeNameOfMode(stat.mode)
            // lastKnown is always what typeOfInode holds for its name.
            w.lastKnown = undefined
            if (mountId >= 0 && inode >= 0) w.typeOfInode.set(target, (w.lastKnown = { target, mountId, inode, typeName }))
          }
        } else {
          // Rare: only a name the kernel marked is looked up again (bigint: inode numbers may pass 2^53).
          const st = statSync(path, { bigint: true })
          typeName = typeNameOfMode(Number(st.mode))
          deleted = deletedFlag(w.pid, target, st.dev, st.ino)
        }
      } else if (!target.endsWith(' (deleted)')) deleted = 0
    } else if (typeName === 'Memfd') deleted = 1
    // One literal with every field, in one order, for every descriptor: the writer visits 10k of these, all of
    // one shape. The deleted flag's groups are shared and frozen (thousands of entries say the same), and the
    // handle value's bigint is kept for the next capture.
    const entry: HandleEntry = {
      handle: handleValue(fd),
      flags: typeName !== undefined ? PSS_HANDLE_HAVE_TYPE | PSS_HANDLE_HAVE_NAME : PSS_HANDLE_HAVE_NAME,
      objectType: 0,
      captureTime,
      typeName,
      objectName: target,
      openFlags: scanned.openFlags >= 0 ? scanned.openFlags : undefined,
      filePosition: scanned.filePosition,
      linux: deleted === undefined ? undefined : deleted === 0 ? NOT_DELETED : DELETED,
      details: detailed || typeName === 'Memfd' ? detailsOf(typeName, infoText, target) : undefined,
    }
    if (typeName === 'Socket' && target.startsWith('socket:[')) w.sockets.set(target.slice('socket:['.length, -1), entry)
    if (typeName === undefined) w.untyped.push({ entry, path, mount })
    w.handles.push(entry)
  } catch (error) {
    if (fd === w.listingFd && isGone(error)) return
    w.errors.add('handles', operation, path, error, isGone(error) ? 'the descriptor was closed during the walk; skipped' : 'skipped')
  }
}

function setType(entry: HandleEntry, typeName: string): void {
  entry.typeName = typeName
  entry.flags = (entry.flags ?? 0) | PSS_HANDLE_HAVE_TYPE
}

/**
 * Types the walk's untyped targets with a deadline (spec/LINUX.md §5.1) and returns the walk's entries. A
 * target that does not answer keeps its entry without a type (HAVE_TYPE clear), with a soft error; one whose
 * descriptor was closed meanwhile is skipped, as in the walk. Rejects when `options.signal` aborts.
 */
export async function typeUntyped(walk: HandleWalk, errors: SoftErrors, options: BoundedStatOptions = {}): Promise<HandleEntry[]> {
  if (walk.untyped.length === 0) return walk.handles
  const byPath = new Map(walk.untyped.map((u) => [u.path, u]))
  const groupOf = (path: string) => {
    const mount = byPath.get(path)!.mount
    return mount ? `mount ${mount.id}` : 'unknown mount'
  }
  const answers = await boundedStat([...byPath.keys()], groupOf, options)
  const closed = new Set<HandleEntry>()
  for (const { entry, path, mount } of walk.untyped) {
    const answer = answers.get(path)
    if (answer && 'mode' in answer) setType(entry, typeNameOfMode(answer.mode))
    else if (answer && 'errno' in answer) {
      const error = Object.assign(new Error(`stat failed (${answer.code})`), { code: answer.code, errno: -answer.errno })
      if (isGone(error)) closed.add(entry)
      errors.add('handles', 'stat', path, error, isGone(error) ? 'the descriptor was closed during the walk; skipped' : 'kept without a type')
    } else {
      const fs = mount ? `the ${mount.fsType} file system at ${mount.mountPoint}` : 'a file system not in the mount table'
      const ms = options.timeoutMs ?? DEFAULT_STAT_TIMEOUT_MS
      const error = Object.assign(new Error(`no answer within ${ms} ms from ${fs}`), { code: 'ETIMEDOUT', errno: -110 })
      errors.add('handles', 'stat', path, error, 'kept without a type')
    }
  }
  return closed.size === 0 ? walk.handles : walk.handles.filter((e) => !closed.has(e))
}
