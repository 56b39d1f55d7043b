// koffi layouts of the Win32 structures a `pssnap watch` poll reads on Windows: PROCESS_MEMORY_COUNTERS_EX
// (psapi.h; K32GetProcessMemoryInfo) and FILETIME (GetProcessTimes). SIZE_T members are pointer-sized; the
// sizes and offsets are those of spec/abi/win32-process-counters.json, which mingw-w64's headers are checked
// against in test/capture-windows-counter-layout.test.ts.
import type { Koffi, KoffiType } from './koffi.js'

export interface CounterStructs {
  PROCESS_MEMORY_COUNTERS_EX: KoffiType
  FILETIME: KoffiType
}

const cache = new WeakMap<Koffi, CounterStructs>()

export function counterStructs(koffi: Koffi): CounterStructs {
  let s = cache.get(koffi)
  if (!s) {
    s = {
      PROCESS_MEMORY_COUNTERS_EX: koffi.struct({
        cb: 'uint32_t',
        PageFaultCount: 'uint32_t',
        PeakWorkingSetSize: 'size_t',
        WorkingSetSize: 'size_t',
        QuotaPeakPagedPoolUsage: 'size_t',
        QuotaPagedPoolUsage: 'size_t',
        QuotaPeakNonPagedPoolUsage: 'size_t',
        QuotaNonPagedPoolUsage: 'size_t',
        PagefileUsage: 'size_t',
        PeakPagefileUsage: 'size_t',
        PrivateUsage: 'size_t',
      }),
      FILETIME: koffi.struct({ dwLowDateTime: 'uint32_t', dwHighDateTime: 'uint32_t' }),
    }
    cache.set(koffi, s)
  }
  return s
}
