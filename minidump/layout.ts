// The minidump layout, in one file (as format/ is for the archive): stream numbers, record sizes and field
// offsets of the structures pssnap writes, named as in Microsoft's minidumpapiset.h and, for the Linux streams,
// Breakpad's minidump_format.h. Learnt from those headers' descriptions and rust-minidump's reader; nothing
// here is copied. Every multi-byte value is little-endian. spec/MINIDUMP.md maps each field to its archive source.

export const MINIDUMP_SIGNATURE = 0x504d444d // 'MDMP'
/** MINIDUMP_VERSION in the low 16 bits; the high 16 bits are the writer's own (0 here). */
export const MINIDUMP_VERSION = 0xa793

/** MINIDUMP_STREAM_TYPE values pssnap writes. */
export const STREAM = {
  ThreadList: 3,
  ModuleList: 4,
  MemoryList: 5,
  SystemInfo: 7,
  Memory64List: 9,
  HandleData: 12,
  MiscInfo: 15,
  MemoryInfoList: 16,
  ThreadNames: 24,
  // Breakpad's Linux streams (0x4767 'Gg' prefix).
  LinuxProcStatus: 0x47670004,
  LinuxCmdLine: 0x47670006,
  LinuxMaps: 0x47670009,
} as const

/** MINIDUMP_HEADER: Signature, Version, NumberOfStreams, StreamDirectoryRva, CheckSum, TimeDateStamp, Flags (u64). */
export const HEADER_SIZE = 32
/** MINIDUMP_DIRECTORY: StreamType, Location {DataSize, Rva}. */
export const DIRECTORY_SIZE = 12

/** MINIDUMP_THREAD: ThreadId, SuspendCount, PriorityClass, Priority, Teb u64, Stack (MEMORY_DESCRIPTOR), ThreadContext (LOCATION). */
export const THREAD_SIZE = 48
export const THREAD = { ThreadId: 0, SuspendCount: 4, PriorityClass: 8, Priority: 12, Teb: 16, StackStart: 24, StackDataSize: 32, StackRva: 36, ContextDataSize: 40, ContextRva: 44 } as const

/** MINIDUMP_MODULE (packed to 4): BaseOfImage u64, SizeOfImage, CheckSum, TimeDateStamp, ModuleNameRva, VS_FIXEDFILEINFO (52), CvRecord, MiscRecord, Reserved0/1 u64. */
export const MODULE_SIZE = 108
export const MODULE = { BaseOfImage: 0, SizeOfImage: 8, CheckSum: 12, TimeDateStamp: 16, ModuleNameRva: 20 } as const

/** MINIDUMP_SYSTEM_INFO (CPU_INFORMATION's 24 bytes included). */
export const SYSTEM_INFO_SIZE = 56
export const SYSTEM_INFO = { ProcessorArchitecture: 0, ProcessorLevel: 2, ProcessorRevision: 4, NumberOfProcessors: 6, ProductType: 7, MajorVersion: 8, MinorVersion: 12, BuildNumber: 16, PlatformId: 20, CSDVersionRva: 24 } as const
/** PROCESSOR_ARCHITECTURE_* */
export const PROCESSOR_ARCHITECTURE: Readonly<Record<string, number>> = { x86: 0, x64: 9, arm64: 12 }
export const PLATFORM_WIN32_NT = 2
/** Breakpad's MD_OS_LINUX. */
export const PLATFORM_LINUX = 0x8201

/** MINIDUMP_MISC_INFO: SizeOfInfo, Flags1, ProcessId, ProcessCreateTime, ProcessUserTime, ProcessKernelTime (seconds, u32). */
export const MISC_INFO_SIZE = 24
export const MISC1_PROCESS_ID = 0x1
export const MISC1_PROCESS_TIMES = 0x2

/** MINIDUMP_MEMORY_INFO_LIST header and MINIDUMP_MEMORY_INFO. */
export const MEMORY_INFO_LIST_HEADER_SIZE = 16
export const MEMORY_INFO_SIZE = 48
export const MEMORY_INFO = { BaseAddress: 0, AllocationBase: 8, AllocationProtect: 16, RegionSize: 24, State: 32, Protect: 36, Type: 40 } as const

/** MINIDUMP_HANDLE_DATA_STREAM header and MINIDUMP_HANDLE_DESCRIPTOR. */
export const HANDLE_DATA_HEADER_SIZE = 16
export const HANDLE_DESCRIPTOR_SIZE = 32
export const HANDLE_DESCRIPTOR = { Handle: 0, TypeNameRva: 8, ObjectNameRva: 12, Attributes: 16, GrantedAccess: 20, HandleCount: 24, PointerCount: 28 } as const

/** ThreadNames: a u32 count, then packed MINIDUMP_THREAD_NAME {ThreadId u32, RvaOfThreadName u64}. */
export const THREAD_NAME_SIZE = 12

/** MINIDUMP_MEMORY_DESCRIPTOR (MemoryList): StartOfMemoryRange u64, Memory {DataSize, Rva}. */
export const MEMORY_DESCRIPTOR_SIZE = 16
/** MINIDUMP_MEMORY64_LIST header {NumberOfMemoryRanges u64, BaseRva u64} and MINIDUMP_MEMORY_DESCRIPTOR64 {Start u64, DataSize u64}. */
export const MEMORY64_LIST_HEADER_SIZE = 16
export const MEMORY_DESCRIPTOR64_SIZE = 16

/** MINIDUMP_TYPE bits in the header's Flags that describe what the streams hold. */
export const MINIDUMP_TYPE = {
  WithDataSegs: 0x1,
  WithFullMemory: 0x2,
  WithHandleData: 0x4,
  WithFullMemoryInfo: 0x800,
  WithThreadInfo: 0x1000,
} as const

/** The x64 CONTEXT (winnt.h; spec/abi/abi-x64.json): 1232 bytes. Offsets of the fields a Linux thread fills. */
export const CONTEXT_AMD64_SIZE = 1232
export const CONTEXT_AMD64 = {
  ContextFlags: 48,
  MxCsr: 52,
  SegCs: 56,
  SegDs: 58,
  SegEs: 60,
  SegFs: 62,
  SegGs: 64,
  SegSs: 66,
  EFlags: 68,
  Rax: 120,
  Rcx: 128,
  Rdx: 136,
  Rbx: 144,
  Rsp: 152,
  Rbp: 160,
  Rsi: 168,
  Rdi: 176,
  R8: 184,
  R9: 192,
  R10: 200,
  R11: 208,
  R12: 216,
  R13: 224,
  R14: 232,
  R15: 240,
  Rip: 248,
  FltSave: 256,
} as const
/** CONTEXT_AMD64 | CONTEXT_CONTROL | CONTEXT_INTEGER | CONTEXT_SEGMENTS: what NT_PRSTATUS gives. */
export const CONTEXT_AMD64_FULL_INTEGER = 0x100007
export const CONTEXT_AMD64_FLOATING_POINT = 0x100008

/**
 * Linux x86-64 `struct user_regs_struct` (sys/user.h; NT_PRSTATUS's pr_reg), 27 u64 in this order: the byte
 * offset of each is 8 × its index.
 */
export const USER_REGS_X64 = ['r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi', 'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss', 'fs_base', 'gs_base', 'ds', 'es', 'fs', 'gs'] as const
export const USER_REGS_X64_SIZE = USER_REGS_X64.length * 8

/** Where each user_regs_struct register goes in the x64 CONTEXT (and how wide it is there). */
export const USER_REGS_TO_CONTEXT: ReadonlyArray<readonly [(typeof USER_REGS_X64)[number], number, 2 | 4 | 8]> = [
  ['rax', CONTEXT_AMD64.Rax, 8],
  ['rcx', CONTEXT_AMD64.Rcx, 8],
  ['rdx', CONTEXT_AMD64.Rdx, 8],
  ['rbx', CONTEXT_AMD64.Rbx, 8],
  ['rsp', CONTEXT_AMD64.Rsp, 8],
  ['rbp', CONTEXT_AMD64.Rbp, 8],
  ['rsi', CONTEXT_AMD64.Rsi, 8],
  ['rdi', CONTEXT_AMD64.Rdi, 8],
  ['r8', CONTEXT_AMD64.R8, 8],
  ['r9', CONTEXT_AMD64.R9, 8],
  ['r10', CONTEXT_AMD64.R10, 8],
  ['r11', CONTEXT_AMD64.R11, 8],
  ['r12', CONTEXT_AMD64.R12, 8],
  ['r13', CONTEXT_AMD64.R13, 8],
  ['r14', CONTEXT_AMD64.R14, 8],
  ['r15', CONTEXT_AMD64.R15, 8],
  ['rip', CONTEXT_AMD64.Rip, 8],
  ['eflags', CONTEXT_AMD64.EFlags, 4],
  ['cs', CONTEXT_AMD64.SegCs, 2],
  ['ds', CONTEXT_AMD64.SegDs, 2],
  ['es', CONTEXT_AMD64.SegEs, 2],
  ['fs', CONTEXT_AMD64.SegFs, 2],
  ['gs', CONTEXT_AMD64.SegGs, 2],
  ['ss', CONTEXT_AMD64.SegSs, 2],
]

/**
 * The arm64 CONTEXT (Windows' ARM64 CONTEXT and Breakpad's MDRawContextARM64 share it): 912 bytes, ContextFlags
 * u32, Cpsr u32, then X0…X28, Fp (x29), Lr (x30), Sp, Pc as u64 at 8 + 8 × n.
 */
export const CONTEXT_ARM64_SIZE = 912
export const CONTEXT_ARM64 = { ContextFlags: 0, Cpsr: 4, X0: 8, Sp: 256, Pc: 264 } as const
/** CONTEXT_ARM64 | CONTEXT_CONTROL | CONTEXT_INTEGER: what NT_PRSTATUS gives (no floating point, no debug). */
export const CONTEXT_ARM64_CONTROL_INTEGER = 0x400003
/** Linux arm64 `struct user_pt_regs` (NT_PRSTATUS): x0…x30, sp, pc, pstate, u64 each. */
export const USER_PT_REGS_ARM64 = { X0: 0, Sp: 248, Pc: 256, Pstate: 264, size: 272 } as const

/** vaSpace `type` value of an image mapping (MEM_IMAGE): the regions that make modules. */
export const MEM_IMAGE = 0x1000000
