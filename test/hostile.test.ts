// Hostile bytes: random input and structured random frames with valid checksums never make the reader
// throw anything but ArchiveError, never hang, and leave an archive whose surviving content can be
// rendered. Mutations of valid archives (with and without repaired checksums) are test/fuzz.test.ts's.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ArchiveError, archiveInfoToJson, decodeArchive, entryToJson, validateArchive, type FormatHooks } from '../reader/index.js'
import { ArchiveBuilder, concatBytes, encode, mp, preamble, type MpValue } from './helpers/build-archive.js'

/** Opens `bytes`, renders what survived, validates; fails on any non-ArchiveError throw or a slow read. */
async function survives(bytes: Uint8Array, hooks?: FormatHooks): Promise<void> {
  const start = performance.now()
  try {
    const archive = await decodeArchive(bytes, hooks ? { hooks } : {})
    archiveInfoToJson(archive)
    const contextArchitecture = archive.contextArchitecture
    for (const name of archive.sectionNames) {
      const section = archive.section(name)!
      void section.fields
      // A chunk may legally declare up to 2^20 entries without columns: render a bounded sample.
      for (let i = 0; i < Math.min(section.length, 64); i++) entryToJson(name, section.get(i)!, { includeBlobs: true, ...(contextArchitecture ? { contextArchitecture } : {}) })
    }
  } catch (e) {
    if (!(e instanceof ArchiveError)) throw e
  }
  const report = await validateArchive(bytes, hooks ? { hooks } : {})
  expect(typeof report.ok).toBe('boolean')
  expect(performance.now() - start).toBeLessThan(2000)
}

describe('hostile bytes', () => {
  it('random bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), (b) => survives(b)), { seed: 101, numRuns: 300 })
  })

  it('random bytes after a valid preamble', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), (b) => survives(concatBytes([preamble(), b]))), { seed: 102, numRuns: 300 })
  })

  it('random frames with valid checksums after a valid header', async () => {
    const leaf = fc.oneof(fc.integer(), fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }), fc.string({ maxLength: 12 }), fc.uint8Array({ maxLength: 40 }), fc.constant(null), fc.boolean(), fc.double().map((d) => mp.f64(d)))
    const value = fc.letrec<{ v: MpValue }>((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, leaf as fc.Arbitrary<MpValue>, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('v'), { maxKeys: 4 })),
    })).v
    const column = fc.record({
      type: fc.constantFrom('u8', 'u16', 'u32', 'i32', 'u64', 'i64', 'str', 'bytes', 'f32'),
      data: fc.uint8Array({ maxLength: 48 }),
      dict: fc.option(fc.array(fc.string({ maxLength: 6 }), { maxLength: 4 }), { nil: undefined }),
      offsets: fc.option(fc.uint8Array({ maxLength: 24 }), { nil: undefined }),
    })
    const fieldNames = fc.constantFrom('handle', 'flags', 'typeName', 'objectName', 'contextRecord', 'threadId', 'regionSize', 'mappedFileName', 'pageContents', 'basicInformation.state', 'future')
    const chunk = fc.record({
      section: fc.constantFrom('handles', 'threads', 'vaSpace', 'auxiliaryPages', 'modules', '__proto__'),
      first: fc.integer({ min: 0, max: 8 }),
      count: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constant(1 << 20)),
      columns: fc.dictionary(fieldNames, column, { maxKeys: 4 }),
      sparse: fc.option(
        fc.dictionary(fc.constantFrom('typeSpecificInformation.event', 'typeSpecificInformation.process', 'typeSpecificInformation.job'), fc.record({ rows: fc.uint8Array({ maxLength: 16 }), columns: fc.dictionary(fc.constantFrom('manualReset', 'signaled', 'processId'), column, { maxKeys: 2 }) }), { maxKeys: 2 }),
        { nil: undefined },
      ),
    })
    const frame = fc.record({
      kind: fc.constantFrom(1, 2, 2, 2, 3, 4, 5, 0x8001),
      codec: fc.constantFrom(0, 0, 0, 1, 9),
      payload: fc.oneof(chunk.map((c) => encode(c as MpValue)), value.map((v) => encode(v)), fc.uint8Array({ maxLength: 64 })),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { maxLength: 6 }), fc.boolean(), async (frames, withTrailer) => {
        const b = new ArchiveBuilder().header({ producer: { tool: 't', version: '1' }, host: { platform: 'windows', architecture: 'x64' }, target: { processId: 4 }, capture: { captureFlags: 0, threadContextFlags: 0, startedAt: 'x' } })
        for (const f of frames) b.frame({ kind: f.kind, codec: f.codec, payload: f.payload, decodedLength: f.payload.length })
        await survives(b.finish(withTrailer ? {} : { trailer: false }))
      }),
      { seed: 103, numRuns: 400 },
    )
  })

  it('chunks claiming 2^20 entries without a column are refused, quickly', async () => {
    // Spec §4: a chunk with entries needs a column, so a few bytes cannot claim billions of entries.
    const b = new ArchiveBuilder().header({ producer: { tool: 't', version: '1' }, host: { platform: 'windows', architecture: 'x64' }, target: { processId: 4 }, capture: { captureFlags: 0, threadContextFlags: 0, startedAt: 'x' } })
    for (let i = 0; i < 64; i++) b.chunk({ section: 'handles', first: i << 20, count: 1 << 20, columns: {} })
    const start = performance.now()
    const archive = await decodeArchive(b.finish())
    expect(archive.handles.length).toBe(0)
    expect(archive.diagnostics.filter((d) => d.code === 'SCHEMA')).toHaveLength(64)
    expect(performance.now() - start).toBeLessThan(2000)
  })
})
