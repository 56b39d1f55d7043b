// ArchiveWriter: chunking by entries and by bytes, section bookkeeping in the trailer, header validation,
// state errors, backpressure and determinism.
import { describe, expect, it } from 'vitest'
import { ArchiveWriter, FORMAT_MINOR, MemorySink, decodeArchiveEvents, type ArchiveHeaderInput, type ByteSink, type DecodedChunk, type WriterOptions } from '../format/index.js'
import { decodeArchive } from '../reader/index.js'
import { nodeHooks } from '../reader/node.js'
import { generateSnapshot, snapshotBytes } from './synthetic/generate.js'

const HEADER: ArchiveHeaderInput = {
  producer: { tool: 'pssnap', version: '0.0.0-test' },
  host: { platform: 'windows', architecture: 'x64' },
  target: { processId: 4242, architecture: 'x64' },
  capture: { captureFlags: 0x19bd, threadContextFlags: 0x10001f, startedAt: '2026-11-25T12:00:00.000Z' },
}

async function chunksOf(bytes: Uint8Array): Promise<DecodedChunk[]> {
  const chunks: DecodedChunk[] = []
  for await (const e of decodeArchiveEvents(bytes)) {
    if (e.type === 'chunk') chunks.push(e.chunk)
    if (e.type === 'diagnostic') throw new Error(e.diagnostic.message)
  }
  return chunks
}

async function written(fill: (w: ArchiveWriter) => Promise<void> | void, options: WriterOptions = {}): Promise<Uint8Array> {
  const sink = new MemorySink()
  const w = new ArchiveWriter(sink, options)
  await w.begin(HEADER)
  await fill(w)
  await w.finish()
  return sink.bytes()
}

const handle = (i: number) => ({ handle: BigInt(4 * (i + 1)), objectType: 0, typeName: 'File', objectName: `\\Device\\HarddiskVolume3\\file-${i}.log` })

describe('chunking', () => {
  it('splits a section every chunkEntries entries, first values contiguous', async () => {
    const bytes = await written((w) => {
      for (let i = 0; i < 10; i++) w.add('handles', handle(i))
    }, { chunkEntries: 3 })
    const chunks = await chunksOf(bytes)
    expect(chunks.map((c) => [c.section, c.first, c.count])).toEqual([['handles', 0, 3], ['handles', 3, 3], ['handles', 6, 3], ['handles', 9, 1]])
    expect((await decodeArchive(bytes)).handles.toArray().map((h) => h.handle)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(4 * (i + 1))))
  })

  it('keeps each section contiguous when sections interleave', async () => {
    const bytes = await written((w) => {
      for (let i = 0; i < 9; i++) {
        w.add('handles', handle(i))
        w.add('vaSpace', { baseAddress: BigInt(i * 0x1000), regionSize: 0x1000n })
        if (i % 3 === 0) w.add('threads', { threadId: 4 * (i + 1) })
      }
    }, { chunkEntries: 2 })
    const chunks = await chunksOf(bytes)
    expect(new Set(chunks.map((c) => c.section))).toEqual(new Set(['handles', 'vaSpace', 'threads']))
    for (const section of ['handles', 'vaSpace', 'threads']) {
      const own = chunks.filter((c) => c.section === section)
      let next = 0
      for (const c of own) {
        expect(c.first).toBe(next)
        next += c.count
      }
      expect(next).toBe(section === 'threads' ? 3 : 9)
    }
  })

  it('flushes by bytes: every 256 entries once a section passes chunkBytes', async () => {
    const bytes = await written((w) => {
      for (let i = 0; i < 1000; i++) w.add('handles', handle(i))
    }, { chunkBytes: 1 })
    expect((await chunksOf(bytes)).map((c) => [c.first, c.count])).toEqual([[0, 256], [256, 256], [512, 256], [768, 232]])
  })

  it('flushes threads by bytes at any entry (contexts are large)', async () => {
    const context = new Uint8Array(1232).fill(7)
    const bytes = await written((w) => {
      for (let i = 0; i < 20; i++) w.add('threads', { threadId: 4 * (i + 1), sizeOfContextRecord: 1232, contextRecord: context })
    }, { chunkBytes: 4000 })
    const chunks = await chunksOf(bytes)
    expect(chunks.length).toBeGreaterThan(4)
    let next = 0
    for (const c of chunks) {
      expect(c.first).toBe(next)
      expect(c.count).toBeLessThanOrEqual(4)
      next += c.count
    }
    expect(next).toBe(20)
  })

  it('places numeric columns, string indices and blob offsets on 8-byte boundaries of the file (uncompressed) or payload (deflate)', async () => {
    const snapshot = generateSnapshot({ seed: 1, handles: 50, regions: 50, threads: 5, auxPages: 1 })
    for (const compression of ['none', 'deflate'] as const) {
      const bytes = await snapshotBytes(snapshot, { compression, chunkEntries: 7, hooks: nodeHooks })
      for (const c of await chunksOf(bytes)) {
        for (const [name, column] of Object.entries(c.columns)) {
          const view = column.dtype === 'str' ? column.index : column.dtype === 'bytes' ? column.offsets : column.values
          expect(view.byteOffset % 8, `${compression} ${c.section}.${name}`).toBe(0)
          // Viewed in place, not copied into an aligned buffer.
          if (compression === 'none') expect(view.buffer, `${c.section}.${name}`).toBe(bytes.buffer)
        }
      }
    }
  })
})

describe('sections in the trailer', () => {
  it('lists declared empty sections with 0 and no chunk, and leaves out undeclared ones', async () => {
    const bytes = await written((w) => {
      w.declareSection('auxiliaryPages')
      w.declareSection('threads')
      w.add('handles', handle(0))
    })
    const archive = await decodeArchive(bytes)
    expect(archive.trailer?.entryCounts).toEqual({ auxiliaryPages: 0, threads: 0, handles: 1 })
    expect((await chunksOf(bytes)).map((c) => c.section)).toEqual(['handles'])
    expect(archive.sectionNames).toEqual(['handles', 'threads', 'auxiliaryPages'])
    expect(archive.diagnostics).toEqual([])
  })

  it('reports what it wrote', async () => {
    const sink = new MemorySink()
    const w = new ArchiveWriter(sink, { chunkEntries: 2 })
    await w.begin(HEADER)
    for (let i = 0; i < 5; i++) await w.add('handles', handle(i))
    const summary = await w.finish({ finishedAt: '2026-11-25T12:00:01.000Z' })
    const archive = await decodeArchive(sink.bytes())
    expect(summary).toEqual({ frames: 5, bytes: sink.bytes().length, entryCounts: { handles: 5 } })
    expect(archive.trailer?.frameCount).toBe(summary.frames)
  })
})

describe('errors', () => {
  it('rejects an invalid header, naming the field', async () => {
    const w = new ArchiveWriter(new MemorySink())
    await expect(w.begin({ ...HEADER, producer: undefined } as never)).rejects.toThrow(/producer/)
    const w2 = new ArchiveWriter(new MemorySink())
    await expect(w2.begin({ ...HEADER, target: { processId: -1 } })).rejects.toThrow(/target\.processId/)
    const w3 = new ArchiveWriter(new MemorySink())
    await expect(w3.begin({ ...HEADER, processInformation: { pebBaseAddress: 1n << 64n } })).rejects.toThrow(/pebBaseAddress/)
  })

  it('writes nothing and stays unopened after an invalid header', async () => {
    const sink = new MemorySink()
    const w = new ArchiveWriter(sink)
    await expect(w.begin({ ...HEADER, target: undefined } as never)).rejects.toThrow(/invalid archive header: target/)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(sink.bytes()).toHaveLength(0)
    // Not half-open: entries and a trailer without a header frame would make an unreadable archive.
    expect(() => w.add('handles', handle(0))).toThrow()
    await expect(w.finish()).rejects.toThrow()
    // A valid header afterwards still gives a valid archive.
    await w.begin(HEADER)
    await w.finish()
    expect(await chunksOf(sink.bytes())).toEqual([])
  })

  it('refuses calls out of order and unknown sections', async () => {
    const w = new ArchiveWriter(new MemorySink())
    expect(() => w.add('handles', {})).toThrow()
    await expect(w.finish()).rejects.toThrow()
    await w.begin(HEADER)
    await expect(w.begin(HEADER)).rejects.toThrow()
    expect(() => w.add('modules' as never, {} as never)).toThrow(RangeError)
    await w.finish()
    await expect(w.finish()).rejects.toThrow()
    expect(() => w.add('handles', {})).toThrow()
  })
  it('refuses every later add and finish after an add that threw part way through an entry', async () => {
    const w = new ArchiveWriter(new MemorySink())
    await w.begin(HEADER)
    w.add('handles', handle(0))
    // BigInt(1.5) throws after the entry's other columns of its row may have been stored: nothing written
    // after it could be trusted, so the writer is done.
    expect(() => w.add('handles', { ...handle(1), handle: 1.5 } as never)).toThrow(RangeError)
    expect(() => w.add('handles', handle(2))).toThrow(/after an add that threw/)
    await expect(w.finish()).rejects.toThrow(/after an add that threw/)
  })
})

describe('output', () => {
  it('is byte-identical across runs, uncompressed and deflated', async () => {
    const snapshot = generateSnapshot({ seed: 12, handles: 400, regions: 300, threads: 20, auxPages: 2 })
    for (const options of [{}, { compression: 'deflate' as const, hooks: nodeHooks }, { compression: 'deflate' as const }]) {
      const a = await snapshotBytes(snapshot, { ...options, chunkEntries: 100 })
      const b = await snapshotBytes(generateSnapshot({ seed: 12, handles: 400, regions: 300, threads: 20, auxPages: 2 }), { ...options, chunkEntries: 100 })
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
    }
  })

  it('stays in order through a slow asynchronous sink', async () => {
    const parts: Uint8Array[] = []
    let delay = 0
    const sink: ByteSink = {
      write: (bytes) =>
        new Promise((resolve) =>
          setTimeout(() => {
            parts.push(bytes.slice())
            resolve()
          }, (delay = (delay + 3) % 4)),
        ),
    }
    const w = new ArchiveWriter(sink, { chunkEntries: 3 })
    await w.begin(HEADER)
    // Not awaiting add() is allowed: writes still happen in order.
    for (let i = 0; i < 20; i++) void w.add('handles', handle(i))
    await w.finish()
    const archive = await decodeArchive(new Uint8Array(Buffer.concat(parts)))
    expect(archive.diagnostics).toEqual([])
    expect(archive.handles.length).toBe(20)
  })

  it('stores an absent numeric field as 0 when other entries of the chunk have it', async () => {
    const bytes = await written((w) => {
      w.add('handles', { handle: 4n, flags: 3 })
      w.add('handles', { handle: 8n })
    })
    expect((await decodeArchive(bytes)).handles.toArray()).toEqual([{ handle: 4n, flags: 3 }, { handle: 8n, flags: 0 }])
  })

  it('records the contexts\' architecture on the contextRecord column', async () => {
    const bytes = await written((w) => void w.add('threads', { threadId: 4, contextRecord: new Uint8Array(716) }), { contextArchitecture: 'x86' })
    expect((await decodeArchive(bytes)).contextArchitecture).toBe('x86')
  })
})

describe('format version (spec §10: the lowest minor that holds what is written)', () => {
  const linuxHandle = { ...handle(0), openFlags: 0o2100002, filePosition: 4096n }
  const linuxRegion = { baseAddress: 0x400000n, regionSize: 0x1000n, residentSize: 0x1000n, proportionalSize: 0x800n, swappedSize: 0n }
  const linuxThread = { threadId: 7, schedulerState: 'S' }

  it('declares 1.0 by default, so archives without 1.1 columns stay 1.0 files', async () => {
    const bytes = await written((w) => void w.add('handles', handle(0)))
    expect((await decodeArchive(bytes)).version).toEqual({ major: 1, minor: 0 })
  })

  it('refuses a 1.1 column in an archive begun as 1.0, naming the column', async () => {
    await expect(written((w) => void w.add('handles', linuxHandle))).rejects.toThrow(/handles\.openFlags is a format 1\.1 column; this archive was begun as 1\.0/)
    await expect(written((w) => void w.add('threads', linuxThread))).rejects.toThrow(/threads\.schedulerState/)
  })

  it('writes and reads back every 1.1 column when begun as 1.1', async () => {
    const bytes = await written((w) => {
      w.add('handles', linuxHandle)
      w.add('vaSpace', linuxRegion)
      w.add('threads', linuxThread)
    }, { formatMinor: 1 })
    const archive = await decodeArchive(bytes)
    expect(archive.version).toEqual({ major: 1, minor: 1 })
    expect(archive.diagnostics).toEqual([])
    expect(archive.handles.get(0)).toMatchObject({ openFlags: 0o2100002, filePosition: 4096n })
    expect(archive.vaSpace.get(0)).toMatchObject({ residentSize: 0x1000n, proportionalSize: 0x800n, swappedSize: 0n })
    expect(archive.threads.get(0)).toMatchObject({ schedulerState: 'S' })
  })

  it('rejects a minor this writer does not know', () => {
    expect(() => new ArchiveWriter(new MemorySink(), { formatMinor: 9 })).toThrow(new RegExp(`formatMinor must be an integer from 0 to ${FORMAT_MINOR}`))
    expect(() => new ArchiveWriter(new MemorySink(), { formatMinor: -1 })).toThrow(RangeError)
  })
})
