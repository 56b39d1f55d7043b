// The Windows backend as capture/index.ts drives it: the same four operations as capture/linux/ (capture to a
// file, list processes, resolve a pid or image name, preset names), over the PSS pipeline and Toolhelp32.
// `library` is the one DLL to bind everything from (tests: the fake); default kernel32.dll and ntdll.dll.
import type { CaptureSet } from '../../format/index.js'
import type { MemoryRequest } from '../memory-request.js'
import { presetFlags, WINDOWS_PRESETS, type WindowsPreset } from './flags.js'
import { readWindowsVersion } from './os-version.js'
import { captureProcess, type WindowsCaptureResult } from './pipeline.js'
import { listWindowsProcesses, type WindowsProcessSummary } from './process-list.js'
import { resolveWindowsTarget } from './process-target.js'

export interface WindowsBackendCaptureOptions {
  preset?: string
  /** Raw PSS_CAPTURE_FLAGS; overrides the preset. */
  flags?: number
  debugPrivilege?: boolean
  /** CONTEXT_* flags, a number or names of this architecture (`ALL|XSTATE`). */
  threadContextFlags?: number | string
  /** The longest wait for one PSS call, in milliseconds (default DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number
  signal?: AbortSignal
  captureSet?: CaptureSet
  /** Memory to read from the VA clone (adds PSS_CAPTURE_VA_CLONE to the flags). */
  memory?: readonly MemoryRequest[]
  stackLimit?: number
}

export const windowsPresets = (): string[] => Object.keys(WINDOWS_PRESETS)

/** Captures `target` (a pid, or 'self' for this process through GetCurrentProcess) into `output`. */
export async function captureWindowsToFile(target: number | 'self', output: string, options: WindowsBackendCaptureOptions = {}, library?: string): Promise<WindowsCaptureResult> {
  // An unknown preset is refused before anything is loaded.
  if (options.flags === undefined && options.preset !== undefined) presetFlags(options.preset)
  const windowsVersion = await readWindowsVersion(library)
  return captureProcess({
    ...(target === 'self' ? { self: true } : { pid: target }),
    ...(options.flags !== undefined ? { flags: options.flags } : { preset: (options.preset ?? 'default') as WindowsPreset }),
    ...(options.debugPrivilege ? { debugPrivilege: true } : {}),
    ...(options.threadContextFlags !== undefined ? { threadContextFlags: options.threadContextFlags } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.captureSet ? { captureSet: options.captureSet } : {}),
    ...(options.memory?.length ? { memory: options.memory } : {}),
    ...(options.stackLimit !== undefined ? { stackLimit: options.stackLimit } : {}),
    ...(library !== undefined ? { library } : {}),
    ...(windowsVersion ? { windowsVersion } : {}),
    output,
  })
}

export const listProcessesWindows = (library?: string): Promise<WindowsProcessSummary[]> => listWindowsProcesses(library)

export async function resolveTargetWindows(target: string, library?: string): Promise<number> {
  // A pid needs no listing; a name needs the list.
  return resolveWindowsTarget(target, /^\d+$/.test(target) ? [] : await listWindowsProcesses(library))
}
