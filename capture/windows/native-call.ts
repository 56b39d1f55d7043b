// Native calls that can block for long run on koffi's worker threads (`fn.async`), never on the JavaScript
// thread: PssCaptureSnapshot may wait on the target (handle names of synchronous pipes are known to hang
// other tools, pss-reference §5.1), and a walk step is the same kind of call. The JavaScript thread stays free,
// so a deadline can expire and Ctrl-C (an AbortSignal) is handled while the call is still running.
//
// A call given up on (deadline or abort) still runs on its worker thread and still uses its arguments: the
// process handle, the snapshot, the marker. Nothing it uses may be released until it returns, so a given-up
// call hands back `settled`, and whoever owns those resources chains their release on it. The CLI exits even
// with such a call outstanding (nativeCallsInFlight tells it one is).

/** A native call that did not return within its deadline. */
export class NativeCallTimeoutError extends Error {
  override name = 'NativeCallTimeoutError'
  readonly code = 'TIMEOUT'
  constructor(
    readonly call: string,
    readonly timeoutMs: number,
    /** Resolves once the abandoned call has returned and its own clean-up ran (maybe never). */
    readonly settled: Promise<void>,
  ) {
    super(`${call} did not return within ${timeoutMs / 1000} s`)
  }
}

export interface CallLimits {
  /** Milliseconds to wait for the call; undefined waits without limit. */
  timeoutMs?: number
  signal?: AbortSignal
}

/** A call that was given up on: what still runs, so its resources are released only after it returns. */
export interface AbandonedCall {
  readonly settled: Promise<void>
}

let inFlight = 0

/** Native calls started by callOffThread that have not returned (abandoned ones included). */
export function nativeCallsInFlight(): number {
  return inFlight
}

/**
 * Starts a call on a worker thread and resolves with its result. When the deadline passes or `signal` aborts
 * first, rejects (NativeCallTimeoutError, or the signal's reason with an `abandoned` property) and, once the
 * call returns, hands its late result to `onLate` (to free what it created).
 */
export function callOffThread<R>(call: string, start: (done: (error: unknown, result: R) => void) => void, limits: CallLimits, onLate: (result: R | undefined) => void): Promise<R> {
  limits.signal?.throwIfAborted()
  let settle!: () => void
  const settled = new Promise<void>((resolve) => (settle = resolve))
  return new Promise<R>((resolve, reject) => {
    let givenUp = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const giveUp = (error: unknown) => {
      if (givenUp) return
      givenUp = true
      cleanup()
      reject(error)
    }
    const onAbort = () => {
      const reason: unknown = limits.signal?.reason
      if (reason !== null && typeof reason === 'object') Object.defineProperty(reason, 'abandoned', { value: { settled } satisfies AbandonedCall, configurable: true })
      giveUp(reason)
    }
    const cleanup = () => {
      if (timer !== undefined) clearTimeout(timer)
      limits.signal?.removeEventListener('abort', onAbort)
    }
    inFlight++
    // koffi checks the arguments before it queues the call: a throw here means nothing runs on a worker thread.
    try {
      start(onDone)
    } catch (error) {
      inFlight--
      givenUp = true
      settle()
      reject(error)
      return
    }
    if (givenUp) return // answered synchronously: no deadline to keep
    if (limits.timeoutMs !== undefined) timer = setTimeout(() => giveUp(new NativeCallTimeoutError(call, limits.timeoutMs!, settled)), limits.timeoutMs)
    limits.signal?.addEventListener('abort', onAbort, { once: true })
    function onDone(error: unknown, result: R) {
      inFlight--
      if (givenUp) {
        try {
          onLate(error ? undefined : result)
        } finally {
          settle()
        }
        return
      }
      givenUp = true
      cleanup()
      settle()
      if (error) reject(error)
      else resolve(result)
    }
  })
}

/** The call an error says was abandoned (a timeout, or an abort during the call), if any. */
export function abandonedBy(error: unknown): AbandonedCall | undefined {
  if (error instanceof NativeCallTimeoutError) return { settled: error.settled }
  const abandoned = error !== null && typeof error === 'object' ? (error as { abandoned?: unknown }).abandoned : undefined
  return abandoned && typeof abandoned === 'object' && 'settled' in abandoned ? (abandoned as AbandonedCall) : undefined
}
