// pssnap/capture: process capture. The Windows PSS binding (koffi, loaded lazily here only) is not built
// yet; until it is, every platform gets a clear, typed refusal instead of a crash.

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

/** Why capture cannot run on this platform in this build, or undefined when it can. */
export function captureUnavailableReason(platform: string = globalThis.process?.platform ?? 'unknown'): CaptureUnavailableError {
  if (platform !== 'win32') {
    return new CaptureUnavailableError('UNSUPPORTED_PLATFORM', `capture needs Windows (the Process Snapshotting API); this is ${platform}. Archives captured on Windows can be read here with info, handles, threads, regions, aux, validate and export.`)
  }
  return new CaptureUnavailableError('NOT_IMPLEMENTED', 'this build of pssnap has no Windows capture backend yet')
}
