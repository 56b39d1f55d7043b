// Decompression bombs (issue 6, item 3; spec/ARCHIVE.md §2.2, §9 DECOMPRESS): a frame's declared decoded
// size is enforced while inflating, so a frame that claims 1 KiB and inflates to 1 GiB is refused after
// about 1 KiB of output, by every way of reading it, with memory bounded by a few MiB.
//
// The bomb is built here without ever holding 1 GiB: a raw deflate of 1 MiB of zeros, ended with a full
// flush (byte-aligned, no back-references across it), is a self-contained run of deflate blocks; 1024 copies
// of it, a final empty block, the zlib header and the Adler-32 of 2^30 zeros make one valid zlib stream
// of 1 GiB. One test inflates it (streaming, counting) to prove it really is a 1 GiB stream.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import * as zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ArchiveError, openArchive, validateArchive } from '../reader/index.js'
import { nodeHooks, openArchiveFile, validateArchiveFile } from '../reader/node.js'
import { ArchiveBuilder, Kind, concatBytes, minimalArchiveExpected as X } from './helpers/build-archive.js'
import { canMeasurePeakRss, peakRise, startPeak } from './helpers/peak-rss.js'

const GIB = 2 ** 30
const DECLARED = 1024
const HEADER = { producer: X.header.producer, host: X.header.host, target: X.header.target, capture: X.header.capture }

/** A zlib stream that inflates to `copies` MiB of zeros, in about `copies` KiB. */
function zeroBomb(copies: number): Uint8Array {
  const block = new Uint8Array(zlib.deflateRawSync(new Uint8Array(1 << 20), { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH }))
  const n = copies * (1 << 20)
  // Adler-32 of n zeros: a stays 1, b adds a (= 1) once per byte.
  const adler = new Uint8Array(4)
  new DataView(adler.buffer).setUint32(0, ((n % 65521) * 65536 + 1) >>> 0)
  return concatBytes([Uint8Array.of(0x78, 0xda), ...Array.from({ length: copies }, () => block), Uint8Array.of(0x03, 0x00), adler])
}

const bomb = zeroBomb(1024)
/** A valid header and one handles chunk frame that declares 1 KiB and inflates to 1 GiB. */
const chunkBomb = new ArchiveBuilder().header(HEADER).frame({ kind: Kind.CHUNK, codec: 1, payload: bomb, decodedLength: DECLARED }).finish()
/** The same bomb as the header frame: fatal, as any header damage is. */
const headerBomb = new ArchiveBuilder().frame({ kind: Kind.HEADER, codec: 1, payload: bomb, decodedLength: DECLARED }).finish()

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/**
 * Runs `read` and returns how far it raised RSS at its highest above the RSS before it (Linux; 0 elsewhere),
 * and the array buffers still allocated right after it (before any forced collection, so a large temporary
 * shows).
 */
async function peakGrowth(read: () => Promise<unknown>): Promise<{ rss: number; arrayBuffers: number; result: unknown }> {
  gc()
  const before = process.memoryUsage()
  const start = canMeasurePeakRss ? startPeak() : 0
  const result = await read().catch((e: unknown) => e)
  const rss = canMeasurePeakRss ? peakRise(start) : 0
  const after = process.memoryUsage()
  return { rss, arrayBuffers: after.arrayBuffers - before.arrayBuffers, result }
}

const MIB = 1 << 20
let dir: string
let chunkPath: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pssnap-bomb-'))
  chunkPath = join(dir, 'chunk-bomb.pssnap')
  writeFileSync(chunkPath, chunkBomb)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a frame that declares 1 KiB and inflates to 1 GiB', () => {
  it('really is a 1 GiB zlib stream in about 1 MiB', async () => {
    expect(bomb.length).toBeLessThan(2 * MIB)
    let total = 0
    for await (const piece of Readable.from([bomb]).pipe(zlib.createInflate())) total += (piece as Buffer).length
    expect(total).toBe(GIB)
  })

  const readers: [string, () => Promise<unknown>][] = [
    ['bytes, platform-free hooks', () => openArchive(chunkBomb)],
    ['bytes, Node hooks', () => openArchive(chunkBomb, { hooks: nodeHooks })],
    ['a stream of 64 KiB pieces', () => openArchive(Readable.from(Array.from({ length: Math.ceil(chunkBomb.length / 65536) }, (_, i) => chunkBomb.subarray(i * 65536, (i + 1) * 65536))))],
    ['the file', () => openArchiveFile(chunkPath)],
  ]

  it.each(readers)('as a chunk: the archive opens without it, DECOMPRESS reported, memory bounded (%s)', async (_how, read) => {
    const { rss, arrayBuffers, result } = await peakGrowth(read)
    expect(result).not.toBeInstanceOf(Error)
    const archive = result as Awaited<ReturnType<typeof openArchive>>
    expect(archive.diagnostics.map((d) => d.code)).toContain('DECOMPRESS')
    expect(archive.handles.length).toBe(0)
    expect(archive.frames[1]!.ok).toBe(false)
    // The input is ~1 MiB; inflating even 1% of the bomb would add 10 MiB of buffers.
    expect(arrayBuffers).toBeLessThan(8 * MIB)
    expect(rss).toBeLessThan(64 * MIB)
  })

  it('validate: DECOMPRESS, bounded memory (bytes and file)', async () => {
    for (const read of [() => validateArchive(chunkBomb), () => validateArchiveFile(chunkPath)]) {
      const { rss, result } = await peakGrowth(read)
      const report = result as Awaited<ReturnType<typeof validateArchive>>
      expect(report.ok).toBe(false)
      expect(report.diagnostics.map((d) => d.code)).toContain('DECOMPRESS')
      expect(rss).toBeLessThan(64 * MIB)
    }
  })

  it('as the header frame: refused with DECOMPRESS, bounded memory', async () => {
    for (const hooks of [undefined, nodeHooks]) {
      const { rss, result } = await peakGrowth(() => openArchive(headerBomb, hooks ? { hooks } : {}))
      expect(result).toBeInstanceOf(ArchiveError)
      expect((result as ArchiveError).code).toBe('DECOMPRESS')
      expect(rss).toBeLessThan(64 * MIB)
    }
  })
})

describe('declared decoded sizes', () => {
  // Deflate cannot expand more than 1032:1, so a declaration beyond that is refused before inflating:
  // nothing of the declared size is allocated for a few stored bytes.
  const tiny = new Uint8Array(zlib.deflateSync(new Uint8Array(16)))
  const claims256MiB = new ArchiveBuilder().header(HEADER).frame({ kind: Kind.CHUNK, codec: 1, payload: tiny, decodedLength: 256 * MIB }).finish()

  it.each([
    ['platform-free hooks', undefined],
    ['Node hooks', nodeHooks],
  ] as const)('a few stored bytes declaring 256 MiB are refused without allocating it (%s)', async (_how, hooks) => {
    const { arrayBuffers, rss, result } = await peakGrowth(() => openArchive(claims256MiB, hooks ? { hooks } : {}))
    const archive = result as Awaited<ReturnType<typeof openArchive>>
    expect(archive.diagnostics.map((d) => d.code)).toContain('DECOMPRESS')
    expect(arrayBuffers).toBeLessThan(8 * MIB)
    expect(rss).toBeLessThan(64 * MIB)
  })

  it('a frame inflating to less than it declares is refused too', async () => {
    const short = new ArchiveBuilder().header(HEADER).frame({ kind: Kind.CHUNK, codec: 1, payload: zeroBomb(1), decodedLength: MIB + 1 }).finish()
    for (const hooks of [undefined, nodeHooks]) {
      const archive = await openArchive(short, hooks ? { hooks } : {})
      expect(archive.diagnostics.find((d) => d.code === 'DECOMPRESS')?.message).toMatch(/1048576/)
    }
  })
})
