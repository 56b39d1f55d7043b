// pssnap/capture: process capture. Each platform's backend is imported lazily, only when a capture or a
// process listing runs: Linux reads /proc (capture/linux/); the Windows PSS binding (koffi) is not built
// yet; every other platform gets a clear, typed refusal instead of a crash.
import type { LinuxCaptureOptions, LinuxCaptureResult, ProcessSummary } from './linux/index.js'

export { CaptureFailedError, type CaptureFailureCode } from './errors.js'
export type { LinuxCaptureOptions as CaptureOptions, LinuxCaptureResult as CaptureResult, ProcessSummary }

export type CaptureErrorCode = 'UNSUPPORTED_PLATFORM' | 'NOT_IMPLEMENTED'

export class CaptureUnavailableError extends Error {
  override name = 'CaptureUnavailableError'
  constructor(
    readonly code: CaptureErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Why the Process Snapshotting capture cannot run on this platform in this build (also thrown by the Windows
 * binding when asked for kernel32 elsewhere). Linux does not use it: captureToFile reads /proc there.
 */
export function captureUnavailableReason(platform: string = globalThis.process?.platform ?? 'unknown'): CaptureUnavailableError {
  if (platform === 'linux') {
    return new CaptureUnavailableError('UNSUPPORTED_PLATFORM', 'the Process Snapshotting API needs Windows; this is linux, where pssnap captures from /proc instead')
  }
  if (platform !== 'win32') {
    return new CaptureUnavailableError('UNSUPPORTED_PLATFORM', `capture needs Windows (the Process Snapshotting API) or Linux (/proc); this is ${platform}. Archives captured elsewhere can be read here with info, handles, threads, regions, aux, validate and export.`)
  }
  return new CaptureUnavailableError('NOT_IMPLEMENTED', 'this build of pssnap has no Windows capture backend yet')
}

/** The backend of this platform: Linux's /proc reader, imported only now; elsewhere the typed refusal. */
async function backend() {
  const platform = globalThis.process?.platform ?? 'unknown'
  if (platform !== 'linux') throw captureUnavailableReason(platform)
  return import('./linux/index.js')
}

/** Captures process `processId` into the archive file `path` (temporary file, then rename). */
export async function captureToFile(processId: number, path: string, options: LinuxCaptureOptions = {}): Promise<LinuxCaptureResult> {
  return (await backend()).captureLinuxToFile(processId, path, options)
}

/** The processes of this machine (pid, name, thread and handle counts). */
export async function listProcesses(): Promise<ProcessSummary[]> {
  return (await backend()).listProcesses()
}

/** The pid a command-line target (`1234` or a process name) designates; several matches are refused, listed. */
export async function resolveTarget(target: string): Promise<number> {
  return (await backend()).resolveTarget(target)
}

/** Names of the capture presets of this platform. */
export async function capturePresets(): Promise<string[]> {
  return Object.keys((await backend()).LINUX_PRESETS)
}
