// The process as a whole: existence and access checks, `target`, and PSS_PROCESS_INFORMATION's fields that
// have a true Linux equivalent (spec/LINUX.md §2). The others stay absent.
import { closeSync, constants, openSync, readSync, statSync } from 'node:fs'
import type { ArchiveHeaderInput, ProcessInformation } from '../../format/index.js'
import { CaptureFailedError } from '../errors.js'
import { accessDeniedCause } from './access-denied.js'
import { isKernelThread } from './ps.js'
import { answersFromMemory, lazyMounts, type MountTable } from './mounts.js'
import { cpuMask, isDenied, isGone, parseStat, parseStatus, procRoot, readLink, readText, statusBytes } from './proc.js'
import { startTimeFiletime, ticksToDuration } from './time.js'

type ProcessInformationInput = NonNullable<ArchiveHeaderInput['processInformation']>

/** ELF e_machine → Node's architecture vocabulary (spec §3 `host`). */
const ELF_MACHINES: Record<number, string> = { 0x03: 'x86', 0x3e: 'x64', 0xb7: 'arm64', 0x28: 'arm', 0xf3: 'riscv64', 0x08: 'mips', 0x15: 'ppc64', 0x16: 's390x', 0x102: 'loong64' }

/** ia32 is written x86 (spec §3). */
export const nodeArch = (arch: string = process.arch) => (arch === 'ia32' ? 'x86' : arch)

/**
 * Fails with a typed error when the process does not exist or cannot be inspected. /proc/<pid>/stat is
 * world-readable; `fd/` and `maps` need ptrace read access, which is what the capture needs.
 */
export function checkAccess(pid: number): void {
  const root = procRoot(pid)
  try {
    statSync(root)
  } catch (error) {
    if (isGone(error)) throw new CaptureFailedError('NO_SUCH_PROCESS', `no process with id ${pid}`, pid)
    throw error
  }
  try {
    readLink(`${root}/exe`)
  } catch (error) {
    if (isGone(error)) {
      // A kernel thread has no exe (ENOENT) but is still there; a process that exited is not.
      let stat: ReturnType<typeof parseStat>
      try {
        stat = parseStat(readText(`${root}/stat`))
        readText(`${root}/maps`)
      } catch {
        throw new CaptureFailedError('NO_SUCH_PROCESS', `process ${pid} exited`, pid)
      }
      // Nothing of a kernel thread is there to capture (no maps, fds or executable): refused, not an empty archive.
      if (isKernelThread(stat.num(9))) throw new CaptureFailedError('KERNEL_THREAD', `process ${pid} (${stat.comm}) is a kernel thread: it has no memory maps, file descriptors or executable to capture`, pid)
      return
    }
    if (!isDenied(error)) throw error
    throw new CaptureFailedError('ACCESS_DENIED', `cannot inspect process ${pid}: ${accessDeniedCause(pid)}`, pid)
  }
}

export interface ProcessPart {
  target: { processId: number; imagePath?: string; architecture?: string }
  processInformation: ProcessInformationInput
  comm: string
}

export function readProcess(pid: number, boot: bigint, mounts: () => MountTable | undefined = lazyMounts(pid)): ProcessPart {
  const root = procRoot(pid)
  const stat = parseStat(readText(`${root}/stat`))
  const status = parseStatus(readText(`${root}/status`))
  let imagePath: string | undefined
  try {
    imagePath = readLink(`${root}/exe`)
  } catch {
    // Kernel threads have no executable.
  }
  const info: ProcessInformationInput = {
    processId: pid,
    parentProcessId: stat.num(4),
    basePriority: stat.num(19), // nice: the base the kernel derives the scheduling priority from
    createTime: startTimeFiletime(boot, stat.big(22)),
    kernelTime: ticksToDuration(stat.big(15)),
    userTime: ticksToDuration(stat.big(14)),
    // PageFaultCount is a ULONG: clamp instead of wrapping silently.
    pageFaultCount: Math.min(0xffffffff, stat.num(10) + stat.num(12)),
  }
  const sizes: [keyof ProcessInformation, string][] = [
    ['virtualSize', 'VmSize'],
    ['peakVirtualSize', 'VmPeak'],
    ['workingSetSize', 'VmRSS'],
    ['peakWorkingSetSize', 'VmHWM'],
    // Private writable mappings, what Linux's commit accounting charges: the nearest to PrivateUsage.
    ['privateUsage', 'VmData'],
    ['pagefileUsage', 'VmSwap'],
  ]
  for (const [key, name] of sizes) {
    const v = statusBytes(status, name)
    if (v !== undefined) (info as Record<string, unknown>)[key] = v
  }
  const mask = cpuMask(status)
  if (mask !== undefined) info.affinityMask = mask
  if (imagePath !== undefined) info.imageFileName = imagePath
  // Opening the executable asks its file system: only one that answers from memory (spec/LINUX.md §5.1).
  const architecture = imagePath !== undefined && answersFromMemory(mounts()?.ofPath(imagePath)?.fsType) ? elfArchitecture(`${root}/exe`) : undefined
  return {
    target: { processId: pid, ...(imagePath !== undefined ? { imagePath } : {}), ...(architecture ? { architecture } : {}) },
    processInformation: info,
    comm: stat.comm,
  }
}

/** The executable's architecture from its ELF header, or undefined when it cannot be read. */
function elfArchitecture(path: string): string | undefined {
  let fd: number | undefined
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
    const head = Buffer.alloc(20)
    if (readSync(fd, head, 0, 20, 0) < 20 || head.readUInt32BE(0) !== 0x7f454c46) return undefined
    const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18)
    return ELF_MACHINES[machine] ?? `elf-machine-${machine}`
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
