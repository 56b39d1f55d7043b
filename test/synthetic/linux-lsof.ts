// A small, fixed Linux snapshot for the format 1.2 golden fixture `linux-lsof` (issue 16): what
// capture/linux/ writes at lsof depth (spec/LINUX.md §9): sockets of every family with the linux.socket and
// linux.inet groups, deleted and live files with linux.file, fdinfo details, mapping labels, and the
// header's linuxProcess. Written by hand so each value can be read off this file; made up, no real process.
// Strings include a non-UTF-8 byte (U+F7FF, ARCHIVE.md §1.1) in a socket path and an argument.
import type { ArchiveHeaderInput, Epilogue, HandleEntry, ThreadEntry, VaSpaceEntry } from '../../format/index.js'
import type { Snapshot } from './generate.js'

const PID = 51377
// 2026-12-02T11:00:00Z as FILETIME (startedAt says 10:00: the two need not agree in a made-up snapshot).
const CAPTURE = 134406828000000000n
const STARTED = CAPTURE - 6_000_000_000n
const KB = 1024n
const INFINITY = (1n << 64n) - 1n

const header: ArchiveHeaderInput = {
  producer: { tool: 'pssnap', version: '0.1.0' },
  host: { platform: 'linux', architecture: 'x64', osVersion: '6.12.0-1-amd64', machineName: 'edge-3' },
  target: { processId: PID, imagePath: '/opt/relay/bin/relay', architecture: 'x64' },
  capture: { captureFlags: 0x4 | 0x8 | 0x80 | 0x800 | 0x1000, threadContextFlags: 0, startedAt: '2026-12-02T10:00:00.000Z', preset: 'default' },
  processInformation: { processId: PID, parentProcessId: 1, createTime: STARTED, basePriority: 0, virtualSize: 300_000n * KB, workingSetSize: 40_000n * KB, privateUsage: 20_000n * KB, imageFileName: '/opt/relay/bin/relay' },
  handleInformation: { handlesCaptured: 16 },
  threadInformation: { threadsCaptured: 1, contextLength: 0 },
  vaSpaceInformation: { regionCount: 7 },
  linuxProcess: {
    commandLine: ['/opt/relay/bin/relay', '--listen=0.0.0.0:8080', '--spool', '/var/spool/relay/caf\uf7e9'],
    workingDirectory: '/var/lib/relay',
    rootDirectory: '/',
    executableDeleted: false,
    realUserId: 998,
    effectiveUserId: 998,
    savedUserId: 998,
    filesystemUserId: 998,
    realGroupId: 997,
    effectiveGroupId: 997,
    savedGroupId: 997,
    filesystemGroupId: 997,
    userName: 'relay',
    effectiveUserName: 'relay',
    groupName: 'relay',
    effectiveGroupName: 'relay',
    supplementaryGroups: [997, 4],
    limits: { openFiles: { soft: 65_536n, hard: 524_288n }, addressSpace: { soft: INFINITY, hard: INFINITY }, stackSize: { soft: 8_388_608n, hard: INFINITY } },
    cgroup: ['0::/system.slice/relay.service'],
    namespaces: { net: 4026531840n, mnt: 4026531841n, pid: 4026531836n, user: 4026531837n },
  },
}

const fd = (n: number, typeName: string, objectName: string, openFlags: number, extra: Partial<HandleEntry> = {}): HandleEntry => ({
  handle: BigInt(n),
  flags: 0x3,
  objectType: 0,
  captureTime: CAPTURE + BigInt(n),
  typeName,
  objectName,
  openFlags,
  filePosition: 0n,
  ...extra,
})
const file = (deleted: 0 | 1) => ({ file: { deleted } })
const RDWR_NONBLOCK_CLOEXEC = 0o2004002

const handles: HandleEntry[] = [
  fd(0, 'CharacterDevice', '/dev/null', 0o100000, { linux: file(0) }),
  fd(3, 'Socket', 'socket:[91001]', RDWR_NONBLOCK_CLOEXEC, { linux: { socket: { family: 'inet', protocol: 'tcp', state: 'LISTEN', localAddress: '0.0.0.0' }, inet: { localPort: 8080, remotePort: 0, sendQueue: 0, receiveQueue: 2 } } }),
  fd(4, 'Socket', 'socket:[91002]', RDWR_NONBLOCK_CLOEXEC, { linux: { socket: { family: 'inet', protocol: 'tcp', state: 'ESTABLISHED', localAddress: '192.0.2.10', remoteAddress: '198.51.100.23' }, inet: { localPort: 8080, remotePort: 51234, sendQueue: 1448, receiveQueue: 0 } } }),
  fd(5, 'Socket', 'socket:[91003]', RDWR_NONBLOCK_CLOEXEC, { linux: { socket: { family: 'inet6', protocol: 'udp', state: 'CLOSE', localAddress: '::' }, inet: { localPort: 5353, remotePort: 0, sendQueue: 0, receiveQueue: 0 } } }),
  fd(6, 'Socket', 'socket:[91004]', RDWR_NONBLOCK_CLOEXEC, { linux: { socket: { family: 'unix', protocol: 'stream', state: 'LISTEN', localAddress: '/run/relay/ctl-\uf7ff.sock' } } }),
  fd(7, 'Socket', 'socket:[91005]', RDWR_NONBLOCK_CLOEXEC, { linux: { socket: { family: 'unix', protocol: 'dgram', state: 'UNCONNECTED', localAddress: '@relay-notify' } } }),
  fd(8, 'Socket', 'socket:[91006]', RDWR_NONBLOCK_CLOEXEC, { linux: { socket: { family: 'unix', protocol: 'stream', state: 'CONNECTED' } } }),
  fd(9, 'Socket', 'socket:[91007]', RDWR_NONBLOCK_CLOEXEC, { linux: { socket: { family: 'netlink', protocol: 'route', localAddress: '51377' } } }),
  fd(10, 'Socket', 'socket:[91008]', RDWR_NONBLOCK_CLOEXEC), // found in no table (SCTP): name and type only
  fd(11, 'File', '/var/spool/relay/q-17.tmp (deleted)', 0o2100002, { filePosition: 4096n, linux: file(1) }),
  fd(12, 'File', '/var/spool/relay/named (deleted)', 0o2100002, { linux: file(0) }), // a live file called so
  fd(13, 'Memfd', '/memfd:relay-jit (deleted)', 0o2100002, { details: 'relay-jit', linux: file(1) }),
  fd(14, 'EventFd', 'anon_inode:[eventfd]', 0o2004002, { details: 'count 3, id 14' }),
  fd(15, 'TimerFd', 'anon_inode:[timerfd]', 0o2004002, { details: 'clock monotonic, ticks 0, value 0.250000000s, interval 1.000000000s' }),
  fd(16, 'SignalFd', 'anon_inode:[signalfd]', 0o2004002, { details: 'signals SIGHUP|SIGTERM' }),
  fd(17, 'Inotify', 'anon_inode:inotify', 0o2004000, { details: 'watches 1, wd 1 ino 2a0013 dev 800013 mask 0x300' }),
]

const threads: ThreadEntry[] = [
  { threadId: PID, processId: PID, priority: 20, basePriority: 0, createTime: STARTED, kernelTime: 10_000n, userTime: 40_000n, captureTime: CAPTURE, flags: 0, threadName: 'relay', schedulerState: 'S' },
]

const region = (base: bigint, size: bigint, protect: number, type: number, extra: Partial<VaSpaceEntry>): VaSpaceEntry => ({ baseAddress: base, regionSize: size, state: 0x1000, protect, type, ...extra })
const vaSpace: VaSpaceEntry[] = [
  region(0x5600_0000_0000n, 0x2_0000n, 0x20, 0x1000000, { mappedFileName: '/opt/relay/bin/relay', linux: file(0) }),
  region(0x5600_0100_0000n, 0x21_000n, 0x04, 0x20000, { mappingLabel: '[heap]' }),
  region(0x7f00_0000_0000n, 0x10_0000n, 0x04, 0x20000, { mappingLabel: '[anon:relay arena]' }),
  region(0x7f00_0010_0000n, 0x1000n, 0x02, 0x40000, { mappedFileName: '/var/spool/relay/q-17.tmp (deleted)', linux: file(1) }),
  region(0x7f00_0020_0000n, 0x1000n, 0x04, 0x40000, { mappedFileName: '/memfd:relay-jit (deleted)', linux: file(1) }),
  region(0x7ffc_0000_0000n, 0x2_1000n, 0x04, 0x20000, { mappingLabel: '[stack]' }),
  region(0x7ffc_0010_0000n, 0x2000n, 0x20, 0x20000, { mappingLabel: '[vdso]' }),
]

const epilogue: Epilogue = {
  finishedAt: '2026-12-02T10:00:00.009Z',
  timings: { processMs: 0.3, processInfoMs: 0.5, handlesMs: 1.2, threadsMs: 0.2, vaSpaceMs: 0.6, captureMs: 2.9, writeMs: 0.8 },
  captureErrors: [{ section: 'handles', operation: 'read', code: 74, name: 'EBADMSG', message: '/proc/51377/net/unix: socket inode 91009 is listed more than once; kept without family, addresses and state (a unix path can forge a line)' }],
}

/** The fixed Linux snapshot of the `linux-lsof` fixture (format 1.2). */
export function linuxLsofSnapshot(): Snapshot {
  return { header, epilogue, sections: { handles, threads, vaSpace, auxiliaryPages: [] } }
}
