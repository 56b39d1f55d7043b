// The Windows version for the archive header (host.osVersion, host.osBuild): RtlGetVersion from ntdll, because
// GetVersionEx answers with the version the application manifest declares, not the running one.
import { loadKoffi } from './koffi.js'
import { windowsLibraries } from './libraries.js'
import { processStructs } from './process-structs.js'

export interface WindowsVersion {
  /** `major.minor.build`, e.g. `10.0.22631`. */
  osVersion: string
  /** The build number, e.g. `22631`. */
  osBuild: string
}

/** The running Windows version, or undefined when RtlGetVersion is missing or fails (the header keys are optional). */
export async function readWindowsVersion(library?: string): Promise<WindowsVersion | undefined> {
  const koffi = await loadKoffi()
  const { RTL_OSVERSIONINFOW } = processStructs(koffi)
  let ntdll
  try {
    ntdll = koffi.load(windowsLibraries(library).ntdll)
  } catch {
    return undefined
  }
  try {
    const RtlGetVersion = ntdll.func('__stdcall', 'RtlGetVersion', 'int32_t', ['void *']) as (info: Buffer) => number
    const info = Buffer.alloc(koffi.sizeof(RTL_OSVERSIONINFOW))
    info.writeUInt32LE(info.length, 0) // dwOSVersionInfoSize
    if (RtlGetVersion(info) !== 0) return undefined // an NTSTATUS other than STATUS_SUCCESS
    const v = koffi.decode(info, RTL_OSVERSIONINFOW) as { dwMajorVersion: number; dwMinorVersion: number; dwBuildNumber: number }
    return { osVersion: `${v.dwMajorVersion}.${v.dwMinorVersion}.${v.dwBuildNumber}`, osBuild: String(v.dwBuildNumber) }
  } catch {
    return undefined
  } finally {
    ntdll.unload()
  }
}
