// The Process Snapshotting API over an archive: querySnapshot, walk markers and walkSnapshot with the results
// the live wrappers (capture/windows/pss.ts) give, so code written against a live snapshot runs unchanged on a
// capture read back anywhere. Query results come from the header (spec/ARCHIVE.md §3), walk entries from the
// sections; errors carry the Win32 code, symbolic name and PSS function name the live call would have failed with.
// Platform-free: nothing here touches native memory, so the codes are emulated, following the fake PSS library's
// documented choices where Windows leaves one open (test/fake-pss/fake_pss.c: one position shared by every class
// a marker walks, position tokens tied to their marker).
import type { ArchiveHeader } from '../format/index.js'
import type { Archive } from './archive.js'
import type { Section } from './section.js'
import { PSS_QUERY, PSS_QUERY_HEADER_KEYS, PSS_WALK, PSS_WALK_SECTIONS, type PssQueryResults, type PssWalkEntries } from '../format/pss-classes.js'
import { WIN32_ERROR_MESSAGES as MESSAGES, WIN32_ERROR_NAMES } from '../format/win32-errors.js'

// ---- Errors ----

export const ERROR_INVALID_HANDLE = 6
export const ERROR_INVALID_PARAMETER = 87
export const ERROR_NO_MORE_ITEMS = 259
export const ERROR_NOT_FOUND = 1168

/** The Win32 codes PSS calls are known to return (one table with the live binding: format/win32-errors.ts). */
export const PSS_ERROR_NAMES = WIN32_ERROR_NAMES

export type PssArchiveCall =
  | 'PssQuerySnapshot'
  | 'PssWalkSnapshot'
  | 'PssWalkMarkerCreate'
  | 'PssWalkMarkerFree'
  | 'PssWalkMarkerGetPosition'
  | 'PssWalkMarkerSetPosition'
  | 'PssWalkMarkerSeekToBeginning'

/**
 * A PSS call over an archive failed with a Win32 code: the same `code`, `symbolicName` and `call` (and the same
 * message layout) as the live binding's Win32Error, so callers test either by `.code` / `.symbolicName`.
 */
export class PssArchiveError extends Error {
  override name = 'PssArchiveError'
  readonly symbolicName: string | undefined
  constructor(
    readonly code: number,
    readonly call: PssArchiveCall,
    /** For a replayed capture error: the name the epilogue recorded, when the table does not know the code. */
    recordedName?: string,
  ) {
    const symbolicName = PSS_ERROR_NAMES[code] ?? recordedName
    super(`${call} failed: ${symbolicName ?? 'Win32 error'} (${code})${MESSAGES[code] ? `: ${MESSAGES[code]}` : ''}`)
    this.symbolicName = symbolicName
  }
}

// ---- Classes and shapes (the values of PSS_QUERY_INFORMATION_CLASS and PSS_WALK_INFORMATION_CLASS) ----

export { PSS_QUERY as PSS_ARCHIVE_QUERY, PSS_WALK as PSS_ARCHIVE_WALK }

/** Query results by class; processInformation keys are optional in the format. */
export type ArchiveQueryResults = PssQueryResults
export type ArchiveQueryClass = keyof ArchiveQueryResults
export type ArchiveWalkEntries = PssWalkEntries
export type ArchiveWalkClass = keyof ArchiveWalkEntries

/** An opaque marker handle, branded so a position cannot be passed for it. */
export type ArchiveWalkMarker = bigint & { readonly __pss: 'archive-walk-marker' }

const QUERY_KEYS = PSS_QUERY_HEADER_KEYS satisfies readonly (keyof ArchiveHeader)[]
const WALK_SECTIONS = PSS_WALK_SECTIONS

export interface PssArchiveOptions {
  /**
   * Replay failures the epilogue records (default true): a query that failed with another code than
   * ERROR_NOT_FOUND fails with that code, and a walk that failed half way gives its recorded entries and then
   * the recorded code instead of ERROR_NO_MORE_ITEMS, as the live snapshot did. false: ERROR_NOT_FOUND and
   * ERROR_NO_MORE_ITEMS only.
   */
  replayCaptureErrors?: boolean
}

export interface PssArchiveSnapshot {
  readonly archive: Archive
  /** Markers created and not yet freed (a leak check for callers' tests). */
  readonly liveMarkers: number
  querySnapshot<C extends ArchiveQueryClass>(infoClass: C): ArchiveQueryResults[C]
  /** An allocator is accepted for signature parity with the live wrapper and unused: there is no native memory. */
  walkMarkerCreate(allocator?: unknown): ArchiveWalkMarker
  walkMarkerFree(marker: ArchiveWalkMarker): void
  walkMarkerGetPosition(marker: ArchiveWalkMarker): bigint
  walkMarkerSetPosition(marker: ArchiveWalkMarker, position: bigint): void
  walkMarkerSeekToBeginning(marker: ArchiveWalkMarker): void
  /** The entry at the marker (then advanced), or undefined at the end (ERROR_NO_MORE_ITEMS). */
  walkSnapshot<C extends ArchiveWalkClass>(walkClass: C, marker: ArchiveWalkMarker): ArchiveWalkEntries[C] | undefined
  /** Every entry of a class with its own marker, freed exactly once when the loop ends, breaks or throws. */
  walk<C extends ArchiveWalkClass>(walkClass: C): Generator<ArchiveWalkEntries[C], void, undefined>
}

// ---- Entries: the live wrappers' objects ----

/**
 * Reader rows carry fields a chunk lacks as undefined keys; the live wrappers leave them out. Byte fields are
 * copied into plain Uint8Arrays, as the live wrappers copy out of PSS memory (and so callers cannot write into
 * the archive's columns, or get a Buffer where the live call gives a Uint8Array).
 */
function liveShape(value: unknown): unknown {
  if (value instanceof Uint8Array) return Object.getPrototypeOf(value) === Uint8Array.prototype && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : new Uint8Array(value)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = liveShape(v)
  return out
}

/** The PSS API over an opened archive (see PssArchiveSnapshot). */
export function openPssArchive(archive: Archive, options: PssArchiveOptions = {}): PssArchiveSnapshot {
  const replay = options.replayCaptureErrors ?? true
  const present = new Set(archive.sectionNames)
  const sections: readonly Section<object>[] = [archive.auxiliaryPages, archive.vaSpace, archive.handles, archive.threads]
  const recorded = (section: string, operation: string) => (replay ? archive.captureErrors.find((e) => e.section === section && e.operation === operation) : undefined)

  // Handles are small integers that are never reused, so a freed marker stays invalid.
  const markers = new Map<bigint, { id: number; position: number }>()
  let nextId = 1

  const markerOf = (marker: bigint, call: PssArchiveCall) => {
    const m = markers.get(marker)
    if (!m) throw new PssArchiveError(ERROR_INVALID_HANDLE, call)
    return m
  }

  const api: PssArchiveSnapshot = {
    archive,
    get liveMarkers() {
      return markers.size
    },

    querySnapshot<C extends ArchiveQueryClass>(infoClass: C): ArchiveQueryResults[C] {
      const key = QUERY_KEYS[infoClass]
      // The live wrapper refuses an unknown class before calling the library.
      if (key === undefined) throw new RangeError(`unknown PSS query class ${String(infoClass)}`)
      const value = archive.header[key]
      if (value === undefined) {
        const failure = recorded(key, 'PssQuerySnapshot')
        throw failure ? new PssArchiveError(failure.code, 'PssQuerySnapshot', failure.name) : new PssArchiveError(ERROR_NOT_FOUND, 'PssQuerySnapshot')
      }
      // A copy: the header is shared by every caller of the archive.
      return liveShape(value) as ArchiveQueryResults[C]
    },

    walkMarkerCreate() {
      const id = nextId++
      markers.set(BigInt(id), { id, position: 0 })
      return BigInt(id) as ArchiveWalkMarker
    },

    walkMarkerFree(marker) {
      markerOf(marker, 'PssWalkMarkerFree')
      markers.delete(marker)
    },

    // Opaque tokens as the fake library makes them: the marker id in the high half, position + 1 in the low half.
    walkMarkerGetPosition(marker) {
      const m = markerOf(marker, 'PssWalkMarkerGetPosition')
      return (BigInt(m.id) << 32n) | BigInt(m.position + 1)
    },

    walkMarkerSetPosition(marker, position) {
      const m = markerOf(marker, 'PssWalkMarkerSetPosition')
      const token = BigInt(position)
      const low = Number(BigInt.asUintN(32, token))
      if (token < 0n || token >> 32n !== BigInt(m.id) || low === 0) {
        throw new PssArchiveError(ERROR_INVALID_PARAMETER, 'PssWalkMarkerSetPosition')
      }
      m.position = low - 1
    },

    walkMarkerSeekToBeginning(marker) {
      markerOf(marker, 'PssWalkMarkerSeekToBeginning').position = 0
    },

    walkSnapshot<C extends ArchiveWalkClass>(walkClass: C, marker: ArchiveWalkMarker): ArchiveWalkEntries[C] | undefined {
      const m = markerOf(marker, 'PssWalkSnapshot')
      const name = WALK_SECTIONS[walkClass]
      const section = sections[walkClass]
      if (name === undefined || section === undefined) throw new PssArchiveError(ERROR_INVALID_PARAMETER, 'PssWalkSnapshot')
      // A walk that failed at its first entry leaves no section, yet the live walk failed with its own code.
      const failure = recorded(name, 'PssWalkSnapshot')
      if (!present.has(name) && !failure) throw new PssArchiveError(ERROR_NOT_FOUND, 'PssWalkSnapshot')
      if (m.position >= section.length) {
        if (failure) throw new PssArchiveError(failure.code, 'PssWalkSnapshot', failure.name)
        return undefined
      }
      const entry = section.get(m.position)
      m.position++
      return liveShape(entry) as ArchiveWalkEntries[C]
    },

    *walk<C extends ArchiveWalkClass>(walkClass: C): Generator<ArchiveWalkEntries[C], void, undefined> {
      const marker = api.walkMarkerCreate()
      try {
        for (;;) {
          const entry = api.walkSnapshot(walkClass, marker)
          if (entry === undefined) return
          yield entry
        }
      } finally {
        api.walkMarkerFree(marker)
      }
    },
  }
  return api
}
