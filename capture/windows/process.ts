// The kernel32 process-handle calls around a PSS capture (OpenProcess, CloseHandle, GetCurrentProcess,
// GetCurrentProcessId, GetLastError, IsWow64Process2 or IsWow64Process, and TerminateProcess and
// WaitForSingleObject for the VA clone), declared from the same library as the PSS functions so tests get them
// from the fake; and the optional SeDebugPrivilege step (advapi32), declared and called only when asked.
// koffi keeps GetLastError's value intact between a call and the next (it protects it from Node and V8).
import type { CaptureError } from '../../format/index.js'
import type { Koffi, KoffiLibrary } from './koffi.js'
import { Win32Error, WIN32_ERROR_NAMES, type ProcessHandle, type Win32CallName } from './pss.js'

export interface ProcessCalls {
  /** OpenProcess; throws Win32Error (from GetLastError) when it returns NULL. */
  open(access: number, processId: number): ProcessHandle
  /** CloseHandle; throws Win32Error when it fails. */
  close(handle: ProcessHandle): void
  currentProcess(): ProcessHandle
  currentProcessId(): number
  /** IsWow64Process2 (Windows 10 1511+): the process's WOW64 guest machine (0 when not WOW64) and the OS's native
   * machine, IMAGE_FILE_MACHINE_* values. Undefined where kernel32 lacks it. Throws Win32Error. */
  isWow64Process2: ((process: ProcessHandle) => { processMachine: number; nativeMachine: number }) | undefined
  /** IsWow64Process: whether the process runs under WOW64. Throws Win32Error. */
  isWow64Process(process: ProcessHandle): boolean
  /** TerminateProcess; throws Win32Error when it fails. */
  terminate(process: ProcessHandle, exitCode: number): void
  /** WaitForSingleObject on a worker thread: 'signaled', 'timeout', or throws Win32Error (WAIT_FAILED). */
  waitFor(handle: ProcessHandle, milliseconds: number): Promise<'signaled' | 'timeout'>
  /**
   * ReadProcessMemory (issue 15: on the VA clone's handle): fills `into` from `address`; returns how many bytes
   * were read and, when fewer than asked, the Win32 error (ERROR_PARTIAL_COPY at an unreadable page).
   */
  readMemory(process: ProcessHandle, address: bigint, into: Uint8Array): { read: number; error?: number }
}

const WAIT_OBJECT_0 = 0
const WAIT_TIMEOUT = 258

export function bindProcessCalls(library: KoffiLibrary): ProcessCalls {
  const OpenProcess = library.func('__stdcall', 'OpenProcess', 'void *', ['uint32_t', 'int32_t', 'uint32_t']) as (a: number, i: number, p: number) => bigint | null
  const CloseHandle = library.func('__stdcall', 'CloseHandle', 'int32_t', ['void *']) as (h: bigint) => number
  const GetCurrentProcess = library.func('__stdcall', 'GetCurrentProcess', 'void *', []) as () => bigint
  const GetCurrentProcessId = library.func('__stdcall', 'GetCurrentProcessId', 'uint32_t', []) as () => number
  const GetLastError = library.func('__stdcall', 'GetLastError', 'uint32_t', []) as () => number
  const IsWow64Process = library.func('__stdcall', 'IsWow64Process', 'int32_t', ['void *', '_Out_ int32_t *']) as (h: bigint, out: [number]) => number
  const TerminateProcess = library.func('__stdcall', 'TerminateProcess', 'int32_t', ['void *', 'uint32_t']) as (h: bigint, code: number) => number
  const WaitForSingleObject = library.func('__stdcall', 'WaitForSingleObject', 'uint32_t', ['void *', 'uint32_t']) as ((h: bigint, ms: number) => number) & {
    async: (h: bigint, ms: number, cb: (err: unknown, result: number) => void) => void
  }
  const ReadProcessMemory = library.func('__stdcall', 'ReadProcessMemory', 'int32_t', ['void *', 'uintptr_t', 'void *', 'size_t', '_Out_ size_t *']) as (h: bigint, a: bigint, into: Uint8Array, n: number, read: [number | bigint]) => number
  let IsWow64Process2: ((h: bigint, processMachine: [number], nativeMachine: [number]) => number) | undefined
  try {
    IsWow64Process2 = library.func('__stdcall', 'IsWow64Process2', 'int32_t', ['void *', '_Out_ uint16_t *', '_Out_ uint16_t *']) as typeof IsWow64Process2
  } catch {
    IsWow64Process2 = undefined // before Windows 10 1511: IsWow64Process only
  }
  return {
    open(access, processId) {
      const handle = OpenProcess(access >>> 0, 0, processId >>> 0)
      if (handle === null || handle === 0n) throw new Win32Error(GetLastError(), 'OpenProcess')
      return handle
    },
    close(handle) {
      if (!CloseHandle(handle)) throw new Win32Error(GetLastError(), 'CloseHandle')
    },
    currentProcess: () => GetCurrentProcess(),
    currentProcessId: () => GetCurrentProcessId(),
    isWow64Process2: IsWow64Process2
      ? (process) => {
          const processMachine: [number] = [0]
          const nativeMachine: [number] = [0]
          if (!IsWow64Process2!(process, processMachine, nativeMachine)) throw new Win32Error(GetLastError(), 'IsWow64Process2')
          return { processMachine: processMachine[0], nativeMachine: nativeMachine[0] }
        }
      : undefined,
    isWow64Process(process) {
      const wow64: [number] = [0]
      if (!IsWow64Process(process, wow64)) throw new Win32Error(GetLastError(), 'IsWow64Process')
      return wow64[0] !== 0
    },
    readMemory(process, address, into) {
      const read: [number | bigint] = [0]
      const ok = ReadProcessMemory(process, address, into, into.length, read)
      const n = Math.min(Number(read[0]), into.length)
      return ok ? { read: n } : { read: n, error: GetLastError() }
    },
    terminate(process, exitCode) {
      if (!TerminateProcess(process, exitCode >>> 0)) throw new Win32Error(GetLastError(), 'TerminateProcess')
    },
    waitFor(handle, milliseconds) {
      return new Promise((resolve, reject) =>
        WaitForSingleObject.async(handle, milliseconds >>> 0, (error, result) => {
          if (error) reject(error)
          else if (result === WAIT_OBJECT_0) resolve('signaled')
          else if (result === WAIT_TIMEOUT) resolve('timeout')
          // GetLastError belongs to the worker thread that made the call: not readable from here.
          else reject(new Win32Error(result >>> 0, 'WaitForSingleObject'))
        }),
      )
    },
  }
}

const TOKEN_ADJUST_PRIVILEGES = 0x20
const TOKEN_QUERY = 0x8
const SE_PRIVILEGE_ENABLED = 0x2
const ERROR_NOT_ALL_ASSIGNED = 1300

/**
 * Enables SeDebugPrivilege in this process's token (needed to open processes of other users, when the
 * account holds the privilege). Never throws: every failure comes back as a soft error, because the
 * capture may still succeed without the privilege (own processes), and OpenProcess reports it if not.
 */
export function enableDebugPrivilege(koffi: Koffi, process: ProcessCalls, kernel32: KoffiLibrary): CaptureError[] {
  const soft = (operation: Win32CallName | 'LoadLibrary', code: number, message: string): CaptureError[] => [
    { section: 'process', operation, code, ...(WIN32_ERROR_NAMES[code] ? { name: WIN32_ERROR_NAMES[code] } : {}), message: `SeDebugPrivilege not enabled: ${message}` },
  ]
  let advapi: KoffiLibrary
  try {
    advapi = koffi.load('advapi32.dll')
  } catch (error) {
    return soft('LoadLibrary', 0, `advapi32.dll cannot be loaded: ${(error as Error).message}`)
  }
  try {
    const OpenProcessToken = advapi.func('__stdcall', 'OpenProcessToken', 'int32_t', ['void *', 'uint32_t', koffi.out(koffi.pointer('void *'))]) as (p: bigint, a: number, out: [bigint | null]) => number
    const LookupPrivilegeValueW = advapi.func('__stdcall', 'LookupPrivilegeValueW', 'int32_t', ['str16', 'str16', 'void *']) as (s: string | null, n: string, luid: Buffer) => number
    const AdjustTokenPrivileges = advapi.func('__stdcall', 'AdjustTokenPrivileges', 'int32_t', ['void *', 'int32_t', 'void *', 'uint32_t', 'void *', 'void *']) as (
      t: bigint,
      disableAll: number,
      state: Buffer,
      length: number,
      previous: null,
      returnLength: null,
    ) => number
    const GetLastError = kernel32.func('__stdcall', 'GetLastError', 'uint32_t', []) as () => number
    const token: [bigint | null] = [null]
    if (!OpenProcessToken(process.currentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, token) || !token[0]) {
      const code = GetLastError()
      return soft('OpenProcessToken', code, new Win32Error(code, 'OpenProcessToken').message)
    }
    try {
      // TOKEN_PRIVILEGES with one LUID_AND_ATTRIBUTES: {DWORD count; LUID {DWORD low; LONG high}; DWORD attributes}.
      const state = Buffer.alloc(16)
      if (!LookupPrivilegeValueW(null, 'SeDebugPrivilege', state.subarray(4, 12))) {
        const code = GetLastError()
        return soft('LookupPrivilegeValueW', code, new Win32Error(code, 'LookupPrivilegeValueW').message)
      }
      state.writeUInt32LE(1, 0)
      state.writeUInt32LE(SE_PRIVILEGE_ENABLED, 12)
      const ok = AdjustTokenPrivileges(token[0], 0, state, state.length, null, null)
      // Success with ERROR_NOT_ALL_ASSIGNED means the account does not hold the privilege.
      const code = GetLastError()
      if (!ok || code === ERROR_NOT_ALL_ASSIGNED) return soft('AdjustTokenPrivileges', code, new Win32Error(code, 'AdjustTokenPrivileges').message)
      return []
    } finally {
      try {
        process.close(token[0])
      } catch {
        // a token handle that will not close changes nothing for the capture
      }
    }
  } finally {
    advapi.unload()
  }
}
