// What memory contents an archive holds (spec/ARCHIVE.md §6.4): auxiliaryPages entries with contents, PSS's
// pages and pssnap's own `--memory` reads told apart by `memorySource`. For `info` and its JSON.
import type { Archive } from './archive.js'

export interface MemorySummary {
  /** Entries with contents (each a contiguous range). */
  ranges: number
  /** Bytes of contents. */
  bytes: number
  /** Ranges by where they come from: `stack`, `range` (pssnap --memory), `pss` (pages PSS captured). */
  sources: { stack: number; range: number; pss: number; other: number }
  /** Threads with a stack in the archive. */
  stackThreads: number
}

/** Undefined when the archive holds no memory contents. */
export function archiveMemorySummary(archive: Archive): MemorySummary | undefined {
  const summary: MemorySummary = { ranges: 0, bytes: 0, sources: { stack: 0, range: 0, pss: 0, other: 0 }, stackThreads: 0 }
  const threads = new Set<number>()
  archive.auxiliaryPages.forEach(
    (p) => {
      const n = p.pageContents?.length ?? 0
      if (n === 0) return
      summary.ranges++
      summary.bytes += n
      const source = p.memorySource
      if (source === undefined) summary.sources.pss++
      else if (source === 'stack') {
        summary.sources.stack++
        if (p.threadId !== undefined) threads.add(p.threadId)
      } else if (source === 'range') summary.sources.range++
      else summary.sources.other++
    },
    ['pageContents', 'memorySource', 'threadId'],
  )
  summary.stackThreads = threads.size
  return summary.ranges > 0 ? summary : undefined
}
