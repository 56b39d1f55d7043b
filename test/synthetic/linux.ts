// A small, fixed, Linux-shaped snapshot for the format 1.1 golden fixture: what capture/linux/ writes for a
// service (spec/LINUX.md), every 1.1 column filled, written by hand rather than drawn from a generator so
// each value can be read off this file. Made up: no real process was captured.
import type { ArchiveHeaderInput, Epilogue, HandleEntry, ThreadEntry, VaSpaceEntry } from '../../format/index.js'
import type { Snapshot } from './generate.js'

const PID = 48213
// 2026-11-25T09:30:00Z as FILETIME (100 ns ticks since 1601).
const CAPTURE = 134400726000000000n
const STARTED = CAPTURE - 36_000_000_000n // an hour earlier
const KB = 1024n

const header: ArchiveHeaderInput = {
  producer: { tool: 'pssnap', version: '0.1.0' },
  host: { platform: 'linux', architecture: 'x64', osVersion: '6.1.0-28-amd64', machineName: 'build-host-7' },
  target: { processId: PID, imagePath: '/usr/lib/svc/bin/svc-daemon', architecture: 'x64' },
  capture: { captureFlags: 0x4 | 0x8 | 0x80 | 0x800 | 0x1000, threadContextFlags: 0, startedAt: '2026-11-25T09:30:00.000Z', preset: 'default' },
  processInformation: {
    processId: PID,
    parentProcessId: 1,
    createTime: STARTED,
    userTime: 182_400_000n,
    kernelTime: 41_200_000n,
    basePriority: 0,
    virtualSize: 1_208_000n * KB,
    peakVirtualSize: 1_310_000n * KB,
    workingSetSize: 98_304n * KB,
    peakWorkingSetSize: 120_000n * KB,
    privateUsage: 65_536n * KB,
    pagefileUsage: 2_048n * KB,
    pageFaultCount: 18_734,
    affinityMask: 0xfn,
    imageFileName: '/usr/lib/svc/bin/svc-daemon',
  },
  handleInformation: { handlesCaptured: 9 },
  threadInformation: { threadsCaptured: 4, contextLength: 0 },
  vaSpaceInformation: { regionCount: 8 },
}

const HAVE_TYPE_AND_NAME = 0x3
const fd = (n: number, typeName: string, objectName: string, openFlags: number, filePosition: bigint): HandleEntry => ({
  handle: BigInt(n),
  flags: HAVE_TYPE_AND_NAME,
  objectType: 0,
  captureTime: CAPTURE + BigInt(n),
  typeName,
  objectName,
  openFlags,
  filePosition,
})

// O_* values as fdinfo shows them: 0o100000 O_LARGEFILE is always set on 64-bit kernels.
const handles: HandleEntry[] = [
  fd(0, 'CharacterDevice', '/dev/null', 0o100000, 0n),
  fd(1, 'Pipe', 'pipe:[771204]', 0o1, 0n),
  fd(2, 'Pipe', 'pipe:[771205]', 0o1, 0n),
  fd(3, 'File', '/var/log/svc/übersicht-2026-11-25.log', 0o2102001, 1_048_576n), // WRONLY|APPEND|CLOEXEC
  fd(4, 'Socket', 'socket:[802117]', 0o2004002, 0n), // RDWR|NONBLOCK|CLOEXEC
  fd(5, 'Epoll', 'anon_inode:[eventpoll]', 0o2000002, 0n),
  fd(6, 'EventFd', 'anon_inode:[eventfd]', 0o2004002, 0n),
  fd(7, 'File', '/home/svc/.cache/svc/index.db', 0o2100002, 8_192n),
  fd(8, 'Directory', '/etc/svc/conf.d', 0o2304000, 0n), // RDONLY|NONBLOCK|LARGEFILE|DIRECTORY|CLOEXEC
]

const thread = (tid: number, name: string, schedulerState: string, userTicks: bigint): ThreadEntry => ({
  threadId: tid,
  processId: PID,
  priority: 20,
  basePriority: 0,
  createTime: STARTED + BigInt(tid - PID) * 10_000n,
  kernelTime: userTicks / 4n,
  userTime: userTicks,
  captureTime: CAPTURE,
  flags: 0,
  affinityMask: 0xfn,
  threadName: name,
  schedulerState,
})

const threads: ThreadEntry[] = [
  thread(PID, 'svc-daemon', 'S', 120_000_000n),
  thread(PID + 1, 'svc-io', 'D', 40_000_000n),
  thread(PID + 2, 'svc-worker', 'R', 22_000_000n),
  thread(PID + 3, 'svc-timer', 'S', 400_000n),
]

const MEM_COMMIT = 0x1000
const MEM_IMAGE = 0x1000000
const MEM_MAPPED = 0x40000
const MEM_PRIVATE = 0x20000
const region = (base: bigint, size: bigint, protect: number, type: number, file: string | undefined, rss: bigint, pss: bigint, swap: bigint): VaSpaceEntry => ({
  baseAddress: base,
  regionSize: size,
  state: MEM_COMMIT,
  protect,
  type,
  ...(file ? { mappedFileName: file } : {}),
  residentSize: rss,
  proportionalSize: pss,
  swappedSize: swap,
})

const vaSpace: VaSpaceEntry[] = [
  region(0x55d0_4a20_0000n, 0x1_8000n, 0x02, MEM_IMAGE, '/usr/lib/svc/bin/svc-daemon', 96n * KB, 96n * KB, 0n),
  region(0x55d0_4a21_8000n, 0x9_c000n, 0x20, MEM_IMAGE, '/usr/lib/svc/bin/svc-daemon', 512n * KB, 512n * KB, 0n),
  region(0x55d0_4a2b_4000n, 0x2000n, 0x08, MEM_IMAGE, '/usr/lib/svc/bin/svc-daemon', 8n * KB, 8n * KB, 0n),
  region(0x55d0_4c00_0000n, 0x240_0000n, 0x04, MEM_PRIVATE, undefined, 30_720n * KB, 30_720n * KB, 2_048n * KB), // [heap]
  region(0x7f3a_1000_0000n, 0x40_0000n, 0x02, MEM_MAPPED, '/home/svc/.cache/svc/index.db', 1_024n * KB, 1_024n * KB, 0n),
  region(0x7f3a_2000_0000n, 0x19_e000n, 0x20, MEM_IMAGE, '/usr/lib/x86_64-linux-gnu/libc.so.6', 1_300n * KB, 86n * KB, 0n),
  region(0x7f3a_2020_0000n, 0x1000n, 0x01, MEM_PRIVATE, undefined, 0n, 0n, 0n), // guard gap
  region(0x7ffd_9a80_0000n, 0x2_1000n, 0x04, MEM_PRIVATE, undefined, 36n * KB, 36n * KB, 0n), // [stack]
]

const epilogue: Epilogue = {
  finishedAt: '2026-11-25T09:30:00.012Z',
  timings: { processMs: 0.4, handlesMs: 0.9, threadsMs: 0.6, vaSpaceMs: 1.8, captureMs: 3.9, writeMs: 1.1 },
  captureErrors: [{ section: 'handles', operation: 'readFile', code: 2, name: 'ENOENT', message: '/proc/48213/fdinfo/9: no such file or directory; closed during the walk; kept without open flags and position' }],
}

/** The fixed Linux snapshot of the `linux-small` fixture (format 1.1). */
export function linuxSnapshot(): Snapshot {
  return { header, epilogue, sections: { handles, threads, vaSpace, auxiliaryPages: [] } }
}
