// Typed wrappers over the koffi binding of processsnapshot.h (./functions.ts, ./types.ts): every call checks the
// returned Win32 code and throws Win32Error, query results and walk entries come back as plain JS objects in the
// shapes of format/fields.ts (camelCase, 64-bit values as bigint, FILETIME as bigint ticks), copied completely out
// of PSS-owned memory before the call returns, so nothing points into a marker after it is freed.
import { HANDLE_TYPE_SPECIFIC, TYPE_SPECIFIC_BY_OBJECT_TYPE, type AuxiliaryPageEntry, type FieldSpec, type HandleEntry, type HandleTypeSpecificInformation, type ThreadEntry, type VaSpaceEntry } from '../../format/fields.js'
import { PSS_QUERY, PSS_WALK, type PssQueryResults, type PssWalkEntries } from '../../format/pss-classes.js'
import type { PerformanceCounters, ProcessInformation as ArchiveProcessInformation } from '../../format/schemas.js'
import { WIN32_ERROR_MESSAGES as MESSAGES, WIN32_ERROR_NAMES } from '../../format/win32-errors.js'
import { bindPss, DEFAULT_PSS_LIBRARY, type OutSlot, type PssBinding, type PssFunctionName } from './functions.js'
import { loadKoffi, type Koffi } from './koffi.js'
import { callOffThread, type CallLimits } from './native-call.js'
import { defineTypes, pssArchOf, type PssTypes } from './types.js'

// ---- Errors ----

export { WIN32_ERROR_NAMES }

/** The non-PSS calls the capture pipeline makes (kernel32 process handles, advapi32 token privileges, Toolhelp32 listing). */
export type Win32CallName = 'OpenProcess' | 'CloseHandle' | 'IsWow64Process2' | 'IsWow64Process' | 'TerminateProcess' | 'WaitForSingleObject' | 'OpenProcessToken' | 'LookupPrivilegeValueW' | 'AdjustTokenPrivileges' | 'CreateToolhelp32Snapshot' | 'Process32FirstW' | 'Process32NextW'

/** A PSS call returned a Win32 error code other than ERROR_SUCCESS (or another Win32 call failed, per GetLastError). */
export class Win32Error extends Error {
  override name = 'Win32Error'
  /** `ERROR_…` for the codes in WIN32_ERROR_NAMES, undefined for others. */
  readonly symbolicName: string | undefined
  constructor(
    /** The Win32 error code the function returned. */
    readonly code: number,
    /** The function that failed. */
    readonly call: PssFunctionName | Win32CallName,
  ) {
    const symbolicName = WIN32_ERROR_NAMES[code]
    super(`${call} failed: ${symbolicName ?? 'Win32 error'} (${code})${MESSAGES[code] ? `: ${MESSAGES[code]}` : ''}`)
    this.symbolicName = symbolicName
  }
}

const ERROR_SUCCESS = 0
const ERROR_NO_MORE_ITEMS = 259

// ---- Classes and result shapes ----

export { PSS_QUERY, PSS_WALK }

/** PSS_PROCESS_INFORMATION (spec/ARCHIVE.md §3.1): a live snapshot fills every field. */
export type ProcessInformation = Required<ArchiveProcessInformation>
export type { PerformanceCounters }

export type QueryResults = PssQueryResults<ProcessInformation>
export type PssQueryClass = keyof QueryResults
export type WalkEntries = PssWalkEntries
export type PssWalkClass = keyof WalkEntries

/** HPSS and HPSSWALK: opaque pointer-sized values, branded so one cannot be passed for the other. */
export type PssSnapshot = bigint & { readonly __pss: 'HPSS' }
export type PssWalkMarker = bigint & { readonly __pss: 'HPSSWALK' }
/**
 * An HPSS that lives in another process (duplicated there): its value means nothing here, so it cannot be
 * queried, walked or freed as a snapshot of this process; only freed through a handle to the process it lives in
 * (freeSnapshot's remote form) or duplicated from there.
 */
export type RemotePssSnapshot = bigint & { readonly __pss: 'HPSS in another process' }
/** A process handle (HANDLE): the value of `currentProcess` or one from OpenProcess. */
export type ProcessHandle = bigint
/** GetCurrentProcess()'s pseudo handle: where the snapshots this process captures live. */
export type CurrentProcessHandle = bigint & { readonly __process: 'current' }

/**
 * A custom allocator for a walk marker's internal memory (PSS_ALLOCATOR). Called synchronously on the calling
 * thread. `alloc` returns an address (or null on failure); the memory must stay valid until `free` gets it.
 */
export interface PssAllocator {
  alloc(size: number): bigint | null
  free(address: bigint): void
}

export interface PssOptions {
  /** The library exporting the ten functions; default kernel32.dll (tests pass the fake's path). */
  library?: string
}

export interface Pss {
  readonly binding: PssBinding
  readonly types: PssTypes
  /** GetCurrentProcess()'s pseudo handle (-1 as a pointer): the process to pass to free/duplicate for own snapshots. */
  readonly currentProcess: CurrentProcessHandle
  captureSnapshot(processHandle: ProcessHandle, captureFlags: number, threadContextFlags?: number): PssSnapshot
  /**
   * PssCaptureSnapshot on a worker thread (./native-call.ts): rejects with NativeCallTimeoutError after
   * `limits.timeoutMs`, or with the signal's reason; a snapshot the abandoned call still returns is freed then.
   * The process handle stays in use until the call returns (see abandonedBy).
   */
  captureSnapshotAsync(processHandle: ProcessHandle, captureFlags: number, threadContextFlags: number, limits: CallLimits): Promise<PssSnapshot>
  /**
   * Copies a snapshot into another process. Into this process (`targetProcess` = currentProcess) the copy is a
   * PssSnapshot; into any other it is a RemotePssSnapshot, usable only there. With PSS_DUPLICATE_CLOSE_SOURCE
   * the source is freed whatever the outcome, failure included (documented): never free it again.
   */
  duplicateSnapshot(sourceProcess: ProcessHandle, snapshot: PssSnapshot | RemotePssSnapshot, targetProcess: CurrentProcessHandle, flags?: number): PssSnapshot
  duplicateSnapshot(sourceProcess: ProcessHandle, snapshot: PssSnapshot | RemotePssSnapshot, targetProcess: ProcessHandle, flags?: number): RemotePssSnapshot
  /**
   * Frees a snapshot once (a second free is undefined behaviour: never retry, even after a failure). A snapshot
   * of this process is freed through `currentProcess`; one in another process through a handle to that process
   * (PROCESS_VM_READ | PROCESS_VM_OPERATION | PROCESS_DUP_HANDLE).
   */
  freeSnapshot(processHandle: CurrentProcessHandle, snapshot: PssSnapshot): void
  freeSnapshot(processHandle: ProcessHandle, snapshot: RemotePssSnapshot): void
  querySnapshot<C extends PssQueryClass>(snapshot: PssSnapshot, infoClass: C): QueryResults[C]
  walkMarkerCreate(allocator?: PssAllocator): PssWalkMarker
  walkMarkerFree(marker: PssWalkMarker): void
  walkMarkerGetPosition(marker: PssWalkMarker): bigint
  walkMarkerSetPosition(marker: PssWalkMarker, position: bigint): void
  walkMarkerSeekToBeginning(marker: PssWalkMarker): void
  /** The entry at the marker (then advanced), or undefined at ERROR_NO_MORE_ITEMS. */
  walkSnapshot<C extends PssWalkClass>(snapshot: PssSnapshot, walkClass: C, marker: PssWalkMarker): WalkEntries[C] | undefined
  /**
   * walkSnapshot on a worker thread, with the limits of captureSnapshotAsync; the entry is copied out before the
   * promise resolves. A step given up on still uses the snapshot and the marker until it returns. Markers with
   * a custom allocator are walked with walkSnapshot only (their callbacks belong to the JavaScript thread).
   */
  walkSnapshotAsync<C extends PssWalkClass>(snapshot: PssSnapshot, walkClass: C, marker: PssWalkMarker, limits: CallLimits): Promise<WalkEntries[C] | undefined>
  /** Every entry of a class with its own marker, freed exactly once when the loop ends, breaks or throws. */
  walk<C extends PssWalkClass>(snapshot: PssSnapshot, walkClass: C): Generator<WalkEntries[C], void, undefined>
  /** Unloads the library. */
  close(): void
}

// ---- Decoding helpers ----

interface RawFiletime {
  dwLowDateTime: number
  dwHighDateTime: number
}
// koffi gives pointers as bigint or null and uintptr_t/uint64 as number or bigint (by magnitude).
type RawScalar = number | bigint | null
type Raw = Record<string, unknown>

const u64 = (v: unknown): bigint => (v === null || v === undefined ? 0n : BigInt(v as number | bigint))
const num = (v: unknown): number => Number(v as RawScalar)
const filetime = (v: unknown): bigint => {
  const ft = v as RawFiletime
  return (BigInt(ft.dwHighDateTime >>> 0) << 32n) | BigInt(ft.dwLowDateTime >>> 0)
}

const PERF_KEYS = [
  'TotalCycleCount',
  'TotalWallClockPeriod',
  'VaCloneCycleCount',
  'VaCloneWallClockPeriod',
  'VaSpaceCycleCount',
  'VaSpaceWallClockPeriod',
  'AuxPagesCycleCount',
  'AuxPagesWallClockPeriod',
  'HandlesCycleCount',
  'HandlesWallClockPeriod',
  'ThreadsCycleCount',
  'ThreadsWallClockPeriod',
] as const

const camel = (s: string) => s.charAt(0).toLowerCase() + s.slice(1)

const HANDLE_HAVE_TYPE = 0x1
const HANDLE_HAVE_NAME = 0x2
const HANDLE_HAVE_BASIC_INFORMATION = 0x4
const HANDLE_HAVE_TYPE_SPECIFIC_INFORMATION = 0x8
const UNION_OFFSET_64 = 88 // PSS_HANDLE_ENTRY.TypeSpecificInformation on x64/arm64 (x86: 72)

/** Loads koffi (lazily) and the library, and returns the typed API. */
export async function openPss(options: PssOptions = {}): Promise<Pss> {
  const koffi = await loadKoffi()
  return createPss(koffi, options.library ?? DEFAULT_PSS_LIBRARY)
}

function createPss(koffi: Koffi, libraryPath: string): Pss {
  const arch = pssArchOf()
  if (!arch) throw new Error(`the PSS binding has no layout for Node's architecture '${process.arch}'`)
  const binding = bindPss(koffi, libraryPath)
  const types = defineTypes(koffi, arch)
  const S = types.structs
  const sizes = {
    query: [
      S.PSS_PROCESS_INFORMATION,
      S.PSS_VA_CLONE_INFORMATION,
      S.PSS_AUXILIARY_PAGES_INFORMATION,
      S.PSS_VA_SPACE_INFORMATION,
      S.PSS_HANDLE_INFORMATION,
      S.PSS_THREAD_INFORMATION,
      S.PSS_HANDLE_TRACE_INFORMATION,
      S.PSS_PERFORMANCE_COUNTERS,
    ],
    walk: [S.PSS_AUXILIARY_PAGE_ENTRY, S.PSS_VA_SPACE_ENTRY, S.PSS_HANDLE_ENTRY, S.PSS_THREAD_ENTRY],
  }
  const unionOffset = types.pointerSize === 8 ? UNION_OFFSET_64 : koffi.offsetof(S.PSS_HANDLE_ENTRY, 'TypeSpecificInformation')
  const currentProcess = ((1n << BigInt(8 * types.pointerSize)) - 1n) as CurrentProcessHandle

  const check = (call: PssFunctionName, code: number) => {
    if (code !== ERROR_SUCCESS) throw new Win32Error(code, call)
  }
  const outPointer = (slot: OutSlot): bigint => u64(slot[0])

  const string16 = (ptr: unknown, bytes: number): string => (ptr === null || bytes === 0 ? '' : koffi.decode.string16(ptr, Math.floor(bytes / 2)))
  const copyBytes = (ptr: unknown, length: number): Uint8Array => new Uint8Array(koffi.view(ptr, length).slice(0))

  // Per-marker allocator state: the PSS_ALLOCATOR struct and both registered callbacks must outlive the marker.
  const allocators = new Map<bigint, { struct: Buffer; callbacks: bigint[] }>()

  function decodeQuery(infoClass: number, buf: Buffer): QueryResults[PssQueryClass] {
    const type = sizes.query[infoClass]
    if (!type) throw new RangeError(`unknown PSS query class ${infoClass}`)
    const r = koffi.decode(buf, type) as Raw
    switch (infoClass) {
      case 0: {
        const name = r.ImageFileName as Uint16Array
        const nul = name.indexOf(0)
        const info: ProcessInformation = {
          exitStatus: num(r.ExitStatus),
          pebBaseAddress: u64(r.PebBaseAddress),
          affinityMask: u64(r.AffinityMask),
          basePriority: num(r.BasePriority),
          processId: num(r.ProcessId),
          parentProcessId: num(r.ParentProcessId),
          flags: num(r.Flags),
          createTime: filetime(r.CreateTime),
          exitTime: filetime(r.ExitTime),
          kernelTime: filetime(r.KernelTime),
          userTime: filetime(r.UserTime),
          priorityClass: num(r.PriorityClass),
          peakVirtualSize: u64(r.PeakVirtualSize),
          virtualSize: u64(r.VirtualSize),
          pageFaultCount: num(r.PageFaultCount),
          peakWorkingSetSize: u64(r.PeakWorkingSetSize),
          workingSetSize: u64(r.WorkingSetSize),
          quotaPeakPagedPoolUsage: u64(r.QuotaPeakPagedPoolUsage),
          quotaPagedPoolUsage: u64(r.QuotaPagedPoolUsage),
          quotaPeakNonPagedPoolUsage: u64(r.QuotaPeakNonPagedPoolUsage),
          quotaNonPagedPoolUsage: u64(r.QuotaNonPagedPoolUsage),
          pagefileUsage: u64(r.PagefileUsage),
          peakPagefileUsage: u64(r.PeakPagefileUsage),
          privateUsage: u64(r.PrivateUsage),
          executeFlags: num(r.ExecuteFlags),
          // A fixed WCHAR[260]: whatever follows the first NUL is stale buffer content.
          imageFileName: String.fromCharCode(...(nul < 0 ? name : name.subarray(0, nul))),
        }
        return info
      }
      case 1:
        return { vaCloneHandle: u64(r.VaCloneHandle) }
      case 2:
        return { auxPagesCaptured: num(r.AuxPagesCaptured) }
      case 3:
        return { regionCount: num(r.RegionCount) }
      case 4:
        return { handlesCaptured: num(r.HandlesCaptured) }
      case 5:
        return { threadsCaptured: num(r.ThreadsCaptured), contextLength: num(r.ContextLength) }
      case 6:
        return { sectionHandle: u64(r.SectionHandle), size: num(r.Size) }
      default:
        return Object.fromEntries(PERF_KEYS.map((k) => [camel(k), u64(r[k])])) as unknown as PerformanceCounters
    }
  }

  function decodeHandle(buf: Buffer): HandleEntry {
    const r = koffi.decode(buf, S.PSS_HANDLE_ENTRY) as Raw
    const flags = num(r.Flags)
    const objectType = num(r.ObjectType)
    const e: HandleEntry = { handle: u64(r.Handle), flags, objectType, captureTime: filetime(r.CaptureTime) }
    if (flags & HANDLE_HAVE_BASIC_INFORMATION) {
      e.attributes = num(r.Attributes)
      e.grantedAccess = num(r.GrantedAccess)
      e.handleCount = num(r.HandleCount)
      e.pointerCount = num(r.PointerCount)
      e.pagedPoolCharge = num(r.PagedPoolCharge)
      e.nonPagedPoolCharge = num(r.NonPagedPoolCharge)
      e.creationTime = filetime(r.CreationTime)
    }
    if (flags & HANDLE_HAVE_TYPE) e.typeName = string16(r.TypeName, num(r.TypeNameLength))
    if (flags & HANDLE_HAVE_NAME) e.objectName = string16(r.ObjectName, num(r.ObjectNameLength))
    if (flags & HANDLE_HAVE_TYPE_SPECIFIC_INFORMATION) {
      const ts = decodeTypeSpecific(buf, objectType)
      if (ts) e.typeSpecificInformation = ts
    }
    return e
  }

  // The union member that ObjectType selects (unknown types, File, Key…, have none), decoded by the field
  // table of format/fields.ts: its C names ('Process.ExitStatus') name the koffi struct's members.
  function decodeTypeSpecific(buf: Buffer, objectType: number): HandleTypeSpecificInformation | undefined {
    const member = TYPE_SPECIFIC_BY_OBJECT_TYPE[objectType]
    if (!member) return undefined
    const struct = types.handleTypeSpecific[(member[0]!.toUpperCase() + member.slice(1)) as keyof PssTypes['handleTypeSpecific']]
    const r = koffi.decode(buf, unionOffset, struct) as Raw
    const out: Record<string, number | bigint> = {}
    for (const [name, spec] of Object.entries(HANDLE_TYPE_SPECIFIC[member] as Record<string, FieldSpec>)) {
      const value = r[spec.c.slice(spec.c.indexOf('.') + 1)]
      out[name] = spec.dtype === 'u64' || spec.dtype === 'i64' ? u64(value) : num(value)
    }
    return { [member]: out } as HandleTypeSpecificInformation
  }

  function decodeThread(buf: Buffer): ThreadEntry {
    const r = koffi.decode(buf, S.PSS_THREAD_ENTRY) as Raw
    const size = num(r.SizeOfContextRecord)
    const e: ThreadEntry = {
      exitStatus: num(r.ExitStatus),
      tebBaseAddress: u64(r.TebBaseAddress),
      processId: num(r.ProcessId),
      threadId: num(r.ThreadId),
      affinityMask: u64(r.AffinityMask),
      priority: num(r.Priority),
      basePriority: num(r.BasePriority),
      lastSyscallFirstArgument: u64(r.LastSyscallFirstArgument),
      lastSyscallNumber: num(r.LastSyscallNumber),
      createTime: filetime(r.CreateTime),
      exitTime: filetime(r.ExitTime),
      kernelTime: filetime(r.KernelTime),
      userTime: filetime(r.UserTime),
      win32StartAddress: u64(r.Win32StartAddress),
      captureTime: filetime(r.CaptureTime),
      flags: num(r.Flags),
      suspendCount: num(r.SuspendCount),
      sizeOfContextRecord: size,
    }
    // SizeOfContextRecord bytes, not sizeof(CONTEXT): extended contexts are longer.
    if (r.ContextRecord !== null && size > 0) e.contextRecord = copyBytes(r.ContextRecord, size)
    return e
  }

  function decodeRegion(buf: Buffer): VaSpaceEntry {
    const r = koffi.decode(buf, S.PSS_VA_SPACE_ENTRY) as Raw
    const e: VaSpaceEntry = {
      baseAddress: u64(r.BaseAddress),
      allocationBase: u64(r.AllocationBase),
      allocationProtect: num(r.AllocationProtect),
      regionSize: u64(r.RegionSize),
      state: num(r.State),
      protect: num(r.Protect),
      type: num(r.Type),
      timeDateStamp: num(r.TimeDateStamp),
      sizeOfImage: num(r.SizeOfImage),
      imageBase: u64(r.ImageBase),
      checkSum: num(r.CheckSum),
    }
    const length = num(r.MappedFileNameLength)
    if (r.MappedFileName !== null && length > 0) e.mappedFileName = string16(r.MappedFileName, length)
    return e
  }

  function decodeAuxPage(buf: Buffer): AuxiliaryPageEntry {
    const r = koffi.decode(buf, S.PSS_AUXILIARY_PAGE_ENTRY) as Raw
    const m = r.BasicInformation as Raw
    const e: AuxiliaryPageEntry = {
      address: u64(r.Address),
      basicInformation: {
        baseAddress: u64(m.BaseAddress),
        allocationBase: u64(m.AllocationBase),
        allocationProtect: num(m.AllocationProtect),
        ...(m.PartitionId !== undefined ? { partitionId: num(m.PartitionId) } : {}),
        regionSize: u64(m.RegionSize),
        state: num(m.State),
        protect: num(m.Protect),
        type: num(m.Type),
      },
      captureTime: filetime(r.CaptureTime),
      pageSize: num(r.PageSize),
    }
    if (r.PageContents !== null && e.pageSize) e.pageContents = copyBytes(r.PageContents, e.pageSize)
    return e
  }

  const decoders = [decodeAuxPage, decodeRegion, decodeHandle, decodeThread] as const

  function releaseAllocator(marker: bigint) {
    const state = allocators.get(marker)
    if (!state) return
    allocators.delete(marker)
    for (const cb of state.callbacks) koffi.unregister(cb)
  }

  const pss: Pss = {
    binding,
    types,
    currentProcess,

    captureSnapshot(processHandle, captureFlags, threadContextFlags = 0) {
      const out: OutSlot = [null]
      check('PssCaptureSnapshot', binding.PssCaptureSnapshot(processHandle, captureFlags >>> 0, threadContextFlags >>> 0, out))
      return outPointer(out) as PssSnapshot
    },

    async captureSnapshotAsync(processHandle, captureFlags, threadContextFlags, limits) {
      const out: OutSlot = [null]
      const code = await callOffThread<number>(
        'PssCaptureSnapshot',
        (done) => binding.PssCaptureSnapshot.async(processHandle, captureFlags >>> 0, threadContextFlags >>> 0, out, done),
        limits,
        // Nobody holds the late snapshot: freed here, once; a failure has nobody left to report to.
        (code) => {
          if (code === ERROR_SUCCESS && out[0]) binding.PssFreeSnapshot(currentProcess, out[0] as bigint)
        },
      )
      check('PssCaptureSnapshot', code)
      return outPointer(out) as PssSnapshot
    },

    duplicateSnapshot(sourceProcess: ProcessHandle, snapshot: PssSnapshot | RemotePssSnapshot, targetProcess: ProcessHandle, flags = 0) {
      const out: OutSlot = [null]
      check('PssDuplicateSnapshot', binding.PssDuplicateSnapshot(sourceProcess, snapshot, targetProcess, out, flags >>> 0))
      return outPointer(out) as PssSnapshot & RemotePssSnapshot
    },

    freeSnapshot(processHandle: ProcessHandle, snapshot: PssSnapshot | RemotePssSnapshot) {
      check('PssFreeSnapshot', binding.PssFreeSnapshot(processHandle, snapshot))
    },

    querySnapshot<C extends PssQueryClass>(snapshot: PssSnapshot, infoClass: C): QueryResults[C] {
      const type = sizes.query[infoClass]
      if (!type) throw new RangeError(`unknown PSS query class ${String(infoClass)}`)
      const size = koffi.sizeof(type)
      const buf = Buffer.alloc(size)
      check('PssQuerySnapshot', binding.PssQuerySnapshot(snapshot, infoClass, buf, size))
      return decodeQuery(infoClass, buf) as QueryResults[C]
    },

    walkMarkerCreate(allocator) {
      const out: OutSlot = [null]
      if (!allocator) {
        check('PssWalkMarkerCreate', binding.PssWalkMarkerCreate(null, out))
        return outPointer(out) as PssWalkMarker
      }
      const { allocRoutine, freeRoutine } = types
      if (!allocRoutine || !freeRoutine) throw new Error('custom PSS allocators need the host architecture layout')
      // A throwing callback would unwind through native code: report failure (NULL) instead.
      const alloc = koffi.register((_context: unknown, size: number) => {
        try {
          return allocator.alloc(size)
        } catch {
          return null
        }
      }, koffi.pointer(allocRoutine))
      const free = koffi.register((_context: unknown, address: unknown) => {
        // FreeRoutine(Context, NULL) must be a no-op (pss-reference §4.8).
        if (address === null || address === 0n) return
        try {
          allocator.free(u64(address))
        } catch {
          // nothing sensible to do inside a native callback
        }
      }, koffi.pointer(freeRoutine))
      const struct = Buffer.alloc(koffi.sizeof(S.PSS_ALLOCATOR))
      koffi.encode(struct, 0, S.PSS_ALLOCATOR, { Context: null, AllocRoutine: alloc, FreeRoutine: free })
      const code = binding.PssWalkMarkerCreate(struct, out)
      if (code !== ERROR_SUCCESS) {
        koffi.unregister(alloc)
        koffi.unregister(free)
        throw new Win32Error(code, 'PssWalkMarkerCreate')
      }
      const marker = outPointer(out)
      allocators.set(marker, { struct, callbacks: [alloc, free] })
      return marker as PssWalkMarker
    },

    walkMarkerFree(marker) {
      const code = binding.PssWalkMarkerFree(marker)
      // The callbacks were needed by the free itself; release them only afterwards.
      if (code === ERROR_SUCCESS) releaseAllocator(marker)
      check('PssWalkMarkerFree', code)
    },

    walkMarkerGetPosition(marker) {
      const out: OutSlot = [null]
      check('PssWalkMarkerGetPosition', binding.PssWalkMarkerGetPosition(marker, out))
      return u64(out[0])
    },

    walkMarkerSetPosition(marker, position) {
      check('PssWalkMarkerSetPosition', binding.PssWalkMarkerSetPosition(marker, position))
    },

    walkMarkerSeekToBeginning(marker) {
      check('PssWalkMarkerSeekToBeginning', binding.PssWalkMarkerSeekToBeginning(marker))
    },

    walkSnapshot<C extends PssWalkClass>(snapshot: PssSnapshot, walkClass: C, marker: PssWalkMarker): WalkEntries[C] | undefined {
      const type = sizes.walk[walkClass]
      const decode = decoders[walkClass]
      // Unknown classes still go to the library, which answers ERROR_INVALID_PARAMETER.
      const size = type ? koffi.sizeof(type) : 0
      const buf = Buffer.alloc(size)
      const code = binding.PssWalkSnapshot(snapshot, walkClass, marker, size ? buf : null, size)
      if (code === ERROR_NO_MORE_ITEMS) return undefined
      check('PssWalkSnapshot', code)
      if (!decode) throw new RangeError(`unknown PSS walk class ${String(walkClass)}`)
      return decode(buf) as WalkEntries[C]
    },

    async walkSnapshotAsync<C extends PssWalkClass>(snapshot: PssSnapshot, walkClass: C, marker: PssWalkMarker, limits: CallLimits): Promise<WalkEntries[C] | undefined> {
      if (allocators.has(marker)) throw new TypeError('walkSnapshotAsync: this marker has a custom allocator; walk it with walkSnapshot')
      const type = sizes.walk[walkClass]
      const decode = decoders[walkClass]
      const size = type ? koffi.sizeof(type) : 0
      const buf = Buffer.alloc(size)
      // The entry's pointers are valid only until the next walk call on this marker: decoded (copied) at once.
      const code = await callOffThread<number>('PssWalkSnapshot', (done) => binding.PssWalkSnapshot.async(snapshot, walkClass, marker, size ? buf : null, size, done), limits, () => {})
      if (code === ERROR_NO_MORE_ITEMS) return undefined
      check('PssWalkSnapshot', code)
      if (!decode) throw new RangeError(`unknown PSS walk class ${String(walkClass)}`)
      return decode(buf) as WalkEntries[C]
    },

    *walk<C extends PssWalkClass>(snapshot: PssSnapshot, walkClass: C): Generator<WalkEntries[C], void, undefined> {
      const marker = pss.walkMarkerCreate()
      try {
        for (;;) {
          const entry = pss.walkSnapshot(snapshot, walkClass, marker)
          if (entry === undefined) return
          yield entry
        }
      } finally {
        pss.walkMarkerFree(marker)
      }
    },

    close() {
      binding.library.unload()
    },
  }
  return pss
}
