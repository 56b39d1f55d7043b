// Memory contents for the minidump (Memory64List, thread stacks): from the archive's auxiliaryPages.
import type { Archive } from '../reader/archive.js'
import type { MemoryRange } from './writer.js'

/** Memory contents in the archive: auxiliaryPages entries with contents (PSS's pages or pssnap's --memory). */
export function archiveMemory(archive: Archive): MemoryRange[] {
  const out: MemoryRange[] = []
  archive.auxiliaryPages.forEach(
    (p) => {
      if (p.address !== undefined && p.pageContents !== undefined && p.pageContents.length > 0) out.push({ address: p.address, bytes: p.pageContents })
    },
    ['address', 'pageContents'],
  )
  return out
}

/** Sorted by address; a range overlapping an earlier one is left out (the first by address wins: MINIDUMP.md §6). */
export function nonOverlapping(ranges: readonly MemoryRange[]): MemoryRange[] {
  const sorted = [...ranges].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
  const out: MemoryRange[] = []
  let end = -1n
  for (const r of sorted) {
    if (r.address < end || r.bytes.length === 0) continue
    out.push(r)
    end = r.address + BigInt(r.bytes.length)
  }
  return out
}

/** The memory range holding an address (ranges sorted, not overlapping), or -1. */
export function rangeAt(memory: readonly MemoryRange[], address: bigint): number {
  let lo = 0
  let hi = memory.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const m = memory[mid]!
    if (address < m.address) hi = mid - 1
    else if (address >= m.address + BigInt(m.bytes.length)) lo = mid + 1
    else return mid
  }
  return -1
}
