// Typed failures of a capture that could not start, shared by every platform backend. The CLI prints them
// as `CODE - message` (exit 1); library callers switch on `code`.

export type CaptureFailureCode = 'NO_SUCH_PROCESS' | 'ACCESS_DENIED' | 'AMBIGUOUS_NAME' | 'BAD_PRESET'

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
