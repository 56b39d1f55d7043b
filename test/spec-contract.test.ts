// The spec as a contract for other readers (issue 18 item 8): each question a second reader written from
// spec/ARCHIVE.md and JSON.md alone would have to answer, the section that answers it, and the corpus file
// (test/corpus/, built by test/helpers/corpus-recipes.ts) that shows the answer. test/corpus.test.ts holds
// every reader path to each file's diagnostic codes; this file checks what the codes alone do not show.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ArchiveError, archiveInfoToJson, entryToJson, openArchive, validateArchive, type Archive } from '../reader/index.js'
import { filetimeToIso } from '../reader/json.js'
import { ArchiveBuilder, col, minimalArchive, minimalArchiveExpected as X } from './helpers/build-archive.js'

const DIR = new URL('./corpus/', import.meta.url)
const bytesOf = (file: string) => new Uint8Array(readFileSync(new URL(file, DIR)))
const open = (file: string) => openArchive(bytesOf(file))
const codes = (a: Archive) => a.diagnostics.map((d) => d.code)
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as ArchiveError)
const HEADER = { producer: X.header.producer, host: X.header.host, target: X.header.target, capture: X.header.capture }

describe('§2.3 lost entries: GAP or TRAILER_MISMATCH, and where', () => {
  it('a range lost between chunks is one GAP at the next chunk; a range lost at the end one GAP at the trailer', async () => {
    const a = await open('gap-middle-and-tail.pssnap')
    const gaps = a.diagnostics.filter((d) => d.code === 'GAP')
    const trailerFrame = a.frames.find((f) => f.kind === 4)!.index
    expect(gaps.map((g) => [g.frame, /entries (\d+\.\.\d+)/.exec(g.message)?.[1]])).toEqual([
      [2, '2..2'],
      [trailerFrame, '4..5'],
    ])
  })

  it('a gap between chunks that the last chunk closes adds nothing at the trailer', async () => {
    expect(codes(await open('gap.pssnap'))).toEqual(['GAP'])
  })

  it('the trailer counting more entries than were read is a GAP, fewer a TRAILER_MISMATCH', async () => {
    expect(codes(await open('trailer-more-entries.pssnap'))).toEqual(['GAP'])
    expect(codes(await open('trailer-fewer-entries.pssnap'))).toEqual(['TRAILER_MISMATCH'])
  })
})

describe('§2.3 plausible headers, resync, and what counts as a frame', () => {
  it('a failed CRC with a plausible header: the frame still counts (frameCount, frameChecksum, info.frames)', async () => {
    const a = await open('flipped-payload-crc.pssnap')
    expect(codes(a)).not.toContain('TRAILER_MISMATCH')
    expect(a.frames.filter((f) => !f.ok)).toHaveLength(1)
    expect(a.frames.length - 1).toBe(a.trailer!.frameCount)
    expect(archiveInfoToJson(a).frames).toBe(a.frames.length)
  })

  it('a resync skips bytes that count as no frame: frameCount and frameChecksum disagree', async () => {
    const a = await open('damaged-length-resync.pssnap')
    expect(a.diagnostics.filter((d) => d.code === 'TRAILER_MISMATCH').map((d) => d.message)).toEqual([expect.stringContaining('frames before it'), expect.stringContaining('frame checksum')])
    expect(a.frames.length - 1).toBe(a.trailer!.frameCount - 1)
  })

  it('a PSFR that starts no intact frame is passed over silently (only the first problem is reported)', async () => {
    const a = await open('resync-false-marker.pssnap')
    expect(codes(a)).toEqual(['BAD_FRAME'])
    expect(a.handles.toArray().map((h) => h.handle)).toEqual([4n, 8n, 12n, 16n])
  })

  it('after 64 candidates, or with no intact frame left, reading stops: TRUNCATED, no trailer', async () => {
    for (const file of ['resync-budget-exhausted.pssnap', 'resync-nothing-after.pssnap']) {
      const a = await open(file)
      expect(a.diagnostics.at(-1)).toMatchObject({ code: 'TRUNCATED', message: expect.stringContaining('no further intact frame') })
      expect(a.trailer).toBeUndefined()
    }
  })

  it('BAD_LENGTH is followed by a resync from the next byte', async () => {
    const a = await open('huge-declared-length.pssnap')
    expect(codes(a)[0]).toBe('BAD_LENGTH')
    expect(a.trailer).toBeDefined()
  })
})

describe('§2.2 codecs', () => {
  it('codec 0 with decodedLength ≠ storedLength is BAD_FRAME', async () => {
    expect(codes(await open('codec-none-length-mismatch.pssnap'))[0]).toBe('BAD_FRAME')
  })

  it('stored bytes after the end of the zlib stream are ignored', async () => {
    const a = await open('deflate-trailing-bytes.pssnap')
    expect(a.diagnostics).toEqual([])
    expect(a.handles.get(0)?.handle).toBe(4n)
  })

  it('an unknown frame kind is skipped whatever its codec: listed, not damage', async () => {
    const a = await open('unknown-kind-unknown-codec.pssnap')
    expect(a.unknown.frameKinds).toEqual({ 6: 1 })
    expect((await validateArchive(bytesOf('unknown-kind-unknown-codec.pssnap'))).ok).toBe(true)
  })
})

describe('§2.3 files without a usable trailer', () => {
  it('a file holding only the preamble is fatal TRUNCATED', async () => {
    expect((await failure(open('preamble-only.pssnap')))?.code).toBe('TRUNCATED')
  })

  it('an unusable trailer (CRC, shape, a float count) is treated as absent: TRUNCATED, no checks', async () => {
    for (const [file, first] of [['trailer-crc.pssnap', 'CHECKSUM'], ['trailer-schema.pssnap', 'SCHEMA'], ['trailer-float-count.pssnap', 'SCHEMA']] as const) {
      const a = await open(file)
      expect(codes(a)).toEqual([first, 'TRUNCATED'])
      expect(a.trailer).toBeUndefined()
      expect(archiveInfoToJson(a).complete).toBe(false)
    }
  })
})

describe('§1 required members and integers', () => {
  it('nil is not absent: an optional key present as nil is SCHEMA', async () => {
    const a = await open('epilogue-nil-member.pssnap')
    expect(codes(a)).toEqual(['SCHEMA'])
    expect(a.epilogue).toBeUndefined()
  })

  it('a required key absent is SCHEMA', async () => {
    expect(codes(await open('chunk-missing-count.pssnap'))).toEqual(['SCHEMA', 'GAP'])
    expect((await failure(open('header-schema.pssnap')))?.code).toBe('SCHEMA')
  })

  it('an integral float where an integer belongs is SCHEMA (fatal in the header)', async () => {
    const a = await open('float-chunk-count.pssnap')
    expect(a.diagnostics[0]!.message).toMatch(/count: expected an integer, found a float/)
    const e = await failure(open('float-header-pid.pssnap'))
    expect(e?.code).toBe('SCHEMA')
    expect(e?.message).toMatch(/target\.processId: expected an integer, found a float/)
  })

  it('a float is still a valid float64 (timings), and an integer too', async () => {
    const a = await open('int-widths.pssnap')
    expect(a.epilogue?.timings).toEqual({ captureMs: 12 })
  })
})

describe('§9 UNKNOWN: one diagnostic per frame, each path once', () => {
  it('lists the outermost unknown key of every known map, never what it holds', async () => {
    const a = await open('unknown-nested-keys.pssnap')
    expect(a.unknown.fields).toEqual([
      'header.target.integrity',
      'header.future',
      'chunk.handles.columns.integrityLevel',
      'chunk.handles.sparse.typeSpecificInformation.process.columns.jobId',
      'chunk.handles.note',
      'epilogue.captureErrors[].hint',
      'trailer.note',
    ])
    expect(a.diagnostics.map((d) => d.frame)).toEqual([0, 1, 2, 3, 4])
  })

  it('sections the trailer counts and this reader does not know are unknown sections', async () => {
    const a = await open('trailer-unknown-section.pssnap')
    expect(a.unknown.sections).toEqual(['modules'])
    expect(a.unknown.fields).toEqual([])
  })
})

describe('§6.2 the architecture of each chunk\'s contexts', () => {
  it('each context is decoded with its own chunk\'s architecture, else the target\'s', async () => {
    const a = await open('mixed-context-architectures.pssnap')
    const json = a.threads.toArray().map((t) => entryToJson('threads', t, a.contextArchitecture ? { contextArchitecture: a.contextArchitecture } : {}))
    expect(json.map((t) => [t.contextArchitecture, (t.registers as Record<string, string>)[{ x64: 'Rip', x86: 'Eip', arm64: 'Pc' }[t.contextArchitecture as string]!]])).toEqual([
      ['x64', '0x1111'],
      ['x86', '0x2222'],
      ['arm64', '0x3333'],
    ])
    expect(a.threads.contextArchitectures).toEqual(['x64', 'x86', 'arm64'])
    expect(archiveInfoToJson(a).contextArchitecture).toBeNull()
    // Even a caller passing one architecture for all gets each context's own.
    expect(entryToJson('threads', a.threads.get(1)!, { contextArchitecture: 'x64' }).contextArchitecture).toBe('x86')
  })

  it('an architecture named like an Object.prototype member has no layout: contexts stay bytes, nothing throws', async () => {
    for (const name of Object.getOwnPropertyNames(Object.prototype)) {
      const bytes = new ArchiveBuilder()
        .header({ ...HEADER, host: { ...HEADER.host!, architecture: name }, target: { ...HEADER.target!, architecture: name } })
        .chunk({ section: 'threads', first: 0, count: 2, columns: { threadId: col.u32([1, 2]), contextRecord: col.bytes([new Uint8Array(2048), new Uint8Array(2048)], name) } })
        .chunk({ section: 'threads', first: 2, count: 1, columns: { threadId: col.u32([3]), contextRecord: col.bytes([new Uint8Array(2048)]) } })
        .finish()
      const a = await openArchive(bytes)
      expect(a.diagnostics, name).toEqual([])
      for (const t of a.threads) expect(entryToJson('threads', t, { contextArchitecture: name }).registers, name).toBeUndefined()
      expect(archiveInfoToJson(a).contextArchitecture, name).toBe(name)
    }
  })
})

describe('JSON.md FILETIME → ISO', () => {
  it('the millisecond a time falls in, before 1970 too; extended years above 9999', async () => {
    const a = await open('filetime-edges.pssnap')
    const iso = a.handles.toArray().map((h) => (entryToJson('handles', h).creationTime as { iso: string | null }).iso)
    expect(iso).toEqual(['1969-12-31T23:59:59.999Z', '1969-12-31T23:59:59.000Z', '+010000-01-01T00:00:00.000Z', '+060056-05-28T05:36:10.955Z', '1601-01-01T00:00:00.000Z'])
    expect(filetimeToIso(0n)).toBeNull()
  })
})

describe('§6.1 typeSpecificInformation as stored', () => {
  it('every sparse group listing an entry is returned, whatever objectType selects', async () => {
    const a = await open('type-specific-two-groups.pssnap')
    expect(a.handles.get(0)!.typeSpecificInformation).toEqual({ process: { processId: 77 }, thread: { threadId: 88 } })
    expect(entryToJson('handles', a.handles.get(0)!).typeSpecificInformation).toEqual({ process: { processId: 77 }, thread: { threadId: 88 } })
    expect(a.handles.get(1)!.typeSpecificInformation).toBeUndefined()
  })
})

describe('§5.3 a bytes column of a count-0 chunk', () => {
  it('has offsets of one u32 0; empty offsets are SCHEMA', async () => {
    expect(codes(await open('zero-count-bytes-column.pssnap'))).toEqual([])
    expect(codes(await open('zero-count-bytes-empty-offsets.pssnap'))).toEqual(['SCHEMA'])
  })
})

describe('§2.4 the reading budget', () => {
  it('a chunk\'s entries must be backed by a checked column, known or unknown', async () => {
    expect(codes(await open('unbacked-rows.pssnap'))).toEqual(['SCHEMA', 'GAP'])
    const backed = await open('unknown-column-backs-rows.pssnap')
    expect(backed.handles.toArray()).toEqual([{}, {}, {}])
    expect(backed.unknown.fields).toEqual(['chunk.handles.columns.integrityLevel'])
  })

  it('a string above 1 MiB is SCHEMA', async () => {
    const a = await open('long-string.pssnap')
    expect(a.diagnostics[0]!.message).toMatch(/above the 1048576-byte limit/)
  })

  it('TOO_LARGE: decoded bytes past the limit stop reading before that frame is decoded; at the limit it opens', async () => {
    const bytes = minimalArchive()
    const view = new DataView(bytes.buffer, bytes.byteOffset)
    let total = 0
    for (let at = 16; at < bytes.length; at += 20 + view.getUint32(at + 8, true)) total += view.getUint32(at + 12, true)
    expect((await openArchive(bytes, { maxDecodedBytes: total })).diagnostics).toEqual([])
    const e = await failure(openArchive(bytes, { maxDecodedBytes: total - 1 }))
    expect(e).toBeInstanceOf(ArchiveError)
    expect(e?.code).toBe('TOO_LARGE')
    const report = await validateArchive(bytes, { maxDecodedBytes: 100 })
    expect(report.ok).toBe(false)
    expect(report.diagnostics.at(-1)?.code).toBe('TOO_LARGE')
  })
})
