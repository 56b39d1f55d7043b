// The entry schemas (format/entry-schemas.ts) accept every entry the generator makes, reject values that
// do not fit their C types, and back the writer's opt-in validation.
import { describe, expect, it } from 'vitest'
import { ArchiveWriter, ENTRY_SCHEMAS, MemorySink } from '../format/index.js'
import { generateSnapshot } from './synthetic/generate.js'

const snapshot = generateSnapshot({ seed: 3, handles: 400, regions: 300, threads: 40, auxPages: 4 })

describe('entry schemas', () => {
  it.each(Object.keys(ENTRY_SCHEMAS) as (keyof typeof ENTRY_SCHEMAS)[])('accept every generated %s entry', (section) => {
    const entries = snapshot.sections[section] as unknown[]
    expect(entries.length).toBeGreaterThan(0)
    for (const e of entries) expect(ENTRY_SCHEMAS[section].safeParse(e).success).toBe(true)
  })

  it.each([
    ['handles', 'handleCount', { handleCount: 2 ** 32 }],
    ['handles', 'handle', { handle: -1n }],
    ['handles', 'objectName', { objectName: 42 }],
    ['handles', 'typeSpecificInformation.process.processId', { typeSpecificInformation: { process: { processId: 'x' } } }],
    ['threads', 'priority', { priority: 2 ** 31 }],
    ['threads', 'lastSyscallNumber', { lastSyscallNumber: 70000 }],
    ['threads', 'contextRecord', { contextRecord: [1, 2, 3] }],
    ['vaSpace', 'regionSize', { regionSize: 2n ** 64n }],
    ['auxiliaryPages', 'basicInformation.partitionId', { basicInformation: { partitionId: -1 } }],
  ] as const)('reject a bad %s entry at %s', (section, path, entry) => {
    const r = ENTRY_SCHEMAS[section].safeParse(entry)
    expect(r.success).toBe(false)
    expect(r.error?.issues.map((i) => i.path.join('.'))).toContain(path)
  })

  it('the writer checks entries when asked, and names the field', async () => {
    const w = new ArchiveWriter(new MemorySink(), { validateEntries: true })
    await w.begin(snapshot.header)
    expect(() => w.add('handles', snapshot.sections.handles[0]!)).not.toThrow()
    expect(() => w.add('handles', { handleCount: -1 })).toThrow(/invalid handles entry: handleCount/)
  })
})
