// One process's counters for a `pssnap watch` poll on Windows, reading only what the condition needs: the
// handle count opens that one process (OpenProcess with PROCESS_QUERY_LIMITED_INFORMATION, then
// GetProcessHandleCount), the thread count walks a Toolhelp32 snapshot to its entry (cntThreads). `pssnap ps`
// (./process-list.ts) does both for every process.
import { loadKoffi } from './koffi.js'
import { windowsLibraries } from './libraries.js'
import { processStructs } from './process-structs.js'
import { Win32Error } from './pss.js'

const TH32CS_SNAPPROCESS = 0x2
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
const ERROR_INVALID_PARAMETER = 87
const ERROR_NO_MORE_FILES = 18

export interface WindowsCounters {
  /** The process is not there (any more). */
  exited: boolean
  handleCount?: number
  threadCount?: number
}

export async function windowsProcessCounters(pid: number, want: { handles: boolean; threads: boolean }, library?: string): Promise<WindowsCounters> {
  const koffi = await loadKoffi()
  const kernel32 = koffi.load(windowsLibraries(library).kernel32)
  type Handle = bigint | null
  const GetLastError = kernel32.func('__stdcall', 'GetLastError', 'uint32_t', []) as () => number
  const CloseHandle = kernel32.func('__stdcall', 'CloseHandle', 'int32_t', ['void *']) as (h: bigint) => number
  try {
    const out: WindowsCounters = { exited: false }
    if (want.threads) {
      const { PROCESSENTRY32W } = processStructs(koffi)
      const CreateToolhelp32Snapshot = kernel32.func('__stdcall', 'CreateToolhelp32Snapshot', 'void *', ['uint32_t', 'uint32_t']) as (flags: number, pid: number) => Handle
      const Process32FirstW = kernel32.func('__stdcall', 'Process32FirstW', 'int32_t', ['void *', 'void *']) as (h: bigint, entry: Buffer) => number
      const Process32NextW = kernel32.func('__stdcall', 'Process32NextW', 'int32_t', ['void *', 'void *']) as (h: bigint, entry: Buffer) => number
      const snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0)
      if (snapshot === null || BigInt.asIntN(koffi.sizeof('void *') * 8, snapshot) === -1n) throw new Win32Error(GetLastError(), 'CreateToolhelp32Snapshot')
      try {
        const entry = Buffer.alloc(koffi.sizeof(PROCESSENTRY32W))
        entry.writeUInt32LE(entry.length, 0)
        for (let ok = Process32FirstW(snapshot, entry); ; ok = Process32NextW(snapshot, entry)) {
          if (!ok) {
            const code = GetLastError()
            if (code === ERROR_NO_MORE_FILES) break
            throw new Win32Error(code, 'Process32NextW')
          }
          const e = koffi.decode(entry, PROCESSENTRY32W) as { th32ProcessID: number; cntThreads: number }
          if (e.th32ProcessID === pid) {
            out.threadCount = e.cntThreads
            break
          }
        }
      } finally {
        CloseHandle(snapshot)
      }
      if (out.threadCount === undefined) return { exited: true }
    }
    if (want.handles) {
      const OpenProcess = kernel32.func('__stdcall', 'OpenProcess', 'void *', ['uint32_t', 'int32_t', 'uint32_t']) as (a: number, i: number, p: number) => Handle
      const GetProcessHandleCount = kernel32.func('__stdcall', 'GetProcessHandleCount', 'int32_t', ['void *', koffi.out(koffi.pointer('uint32_t'))]) as (h: bigint, out: [number]) => number
      const handle = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid)
      if (handle === null || handle === 0n) {
        const code = GetLastError()
        // OpenProcess of a pid no process has fails with ERROR_INVALID_PARAMETER.
        if (code === ERROR_INVALID_PARAMETER) return { exited: true }
        throw new Win32Error(code, 'OpenProcess')
      }
      try {
        const count: [number] = [0]
        // A count refused is left absent (the condition does not hold on it), as `pssnap ps` shows none.
        if (GetProcessHandleCount(handle, count)) out.handleCount = count[0]
      } finally {
        CloseHandle(handle)
      }
    }
    return out
  } finally {
    kernel32.unload()
  }
}
