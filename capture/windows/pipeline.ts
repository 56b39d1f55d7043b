// One Windows capture, end to end: open the process with only the rights the flags need → (SeDebugPrivilege
// when asked) → the host's and target's machines (a 32-bit pssnap refuses a 64-bit target) → PssCaptureSnapshot
// on a worker thread, with a deadline → close the process handle → query every class the flags can produce →
// end the VA clone → walk every class straight into the archive writer (temp file), each step on a worker
// thread with the same deadline → free the snapshot → rename the file into place.
// Every resource is released on every path, success, failure or abort (options.signal); a call given up on
// (deadline or abort) keeps what it uses until it returns, and releases it then.
//
// Which failures end the capture and which are soft errors recorded in the archive (spec/ARCHIVE.md §8, §12):
// - OpenProcess, PssCaptureSnapshot, the archive file, a PSS call past its deadline: thrown (CaptureFailedError
//   for "cannot capture this process" and TIMEOUT, else Win32Error naming the call and code, or the file
//   error); nothing at the destination.
// - PssQuerySnapshot of one class: soft error, that header key absent, the other classes kept.
// - PssWalkMarkerCreate or any PssWalkSnapshot step of one class: soft error, the entries read before kept,
//   the other classes walked.
// - CloseHandle, PssWalkMarkerFree, PssFreeSnapshot: called exactly once, never retried (a second release is
//   undefined behaviour); a failure is a soft error of `process`, the section, or `capture`.
// - Ending the VA clone (TerminateProcess, WaitForSingleObject, CloseHandle on its handle): soft errors of
//   `vaClone`.
//
// The target is never held suspended by pssnap: PssCaptureSnapshot itself suspends it only for the duration
// of the call (pss-reference §5.1), and this module calls no suspend API.
import { hostname, release } from 'node:os'
import { performance } from 'node:perf_hooks'
import type { ArchiveHeaderInput, AuxiliaryPageEntry, CaptureError, CaptureSet, WriteSummary } from '../../format/index.js'
import { writeArchiveFile } from '../../reader/node.js'
import { CaptureFailedError } from '../errors.js'
import { pssnapVersion } from '../linux/producer.js'
import { testOnlyPause } from '../test-pause.js'
import type { MemoryRequest } from '../memory-request.js'
import { readCloneMemory } from './memory.js'
import { readMachines, refuseNarrowerCaller, type Machines } from './architecture.js'
import { queryAll, releaseOnce, RELEASE_FAILED, softError, walkAll, type Busy, type QueryKey } from './collect.js'
import { accessMaskFor, defaultThreadContextFlags, parseContextFlags, presetFlags, type WindowsPreset } from './flags.js'
import { loadKoffi } from './koffi.js'
import { abandonedBy, NativeCallTimeoutError } from './native-call.js'
import { bindProcessCalls, enableDebugPrivilege, type ProcessCalls } from './process.js'
import { openPss, Win32Error, type Pss, type PssSnapshot, type ProcessHandle, type ProcessInformation } from './pss.js'
import type { WindowsVersion } from './os-version.js'
import { PSS_ARCHES, pssArchOf, type PssArch } from './types.js'

export interface WindowsCaptureOptions {
  /** The process to capture; or `self: true` for this process (GetCurrentProcess, no OpenProcess). */
  pid?: number
  self?: boolean
  /** default (metadata, no VA clone), full (+ VA clone), handles, threads, memory. Ignored when `flags` is given. */
  preset?: WindowsPreset
  /** Raw PSS_CAPTURE_FLAGS, any combination; overrides the preset. */
  flags?: number
  /**
   * CONTEXT_* flags for thread contexts, a number or names of this architecture (`ALL|XSTATE`, see
   * parseContextFlags); default CONTEXT_ALL when contexts are captured, plus CONTEXT_XSTATE with
   * PSS_CAPTURE_THREAD_CONTEXT_EXTENDED.
   */
  threadContextFlags?: number | string
  /** The longest wait for one PSS call (the capture, a walk step), in milliseconds; default 60 000. */
  timeoutMs?: number
  /**
   * The architecture pssnap runs as, which decides the CONTEXT format and the default context flags; default
   * Node's. Tests set it to play an x86 or arm64 pssnap against the fake library (which answers in that format).
   */
  callerArchitecture?: PssArch
  /** Enable SeDebugPrivilege first (failures are soft errors). */
  debugPrivilege?: boolean
  /** The archive file to write. */
  output: string
  /** The DLL exporting PSS and the process calls; default kernel32.dll (tests pass the fake library). */
  library?: string
  compression?: 'none' | 'deflate'
  /** The running Windows version for the header (./os-version.ts); absent: os.release() on Windows, nothing elsewhere. */
  windowsVersion?: WindowsVersion
  /** Aborts the capture: everything is released and nothing is left at `output` (or beside it). */
  signal?: AbortSignal
  /** The set this archive belongs to (several targets, a watched series): HEADER `captureSet`, format 1.2. */
  captureSet?: CaptureSet
  /** Memory contents to read from the VA clone (issue 15), which these add to the capture flags. */
  memory?: readonly MemoryRequest[]
  /** Bytes of each thread's stack with `stacks` (default 1 MiB). */
  stackLimit?: number
}

export interface WindowsCaptureResult {
  path: string
  processId: number
  captureFlags: number
  threadContextFlags: number
  /** The OpenProcess access mask; undefined for `self` (the pseudo handle needs no open). */
  accessMask: number | undefined
  summary: WriteSummary
  captureErrors: CaptureError[]
  timings: Record<string, number>
}

/** The default of `timeoutMs`: a capture of a large process takes seconds; a minute means it is stuck. */
export const DEFAULT_TIMEOUT_MS = 60_000
/** How long pssnap waits for the VA clone to end after TerminateProcess. */
const CLONE_EXIT_WAIT_MS = 5_000
/** The clone's exit code: STATUS_SUCCESS would suggest it finished work of its own; this says who ended it. */
const CLONE_EXIT_CODE = 0xc000013a // STATUS_CONTROL_C_EXIT, as a console process ended by its owner

const ERROR_ACCESS_DENIED = 5
const ERROR_INVALID_PARAMETER = 87
const PSS_PROCESS_FLAGS_WOW64 = 0x2
const PSS_CAPTURE_VA_CLONE = 0x1

/** Captures one process into `options.output`. Throws CaptureFailedError or Win32Error when it cannot. */
export async function captureProcess(options: WindowsCaptureOptions): Promise<WindowsCaptureResult> {
  // Everything that can be refused without touching the target is checked first.
  // Memory is read from the VA clone, never from the target: asking for memory asks for the clone.
  const captureFlags = ((options.flags ?? presetFlags(options.preset ?? 'default')) | (options.memory?.length ? PSS_CAPTURE_VA_CLONE : 0)) >>> 0
  const preset = options.flags === undefined ? (options.preset ?? 'default') : undefined
  if (options.self === true && options.pid !== undefined) throw new TypeError('captureProcess: pass pid or self, not both')
  if (options.self !== true && (options.pid === undefined || !Number.isInteger(options.pid) || options.pid < 0)) {
    throw new TypeError('captureProcess: pid must be a non-negative integer (or self: true)')
  }
  const arch = options.callerArchitecture ?? pssArchOf()
  if (!arch || !PSS_ARCHES.includes(arch)) throw new Error(`the PSS binding has no layout for the architecture '${arch ?? process.arch}'`)
  const given = options.threadContextFlags
  const threadContextFlags = (given === undefined ? defaultThreadContextFlags(captureFlags, arch) : typeof given === 'string' ? parseContextFlags(given, arch) : given) >>> 0
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (!(timeoutMs > 0)) throw new TypeError('captureProcess: timeoutMs must be a positive number of milliseconds')

  const koffi = await loadKoffi()
  const pss = await openPss(options.library === undefined ? {} : { library: options.library })
  const busy: Busy = { settled: undefined }
  try {
    const calls = bindProcessCalls(pss.binding.library)
    const errors: CaptureError[] = options.debugPrivilege ? enableDebugPrivilege(koffi, calls, pss.binding.library) : []
    const accessMask = options.self ? undefined : accessMaskFor(captureFlags)
    options.signal?.throwIfAborted()
    const target = openTarget(calls, options.pid, accessMask)
    let machines: Machines | undefined
    try {
      machines = readMachines(calls, target.handle, arch)
      refuseNarrowerCaller(arch, machines, target.processId)
    } catch (error) {
      if (!(error instanceof Win32Error)) {
        if (target.owned) releaseOnce(() => calls.close(target.handle), [], 'process', RELEASE_FAILED)
        throw error
      }
      // The machines are for the header: without them the capture still runs, said as a soft error.
      errors.push(softError('process', error, 'host and target machines not recorded'))
    }
    return await captureOpened(pss, target, calls, { ...options, arch, machines, captureFlags, threadContextFlags, timeoutMs, preset, accessMask, errors, busy })
  } finally {
    // A call still running on a worker thread uses the library: unloaded once it returns.
    if (busy.settled) void busy.settled.then(() => pss.close())
    else pss.close()
  }
}

interface Target {
  handle: ProcessHandle
  processId: number
  owned: boolean
}

function openTarget(calls: ProcessCalls, pid: number | undefined, accessMask: number | undefined): Target {
  if (pid === undefined || accessMask === undefined) return { handle: calls.currentProcess(), processId: calls.currentProcessId(), owned: false }
  try {
    return { handle: calls.open(accessMask, pid), processId: pid, owned: true }
  } catch (error) {
    throw typed(error, pid, 'open')
  }
}

/** Win32 failures that mean "this process cannot be captured", and a call past its deadline, become
 * CaptureFailedError (cause kept). */
function typed(error: unknown, pid: number, step: string): unknown {
  if (error instanceof NativeCallTimeoutError) {
    const failure = new CaptureFailedError('TIMEOUT', `cannot ${step} process ${pid}: ${error.message} (--timeout); it may still be running, and what it holds is released when it returns`, pid)
    failure.cause = error
    return failure
  }
  if (!(error instanceof Win32Error)) return error
  let failure: CaptureFailedError | undefined
  const why = `${error.call}: ${error.symbolicName ?? 'Win32 error'} ${error.code}`
  if (error.code === ERROR_ACCESS_DENIED) failure = new CaptureFailedError('ACCESS_DENIED', `cannot ${step} process ${pid}: access denied (${why}); try an elevated prompt or --debug-privilege`, pid)
  else if (error.code === ERROR_INVALID_PARAMETER && error.call === 'OpenProcess') failure = new CaptureFailedError('NO_SUCH_PROCESS', `no process with id ${pid} (${why})`, pid)
  if (!failure) return error
  failure.cause = error
  return failure
}

interface Plan extends Omit<WindowsCaptureOptions, 'preset' | 'threadContextFlags'> {
  arch: PssArch
  machines: Machines | undefined
  captureFlags: number
  threadContextFlags: number
  timeoutMs: number
  preset: string | undefined
  accessMask: number | undefined
  errors: CaptureError[]
  /** Set when a call was given up on while it still runs: releases wait for it. */
  busy: Busy
}

async function captureOpened(pss: Pss, target: Target, calls: ProcessCalls, plan: Plan): Promise<WindowsCaptureResult> {
  const timings: Record<string, number> = {}
  const startedAt = new Date().toISOString()
  let t = performance.now()
  let snapshot: PssSnapshot
  const closeTarget = (errors: CaptureError[]) => {
    // The pseudo handle of `self` is not closed (closing it does nothing anyway).
    if (target.owned) releaseOnce(() => calls.close(target.handle), errors, 'process', RELEASE_FAILED)
  }
  try {
    snapshot = await pss.captureSnapshotAsync(target.handle, plan.captureFlags, plan.threadContextFlags, { timeoutMs: plan.timeoutMs, ...(plan.signal ? { signal: plan.signal } : {}) })
  } catch (error) {
    // A capture still running uses the process handle: closed when it returns (its snapshot is freed then too).
    const abandoned = abandonedBy(error)
    if (abandoned) {
      plan.busy.settled = abandoned.settled
      void abandoned.settled.then(() => closeTarget([]))
    } else closeTarget(plan.errors)
    throw typed(error, target.processId, 'capture')
  }
  // The snapshot does not need the process handle: closed now, no later failure can leak it.
  closeTarget(plan.errors)
  timings.captureMs = performance.now() - t
  const capturedAt = performance.now()
  // Snapshots captured here live in this process: freed through GetCurrentProcess's handle (§2.8), once.
  let freed = false
  const freeSnapshot = (errors: CaptureError[]) => {
    freed = true
    const free = (into: CaptureError[]) => releaseOnce(() => pss.freeSnapshot(pss.currentProcess, snapshot), into, 'capture', RELEASE_FAILED)
    // A walk step still running uses the snapshot: freed when it returns (too late for the archive).
    if (plan.busy.settled) void plan.busy.settled.then(() => free([]))
    else free(errors)
  }
  try {
    t = performance.now()
    const queries = queryAll(pss, snapshot, plan.captureFlags, plan.errors)
    timings.queryMs = performance.now() - t
    // The archive reads nothing from the clone (PSS gathered the walks' data in the capture call): it ends now.
    const clone = queries.vaCloneInformation as { vaCloneHandle: bigint } | undefined
    // --memory: read from the clone before it ends (spec/ARCHIVE.md §6.4); written after the walks.
    let memory: AuxiliaryPageEntry[] | undefined
    if (plan.memory?.length) {
      t = performance.now()
      if (clone && clone.vaCloneHandle !== 0n) memory = readCloneMemory(pss, snapshot, calls, clone.vaCloneHandle, plan.memory, plan.arch, plan.errors, plan.stackLimit !== undefined ? { stackLimit: plan.stackLimit } : {})
      else plan.errors.push({ section: 'auxiliaryPages', operation: 'PssQuerySnapshot', code: 0, message: 'no VA clone to read memory from: no memory captured' })
      timings.memoryMs = performance.now() - t
    }
    if (clone && clone.vaCloneHandle !== 0n) {
      const ended = await endVaClone(calls, clone.vaCloneHandle, plan.errors)
      if (ended) timings.vaCloneTerminatedMs = performance.now() - capturedAt
    }
    const header = buildHeader(target, plan, startedAt, queries)
    if (plan.captureSet) header.captureSet = plan.captureSet
    await testOnlyPause('capture', plan.signal)
    plan.signal?.throwIfAborted()
    const writeStart = performance.now()
    let walkMs = 0
    const summary = await writeArchiveFile(
      plan.output,
      header,
      async (writer) => {
        walkMs = await walkAll(pss, snapshot, plan.captureFlags, writer, plan.errors, { timeoutMs: plan.timeoutMs, ...(plan.signal ? { signal: plan.signal } : {}) }, plan.busy)
        if (memory) {
          // Beside the pages PSS captured (if any), told apart by memorySource.
          writer.declareSection('auxiliaryPages')
          for (const e of memory) {
            const flushed = writer.add('auxiliaryPages', e)
            if (flushed) await flushed
          }
        }
        // Freed before the epilogue is written, so that a failure to free is recorded in it.
        freeSnapshot(plan.errors)
        await testOnlyPause('write', plan.signal)
      },
      () => {
        timings.walkMs = walkMs
        // Encoding and writing happen between the walk calls: the writer's share is the rest of the time.
        timings.writeMs = performance.now() - writeStart - walkMs
        return { finishedAt: new Date().toISOString(), timings: rounded(timings), ...(plan.errors.length ? { captureErrors: plan.errors } : {}) }
      },
      // Contexts are in the caller's format, also for a WOW64 target (pss-reference §5.7).
      // A capture set is a 1.2 header key (spec §10: the lowest minor that holds what is written).
      { compression: plan.compression ?? 'none', contextArchitecture: plan.arch, ...(plan.captureSet || plan.memory?.length ? { formatMinor: 2 } : {}), ...(plan.signal ? { signal: plan.signal } : {}) },
    )
    return {
      path: plan.output,
      processId: header.target.processId,
      captureFlags: plan.captureFlags,
      threadContextFlags: plan.threadContextFlags,
      accessMask: plan.accessMask,
      summary,
      captureErrors: plan.errors,
      timings: rounded(timings),
    }
  } catch (error) {
    throw typed(error, target.processId, 'walk')
  } finally {
    // A capture that failed or was aborted: the error that stopped it is the one reported, not a failed free.
    if (!freed) freeSnapshot([])
  }
}

/**
 * Ends the VA clone before the snapshot is freed (Microsoft's crash-dump code does so, to avoid a race with the
 * OS; who owns the clone is undocumented, pss-reference §5.6): TerminateProcess, a bounded wait for it to end,
 * then its handle closed. True when it ended; failures are soft errors of `vaClone`.
 */
async function endVaClone(calls: ProcessCalls, handle: ProcessHandle, errors: CaptureError[]): Promise<boolean> {
  let ended = false
  try {
    calls.terminate(handle, CLONE_EXIT_CODE)
    const state = await calls.waitFor(handle, CLONE_EXIT_WAIT_MS)
    if (state === 'signaled') ended = true
    else errors.push({ section: 'vaClone', operation: 'WaitForSingleObject', code: 258, name: 'WAIT_TIMEOUT', message: `the VA clone had not ended ${CLONE_EXIT_WAIT_MS} ms after TerminateProcess` })
  } catch (error) {
    errors.push(softError('vaClone', error, 'the VA clone may outlive the snapshot'))
  }
  releaseOnce(() => calls.close(handle), errors, 'vaClone', RELEASE_FAILED)
  return ended
}

function buildHeader(target: Target, plan: Plan, startedAt: string, queries: Partial<Record<QueryKey, unknown>>): ArchiveHeaderInput {
  const info = queries.processInformation as ProcessInformation | undefined
  // From IsWow64Process2 (./architecture.ts); when that failed, PSS's WOW64 flag says at least "32-bit on x64".
  const fromFlags = info && plan.arch === 'x64' ? ((info.flags & PSS_PROCESS_FLAGS_WOW64) === 0 ? 'x64' : 'x86') : undefined
  const targetArch = plan.machines ? plan.machines.target : fromFlags
  // The OS version: RtlGetVersion's when the caller read it (./os-version.ts), else os.release() on Windows
  // ("10.0.<build>"); against the fake library on another OS without one both stay absent.
  const onWindows = process.platform === 'win32'
  const osVersion = plan.windowsVersion?.osVersion ?? (onWindows ? release() : undefined)
  const build = plan.windowsVersion?.osBuild ?? (onWindows ? release().split('.')[2] : undefined)
  return {
    producer: { tool: 'pssnap', version: pssnapVersion() },
    host: { platform: 'windows', architecture: plan.machines?.host ?? plan.arch, ...(osVersion ? { osVersion } : {}), ...(build ? { osBuild: build } : {}), machineName: hostname() },
    target: {
      processId: info?.processId ?? target.processId,
      ...(info?.imageFileName ? { imagePath: info.imageFileName } : {}),
      ...(targetArch ? { architecture: targetArch } : {}),
    },
    capture: { captureFlags: plan.captureFlags, threadContextFlags: plan.threadContextFlags, startedAt, ...(plan.preset ? { preset: plan.preset } : {}) },
    ...(queries as Partial<ArchiveHeaderInput>),
  }
}

const rounded = (t: Record<string, number>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v * 1000) / 1000]))
