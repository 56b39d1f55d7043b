// One process's counters for a `pssnap watch` poll on Windows, reading only what the condition needs. The
// thread count walks a Toolhelp32 snapshot to the process's entry (cntThreads); everything else opens that one
// process once (OpenProcess with PROCESS_QUERY_LIMITED_INFORMATION, and PROCESS_VM_READ when memory is read, as
// K32GetProcessMemoryInfo documents) and asks only for what is wanted: GetProcessHandleCount,
// K32GetProcessMemoryInfo (PROCESS_MEMORY_COUNTERS_EX: PrivateUsage is the private bytes, WorkingSetSize the
// RSS; the meanings a Windows capture's privateUsage and workingSetSize have) and GetProcessTimes (kernel + user
// time, for cpuPercent over a window as on Linux). `pssnap ps` (./process-list.ts) reads handles and threads
// for every process.
import { counterStructs } from './counter-structs.js'
import { loadKoffi, type KoffiLibrary } from './koffi.js'
import { windowsLibraries } from './libraries.js'
import { processStructs } from './process-structs.js'
import { Win32Error } from './pss.js'

const TH32CS_SNAPPROCESS = 0x2
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
const PROCESS_VM_READ = 0x10
const ERROR_INVALID_PARAMETER = 87
const ERROR_ACCESS_DENIED = 5
const ERROR_NO_MORE_FILES = 18

export interface WindowsCounters {
  /** The process is not there (any more). */
  exited: boolean
  handleCount?: number
  threadCount?: number
  /** PROCESS_MEMORY_COUNTERS_EX.PrivateUsage, bytes. */
  privateBytes?: number
  /** PROCESS_MEMORY_COUNTERS_EX.WorkingSetSize, bytes. */
  rss?: number
  /** GetProcessTimes: kernel + user time, seconds. */
  cpuSeconds?: number
}

export interface WindowsCounterWants {
  handles: boolean
  threads: boolean
  /** Private bytes and RSS (one K32GetProcessMemoryInfo). */
  memory?: boolean
  /** CPU time (GetProcessTimes). */
  times?: boolean
}

const filetimeTicks = (f: { dwLowDateTime: number; dwHighDateTime: number }) => f.dwHighDateTime * 2 ** 32 + f.dwLowDateTime

/**
 * The library stays loaded while the process runs: a watch polls every second, and unloading it between polls
 * would make each poll load it again (kernel32 is loaded anyway on Windows; the tests' fake keeps its state).
 */
const libraries = new Map<string, KoffiLibrary>()

export async function windowsProcessCounters(pid: number, want: WindowsCounterWants, library?: string): Promise<WindowsCounters> {
  const koffi = await loadKoffi()
  const path = windowsLibraries(library).kernel32
  let kernel32 = libraries.get(path)
  if (!kernel32) libraries.set(path, (kernel32 = koffi.load(path)))
  type Handle = bigint | null
  const GetLastError = kernel32.func('__stdcall', 'GetLastError', 'uint32_t', []) as () => number
  const CloseHandle = kernel32.func('__stdcall', 'CloseHandle', 'int32_t', ['void *']) as (h: bigint) => number
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
  if (want.handles || want.memory || want.times) {
    const OpenProcess = kernel32.func('__stdcall', 'OpenProcess', 'void *', ['uint32_t', 'int32_t', 'uint32_t']) as (a: number, i: number, p: number) => Handle
    let handle = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | (want.memory ? PROCESS_VM_READ : 0), 0, pid)
    // A process that refuses PROCESS_VM_READ (another user's, a protected one) may still give its memory counters
    // to PROCESS_QUERY_LIMITED_INFORMATION alone on recent Windows: asked again without it; a refusal then comes
    // from K32GetProcessMemoryInfo itself.
    if ((handle === null || handle === 0n) && want.memory && GetLastError() === ERROR_ACCESS_DENIED) handle = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid)
    if (handle === null || handle === 0n) {
      const code = GetLastError()
      // OpenProcess of a pid no process has fails with ERROR_INVALID_PARAMETER.
      if (code === ERROR_INVALID_PARAMETER) return { exited: true }
      throw new Win32Error(code, 'OpenProcess')
    }
    try {
      if (want.handles) {
        const GetProcessHandleCount = kernel32.func('__stdcall', 'GetProcessHandleCount', 'int32_t', ['void *', koffi.out(koffi.pointer('uint32_t'))]) as (h: bigint, out: [number]) => number
        const count: [number] = [0]
        // A count refused is left absent (the condition does not hold on it), as `pssnap ps` shows none.
        if (GetProcessHandleCount(handle, count)) out.handleCount = count[0]
      }
      if (want.memory || want.times) {
        const { PROCESS_MEMORY_COUNTERS_EX, FILETIME } = counterStructs(koffi)
        if (want.memory) {
          // psapi's function under its kernel32 name (Windows 7+), so no psapi.dll is loaded.
          const K32GetProcessMemoryInfo = kernel32.func('__stdcall', 'K32GetProcessMemoryInfo', 'int32_t', ['void *', 'void *', 'uint32_t']) as (h: bigint, out: Buffer, cb: number) => number
          const buffer = Buffer.alloc(koffi.sizeof(PROCESS_MEMORY_COUNTERS_EX))
          buffer.writeUInt32LE(buffer.length, 0)
          if (!K32GetProcessMemoryInfo(handle, buffer, buffer.length)) throw new Win32Error(GetLastError(), 'K32GetProcessMemoryInfo')
          const m = koffi.decode(buffer, PROCESS_MEMORY_COUNTERS_EX) as { cb: number; WorkingSetSize: number | bigint; PagefileUsage: number | bigint; PrivateUsage: number | bigint }
          out.rss = Number(m.WorkingSetSize)
          // PrivateUsage when the _EX form was filled (cb says so); else PagefileUsage, which MSDN defines the same
          // way ("the Commit Charge value in bytes for this process") and Windows 7+ reports equal to it. Wine fills
          // only PROCESS_MEMORY_COUNTERS (cb 72) whatever cb is given.
          out.privateBytes = Number(m.cb >= buffer.length ? m.PrivateUsage : m.PagefileUsage)
        }
        if (want.times) {
          const GetProcessTimes = kernel32.func('__stdcall', 'GetProcessTimes', 'int32_t', ['void *', 'void *', 'void *', 'void *', 'void *']) as (h: bigint, c: Buffer, e: Buffer, k: Buffer, u: Buffer) => number
          const [created, exited, kernel, user] = [0, 1, 2, 3].map(() => Buffer.alloc(koffi.sizeof(FILETIME))) as [Buffer, Buffer, Buffer, Buffer]
          if (!GetProcessTimes(handle, created, exited, kernel, user)) throw new Win32Error(GetLastError(), 'GetProcessTimes')
          const ticks = (b: Buffer) => filetimeTicks(koffi.decode(b, FILETIME) as { dwLowDateTime: number; dwHighDateTime: number })
          // An exit time is set once the process has ended (its object lives on while a handle is open).
          if (ticks(exited) !== 0) return { exited: true }
          // FILETIME durations are in 100 ns.
          out.cpuSeconds = (ticks(kernel) + ticks(user)) / 1e7
        }
      }
    } finally {
      CloseHandle(handle)
    }
  }
  return out
}
