// The one holding mechanism of Linux capture (DESIGN §8): every thread of the target PTRACE_SEIZE'd and
// PTRACE_INTERRUPT'ed, then detached. Used for a consistent instant (--freeze), for registers and for memory.
// - All from one thread, synchronously (ptrace's tracer is a thread); only fn's own work may be asynchronous.
// - The target is left as it was: PTRACE_DETACH (and the kernel's detach when the tracer dies, pssnap killed
//   included) resumes a thread that was running, and puts a process that was in group stop (SIGSTOP) back
//   into it; a signal that arrived while held is delivered on detach, never lost.
// - Threads created while holding are caught by reading the task list again until a read finds none new.
import { readdirSync, readFileSync } from 'node:fs'
import { CaptureFailedError } from '../errors.js'
import { ERRNO, loadLibc, PTRACE_EVENT_STOP, type Libc } from './ptrace.js'
import { parseStat, parseStatus, procRoot } from './proc.js'

/** How a thread came to stop: our interrupt, the group stop it was in (SIGSTOP), or a signal arriving first. */
export type StopKind = 'interrupt' | 'group-stop' | 'signal'

export interface HeldThread {
  tid: number
  stop: StopKind
  /** The signal of a group stop or signal-delivery stop (a signal-delivery stop's is delivered on release). */
  signal?: number
}

/** One thread's hold, as recorded once released. */
export interface HoldRecord extends HeldThread {
  /** Nanoseconds from the interrupt request to the detach: an upper bound of how long it could not run. */
  heldNs: number
}

export type RegisterArchitecture = 'x64' | 'arm64'

/** NT_PRSTATUS as the kernel gave it (x64 `user_regs_struct`, 216 bytes; arm64 `user_pt_regs`, 272). */
export interface ThreadRegisters {
  architecture: RegisterArchitecture
  bytes: Uint8Array
}

/** What fn can do while the process is held. */
export interface Hold {
  readonly pid: number
  readonly threads: readonly HeldThread[]
  /** Whether the process was stopped (SIGSTOP, state T) before it was held: it stays stopped after. */
  readonly wasStopped: boolean
  /** The thread's general registers, or undefined when the kernel refused (the thread exited). */
  readRegisters(tid: number): ThreadRegisters | undefined
}

export interface HoldOptions {
  /** How long to wait for each round of threads to stop (a thread in uninterruptible sleep does not). */
  timeoutMs?: number
}

export interface HoldResult<T> {
  value: T
  threads: HoldRecord[]
  wasStopped: boolean
  /** Threads seized that had not stopped when the deadline passed (uninterruptible sleep): not held. */
  notStopped: number[]
}

const DEFAULT_TIMEOUT_MS = 2000
// Rounds of re-reading the task list: each round stops every thread known, so only threads made by a thread
// still running appear in the next; a bound keeps a hostile thread factory from holding us forever.
const MAX_ROUNDS = 64

/**
 * Holds every thread of pid, runs fn, and always releases (also when fn throws). Needs koffi (loaded here).
 * Throws CaptureFailedError: NO_SUCH_PROCESS, PTRACE_DENIED (Yama ptrace_scope, no CAP_SYS_PTRACE, another
 * user), ALREADY_TRACED (a debugger or strace is attached).
 */
export async function holdProcess<T>(pid: number, fn: (hold: Hold) => T | Promise<T>, options: HoldOptions = {}): Promise<HoldResult<T>> {
  // The kernel refuses to let a thread trace its own thread group (EPERM, which would read as a privilege problem).
  if (pid === process.pid) throw new CaptureFailedError('PTRACE_DENIED', `process ${pid} is pssnap itself: a process cannot hold its own threads with ptrace (capture it from another pssnap)`, pid)
  const libc = await loadLibc()
  const session = new HoldSession(libc, pid, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  try {
    session.seizeAll()
    const notStopped = [...session.pending]
    const value = await fn(session.view())
    return { value, threads: session.release(), wasStopped: session.wasStopped, notStopped }
  } finally {
    session.release()
  }
}

interface Seized extends HeldThread {
  requestedAt: bigint
}

class HoldSession {
  readonly held = new Map<number, Seized>()
  /** Seized, interrupted, not yet seen stopped. */
  readonly pending = new Set<number>()
  private readonly gone = new Set<number>()
  private records: HoldRecord[] | undefined
  readonly wasStopped: boolean

  constructor(
    private readonly libc: Libc,
    readonly pid: number,
    private readonly timeoutMs: number,
  ) {
    this.wasStopped = processState(pid) === 'T'
  }

  seizeAll(): void {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const fresh = listTasks(this.pid).filter((tid) => !this.held.has(tid) && !this.pending.has(tid) && !this.gone.has(tid))
      if (fresh.length === 0) return
      const requested: Seized[] = []
      for (const tid of fresh) {
        const err = this.libc.seize(tid)
        if (err === ERRNO.ESRCH) {
          this.gone.add(tid)
          continue
        }
        if (err !== 0) throw seizeError(this.pid, tid, err)
        const requestedAt = process.hrtime.bigint()
        this.libc.interrupt(tid)
        this.pending.add(tid)
        requested.push({ tid, stop: 'interrupt', requestedAt })
      }
      this.waitStops(requested)
      if (this.held.size === 0 && this.pending.size === 0) throw new CaptureFailedError('NO_SUCH_PROCESS', `process ${this.pid} exited while it was being held`, this.pid)
    }
  }

  private waitStops(requested: Seized[]): void {
    const deadline = Date.now() + this.timeoutMs
    let waiting = requested.filter((t) => this.pending.has(t.tid))
    for (let pause = 0.05; waiting.length > 0; pause = Math.min(pause * 2, 5)) {
      for (const t of waiting) this.pollStop(t)
      waiting = waiting.filter((t) => this.pending.has(t.tid))
      if (waiting.length === 0 || Date.now() > deadline) return
      sleepMs(pause)
    }
  }

  /** One non-blocking waitpid: a stop makes the thread held; an exit (or ECHILD) forgets it. */
  private pollStop(t: Seized): void {
    const r = this.libc.poll(t.tid)
    if (r.pid === 0) return
    this.pending.delete(t.tid)
    if (r.pid !== t.tid) {
      this.gone.add(t.tid)
      return
    }
    const status = r.status
    if ((status & 0xff) !== 0x7f) {
      this.gone.add(t.tid) // exited or killed
      return
    }
    const signal = (status >> 8) & 0xff
    const event = status >>> 16
    const SIGTRAP = 5
    const held: Seized = event === PTRACE_EVENT_STOP ? (signal === SIGTRAP ? { ...t, stop: 'interrupt' } : { ...t, stop: 'group-stop', signal }) : { ...t, stop: 'signal', signal }
    this.held.set(t.tid, held)
  }

  view(): Hold {
    const threads = [...this.held.values()].map(({ tid, stop, signal }) => (signal === undefined ? { tid, stop } : { tid, stop, signal }))
    return {
      pid: this.pid,
      threads,
      wasStopped: this.wasStopped,
      readRegisters: (tid) => {
        if (!this.held.has(tid) || this.records) return undefined
        const r = this.libc.prstatus(tid)
        return typeof r === 'number' ? undefined : { architecture: registerArchitecture(), bytes: r }
      },
    }
  }

  /** Detaches every held thread once; later calls return the same records. */
  release(): HoldRecord[] {
    if (this.records) return this.records
    const records: HoldRecord[] = []
    // Threads seized that never stopped cannot be detached (PTRACE_DETACH needs a stopped tracee): wait for them
    // once more; any still in the kernel (uninterruptible sleep) are detached the moment they stop (lateRelease),
    // or by the kernel when this process exits, whichever comes first.
    if (this.pending.size > 0) this.waitStops([...this.pending].map((tid) => ({ tid, stop: 'interrupt' as const, requestedAt: process.hrtime.bigint() })))
    for (const tid of this.pending) lateRelease(this.libc, tid)
    for (const t of this.held.values()) {
      // A signal-delivery stop's signal is handed back; a group stop is restored by the kernel itself.
      this.libc.detach(t.tid, t.stop === 'signal' ? (t.signal ?? 0) : 0)
      const heldNs = Number(process.hrtime.bigint() - t.requestedAt)
      records.push(t.signal === undefined ? { tid: t.tid, stop: t.stop, heldNs } : { tid: t.tid, stop: t.stop, signal: t.signal, heldNs })
    }
    this.records = records
    return records
  }
}

/** Seized threads that had not stopped when their hold was released, polled until they stop, then detached. */
const late = new Set<number>()
let lateTimer: ReturnType<typeof setInterval> | undefined

/**
 * A thread that stops after its hold ended (its uninterruptible sleep is over) would stay stopped while this
 * process lives: it is detached as soon as waitpid sees it stop. Polled from this thread (the tracer) with an
 * unref'd timer, so it never keeps the process alive.
 */
function lateRelease(libc: Libc, tid: number): void {
  late.add(tid)
  lateTimer ??= setInterval(() => {
    for (const t of late) {
      const r = libc.poll(t)
      if (r.pid === 0) continue
      late.delete(t)
      // A stop: detach, handing back a signal that arrived first; an exit or ECHILD: nothing left to do.
      if (r.pid === t && (r.status & 0xff) === 0x7f) {
        const signal = (r.status >> 8) & 0xff
        libc.detach(t, r.status >>> 16 === 0 ? signal : 0)
      }
    }
    if (late.size === 0 && lateTimer) {
      clearInterval(lateTimer)
      lateTimer = undefined
    }
  }, 50)
  lateTimer.unref()
}

function registerArchitecture(): RegisterArchitecture {
  if (process.arch === 'x64') return 'x64'
  if (process.arch === 'arm64') return 'arm64'
  throw new CaptureFailedError('ARCHITECTURE_MISMATCH', `registers are read on x64 and arm64 only; this is ${process.arch}`)
}

function listTasks(pid: number): number[] {
  let names: string[]
  try {
    names = readdirSync(`${procRoot(pid)}/task`)
  } catch {
    throw new CaptureFailedError('NO_SUCH_PROCESS', `no process ${pid}`, pid)
  }
  return names.map(Number).filter((tid) => Number.isInteger(tid) && tid > 0)
}

function processState(pid: number): string | undefined {
  try {
    return parseStat(readFileSync(`${procRoot(pid)}/stat`, 'latin1')).field(3)
  } catch {
    throw new CaptureFailedError('NO_SUCH_PROCESS', `no process ${pid}`, pid)
  }
}

/** Why PTRACE_SEIZE was refused, told from what /proc says (the errno alone is EPERM for every cause). */
function seizeError(pid: number, tid: number, errno: number): CaptureFailedError {
  if (errno !== ERRNO.EPERM && errno !== ERRNO.EBUSY) return new CaptureFailedError('PTRACE_DENIED', `ptrace(PTRACE_SEIZE) of thread ${tid} failed with errno ${errno}`, pid)
  const tracer = readTracer(pid, tid)
  if (tracer !== undefined && tracer !== 0) {
    return new CaptureFailedError('ALREADY_TRACED', `process ${pid} is already traced by process ${tracer} (a debugger or strace): a thread has one tracer at a time; detach it and retry`, pid)
  }
  const scope = readYamaScope()
  if (scope !== undefined && scope >= 3) return new CaptureFailedError('PTRACE_DENIED', `ptrace is disabled on this system (kernel.yama.ptrace_scope = 3): registers, memory and --freeze cannot be captured`, pid)
  if (scope !== undefined && scope >= 1) {
    return new CaptureFailedError('PTRACE_DENIED', `ptrace of process ${pid} was refused: kernel.yama.ptrace_scope = ${scope} allows ${scope === 1 ? 'tracing only descendants' : 'tracing only with CAP_SYS_PTRACE'}; run as root (or with CAP_SYS_PTRACE), or set the sysctl to 0`, pid)
  }
  return new CaptureFailedError('PTRACE_DENIED', `ptrace of process ${pid} was refused (EPERM): it belongs to another user, is not dumpable, or this process lacks CAP_SYS_PTRACE`, pid)
}

function readTracer(pid: number, tid: number): number | undefined {
  try {
    const value = parseStatus(readFileSync(`${procRoot(pid)}/task/${tid}/status`, 'latin1')).get('TracerPid')
    return value === undefined ? undefined : Number(value)
  } catch {
    return undefined
  }
}

function readYamaScope(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'latin1').trim())
  } catch {
    return undefined // no Yama
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))
/** A synchronous pause (the waits must stay on this thread). */
function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms)
}
