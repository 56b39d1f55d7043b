// The entry fields of every section (spec/ARCHIVE.md §6): the one table the writer, the decoder, the
// reader's row objects, JSON/CSV rendering and the query language all work from.
import type { NameTableId } from './names.js'

export type DType = 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'i64' | 'str' | 'bytes'

/** How a value is shown: hex address, byte size, FILETIME timestamp or duration, named enum/flags… */
export type FieldKind = 'addr' | 'size' | 'time' | 'dur' | 'int' | 'hex' | 'text' | 'blob' | 'enum' | 'flags'

export interface FieldSpec {
  readonly dtype: DType
  readonly kind: FieldKind
  /** The C field it mirrors, for docs and messages. */
  readonly c: string
  readonly names?: NameTableId
  /** The format minor that added it (absent: 1.0). Writers declare the lowest minor holding their columns. */
  readonly since?: number
}

const f = <D extends DType>(dtype: D, kind: FieldKind, c: string, names?: NameTableId) =>
  ({ dtype, kind, c, ...(names ? { names } : {}) }) as { readonly dtype: D; readonly kind: FieldKind; readonly c: string; readonly names?: NameTableId }

/** A field added by format 1.1 (spec/ARCHIVE.md §10.1): no PSS counterpart, filled by Linux captures. */
const f11 = <D extends DType>(dtype: D, kind: FieldKind, c: string, names?: NameTableId) => ({ ...f(dtype, kind, c, names), since: 1 }) as ReturnType<typeof f<D>> & { readonly since: 1 }
/** A field added by format 1.2 (spec/ARCHIVE.md §10.1). */
const f12 = <D extends DType>(dtype: D, kind: FieldKind, c: string, names?: NameTableId) => ({ ...f(dtype, kind, c, names), since: 2 }) as ReturnType<typeof f<D>> & { readonly since: 2 }
/** A field added by format 1.3 (spec/ARCHIVE.md §10.1). */
const f13 = <D extends DType>(dtype: D, kind: FieldKind, c: string, names?: NameTableId) => ({ ...f(dtype, kind, c, names), since: 3 }) as ReturnType<typeof f<D>> & { readonly since: 3 }

export const HANDLE_FIELDS = {
  handle: f('u64', 'addr', 'Handle'),
  flags: f('u32', 'flags', 'Flags', 'PSS_HANDLE_FLAGS'),
  objectType: f('u32', 'enum', 'ObjectType', 'PSS_OBJECT_TYPE'),
  captureTime: f('u64', 'time', 'CaptureTime'),
  attributes: f('u32', 'hex', 'Attributes'),
  grantedAccess: f('u32', 'hex', 'GrantedAccess'),
  handleCount: f('u32', 'int', 'HandleCount'),
  pointerCount: f('u32', 'int', 'PointerCount'),
  pagedPoolCharge: f('u32', 'int', 'PagedPoolCharge'),
  nonPagedPoolCharge: f('u32', 'int', 'NonPagedPoolCharge'),
  creationTime: f('u64', 'time', 'CreationTime'),
  typeName: f('str', 'text', 'TypeName'),
  objectName: f('str', 'text', 'ObjectName'),
  openFlags: f11('u32', 'flags', 'Linux fdinfo flags', 'LINUX_OPEN_FLAGS'),
  filePosition: f11('u64', 'int', 'Linux fdinfo pos'),
  // Issue 16 (spec/LINUX.md §9.3): what fdinfo tells of an eventfd, timerfd, signalfd, inotify; a memfd's name.
  details: f12('str', 'text', 'Linux fdinfo details'),
} as const

/** The members of PSS_HANDLE_ENTRY.TypeSpecificInformation, stored as sparse groups (spec §5.4). */
export const HANDLE_TYPE_SPECIFIC = {
  process: {
    exitStatus: f('u32', 'hex', 'Process.ExitStatus'),
    pebBaseAddress: f('u64', 'addr', 'Process.PebBaseAddress'),
    affinityMask: f('u64', 'addr', 'Process.AffinityMask'),
    basePriority: f('i32', 'int', 'Process.BasePriority'),
    processId: f('u32', 'int', 'Process.ProcessId'),
    parentProcessId: f('u32', 'int', 'Process.ParentProcessId'),
    flags: f('u32', 'flags', 'Process.Flags', 'PSS_PROCESS_FLAGS'),
  },
  thread: {
    exitStatus: f('u32', 'hex', 'Thread.ExitStatus'),
    tebBaseAddress: f('u64', 'addr', 'Thread.TebBaseAddress'),
    processId: f('u32', 'int', 'Thread.ProcessId'),
    threadId: f('u32', 'int', 'Thread.ThreadId'),
    affinityMask: f('u64', 'addr', 'Thread.AffinityMask'),
    priority: f('i32', 'int', 'Thread.Priority'),
    basePriority: f('i32', 'int', 'Thread.BasePriority'),
    win32StartAddress: f('u64', 'addr', 'Thread.Win32StartAddress'),
  },
  mutant: {
    currentCount: f('i32', 'int', 'Mutant.CurrentCount'),
    abandoned: f('i32', 'int', 'Mutant.Abandoned'),
    ownerProcessId: f('u32', 'int', 'Mutant.OwnerProcessId'),
    ownerThreadId: f('u32', 'int', 'Mutant.OwnerThreadId'),
  },
  event: {
    manualReset: f('i32', 'int', 'Event.ManualReset'),
    signaled: f('i32', 'int', 'Event.Signaled'),
  },
  section: {
    baseAddress: f('u64', 'addr', 'Section.BaseAddress'),
    allocationAttributes: f('u32', 'hex', 'Section.AllocationAttributes'),
    maximumSize: f('i64', 'size', 'Section.MaximumSize'),
  },
  semaphore: {
    currentCount: f('i32', 'int', 'Semaphore.CurrentCount'),
    maximumCount: f('i32', 'int', 'Semaphore.MaximumCount'),
  },
} as const

/**
 * Format 1.2 sparse groups of Linux captures (spec/ARCHIVE.md §6.1, §6.3; LINUX.md §9): sparse so that an
 * entry is listed only where the values exist, every member filled (a numeric column has no absent value
 * of its own, §5): `socket` for sockets found in the net tables, `inet` for those of tcp/udp/raw, `file`
 * for open or mapped files whose deletion is known.
 */
export const LINUX_SOCKET_FIELDS = {
  family: f12('str', 'text', 'Linux socket family'),
  protocol: f12('str', 'text', 'Linux socket protocol'),
  state: f12('str', 'text', 'Linux socket state'),
  localAddress: f12('str', 'text', 'Linux socket local address'),
  remoteAddress: f12('str', 'text', 'Linux socket remote address'),
} as const
export const LINUX_INET_FIELDS = {
  localPort: f12('u32', 'int', 'Linux inet local port'),
  remotePort: f12('u32', 'int', 'Linux inet remote port'),
  sendQueue: f12('u32', 'int', 'Linux inet tx_queue'),
  receiveQueue: f12('u32', 'int', 'Linux inet rx_queue'),
} as const
export const LINUX_FILE_FIELDS = {
  deleted: f12('u8', 'int', 'Linux: the file was deleted'),
} as const

/** Which union member each PSS_OBJECT_TYPE value selects. */
export const TYPE_SPECIFIC_BY_OBJECT_TYPE: Readonly<Record<number, keyof typeof HANDLE_TYPE_SPECIFIC>> = {
  1: 'process',
  2: 'thread',
  3: 'mutant',
  4: 'event',
  5: 'section',
  6: 'semaphore',
}

export const THREAD_FIELDS = {
  exitStatus: f('u32', 'hex', 'ExitStatus'),
  tebBaseAddress: f('u64', 'addr', 'TebBaseAddress'),
  processId: f('u32', 'int', 'ProcessId'),
  threadId: f('u32', 'int', 'ThreadId'),
  affinityMask: f('u64', 'addr', 'AffinityMask'),
  priority: f('i32', 'int', 'Priority'),
  basePriority: f('i32', 'int', 'BasePriority'),
  lastSyscallFirstArgument: f('u64', 'addr', 'LastSyscallFirstArgument'),
  lastSyscallNumber: f('u16', 'int', 'LastSyscallNumber'),
  createTime: f('u64', 'time', 'CreateTime'),
  exitTime: f('u64', 'time', 'ExitTime'),
  kernelTime: f('u64', 'dur', 'KernelTime'),
  userTime: f('u64', 'dur', 'UserTime'),
  win32StartAddress: f('u64', 'addr', 'Win32StartAddress'),
  captureTime: f('u64', 'time', 'CaptureTime'),
  flags: f('u32', 'flags', 'Flags', 'PSS_THREAD_FLAGS'),
  suspendCount: f('u16', 'int', 'SuspendCount'),
  sizeOfContextRecord: f('u16', 'size', 'SizeOfContextRecord'),
  contextRecord: f('bytes', 'blob', 'ContextRecord'),
  threadName: f('str', 'text', 'PSS_THREAD_NAME.ThreadName'),
  schedulerState: f11('str', 'text', 'Linux task stat state'),
  // Issue 15 (spec/LINUX.md §10): how long a Linux thread was held by ptrace.
  heldTime: f12('u64', 'dur', 'Linux: ptrace hold, interrupt to detach'),
} as const

export const VA_SPACE_FIELDS = {
  baseAddress: f('u64', 'addr', 'BaseAddress'),
  allocationBase: f('u64', 'addr', 'AllocationBase'),
  allocationProtect: f('u32', 'flags', 'AllocationProtect', 'PAGE_PROTECTION'),
  regionSize: f('u64', 'size', 'RegionSize'),
  state: f('u32', 'enum', 'State', 'MEM_STATE'),
  protect: f('u32', 'flags', 'Protect', 'PAGE_PROTECTION'),
  type: f('u32', 'enum', 'Type', 'MEM_TYPE'),
  timeDateStamp: f('u32', 'hex', 'TimeDateStamp'),
  sizeOfImage: f('u32', 'size', 'SizeOfImage'),
  imageBase: f('u64', 'addr', 'ImageBase'),
  checkSum: f('u32', 'hex', 'CheckSum'),
  mappedFileName: f('str', 'text', 'MappedFileName'),
  residentSize: f11('u64', 'size', 'Linux smaps Rss'),
  proportionalSize: f11('u64', 'size', 'Linux smaps Pss'),
  swappedSize: f11('u64', 'size', 'Linux smaps Swap'),
  mappingLabel: f12('str', 'text', 'Linux maps pseudo-path'),
  // Issue 15 (spec/LINUX.md §11): the rest of the maps line, so a Linux minidump can carry LinuxMaps.
  fileOffset: f13('u64', 'hex', 'Linux maps offset'),
  deviceMajor: f13('u32', 'hex', 'Linux maps dev major'),
  deviceMinor: f13('u32', 'hex', 'Linux maps dev minor'),
  inode: f13('u64', 'int', 'Linux maps inode'),
  mapsPermissions: f13('u8', 'flags', 'Linux maps perms (rwx, s)', 'LINUX_MAPS_PERMISSIONS'),
} as const

export const AUXILIARY_PAGE_FIELDS = {
  address: f('u64', 'addr', 'Address'),
  'basicInformation.baseAddress': f('u64', 'addr', 'BasicInformation.BaseAddress'),
  'basicInformation.allocationBase': f('u64', 'addr', 'BasicInformation.AllocationBase'),
  'basicInformation.allocationProtect': f('u32', 'flags', 'BasicInformation.AllocationProtect', 'PAGE_PROTECTION'),
  'basicInformation.partitionId': f('u16', 'int', 'BasicInformation.PartitionId'),
  'basicInformation.regionSize': f('u64', 'size', 'BasicInformation.RegionSize'),
  'basicInformation.state': f('u32', 'enum', 'BasicInformation.State', 'MEM_STATE'),
  'basicInformation.protect': f('u32', 'flags', 'BasicInformation.Protect', 'PAGE_PROTECTION'),
  'basicInformation.type': f('u32', 'enum', 'BasicInformation.Type', 'MEM_TYPE'),
  captureTime: f('u64', 'time', 'CaptureTime'),
  pageSize: f('u32', 'size', 'PageSize'),
  pageContents: f('bytes', 'blob', 'PageContents'),
  // Issue 15 (spec/ARCHIVE.md §6.4): memory pssnap read itself (--memory), told apart from PSS's pages.
  memorySource: f12('str', 'text', 'pssnap --memory: stack or range'),
  threadId: f12('u32', 'int', 'pssnap --memory stacks: the thread'),
} as const

export interface SectionLayout {
  readonly columns: Readonly<Record<string, FieldSpec>>
  /** Sparse groups by dotted name (`typeSpecificInformation.process`). */
  readonly sparse: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>>
  /** The PSS walk class that fills it, and the C struct it mirrors. */
  readonly walkClass: string
  readonly struct: string
}

const sparseOf = (prefix: string, groups: Record<string, Record<string, FieldSpec>>) =>
  Object.fromEntries(Object.entries(groups).map(([k, v]) => [`${prefix}.${k}`, v]))

export const SECTIONS = {
  handles: {
    columns: HANDLE_FIELDS,
    sparse: { ...sparseOf('typeSpecificInformation', HANDLE_TYPE_SPECIFIC), ...sparseOf('linux', { socket: LINUX_SOCKET_FIELDS, inet: LINUX_INET_FIELDS, file: LINUX_FILE_FIELDS }) },
    walkClass: 'PSS_WALK_HANDLES',
    struct: 'PSS_HANDLE_ENTRY',
  },
  threads: { columns: THREAD_FIELDS, sparse: {}, walkClass: 'PSS_WALK_THREADS', struct: 'PSS_THREAD_ENTRY' },
  vaSpace: { columns: VA_SPACE_FIELDS, sparse: sparseOf('linux', { file: LINUX_FILE_FIELDS }), walkClass: 'PSS_WALK_VA_SPACE', struct: 'PSS_VA_SPACE_ENTRY' },
  auxiliaryPages: { columns: AUXILIARY_PAGE_FIELDS, sparse: {}, walkClass: 'PSS_WALK_AUXILIARY_PAGES', struct: 'PSS_AUXILIARY_PAGE_ENTRY' },
} as const satisfies Record<string, SectionLayout>

/** Bytes per value of the fixed-width dtypes. */
export const DTYPE_WIDTH: Readonly<Record<DType, number>> = { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8, i64: 8, str: 4, bytes: 0 }

// ---- Types of row objects, derived from the tables so they cannot drift ----

type ValueOf<D extends DType> = D extends 'u64' | 'i64' ? bigint : D extends 'str' ? string : D extends 'bytes' ? Uint8Array : number

type Flat<T extends Record<string, { dtype: DType }>> = {
  -readonly [K in keyof T as K extends `${string}.${string}` ? never : K]?: ValueOf<T[K]['dtype']>
}
type Nested<T extends Record<string, { dtype: DType }>, P extends string> = {
  -readonly [K in keyof T as K extends `${P}.${infer R}` ? R : never]?: ValueOf<T[K]['dtype']>
}

export type HandleTypeSpecificInformation = {
  [M in keyof typeof HANDLE_TYPE_SPECIFIC]?: Flat<(typeof HANDLE_TYPE_SPECIFIC)[M]>
}

/** The 1.2 Linux groups of a handle (spec/LINUX.md §9). */
export interface LinuxHandleGroups {
  socket?: Flat<typeof LINUX_SOCKET_FIELDS>
  inet?: Flat<typeof LINUX_INET_FIELDS>
  file?: Flat<typeof LINUX_FILE_FIELDS>
}

/** One PSS_HANDLE_ENTRY as copied out of the walk. Absent fields were not captured. */
export type HandleEntry = Flat<typeof HANDLE_FIELDS> & { typeSpecificInformation?: HandleTypeSpecificInformation; linux?: LinuxHandleGroups }
/** One PSS_THREAD_ENTRY; `contextRecord` is the raw CONTEXT of `contextArchitecture`. */
export type ThreadEntry = Flat<typeof THREAD_FIELDS>
/** One PSS_VA_SPACE_ENTRY (a region of the address space). */
export type VaSpaceEntry = Flat<typeof VA_SPACE_FIELDS> & { linux?: { file?: Flat<typeof LINUX_FILE_FIELDS> } }
/** One PSS_AUXILIARY_PAGE_ENTRY. */
export type AuxiliaryPageEntry = Flat<typeof AUXILIARY_PAGE_FIELDS> & { basicInformation?: Nested<typeof AUXILIARY_PAGE_FIELDS, 'basicInformation'> }

export interface SectionEntryTypes {
  handles: HandleEntry
  threads: ThreadEntry
  vaSpace: VaSpaceEntry
  auxiliaryPages: AuxiliaryPageEntry
}
export type AnyEntry = SectionEntryTypes[keyof SectionEntryTypes]
