// Typed wrappers over the koffi binding of processsnapshot.h (./functions.ts, ./types.ts): every call checks the
// returned Win32 code and throws Win32Error, query results and walk entries come back as plain JS objects in the
// shapes of format/fields.ts (camelCase, 64-bit values as bigint, FILETIME as bigint ticks), copied completely out
// of PSS-owned memory before the call returns, so nothing points into a marker after it is freed.
import { PSS_QUERY, PSS_WALK, type PssQueryResults, type PssWalkEntries } from '../../format/pss-classes.js'
import type { PerformanceCounters, ProcessInformation as ArchiveProcessInformation } from '../../format/schemas.js'
import { WIN32_ERROR_MESSAGES as MESSAGES, WIN32_ERROR_NAMES } from '../../format/win32-errors.js'
import { registerAllocator, type PssAllocator, type RegisteredAllocator } from './allocator.js'
import { createDecoders, u64 } from './decode.js'
import { bindPss, DEFAULT_PSS_LIBRARY, type OutSlot, type PssBinding, type PssFunctionName } from './functions.js'
import { loadKoffi, type Koffi } from './koffi.js'
import { callOffThread, type CallLimits } from './native-call.js'
import { defineTypes, pssArchOf, type PssTypes } from './types.js'

// ---- Errors ----

export { WIN32_ERROR_NAMES }

/** The non-PSS calls the capture pipeline makes (kernel32 process handles, advapi32 token privileges, Toolhelp32 listing). */
export type Win32CallName = 'OpenProcess' | 'CloseHandle' | 'IsWow64Process2' | 'IsWow64Process' | 'TerminateProcess' | 'WaitForSingleObject' | 'OpenProcessToken' | 'LookupPrivilegeValueW' | 'AdjustTokenPrivileges' | 'CreateToolhelp32Snapshot' | 'Process32FirstW' | 'Process32NextW' | 'K32GetProcessMemoryInfo' | 'GetProcessTimes'

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

export type { PssAllocator }

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
  const decode = createDecoders(koffi, types)
  const { sizes } = decode
  const currentProcess = ((1n << BigInt(8 * types.pointerSize)) - 1n) as CurrentProcessHandle

  const check = (call: PssFunctionName, code: number) => {
    if (code !== ERROR_SUCCESS) throw new Win32Error(code, call)
  }
  const outPointer = (slot: OutSlot): bigint => u64(slot[0])

  // Per-marker allocators: the PSS_ALLOCATOR struct and both registered callbacks must outlive the marker.
  const allocators = new Map<bigint, RegisteredAllocator>()

  const decoders = decode.walk

  function releaseAllocator(marker: bigint) {
    allocators.get(marker)?.release()
    allocators.delete(marker)
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
      return decode.query(infoClass, buf) as QueryResults[C]
    },

    walkMarkerCreate(allocator) {
      const out: OutSlot = [null]
      if (!allocator) {
        check('PssWalkMarkerCreate', binding.PssWalkMarkerCreate(null, out))
        return outPointer(out) as PssWalkMarker
      }
      const registered = registerAllocator(koffi, types, allocator)
      const code = binding.PssWalkMarkerCreate(registered.struct, out)
      if (code !== ERROR_SUCCESS) {
        registered.release()
        throw new Win32Error(code, 'PssWalkMarkerCreate')
      }
      const marker = outPointer(out)
      allocators.set(marker, registered)
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
