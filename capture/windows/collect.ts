// Reading a live snapshot: every query class and every walk class the capture flags can produce, with
// failures that do not stop the capture recorded as soft errors (spec/ARCHIVE.md §3, §8). Walk steps run on a
// worker thread with a deadline (./native-call.ts); entries are streamed into the writer as they are read, each
// already copied out of PSS memory by the wrappers (it is valid only until the next step on its marker).
import { performance } from 'node:perf_hooks'
import type { ArchiveHeaderInput, ArchiveWriter, CaptureError, SectionName } from '../../format/index.js'
import { auxiliaryPagesPossible, CAPTURE } from './flags.js'
import { abandonedBy, type CallLimits } from './native-call.js'
import { PSS_QUERY, PSS_WALK, Win32Error, type Pss, type PssQueryClass, type PssSnapshot, type PssWalkClass, type PssWalkMarker, type QueryResults, type WalkEntries } from './pss.js'

const ERROR_NOT_FOUND = 1168

export type QueryKey = Exclude<keyof ArchiveHeaderInput, 'producer' | 'host' | 'target' | 'capture' | 'redaction'>

/** Classes of auxiliary pages: asked for by no documented flag, so ERROR_NOT_FOUND for them is always silent. */
const AUXILIARY = -2 as const

/** Header key of each query class, and the capture flag that asks for it (0: none does; class 0 always exists). */
const QUERIES: readonly (readonly [PssQueryClass, QueryKey, number])[] = [
  [PSS_QUERY.PROCESS_INFORMATION, 'processInformation', -1],
  [PSS_QUERY.VA_CLONE_INFORMATION, 'vaCloneInformation', CAPTURE.VA_CLONE],
  [PSS_QUERY.AUXILIARY_PAGES_INFORMATION, 'auxiliaryPagesInformation', AUXILIARY],
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
  [PSS_WALK.AUXILIARY_PAGES, 'auxiliaryPages', AUXILIARY],
]

/** A class the flags can produce at all: only those are queried and walked. */
const possible = (flags: number, need: number) => need !== AUXILIARY || auxiliaryPagesPossible(flags)
const requested = (flags: number, need: number) => need === -1 || (need > 0 && (flags & need) !== 0)

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
    if (!possible(captureFlags, need)) continue
    try {
      out[key] = pss.querySnapshot(snapshot, cls)
    } catch (error) {
      if (error instanceof Win32Error && error.code === ERROR_NOT_FOUND && !requested(captureFlags, need)) continue
      errors.push(softError(key, error, cls === PSS_QUERY.VA_CLONE_INFORMATION ? 'information not recorded; without its handle the VA clone cannot be ended by pssnap' : 'information not recorded'))
    }
  }
  return out
}

/** Where a walk step that was given up on (deadline, abort) is still running: nothing it uses may be freed before. */
export interface Busy {
  settled: Promise<void> | undefined
}

/**
 * Walks every class into the writer and returns the milliseconds spent in PSS calls. A class answering
 * ERROR_NOT_FOUND before its first entry was not captured (silent unless asked for). A walk failing later
 * keeps what was read, with a soft error. Writer failures, aborts and a step past its deadline are not caught:
 * they end the capture; a step still running then is recorded in `busy`, and its marker freed once it returns.
 */
export async function walkAll(pss: Pss, snapshot: PssSnapshot, captureFlags: number, writer: ArchiveWriter, errors: CaptureError[], limits: CallLimits, busy: Busy): Promise<number> {
  const signal = limits.signal
  let walkMs = 0
  for (const [cls, section, need] of WALKS) {
    if (!possible(captureFlags, need)) continue
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
          entry = await pss.walkSnapshotAsync(snapshot, cls, marker, limits)
        } catch (error) {
          walkMs += performance.now() - t
          const abandoned = abandonedBy(error)
          if (abandoned) {
            busy.settled = abandoned.settled
            throw error
          }
          if (!(error instanceof Win32Error)) throw error
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
      const free = () => releaseOnce(() => pss.walkMarkerFree(marker), errors, section, RELEASE_FAILED)
      // A step still running uses the marker: freed when it returns (too late for the archive to say so).
      if (busy.settled) void busy.settled.then(() => releaseOnce(() => pss.walkMarkerFree(marker), [], section, RELEASE_FAILED))
      else free()
    }
  }
  return walkMs
}

/** The note of a failed release: what became of the object is unknown, and it is not released again. */
export const RELEASE_FAILED = 'not retried: a failed release may have released part of it, and releasing twice is undefined'

/**
 * Calls a release function (PssFreeSnapshot, PssWalkMarkerFree, CloseHandle) exactly once. A failure is a
 * soft error of `section`: documented failures of these calls cannot succeed on a second try, and after a
 * partial release a second call would be a double free inside this process.
 */
export function releaseOnce(free: () => void, errors: CaptureError[], section: string, note: string): void {
  try {
    free()
  } catch (error) {
    errors.push(softError(section, error, note))
  }
}
