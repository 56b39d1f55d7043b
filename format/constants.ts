// Byte-level constants of spec/ARCHIVE.md §2. Changing any of these is a new major version.

export const FORMAT_MAJOR = 1
// The newest minor this code reads and writes; a writer declares the lowest one its columns need (§10).
export const FORMAT_MINOR = 3

export const MAGIC = Uint8Array.of(0x89, 0x50, 0x53, 0x53, 0x4e, 0x41, 0x50, 0x0a) // "\x89PSSNAP\n"
export const PREAMBLE_LENGTH = 16

export const FRAME_SYNC = Uint8Array.of(0x50, 0x53, 0x46, 0x52) // "PSFR"
export const FRAME_HEADER_LENGTH = 20

export const FrameKind = { HEADER: 1, CHUNK: 2, EPILOGUE: 3, TRAILER: 4 } as const
export type KnownFrameKind = (typeof FrameKind)[keyof typeof FrameKind]

export const Codec = { NONE: 0, DEFLATE: 1 } as const
export type CodecId = (typeof Codec)[keyof typeof Codec]

/** Readers refuse frames declaring more than this (stored or decoded), before allocating anything. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024
export const MAX_CHUNK_ENTRIES = 1 << 20
/**
 * Default limit on an archive's total decoded payload (spec §2.4): ten times the largest capture measured
 * (a 1M-entry archive decodes to ~110 MB), and within the reading budget (150 MB + 4 × decoded bytes ≈
 * 4.4 GB at the limit) of an ordinary 8 GB machine.
 */
export const DEFAULT_MAX_DECODED_BYTES = 1024 * 1024 * 1024
export const MAX_NESTING = 16
/**
 * Longest `str` value a reader decodes where the format defines the key (spec §2.2): 1 MiB of UTF-8, ten
 * times the longest string PSS can return (UNICODE_STRING: 32,767 UTF-16 units, at most 98,301 UTF-8
 * bytes), so one name cannot make every JSON rendering of it hundreds of megabytes.
 */
export const MAX_STRING_BYTES = 1 << 20
/** Resync after damage tries at most this many candidate frame starts, so hostile files stay linear. */
export const MAX_RESYNC_CANDIDATES = 64

export const SECTION_NAMES = ['handles', 'threads', 'vaSpace', 'auxiliaryPages'] as const
export type SectionName = (typeof SECTION_NAMES)[number]
