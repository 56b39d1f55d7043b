// One Windows capture, end to end: open the process with only the rights the flags need → (SeDebugPrivilege
// when asked) → PssCaptureSnapshot → close the process handle → query every class → walk every class straight
// into the archive writer (temp file) → free the snapshot → rename the file into place.
// Every resource is released on every path, success, failure or abort (options.signal).
//
// Which failures end the capture and which are soft errors recorded in the archive (spec/ARCHIVE.md §8):
// - OpenProcess, PssCaptureSnapshot, the archive file: thrown (CaptureFailedError for "cannot capture this
//   process", else Win32Error naming the call and code, or the file error); nothing at the destination.
// - PssQuerySnapshot of one class: soft error, that header key absent, the other classes kept.
// - PssWalkMarkerCreate or any PssWalkSnapshot step of one class: soft error, the entries read before kept,
//   the other classes walked.
// - CloseHandle, PssWalkMarkerFree, PssFreeSnapshot: retried once (never leaked silently), and recorded as a
//   soft error of `process`, the section, or `capture`: the archive is complete, the call still failed.
//
// The target is never held suspended by pssnap: PssCaptureSnapshot itself suspends it only for the duration
// of the call (pss-reference §5.1), and this module calls no suspend API.
import { hostname, release } from 'node:os'
import { performance } from 'node:perf_hooks'
import type { ArchiveHeaderInput, CaptureError, WriteSummary } from '../../format/index.js'
import { writeArchiveFile } from '../../reader/node.js'
import { CaptureFailedError } from '../errors.js'
import { pssnapVersion } from '../linux/producer.js'
import { testOnlyPause } from '../test-pause.js'
import { queryAll, releaseOrRecord, walkAll, type QueryKey } from './collect.js'
import { accessMaskFor, defaultThreadContextFlags, presetFlags, type WindowsPreset } from './flags.js'
import { loadKoffi } from './koffi.js'
import { bindProcessCalls, enableDebugPrivilege, type ProcessCalls } from './process.js'
import { openPss, Win32Error, type Pss, type PssSnapshot, type ProcessHandle, type ProcessInformation } from './pss.js'
import type { WindowsVersion } from './os-version.js'
import { pssArchOf, type PssArch } from './types.js'

export interface WindowsCaptureOptions {
  /** The process to capture; or `self: true` for this process (GetCurrentProcess, no OpenProcess). */
  pid?: number
  self?: boolean
  /** default (metadata, no VA clone), full (+ VA clone), handles, threads, memory. Ignored when `flags` is given. */
  preset?: WindowsPreset
  /** Raw PSS_CAPTURE_FLAGS, any combination; overrides the preset. */
  flags?: number
  /** CONTEXT_* flags for thread contexts; default CONTEXT_ALL of this architecture when contexts are captured. */
  threadContextFlags?: number
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

const ERROR_ACCESS_DENIED = 5
const ERROR_INVALID_PARAMETER = 87
const PSS_PROCESS_FLAGS_WOW64 = 0x2

/** Captures one process into `options.output`. Throws CaptureFailedError or Win32Error when it cannot. */
export async function captureProcess(options: WindowsCaptureOptions): Promise<WindowsCaptureResult> {
  // Everything that can be refused without touching the target is checked first.
  const captureFlags = (options.flags ?? presetFlags(options.preset ?? 'default')) >>> 0
  const preset = options.flags === undefined ? (options.preset ?? 'default') : undefined
  if (options.self === true && options.pid !== undefined) throw new TypeError('captureProcess: pass pid or self, not both')
  if (options.self !== true && (options.pid === undefined || !Number.isInteger(options.pid) || options.pid < 0)) {
    throw new TypeError('captureProcess: pid must be a non-negative integer (or self: true)')
  }
  const arch = pssArchOf()
  if (!arch) throw new Error(`the PSS binding has no layout for Node's architecture '${process.arch}'`)
  const threadContextFlags = (options.threadContextFlags ?? defaultThreadContextFlags(captureFlags, arch)) >>> 0

  const koffi = await loadKoffi()
  const pss = await openPss(options.library === undefined ? {} : { library: options.library })
  try {
    const calls = bindProcessCalls(pss.binding.library)
    const errors: CaptureError[] = options.debugPrivilege ? enableDebugPrivilege(koffi, calls, pss.binding.library) : []
    const accessMask = options.self ? undefined : accessMaskFor(captureFlags)
    options.signal?.throwIfAborted()
    const target = openTarget(calls, options.pid, accessMask)
    return await captureOpened(pss, target, calls, { ...options, arch, captureFlags, threadContextFlags, preset, accessMask, errors })
  } finally {
    pss.close()
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

/** Win32 failures that mean "this process cannot be captured" become CaptureFailedError (cause kept). */
function typed(error: unknown, pid: number, step: string): unknown {
  if (!(error instanceof Win32Error)) return error
  let failure: CaptureFailedError | undefined
  const why = `${error.call}: ${error.symbolicName ?? 'Win32 error'} ${error.code}`
  if (error.code === ERROR_ACCESS_DENIED) failure = new CaptureFailedError('ACCESS_DENIED', `cannot ${step} process ${pid}: access denied (${why}); try an elevated prompt or --debug-privilege`, pid)
  else if (error.code === ERROR_INVALID_PARAMETER && error.call === 'OpenProcess') failure = new CaptureFailedError('NO_SUCH_PROCESS', `no process with id ${pid} (${why})`, pid)
  if (!failure) return error
  failure.cause = error
  return failure
}

interface Plan extends Omit<WindowsCaptureOptions, 'preset'> {
  arch: PssArch
  captureFlags: number
  threadContextFlags: number
  preset: string | undefined
  accessMask: number | undefined
  errors: CaptureError[]
}

async function captureOpened(pss: Pss, target: Target, calls: ProcessCalls, plan: Plan): Promise<WindowsCaptureResult> {
  const timings: Record<string, number> = {}
  const startedAt = new Date().toISOString()
  let t = performance.now()
  let snapshot: PssSnapshot
  try {
    snapshot = pss.captureSnapshot(target.handle, plan.captureFlags, plan.threadContextFlags)
  } catch (error) {
    throw typed(error, target.processId, 'capture')
  } finally {
    // The snapshot does not need the process handle: closed now, no later failure can leak it. The pseudo
    // handle of `self` is not closed (closing it does nothing anyway).
    if (target.owned) releaseOrRecord(() => calls.close(target.handle), plan.errors, 'process', 'closed on the second attempt', 'the process handle stays open until pssnap exits')
  }
  timings.captureMs = performance.now() - t
  // Snapshots captured here live in this process: freed through GetCurrentProcess's handle (§2.8).
  // The VA clone handle (if any) is left to PssFreeSnapshot: who owns it is undocumented (§5.6).
  let freed = false
  const freeSnapshot = (errors: CaptureError[]) => {
    freed = true
    releaseOrRecord(() => pss.freeSnapshot(pss.currentProcess, snapshot), errors, 'capture', 'freed on the second attempt', 'the snapshot stays allocated until pssnap exits')
  }
  try {
    t = performance.now()
    const queries = queryAll(pss, snapshot, plan.captureFlags, plan.errors)
    timings.queryMs = performance.now() - t
    const header = buildHeader(target, plan, startedAt, queries)
    await testOnlyPause('capture', plan.signal)
    plan.signal?.throwIfAborted()
    const writeStart = performance.now()
    let walkMs = 0
    const summary = await writeArchiveFile(
      plan.output,
      header,
      async (writer) => {
        walkMs = await walkAll(pss, snapshot, plan.captureFlags, writer, plan.errors, plan.signal)
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
      { compression: plan.compression ?? 'none', contextArchitecture: plan.arch, ...(plan.signal ? { signal: plan.signal } : {}) },
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
  } finally {
    // A capture that failed or was aborted: the error that stopped it is the one reported, not a failed free.
    if (!freed) freeSnapshot([])
  }
}

function buildHeader(target: Target, plan: Plan, startedAt: string, queries: Partial<Record<QueryKey, unknown>>): ArchiveHeaderInput {
  const info = queries.processInformation as ProcessInformation | undefined
  const targetArch = info ? ((info.flags & PSS_PROCESS_FLAGS_WOW64) === 0 ? plan.arch : plan.arch === 'x64' ? 'x86' : undefined) : undefined
  // The OS version: RtlGetVersion's when the caller read it (./os-version.ts), else os.release() on Windows
  // ("10.0.<build>"); against the fake library on another OS without one both stay absent.
  const onWindows = process.platform === 'win32'
  const osVersion = plan.windowsVersion?.osVersion ?? (onWindows ? release() : undefined)
  const build = plan.windowsVersion?.osBuild ?? (onWindows ? release().split('.')[2] : undefined)
  return {
    producer: { tool: 'pssnap', version: pssnapVersion() },
    host: { platform: 'windows', architecture: plan.arch, ...(osVersion ? { osVersion } : {}), ...(build ? { osBuild: build } : {}), machineName: hostname() },
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
