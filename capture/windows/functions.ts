// koffi declarations of the ten processsnapshot.h functions. All are WINAPI (`__stdcall` on x86, the native
// convention elsewhere) and return a Win32 error code as a DWORD. koffi is passed in (see ./koffi.ts).
//
// Parameter types follow pss-reference.md §2: handles (HANDLE, HPSS, HPSSWALK) and buffers are `void *` (koffi 3
// passes pointers as BigInt, so a typed opaque pointer would add no checking), enums and DWORDs are uint32,
// ULONG_PTR is `uintptr_t`, and the `HPSS *`, `HPSSWALK *`, `ULONG_PTR *` results are `_Out_` parameters: pass a
// one-element array and read element 0 after the call.
import { captureUnavailableReason, CaptureUnavailableError } from '../errors.js'
import type { Koffi, KoffiLibrary, KoffiTypeSpec } from './koffi.js'

/** The DLL the API is bound from unless a test passes another library. */
export const DEFAULT_PSS_LIBRARY = 'kernel32.dll'

export const PSS_FUNCTION_NAMES = [
  'PssCaptureSnapshot',
  'PssDuplicateSnapshot',
  'PssFreeSnapshot',
  'PssQuerySnapshot',
  'PssWalkSnapshot',
  'PssWalkMarkerCreate',
  'PssWalkMarkerFree',
  'PssWalkMarkerGetPosition',
  'PssWalkMarkerSetPosition',
  'PssWalkMarkerSeekToBeginning',
] as const
export type PssFunctionName = (typeof PSS_FUNCTION_NAMES)[number]

type ParamSpec = Parameters<Koffi['proto']>[3][number]

export interface PssSignature {
  readonly convention: '__stdcall'
  readonly result: KoffiTypeSpec
  /** [C parameter name, koffi type] in call order. */
  readonly parameters: readonly (readonly [string, ParamSpec])[]
}

/** The koffi signature of every PSS function (used by bindPss; tests turn them into prototypes without a library). */
export function pssSignatures(koffi: Koffi): Readonly<Record<PssFunctionName, PssSignature>> {
  const HANDLE = 'void *'
  const DWORD = 'uint32_t'
  const out = (t: KoffiTypeSpec) => koffi.out(koffi.pointer(t))
  const fn = (...parameters: (readonly [string, ParamSpec])[]): PssSignature => ({ convention: '__stdcall', result: DWORD, parameters })
  return {
    PssCaptureSnapshot: fn(['ProcessHandle', HANDLE], ['CaptureFlags', DWORD], ['ThreadContextFlags', DWORD], ['SnapshotHandle', out('void *')]),
    PssDuplicateSnapshot: fn(
      ['SourceProcessHandle', HANDLE],
      ['SnapshotHandle', HANDLE],
      ['TargetProcessHandle', HANDLE],
      ['TargetSnapshotHandle', out('void *')],
      ['Flags', DWORD],
    ),
    PssFreeSnapshot: fn(['ProcessHandle', HANDLE], ['SnapshotHandle', HANDLE]),
    PssQuerySnapshot: fn(['SnapshotHandle', HANDLE], ['InformationClass', DWORD], ['Buffer', 'void *'], ['BufferLength', DWORD]),
    PssWalkSnapshot: fn(
      ['SnapshotHandle', HANDLE],
      ['InformationClass', DWORD],
      ['WalkMarkerHandle', HANDLE],
      ['Buffer', 'void *'],
      ['BufferLength', DWORD],
    ),
    PssWalkMarkerCreate: fn(['Allocator', 'void *'], ['WalkMarkerHandle', out('void *')]),
    PssWalkMarkerFree: fn(['WalkMarkerHandle', HANDLE]),
    PssWalkMarkerGetPosition: fn(['WalkMarkerHandle', HANDLE], ['Position', out('uintptr_t')]),
    PssWalkMarkerSetPosition: fn(['WalkMarkerHandle', HANDLE], ['Position', 'uintptr_t']),
    PssWalkMarkerSeekToBeginning: fn(['WalkMarkerHandle', HANDLE]),
  }
}

/** A pointer argument as koffi 3 takes it: an address (BigInt), NULL, or memory passed for the call's duration. */
export type PointerArg = bigint | null | ArrayBufferView
/** An `_Out_` pointer-sized result: koffi stores it in element 0 (a BigInt for pointers). */
export type OutSlot = [bigint | number | null]

/** The ten functions; every one returns a Win32 error code (0 = ERROR_SUCCESS), never sets GetLastError's value. */
export interface PssFunctions {
  PssCaptureSnapshot(ProcessHandle: PointerArg, CaptureFlags: number, ThreadContextFlags: number, SnapshotHandle: OutSlot): number
  PssDuplicateSnapshot(
    SourceProcessHandle: PointerArg,
    SnapshotHandle: PointerArg,
    TargetProcessHandle: PointerArg,
    TargetSnapshotHandle: OutSlot,
    Flags: number,
  ): number
  PssFreeSnapshot(ProcessHandle: PointerArg, SnapshotHandle: PointerArg): number
  PssQuerySnapshot(SnapshotHandle: PointerArg, InformationClass: number, Buffer: PointerArg, BufferLength: number): number
  PssWalkSnapshot(SnapshotHandle: PointerArg, InformationClass: number, WalkMarkerHandle: PointerArg, Buffer: PointerArg, BufferLength: number): number
  PssWalkMarkerCreate(Allocator: PointerArg, WalkMarkerHandle: OutSlot): number
  PssWalkMarkerFree(WalkMarkerHandle: PointerArg): number
  PssWalkMarkerGetPosition(WalkMarkerHandle: PointerArg, Position: OutSlot): number
  PssWalkMarkerSetPosition(WalkMarkerHandle: PointerArg, Position: bigint | number): number
  PssWalkMarkerSeekToBeginning(WalkMarkerHandle: PointerArg): number
}

/** A koffi function: callable synchronously, or on koffi's worker pool with `.async(...args, callback)`. */
export type KoffiBound<F extends (...args: never[]) => unknown> = F & {
  async: (...args: [...Parameters<F>, (err: unknown, result: ReturnType<F>) => void]) => void
}

export type PssBinding = { readonly [K in PssFunctionName]: KoffiBound<PssFunctions[K]> } & {
  readonly libraryPath: string
  /** The loaded library; `library.unload()` when done. */
  readonly library: KoffiLibrary
}

/**
 * Loads `libraryPath` (default kernel32.dll) and declares the ten functions from it. The default is refused off
 * Windows with the same error capture gives there; tests pass the path of a fake library instead.
 * Throws naming the function when the library lacks one (kernel32 before Windows 8.1).
 */
export function bindPss(koffi: Koffi, libraryPath: string = DEFAULT_PSS_LIBRARY): PssBinding {
  const platform = globalThis.process?.platform ?? 'unknown'
  if (libraryPath === DEFAULT_PSS_LIBRARY && platform !== 'win32') throw captureUnavailableReason(platform)
  const library = koffi.load(libraryPath)
  const signatures = pssSignatures(koffi)
  const functions: Record<string, unknown> = {}
  try {
    for (const name of PSS_FUNCTION_NAMES) {
      const sig = signatures[name]
      try {
        functions[name] = library.func(
          sig.convention,
          name,
          sig.result,
          sig.parameters.map(([, type]) => type),
        )
      } catch (cause) {
        const error = new CaptureUnavailableError('PSS_UNAVAILABLE', `${libraryPath} cannot provide ${name} (the Process Snapshotting API needs Windows 8.1 or later): ${(cause as Error).message}`)
        error.cause = cause
        throw error
      }
    }
  } catch (err) {
    library.unload()
    throw err
  }
  return { ...(functions as { [K in PssFunctionName]: KoffiBound<PssFunctions[K]> }), libraryPath, library }
}
