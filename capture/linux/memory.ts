// Memory contents for `--memory` (spec/LINUX.md §10): read from /proc/<pid>/mem while the threads are held,
// stored as auxiliaryPages entries (ARCHIVE.md §6.4). Bounded: each thread's stack at most `stackLimit` bytes,
// the whole capture at most `totalLimit`; bytes that cannot be read are never stored as zeros.
import { closeSync, openSync, readSync } from 'node:fs'
import type { AuxiliaryPageEntry, VaSpaceEntry } from '../../format/index.js'
import { procRoot } from './proc.js'
import type { SoftErrors } from './soft-errors.js'
import { nowFiletime } from './time.js'
import { DEFAULT_STACK_LIMIT, DEFAULT_TOTAL_LIMIT, MEMORY_PIECE, RED_ZONE, type MemoryRequest } from '../memory-request.js'

export { parseMemoryRequest, type MemoryRequest } from '../memory-request.js'

export interface MemoryLimits {
  /** Bytes of each thread's stack, from the stack pointer up (default 1 MiB). */
  stackLimit?: number
  /** Bytes of memory in the whole capture (default 256 MiB): further ranges are left out with a soft error. */
  totalLimit?: number
}

/**
 * Reads the requested memory. `stackPointers` gives each held thread's stack pointer; `regions` the mappings
 * (from maps), which bound every read: nothing outside a mapping is asked for.
 */
export function readMemory(
  pid: number,
  requests: readonly MemoryRequest[],
  regions: readonly VaSpaceEntry[],
  stackPointers: ReadonlyMap<number, bigint>,
  errors: SoftErrors,
  limits: MemoryLimits = {},
): AuxiliaryPageEntry[] {
  const stackLimit = limits.stackLimit ?? DEFAULT_STACK_LIMIT
  let budget = limits.totalLimit ?? DEFAULT_TOTAL_LIMIT
  const sorted = regions.filter((r) => r.baseAddress !== undefined && r.regionSize !== undefined).sort((a, b) => (a.baseAddress! < b.baseAddress! ? -1 : 1))
  const out: AuxiliaryPageEntry[] = []
  const path = `${procRoot(pid)}/mem`
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    errors.add('auxiliaryPages', 'open', path, error, 'no memory captured')
    return out
  }
  try {
    /** Reads [start, end) within one region, in pieces; stops at the first byte that cannot be read. */
    const readSpan = (region: VaSpaceEntry, start: bigint, end: bigint, source: 'stack' | 'range', threadId?: number) => {
      let at = start
      while (at < end) {
        if (budget <= 0) {
          errors.add('auxiliaryPages', 'read', path, Object.assign(new Error(`the memory limit was reached (${limits.totalLimit ?? DEFAULT_TOTAL_LIMIT} bytes)`), { code: 'E2BIG', errno: -7 }), `0x${at.toString(16)}..0x${end.toString(16)} left out`)
          return
        }
        const want = Math.min(Number(end - at), MEMORY_PIECE, budget)
        const buf = Buffer.alloc(want)
        let got: number
        try {
          got = readSync(fd, buf, 0, want, at)
        } catch (error) {
          errors.add('auxiliaryPages', 'read', path, error, `0x${at.toString(16)}..0x${end.toString(16)} could not be read and is left out`)
          return
        }
        if (got <= 0) return
        const entry: AuxiliaryPageEntry = {
          address: at,
          basicInformation: basicInformationOf(region),
          captureTime: nowFiletime(),
          pageSize: got,
          pageContents: new Uint8Array(buf.buffer, buf.byteOffset, got),
          memorySource: source,
        }
        if (threadId !== undefined) entry.threadId = threadId
        out.push(entry)
        budget -= got
        at += BigInt(got)
        if (got < want) return
      }
    }
    for (const request of requests) {
      if (request.kind === 'stacks') {
        for (const [tid, sp] of stackPointers) {
          const region = regionAt(sorted, sp)
          if (!region) {
            errors.add('auxiliaryPages', 'read', path, Object.assign(new Error(`the stack pointer 0x${sp.toString(16)} of thread ${tid} is in no mapping`), { code: 'EFAULT', errno: -14 }), 'no stack captured for it')
            continue
          }
          const base = region.baseAddress!
          const top = base + region.regionSize!
          let start = (sp > RED_ZONE ? sp - RED_ZONE : 0n) & ~0xfn
          if (start < base) start = base
          const end = top - start > BigInt(stackLimit) ? start + BigInt(stackLimit) : top
          readSpan(region, start, end, 'stack', tid)
        }
      } else {
        // A range is cut to the mappings that hold it: the gaps between them are not memory.
        const end = request.address + BigInt(request.size)
        for (const region of sorted) {
          const rb = region.baseAddress!
          const re = rb + region.regionSize!
          if (re <= request.address || rb >= end) continue
          readSpan(region, rb > request.address ? rb : request.address, re < end ? re : end, 'range')
        }
      }
    }
  } finally {
    closeSync(fd)
  }
  return dedupe(out)
}

/** A stack range asked for twice (two requests, or `stacks` and a range) is kept once: the first read wins. */
function dedupe(entries: AuxiliaryPageEntry[]): AuxiliaryPageEntry[] {
  const sorted = [...entries].sort((a, b) => (a.address! < b.address! ? -1 : a.address! > b.address! ? 1 : 0))
  const out: AuxiliaryPageEntry[] = []
  let end = -1n
  for (const e of sorted) {
    if (e.address! < end) continue
    out.push(e)
    end = e.address! + BigInt(e.pageSize!)
  }
  return out
}

function regionAt(sorted: readonly VaSpaceEntry[], address: bigint): VaSpaceEntry | undefined {
  let lo = 0
  let hi = sorted.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const r = sorted[mid]!
    if (address < r.baseAddress!) hi = mid - 1
    else if (address >= r.baseAddress! + r.regionSize!) lo = mid + 1
    else return r
  }
  return undefined
}

function basicInformationOf(r: VaSpaceEntry): NonNullable<AuxiliaryPageEntry['basicInformation']> {
  const b: NonNullable<AuxiliaryPageEntry['basicInformation']> = { baseAddress: r.baseAddress!, regionSize: r.regionSize! }
  if (r.state !== undefined) b.state = r.state
  if (r.protect !== undefined) b.protect = r.protect
  if (r.type !== undefined) b.type = r.type
  return b
}
