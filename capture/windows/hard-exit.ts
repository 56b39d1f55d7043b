// Ending the process while a native call still blocks one of libuv's worker threads. process.exit() cannot:
// Node shuts the thread pool down first (uv_library_shutdown), which joins every worker thread, so a thread
// stuck in PssCaptureSnapshot would keep pssnap alive forever. The OS's own immediate exit skips that join:
// TerminateProcess on Windows, _exit elsewhere (the fake library's tests). Output written before is kept:
// stderr is synchronous on POSIX, and the CLI waits a moment before calling this.
import { loadKoffi } from './koffi.js'

export async function exitDespiteBlockedCalls(code: number): Promise<never> {
  try {
    const koffi = await loadKoffi()
    if (process.platform === 'win32') {
      const kernel32 = koffi.load('kernel32.dll')
      const GetCurrentProcess = kernel32.func('__stdcall', 'GetCurrentProcess', 'void *', []) as () => unknown
      const TerminateProcess = kernel32.func('__stdcall', 'TerminateProcess', 'int32_t', ['void *', 'uint32_t']) as (h: unknown, c: number) => number
      TerminateProcess(GetCurrentProcess(), code >>> 0)
    } else {
      const libc = koffi.load(process.platform === 'darwin' ? 'libSystem.B.dylib' : 'libc.so.6')
      const exit = libc.func('_exit', 'void', ['int']) as (c: number) => void
      exit(code)
    }
  } catch {
    // no native exit available: the signal below still ends the process (status 128 + 9)
  }
  process.kill(process.pid, 'SIGKILL')
  throw new Error('unreachable: the process was killed')
}
