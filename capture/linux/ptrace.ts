// The libc calls of the holding mechanism (ptrace, waitpid), bound through koffi. koffi is an optional peer
// dependency loaded here lazily: the default Linux capture reads /proc and never loads it; only the options
// that hold the target (--registers, --memory, --freeze) do. Every call is synchronous, from the JS thread:
// ptrace's tracer is a thread, so an async call (koffi's pool) would be made by a thread that is not the tracer.
import type koffiDefault from 'koffi'
import { CaptureUnavailableError } from '../errors.js'

type Koffi = typeof koffiDefault

// <sys/ptrace.h>, <linux/elf.h>, <sys/wait.h>
export const PTRACE_DETACH = 17
export const PTRACE_GETREGSET = 0x4204
export const PTRACE_SEIZE = 0x4206
export const PTRACE_INTERRUPT = 0x4207
export const PTRACE_EVENT_STOP = 128
export const NT_PRSTATUS = 1
const WNOHANG = 1
const __WALL = 0x40000000

export const ERRNO = { EPERM: 1, ESRCH: 3, EINTR: 4, ECHILD: 10, EBUSY: 16, EINVAL: 22 } as const

export interface WaitResult {
  /** The tid waitpid reported, 0 when nothing had changed yet (WNOHANG), -1 on error (see errno). */
  pid: number
  status: number
  errno: number
}

export interface Libc {
  /** Returns 0 or the errno. */
  seize(tid: number): number
  interrupt(tid: number): number
  /** Detach, delivering `signal` (0: none) as the thread resumes. */
  detach(tid: number, signal: number): number
  /** waitpid(tid, __WALL | WNOHANG). */
  poll(tid: number): WaitResult
  /** PTRACE_GETREGSET NT_PRSTATUS into a fresh buffer; the bytes the kernel filled, or the errno. */
  prstatus(tid: number): Uint8Array | number
}

let loading: Promise<Libc> | undefined

/** Loads koffi and binds libc on first use; CAPTURE_DEPENDENCY_MISSING when koffi is not installed. */
export function loadLibc(): Promise<Libc> {
  loading ??= import('koffi').then(
    (mod) => bind(mod.default),
    (err: unknown) => {
      loading = undefined
      const e = err as { code?: unknown; message?: unknown }
      if ((e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && String(e.message).includes('koffi')) {
        throw new CaptureUnavailableError('CAPTURE_DEPENDENCY_MISSING', "holding a Linux process (--registers, --memory, --freeze) needs the package 'koffi' (its FFI to libc's ptrace), which is not installed: run 'npm install koffi' where pssnap is installed (the default capture from /proc does not need it)")
      }
      throw err
    },
  )
  return loading
}

// Big enough for any NT_PRSTATUS (x64 216 bytes, arm64 272): the kernel writes at most this and says how much.
const REGSET_BYTES = 1024

function bind(koffi: Koffi): Libc {
  const lib = koffi.load('libc.so.6')
  const ptrace = lib.func('ptrace', 'long', ['long', 'int', 'intptr_t', 'intptr_t'])
  const ptraceIov = lib.func('ptrace', 'long', ['long', 'int', 'intptr_t', 'void *'])
  const waitpid = lib.func('waitpid', 'int', ['int', '_Out_ int *', 'int'])
  const call = (request: number, tid: number, data: number): number => {
    koffi.errno(0)
    return ptrace(request, tid, 0, data) === -1 ? koffi.errno() || ERRNO.EINVAL : 0
  }
  return {
    seize: (tid) => call(PTRACE_SEIZE, tid, 0),
    interrupt: (tid) => call(PTRACE_INTERRUPT, tid, 0),
    detach: (tid, signal) => call(PTRACE_DETACH, tid, signal),
    poll(tid) {
      const status = [0]
      koffi.errno(0)
      const pid = waitpid(tid, status, __WALL | WNOHANG) as number
      return { pid, status: status[0] ?? 0, errno: pid === -1 ? koffi.errno() : 0 }
    },
    prstatus(tid) {
      const regs = Buffer.alloc(REGSET_BYTES)
      const iov = Buffer.alloc(16)
      iov.writeBigUInt64LE(BigInt(koffi.address(regs) as bigint | number), 0)
      iov.writeBigUInt64LE(BigInt(REGSET_BYTES), 8)
      koffi.errno(0)
      if (ptraceIov(PTRACE_GETREGSET, tid, NT_PRSTATUS, iov) === -1) return koffi.errno() || ERRNO.EINVAL
      const length = Number(iov.readBigUInt64LE(8))
      return new Uint8Array(regs.buffer, regs.byteOffset, Math.min(length, REGSET_BYTES)).slice()
    },
  }
}
