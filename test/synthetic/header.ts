// HEADER and EPILOGUE of a synthetic capture: producer, host, target, how it was taken and every
// PssQuerySnapshot result, consistent with the generated sections. Times derive from the seed, never from
// the clock, so the same seed always writes the same bytes.
import type { ArchiveHeaderInput, Epilogue } from '../../format/index.js'
import type { Rng } from './prng.js'
import { TARGET_IMAGE_PATH } from './vocabulary.js'
import { CONTEXT_ALL, X64_CONTEXT_SIZE } from './x64-context.js'

const FILETIME_UNIX_EPOCH = 116_444_736_000_000_000n
// VA_CLONE | HANDLES | HANDLE_NAME_INFORMATION | HANDLE_BASIC_INFORMATION | HANDLE_TYPE_SPECIFIC_INFORMATION |
// THREADS | THREAD_CONTEXT | VA_SPACE | VA_SPACE_SECTION_INFORMATION | CREATE_MEASURE_PERFORMANCE
export const CAPTURE_FLAGS = 0x400019bd
const BASE_TIME = Date.UTC(2026, 10, 25, 12, 0, 0)

const min = (a: bigint, b: bigint) => (a < b ? a : b)

export function filetimeOfMs(ms: number): bigint {
  return BigInt(ms) * 10_000n + FILETIME_UNIX_EPOCH
}

export interface Times {
  startedAtMs: number
  captureTicks: bigint
  processCreateTicks: bigint
}

/** The capture start (within 30 days after 2026-11-25T12:00Z) and the process start (up to 10 days before). */
export function captureTimes(rng: Rng): Times {
  const startedAtMs = BASE_TIME + rng.int(0, 30 * 86_400_000)
  const processCreateMs = startedAtMs - rng.int(60_000, 10 * 86_400_000)
  return { startedAtMs, captureTicks: filetimeOfMs(startedAtMs), processCreateTicks: filetimeOfMs(processCreateMs) + BigInt(rng.int(0, 9999)) }
}

export interface HeaderInput {
  times: Times
  pid: number
  parentPid: number
  pebBaseAddress: number
  virtualSize: number
  counts: { handles: number; threads: number; regions: number; auxPages: number }
}

export function generateHeader(rng: Rng, input: HeaderInput): ArchiveHeaderInput {
  const { times, counts } = input
  const virtualSize = BigInt(input.virtualSize)
  const workingSet = BigInt(rng.int(0x800, 0x20000) * 0x1000)
  const privateUsage = BigInt(rng.int(0x400, 0x10000) * 0x1000)
  const cycles = () => BigInt(rng.int(1_000_000, 900_000_000))
  const lifetime = times.captureTicks - times.processCreateTicks
  const wall = () => BigInt(rng.int(100, 2_000_000))
  return {
    producer: { tool: 'pssnap', version: '0.1.0' },
    host: { platform: 'windows', architecture: 'x64', osVersion: '10.0.22631', osBuild: '22631.4317', machineName: 'BUILD-SRV-07' },
    target: { processId: input.pid, imagePath: TARGET_IMAGE_PATH, architecture: 'x64' },
    capture: {
      captureFlags: CAPTURE_FLAGS,
      threadContextFlags: CONTEXT_ALL,
      startedAt: new Date(times.startedAtMs).toISOString(),
      preset: 'full',
    },
    processInformation: {
      exitStatus: 259, // STILL_ACTIVE
      pebBaseAddress: BigInt(input.pebBaseAddress),
      affinityMask: 0xffn,
      basePriority: 8,
      processId: input.pid,
      parentProcessId: input.parentPid,
      flags: 0,
      createTime: times.processCreateTicks,
      exitTime: 0n,
      // CPU time in 15.625 ms scheduler ticks, never more than the process has existed.
      kernelTime: min(BigInt(rng.int(1, 500_000) * 156_250), lifetime / 4n),
      userTime: min(BigInt(rng.int(1, 900_000) * 156_250), lifetime / 2n),
      priorityClass: 0x20, // NORMAL_PRIORITY_CLASS
      peakVirtualSize: virtualSize + (virtualSize / 1024n) * BigInt(rng.int(0, 256)),
      virtualSize,
      pageFaultCount: rng.int(10_000, 50_000_000),
      peakWorkingSetSize: workingSet + BigInt(rng.int(0, 0x4000) * 0x1000),
      workingSetSize: workingSet,
      quotaPeakPagedPoolUsage: BigInt(rng.int(0x100, 0x800) * 0x100),
      quotaPagedPoolUsage: BigInt(rng.int(0x80, 0x100) * 0x100),
      quotaPeakNonPagedPoolUsage: BigInt(rng.int(0x40, 0x200) * 0x10),
      quotaNonPagedPoolUsage: BigInt(rng.int(0x20, 0x40) * 0x10),
      pagefileUsage: privateUsage,
      peakPagefileUsage: privateUsage + BigInt(rng.int(0, 0x2000) * 0x1000),
      privateUsage,
      executeFlags: 0,
      imageFileName: TARGET_IMAGE_PATH,
    },
    vaCloneInformation: { vaCloneHandle: BigInt(4 * rng.int(0x40, 0x400)) },
    auxiliaryPagesInformation: { auxPagesCaptured: counts.auxPages },
    vaSpaceInformation: { regionCount: counts.regions },
    handleInformation: { handlesCaptured: counts.handles },
    threadInformation: { threadsCaptured: counts.threads, contextLength: X64_CONTEXT_SIZE },
    performanceCounters: {
      totalCycleCount: cycles() * 4n,
      totalWallClockPeriod: wall() * 4n,
      vaCloneCycleCount: cycles(),
      vaCloneWallClockPeriod: wall(),
      vaSpaceCycleCount: cycles(),
      vaSpaceWallClockPeriod: wall(),
      auxPagesCycleCount: cycles(),
      auxPagesWallClockPeriod: wall(),
      handlesCycleCount: cycles(),
      handlesWallClockPeriod: wall(),
      threadsCycleCount: cycles(),
      threadsWallClockPeriod: wall(),
    },
  }
}

export function generateEpilogue(rng: Rng, times: Times): Epilogue {
  // Timings in ms with µs resolution, as performance.now() differences round.
  const ms = (max: number) => Math.round(rng.next() * max * 1000) / 1000
  const timings = { captureMs: ms(40), queryMs: ms(2), walkMs: ms(300), writeMs: ms(200) }
  const total = Math.ceil(timings.captureMs + timings.queryMs + timings.walkMs + timings.writeMs)
  return { finishedAt: new Date(times.startedAtMs + total).toISOString(), timings, captureErrors: [] }
}
