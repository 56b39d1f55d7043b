// Stable error and diagnostic codes of spec/ARCHIVE.md §9. Programs branch on `code`, never on message text.

export const ARCHIVE_ERROR_CODES = [
  'EMPTY',
  'NOT_PSSNAP',
  'UNSUPPORTED_VERSION',
  'NEWER_MINOR',
  'TRUNCATED',
  'CHECKSUM',
  'BAD_FRAME',
  'BAD_LENGTH',
  'DECOMPRESS',
  'BAD_PAYLOAD',
  'DEPTH',
  'SCHEMA',
  'MISSING_HEADER',
  'DUPLICATE',
  'GAP',
  'TRAILER_MISMATCH',
  'TRAILING_DATA',
  'UNKNOWN',
  'TOO_LARGE',
] as const

export type ArchiveErrorCode = (typeof ARCHIVE_ERROR_CODES)[number]

export type Severity = 'error' | 'warning' | 'info'

/** A problem found while reading; the archive still opened with everything that was intact. */
export interface Diagnostic {
  code: ArchiveErrorCode
  severity: Severity
  message: string
  /** Byte offset in the file where the problem was found. */
  offset?: number
  /** Index of the frame concerned (0 = first frame after the preamble). */
  frame?: number
  section?: string
}

/** Thrown when an archive cannot be opened at all (or, in strict mode, on the first error diagnostic). */
export class ArchiveError extends Error {
  override name = 'ArchiveError'
  readonly code: ArchiveErrorCode
  readonly offset: number | undefined
  /** Everything found before giving up, the fatal problem last. */
  readonly diagnostics: readonly Diagnostic[]

  constructor(code: ArchiveErrorCode, message: string, options: { offset?: number; diagnostics?: readonly Diagnostic[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.offset = options.offset
    this.diagnostics = options.diagnostics ?? []
  }
}

export function isArchiveError(value: unknown): value is ArchiveError {
  return value instanceof ArchiveError
}
