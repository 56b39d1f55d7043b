// pssnap/capture: process capture. A thin switch over the platform backends, each imported lazily, only when a
// capture or a process listing runs: Windows captures through the Process Snapshotting API (capture/windows/,
// koffi loaded there and only there), Linux reads /proc (capture/linux/); every other platform gets a clear,
// typed refusal instead of a crash.
//
// Tests (and anyone checking the Windows path on another OS) select the Windows backend with a PSS library:
// the `pssLibrary` option, or the environment variable PSSNAP_PSS_LIBRARY, read only when set and non-empty.
// That one library then provides everything kernel32.dll and ntdll.dll would (test/fake-pss/ builds one).
import type { CaptureError, CaptureSet, WriteSummary } from '../format/index.js'
import type { ProcessSummary } from './process-summary.js'

import { CaptureUnavailableError, captureUnavailableReason } from './errors.js'
import { parseMemoryRequest } from './memory-request.js'

export { CaptureFailedError, CaptureUnavailableError, captureUnavailableReason, type CaptureErrorCode, type CaptureFailureCode } from './errors.js'
export type { ProcessSummary } from './process-summary.js'

/** Which backend runs: by default the one of this platform. */
export interface BackendSelection {
  /** Overrides process.platform (tests). */
  platform?: string
  /** The Windows backend bound to this library instead of kernel32/ntdll (tests: the fake); default PSSNAP_PSS_LIBRARY. */
  pssLibrary?: string
}

export interface CaptureOptions extends BackendSelection {
  /** A preset of the backend (capturePresets()); default `default`. */
  preset?: string
  /** Windows only: raw PSS_CAPTURE_FLAGS, overriding the preset. */
  flags?: number
  /** Windows only: enable SeDebugPrivilege first (failures become capture errors in the archive). */
  debugPrivilege?: boolean
  /** Windows only: CONTEXT_* flags for thread contexts, a number or names (`ALL|XSTATE`). */
  threadContextFlags?: number | string
  /** Windows only: the longest wait for one PSS call (the capture, a walk step), in ms; default 60 000. */
  timeoutMs?: number
  /** Aborts the capture; nothing is left at the destination. */
  signal?: AbortSignal
  /** The set this archive belongs to (several targets, a watched series): HEADER `captureSet` (spec/ARCHIVE.md §3.4). */
  captureSet?: CaptureSet
  /** Linux only: every thread's registers, read while the threads are held with ptrace (needs koffi). */
  registers?: boolean
  /** Linux only: memory to read while held, `stacks` (implies `registers`) or `<address>:<size>` (spec/LINUX.md §10). */
  memory?: readonly string[]
  /** Linux only: bytes of each thread's stack with `stacks` (default 1 MiB). */
  stackLimit?: number
  /** Linux only: every thread held for the whole capture, one consistent instant (spec/LINUX.md §9.6; needs koffi). */
  freeze?: boolean
}

export interface CaptureResult {
  path: string
  processId: number
  summary: WriteSummary
  /** How many soft errors the archive's EPILOGUE records. */
  captureErrors: number
  timings: Record<string, number>
}


export type BackendName = 'windows' | 'linux'

/** The backend a selection designates, and the PSS library for Windows (undefined: kernel32/ntdll). */
export function selectBackend(selection: BackendSelection = {}): { name: BackendName; library?: string } {
  const fromEnv = globalThis.process?.env?.PSSNAP_PSS_LIBRARY
  const library = selection.pssLibrary ?? (fromEnv ? fromEnv : undefined)
  if (library !== undefined) return { name: 'windows', library }
  const platform = selection.platform ?? globalThis.process?.platform ?? 'unknown'
  if (platform === 'win32') return { name: 'windows' }
  if (platform === 'linux') return { name: 'linux' }
  throw captureUnavailableReason(platform)
}

/** Captures process `target` (a pid, or 'self' for this process) into the archive file `path` (temp file, then rename). */
export async function captureToFile(target: number | 'self', path: string, options: CaptureOptions = {}): Promise<CaptureResult> {
  const { name, library } = selectBackend(options)
  const memory = options.memory?.map((text) => {
    const request = parseMemoryRequest(text)
    if (!request) throw new CaptureUnavailableError('UNSUPPORTED_OPTION', `--memory takes 'stacks' or <address>:<size> (hex with 0x, or decimal), not '${text}'`)
    return request
  })
  if (name === 'windows') {
    // Contexts are in every Windows capture's threads (--registers changes nothing); memory comes from the VA clone.
    const { memory: _text, ...rest } = options
    const r = await (await import('./windows/backend.js')).captureWindowsToFile(target, path, { ...rest, ...(memory?.length ? { memory } : {}) }, library)
    return { path: r.path, processId: r.processId, summary: r.summary, captureErrors: r.captureErrors.length, timings: r.timings }
  }
  if (options.flags !== undefined || options.debugPrivilege || options.threadContextFlags !== undefined || options.timeoutMs !== undefined) {
    throw new CaptureUnavailableError('UNSUPPORTED_OPTION', 'PSS capture flags, thread context flags, the PSS call timeout and SeDebugPrivilege are Windows options; on linux choose what to capture with a preset')
  }
  const linux = await import('./linux/index.js')
  const pid = target === 'self' ? process.pid : target
  // A stack is useful to a debugger only with the registers that point into it: `stacks` stores them too.
  const held = { ...(options.registers || memory?.some((m) => m.kind === 'stacks') ? { registers: true } : {}), ...(memory?.length ? { memory } : {}), ...(options.stackLimit !== undefined ? { memoryLimits: { stackLimit: options.stackLimit } } : {}) }
  return linux.captureLinuxToFile(pid, path, { ...(options.preset ? { preset: options.preset } : {}), ...(options.captureSet ? { captureSet: options.captureSet } : {}), ...held, ...(options.freeze ? { freeze: true } : {}), ...(options.signal ? { write: { signal: options.signal } } : {}) })
}

/**
 * Native calls still running on a worker thread (a Windows capture given up on at its deadline or by an abort).
 * While there is one, Node's event loop stays alive and process.exit() would hang: a command that is done
 * exits with exitDespiteBlockedCalls.
 */
export async function pendingNativeCalls(): Promise<number> {
  return (await import('./windows/native-call.js')).nativeCallsInFlight()
}

/** Exits with `code` even while a native call blocks a worker thread (process.exit would wait for it forever). */
export async function exitDespiteBlockedCalls(code: number): Promise<never> {
  return (await import('./windows/hard-exit.js')).exitDespiteBlockedCalls(code)
}

/** The processes of this machine (pid, name, thread and handle counts). */
export async function listProcesses(selection: BackendSelection = {}): Promise<ProcessSummary[]> {
  const { name, library } = selectBackend(selection)
  if (name === 'windows') return (await import('./windows/backend.js')).listProcessesWindows(library)
  return (await import('./linux/index.js')).listProcesses()
}

/** The pid a command-line target (`1234` or a process name) designates; several matches are refused, listed. */
export async function resolveTarget(target: string, selection: BackendSelection = {}): Promise<number> {
  const { name, library } = selectBackend(selection)
  if (name === 'windows') return (await import('./windows/backend.js')).resolveTargetWindows(target, library)
  return (await import('./linux/index.js')).resolveTarget(target)
}

/** Names of the capture presets of the selected backend. */
export async function capturePresets(selection: BackendSelection = {}): Promise<string[]> {
  const { name } = selectBackend(selection)
  if (name === 'windows') return (await import('./windows/backend.js')).windowsPresets()
  return Object.keys((await import('./linux/index.js')).LINUX_PRESETS)
}
