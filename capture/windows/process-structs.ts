// koffi layouts of the Win32 structures the process listing and the OS version read: PROCESSENTRY32W (tlhelp32.h)
// and RTL_OSVERSIONINFOW (winnt.h). Fixed-width members only, so koffi gives Windows' layout on every host; the
// sizes and offsets are asserted against mingw-w64's headers in test/capture-windows-process-layout.test.ts.
import type { Koffi, KoffiType } from './koffi.js'

export interface ProcessStructs {
  PROCESSENTRY32W: KoffiType
  RTL_OSVERSIONINFOW: KoffiType
}

const cache = new WeakMap<Koffi, ProcessStructs>()

export function processStructs(koffi: Koffi): ProcessStructs {
  let s = cache.get(koffi)
  if (!s) {
    s = {
      PROCESSENTRY32W: koffi.struct({
        dwSize: 'uint32_t',
        cntUsage: 'uint32_t',
        th32ProcessID: 'uint32_t',
        th32DefaultHeapID: 'uintptr_t', // ULONG_PTR
        th32ModuleID: 'uint32_t',
        cntThreads: 'uint32_t',
        th32ParentProcessID: 'uint32_t',
        pcPriClassBase: 'int32_t', // LONG
        dwFlags: 'uint32_t',
        szExeFile: koffi.array('char16_t', 260, 'String'), // WCHAR[MAX_PATH], NUL-terminated
      }),
      RTL_OSVERSIONINFOW: koffi.struct({
        dwOSVersionInfoSize: 'uint32_t',
        dwMajorVersion: 'uint32_t',
        dwMinorVersion: 'uint32_t',
        dwBuildNumber: 'uint32_t',
        dwPlatformId: 'uint32_t',
        szCSDVersion: koffi.array('char16_t', 128, 'String'),
      }),
    }
    cache.set(koffi, s)
  }
  return s
}
