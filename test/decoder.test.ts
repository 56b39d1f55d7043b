// The decoder against the hand-written builder: minimalArchive() must decode to exactly
// minimalArchiveExpected, field by field, from bytes and from a stream cut into 1..7-byte pieces.
import { describe, expect, it } from 'vitest'
import { SECTION_NAMES, decodeArchiveEvents, decodeRegisters, scanMessagePack, type ArchiveEvent } from '../format/index.js'
import { PayloadReader, type Shape } from '../format/payload.js'
import { decodeArchive, validateArchive, type Archive } from '../reader/index.js'
import { nodeHooks } from '../reader/node.js'
import { ArchiveBuilder, SECTION_SCHEMAS, col, concatBytes, encode, minimalArchive, minimalArchiveExpected as X, mp } from './helpers/build-archive.js'

/** 1, 2, …, 7, 1, 2, … bytes per piece: every frame boundary lands at some offset inside a piece. */
async function* pieces(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0, size = 1; i < bytes.length; i += size, size = (size % 7) + 1) yield bytes.slice(i, i + size)
}

function valueAt(entry: object, dotted: string): unknown {
  let v: unknown = entry
  for (const part of dotted.split('.')) v = v === undefined || v === null ? undefined : (v as Record<string, unknown>)[part]
  return v
}

const SPARSE_FIELDS: Record<string, readonly string[]> = {
  event: ['manualReset', 'signaled'],
  process: ['exitStatus', 'pebBaseAddress', 'affinityMask', 'basePriority', 'processId', 'parentProcessId', 'flags'],
}

function checkArchive(archive: Archive): void {
  expect(archive.version).toEqual(X.preamble)
  expect(archive.diagnostics).toEqual([])
  expect(archive.header).toStrictEqual(X.header)
  expect(archive.epilogue).toStrictEqual(X.epilogue)
  expect(archive.trailer).toStrictEqual(X.trailer)
  expect(archive.frames.map((f) => f.kind)).toEqual(X.frameKinds)
  expect(archive.frames.every((f) => f.ok)).toBe(true)
  expect(archive.sectionNames).toEqual([...SECTION_NAMES])
  for (const name of SECTION_NAMES) {
    const expected = X.sections[name] as readonly object[]
    const got = archive.section(name)!.toArray()
    expect(got).toHaveLength(expected.length)
    got.forEach((entry, i) => {
      for (const [field, type] of SECTION_SCHEMAS[name]) {
        const want = valueAt(expected[i]!, field)
        const have = valueAt(entry, field)
        // The builder writes absent str/bytes values as null; the reader returns undefined for them.
        expect(have, `${name}[${i}].${field}`).toStrictEqual(want === null ? undefined : want)
        if (type === 'u64') expect(typeof have, `${name}[${i}].${field}`).toBe('bigint')
      }
    })
  }
  // Sparse typeSpecificInformation: present exactly for the entries listed in the group's rows.
  archive.handles.toArray().forEach((entry, i) => {
    const expected = X.sections.handles[i]!.typeSpecificInformation as Record<string, Record<string, unknown>> | undefined
    const got = entry.typeSpecificInformation as Record<string, Record<string, unknown>> | undefined
    expect(got === undefined, `handles[${i}] has typeSpecificInformation`).toBe(expected === undefined)
    if (!expected) return
    expect(Object.keys(got!)).toEqual(Object.keys(expected))
    for (const [member, fields] of Object.entries(expected)) {
      for (const field of SPARSE_FIELDS[member]!) expect(got![member]![field], `handles[${i}].${member}.${field}`).toStrictEqual(fields[field])
    }
  })
  expect(archive.contextArchitecture).toBe('x64')
  const regs = decodeRegisters(archive.threads.get(0)!.contextRecord, 'x64')
  expect(regs).toMatchObject({ Rip: 0x7ff6_1234_5678n, Rsp: 0xd2_3a5f_f6e8n, Rbp: 0xd2_3a5f_f770n, ContextFlags: 0x10001fn, SegCs: 0x33n, EFlags: 0x246n })
}

describe('minimalArchive()', () => {
  const bytes = minimalArchive()

  it('decodes to minimalArchiveExpected from bytes (platform-free hooks)', async () => {
    checkArchive(await decodeArchive(bytes))
  })

  it('decodes to minimalArchiveExpected from bytes (Node hooks)', async () => {
    checkArchive(await decodeArchive(bytes, { hooks: nodeHooks }))
  })

  it('decodes to minimalArchiveExpected from a stream of 1..7-byte pieces', async () => {
    checkArchive(await decodeArchive(pieces(bytes)))
  })

  it('validates clean from a stream of 1..7-byte pieces', async () => {
    const report = await validateArchive(pieces(bytes))
    expect(report.ok).toBe(true)
    expect(report.diagnostics).toEqual([])
    expect(report.entries).toEqual(X.trailer.entryCounts)
    expect(report.recoveredBytes).toBe(bytes.length)
    expect(report.byteLength).toBe(bytes.length)
  })

  it('yields events in file order: header first, each frame before its content, end last', async () => {
    const events: ArchiveEvent[] = []
    for await (const e of decodeArchiveEvents(bytes)) events.push(e)
    expect(events.map((e) => (e.type === 'frame' ? `frame${e.frame.kind}` : e.type))).toEqual([
      'frame1', 'header', 'frame2', 'chunk', 'frame2', 'chunk', 'frame2', 'chunk', 'frame2', 'chunk', 'frame3', 'epilogue', 'frame4', 'trailer', 'end',
    ])
    const chunks = events.flatMap((e) => (e.type === 'chunk' ? [[e.chunk.section, e.chunk.first, e.chunk.count, Object.keys(e.chunk.sparse).sort().join()]] : []))
    expect(chunks).toEqual([
      ['handles', 0, 3, 'typeSpecificInformation.event,typeSpecificInformation.process'],
      ['threads', 0, 2, ''],
      ['vaSpace', 0, 2, ''],
      ['auxiliaryPages', 0, 1, ''],
    ])
    const end = events.at(-1)
    expect(end).toEqual({ type: 'end', unknown: { frameKinds: {}, sections: [], fields: [] }, byteLength: bytes.length })
  })
})

describe('blob values', () => {
  // Node's zlib and fs hand out Buffers, whose slice() is a view: values must still be plain, independent
  // copies (a kept context must neither pin nor alias the file's bytes).
  it.each([
    ['file, uncompressed (Node hooks)', 'spec/fixtures/small.pssnap'],
    ['file, deflate (Node hooks)', 'spec/fixtures/medium.pssnap'],
  ])('are independent Uint8Array copies: %s', async (_name, file) => {
    const { openArchiveFile } = await import('../reader/node.js')
    const archive = await openArchiveFile(new URL(`../${file}`, import.meta.url).pathname)
    const index = archive.threads.toArray().findIndex((t) => t.contextRecord)
    const first = archive.threads.get(index)!.contextRecord!
    expect(first.constructor.name).toBe('Uint8Array')
    const before = first[48]
    first[48] = before! ^ 0xff
    expect(archive.threads.get(index)!.contextRecord![48]).toBe(before)
    expect(first.byteOffset).toBe(0)
    expect(first.buffer.byteLength).toBe(first.length)
  })
})

describe('payloads decoded by their shape (spec §2.4): unknown content skipped, never built', () => {
  const HEADER = { producer: X.header.producer, host: X.header.host, target: X.header.target, capture: X.header.capture }

  it('PayloadReader skips an unknown key without building what it holds, and lists it once', () => {
    const n = 1 << 20
    const payload = concatBytes([Uint8Array.of(0x82, 0xa1, 0x61, 0x07, 0xa6), new TextEncoder().encode('future'), Uint8Array.of(0xdd, 0x00, 0x10, 0x00, 0x00), new Uint8Array(n).fill(0x80)])
    expect(scanMessagePack(payload)).toBeUndefined()
    const reader = new PayloadReader(payload)
    expect(reader.read({ map: { a: 'int' }, extra: 'report' }, '')).toEqual({ a: 7 })
    expect(reader.unknown).toEqual(['future'])
    expect(reader.pos).toBe(payload.length)
  })

  it('checks types as it reads: a float where an integer belongs, nil for a typed key, a missing required key', () => {
    const read = (value: Parameters<typeof encode>[0], shape: Shape) => new PayloadReader(encode(value)).read(shape, 'x')
    expect(() => read({ n: mp.f64(3) }, { map: { n: 'int' }, extra: 'report' })).toThrow(/x\.n: expected an integer, found a float/)
    expect(read({ n: mp.f64(3) }, { map: { n: 'num' }, extra: 'report' })).toEqual({ n: 3 })
    expect(read({ n: 3 }, { map: { n: 'num' }, extra: 'report' })).toEqual({ n: 3 })
    expect(() => read({ s: null }, { map: { s: 'str' }, extra: 'report' })).toThrow(/expected a string, found nil/)
    expect(() => read({}, { map: { s: 'str' }, extra: 'report', required: ['s'] })).toThrow(/x\.s: required/)
    expect(read({ n: mp.int(2 ** 60, 'u64') }, { map: { n: 'int' }, extra: 'report' })).toEqual({ n: 2n ** 60n })
    expect(read({ n: mp.int(5, 'i64') }, { map: { n: 'int' }, extra: 'report' })).toEqual({ n: 5 })
  })

  it('names from the file are data in records: Object.prototype members are listed as unknown or kept as own keys', () => {
    const names = Object.getOwnPropertyNames(Object.prototype)
    const value = Object.fromEntries(names.map((k, i) => [k, i]))
    const reader = new PayloadReader(encode(mp.map(names.map((k, i) => [k, i]))))
    const out = reader.read({ record: 'int' }, 'r') as Record<string, number>
    expect(Object.getPrototypeOf(out)).toBeNull()
    expect(reader.unknown.sort()).toEqual(['r.__proto__', 'r.constructor'])
    for (const k of names.filter((k) => k !== '__proto__' && k !== 'constructor')) expect(Object.hasOwn(out, k) && out[k], k).toBe(value[k])
  })

  it('every Object.prototype member name as a section, column, sparse group, trailer count and timing: read as data, nothing throws', async () => {
    // `__proto__` cannot be a key of the builder's plain objects; proto-keys.pssnap and pollution.test.ts have it.
    for (const name of Object.getOwnPropertyNames(Object.prototype).filter((n) => n !== '__proto__')) {
      const bytes = new ArchiveBuilder()
        .header(HEADER)
        .chunk({ section: 'handles', first: 0, count: 1, columns: { handle: col.u64([4n]), [name]: col.u32([1]) }, sparse: { [name]: { rows: [0], columns: { [name]: col.u32([2]) } } } })
        .chunk({ section: name, first: 0, count: 1, columns: { x: col.u32([1]) } })
        .epilogue({ timings: { [name]: 1, captureMs: 2 } })
        .finish({ trailer: { entryCounts: { handles: 1, [name]: 1 } } })
      const a = await decodeArchive(bytes)
      expect(a.diagnostics.filter((d) => d.severity === 'error'), name).toEqual([])
      expect(a.handles.toArray(), name).toEqual([{ handle: 4n }])
      expect(a.unknown.sections, name).toEqual([name])
      expect(a.unknown.fields, name).toEqual(expect.arrayContaining([`chunk.handles.columns.${name}`, `chunk.handles.sparse.${name}`]))
      expect(a.epilogue?.timings?.captureMs, name).toBe(2)
      expect(Object.getPrototypeOf(a.trailer!.entryCounts), name).not.toBeNull()
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('20,000 unknown columns cost one UNKNOWN diagnostic and a linear walk', async () => {
    const columns: Record<string, ReturnType<typeof col.u8>> = { handle: col.u64([4n]) }
    for (let i = 0; i < 20_000; i++) columns[`x${i}`] = col.u8([1])
    const a = await decodeArchive(new ArchiveBuilder().header(HEADER).chunk({ section: 'handles', first: 0, count: 1, columns }).finish())
    expect(a.diagnostics.map((d) => d.code)).toEqual(['UNKNOWN'])
    expect(a.unknown.fields).toHaveLength(20_000)
    expect(a.handles.toArray()).toEqual([{ handle: 4n }])
  })
})
