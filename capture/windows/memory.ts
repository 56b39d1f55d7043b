// `--memory` on Windows (spec/ARCHIVE.md §6.4): read from the VA clone (ReadProcessMemory on the handle
// PSS_QUERY_VA_CLONE_INFORMATION gives), never from the target, before the clone is ended. Stacks start at each
// thread's stack pointer, from a walk of the snapshot's threads (their contexts). Read page by page: Windows
// fails a read that crosses an unreadable page as a whole, so what can be read is kept and the rest is a soft
// error, never zeros.
import { decodeRegisters, contextLayout, type AuxiliaryPageEntry, type CaptureError } from '../../format/index.js'
import { DEFAULT_STACK_LIMIT, DEFAULT_TOTAL_LIMIT, MEMORY_PIECE, RED_ZONE, type MemoryRequest } from '../memory-request.js'
import type { ProcessCalls } from './process.js'
import type { ProcessHandle, Pss, PssSnapshot } from './pss.js'
import { PSS_WALK } from '../../format/pss-classes.js'

const PAGE = 0x1000n
const FILETIME_UNIX_EPOCH = 116444736000000000n

export interface CloneMemoryOptions {
  stackLimit?: number
  totalLimit?: number
}

export function readCloneMemory(pss: Pss, snapshot: PssSnapshot, calls: ProcessCalls, clone: ProcessHandle, requests: readonly MemoryRequest[], architecture: string, errors: CaptureError[], options: CloneMemoryOptions = {}): AuxiliaryPageEntry[] {
  const stackLimit = BigInt(options.stackLimit ?? DEFAULT_STACK_LIMIT)
  let budget = options.totalLimit ?? DEFAULT_TOTAL_LIMIT
  const out: AuxiliaryPageEntry[] = []
  const fail = (code: number, message: string) => errors.push({ section: 'auxiliaryPages', operation: 'ReadProcessMemory', code, ...(code === 299 ? { name: 'ERROR_PARTIAL_COPY' } : {}), message })

  /** Reads [start, end) page by page into entries of at most MEMORY_PIECE bytes; stops at the first failure. */
  const readSpan = (start: bigint, end: bigint, source: 'stack' | 'range', threadId?: number) => {
    let at = start
    let piece: { address: bigint; parts: Uint8Array[]; size: number } | undefined
    const flush = () => {
      if (!piece || piece.size === 0) return
      const bytes = new Uint8Array(piece.size)
      let o = 0
      for (const p of piece.parts) {
        bytes.set(p, o)
        o += p.length
      }
      const entry: AuxiliaryPageEntry = { address: piece.address, captureTime: BigInt(Date.now()) * 10000n + FILETIME_UNIX_EPOCH, pageSize: bytes.length, pageContents: bytes, memorySource: source }
      if (threadId !== undefined) entry.threadId = threadId
      out.push(entry)
      budget -= bytes.length
      piece = undefined
    }
    while (at < end) {
      if (budget <= 0) {
        fail(0, `the memory limit was reached (${options.totalLimit ?? DEFAULT_TOTAL_LIMIT} bytes): 0x${at.toString(16)}..0x${end.toString(16)} left out`)
        break
      }
      const pageEnd = (at / PAGE + 1n) * PAGE
      const want = Number((pageEnd < end ? pageEnd : end) - at)
      const buf = new Uint8Array(want)
      const r = calls.readMemory(clone, at, buf)
      if (r.read > 0) {
        piece ??= { address: at, parts: [], size: 0 }
        piece.parts.push(r.read === want ? buf : buf.subarray(0, r.read))
        piece.size += r.read
        if (piece.size >= MEMORY_PIECE) flush()
      }
      if (r.error !== undefined || r.read < want) {
        // A stack ends where its mapping does: reaching that after reading some of it is no failure.
        const stackEnd = source === 'stack' && at > start
        if (!stackEnd) fail(r.error ?? 0, `0x${(at + BigInt(r.read)).toString(16)}..0x${end.toString(16)} could not be read from the VA clone and is left out`)
        break
      }
      at += BigInt(want)
    }
    flush()
  }

  for (const request of requests) {
    if (request.kind === 'range') {
      readSpan(request.address, request.address + BigInt(request.size), 'range')
      continue
    }
    const sp = contextLayout(architecture)?.sp
    if (!sp) {
      fail(0, `no stack pointer is known in a ${architecture} CONTEXT: no stacks read`)
      continue
    }
    const stacks: [number, bigint][] = []
    try {
      for (const t of pss.walk(snapshot, PSS_WALK.THREADS)) {
        const pointer = decodeRegisters(t.contextRecord, architecture)?.[sp]
        if (pointer !== undefined && t.threadId !== undefined) stacks.push([t.threadId, pointer])
      }
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown }
      errors.push({ section: 'auxiliaryPages', operation: 'PssWalkSnapshot', code: typeof e.code === 'number' ? e.code : 0, message: `the threads could not be walked for their stack pointers (${String(e.message)}): no stacks read` })
    }
    for (const [tid, pointer] of stacks) {
      const start = (pointer > RED_ZONE ? pointer - RED_ZONE : 0n) & ~0xfn
      readSpan(start, start + stackLimit, 'stack', tid)
    }
  }
  return out
}
