// The PSS information and walk classes, and the shape each returns (spec/ARCHIVE.md §3 and §6): one table
// for the live binding (capture/windows/pss.ts) and the PSS API over an archive (reader/pss-facade.ts).
import type { AuxiliaryPageEntry, HandleEntry, ThreadEntry, VaSpaceEntry } from './fields.js'
import type { PerformanceCounters, ProcessInformation } from './schemas.js'

/** PSS_QUERY_INFORMATION_CLASS values, as literal types so a query's result type follows the class. */
export const PSS_QUERY = {
  PROCESS_INFORMATION: 0,
  VA_CLONE_INFORMATION: 1,
  AUXILIARY_PAGES_INFORMATION: 2,
  VA_SPACE_INFORMATION: 3,
  HANDLE_INFORMATION: 4,
  THREAD_INFORMATION: 5,
  HANDLE_TRACE_INFORMATION: 6,
  PERFORMANCE_COUNTERS: 7,
} as const

/** The archive header key holding each query class's result, indexed by PSS_QUERY value (spec §3). */
export const PSS_QUERY_HEADER_KEYS = [
  'processInformation',
  'vaCloneInformation',
  'auxiliaryPagesInformation',
  'vaSpaceInformation',
  'handleInformation',
  'threadInformation',
  'handleTraceInformation',
  'performanceCounters',
] as const

/** PSS_WALK_INFORMATION_CLASS values that are decoded (PSS_WALK_THREAD_NAME is SDK-only and reported broken). */
export const PSS_WALK = { AUXILIARY_PAGES: 0, VA_SPACE: 1, HANDLES: 2, THREADS: 3 } as const

/** The archive section each walk class fills, indexed by PSS_WALK value (spec §6). */
export const PSS_WALK_SECTIONS = ['auxiliaryPages', 'vaSpace', 'handles', 'threads'] as const

/**
 * Query results by class. `Process` is the process information's type: complete from a live Windows
 * snapshot, with optional keys from an archive (non-Windows captures omit some).
 */
export interface PssQueryResults<Process = ProcessInformation> {
  0: Process
  1: { vaCloneHandle: bigint }
  2: { auxPagesCaptured: number }
  3: { regionCount: number }
  4: { handlesCaptured: number }
  5: { threadsCaptured: number; contextLength: number }
  6: { sectionHandle: bigint; size: number }
  7: PerformanceCounters
}

/** Walk entries by class. */
export interface PssWalkEntries {
  0: AuxiliaryPageEntry
  1: VaSpaceEntry
  2: HandleEntry
  3: ThreadEntry
}
