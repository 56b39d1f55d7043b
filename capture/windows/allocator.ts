// A custom PSS_ALLOCATOR for a walk marker (pss-reference §5.9): the two WINAPI callbacks registered with koffi
// and the struct that points to them. Both must outlive the marker, since PssWalkMarkerFree itself calls
// FreeRoutine: release() only after the marker was freed.
import type { Koffi } from './koffi.js'
import type { PssTypes } from './types.js'
import { u64 } from './decode.js'

/**
 * A custom allocator for a walk marker's internal memory (PSS_ALLOCATOR). Called synchronously on the calling
 * thread. `alloc` returns an address (or null on failure); the memory must stay valid until `free` gets it.
 */
export interface PssAllocator {
  alloc(size: number): bigint | null
  free(address: bigint): void
}

export interface RegisteredAllocator {
  /** The PSS_ALLOCATOR to pass to PssWalkMarkerCreate. */
  readonly struct: Buffer
  /** Unregisters both callbacks. */
  release(): void
}

export function registerAllocator(koffi: Koffi, types: PssTypes, allocator: PssAllocator): RegisteredAllocator {
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
  const S = types.structs
  const struct = Buffer.alloc(koffi.sizeof(S.PSS_ALLOCATOR))
  koffi.encode(struct, 0, S.PSS_ALLOCATOR, { Context: null, AllocRoutine: alloc, FreeRoutine: free })
  return {
    struct,
    release() {
      koffi.unregister(alloc)
      koffi.unregister(free)
    },
  }
}
