// koffi declarations of every structure in processsnapshot.h, with the Windows layout of x64, x86 or ARM64
// (spec/abi/abi-*.json holds the compiler's numbers; test/capture-layout.test.ts checks every size, alignment and
// offset against them). koffi is passed in (see ./koffi.ts), never imported here.
//
// How the layout is made exact on any host:
// * koffi lays structs out with the *host's* C rules and has no target-architecture or pointer-width option:
//   `void *`, `uintptr_t`, `size_t` and prototypes always have the host's pointer size, `long` is 8 bytes on
//   64-bit Linux, `wchar_t` is 4 bytes off Windows. So no field uses `long` or `wchar_t` (WORD/DWORD/LONG/BOOL are
//   fixed-width uint16/uint32/int32, wchar_t arrays are uint16 arrays).
// * When the target's pointer width equals the host's, pointer fields are real koffi pointer types (`void *`,
//   `uint16_t *`, callback pointers) and ULONG_PTR/SIZE_T are `uintptr_t`: these types can be used for calls.
//   Otherwise (x86 layouts on a 64-bit host, or 64-bit layouts on a 32-bit host) they are integers of the target's
//   width (`pointerFields: 'integer'`): the layout is exact, but pointers decode as plain numbers and the
//   PSS_ALLOCATOR callbacks are not callable types. Those layouts exist to check and read foreign-architecture data.
// * 64-bit integers are 8-aligned on every Windows architecture, x86 included (PSS_PERFORMANCE_COUNTERS and the
//   LARGE_INTEGER in PSS_HANDLE_ENTRY make those structs 8-aligned on x86). Their fields carry an explicit 8-byte
//   alignment, so a host whose ABI aligns int64 to 4 inside structs (Linux i386) still produces Windows' layout.
// * FILETIME is two uint32 (size 8, align 4): it is never a uint64, or every offset after it would shift.
//
// Types are anonymous (koffi keeps named types in one process-wide registry and refuses a second definition of a
// name), so defineTypes can be called for several architectures, and again from another copy of this module.
import { PSS_ENUM_TABLES } from '../../format/names.js'
import type { Koffi, KoffiType } from './koffi.js'

export type PssArch = 'x64' | 'x86' | 'arm64'
export const PSS_ARCHES: readonly PssArch[] = ['x64', 'x86', 'arm64']

/** The PSS architecture of a Node `process.arch` value (`ia32` → `x86`), or undefined for one Windows lacks. */
export function pssArchOf(nodeArch: string | undefined = globalThis.process?.arch): PssArch | undefined {
  switch (nodeArch) {
    case 'x64':
      return 'x64'
    case 'ia32':
      return 'x86'
    case 'arm64':
      return 'arm64'
    default:
      return undefined
  }
}

const POINTER_SIZE: Readonly<Record<PssArch, 4 | 8>> = { x64: 8, x86: 4, arm64: 8 }

/** Every structure this module declares, by its C name (the keys of `structs` in spec/abi/abi-*.json). */
export const PSS_STRUCT_NAMES = [
  'FILETIME',
  'LARGE_INTEGER',
  'MEMORY_BASIC_INFORMATION',
  'PSS_PROCESS_INFORMATION',
  'PSS_VA_CLONE_INFORMATION',
  'PSS_AUXILIARY_PAGES_INFORMATION',
  'PSS_VA_SPACE_INFORMATION',
  'PSS_HANDLE_INFORMATION',
  'PSS_THREAD_INFORMATION',
  'PSS_HANDLE_TRACE_INFORMATION',
  'PSS_PERFORMANCE_COUNTERS',
  'PSS_AUXILIARY_PAGE_ENTRY',
  'PSS_VA_SPACE_ENTRY',
  'PSS_HANDLE_ENTRY',
  'PSS_THREAD_ENTRY',
  'PSS_ALLOCATOR',
  'PSS_THREAD_NAME',
] as const
export type PssStructName = (typeof PSS_STRUCT_NAMES)[number]

/** Members of PSS_HANDLE_ENTRY.TypeSpecificInformation; which one applies follows ObjectType. */
export const PSS_HANDLE_TYPE_SPECIFIC_MEMBERS = ['Process', 'Thread', 'Mutant', 'Event', 'Section', 'Semaphore'] as const
export type PssHandleTypeSpecificMember = (typeof PSS_HANDLE_TYPE_SPECIFIC_MEMBERS)[number]

/**
 * Value tables of the eight PSS enums, all bound as uint32 fields and arguments. The values live in
 * format/names.ts (one copy for the reader and the binding).
 */
export const PSS_ENUMS = PSS_ENUM_TABLES
export type PssEnumName = keyof typeof PSS_ENUMS

export interface PssTypes {
  readonly arch: PssArch
  /** Size of HANDLE, void *, ULONG_PTR, SIZE_T on `arch`. */
  readonly pointerSize: 4 | 8
  /**
   * `pointer`: pointer fields are koffi pointer types and ULONG_PTR/SIZE_T are `uintptr_t` (the host has the
   * target's pointer width; usable for calls). `integer`: they are unsigned integers of the target's width,
   * because koffi can only make pointers of the host's width; layout is exact, decoding gives numbers.
   */
  readonly pointerFields: 'pointer' | 'integer'
  readonly structs: Readonly<Record<PssStructName, KoffiType>>
  /** PSS_HANDLE_ENTRY.TypeSpecificInformation (`union`) and its member structs, for `koffi.decode(buf, offset, type)`. */
  readonly handleTypeSpecific: Readonly<Record<'union' | PssHandleTypeSpecificMember, KoffiType>>
  /** `void *(WINAPI *)(void *Context, DWORD Size)` and `void (WINAPI *)(void *Context, void *Address)` as
   * `__stdcall` prototypes (for `koffi.register(fn, koffi.pointer(proto))`); null for `integer` layouts. */
  readonly allocRoutine: KoffiType | null
  readonly freeRoutine: KoffiType | null
}

type StructDef = Parameters<Koffi['struct']>[0]
type Member = StructDef[string]

const cache = new WeakMap<object, Map<PssArch, PssTypes>>()

/**
 * Declares the PSS structures for `arch` (default: the host's, x64 when Node runs on an architecture Windows
 * lacks). Repeated calls with the same koffi module and architecture return the same types.
 */
export function defineTypes(koffi: Koffi, arch: PssArch = pssArchOf() ?? 'x64'): PssTypes {
  if (!PSS_ARCHES.includes(arch)) throw new RangeError(`unknown PSS architecture '${String(arch)}' (expected ${PSS_ARCHES.join(', ')})`)
  let byArch = cache.get(koffi)
  if (!byArch) cache.set(koffi, (byArch = new Map()))
  let types = byArch.get(arch)
  if (!types) byArch.set(arch, (types = declare(koffi, arch)))
  return types
}

function declare(koffi: Koffi, arch: PssArch): PssTypes {
  const pointerSize = POINTER_SIZE[arch]
  const native = koffi.sizeof('void *') === pointerSize

  // Windows C types → koffi member specs.
  const DWORD = 'uint32_t'
  const WORD = 'uint16_t'
  const LONG = 'int32_t' // also `int` and BOOL (both 32-bit on every Windows target)
  const ENUM = 'uint32_t' // every PSS_* enum; values in PSS_ENUMS
  const UINT64: Member = [8, 'uint64_t']
  const LONGLONG: Member = [8, 'int64_t']
  const targetWord: Member = pointerSize === 8 ? [8, 'uint64_t'] : 'uint32_t'
  const PVOID: Member = native ? 'void *' : targetWord // also HANDLE, PCONTEXT
  const PCWSTR: Member = native ? koffi.pointer('uint16_t') : targetWord // const wchar_t *, never NUL-terminated here
  const ULONG_PTR: Member = native ? 'uintptr_t' : targetWord // also SIZE_T
  const HANDLE = PVOID
  const PCONTEXT = PVOID

  const FILETIME = koffi.struct({ dwLowDateTime: DWORD, dwHighDateTime: DWORD })

  const LARGE_INTEGER = koffi.union({
    QuadPart: LONGLONG,
    u: koffi.struct({ LowPart: DWORD, HighPart: LONG }),
  })

  // PartitionId (Windows 10 headers) sits in what was padding; 64-bit headers only.
  const MEMORY_BASIC_INFORMATION = koffi.struct({
    BaseAddress: PVOID,
    AllocationBase: PVOID,
    AllocationProtect: DWORD,
    ...(pointerSize === 8 ? { PartitionId: WORD } : {}),
    RegionSize: ULONG_PTR,
    State: DWORD,
    Protect: DWORD,
    Type: DWORD,
  })

  const PSS_PROCESS_INFORMATION = koffi.struct({
    ExitStatus: DWORD,
    PebBaseAddress: PVOID,
    AffinityMask: ULONG_PTR,
    BasePriority: LONG,
    ProcessId: DWORD,
    ParentProcessId: DWORD,
    Flags: ENUM, // PSS_PROCESS_FLAGS
    CreateTime: FILETIME,
    ExitTime: FILETIME,
    KernelTime: FILETIME,
    UserTime: FILETIME,
    PriorityClass: DWORD,
    PeakVirtualSize: ULONG_PTR,
    VirtualSize: ULONG_PTR,
    PageFaultCount: DWORD,
    PeakWorkingSetSize: ULONG_PTR,
    WorkingSetSize: ULONG_PTR,
    QuotaPeakPagedPoolUsage: ULONG_PTR,
    QuotaPagedPoolUsage: ULONG_PTR,
    QuotaPeakNonPagedPoolUsage: ULONG_PTR,
    QuotaNonPagedPoolUsage: ULONG_PTR,
    PagefileUsage: ULONG_PTR,
    PeakPagefileUsage: ULONG_PTR,
    PrivateUsage: ULONG_PTR,
    ExecuteFlags: DWORD,
    ImageFileName: koffi.array('uint16_t', 260, 'Typed'), // wchar_t[MAX_PATH], cut at the first NUL
  })

  const PSS_VA_CLONE_INFORMATION = koffi.struct({ VaCloneHandle: HANDLE })
  const PSS_AUXILIARY_PAGES_INFORMATION = koffi.struct({ AuxPagesCaptured: DWORD })
  const PSS_VA_SPACE_INFORMATION = koffi.struct({ RegionCount: DWORD })
  const PSS_HANDLE_INFORMATION = koffi.struct({ HandlesCaptured: DWORD })
  const PSS_THREAD_INFORMATION = koffi.struct({ ThreadsCaptured: DWORD, ContextLength: DWORD })
  const PSS_HANDLE_TRACE_INFORMATION = koffi.struct({ SectionHandle: HANDLE, Size: DWORD })

  const PSS_PERFORMANCE_COUNTERS = koffi.struct({
    TotalCycleCount: UINT64,
    TotalWallClockPeriod: UINT64,
    VaCloneCycleCount: UINT64,
    VaCloneWallClockPeriod: UINT64,
    VaSpaceCycleCount: UINT64,
    VaSpaceWallClockPeriod: UINT64,
    AuxPagesCycleCount: UINT64,
    AuxPagesWallClockPeriod: UINT64,
    HandlesCycleCount: UINT64,
    HandlesWallClockPeriod: UINT64,
    ThreadsCycleCount: UINT64,
    ThreadsWallClockPeriod: UINT64,
  })

  const PSS_AUXILIARY_PAGE_ENTRY = koffi.struct({
    Address: PVOID,
    BasicInformation: MEMORY_BASIC_INFORMATION,
    CaptureTime: FILETIME,
    PageContents: PVOID,
    PageSize: DWORD,
  })

  const PSS_VA_SPACE_ENTRY = koffi.struct({
    BaseAddress: PVOID,
    AllocationBase: PVOID,
    AllocationProtect: DWORD,
    RegionSize: ULONG_PTR,
    State: DWORD,
    Protect: DWORD,
    Type: DWORD,
    TimeDateStamp: DWORD,
    SizeOfImage: DWORD,
    ImageBase: PVOID,
    CheckSum: DWORD,
    MappedFileNameLength: WORD, // bytes
    MappedFileName: PCWSTR,
  })

  const Process = koffi.struct({
    ExitStatus: DWORD,
    PebBaseAddress: PVOID,
    AffinityMask: ULONG_PTR,
    BasePriority: LONG,
    ProcessId: DWORD,
    ParentProcessId: DWORD,
    Flags: DWORD, // PSS_PROCESS_FLAGS bits (declared DWORD here)
  })
  const Thread = koffi.struct({
    ExitStatus: DWORD,
    TebBaseAddress: PVOID,
    ProcessId: DWORD,
    ThreadId: DWORD,
    AffinityMask: ULONG_PTR,
    Priority: LONG,
    BasePriority: LONG,
    Win32StartAddress: PVOID,
  })
  const Mutant = koffi.struct({ CurrentCount: LONG, Abandoned: LONG, OwnerProcessId: DWORD, OwnerThreadId: DWORD })
  const Event = koffi.struct({ ManualReset: LONG, Signaled: LONG })
  // MaximumSize is a LARGE_INTEGER, bound as its QuadPart (int64, 8-aligned: the union starts at +72 on x86).
  const Section = koffi.struct({ BaseAddress: PVOID, AllocationAttributes: DWORD, MaximumSize: LONGLONG })
  const Semaphore = koffi.struct({ CurrentCount: LONG, MaximumCount: LONG })
  const TypeSpecificInformation = koffi.union({ Process, Thread, Mutant, Event, Section, Semaphore })

  const PSS_HANDLE_ENTRY = koffi.struct({
    Handle: HANDLE,
    Flags: ENUM, // PSS_HANDLE_FLAGS
    ObjectType: ENUM, // PSS_OBJECT_TYPE
    CaptureTime: FILETIME,
    Attributes: DWORD,
    GrantedAccess: DWORD,
    HandleCount: DWORD,
    PointerCount: DWORD,
    PagedPoolCharge: DWORD,
    NonPagedPoolCharge: DWORD,
    CreationTime: FILETIME,
    TypeNameLength: WORD, // bytes
    TypeName: PCWSTR,
    ObjectNameLength: WORD, // bytes
    ObjectName: PCWSTR,
    TypeSpecificInformation,
  })

  const PSS_THREAD_ENTRY = koffi.struct({
    ExitStatus: DWORD,
    TebBaseAddress: PVOID,
    ProcessId: DWORD,
    ThreadId: DWORD,
    AffinityMask: ULONG_PTR,
    Priority: LONG,
    BasePriority: LONG,
    LastSyscallFirstArgument: PVOID,
    LastSyscallNumber: WORD,
    CreateTime: FILETIME, // at +52 on 64-bit: FILETIME is 4-aligned
    ExitTime: FILETIME,
    KernelTime: FILETIME,
    UserTime: FILETIME,
    Win32StartAddress: PVOID,
    CaptureTime: FILETIME,
    Flags: ENUM, // PSS_THREAD_FLAGS
    SuspendCount: WORD,
    SizeOfContextRecord: WORD, // bytes at ContextRecord
    ContextRecord: PCONTEXT, // CONTEXT of the capturing process's architecture
  })

  // WINAPI callbacks: __stdcall matters on x86 only (koffi ignores it elsewhere).
  const allocRoutine = native ? koffi.proto('__stdcall', 'void *', ['void *', DWORD]) : null
  const freeRoutine = native ? koffi.proto('__stdcall', 'void', ['void *', 'void *']) : null
  const PSS_ALLOCATOR = koffi.struct({
    Context: PVOID,
    AllocRoutine: allocRoutine ? koffi.pointer(allocRoutine) : targetWord,
    FreeRoutine: freeRoutine ? koffi.pointer(freeRoutine) : targetWord,
  })

  // Microsoft SDK header only (walk class PSS_WALK_THREAD_NAME, reported not to work).
  const PSS_THREAD_NAME = koffi.struct({ ThreadNameSize: WORD, ThreadName: PCWSTR })

  return {
    arch,
    pointerSize,
    pointerFields: native ? 'pointer' : 'integer',
    structs: {
      FILETIME,
      LARGE_INTEGER,
      MEMORY_BASIC_INFORMATION,
      PSS_PROCESS_INFORMATION,
      PSS_VA_CLONE_INFORMATION,
      PSS_AUXILIARY_PAGES_INFORMATION,
      PSS_VA_SPACE_INFORMATION,
      PSS_HANDLE_INFORMATION,
      PSS_THREAD_INFORMATION,
      PSS_HANDLE_TRACE_INFORMATION,
      PSS_PERFORMANCE_COUNTERS,
      PSS_AUXILIARY_PAGE_ENTRY,
      PSS_VA_SPACE_ENTRY,
      PSS_HANDLE_ENTRY,
      PSS_THREAD_ENTRY,
      PSS_ALLOCATOR,
      PSS_THREAD_NAME,
    },
    handleTypeSpecific: { union: TypeSpecificInformation, Process, Thread, Mutant, Event, Section, Semaphore },
    allocRoutine,
    freeRoutine,
  }
}
