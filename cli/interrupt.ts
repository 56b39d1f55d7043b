// SIGINT / SIGTERM for the commands that write files (capture, export, redact). The first signal aborts the
// write in progress through one AbortSignal: the writer removes its temporary file and leaves the destination
// as it was (writeArchiveFile, fileOutput), the command reports one line (`INTERRUPTED - …`) and exits 130 for
// SIGINT, 143 for SIGTERM (128 + the signal number, as a shell reports a process killed by it). A second
// signal exits at once, for a command stuck where the abort cannot reach it.
// Commands that only read install nothing: Ctrl-C ends them the default way.

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const
type HandledSignal = keyof typeof EXIT_CODES

export class InterruptedError extends Error {
  override name = 'InterruptedError'
  readonly code = 'INTERRUPTED'
  /** The process exit code main() returns for it. */
  readonly exitCode: number
  constructor(
    readonly signal: HandledSignal,
    message = `${signal} received`,
  ) {
    super(message)
    this.exitCode = EXIT_CODES[signal]
  }
}

let controller: AbortController | undefined

/** The signal that aborts on SIGINT/SIGTERM; the handlers are installed on the first call. */
export function interruptSignal(): AbortSignal {
  if (!controller) {
    const c = new AbortController()
    controller = c
    const onSignal = (signal: HandledSignal) => {
      if (c.signal.aborted) process.exit(EXIT_CODES[signal])
      c.abort(new InterruptedError(signal))
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }
  return controller.signal
}

/**
 * When `signal` was aborted by a signal: the error to report, saying what was not written (e.g. "capture
 * stopped; nothing written to 'x.pssnap'"); otherwise undefined (the failure is the command's own).
 */
export function interruption(signal: AbortSignal, what: string): InterruptedError | undefined {
  const reason = signal.aborted ? signal.reason : undefined
  return reason instanceof InterruptedError ? new InterruptedError(reason.signal, `${reason.signal} received: ${what}`) : undefined
}
