// Typed failures of a capture, shared by every platform backend: a capture that could not start on this
// process (CaptureFailedError), or no backend able to capture here (CaptureUnavailableError). The CLI prints
// them as `CODE - message` (exit 1); library callers switch on `code`.

/** TIMEOUT: a PSS call did not return within the deadline (it may still be running: see the CLI's exit);
 * ARCHITECTURE_MISMATCH: a 32-bit pssnap cannot capture a 64-bit process (pointer-sized fields would be cut);
 * BAD_CONTEXT_FLAGS: a `--context-flags` value names no CONTEXT_* flag of this architecture;
 * PTRACE_DENIED / ALREADY_TRACED: Linux holding (capture/linux/hold.ts) was refused by ptrace. */
export type CaptureFailureCode = 'NO_SUCH_PROCESS' | 'ACCESS_DENIED' | 'AMBIGUOUS_NAME' | 'BAD_PRESET' | 'TIMEOUT' | 'ARCHITECTURE_MISMATCH' | 'BAD_CONTEXT_FLAGS' | 'KERNEL_THREAD' | 'PTRACE_DENIED' | 'ALREADY_TRACED'

export class CaptureFailedError extends Error {
  override name = 'CaptureFailedError'
  constructor(
    readonly code: CaptureFailureCode,
    message: string,
    /** The process the capture was aimed at, when known. */
    readonly processId?: number,
  ) {
    super(message)
  }
}

/** UNSUPPORTED_PLATFORM: no backend here; UNSUPPORTED_OPTION: an option of another backend; PSS_UNAVAILABLE: the
 * library lacks a PSS function (Windows before 8.1, Wine); CAPTURE_DEPENDENCY_MISSING: the optional koffi package
 * (Windows capture's FFI) is not installed. */
export type CaptureErrorCode = 'UNSUPPORTED_PLATFORM' | 'UNSUPPORTED_OPTION' | 'PSS_UNAVAILABLE' | 'CAPTURE_DEPENDENCY_MISSING'

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
 * Why the Process Snapshotting capture cannot run on this platform (also thrown by the Windows binding when
 * asked for kernel32 elsewhere). Linux does not use it: captureToFile reads /proc there.
 */
export function captureUnavailableReason(platform: string = globalThis.process?.platform ?? 'unknown'): CaptureUnavailableError {
  if (platform === 'linux') {
    return new CaptureUnavailableError('UNSUPPORTED_PLATFORM', 'the Process Snapshotting API needs Windows; this is linux, where pssnap captures from /proc instead')
  }
  return new CaptureUnavailableError('UNSUPPORTED_PLATFORM', `capture needs Windows (the Process Snapshotting API) or Linux (/proc); this is ${platform}. Archives captured elsewhere can be read here with info, handles, threads, regions, aux, validate and export.`)
}
