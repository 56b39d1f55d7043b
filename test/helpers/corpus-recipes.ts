// Recipes of the bad-input corpus (test/corpus/): each builds one damaged, hostile or foreign file with
// the hand-written builder (no code shared with format/) and says what a reader must do with it.
// test/corpus.write.test.ts writes the files and expectations.json; test/corpus.test.ts holds every reader
// to them.
import { deflateSync, gzipSync } from 'node:zlib'
import { FORMAT_MAJOR, FORMAT_MINOR } from '../../format/constants.js'
import {
  ArchiveBuilder,
  Kind,
  col,
  concatBytes,
  encode,
  minimalArchiveBuilder,
  minimalArchiveExpected,
  mp,
  preamble,
  type ChunkFields,
  type HeaderFields,
} from './build-archive.js'

/** The reader's own version, which refusals must name next to the file's. */
const READER_VERSION = `${FORMAT_MAJOR}.${FORMAT_MINOR}`
/** A minor no reader will reach soon, so `newer-minor.pssnap` stays newer than every 1.x reader. */
export const FAR_FUTURE_MINOR = 0x7fff

export type Expectation =
  | { fatal: string; reason: string; message?: string[] }
  | { opens: true; diagnostics: string[]; reason: string; entries?: Record<string, number> }

export interface CorpusRecipe {
  file: string
  expect: Expectation
  build: () => Uint8Array
}

const ascii = (s: string) => new TextEncoder().encode(s)
const X = minimalArchiveExpected
/** The four required header keys of the minimal archive: the smallest valid header. */
const HEADER: HeaderFields = { producer: X.header.producer, host: X.header.host, target: X.header.target, capture: X.header.capture }

/** A `handles` chunk of `count` File handles starting at entry `first`. */
function handles(first: number, count: number, extra: Partial<ChunkFields> = {}): ChunkFields {
  const values = Array.from({ length: count }, (_, i) => BigInt((first + i + 1) * 4))
  return {
    section: 'handles',
    first,
    count,
    columns: { handle: col.u64(values), objectType: col.u32(values.map(() => 0)), typeName: col.str(values.map(() => 'File')) },
    ...extra,
  }
}

/** The minimal archive with one byte of frame `frame`'s payload (at `at`, from the payload start) xor-ed. */
function minimalFlipped(frame: number, at: number): Uint8Array {
  const b = minimalArchiveBuilder()
  const bytes = b.finish()
  bytes[b.frames[frame]!.offset + 20 + at]! ^= 0x01
  return bytes
}

/** The minimal archive's frames (header … epilogue) as raw bytes, without preamble and trailer. */
function minimalFrames(): { bytes: Uint8Array; frameOffsets: number[] } {
  const b = minimalArchiveBuilder()
  const all = b.finish({ trailer: false })
  return { bytes: all.subarray(16), frameOffsets: b.frames.map((f) => f.offset - 16) }
}

const simple = (build: (b: ArchiveBuilder) => ArchiveBuilder, finish?: Parameters<ArchiveBuilder['finish']>[0]) => () => build(new ArchiveBuilder().header(HEADER)).finish(finish)
const ok = (reason: string, entries?: Record<string, number>): Expectation => ({ opens: true, diagnostics: [], reason, ...(entries ? { entries } : {}) })
const opens = (diagnostics: string[], reason: string, entries?: Record<string, number>): Expectation => ({ opens: true, diagnostics, reason, ...(entries ? { entries } : {}) })
const fatal = (code: string, reason: string, message?: string[]): Expectation => ({ fatal: code, reason, ...(message ? { message } : {}) })
const MINIMAL_ENTRIES = { handles: 3, threads: 2, vaSpace: 2, auxiliaryPages: 1 }

export const CORPUS: readonly CorpusRecipe[] = [
  // ---- not an archive at all (§2.1, §9 NOT_PSSNAP names what it probably is)
  { file: 'empty.pssnap', expect: fatal('EMPTY', 'zero bytes'), build: () => new Uint8Array(0) },
  {
    file: 'wrong-magic.pssnap',
    expect: fatal('NOT_PSSNAP', 'the magic\'s last letter is Q instead of P'),
    build: () => {
      const bytes = new ArchiveBuilder({ magic: Uint8Array.of(0x89, 0x50, 0x53, 0x53, 0x4e, 0x41, 0x51, 0x0a) }).header(HEADER).finish()
      return bytes
    },
  },
  {
    file: 'crlf-converted.pssnap',
    expect: fatal('NOT_PSSNAP', 'a text-mode transfer turned the magic\'s \\n into \\r\\n (what the trailing \\n is there to catch)'),
    build: () => {
      const good = new ArchiveBuilder().header(HEADER).finish()
      return concatBytes([good.subarray(0, 7), Uint8Array.of(0x0d), good.subarray(7)])
    },
  },
  {
    file: 'seven-bit.pssnap',
    expect: fatal('NOT_PSSNAP', 'a 7-bit transfer cleared the high bit of the first byte (what 0x89 is there to catch)'),
    build: () => {
      const bytes = new ArchiveBuilder().header(HEADER).finish()
      bytes[0] = 0x09
      return bytes
    },
  },
  {
    file: 'minidump.dmp',
    expect: fatal('NOT_PSSNAP', 'a Windows minidump header (MDMP)', ['minidump']),
    build: () => concatBytes([ascii('MDMP'), Uint8Array.of(0x93, 0xa7, 0, 0, 0x0d, 0, 0, 0, 0x20, 0, 0, 0), new Uint8Array(48)]),
  },
  {
    file: 'zip.zip',
    expect: fatal('NOT_PSSNAP', 'a zip local file header (PK\\3\\4)', ['zip']),
    build: () => concatBytes([Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0, 0), new Uint8Array(20), ascii('a.txt')]),
  },
  { file: 'gzip.gz', expect: fatal('NOT_PSSNAP', 'a gzip stream (1F 8B)', ['gzip']), build: () => new Uint8Array(gzipSync(ascii('not a pssnap archive\n'), { level: 9, mtime: 0 } as never)) },
  { file: 'pe.exe', expect: fatal('NOT_PSSNAP', 'a PE executable (MZ)', ['PE']), build: () => concatBytes([ascii('MZ'), Uint8Array.of(0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff), new Uint8Array(50)]) },
  { file: 'elf.bin', expect: fatal('NOT_PSSNAP', 'an ELF binary (7F E L F)', ['ELF']), build: () => concatBytes([Uint8Array.of(0x7f), ascii('ELF'), Uint8Array.of(2, 1, 1, 0), new Uint8Array(56)]) },
  { file: 'text.txt', expect: fatal('NOT_PSSNAP', 'plain text', ['text']), build: () => ascii('This is a text file, not a pssnap archive.\nIt has two lines.\n') },
  {
    file: 'json.json',
    expect: fatal('NOT_PSSNAP', 'JSON (what `pssnap info --json` prints)', ['JSON']),
    build: () => ascii(`${JSON.stringify({ schema: 'pssnap.info/1', formatVersion: '1.0', frames: 7 }, null, 2)}\n`),
  },

  // ---- preamble (§2.1: length, magic, CRC, major, in that order)
  { file: 'magic-prefix.pssnap', expect: fatal('TRUNCATED', 'the first 5 bytes of the magic, nothing else'), build: () => preamble().subarray(0, 5) },
  { file: 'truncated-preamble.pssnap', expect: fatal('TRUNCATED', '12 of the 16 preamble bytes'), build: () => preamble().subarray(0, 12) },
  { file: 'preamble-only.pssnap', expect: fatal('TRUNCATED', 'a whole preamble and no header frame'), build: () => preamble() },
  { file: 'bad-preamble-crc.pssnap', expect: fatal('CHECKSUM', 'the preamble CRC is wrong'), build: () => new ArchiveBuilder({ crc: 0x12345678 }).header(HEADER).finish() },
  {
    file: 'newer-major.pssnap',
    expect: fatal('UNSUPPORTED_VERSION', 'format 2.0: a newer major is refused, naming both versions', ['2.0', READER_VERSION]),
    build: () => new ArchiveBuilder({ major: 2 }).header(HEADER).finish(),
  },
  {
    file: 'older-major.pssnap',
    expect: fatal('UNSUPPORTED_VERSION', 'format 0.3: any major other than 1 is refused, naming both versions', ['0.3', READER_VERSION]),
    build: () => new ArchiveBuilder({ major: 0, minor: 3 }).header(HEADER).finish(),
  },

  // ---- the HEADER frame (damage there is fatal: nothing can be read without it)
  {
    file: 'truncated-header.pssnap',
    expect: fatal('TRUNCATED', 'the file ends inside the header frame\'s payload'),
    build: () => {
      const bytes = new ArchiveBuilder().header(HEADER).finish({ trailer: false })
      return bytes.subarray(0, bytes.length - 10)
    },
  },
  { file: 'header-crc.pssnap', expect: fatal('CHECKSUM', 'the header frame\'s CRC is wrong'), build: () => new ArchiveBuilder().header(HEADER, { crc: 0 }).finish() },
  { file: 'header-bad-sync.pssnap', expect: fatal('BAD_FRAME', 'no PSFR where the header frame must start'), build: () => new ArchiveBuilder().header(HEADER, { sync: ascii('PSFX') }).finish() },
  {
    file: 'header-huge-length.pssnap',
    expect: fatal('BAD_LENGTH', 'the header frame declares 0xFFFFFFF0 stored bytes, above the 256 MiB limit'),
    build: () => new ArchiveBuilder().header(HEADER, { storedLength: 0xfffffff0 }).finish(),
  },
  { file: 'missing-header.pssnap', expect: fatal('MISSING_HEADER', 'the first frame is a chunk'), build: () => new ArchiveBuilder().chunk(handles(0, 2)).finish() },
  {
    file: 'header-schema.pssnap',
    expect: fatal('SCHEMA', 'the header has no `capture` map'),
    build: () => new ArchiveBuilder().header({ producer: HEADER.producer, host: HEADER.host, target: HEADER.target }).finish(),
  },
  {
    file: 'header-deep-nesting.pssnap',
    expect: fatal('DEPTH', 'an unknown header key nests 17 containers: the header cannot be decoded'),
    build: () => new ArchiveBuilder().header({ ...HEADER, future: mp.nested(16) }).finish(),
  },

  // ---- frame-level damage after the header (§2.2–2.3: skip, report, keep what is intact)
  {
    file: 'flipped-payload-crc.pssnap',
    expect: opens(['CHECKSUM', 'GAP'], 'one payload bit of the threads chunk is flipped: that chunk is skipped, its 2 entries are missing', { ...MINIMAL_ENTRIES, threads: 0 }),
    build: () => minimalFlipped(2, 40),
  },
  {
    file: 'declared-length-beyond-file.pssnap',
    expect: opens(['TRUNCATED'], 'the threads chunk declares 1 MiB, more than the file holds: reading stops there (no trailer, so only sections with entries are known)', { handles: 3 }),
    build: () => {
      const { bytes, frameOffsets } = minimalFrames()
      const out = concatBytes([preamble(), bytes])
      new DataView(out.buffer).setUint32(16 + frameOffsets[2]! + 8, 1 << 20, true)
      return out
    },
  },
  {
    file: 'huge-declared-length.pssnap',
    expect: opens(['BAD_LENGTH', 'GAP', 'TRAILER_MISMATCH', 'TRAILER_MISMATCH'], 'a handles chunk declares 0xFFFFFFF0 bytes: skipped by resync to the next frame; the trailer counts a frame and entries that were not read', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).chunk(handles(2, 2), { storedLength: 0xfffffff0 })),
  },
  {
    file: 'damaged-length-resync.pssnap',
    expect: opens(['CHECKSUM', 'GAP', 'TRAILER_MISMATCH', 'TRAILER_MISMATCH'], 'a chunk\'s storedLength is 10 too small (CRC fails, the length does not land on a frame): resync finds the next frame that checks out; entries 2..3 are reported missing once (at the next chunk), and the skipped frame makes the trailer\'s frameCount and frameChecksum disagree (§2.3)', { handles: 4 }),
    build: () => {
      const b = new ArchiveBuilder().header(HEADER).chunk(handles(0, 2))
      const damaged = b.frames.length
      b.chunk(handles(2, 2)).chunk(handles(4, 2))
      const bytes = b.finish()
      const at = b.frames[damaged]!.offset + 8
      const view = new DataView(bytes.buffer)
      view.setUint32(at, view.getUint32(at, true) - 10, true)
      return bytes
    },
  },
  {
    file: 'unknown-frame-kind.pssnap',
    expect: opens(['UNKNOWN'], 'a private frame kind (0x8001) between chunks is skipped and listed', MINIMAL_ENTRIES),
    build: () => {
      const b = minimalArchiveBuilder()
      b.value(0x8001, { vendor: 'contoso', note: 'private frame' })
      return b.finish()
    },
  },
  {
    file: 'bad-codec.pssnap',
    expect: opens(['BAD_FRAME', 'GAP'], 'a chunk with codec 7: unknown, skipped', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).chunk(handles(2, 2), { codec: 7, decodedLength: 100 })),
  },
  {
    file: 'codec-none-length-mismatch.pssnap',
    expect: opens(['BAD_FRAME', 'GAP'], 'an uncompressed chunk whose decodedLength differs from its storedLength', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).chunk(handles(2, 2), { decodedLength: 5 })),
  },
  {
    file: 'deflate-bomb.pssnap',
    expect: opens(['DECOMPRESS', 'GAP'], 'a chunk declares 1 KiB decoded but inflates to 16 MiB: inflating stops at the declared size', { handles: 2 }),
    build: () => {
      const bomb = new Uint8Array(deflateSync(new Uint8Array(16 << 20), { level: 9 }))
      const b = new ArchiveBuilder().header(HEADER).chunk(handles(0, 2))
      b.frame({ kind: Kind.CHUNK, codec: 1, payload: bomb, decodedLength: 1024 })
      return b.finish({ trailer: { entryCounts: { handles: 4 } } })
    },
  },
  {
    file: 'deflate-short.pssnap',
    expect: opens(['DECOMPRESS', 'GAP'], 'a deflate chunk inflates to fewer bytes than its decodedLength', { handles: 2 }),
    build: () => {
      const payload = encode({ section: 'handles', first: 2, count: 0, columns: {} })
      const b = new ArchiveBuilder().header(HEADER).chunk(handles(0, 2))
      b.frame({ kind: Kind.CHUNK, codec: 1, payload: new Uint8Array(deflateSync(payload)), decodedLength: payload.length + 8 })
      return b.finish({ trailer: { entryCounts: { handles: 4 } } })
    },
  },
  {
    file: 'deflate-garbage.pssnap',
    expect: opens(['DECOMPRESS', 'GAP'], 'a chunk marked deflate whose payload is not a zlib stream', { handles: 2 }),
    build: () => {
      const b = new ArchiveBuilder().header(HEADER).chunk(handles(0, 2))
      b.frame({ kind: Kind.CHUNK, codec: 1, payload: ascii('definitely not zlib data'), decodedLength: 100 })
      return b.finish({ trailer: { entryCounts: { handles: 4 } } })
    },
  },
  {
    file: 'garbage-between-frames.pssnap',
    expect: opens(['BAD_FRAME'], '13 bytes of garbage between two chunks: reported, skipped by resync', { handles: 4 }),
    build: simple((b) => b.chunk(handles(0, 2)).raw(ascii('garbage bytes')).chunk(handles(2, 2))),
  },
  {
    file: 'unknown-frame-flags.pssnap',
    expect: ok('frame flag bits a 1.0 reader does not know are ignored', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2), { flags: 0x81 })),
  },

  // ---- order and integrity (§2.3, §4, §8)
  { file: 'missing-trailer.pssnap', expect: opens(['TRUNCATED'], 'every frame but the trailer: all entries are read', MINIMAL_ENTRIES), build: () => minimalArchiveBuilder().finish({ trailer: false }) },
  { file: 'trailing-data.pssnap', expect: opens(['TRAILING_DATA'], '4 bytes after the trailer', MINIMAL_ENTRIES), build: () => minimalArchiveBuilder().finish({ append: ascii('junk') }) },
  {
    file: 'two-trailers.pssnap',
    expect: opens(['TRAILING_DATA'], 'a second trailer after the first: reading ends at the first trailer, what follows is trailing data', MINIMAL_ENTRIES),
    build: () => {
      const once = minimalArchive()
      const b = minimalArchiveBuilder()
      const twice = b.finish()
      return concatBytes([twice, once.subarray(b.frames[b.frames.length - 1]!.offset)])
    },
  },
  { file: 'trailer-mismatch.pssnap', expect: opens(['TRAILER_MISMATCH'], 'the trailer counts 5 frames before it, there are 6', MINIMAL_ENTRIES), build: () => minimalArchiveBuilder().finish({ trailer: { frameCount: 5 } }) },
  { file: 'trailer-bad-checksum.pssnap', expect: opens(['TRAILER_MISMATCH'], 'the trailer\'s frameChecksum is wrong', MINIMAL_ENTRIES), build: () => minimalArchiveBuilder().finish({ trailer: { frameChecksum: 0xdeadbeef } }) },
  { file: 'trailer-bad-byte-length.pssnap', expect: opens(['TRAILER_MISMATCH'], 'the trailer\'s byteLength is not its own offset', MINIMAL_ENTRIES), build: () => minimalArchiveBuilder().finish({ trailer: { byteLength: 16 } }) },
  {
    file: 'trailer-more-entries.pssnap',
    expect: opens(['GAP'], 'the trailer counts 5 handles, 3 were written: 2 are missing', MINIMAL_ENTRIES),
    build: () => minimalArchiveBuilder().finish({ trailer: { entryCounts: { ...X.trailer.entryCounts, handles: 5 } } }),
  },
  {
    file: 'trailer-fewer-entries.pssnap',
    expect: opens(['TRAILER_MISMATCH'], 'the trailer counts 2 handles, 3 were read', MINIMAL_ENTRIES),
    build: () => minimalArchiveBuilder().finish({ trailer: { entryCounts: { ...X.trailer.entryCounts, handles: 2 } } }),
  },
  {
    file: 'trailer-missing-section.pssnap',
    expect: opens(['TRAILER_MISMATCH'], 'the trailer\'s entryCounts does not list threads, which has entries', MINIMAL_ENTRIES),
    build: () => minimalArchiveBuilder().finish({ trailer: { entryCounts: { handles: 3, vaSpace: 2, auxiliaryPages: 1 } } }),
  },
  {
    file: 'trailer-schema.pssnap',
    expect: opens(['SCHEMA', 'TRUNCATED'], 'the trailer payload is an array, not a map: no usable trailer', MINIMAL_ENTRIES),
    build: () => minimalArchiveBuilder().finish({ trailerPayload: encode([1, 2, 3]) }),
  },
  {
    file: 'duplicate-header.pssnap',
    expect: opens(['DUPLICATE'], 'a second header frame after the first chunk: ignored', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).header({ ...HEADER, target: { processId: 1 } })),
  },
  {
    file: 'duplicate-epilogue.pssnap',
    expect: opens(['DUPLICATE'], 'two epilogues: the second is ignored', MINIMAL_ENTRIES),
    build: () => minimalArchiveBuilder().epilogue({ finishedAt: '2030-01-01T00:00:00.000Z' }).finish(),
  },
  {
    file: 'overlapping-chunks.pssnap',
    expect: opens(['DUPLICATE'], 'two chunks both hold handles 0..1: the second is skipped', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).chunk(handles(0, 2)), { trailer: { entryCounts: { handles: 2 } } }),
  },
  {
    file: 'gap.pssnap',
    expect: opens(['GAP'], 'handles 2..2 are missing between two chunks: reported once, at the chunk after the gap; the trailer counts 4 handles, which the last chunk reaches, so it adds nothing (§4)', { handles: 3 }),
    build: simple((b) => b.chunk(handles(0, 2)).chunk(handles(3, 1)), { trailer: { entryCounts: { handles: 4 } } }),
  },
  { file: 'zero-count-chunk.pssnap', expect: ok('a chunk with count 0 (writers do not write them, readers accept them)', { handles: 2 }), build: simple((b) => b.chunk(handles(0, 2)).chunk(handles(2, 0))) },
  {
    file: 'empty-sections.pssnap',
    expect: ok('no chunks; the trailer lists every section with 0 entries', { handles: 0, threads: 0, vaSpace: 0, auxiliaryPages: 0 }),
    build: simple((b) => b.declareSection('handles').declareSection('threads').declareSection('vaSpace').declareSection('auxiliaryPages')),
  },

  // ---- payloads (§2.2: exactly one MessagePack value, ≤ 16 nested containers, no ext types)
  {
    file: 'deep-nesting.pssnap',
    expect: opens(['DEPTH', 'GAP'], 'a chunk with an unknown key nesting 17 containers (the chunk map is the first): skipped', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).value(Kind.CHUNK, { ...chunkValue(handles(2, 2)), future: mp.nested(16) }), { trailer: { entryCounts: { handles: 4 } } }),
  },
  {
    file: 'nesting-16.pssnap',
    expect: opens(['UNKNOWN'], 'a chunk with an unknown key nesting exactly 16 containers: allowed, the key is listed', { handles: 4 }),
    build: simple((b) => b.chunk(handles(0, 2)).value(Kind.CHUNK, { ...chunkValue(handles(2, 2)), future: mp.nested(15) }), { trailer: { entryCounts: { handles: 4 } } }),
  },
  {
    file: 'deep-empty-container.pssnap',
    expect: opens(['DEPTH', 'GAP'], 'an empty array as the 17th nested container is still 17 containers deep', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).value(Kind.CHUNK, { ...chunkValue(handles(2, 2)), future: mp.nested(15, []) }), { trailer: { entryCounts: { handles: 4 } } }),
  },
  {
    file: 'ext-type.pssnap',
    expect: opens(['BAD_PAYLOAD', 'GAP'], 'a chunk holding a MessagePack ext value (msgpackr would decode it as a timestamp or record)', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).value(Kind.CHUNK, { ...chunkValue(handles(2, 2)), future: mp.ext(-1, new Uint8Array(4)) }), { trailer: { entryCounts: { handles: 4 } } }),
  },
  {
    file: 'reserved-type-byte.pssnap',
    expect: opens(['BAD_PAYLOAD', 'GAP'], 'a chunk holding the never-used type byte 0xC1', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).value(Kind.CHUNK, { ...chunkValue(handles(2, 2)), future: mp.raw(Uint8Array.of(0xc1)) }), { trailer: { entryCounts: { handles: 4 } } }),
  },
  {
    file: 'payload-trailing-bytes.pssnap',
    expect: opens(['BAD_PAYLOAD', 'GAP'], 'a chunk payload is a valid map followed by one more byte', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).frame({ kind: Kind.CHUNK, payload: concatBytes([encode(chunkValue(handles(2, 2))), Uint8Array.of(0xc0)]) }), { trailer: { entryCounts: { handles: 4 } } }),
  },
  {
    file: 'payload-lying-length.pssnap',
    expect: opens(['BAD_PAYLOAD', 'GAP'], 'a str inside a chunk declares 4 GiB - 1 bytes', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).value(Kind.CHUNK, { ...chunkValue(handles(2, 2)), future: mp.raw(Uint8Array.of(0xdb, 0xff, 0xff, 0xff, 0xff), ascii('abc')) }), { trailer: { entryCounts: { handles: 4 } } }),
  },

  // ---- chunk and column shape (§4–5)
  {
    file: 'bad-str-index.pssnap',
    expect: opens(['SCHEMA', 'GAP'], 'a typeName index (3) beyond its 1-entry dictionary: the chunk is skipped', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).chunk(handles(2, 2, { columns: { handle: col.u64([12n, 16n]), typeName: col.strRaw(['File'], [1, 3]) } }))),
  },
  {
    file: 'bad-offsets.pssnap',
    expect: opens(['SCHEMA', 'GAP'], 'a contextRecord offsets array ends beyond its data: the threads chunk is skipped', { ...MINIMAL_ENTRIES, threads: 0 }),
    build: () => {
      const b = new ArchiveBuilder().header(HEADER)
      const good = col.bytes([new Uint8Array(8), null], 'x64')
      b.chunk({ section: 'threads', first: 0, count: 2, columns: { threadId: col.u32([4, 8]), contextRecord: { ...good, offsets: Uint8Array.of(0, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0) } } })
      b.chunk(handles(0, 3)).chunk({ section: 'vaSpace', first: 0, count: 2, columns: { regionSize: col.u64([0x1000n, 0x2000n]) } })
      b.chunk({ section: 'auxiliaryPages', first: 0, count: 1, columns: { pageSize: col.u32([4096]) } })
      return b.finish()
    },
  },
  {
    file: 'column-length.pssnap',
    expect: opens(['SCHEMA', 'GAP'], 'a u32 column holds 7 bytes for 2 entries: the chunk is skipped', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).chunk(handles(2, 2, { columns: { handle: col.u64([12n, 16n]), objectType: { type: 'u32', data: new Uint8Array(7) } } }))),
  },
  {
    file: 'column-wrong-type.pssnap',
    expect: opens(['SCHEMA'], '`handle` stored as u32 instead of u64: that column is dropped, the chunk kept', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2, { columns: { handle: col.u32([4, 8]), typeName: col.str(['File', 'Key']) } }))),
  },
  {
    file: 'unknown-column-unknown-type.pssnap',
    expect: opens(['UNKNOWN'], 'an unknown column with a type no 1.0 reader knows (`f32`): listed and dropped, the chunk kept (spec §5)', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2, { columns: { handle: col.u64([4n, 8n]), temperature: { type: 'f32', data: new Uint8Array(8) } } }))),
  },
  {
    file: 'unknown-section.pssnap',
    expect: opens(['UNKNOWN'], 'a chunk of section `modules`, unknown to 1.0: skipped and listed', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).chunk({ section: 'modules', first: 0, count: 1, columns: { name: col.str(['ntdll.dll']) } })),
  },
  {
    file: 'sparse-bad-rows.pssnap',
    expect: opens(['SCHEMA', 'GAP'], 'a sparse group\'s rows are not strictly increasing: the chunk is skipped', { handles: 0 }),
    build: simple((b) =>
      b.chunk(handles(0, 3, { sparse: { 'typeSpecificInformation.event': { rows: [2, 1], columns: { manualReset: col.i32([1, 0]), signaled: col.i32([0, 0]) } } } })),
    ),
  },
  {
    file: 'sparse-unknown-group.pssnap',
    expect: opens(['UNKNOWN'], 'a sparse group `typeSpecificInformation.job`, unknown to 1.0: listed once as a whole, the chunk kept', { handles: 3 }),
    build: simple((b) => b.chunk(handles(0, 3, { sparse: { 'typeSpecificInformation.job': { rows: [1], columns: { activeProcesses: col.u32([3]) } } } }))),
  },
  {
    file: 'sparse-column-length.pssnap',
    expect: opens(['SCHEMA', 'GAP'], 'a sparse group lists 1 row but its column holds 2 values: the chunk is skipped', { handles: 0 }),
    build: simple((b) => b.chunk(handles(0, 3, { sparse: { 'typeSpecificInformation.event': { rows: [1], columns: { manualReset: col.i32([1, 0]) } } } }))),
  },

  // ---- compatible oddities every reader must take (§1, §2.2, §10)
  {
    file: 'newer-minor.pssnap',
    expect: opens(
      ['NEWER_MINOR', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN'],
      `format 1.${FAR_FUTURE_MINOR} with an unknown header key, an unknown column, an unknown sparse group, an unknown section and an unknown frame kind (5): read, each listed (one UNKNOWN per frame: the column and the group share their chunk's)`,
      { handles: 3 },
    ),
    build: () =>
      new ArchiveBuilder({ minor: FAR_FUTURE_MINOR })
        .header({ ...HEADER, moduleInformation: { moduleCount: 2 } })
        .chunk(handles(0, 3, { columns: { ...handles(0, 3).columns, integrityLevel: col.u32([0x2000, 0x2000, 0x3000]) }, sparse: { 'typeSpecificInformation.job': { rows: [0], columns: { activeProcesses: col.u32([1]) } } } }))
        .chunk({ section: 'modules', first: 0, count: 2, columns: { name: col.str(['ntdll.dll', 'kernel32.dll']) } })
        .value(5, { future: 'frame kind 5, reserved for later minors' })
        .finish(),
  },
  {
    file: 'proto-keys.pssnap',
    expect: opens(
      ['UNKNOWN', 'UNKNOWN'],
      '`__proto__`, `constructor` and `prototype` keys in the header, the chunk map, its columns map and a column map: plain unknown keys (one UNKNOWN for the header, one for the chunk: its own keys and 2 columns), never object machinery; keys inside a column map are ignored',
      { handles: 2 },
    ),
    build: protoKeys,
  },
  {
    file: 'invalid-utf8.pssnap',
    expect: ok('an objectName with invalid UTF-8 bytes is read with U+FFFD replacements', { handles: 1 }),
    build: simple((b) => b.chunk({ section: 'handles', first: 0, count: 1, columns: { handle: col.u64([4n]), objectName: { type: 'str', data: Uint8Array.of(1, 0, 0, 0), dict: [mp.strBytes(Uint8Array.of(0x41, 0xff, 0xfe, 0x42))] as never } } })),
  },
  {
    file: 'duplicate-map-key.pssnap',
    expect: ok('the header repeats `target`: readers keep the last', {}),
    build: () =>
      new ArchiveBuilder()
        .value(Kind.HEADER, mp.map([['producer', HEADER.producer!], ['host', HEADER.host!], ['target', { processId: 1 }], ['capture', HEADER.capture!], ['target', { processId: 4242 }]]))
        .finish(),
  },
  {
    file: 'int-widths.pssnap',
    expect: ok('integers in wider formats than needed (u64 for a pid, i64 for a count, u8 for a timing that is float64 in the spec)', { handles: 2 }),
    build: () =>
      new ArchiveBuilder()
        .header({ ...HEADER, target: { processId: mp.int(4242, 'u64') as never }, handleInformation: { handlesCaptured: mp.int(2, 'i64') as never } })
        .chunk({ section: 'handles', first: mp.int(0, 'u32') as never, count: mp.int(2, 'i16') as never, columns: { handle: col.u64([4n, 8n]) } })
        .value(Kind.EPILOGUE, { timings: { captureMs: mp.int(12, 'u8') } })
        // The builder cannot add up MpRaw counts: the trailer's are given.
        .finish({ trailer: { entryCounts: { handles: mp.int(2, 'u64') as never } } }),
  },

  // ---- the spec as a contract for other readers (issue 18 item 8; ARCHIVE.md §1–2.4, §4–6, §9). Each
  // question and the file that answers it: test/spec-contract.test.ts.
  {
    file: 'gap-middle-and-tail.pssnap',
    expect: opens(['GAP', 'GAP'], 'handles 2..2 lost between chunks (GAP at the next chunk) and 4..5 lost at the end (GAP at the trailer, which counts 6): each range reported once (§2.3)', { handles: 3 }),
    build: simple((b) => b.chunk(handles(0, 2)).chunk(handles(3, 1)), { trailer: { entryCounts: { handles: 6 } } }),
  },
  {
    file: 'resync-false-marker.pssnap',
    expect: opens(['BAD_FRAME'], 'garbage holding a `PSFR` that starts no intact frame: resync passes over that candidate silently and accepts the next frame that checks out (§2.3)', { handles: 4 }),
    build: simple((b) => b.chunk(handles(0, 2)).raw(concatBytes([ascii('xx'), ascii('PSFR'), new Uint8Array(16).fill(7), ascii('garbage')])).chunk(handles(2, 2))),
  },
  {
    file: 'resync-budget-exhausted.pssnap',
    expect: opens(['BAD_FRAME', 'TRUNCATED'], '65 false `PSFR` markers after garbage: the 64 resync candidates run out before the next real frame, so reading stops: TRUNCATED, no trailer (§2.3)', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).raw(concatBytes([ascii('xx'), ...Array.from({ length: 65 }, () => ascii('PSFR.'))])).chunk(handles(2, 2))),
  },
  {
    file: 'resync-nothing-after.pssnap',
    expect: opens(['CHECKSUM', 'TRUNCATED'], 'the last chunk\'s CRC fails and its length lands on no frame (the trailer is cut off): resync finds no intact frame: TRUNCATED (§2.3)', { handles: 2 }),
    build: () => {
      const b = new ArchiveBuilder().header(HEADER).chunk(handles(0, 2))
      const damaged = b.frames.length
      b.chunk(handles(2, 2))
      const bytes = b.finish({ trailer: false })
      bytes[b.frames[damaged]!.offset + 30]! ^= 0x01
      return concatBytes([bytes, ascii('tail')])
    },
  },
  {
    file: 'deflate-trailing-bytes.pssnap',
    expect: ok('a deflate chunk whose stored bytes go on 3 bytes after the end of its zlib stream: covered by the CRC, ignored (§2.2)', { handles: 1 }),
    build: () => {
      const payload = encode(chunkValue({ section: 'handles', first: 0, count: 1, columns: { handle: col.u64([4n]) } }))
      const b = new ArchiveBuilder().header(HEADER)
      b.frame({ kind: Kind.CHUNK, codec: 1, payload: concatBytes([new Uint8Array(deflateSync(payload)), Uint8Array.of(1, 2, 3)]), decodedLength: payload.length })
      return b.finish({ trailer: { entryCounts: { handles: 1 } } })
    },
  },
  {
    file: 'trailer-crc.pssnap',
    expect: opens(['CHECKSUM', 'TRUNCATED'], 'the trailer\'s CRC fails (its length lands on the end of the file): an unusable trailer is treated as absent (§2.3)', MINIMAL_ENTRIES),
    build: () => minimalArchiveBuilder().finish({ trailerFrame: { crc: 0x1234 } }),
  },
  {
    file: 'trailer-float-count.pssnap',
    expect: opens(['SCHEMA', 'TRUNCATED'], 'the trailer\'s handles count is float64 3.0: a float where a uint belongs is SCHEMA even when integral, and the trailer is treated as absent (§2.2)', MINIMAL_ENTRIES),
    build: () => minimalArchiveBuilder().finish({ trailer: { entryCounts: { ...X.trailer.entryCounts, handles: mp.f64(3) as never } } }),
  },
  {
    file: 'float-chunk-count.pssnap',
    expect: opens(['SCHEMA', 'GAP'], 'a chunk\'s `count` is float64 2.0: SCHEMA, the chunk is skipped and its entries reported missing (§2.2)', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).value(Kind.CHUNK, { ...chunkValue(handles(2, 2)), count: mp.f64(2) }), { trailer: { entryCounts: { handles: 4 } } }),
  },
  {
    file: 'float-header-pid.pssnap',
    expect: fatal('SCHEMA', 'the header\'s target.processId is float64 4242.0: SCHEMA, fatal in the header (§1, §2.2)'),
    build: () => new ArchiveBuilder().header({ ...HEADER, target: { processId: mp.f64(4242) as never } }).finish(),
  },
  {
    file: 'epilogue-nil-member.pssnap',
    expect: opens(['SCHEMA'], 'the epilogue\'s optional `finishedAt` is present as nil: absent and nil differ, nil is SCHEMA and the epilogue is ignored (§1)', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).value(Kind.EPILOGUE, { finishedAt: null })),
  },
  {
    file: 'chunk-missing-count.pssnap',
    expect: opens(['SCHEMA', 'GAP'], 'a chunk without its required `count`: SCHEMA, skipped, its entries missing (§1, §4)', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).value(Kind.CHUNK, { section: 'handles', first: 2, columns: handles(2, 2).columns }), { trailer: { entryCounts: { handles: 4 } } }),
  },
  {
    file: 'unknown-nested-keys.pssnap',
    expect: opens(['UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN'], 'unknown keys at every level: the header (and its `target`), a chunk (a column, a known sparse group\'s column), a second chunk (its own key), the epilogue (in captureErrors elements) and the trailer: one UNKNOWN per frame; what an unknown key holds is not listed (§9)', { handles: 2 }),
    build: () =>
      new ArchiveBuilder()
        .header({ ...HEADER, target: { ...HEADER.target!, integrity: 'high' } as never, future: { inner: { deeper: 1 } } })
        .chunk(handles(0, 2, { columns: { ...handles(0, 2).columns, integrityLevel: col.u32([1, 2]) }, sparse: { 'typeSpecificInformation.process': { rows: [0], columns: { processId: col.u32([7]), jobId: col.u32([9]) } } } }))
        .value(Kind.CHUNK, { ...chunkValue(handles(2, 0)), note: 'x' })
        .epilogue({ captureErrors: [{ section: 'handles', operation: 'PssWalkSnapshot', code: 1, message: 'a', hint: 'x' } as never, { section: 'threads', operation: 'PssWalkSnapshot', code: 2, message: 'b', hint: 'y' } as never] })
        .finish({ trailer: { entryCounts: { handles: 2 }, note: 'extra' } as never }),
  },
  {
    file: 'trailer-unknown-section.pssnap',
    expect: opens(['UNKNOWN'], 'the trailer counts a section this reader does not know (`modules`): listed as an unknown section, its count not checked (§8)', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)), { trailer: { entryCounts: { handles: 2, modules: 5 } } }),
  },
  {
    file: 'mixed-context-architectures.pssnap',
    expect: ok('three threads chunks: contexts of x64, of x86, and of no stated architecture (the header\'s target, arm64): each decoded with its own chunk\'s (§6.2)', { threads: 3 }),
    build: () => {
      const context = (size: number, pcOffset: number, pc: bigint) => {
        const bytes = new Uint8Array(size)
        new DataView(bytes.buffer).setBigUint64(pcOffset, pc, true)
        return bytes
      }
      const x86 = new Uint8Array(716)
      new DataView(x86.buffer).setUint32(184, 0x2222, true)
      const thread = (first: number, id: number, bytes: Uint8Array, architecture?: string) => ({ section: 'threads', first, count: 1, columns: { threadId: col.u32([id]), contextRecord: col.bytes([bytes], architecture) } })
      return new ArchiveBuilder()
        .header({ ...HEADER, target: { ...HEADER.target!, architecture: 'arm64' } })
        .chunk(thread(0, 100, context(1232, 248, 0x1111n), 'x64'))
        .chunk(thread(1, 101, x86, 'x86'))
        .chunk(thread(2, 102, context(912, 264, 0x3333n)))
        .finish()
    },
  },
  {
    file: 'filetime-edges.pssnap',
    expect: ok('creationTime one tick before 1970, 9,999,999 ticks before 1970, at 10000-01-01, the largest u64, and 1 tick after 1601: ISO of the millisecond each falls in, extended years above 9999 (JSON.md)', { handles: 5 }),
    build: simple((b) =>
      b.chunk({ section: 'handles', first: 0, count: 5, columns: { handle: col.u64([4n, 8n, 12n, 16n, 20n]), creationTime: col.u64([116444735999999999n, 116444735990000001n, 2650467744000000000n, 0xffffffffffffffffn, 1n]) } }),
    ),
  },
  {
    file: 'type-specific-two-groups.pssnap',
    expect: ok('a Process handle listed in both the process and the thread sparse groups: read as stored, both members returned (§6.1)', { handles: 2 }),
    build: simple((b) =>
      b.chunk(handles(0, 2, {
        columns: { handle: col.u64([4n, 8n]), objectType: col.u32([1, 2]) },
        sparse: { 'typeSpecificInformation.process': { rows: [0], columns: { processId: col.u32([77]) } }, 'typeSpecificInformation.thread': { rows: [0], columns: { threadId: col.u32([88]) } } },
      })),
    ),
  },
  {
    file: 'zero-count-bytes-column.pssnap',
    expect: ok('a threads chunk with count 0 whose contextRecord column has empty data and offsets of one u32 0 (§5.3)', { handles: 2, threads: 0 }),
    build: simple((b) => b.chunk(handles(0, 2)).chunk({ section: 'threads', first: 0, count: 0, columns: { contextRecord: { type: 'bytes', data: new Uint8Array(0), offsets: new Uint8Array(4) } } })),
  },
  {
    file: 'zero-count-bytes-empty-offsets.pssnap',
    expect: opens(['SCHEMA'], 'the same with empty offsets: count + 1 = 1 offset is required, so SCHEMA (no entries are lost) (§5.3)', { handles: 2, threads: 0 }),
    build: simple((b) => b.chunk(handles(0, 2)).chunk({ section: 'threads', first: 0, count: 0, columns: { contextRecord: { type: 'bytes', data: new Uint8Array(0), offsets: new Uint8Array(0) } } })),
  },
  {
    file: 'unknown-kind-unknown-codec.pssnap',
    expect: opens(['UNKNOWN'], 'a frame of an unknown kind (6) with an unknown codec (9): skipped after its CRC check whatever its codec; unknown content is never damage (§2.2, STABILITY.md)', MINIMAL_ENTRIES),
    build: () => {
      const b = minimalArchiveBuilder()
      b.frame({ kind: 6, codec: 9, payload: ascii('a later minor\'s codec'), decodedLength: 4096 })
      return b.finish()
    },
  },
  {
    file: 'unbacked-rows.pssnap',
    expect: opens(['SCHEMA', 'GAP'], 'a chunk claims 1,000,000 handles and holds only a column of an unknown type: no checked column backs its entries, so SCHEMA, skipped (§2.4)', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).chunk({ section: 'handles', first: 2, count: 1_000_000, columns: { temperature: { type: 'f32', data: new Uint8Array(8) } } })),
  },
  {
    file: 'unknown-column-backs-rows.pssnap',
    expect: opens(['UNKNOWN'], 'a chunk whose only column is unknown but of a known type with the right length: its entries are backed, read (with no fields) and the column listed (§2.4, §5)', { handles: 3 }),
    build: simple((b) => b.chunk({ section: 'handles', first: 0, count: 3, columns: { integrityLevel: col.u32([1, 2, 3]) } })),
  },
  {
    file: 'column-missing-data.pssnap',
    expect: opens(['SCHEMA', 'GAP'], 'a column map without its required `data`: SCHEMA, the chunk skipped (§1, §5)', { handles: 2 }),
    build: simple((b) => b.chunk(handles(0, 2)).chunk(handles(2, 2, { columns: { handle: col.u64([12n, 16n]), objectType: { type: 'u32' } as never } }))),
  },
  {
    file: 'sparse-group-missing-columns.pssnap',
    expect: opens(['SCHEMA', 'GAP'], 'a known sparse group without its required `columns`: SCHEMA, the chunk skipped (§1, §5.4)', { handles: 0 }),
    build: simple((b) => b.value(Kind.CHUNK, { ...chunkValue(handles(0, 2)), sparse: { 'typeSpecificInformation.event': { rows: col.u32([1]).data } } }), { trailer: { entryCounts: { handles: 2 } } }),
  },
  {
    file: 'chunk-repeated-section.pssnap',
    expect: ok('a chunk map repeats `section` (`modules`, then `handles`): the last value counts, as for any repeated key (§2.2)', { handles: 2 }),
    build: simple((b) => b.value(Kind.CHUNK, mp.map([['section', 'modules'], ['first', 0], ['count', 2], ['columns', handles(0, 2).columns], ['section', 'handles']])), { trailer: { entryCounts: { handles: 2 } } }),
  },
  {
    file: 'long-string.pssnap',
    expect: opens(['SCHEMA', 'GAP'], 'an objectName of 1 MiB + 1 bytes (deflated): above the 1 MiB limit on strings, SCHEMA, the chunk skipped (§2.2)', { handles: 2 }),
    build: () => {
      const payload = encode(chunkValue({ section: 'handles', first: 2, count: 1, columns: { handle: col.u64([12n]), objectName: col.str(['A'.repeat((1 << 20) + 1)]) } }))
      const b = new ArchiveBuilder().header(HEADER).chunk(handles(0, 2))
      b.frame({ kind: Kind.CHUNK, codec: 1, payload: new Uint8Array(deflateSync(payload, { level: 9 })), decodedLength: payload.length })
      return b.finish({ trailer: { entryCounts: { handles: 3 } } })
    },
  },
]

/** The CHUNK map the builder writes for `c`, as a plain object to extend with extra keys. */
function chunkValue(c: ChunkFields): Record<string, never> {
  return { section: c.section, first: c.first, count: c.count, columns: c.columns } as never
}

function protoKeys(): Uint8Array {
  const header = mp.map([
    ['producer', HEADER.producer!],
    ['host', HEADER.host!],
    ['target', HEADER.target!],
    ['capture', HEADER.capture!],
    ['__proto__', { polluted: 'header' }],
    ['constructor', { polluted: 'header' }],
    ['prototype', { polluted: 'header' }],
  ])
  const column = mp.map([
    ['type', 'u64'],
    ['data', col.u64([4n, 8n]).data],
    ['__proto__', { polluted: 'column' }],
    ['constructor', 'column'],
  ])
  const chunk = mp.map([
    ['section', 'handles'],
    ['first', 0],
    ['count', 2],
    ['columns', mp.map([['handle', column], ['__proto__', { type: 'u32', data: new Uint8Array(8) }], ['prototype', col.u32([1, 2])]])],
    ['__proto__', { polluted: 'chunk' }],
    ['constructor', 'chunk'],
  ])
  const b = new ArchiveBuilder().value(Kind.HEADER, header)
  b.frame({ kind: Kind.CHUNK, payload: encode(chunk) })
  return b.finish({ trailer: { entryCounts: { handles: 2 } } })
}

function minimalArchive(): Uint8Array {
  return minimalArchiveBuilder().finish()
}
