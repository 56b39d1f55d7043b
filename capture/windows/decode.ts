// Decoding what PSS returns into the shapes of format/fields.ts: camelCase keys, 64-bit values as bigint,
// FILETIME as bigint ticks, strings decoded by byte length, contexts and page contents copied. Everything is
// copied out of PSS-owned memory here: a walk entry's pointers are valid only until the next walk call on its
// marker (and the fake library poisons them then), so a caller decodes an entry before making that call.
import { HANDLE_TYPE_SPECIFIC, TYPE_SPECIFIC_BY_OBJECT_TYPE, type AuxiliaryPageEntry, type FieldSpec, type HandleEntry, type HandleTypeSpecificInformation, type ThreadEntry, type VaSpaceEntry } from '../../format/fields.js'
import type { PerformanceCounters } from '../../format/schemas.js'
import type { Koffi, KoffiType } from './koffi.js'
import type { ProcessInformation, PssQueryClass, PssWalkClass, QueryResults, WalkEntries } from './pss.js'
import type { PssTypes } from './types.js'

interface RawFiletime {
  dwLowDateTime: number
  dwHighDateTime: number
}
// koffi gives pointers as bigint or null and uintptr_t/uint64 as number or bigint (by magnitude).
type RawScalar = number | bigint | null
type Raw = Record<string, unknown>

export const u64 = (v: unknown): bigint => (v === null || v === undefined ? 0n : BigInt(v as number | bigint))
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

export interface PssDecoders {
  /** The struct of each query class and walk class, by class number. */
  readonly sizes: { readonly query: readonly KoffiType[]; readonly walk: readonly KoffiType[] }
  query(infoClass: number, buf: Buffer): QueryResults[PssQueryClass]
  /** Walk entry decoders by walk class (auxiliary pages, VA space, handles, threads). */
  readonly walk: readonly ((buf: Buffer) => WalkEntries[PssWalkClass])[]
}

/** The decoders of `types`' layouts (the host architecture's: the buffers come from calls made here). */
export function createDecoders(koffi: Koffi, types: PssTypes): PssDecoders {
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
  const string16 = (ptr: unknown, bytes: number): string => (ptr === null || bytes === 0 ? '' : koffi.decode.string16(ptr, Math.floor(bytes / 2)))
  const copyBytes = (ptr: unknown, length: number): Uint8Array => new Uint8Array(koffi.view(ptr, length).slice(0))

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

  return { sizes, query: decodeQuery, walk: [decodeAuxPage, decodeRegion, decodeHandle, decodeThread] }
}
