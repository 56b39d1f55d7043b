// Reading a live snapshot: every query class and every walk class, with failures that do not stop the
// capture recorded as soft errors (spec/ARCHIVE.md §3, §8). Walk entries are streamed into the writer as
// they are read; the wrappers have already copied each one out of PSS memory.
import { performance } from 'node:perf_hooks'
import type { ArchiveHeaderInput, ArchiveWriter, CaptureError, SectionName } from '../../format/index.js'
import { CAPTURE } from './flags.js'
import { PSS_QUERY, PSS_WALK, Win32Error, type Pss, type PssQueryClass, type PssSnapshot, type PssWalkClass, type PssWalkMarker, type QueryResults, type WalkEntries } from './pss.js'

const ERROR_NOT_FOUND = 1168

export type QueryKey = Exclude<keyof ArchiveHeaderInput, 'producer' | 'host' | 'target' | 'capture' | 'redaction'>

/** Header key of each query class, and the capture flag that asks for it (0: none does; class 0 always exists). */
const QUERIES: readonly (readonly [PssQueryClass, QueryKey, number])[] = [
  [PSS_QUERY.PROCESS_INFORMATION, 'processInformation', -1],
  [PSS_QUERY.VA_CLONE_INFORMATION, 'vaCloneInformation', CAPTURE.VA_CLONE],
  [PSS_QUERY.AUXILIARY_PAGES_INFORMATION, 'auxiliaryPagesInformation', 0],
  [PSS_QUERY.VA_SPACE_INFORMATION, 'vaSpaceInformation', CAPTURE.VA_SPACE],
  [PSS_QUERY.HANDLE_INFORMATION, 'handleInformation', CAPTURE.HANDLES],
  [PSS_QUERY.THREAD_INFORMATION, 'threadInformation', CAPTURE.THREADS],
  [PSS_QUERY.HANDLE_TRACE_INFORMATION, 'handleTraceInformation', CAPTURE.HANDLE_TRACE],
  [PSS_QUERY.PERFORMANCE_COUNTERS, 'performanceCounters', CAPTURE.MEASURE_PERFORMANCE],
]

/** Archive section of each walk class and the flag that asks for it (aux pages: no public flag, §3.4). */
const WALKS: readonly (readonly [PssWalkClass, SectionName, number])[] = [
  [PSS_WALK.HANDLES, 'handles', CAPTURE.HANDLES],
  [PSS_WALK.THREADS, 'threads', CAPTURE.THREADS],
  [PSS_WALK.VA_SPACE, 'vaSpace', CAPTURE.VA_SPACE],
  [PSS_WALK.AUXILIARY_PAGES, 'auxiliaryPages', 0],
]

const requested = (flags: number, need: number) => need === -1 || (need !== 0 && (flags & need) !== 0)

export function softError(section: string, error: unknown, note: string): CaptureError {
  if (error instanceof Win32Error) {
    return { section, operation: error.call, code: error.code, ...(error.symbolicName ? { name: error.symbolicName } : {}), message: `${error.message}; ${note}` }
  }
  throw error
}

/**
 * Queries every class. ERROR_NOT_FOUND for a class the flags did not ask for means "not captured" and is
 * silent; for one they asked for it is a soft error, like any other failure. Either way the key is absent.
 */
export function queryAll(pss: Pss, snapshot: PssSnapshot, captureFlags: number, errors: CaptureError[]): Partial<Record<QueryKey, QueryResults[PssQueryClass]>> {
  const out: Partial<Record<QueryKey, QueryResults[PssQueryClass]>> = {}
  for (const [cls, key, need] of QUERIES) {
    try {
      out[key] = pss.querySnapshot(snapshot, cls)
    } catch (error) {
      if (error instanceof Win32Error && error.code === ERROR_NOT_FOUND && !requested(captureFlags, need)) continue
      errors.push(softError(key, error, 'information not recorded'))
    }
  }
  return out
}

/**
 * Walks every class into the writer and returns the milliseconds spent in PSS calls. A class answering
 * ERROR_NOT_FOUND before its first entry was not captured (silent unless asked for). A walk failing later
 * keeps what was read, with a soft error. Writer failures and aborts are not caught: they end the capture.
 */
export async function walkAll(pss: Pss, snapshot: PssSnapshot, captureFlags: number, writer: ArchiveWriter, errors: CaptureError[], signal?: AbortSignal): Promise<number> {
  let walkMs = 0
  for (const [cls, section, need] of WALKS) {
    signal?.throwIfAborted()
    const noteFailure = (error: unknown, count: number) => {
      const notCaptured = error instanceof Win32Error && error.code === ERROR_NOT_FOUND && count === 0
      if (!(notCaptured && !requested(captureFlags, need))) {
        errors.push(softError(section, error, count ? `section holds the ${count} entries read before the failure` : 'section not captured'))
      }
    }
    // Each walk has its own marker; a failed create is this section's soft error, like a failed first step.
    let marker: PssWalkMarker
    try {
      marker = pss.walkMarkerCreate()
    } catch (error) {
      noteFailure(error, 0)
      continue
    }
    let count = 0
    try {
      for (;;) {
        const t = performance.now()
        let entry: WalkEntries[PssWalkClass] | undefined
        try {
          entry = pss.walkSnapshot(snapshot, cls, marker)
        } catch (error) {
          walkMs += performance.now() - t
          noteFailure(error, count)
          break
        }
        walkMs += performance.now() - t
        if (entry === undefined) {
          writer.declareSection(section) // present even when empty: the class was captured
          break
        }
        count++
        // Await only when a chunk was flushed (backpressure) — a microtask per entry would slow large walks.
        const flushed = writer.add(section, entry as never)
        if (flushed) await flushed
      }
    } finally {
      releaseOrRecord(() => pss.walkMarkerFree(marker), errors, section, 'released on the second attempt', 'the marker stays allocated until pssnap exits')
    }
  }
  return walkMs
}

/**
 * Calls a release function (PssFreeSnapshot, PssWalkMarkerFree, CloseHandle) and, when it fails, once more:
 * a release that fails is retried rather than leaked, and the failure is recorded either way as a soft error
 * of `section`, noting `retried` (it worked the second time) or `leaked` (it did not).
 */
export function releaseOrRecord(free: () => void, errors: CaptureError[], section: string, retried: string, leaked: string): void {
  try {
    free()
  } catch (error) {
    let released = true
    try {
      free()
    } catch {
      released = false
    }
    errors.push(softError(section, error, released ? retried : leaked))
  }
}
