// `pssnap ps` on Windows: every process from a Toolhelp32 snapshot (pid, parent, image name, thread count),
// and its handle count where this user may open it (OpenProcess with PROCESS_QUERY_LIMITED_INFORMATION, then
// GetProcessHandleCount; protected and other users' processes refuse and show no count).
import { loadKoffi, type Koffi, type KoffiLibrary } from './koffi.js'
import { windowsLibraries } from './libraries.js'
import { processStructs } from './process-structs.js'
import { Win32Error } from './pss.js'
import type { ProcessSummary } from '../process-summary.js'

/** A Windows process as listed: imagePath is not read (it would need opening every process). */
export type WindowsProcessSummary = Omit<ProcessSummary, 'imagePath'>

const TH32CS_SNAPPROCESS = 0x2
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
const ERROR_NO_MORE_FILES = 18

type Handle = bigint | null

export async function listWindowsProcesses(library?: string): Promise<WindowsProcessSummary[]> {
  const koffi = await loadKoffi()
  const kernel32 = koffi.load(windowsLibraries(library).kernel32)
  try {
    return listWith(koffi, kernel32)
  } finally {
    kernel32.unload()
  }
}

function listWith(koffi: Koffi, kernel32: KoffiLibrary): WindowsProcessSummary[] {
  const { PROCESSENTRY32W } = processStructs(koffi)
  const CreateToolhelp32Snapshot = kernel32.func('__stdcall', 'CreateToolhelp32Snapshot', 'void *', ['uint32_t', 'uint32_t']) as (flags: number, pid: number) => Handle
  const Process32FirstW = kernel32.func('__stdcall', 'Process32FirstW', 'int32_t', ['void *', 'void *']) as (h: bigint, entry: Buffer) => number
  const Process32NextW = kernel32.func('__stdcall', 'Process32NextW', 'int32_t', ['void *', 'void *']) as (h: bigint, entry: Buffer) => number
  const OpenProcess = kernel32.func('__stdcall', 'OpenProcess', 'void *', ['uint32_t', 'int32_t', 'uint32_t']) as (a: number, i: number, p: number) => Handle
  const GetProcessHandleCount = kernel32.func('__stdcall', 'GetProcessHandleCount', 'int32_t', ['void *', koffi.out(koffi.pointer('uint32_t'))]) as (h: bigint, out: [number]) => number
  const CloseHandle = kernel32.func('__stdcall', 'CloseHandle', 'int32_t', ['void *']) as (h: bigint) => number
  const GetLastError = kernel32.func('__stdcall', 'GetLastError', 'uint32_t', []) as () => number

  const pointerBits = koffi.sizeof('void *') * 8
  const snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0)
  // INVALID_HANDLE_VALUE is (HANDLE)-1; koffi gives pointers unsigned.
  if (snapshot === null || BigInt.asIntN(pointerBits, snapshot) === -1n) throw new Win32Error(GetLastError(), 'CreateToolhelp32Snapshot')
  const out: WindowsProcessSummary[] = []
  try {
    const entry = Buffer.alloc(koffi.sizeof(PROCESSENTRY32W))
    entry.writeUInt32LE(entry.length, 0) // dwSize must be set before the first call
    for (let ok = Process32FirstW(snapshot, entry); ; ok = Process32NextW(snapshot, entry)) {
      if (!ok) {
        const code = GetLastError()
        if (code === ERROR_NO_MORE_FILES) break
        throw new Win32Error(code, out.length === 0 ? 'Process32FirstW' : 'Process32NextW')
      }
      const e = koffi.decode(entry, PROCESSENTRY32W) as { th32ProcessID: number; th32ParentProcessID: number; cntThreads: number; szExeFile: string }
      out.push({ processId: e.th32ProcessID, parentProcessId: e.th32ParentProcessID, name: e.szExeFile, threadCount: e.cntThreads })
    }
  } finally {
    CloseHandle(snapshot)
  }
  for (const p of out) {
    const handle = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, p.processId)
    if (handle === null || handle === 0n) continue // not ours to open: no count
    try {
      const count: [number] = [0]
      if (GetProcessHandleCount(handle, count)) p.handleCount = count[0]
    } finally {
      CloseHandle(handle)
    }
  }
  return out.sort((a, b) => a.processId - b.processId)
}
