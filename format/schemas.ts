// zod schemas of every map the archive carries (spec/ARCHIVE.md §3–5, §8) and the types inferred from
// them. They validate *containers* (a header, one chunk's column maps), never entry by entry: a chunk's
// values are checked by tight loops in columns.ts, so validation costs ~nothing next to decoding.
// zod/mini (still zod) keeps the CLI's cold start small: the classic API costs ~60 ms more to load.
import * as z from 'zod/mini'

const U32_MAX = 0xffffffff
const U64_MAX = (1n << 64n) - 1n

/** u32 in a map: any MessagePack integer format. */
export const u32 = z.int().check(z.minimum(0), z.maximum(U32_MAX))
export const i32 = z.int().check(z.minimum(-0x80000000), z.maximum(0x7fffffff))
/** u64 in a map: written with any integer width (spec §1), widened here to bigint. */
export const u64 = z.pipe(
  z.union([z.bigint().check(z.minimum(0n), z.maximum(U64_MAX)), z.int().check(z.minimum(0))]),
  z.transform((v: bigint | number) => BigInt(v)),
)
export const i64 = z.pipe(
  z.union([z.bigint().check(z.minimum(-(1n << 63n)), z.maximum((1n << 63n) - 1n)), z.int()]),
  z.transform((v: bigint | number) => BigInt(v)),
)

export const ProducerSchema = z.object({ tool: z.string(), version: z.string() })
export const HostSchema = z.object({
  platform: z.string(),
  architecture: z.string(),
  osVersion: z.optional(z.string()),
  osBuild: z.optional(z.string()),
  machineName: z.optional(z.string()),
})
export const TargetSchema = z.object({
  processId: u32,
  imagePath: z.optional(z.string()),
  architecture: z.optional(z.string()),
})
export const CaptureSchema = z.object({
  captureFlags: u32,
  threadContextFlags: u32,
  startedAt: z.string(),
  preset: z.optional(z.string()),
})

export const ProcessInformationSchema = z.object({
  exitStatus: z.optional(u32),
  pebBaseAddress: z.optional(u64),
  affinityMask: z.optional(u64),
  basePriority: z.optional(i32),
  processId: z.optional(u32),
  parentProcessId: z.optional(u32),
  flags: z.optional(u32),
  createTime: z.optional(u64),
  exitTime: z.optional(u64),
  kernelTime: z.optional(u64),
  userTime: z.optional(u64),
  priorityClass: z.optional(u32),
  peakVirtualSize: z.optional(u64),
  virtualSize: z.optional(u64),
  pageFaultCount: z.optional(u32),
  peakWorkingSetSize: z.optional(u64),
  workingSetSize: z.optional(u64),
  quotaPeakPagedPoolUsage: z.optional(u64),
  quotaPagedPoolUsage: z.optional(u64),
  quotaPeakNonPagedPoolUsage: z.optional(u64),
  quotaNonPagedPoolUsage: z.optional(u64),
  pagefileUsage: z.optional(u64),
  peakPagefileUsage: z.optional(u64),
  privateUsage: z.optional(u64),
  executeFlags: z.optional(u32),
  imageFileName: z.optional(z.string()),
})

export const PerformanceCountersSchema = z.object({
  totalCycleCount: u64,
  totalWallClockPeriod: u64,
  vaCloneCycleCount: u64,
  vaCloneWallClockPeriod: u64,
  vaSpaceCycleCount: u64,
  vaSpaceWallClockPeriod: u64,
  auxPagesCycleCount: u64,
  auxPagesWallClockPeriod: u64,
  handlesCycleCount: u64,
  handlesWallClockPeriod: u64,
  threadsCycleCount: u64,
  threadsWallClockPeriod: u64,
})

export const RedactionSchema = z.object({
  method: z.string(),
  redactedAt: z.string(),
  fields: z.array(z.string()),
  contextsDropped: z.boolean(),
})

/** `linuxProcess` (format 1.2, spec/ARCHIVE.md §3.3, LINUX.md §9.5): a Linux process beyond PSS_PROCESS_INFORMATION. */
const LimitSchema = z.object({ soft: u64, hard: u64 })
export const LINUX_LIMIT_NAMES = ['cpuTime', 'fileSize', 'dataSize', 'stackSize', 'coreFileSize', 'residentSet', 'processes', 'openFiles', 'lockedMemory', 'addressSpace', 'fileLocks', 'pendingSignals', 'msgqueueSize', 'nicePriority', 'realtimePriority', 'realtimeTimeout'] as const
export const LINUX_NAMESPACE_NAMES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children', 'time', 'time_for_children', 'user', 'uts'] as const
export const LinuxProcessSchema = z.object({
  commandLine: z.optional(z.array(z.string())),
  workingDirectory: z.optional(z.string()),
  rootDirectory: z.optional(z.string()),
  executableDeleted: z.optional(z.boolean()),
  realUserId: z.optional(u32),
  effectiveUserId: z.optional(u32),
  savedUserId: z.optional(u32),
  filesystemUserId: z.optional(u32),
  realGroupId: z.optional(u32),
  effectiveGroupId: z.optional(u32),
  savedGroupId: z.optional(u32),
  filesystemGroupId: z.optional(u32),
  userName: z.optional(z.string()),
  effectiveUserName: z.optional(z.string()),
  groupName: z.optional(z.string()),
  effectiveGroupName: z.optional(z.string()),
  supplementaryGroups: z.optional(z.array(u32)),
  limits: z.optional(z.object(Object.fromEntries(LINUX_LIMIT_NAMES.map((n) => [n, z.optional(LimitSchema)])) as Record<(typeof LINUX_LIMIT_NAMES)[number], z.ZodMiniOptional<typeof LimitSchema>>)),
  cgroup: z.optional(z.array(z.string())),
  namespaces: z.optional(z.object(Object.fromEntries(LINUX_NAMESPACE_NAMES.map((n) => [n, z.optional(u64)])) as Record<(typeof LINUX_NAMESPACE_NAMES)[number], z.ZodMiniOptional<typeof u64>>)),
})

/** `captureSet` (format 1.2, spec/ARCHIVE.md §3.4): archives one command wrote together (several targets, a watched series). */
export const CaptureSetSchema = z.object({
  id: z.string(),
  kind: z.optional(z.string()),
  index: z.optional(u32),
  size: z.optional(u32),
  root: z.optional(u32),
  trigger: z.optional(z.string()),
})

export const HeaderSchema = z.object({
  producer: ProducerSchema,
  host: HostSchema,
  target: TargetSchema,
  capture: CaptureSchema,
  processInformation: z.optional(ProcessInformationSchema),
  vaCloneInformation: z.optional(z.object({ vaCloneHandle: u64 })),
  auxiliaryPagesInformation: z.optional(z.object({ auxPagesCaptured: u32 })),
  vaSpaceInformation: z.optional(z.object({ regionCount: u32 })),
  handleInformation: z.optional(z.object({ handlesCaptured: u32 })),
  threadInformation: z.optional(z.object({ threadsCaptured: u32, contextLength: u32 })),
  handleTraceInformation: z.optional(z.object({ sectionHandle: u64, size: u32 })),
  performanceCounters: z.optional(PerformanceCountersSchema),
  redaction: z.optional(RedactionSchema),
  linuxProcess: z.optional(LinuxProcessSchema),
  captureSet: z.optional(CaptureSetSchema),
})

export const CaptureErrorSchema = z.object({
  section: z.string(),
  operation: z.string(),
  code: z.int().check(z.minimum(0)),
  name: z.optional(z.string()),
  message: z.string(),
})

export const EpilogueSchema = z.object({
  finishedAt: z.optional(z.string()),
  timings: z.optional(z.record(z.string(), z.number())),
  captureErrors: z.optional(z.array(CaptureErrorSchema)),
})

export const TrailerSchema = z.object({
  frameCount: z.int().check(z.minimum(0)),
  byteLength: u64,
  frameChecksum: u32,
  entryCounts: z.record(z.string(), z.int().check(z.minimum(0))),
})

/** Binary values: views into the payload (format/payload.ts). */
const bin = z.instanceof(Uint8Array)

/** A dictionary can hold tens of thousands of strings: one tight loop instead of a schema per element. */
const stringArray = z.custom<string[]>((v) => {
  if (!Array.isArray(v)) return false
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false
  return true
}, 'expected an array of strings')

export const ColumnSchema = z.object({
  type: z.string(),
  data: bin,
  dict: z.optional(stringArray),
  offsets: z.optional(bin),
  architecture: z.optional(z.string()),
})

export const SparseGroupSchema = z.object({ rows: bin, columns: z.record(z.string(), ColumnSchema) })

export const ChunkSchema = z.object({
  section: z.string(),
  first: z.int().check(z.minimum(0), z.maximum(U32_MAX)),
  count: z.int().check(z.minimum(0), z.maximum(1 << 20)),
  columns: z.record(z.string(), ColumnSchema),
  sparse: z.optional(z.record(z.string(), SparseGroupSchema)),
})

export type Producer = z.infer<typeof ProducerSchema>
export type Host = z.infer<typeof HostSchema>
export type Target = z.infer<typeof TargetSchema>
export type CaptureInfo = z.infer<typeof CaptureSchema>
export type ProcessInformation = z.infer<typeof ProcessInformationSchema>
export type PerformanceCounters = z.infer<typeof PerformanceCountersSchema>
export type Redaction = z.infer<typeof RedactionSchema>
export type LinuxProcess = z.infer<typeof LinuxProcessSchema>
export type CaptureSet = z.infer<typeof CaptureSetSchema>
/** The HEADER frame, as the reader returns it (64-bit values widened to bigint). */
export type ArchiveHeader = z.infer<typeof HeaderSchema>
/** What a writer passes (64-bit values as bigint or safe integers). */
export type ArchiveHeaderInput = z.input<typeof HeaderSchema>
export type CaptureError = z.infer<typeof CaptureErrorSchema>
export type Epilogue = z.infer<typeof EpilogueSchema>
export type Trailer = z.infer<typeof TrailerSchema>
export type ColumnPayload = z.infer<typeof ColumnSchema>
export type ChunkPayload = z.infer<typeof ChunkSchema>
