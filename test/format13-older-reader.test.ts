// A format 1.2 reader opens the 1.3 golden fixture (spec/STABILITY.md: a minor only adds; ARCHIVE.md §10).
// The 1.2 reader is this reader with the field registry and FORMAT_MINOR as they were in 1.2: the five 1.3
// region columns unknown and FORMAT_MINOR 2 (vi.mock replaces the modules for every importer, the decoder
// included). It must open the file, say the file is newer (NEWER_MINOR) and list the columns it skipped
// (UNKNOWN), validate it as OK, and read every entry with every 1.2 value the 1.3 reader reads.
import { readFileSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'

vi.mock('../format/constants.js', async (importOriginal) => ({ ...(await importOriginal<typeof import('../format/constants.js')>()), FORMAT_MINOR: 2 }))
vi.mock('../format/fields.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../format/fields.js')>()
  const vaSpace = Object.fromEntries(Object.entries(real.VA_SPACE_FIELDS).filter(([, spec]) => ((spec as { since?: number }).since ?? 0) <= 2))
  return { ...real, VA_SPACE_FIELDS: vaSpace, SECTIONS: { ...real.SECTIONS, vaSpace: { ...real.SECTIONS.vaSpace, columns: vaSpace } } }
})

const { openArchive, validateArchive } = await import('../reader/index.js')
const { FORMAT_MINOR, VA_SPACE_FIELDS } = await import('../format/index.js')
const { linuxMapsSnapshot } = await import('./synthetic/linux-maps.js')

const NEW_COLUMNS = ['fileOffset', 'deviceMajor', 'deviceMinor', 'inode', 'mapsPermissions']

describe('a 1.2 reader and the 1.3 fixture linux-maps.pssnap', () => {
  it('is a 1.2 reader (the mocks took)', () => {
    expect(FORMAT_MINOR).toBe(2)
    for (const name of NEW_COLUMNS) expect(Object.hasOwn(VA_SPACE_FIELDS, name)).toBe(false)
  })

  it('opens it, lists the newer minor and the unknown columns, and reads every 1.2 value', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('../spec/fixtures/linux-maps.pssnap', import.meta.url)))
    const archive = await openArchive(bytes)
    expect(archive.version).toEqual({ major: 1, minor: 3 })
    const codes = archive.diagnostics.map((d) => d.code)
    expect(codes).toContain('NEWER_MINOR')
    expect(codes.every((c) => c === 'NEWER_MINOR' || c === 'UNKNOWN')).toBe(true)
    const unknown = archive.diagnostics.filter((d) => d.code === 'UNKNOWN').map((d) => d.message).join('\n')
    for (const name of NEW_COLUMNS) expect(unknown).toContain(name)
    const report = await validateArchive(bytes)
    expect(report.ok).toBe(true)
    const regions = archive.vaSpace.toArray()
    const expected = linuxMapsSnapshot().sections.vaSpace.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !NEW_COLUMNS.includes(k))))
    expect(regions.length).toBe(expected.length)
    regions.forEach((r, i) => {
      for (const name of NEW_COLUMNS) expect((r as Record<string, unknown>)[name]).toBeUndefined()
      expect(r).toMatchObject(expected[i]!)
    })
    expect(archive.threads.length).toBe(1)
  })
})
