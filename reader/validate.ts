// Full validation: every checksum, length, payload and column, every problem reported (not just the
// first), with bounded memory even on a stream: chunks are checked and dropped, never kept.
import { ArchiveError, decodeArchiveEvents, type DecodeOptions, type Diagnostic, type FrameInfo, type UnknownContent } from '../format/index.js'
import { toByteInput, type ArchiveSource } from './open.js'

export interface ValidationReport {
  /** No diagnostic of error severity. */
  ok: boolean
  version?: { major: number; minor: number }
  diagnostics: Diagnostic[]
  frames: FrameInfo[]
  /** Entries read per section (what is recoverable). */
  entries: Record<string, number>
  /** Bytes of the input covered by whole, intact frames (with the preamble). */
  recoveredBytes: number
  byteLength: number
  hasTrailer: boolean
  unknown: UnknownContent
}

export async function validateArchive(source: ArchiveSource, options: DecodeOptions = {}): Promise<ValidationReport> {
  const report: ValidationReport = {
    ok: true,
    diagnostics: [],
    frames: [],
    entries: {},
    recoveredBytes: 0,
    byteLength: 0,
    hasTrailer: false,
    unknown: { frameKinds: {}, sections: [], fields: [] },
  }
  try {
    for await (const e of decodeArchiveEvents(await toByteInput(source), { ...options, transient: true })) {
      switch (e.type) {
        case 'header':
          report.version = e.version
          break
        case 'chunk':
          report.entries[e.chunk.section] = (report.entries[e.chunk.section] ?? 0) + e.chunk.count
          break
        case 'trailer':
          report.hasTrailer = true
          for (const name of Object.keys(e.trailer.entryCounts)) report.entries[name] ??= 0
          break
        case 'frame':
          report.frames.push(e.frame)
          // The preamble was intact if a frame was reached; then every intact frame counts (a damaged
          // frame in the middle does not, even when frames after it are read).
          if (report.recoveredBytes === 0) report.recoveredBytes = 16
          if (e.frame.ok) report.recoveredBytes += 20 + e.frame.storedLength
          break
        case 'diagnostic':
          report.diagnostics.push(e.diagnostic)
          break
        case 'end':
          report.unknown = e.unknown
          report.byteLength = e.byteLength
          break
      }
    }
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error
    // Fatal: the decoder's diagnostics end with the fatal one; keep any we had not seen yet.
    for (const d of error.diagnostics) if (!report.diagnostics.includes(d)) report.diagnostics.push(d)
    if (!report.diagnostics.some((d) => d.code === error.code)) report.diagnostics.push({ code: error.code, severity: 'error', message: error.message })
  }
  report.ok = !report.diagnostics.some((d) => d.severity === 'error')
  return report
}
