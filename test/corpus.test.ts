// The bad-input corpus (test/corpus/): every committed file gets exactly the outcome expectations.json
// documents, through every way of reading it — bytes with the platform-free hooks, the file with the Node
// hooks, a stream of small pieces, and validateArchive. Diagnostic codes are compared as exact multisets.
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ArchiveError, openArchive, validateArchive, type Archive } from '../reader/index.js'
import { openArchiveFile } from '../reader/node.js'
import { renderArchive } from './helpers/render.js'
import { FAR_FUTURE_MINOR } from './helpers/corpus-recipes.js'

type Expectation =
  | { fatal: string; reason: string; message?: string[] }
  | { opens: true; diagnostics: string[]; reason: string; entries?: Record<string, number> }

const DIR = new URL('./corpus/', import.meta.url)
const expectations = JSON.parse(readFileSync(new URL('expectations.json', DIR), 'utf8')) as Record<string, Expectation>
const files = readdirSync(DIR).filter((f) => f !== 'expectations.json' && f !== 'README.md')

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size)
}

const sorted = (codes: readonly string[]) => [...codes].sort()

/** Every way the corpus is read: each must reach the same outcome. */
const readers: [string, (bytes: Uint8Array, path: string) => Promise<Archive>][] = [
  ['bytes', (bytes) => openArchive(bytes)],
  ['file (Node hooks)', (_bytes, path) => openArchiveFile(path)],
  ['stream of 7-byte pieces', (bytes) => openArchive(pieces(bytes, 7))],
]

describe('bad-input corpus', () => {
  it('documents every file and has every documented file', () => {
    expect(sorted(files)).toEqual(sorted(Object.keys(expectations)))
    expect(files.length).toBeGreaterThan(40)
  })

  describe.each(Object.entries(expectations))('%s', (file, expected) => {
    const path = new URL(file, DIR).pathname
    const bytes = new Uint8Array(readFileSync(path))

    it.each(readers)(`${'fatal' in expected ? `fails with ${expected.fatal}` : 'opens'}: ${expected.reason} (%s)`, async (_how, read) => {
      if ('fatal' in expected) {
        const error = await read(bytes, path).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(ArchiveError)
        expect((error as ArchiveError).code).toBe(expected.fatal)
        for (const part of expected.message ?? []) expect((error as ArchiveError).message).toContain(part)
        return
      }
      const archive = await read(bytes, path)
      expect(sorted(archive.diagnostics.map((d) => d.code))).toEqual(sorted(expected.diagnostics))
      if (expected.entries) expect(Object.fromEntries(archive.sectionNames.map((n) => [n, archive.section(n)!.length]))).toEqual(expected.entries)
      // Whatever survived must be fully usable.
      expect(() => renderArchive(archive)).not.toThrow()
    })

    it('validates to the same outcome', async () => {
      const report = await validateArchive(bytes)
      if ('fatal' in expected) {
        expect(report.ok).toBe(false)
        expect(report.diagnostics.at(-1)?.code).toBe(expected.fatal)
      } else {
        expect(sorted(report.diagnostics.map((d) => d.code))).toEqual(sorted(expected.diagnostics))
        expect(report.ok).toBe(!expected.diagnostics.some((c) => !['NEWER_MINOR', 'UNKNOWN', 'TRAILING_DATA'].includes(c)))
      }
    })
  })
})

describe('corpus details', () => {
  const open = (file: string) => openArchive(new Uint8Array(readFileSync(new URL(file, DIR))))

  it('proto-keys: no prototype is touched, the keys are listed as unknown', async () => {
    const archive = await open('proto-keys.pssnap')
    expect(Object.prototype).not.toHaveProperty('polluted')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(archive.header)).toBe(Object.prototype)
    expect(Object.hasOwn(archive.header, 'constructor')).toBe(false)
    expect(Object.hasOwn(archive.header, 'prototype')).toBe(false)
    expect(archive.unknown.fields).toEqual(expect.arrayContaining(['header.constructor', 'header.prototype', 'chunk.handles.constructor', 'chunk.handles.columns.prototype']))
    expect(archive.handles.toArray().map((h) => h.handle)).toEqual([4n, 8n])
    for (const h of archive.handles) expect(Object.getPrototypeOf(h)).toBe(Object.prototype)
  })

  it('newer-minor: read as 1.32767 with every unknown listed', async () => {
    const archive = await open('newer-minor.pssnap')
    expect(archive.version).toEqual({ major: 1, minor: FAR_FUTURE_MINOR })
    expect(archive.unknown.frameKinds).toEqual({ 5: 1 })
    expect(archive.unknown.sections).toEqual(['modules'])
    expect(archive.unknown.fields).toEqual(expect.arrayContaining(['header.moduleInformation', 'chunk.handles.columns.integrityLevel', 'chunk.handles.sparse.typeSpecificInformation.job']))
    expect(archive.handles.length).toBe(3)
  })

  it('invalid-utf8: bytes that are not UTF-8 read as U+FFFD', async () => {
    expect((await open('invalid-utf8.pssnap')).handles.get(0)?.objectName).toBe('A\uFFFD\uFFFDB')
  })

  it('duplicate-map-key: the last value of a repeated key is kept', async () => {
    expect((await open('duplicate-map-key.pssnap')).header.target.processId).toBe(4242)
  })

  it('int-widths: integers in wider formats read as the values they hold', async () => {
    const archive = await open('int-widths.pssnap')
    expect(archive.header.target.processId).toBe(4242)
    expect(archive.header.handleInformation?.handlesCaptured).toBe(2)
    expect(archive.epilogue?.timings).toEqual({ captureMs: 12 })
    expect(archive.trailer?.entryCounts).toEqual({ handles: 2 })
  })

  it('deflate-bomb: refused quickly, without inflating 16 MiB', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('deflate-bomb.pssnap', DIR)))
    for (const read of [() => openArchive(bytes), () => openArchiveFile(new URL('deflate-bomb.pssnap', DIR).pathname)]) {
      const t = performance.now()
      const archive = await read()
      expect(archive.diagnostics.map((d) => d.code)).toContain('DECOMPRESS')
      expect(performance.now() - t).toBeLessThan(2000)
    }
  })

  it('NOT_PSSNAP and UNSUPPORTED_VERSION name what the file is', async () => {
    const message = async (file: string) => (await open(file).catch((e: ArchiveError) => e)) as ArchiveError
    expect((await message('newer-major.pssnap')).message).toMatch(/2\.0.*\(1\.\d+\)/)
    expect((await message('minidump.dmp')).message).toContain('minidump')
    expect((await message('json.json')).message).toContain('JSON')
  })
})
