// Prototype pollution (issue 6, item 7): `__proto__`, `constructor` and `prototype` as keys everywhere an
// archive supplies names — header (top level and nested), epilogue and its timings, trailer entryCounts,
// section names, column names, sparse group names — and as dictionary strings (values a user queries,
// groups by and renders). Reading, validating, rendering, querying and diffing such an archive leaves
// Object.prototype untouched, and the output is right: values intact, unknown keys listed, no key lost to
// object machinery. (test/corpus/proto-keys.pssnap covers the header, chunk and column maps as well.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { archiveInfoToJson, compileQuery, diffArchives, entryToJson, filterSection, groupEntries, headerToJson, openArchive, validateArchive, type Archive } from '../reader/index.js'
import { ArchiveBuilder, Kind, col, encode, minimalArchiveExpected as X, mp, type MpValue } from './helpers/build-archive.js'

const KEYS = ['__proto__', 'constructor', 'prototype'] as const
const hostile = (what: string): MpValue => mp.map(KEYS.map((k) => [k, { polluted: what }]))

function buildArchive(): Uint8Array {
  const target = mp.map([
    ['processId', 4242],
    ['__proto__', { polluted: 'target' }],
    ['constructor', { polluted: 'target' }],
  ])
  const header = mp.map([
    ['producer', X.header.producer as MpValue],
    ['host', X.header.host as MpValue],
    ['target', target],
    ['capture', X.header.capture as MpValue],
    ...KEYS.map((k) => [k, { polluted: 'header' }] as [string, MpValue]),
  ])
  const names = ['__proto__', 'constructor', 'prototype', 'toString', 'File']
  const handles = mp.map([
    ['section', 'handles'],
    ['first', 0],
    ['count', names.length],
    [
      'columns',
      mp.map([
        ['handle', col.u64(names.map((_, i) => BigInt((i + 1) * 4))) as MpValue],
        ['typeName', col.str(names) as MpValue],
        ['objectName', col.str(names.map((n) => `\\${n}`)) as MpValue],
        ['constructor', col.u32(names.map(() => 7)) as MpValue],
        ['__proto__', col.u32(names.map(() => 9)) as MpValue],
      ]),
    ],
    ['sparse', mp.map([['__proto__', { rows: new Uint8Array(0), columns: {} }], ['constructor', { rows: new Uint8Array(0), columns: {} }]])],
    ...KEYS.map((k) => [k, { polluted: 'chunk' }] as [string, MpValue]),
  ])
  const epilogue = mp.map([
    ['finishedAt', '2026-11-25T00:00:00.000Z'],
    ['timings', mp.map([['captureMs', mp.f64(12)], ['__proto__', mp.f64(1)], ['constructor', mp.f64(2)], ['prototype', mp.f64(3)]])],
    ...KEYS.map((k) => [k, { polluted: 'epilogue' }] as [string, MpValue]),
  ])
  const b = new ArchiveBuilder().value(Kind.HEADER, header).value(Kind.CHUNK, handles)
  for (const section of KEYS) b.value(Kind.CHUNK, { section, first: 0, count: 1, columns: { x: col.u32([1]) as MpValue } })
  b.value(Kind.EPILOGUE, epilogue)
  const t = b.computeTrailer()
  const trailer = mp.map([
    ['frameCount', t.frameCount],
    ['byteLength', t.byteLength as MpValue],
    ['frameChecksum', t.frameChecksum],
    ['entryCounts', mp.map([['handles', names.length], ['__proto__', 1], ['constructor', 1], ['prototype', 1]])],
    ...KEYS.map((k) => [k, { polluted: 'trailer' }] as [string, MpValue]),
  ])
  return b.finish({ trailerPayload: encode(trailer) })
}

const bytes = buildArchive()
let prototypeNames: string[]
let archive: Archive

beforeAll(async () => {
  prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort()
  archive = await openArchive(bytes)
})

/** Object.prototype and a fresh object are exactly as before. */
function untouched(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames)
  const fresh = {} as Record<string, unknown>
  expect(fresh.polluted).toBeUndefined()
  expect(Object.getPrototypeOf(fresh)).toBe(Object.prototype)
}

afterAll(untouched)

describe('__proto__, constructor and prototype keys in every map of an archive', () => {
  it('open: the archive reads whole, every hostile key listed as unknown, no prototype touched', () => {
    untouched()
    expect(archive.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    expect(archive.header.target.processId).toBe(4242)
    for (const o of [archive.header, archive.header.target, archive.epilogue!, archive.trailer!]) {
      expect(Object.getPrototypeOf(o)).toBe(Object.prototype)
      for (const k of KEYS) expect(Object.hasOwn(o, k), k).toBe(false)
    }
    expect(archive.unknown.sections.sort()).toEqual([...KEYS].sort())
    expect(archive.unknown.fields).toEqual(
      expect.arrayContaining(['header.__proto__', 'header.constructor', 'header.prototype', 'header.target.constructor', 'chunk.handles.columns.constructor', 'chunk.handles.sparse.constructor', 'epilogue.constructor', 'trailer.constructor']),
    )
    expect(archive.sectionNames).toEqual(['handles'])
  })

  it('epilogue timings and trailer entryCounts: the real keys intact, no inherited value read as data', () => {
    expect(archive.epilogue!.timings!.captureMs).toBe(12)
    expect(Object.keys(archive.trailer!.entryCounts)).toContain('handles')
    expect(archive.trailer!.entryCounts.handles).toBe(5)
    // The trailer's counts for unknown sections do not make the known count disagree.
    expect(archive.diagnostics.map((d) => d.code)).not.toContain('TRAILER_MISMATCH')
  })

  it('dictionary strings named like object machinery are plain values: entries, JSON, query, group', () => {
    const names = archive.handles.toArray().map((h) => h.typeName)
    expect(names).toEqual(['__proto__', 'constructor', 'prototype', 'toString', 'File'])
    for (const h of archive.handles) expect(Object.getPrototypeOf(h)).toBe(Object.prototype)
    const json = archive.handles.toArray().map((h) => entryToJson('handles', h))
    expect(json.map((j) => j.typeName)).toEqual(names)
    expect(json.map((j) => j.objectName)).toEqual(names.map((n) => `\\${n}`))
    for (const j of json) expect(Object.getPrototypeOf(j)).toBe(Object.prototype)
    expect(filterSection(archive.handles, compileQuery("typeName == '__proto__'", { section: 'handles' })).map((h) => h.handle)).toEqual([4n])
    expect(filterSection(archive.handles, compileQuery("typeName == 'constructor' || objectName ~ 'prototype'", { section: 'handles' })).map((h) => h.handle)).toEqual([8n, 12n])
    const groups = groupEntries(archive.handles, 'typeName', { section: 'handles' })
    expect(groups.map((g) => [g.key, g.count]).sort()).toEqual(names.map((n) => [n, 1]).sort())
    untouched()
  })

  it('info JSON: every key rendered as data, none turned into a prototype', () => {
    const info = archiveInfoToJson(archive)
    const roundTrip = JSON.parse(JSON.stringify(info)) as typeof info
    expect(roundTrip).toEqual(info)
    // These three keys have no meaning anywhere in the format (ARCHIVE.md §1): unknown, not timings.
    expect(info.timings).toEqual({ captureMs: 12 })
    expect(archive.unknown.fields).toEqual(expect.arrayContaining(['epilogue.timings.__proto__', 'epilogue.timings.constructor', 'epilogue.timings.prototype']))
    expect(info.unknown).toEqual(JSON.parse(JSON.stringify(archive.unknown)))
    untouched()
  })

  it('headerToJson renders own keys only: a key named constructor is not looked up as a kind', () => {
    // The header schema drops unknown keys, so build the object the way a caller might.
    const value = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": 5, "prototype": 6}') as Record<string, unknown>
    const json = headerToJson(value) as Record<string, unknown>
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype)
    expect(Object.hasOwn(json, '__proto__')).toBe(true)
    expect(json.constructor).toBe(5)
    expect(json.prototype).toBe(6)
    expect(JSON.parse(JSON.stringify(json))).toEqual(JSON.parse('{"__proto__": {"polluted": 1}, "constructor": 5, "prototype": 6}'))
    untouched()
  })

  it('validate: the same, nothing touched', async () => {
    const report = await validateArchive(bytes)
    expect(report.ok).toBe(true)
    expect(report.entries.handles).toBe(5)
    expect(report.unknown.sections.sort()).toEqual([...KEYS].sort())
    untouched()
  })

  it('diff of two such archives: typeName groups keyed by these names are counted, nothing touched', async () => {
    const other = await openArchive(bytes)
    const diff = diffArchives(archive, other)
    expect(JSON.parse(JSON.stringify(diff, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))).toBeTruthy()
    untouched()
  })
})
