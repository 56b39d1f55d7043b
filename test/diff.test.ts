// diffArchives on synthetic pairs with known injected differences: exactly those differences are reported,
// nothing else. Plus the CI gates (parseFailOn, checkFailOn) and the pssnap.diff/1 rendering.
import { describe, expect, it } from 'vitest'
import { checkFailOn, GateError, parseFailOn } from '../reader/diff-gates.js'
import { diffToJson } from '../reader/diff-json.js'
import { counterOf, diffArchives, type ArchiveDiff } from '../reader/diff.js'
import { baseSnapshot, clone, injectChanges, LEAK_DIR, MiB, NEW_MODULE, open, type Injected } from './helpers/snapshot-pair.js'

const MEM_IMAGE = 0x1000000

async function injectedPair(): Promise<{ diff: ArchiveDiff; injected: Injected }> {
  const before = baseSnapshot()
  const after = clone(before)
  const injected = injectChanges(after)
  return { diff: diffArchives(await open(before), await open(after)), injected }
}

describe('diffArchives', () => {
  it('reports nothing for identical snapshots', async () => {
    const s = baseSnapshot()
    const diff = diffArchives(await open(s), await open(clone(s)))
    expect(diff.warnings).toEqual([])
    expect(diff.handles.added).toEqual([])
    expect(diff.handles.removed).toEqual([])
    expect(diff.handles.unchanged).toBe(s.sections.handles.length)
    expect(diff.threads).toEqual({ added: [], removed: [], unchanged: s.sections.threads.length })
    expect(diff.regions).toMatchObject({ added: [], removed: [], changed: [], unchanged: s.sections.vaSpace.length })
    expect(diff.modules).toMatchObject({ added: [], removed: [], changed: [] })
    expect(diff.modules.unchanged).toBeGreaterThan(0)
    expect(diff.summary.byName).toEqual([])
    expect(diff.summary.byType.every((t) => t.added === 0 && t.removed === 0 && t.net === 0 && t.before === t.after)).toBe(true)
    for (const c of diff.counters) expect(c.delta, c.name).toBe(0n)
  })

  it('reports exactly the injected differences', async () => {
    const { diff, injected } = await injectedPair()
    expect(diff.warnings).toEqual([])

    // Handles: 5 new files and the reused value's new object added; 3 closed and the reused value's old object removed.
    expect(diff.handles.added.map((h) => [h.handle, h.typeName, h.objectName])).toEqual(
      [...injected.addedFiles, injected.reused.after].sort((x, y) => Number(x.handle! - y.handle!)).map((h) => [h.handle, h.typeName, h.objectName]),
    )
    expect(diff.handles.removed.map((h) => h.handle)).toEqual([...injected.removed, injected.reused.before].map((h) => h.handle).sort((x, y) => Number(x! - y!)))
    expect(diff.handles.removed.map((h) => [h.typeName, h.objectName])).toEqual(
      [...injected.removed, injected.reused.before].sort((x, y) => Number(x.handle! - y.handle!)).map((h) => [h.typeName, h.objectName]),
    )

    // Summary per type: File +5, Mutant +1, and −1 for each removed handle's type.
    const expectedNet = new Map<string, number>([['File', 5]])
    expectedNet.set('Mutant', (expectedNet.get('Mutant') ?? 0) + 1)
    for (const h of [...injected.removed, injected.reused.before]) expectedNet.set(h.typeName!, (expectedNet.get(h.typeName!) ?? 0) - 1)
    const changedTypes = diff.summary.byType.filter((t) => t.added || t.removed)
    expect(Object.fromEntries(changedTypes.map((t) => [t.typeName, t.net]))).toEqual(Object.fromEntries([...expectedNet]))
    const file = diff.summary.byType.find((t) => t.typeName === 'File')!
    expect(file).toMatchObject({ added: 5, removed: 0, net: 5, after: file.before + 5 })
    expect(diff.summary.byType[0]!.typeName).toBe('File') // largest net first

    // Summary per name: every leaked file +1, the mutant +1, the removed handles' names −1.
    const names = Object.fromEntries(diff.summary.byName.map((n) => [String(n.objectName), [n.added, n.removed]]))
    for (let i = 0; i < 5; i++) expect(names[`${LEAK_DIR}\\${i}.tmp`]).toEqual([1, 0])
    expect(names['\\BaseNamedObjects\\reused-value']).toEqual([1, 0])
    const removedNames = new Map<string, number>()
    for (const h of [...injected.removed, injected.reused.before]) removedNames.set(String(h.objectName ?? null), (removedNames.get(String(h.objectName ?? null)) ?? 0) + 1)
    for (const [n, k] of removedNames) expect(names[n]).toEqual([0, k])
    expect(diff.summary.byName).toHaveLength(6 + removedNames.size)

    // Threads: the two new ones.
    expect(diff.threads.added.map((t) => t.threadId)).toEqual(injected.addedThreads.map((t) => t.threadId))
    expect(diff.threads.removed).toEqual([])

    // Regions: the new image region added; the reprotected one changed in protect only.
    expect(diff.regions.added.map((r) => r.baseAddress)).toEqual([injected.moduleRegion.baseAddress])
    expect(diff.regions.removed).toEqual([])
    expect(diff.regions.changed).toHaveLength(1)
    expect(diff.regions.changed[0]!.baseAddress).toBe(injected.reprotected.baseAddress)
    expect(diff.regions.changed[0]!.changes).toEqual([{ field: 'protect', before: injected.reprotected.protect, after: injected.newProtect }])

    // Modules: the new image.
    expect(diff.modules.added).toEqual([{ path: NEW_MODULE, imageBase: injected.moduleRegion.baseAddress, sizeOfImage: 0x3000, timeDateStamp: 0x65a1b2c3, regions: 1, bytes: 0x3000n }])
    expect(diff.modules.removed).toEqual([])
    expect(diff.modules.changed).toEqual([])

    // Counters: only those the injections move.
    const deltas = Object.fromEntries(diff.counters.map((c) => [c.name, c.delta]))
    expect(deltas).toMatchObject({ handles: 2n, threads: 2n, regions: 1n, modules: 1n, committed: 0x3000n, privateUsage: injected.privateGrowth, workingSetSize: 0n, virtualSize: 0n, pagefileUsage: 0n })
    const moved = diff.counters.filter((c) => c.delta !== 0n).map((c) => c.name)
    expect(moved).toEqual(['handles', 'threads', 'regions', 'modules', 'committed', 'privateUsage'])
    expect(diff.counters.filter((c) => c.name.startsWith('performanceCounters.'))).toHaveLength(12)
  })

  it('warns loudly when pid, image or create time differ', async () => {
    const a = baseSnapshot()
    const b = clone(a)
    b.header.target.processId += 4
    b.header.target.imagePath = 'C:\\Other\\app.exe'
    b.header.processInformation!.createTime = BigInt(b.header.processInformation!.createTime!) + 10_000_000n
    const diff = diffArchives(await open(a), await open(b))
    expect(diff.warnings.map((w) => w.code)).toEqual(['PID_DIFFERS', 'IMAGE_DIFFERS', 'CREATE_TIME_DIFFERS'])
    expect(diff.warnings[0]!.message).toMatch(/process ids differ/)
    // Image paths compare ignoring case (Windows).
    const c = clone(a)
    c.header.target.imagePath = a.header.target.imagePath!.toUpperCase()
    expect(diffArchives(await open(a), await open(c)).warnings).toEqual([])
  })

  it('matches threads by id and create time: a reused thread id is one removal and one addition', async () => {
    const a = baseSnapshot()
    const b = clone(a)
    const t = b.sections.threads[5]!
    t.createTime = t.createTime! + 1n
    const diff = diffArchives(await open(a), await open(b))
    expect(diff.threads.added.map((x) => x.threadId)).toEqual([t.threadId])
    expect(diff.threads.removed.map((x) => [x.threadId, x.createTime])).toEqual([[t.threadId, t.createTime - 1n]])
    expect(diff.threads.unchanged).toBe(a.sections.threads.length - 1)
  })

  it('matches handles exactly: unsorted values, a duplicated value, values beyond 2^53', async () => {
    const a = baseSnapshot()
    const b = clone(a)
    const big = (1n << 60n) + 1n // 2^60 + 1 and 2^60 + 3 are the same double
    const h = (handle: bigint, typeName: string, objectName: string) => ({ handle, objectType: 0, typeName, objectName })
    a.sections.handles = [h(0x10n, 'File', 'x'), h(0x8n, 'Event', 'y'), h(0x10n, 'File', 'x'), h(big, 'Key', 'z')]
    b.sections.handles = [h(0x8n, 'Event', 'y'), h(0x10n, 'File', 'x'), h(big + 2n, 'Key', 'z'), h(big, 'Key', 'z')]
    const diff = diffArchives(await open(a), await open(b))
    expect(diff.handles.added.map((x) => x.handle)).toEqual([big + 2n])
    expect(diff.handles.removed.map((x) => x.handle)).toEqual([0x10n])
    expect(diff.handles.unchanged).toBe(3)
    expect(diff.summary.byType.filter((t) => t.net).map((t) => [t.typeName, t.net])).toEqual([['File', -1], ['Key', 1]])
  })

  it('lists every changed field of a region, and module image changes', async () => {
    const a = baseSnapshot()
    const b = clone(a)
    const r = b.sections.vaSpace.find((x) => x.state === 0x1000 && x.type === 0x20000)!
    const old = structuredClone(r)
    r.regionSize = r.regionSize! + 0x1000n
    r.state = 0x2000
    r.type = 0x40000
    r.mappedFileName = '\\Device\\HarddiskVolume3\\map.bin'
    const image = b.sections.vaSpace.find((x) => x.type === MEM_IMAGE)!
    for (const x of b.sections.vaSpace) if (x.mappedFileName === image.mappedFileName) x.timeDateStamp = x.timeDateStamp! + 1
    const diff = diffArchives(await open(a), await open(b))
    expect(diff.regions.changed.map((c) => c.changes)).toEqual([
      [
        { field: 'regionSize', before: old.regionSize, after: r.regionSize },
        { field: 'state', before: old.state, after: 0x2000 },
        { field: 'type', before: old.type, after: 0x40000 },
        { field: 'mappedFileName', before: undefined, after: '\\Device\\HarddiskVolume3\\map.bin' },
      ],
    ])
    expect(diff.modules.changed.map((m) => [m.path, m.changes.map((c) => c.field)])).toEqual([[image.mappedFileName, ['timeDateStamp']]])
    expect(diff.modules.added).toEqual([])
  })
})

describe('--fail-on gates', () => {
  it('parses every documented form', () => {
    expect(parseFailOn(['handles+100', 'handles.File+10', 'threads+5', 'private+50MB', 'regions+20', 'modules+1'])).toEqual([
      { spec: 'handles+100', metric: 'handles', threshold: 100n, unit: 'count' },
      { spec: 'handles.File+10', metric: 'handles', typeName: 'File', threshold: 10n, unit: 'count' },
      { spec: 'threads+5', metric: 'threads', threshold: 5n, unit: 'count' },
      { spec: 'private+50MB', metric: 'privateUsage', threshold: 50n * MiB, unit: 'bytes' },
      { spec: 'regions+20', metric: 'regions', threshold: 20n, unit: 'count' },
      { spec: 'modules+1', metric: 'modules', threshold: 1n, unit: 'count' },
    ])
    expect(parseFailOn('committed+1.5GiB, workingset+4096').map((g) => [g.metric, g.threshold])).toEqual([
      ['committed', 3n << 29n],
      ['workingSetSize', 4096n],
    ])
  })

  it('rejects malformed gates with a message naming them', () => {
    // Object.prototype member names as metric or unit are unknown, never a table lookup that finds a function.
    for (const bad of ['handles', 'handles-5', 'bogus+1', 'threads+5MB', 'threads.File+1', 'private+5XB', 'handles+1.5', 'constructor+1', 'toString+1', 'private+1constructor', 'private+1__proto__']) {
      expect(() => parseFailOn(bad), bad).toThrow(GateError)
      try {
        parseFailOn(bad)
      } catch (e) {
        expect((e as GateError).code).toBe('BAD_GATE')
        expect((e as Error).message).toContain(bad.split(/[+.]/)[0])
      }
    }
  })

  it('returns the crossed gates, each named', async () => {
    const { diff } = await injectedPair()
    const gates = parseFailOn(['handles+2', 'handles+3', 'handles.file+5', 'handles.File+6', 'threads+2', 'private+50MB', 'private+65MB', 'regions+1', 'modules+1', 'workingset+0', 'handles.Nope+1'])
    const crossed = checkFailOn(diff, gates)
    expect(crossed.map((c) => c.gate.spec)).toEqual(['handles+2', 'handles.file+5', 'threads+2', 'private+50MB', 'regions+1', 'modules+1'])
    expect(crossed[1]!.message).toMatch(/^handles\.File grew by 5 \(\d+ → \d+\), limit \+5 \(--fail-on handles\.file\+5\)$/)
    expect(crossed[3]!.message).toMatch(/^private grew by 64 MiB .*limit \+50 MiB/)
    expect(counterOf(diff, 'privateUsage')!.delta).toBe(64n * MiB)
  })
})

describe('pssnap.diff/1', () => {
  it('renders counts, entries, changes and counters by the JSON value rules', async () => {
    const { diff, injected } = await injectedPair()
    const doc = JSON.parse(JSON.stringify(diffToJson(diff, { crossed: checkFailOn(diff, parseFailOn('modules+1')) })))
    expect(doc.schema).toBe('pssnap.diff/1')
    expect(doc.before.processId).toBe(doc.after.processId)
    expect(doc.handles.counts).toEqual({ added: 6, removed: 4, unchanged: diff.handles.unchanged })
    expect(doc.handles.added[0].handle).toMatch(/^0x[0-9a-f]+$/)
    expect(doc.regions.changed).toEqual([{ baseAddress: `0x${injected.reprotected.baseAddress!.toString(16)}`, changes: [{ field: 'protect', before: 4, after: 0x40 }] }])
    expect(doc.regions.added[0].regionSize).toBe('12288')
    expect(doc.modules.added[0]).toEqual({ path: NEW_MODULE, imageBase: `0x${injected.moduleRegion.baseAddress!.toString(16)}`, sizeOfImage: 0x3000, timeDateStamp: 0x65a1b2c3, regions: 1, bytes: '12288' })
    expect(doc.counters.find((c: { name: string }) => c.name === 'privateUsage').delta).toBe(String(64n * MiB))
    expect(doc.summary.byType[0]).toMatchObject({ typeName: 'File', added: 5, removed: 0, net: 5 })
    expect(doc.failOn).toEqual([expect.objectContaining({ gate: 'modules+1', metric: 'modules', threshold: '1', growth: '1' })])
    const limited = diffToJson(diff, { limit: 2 }) as { handles: { added: unknown[]; counts: { added: number } } }
    expect(limited.handles.added).toHaveLength(2)
    expect(limited.handles.counts.added).toBe(6)
  })
})

describe('entries that cannot be matched', () => {
  it('a section whose entries lack their key (a hostile million of them) is not compared, and nothing is materialised', async () => {
    const { ArchiveBuilder, col, minimalArchiveExpected: X } = await import('./helpers/build-archive.js')
    const { decodeArchive } = await import('../reader/archive.js')
    const header = { producer: X.header.producer, host: X.header.host, target: X.header.target, capture: X.header.capture }
    const n = 1 << 20
    const keyless = (seed: number) => {
      const flags = new Uint32Array(n)
      for (let i = 0; i < n; i += 4093) flags[i] = seed
      return new ArchiveBuilder().header(header).chunk({ section: 'handles', first: 0, count: n, columns: { flags: col.u32([...flags]) } }).finish()
    }
    const [a, b] = [await decodeArchive(keyless(1)), await decodeArchive(keyless(2))]
    const diff = diffArchives(a, b)
    expect(diff.notComparable.filter((x) => x.section === 'handles')).toEqual([{ section: 'handles', before: 'unkeyed', after: 'unkeyed', message: `handles not comparable: ${n} entries without handle in the earlier snapshot (they cannot be matched), ${n} entries without handle in the later snapshot (they cannot be matched)` }])
    expect(diff.handles.added).toEqual([])
    expect(diff.handles.removed).toEqual([])
    expect(counterOf(diff, 'handles')).toMatchObject({ before: BigInt(n), after: BigInt(n) })
  })
})

describe('gates that cannot be checked', () => {
  it('a counter absent on a side is unchecked (exit 4 in the CLI), never passed as 0', async () => {
    const { uncheckedGates } = await import('../reader/diff-gates.js')
    const before = baseSnapshot()
    const after = clone(before)
    delete after.header.processInformation
    const diff = diffArchives(await open(before), await open(after))
    expect(counterOf(diff, 'privateUsage')).toMatchObject({ before: expect.any(BigInt), afterAbsent: 'not-captured' })
    expect(counterOf(diff, 'privateUsage')!.after).toBeUndefined()
    const gates = parseFailOn(['private+1MB', 'handles+1'])
    expect(checkFailOn(diff, gates)).toEqual([])
    expect(uncheckedGates(diff, gates).map((u) => u.message)).toEqual(['privateUsage not comparable: not captured in the later snapshot (--fail-on private+1MB)'])
  })
})
