// What an opened archive is missing: one answer for every verb (info, validate, the list verbs, export,
// redact, diff, trend), so none of them can present a truncated or damaged archive as if it were whole.
// Platform-free.
import type { Archive } from './archive.js'

/** The sections of format 1.x this reader knows, in the spec's order. */
export const KNOWN_SECTIONS = ['handles', 'threads', 'vaSpace', 'auxiliaryPages'] as const
export type KnownSection = (typeof KNOWN_SECTIONS)[number]

/** What one section holds compared with what the archive says it should. */
// Type aliases, not interfaces: they are plain JSON (assignable to a JSON value type).
export type SectionDamage = {
  /** Every entry the archive promised was read, and no error names this section. */
  complete: boolean
  entriesRead: number
  /**
   * What should be there: the trailer's count, or without a trailer the header's query result
   * (`handlesCaptured`, `threadsCaptured`, `regionCount`, `auxPagesCaptured`); null when neither says.
   */
  entriesExpected: number | null
  /** Errors naming this section other than the count checks (a chunk skipped for its schema or overlap). */
  chunksLost: number
}

/**
 * `archiveDamage(archive)`: a JSON-able summary of what is missing (spec/JSON.md, "damage").
 * - `complete`: the trailer is present and consistent, no error diagnostic, every section complete.
 * - `trailer`: `present` (read and agreeing), `missing` (truncated or its frame lost), `mismatch` (read but
 *   disagreeing with what was read: counts, frame checksum, offset).
 * - `sections`: every section the archive captured (`sectionCaptured`). A section that was not captured is
 *   absent: absence is not damage.
 * - `chunksLost`: chunk frames that failed (checksum, length, payload, schema), whatever their section:
 *   a frame whose checksum fails cannot say which section it held.
 * - `diagnostics`: how many error and warning diagnostics were found.
 */
export type ArchiveDamage = {
  complete: boolean
  trailer: 'present' | 'missing' | 'mismatch'
  sections: Record<string, SectionDamage>
  chunksLost: number
  diagnostics: { errors: number; warnings: number }
}

const CHUNK_FRAME = 2

/** What the header's query result says a section holds (the count when the trailer is not usable). */
export function headerExpected(archive: Archive, section: KnownSection): number | undefined {
  const h = archive.header
  switch (section) {
    case 'handles':
      return h.handleInformation?.handlesCaptured
    case 'threads':
      return h.threadInformation?.threadsCaptured
    case 'vaSpace':
      return h.vaSpaceInformation?.regionCount
    case 'auxiliaryPages':
      return h.auxiliaryPagesInformation?.auxPagesCaptured
  }
}

/** PSS_CAPTURE_FLAGS bit asking for each walked section (aux pages have none: they come with the VA clone). */
const CAPTURE_FLAG: Readonly<Partial<Record<KnownSection, number>>> = { handles: 0x4, threads: 0x80, vaSpace: 0x800 }

/**
 * Whether a section was captured: listed by the trailer or holding chunks, with a header query result, or,
 * when the trailer is lost, asked for by the capture flags. A section that was not captured is shown as
 * "not captured" (null in JSON), never as 0 entries, and is not damage.
 */
export function sectionCaptured(archive: Archive, section: KnownSection): boolean {
  if (archive.sectionNames.includes(section) || headerExpected(archive, section) !== undefined) return true
  const flag = CAPTURE_FLAG[section]
  return !archive.trailer && flag !== undefined && (archive.header.capture.captureFlags & flag) !== 0
}

/** The trailer's count for a section, by own property only (section names come from the archive). */
function trailerCount(archive: Archive, section: string): number | undefined {
  const counts = archive.trailer?.entryCounts
  return counts && Object.hasOwn(counts, section) ? counts[section] : undefined
}

export function archiveDamage(archive: Archive): ArchiveDamage {
  let errors = 0
  let warnings = 0
  let trailerMismatch = false
  const sectionErrors = new Map<string, number>()
  for (const d of archive.diagnostics) {
    if (d.severity === 'warning') warnings++
    if (d.severity !== 'error') continue
    errors++
    if (d.code === 'TRAILER_MISMATCH') trailerMismatch = true
    if (d.section !== undefined) sectionErrors.set(d.section, (sectionErrors.get(d.section) ?? 0) + 1)
  }
  const trailer = !archive.trailer ? 'missing' : trailerMismatch ? 'mismatch' : 'present'
  let chunksLost = 0
  for (const f of archive.frames) if (!f.ok && f.kind === CHUNK_FRAME) chunksLost++

  const sections: Record<string, SectionDamage> = {}
  let allComplete = true
  for (const name of KNOWN_SECTIONS) {
    if (!sectionCaptured(archive, name)) continue
    const fromHeader = headerExpected(archive, name)
    const entriesRead = archive.section(name)!.length
    // A section's own errors (GAP, SCHEMA, DUPLICATE) are counted once each; GAP is not a lost chunk.
    const own = archive.diagnostics.filter((d) => d.severity === 'error' && d.section === name && d.code !== 'GAP' && d.code !== 'TRAILER_MISMATCH').length
    // The trailer counts what was written; a section it does not list had nothing written (the header's
    // query result is what PSS captured, and a shortfall there is a capture error, not damage).
    const expected = archive.trailer ? (trailerCount(archive, name) ?? 0) : (fromHeader ?? null)
    const complete = expected !== null && expected === entriesRead && !sectionErrors.has(name)
    if (!complete) allComplete = false
    sections[name] = { complete, entriesRead, entriesExpected: expected, chunksLost: own }
  }
  return { complete: allComplete && trailer === 'present' && errors === 0, trailer, sections, chunksLost, diagnostics: { errors, warnings } }
}

const SECTION_WORDS: Readonly<Record<KnownSection, string>> = { handles: 'handles', threads: 'threads', vaSpace: 'regions', auxiliaryPages: 'aux pages' }

/**
 * The one human line saying what is missing, or undefined when the archive is complete. `fileLabel` is
 * shown as given: the caller passes it through the display sanitiser (it may come from a user's path).
 * Example: `warning: trunc.pssnap is damaged: regions incomplete (185 of 200 entries), trailer missing; results below are partial`.
 */
export function damageLine(damage: ArchiveDamage, fileLabel: string): string | undefined {
  if (damage.complete) return undefined
  const parts: string[] = []
  for (const name of KNOWN_SECTIONS) {
    if (!Object.hasOwn(damage.sections, name)) continue
    const s = damage.sections[name]!
    if (s.complete) continue
    const word = SECTION_WORDS[name]
    if (s.entriesExpected === null) parts.push(`${word} incomplete (${s.entriesRead} entries read, count unknown)`)
    else if (s.entriesRead > s.entriesExpected) parts.push(`${word} inconsistent (${s.entriesRead} entries read, ${s.entriesExpected} expected)`)
    else parts.push(`${word} incomplete (${s.entriesRead} of ${s.entriesExpected} entries)`)
  }
  if (damage.chunksLost) parts.push(`${damage.chunksLost} chunk${damage.chunksLost === 1 ? '' : 's'} lost`)
  if (damage.trailer !== 'present') parts.push(`trailer ${damage.trailer}`)
  if (parts.length === 0) parts.push(`${damage.diagnostics.errors} error${damage.diagnostics.errors === 1 ? '' : 's'} (see 'pssnap validate')`)
  return `warning: ${fileLabel} is damaged: ${parts.join(', ')}; results below are partial`
}
