// Memory regions from /proc/<pid>/maps as PSS_VA_SPACE_ENTRY (spec/LINUX.md §4): protection to PAGE_*, type
// image / mapped / private, the mapped file's path; when asked, from smaps instead (the same lines, plus
// each region's resident, proportional and swapped sizes: format 1.1). A private mapping without access
// (`---p`: a reservation, a guard area) is MEM_RESERVE, as the kernel charges it no commit; every other
// listed mapping is MEM_COMMIT (spec/LINUX.md §4).
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'
import type { VaSpaceEntry } from '../../format/index.js'
import { bytesFromText } from './byte-text.js'
import { deletedFlag, DELETED_SUFFIX, devOfMaps } from './deleted.js'
import { answersFromMemory, deviceOfMaps, lazyMounts, type MountTable } from './mounts.js'
import { isGone, procRoot, readText } from './proc.js'
import type { SoftErrors } from './soft-errors.js'

const PAGE = { NOACCESS: 0x01, READONLY: 0x02, READWRITE: 0x04, WRITECOPY: 0x08, EXECUTE: 0x10, EXECUTE_READ: 0x20, EXECUTE_READWRITE: 0x40, EXECUTE_WRITECOPY: 0x80 }
const MEM_COMMIT = 0x1000
const MEM_RESERVE = 0x2000
const MEM_PRIVATE = 0x20000
const MEM_MAPPED = 0x40000
const MEM_IMAGE = 0x1000000

interface Mapping {
  start: bigint
  end: bigint
  perms: string
  /** The offset field (hex in maps). */
  offset: bigint
  /** `major:minor` in hex, as maps writes it. */
  device: string
  inode: string
  path: string | undefined
  /** From smaps only: `Rss:`, `Pss:`, `Swap:` in bytes. */
  residentSize?: bigint
  proportionalSize?: bigint
  swappedSize?: bigint
}

const MAPPING_LINE = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)\s*(.*)$/

function mappingOf(m: RegExpExecArray): Mapping {
  return { start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), perms: m[3]!, offset: BigInt(`0x${m[4]}`), device: m[5]!, inode: m[6]!, path: m[7] ? m[7] : undefined }
}

/** The four letters as the 1.3 `mapsPermissions` bits (spec/LINUX.md §11): r 0x1, w 0x2, x 0x4, s 0x8. */
export function mapsPermissionsOf(perms: string): number {
  return (perms[0] === 'r' ? 1 : 0) | (perms[1] === 'w' ? 2 : 0) | (perms[2] === 'x' ? 4 : 0) | (perms[3] === 's' ? 8 : 0)
}

/** `start-end perms offset dev inode [path]`; the path may contain spaces. */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = []
  for (const line of text.split('\n')) {
    const m = MAPPING_LINE.exec(line)
    if (m) out.push(mappingOf(m))
  }
  return out
}

/** The `<Key>: <n> kB` lines of smaps that have a 1.1 column. */
const SMAPS_SIZES: Readonly<Record<string, 'residentSize' | 'proportionalSize' | 'swappedSize'>> = { Rss: 'residentSize', Pss: 'proportionalSize', Swap: 'swappedSize' }

/** smaps: each maps line followed by `Key: value` lines about that mapping (proc(5)). */
export function parseSmaps(text: string): Mapping[] {
  const out: Mapping[] = []
  let current: Mapping | undefined
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':')
    // A size line is `Word:   123 kB`; a mapping line starts with an address and has no colon before
    // its first space (paths after it may contain colons).
    const space = line.indexOf(' ')
    if (colon > 0 && (space < 0 || colon < space)) {
      const field = current && SMAPS_SIZES[line.slice(0, colon)]
      if (field) {
        const kb = /^\s*(\d+) kB$/.exec(line.slice(colon + 1))
        if (kb) current![field] = BigInt(kb[1]!) * 1024n
      }
      continue
    }
    const m = MAPPING_LINE.exec(line)
    if (m) out.push((current = mappingOf(m)))
  }
  return out
}

/**
 * With sizes: smaps when the kernel has it (CONFIG_PROC_PAGE_MONITOR) and lets us read it, else maps, the
 * same mappings without sizes, and the error for the soft error the caller records. Without: maps.
 */
function readMappings(pid: number, sizes: boolean): { mappings: Mapping[]; fromSmaps: boolean; smapsError?: unknown } {
  if (!sizes) return { mappings: parseMaps(readText(`${procRoot(pid)}/maps`)), fromSmaps: false }
  try {
    return { mappings: parseSmaps(readText(`${procRoot(pid)}/smaps`)), fromSmaps: true }
  } catch (error) {
    if (isGone(error) && !existsProcess(pid)) throw error
    return { mappings: parseMaps(readText(`${procRoot(pid)}/maps`)), fromSmaps: false, smapsError: error }
  }
}

function existsProcess(pid: number): boolean {
  try {
    readText(`${procRoot(pid)}/stat`)
    return true
  } catch {
    return false
  }
}

/**
 * r/w/x plus p (private, copy-on-write) or s (shared). A private writable *file* mapping is copy-on-write
 * of the file (WRITECOPY, as Windows shows an image's data section); private writable anonymous memory is
 * plain READWRITE. x86 cannot map write-only, so w without r counts as readable.
 */
export function protectOf(perms: string, fileBacked: boolean): number {
  const r = perms[0] === 'r'
  const w = perms[1] === 'w'
  const x = perms[2] === 'x'
  const cow = w && perms[3] === 'p' && fileBacked
  if (x) return w ? (cow ? PAGE.EXECUTE_WRITECOPY : PAGE.EXECUTE_READWRITE) : r ? PAGE.EXECUTE_READ : PAGE.EXECUTE
  if (w) return cow ? PAGE.WRITECOPY : PAGE.READWRITE
  return r ? PAGE.READONLY : PAGE.NOACCESS
}

/**
 * PROT_NONE and private: address space set aside (V8's heap and wasm reservations, thread stack guards,
 * the gaps ld.so leaves between an ELF's segments) that the kernel's commit accounting does not charge
 * (accountable_mapping() needs VM_WRITE). A shared `---s` mapping stays COMMIT: it is charged to its file.
 */
export function stateOf(perms: string): number {
  return perms.startsWith('---') && perms[3] === 'p' ? MEM_RESERVE : MEM_COMMIT
}

/** A file path, as opposed to `[heap]`, `[stack]`, `[vdso]`, `[anon:name]` or nothing. */
const isFilePath = (m: Mapping) => m.path !== undefined && m.path.startsWith('/')

export function readRegions(pid: number, errors?: SoftErrors, options: { sizes?: boolean } = {}, mounts: () => MountTable | undefined = lazyMounts(pid)): VaSpaceEntry[] {
  const { mappings: maps, smapsError } = readMappings(pid, options.sizes ?? false)
  if (smapsError !== undefined) errors?.add('vaSpace', 'readFile', `${procRoot(pid)}/smaps`, smapsError, 'regions read from maps instead: no resident, proportional or swapped sizes')
  // Image rule (spec/LINUX.md §4): every mapping of a file that is mapped executable somewhere in the
  // process and starts with the ELF magic is MEM_IMAGE, like every section of a loaded PE image.
  const executable = new Map<string, Mapping>()
  for (const m of maps) if (isFilePath(m) && m.perms[2] === 'x' && !executable.has(m.path!)) executable.set(m.path!, m)
  const images = new Set([...executable].filter(([, m]) => isElf(pid, m, mounts)).map(([path]) => path))
  const regions: VaSpaceEntry[] = []
  // Whether the file system of a maps device answers from memory, for the device asked last: thousands of
  // mappings share one (a process's shared anonymous memory is `/dev/zero (deleted)` on one device).
  let lastDevice: string | undefined
  let lastAnswers = false
  const answersFor = (device: string) => {
    if (device !== lastDevice) {
      lastAnswers = answersFromMemory(mounts()?.ofDevice(deviceOfMaps(device))?.fsType)
      lastDevice = device
    }
    return lastAnswers
  }
  // Indexed, one literal per region with every field in one order (the writer visits thousands, all of one
  // shape); the deleted flag's groups shared and frozen, as the handles'.
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i]!
    const file = isFilePath(m)
    // The kernel's suffix is checked against the literal name (spec/LINUX.md §9.2), only where a lookup cannot block.
    const deleted = !file
      ? undefined
      : !m.path!.endsWith(DELETED_SUFFIX)
        ? 0
        : m.path!.startsWith('/memfd:')
          ? 1 // never had a name in a directory
          : answersFor(m.device)
            ? deletedFlag(pid, m.path!, devOfMaps(m.device), BigInt(m.inode))
            : undefined
    const colon = m.device.indexOf(':')
    regions.push({
      baseAddress: m.start,
      regionSize: m.end - m.start,
      state: stateOf(m.perms),
      protect: protectOf(m.perms, file),
      type: !file ? MEM_PRIVATE : images.has(m.path!) ? MEM_IMAGE : MEM_MAPPED,
      mappedFileName: file ? m.path : undefined,
      // Format 1.3: the rest of the maps line (spec/LINUX.md §11), so LinuxMaps can be written from the archive.
      fileOffset: m.offset,
      deviceMajor: Number.parseInt(m.device.slice(0, colon), 16),
      deviceMinor: Number.parseInt(m.device.slice(colon + 1), 16),
      inode: BigInt(m.inode),
      mapsPermissions: mapsPermissionsOf(m.perms),
      mappingLabel: !file && m.path !== undefined ? m.path : undefined, // [heap], [stack], [vdso], [anon:name] (§9.4)
      residentSize: m.residentSize,
      proportionalSize: m.proportionalSize,
      swappedSize: m.swappedSize,
      linux: deleted === undefined ? undefined : deleted === 0 ? FILE_KEPT : FILE_DELETED,
    })
  }
  return regions
}

const FILE_KEPT = Object.freeze({ file: Object.freeze({ deleted: 0 as const }) })
const FILE_DELETED = Object.freeze({ file: Object.freeze({ deleted: 1 as const }) })

const O_PATH_READ = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY

/**
 * Whether the mapped file begins with \x7fELF. Asked only of a file system that answers from memory (a FUSE or
 * NFS file could block the open: spec/LINUX.md §5.1), first through `map_files/` (the mapped file itself, no
 * path lookup; root or CAP_CHECKPOINT_RESTORE only), then by its path through the process's own root (so
 * containers resolve) and as it is. Opened non-blocking and without following a last symlink (a FIFO or
 * device put where a deleted file was cannot block or be triggered), and read only when it is the mapped
 * inode. Otherwise the file is judged by its executable mapping alone.
 */
function isElf(pid: number, mapping: Mapping, mounts: () => MountTable | undefined): boolean {
  if (!answersFromMemory(mounts()?.ofDevice(deviceOfMaps(mapping.device))?.fsType)) return true
  const path = Buffer.from(bytesFromText(mapping.path!))
  const candidates: [string | Buffer, number][] = [
    [`${procRoot(pid)}/map_files/${mapping.start.toString(16)}-${mapping.end.toString(16)}`, O_PATH_READ],
    [Buffer.concat([Buffer.from(`${procRoot(pid)}/root`), path]), O_PATH_READ | constants.O_NOFOLLOW],
    [path, O_PATH_READ | constants.O_NOFOLLOW],
  ]
  for (const [candidate, flags] of candidates) {
    let fd: number | undefined
    try {
      fd = openSync(candidate, flags)
      const stat = fstatSync(fd, { bigint: true })
      if (!stat.isFile() || stat.ino.toString() !== mapping.inode) continue
      const head = Buffer.alloc(4)
      return readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32BE(0) === 0x7f454c46
    } catch {
      // try the next candidate
    } finally {
      if (fd !== undefined) closeSync(fd)
    }
  }
  return true
}
