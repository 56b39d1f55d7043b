// A small, fixed Linux snapshot for the format 1.3 golden fixture `linux-maps` (issue 15): regions with the whole
// `maps` line (spec/LINUX.md §11: fileOffset, deviceMajor, deviceMinor, inode, mapsPermissions) as a capture
// writes them, so `export --format minidump` can write LinuxMaps. Written by hand so each value can be read off
// this file; made up, no real process. `MAPS_TEXT` is the /proc/<pid>/maps text these regions stand for, written
// out by hand in the kernel's layout (not by pssnap's code): the test compares the minidump's stream with it.
// The cases: an ELF image (five mappings), a shared read-only file (`r--s`, which `protect` cannot tell from
// `r--p`), a write-only mapping (`-w-p`, stored PAGE_READWRITE), a path with a byte that is not UTF-8 (U+F7E9,
// ARCHIVE.md §1.1: byte 0xE9), a device with a minor above 0xff, a large inode and offset, anonymous memory
// (no name: the kernel's line ends in a space), pseudo-mappings, and a 32-bit guard `---p` reservation.
import type { ArchiveHeaderInput, Epilogue, ThreadEntry, VaSpaceEntry } from '../../format/index.js'
import type { Snapshot } from './generate.js'

const PID = 40213
const CAPTURE = 134406864000000000n // 2026-12-03T00:00:00Z as FILETIME
const KB = 1024n

const header: ArchiveHeaderInput = {
  producer: { tool: 'pssnap', version: '0.1.0' },
  host: { platform: 'linux', architecture: 'x64', osVersion: '6.12.0-1-amd64', machineName: 'maps-1' },
  target: { processId: PID, imagePath: '/usr/sbin/mapd', architecture: 'x64' },
  capture: { captureFlags: 0x80 | 0x800 | 0x1000, threadContextFlags: 0, startedAt: '2026-12-03T00:00:00.000Z', preset: 'default' },
  processInformation: { processId: PID, parentProcessId: 1, createTime: CAPTURE - 3_000_000_000n, basePriority: 0, virtualSize: 20_000n * KB, workingSetSize: 4_000n * KB, privateUsage: 2_000n * KB, imageFileName: '/usr/sbin/mapd' },
  threadInformation: { threadsCaptured: 1, contextLength: 0 },
  vaSpaceInformation: { regionCount: 14 },
  linuxProcess: { commandLine: ['/usr/sbin/mapd', '--foreground'], realUserId: 0, effectiveUserId: 0, savedUserId: 0, filesystemUserId: 0, realGroupId: 0, effectiveGroupId: 0, savedGroupId: 0, filesystemGroupId: 0 },
}

const threads: ThreadEntry[] = [{ threadId: PID, processId: PID, priority: 20, basePriority: 0, createTime: CAPTURE - 3_000_000_000n, kernelTime: 1_000n, userTime: 2_000n, captureTime: CAPTURE, flags: 0, threadName: 'mapd', schedulerState: 'S' }]

const R = 1
const W = 2
const X = 4
const S = 8
const IMAGE = 0x1000000
const MAPPED = 0x40000
const PRIVATE = 0x20000
const COMMIT = 0x1000
const RESERVE = 0x2000
interface Line {
  base: bigint
  size: bigint
  perms: number
  protect: number
  type: number
  offset: bigint
  major: number
  minor: number
  inode: bigint
  file?: string
  label?: string
  state?: number
}
const lines: Line[] = [
  { base: 0x55d0_4a60_0000n, size: 0x2000n, perms: R, protect: 0x02, type: IMAGE, offset: 0n, major: 0xfe, minor: 0, inode: 1_835_021n, file: '/usr/sbin/mapd' },
  { base: 0x55d0_4a60_2000n, size: 0x5000n, perms: R | X, protect: 0x20, type: IMAGE, offset: 0x2000n, major: 0xfe, minor: 0, inode: 1_835_021n, file: '/usr/sbin/mapd' },
  { base: 0x55d0_4a60_7000n, size: 0x2000n, perms: R, protect: 0x02, type: IMAGE, offset: 0x7000n, major: 0xfe, minor: 0, inode: 1_835_021n, file: '/usr/sbin/mapd' },
  { base: 0x55d0_4a60_9000n, size: 0x1000n, perms: R | W, protect: 0x08, type: IMAGE, offset: 0x9000n, major: 0xfe, minor: 0, inode: 1_835_021n, file: '/usr/sbin/mapd' },
  { base: 0x55d0_4a60_a000n, size: 0x1000n, perms: 0, protect: 0x01, type: IMAGE, offset: 0xa000n, major: 0xfe, minor: 0, inode: 1_835_021n, file: '/usr/sbin/mapd', state: RESERVE },
  { base: 0x55d0_4c00_0000n, size: 0x21000n, perms: R | W, protect: 0x04, type: PRIVATE, offset: 0n, major: 0, minor: 0, inode: 0n, label: '[heap]' },
  { base: 0x7f3a_1000_0000n, size: 0x1_0000_0000n, perms: R | S, protect: 0x02, type: MAPPED, offset: 0x1_2345_6000n, major: 0x103, minor: 0x10002, inode: 12_884_901_890n, file: '/srv/data/caf\uf7e9/index.db' },
  { base: 0x7f3b_1000_0000n, size: 0x1000n, perms: W, protect: 0x04, type: PRIVATE, offset: 0n, major: 0, minor: 0, inode: 0n },
  { base: 0x7f3b_1000_1000n, size: 0x3000n, perms: R | W, protect: 0x04, type: PRIVATE, offset: 0n, major: 0, minor: 0, inode: 0n },
  { base: 0x7f3b_1000_4000n, size: 0x1000n, perms: R | W | S, protect: 0x04, type: MAPPED, offset: 0n, major: 0, minor: 1, inode: 4_242n, file: '/dev/zero (deleted)' },
  { base: 0x7f3b_1000_5000n, size: 0x2000n, perms: R | W, protect: 0x04, type: PRIVATE, offset: 0n, major: 0, minor: 0, inode: 0n, label: '[anon:mapd arena]' },
  { base: 0x7ffd_2000_0000n, size: 0x21000n, perms: R | W, protect: 0x04, type: PRIVATE, offset: 0n, major: 0, minor: 0, inode: 0n, label: '[stack]' },
  { base: 0x7ffd_2010_0000n, size: 0x2000n, perms: R | X, protect: 0x20, type: PRIVATE, offset: 0n, major: 0, minor: 0, inode: 0n, label: '[vdso]' },
  { base: 0xffff_ffff_ff60_0000n, size: 0x1000n, perms: X, protect: 0x10, type: PRIVATE, offset: 0n, major: 0, minor: 0, inode: 0n, label: '[vsyscall]' },
]

const vaSpace: VaSpaceEntry[] = lines.map((l) => ({
  baseAddress: l.base,
  regionSize: l.size,
  state: l.state ?? COMMIT,
  protect: l.protect,
  type: l.type,
  ...(l.file !== undefined ? { mappedFileName: l.file } : {}),
  ...(l.label !== undefined ? { mappingLabel: l.label } : {}),
  fileOffset: l.offset,
  deviceMajor: l.major,
  deviceMinor: l.minor,
  inode: l.inode,
  mapsPermissions: l.perms,
}))

/** The maps text of these regions, as a 64-bit kernel prints it (name column at 73), typed out by hand. */
export const MAPS_TEXT = [
  '55d04a600000-55d04a602000 r--p 00000000 fe:00 1835021                    /usr/sbin/mapd',
  '55d04a602000-55d04a607000 r-xp 00002000 fe:00 1835021                    /usr/sbin/mapd',
  '55d04a607000-55d04a609000 r--p 00007000 fe:00 1835021                    /usr/sbin/mapd',
  '55d04a609000-55d04a60a000 rw-p 00009000 fe:00 1835021                    /usr/sbin/mapd',
  '55d04a60a000-55d04a60b000 ---p 0000a000 fe:00 1835021                    /usr/sbin/mapd',
  '55d04c000000-55d04c021000 rw-p 00000000 00:00 0                          [heap]',
  '7f3a10000000-7f3b10000000 r--s 123456000 103:10002 12884901890           /srv/data/caf\xe9/index.db',
  '7f3b10000000-7f3b10001000 -w-p 00000000 00:00 0 ',
  '7f3b10001000-7f3b10004000 rw-p 00000000 00:00 0 ',
  '7f3b10004000-7f3b10005000 rw-s 00000000 00:01 4242                       /dev/zero (deleted)',
  '7f3b10005000-7f3b10007000 rw-p 00000000 00:00 0                          [anon:mapd arena]',
  '7ffd20000000-7ffd20021000 rw-p 00000000 00:00 0                          [stack]',
  '7ffd20100000-7ffd20102000 r-xp 00000000 00:00 0                          [vdso]',
  'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]',
]
  .map((l) => `${l}\n`)
  .join('')

const epilogue: Epilogue = {
  finishedAt: '2026-12-03T00:00:00.004Z',
  timings: { processMs: 0.2, processInfoMs: 0.3, threadsMs: 0.1, vaSpaceMs: 0.5, captureMs: 1.4, writeMs: 0.6 },
  captureErrors: [],
}

/** The fixed Linux snapshot of the `linux-maps` fixture (format 1.3). */
export function linuxMapsSnapshot(): Snapshot {
  return { header, epilogue, sections: { handles: [], threads, vaSpace, auxiliaryPages: [] } }
}
