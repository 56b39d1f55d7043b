// The PSS API over an archive (reader/pss-facade.ts) against the live binding over the fake PSS library: one
// consumer, written against the minimal interface both implement, runs on a live snapshot and on the archive
// captureProcess wrote from the same fixture with the same flags, and must give identical output (every query,
// every walk entry, marker positions replayed, every error's code, name, call and message). Then the facade's
// own marker rules. After every test no snapshot, marker or process handle may be left alive, live or facade.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { captureProcess, WINDOWS_PRESETS, type WindowsPreset } from '../capture/windows/index.js'
import { WIN32_ERROR_NAMES, Win32Error, type PssSnapshot } from '../capture/windows/pss.js'
import type { AuxiliaryPageEntry, HandleEntry, ThreadEntry, VaSpaceEntry } from '../format/index.js'
import { openArchive } from '../reader/index.js'
import { openArchiveFile } from '../reader/node.js'
import { openPssArchive, PssArchiveError, type ArchiveWalkMarker, type PssArchiveSnapshot } from '../reader/pss-facade.js'
import { loadFakePss } from './helpers/fake-pss.js'

const { library, pss, control, fake } = await loadFakePss()
const ALLOC = { walk: 8 }

const dir = mkdtempSync(join(tmpdir(), 'pssnap-pss-facade-'))
let n = 0
const outPath = () => join(dir, `capture-${++n}.pssnap`)

// Facades opened by a test, checked for leaked markers afterwards like the fake's live counters.
const facades: PssArchiveSnapshot[] = []
afterEach(() => {
  const live = { snapshots: fake.liveSnapshots(), markers: fake.liveMarkers(), processHandles: fake.liveProcessHandles(), facadeMarkers: facades.reduce((s, f) => s + f.liveMarkers, 0) }
  facades.length = 0
  fake.reset()
  expect(live).toEqual({ snapshots: 0, markers: 0, processHandles: 0, facadeMarkers: 0 })
})
afterAll(() => {
  pss.close()
  control.unload()
  rmSync(dir, { recursive: true, force: true })
})

const SMALL = { id: 1, pid: 4242 }
const LARGE = { id: 2, pid: 31337 }

// ---- The consumer: written once, against what both the live wrappers and the facade offer ----

interface WalkEntries {
  0: AuxiliaryPageEntry
  1: VaSpaceEntry
  2: HandleEntry
  3: ThreadEntry
}
type WalkClass = keyof WalkEntries
type QueryClass = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7

/** The PSS calls a consumer makes on one snapshot, whatever holds it; M is the marker handle type. */
interface PssApi<M> {
  querySnapshot(infoClass: QueryClass): object
  walkMarkerCreate(): M
  walkMarkerFree(marker: M): void
  walkMarkerGetPosition(marker: M): bigint
  walkMarkerSetPosition(marker: M, position: bigint): void
  walkMarkerSeekToBeginning(marker: M): void
  walkSnapshot<C extends WalkClass>(walkClass: C, marker: M): WalkEntries[C] | undefined
  walk<C extends WalkClass>(walkClass: C): Iterable<WalkEntries[C]>
}

/** How a consumer recognises a PSS failure from either side: a numeric `code` and a `symbolicName`. */
function isPssError(e: unknown): e is Error & { code: number; symbolicName: string | undefined; call: string } {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'number' && 'symbolicName' in e
}

type Outcome<T> = { value: T } | { error: { code: number; symbolicName: string | undefined; call: string; message: string } } | { rangeError: string }

function attempt<T>(fn: () => T): Outcome<T> {
  try {
    return { value: fn() }
  } catch (e) {
    if (isPssError(e)) return { error: { code: e.code, symbolicName: e.symbolicName, call: e.call, message: e.message } }
    if (e instanceof RangeError) return { rangeError: e.message }
    throw e
  }
}

function withMarker<M, T>(api: PssApi<M>, body: (marker: M) => T): T {
  const marker = api.walkMarkerCreate()
  try {
    return body(marker)
  } finally {
    api.walkMarkerFree(marker)
  }
}

function summarise<M>(api: PssApi<M>) {
  const queries = ([0, 1, 2, 3, 4, 5, 6, 7] as const).map((c) => attempt(() => api.querySnapshot(c)))
  const processInformation = attempt(() => api.querySnapshot(0) as { processId?: number; imageFileName?: string })
  const process = 'value' in processInformation ? { processId: processInformation.value.processId, image: processInformation.value.imageFileName } : processInformation

  const handlesByType = attempt(() => {
    const counts: Record<string, number> = {}
    for (const h of api.walk(2)) counts[h.typeName ?? `type ${h.objectType}`] = (counts[h.typeName ?? `type ${h.objectType}`] ?? 0) + 1
    return counts
  })
  const handles = attempt(() => [...api.walk(2)])

  // A saved position, read on, then set back: the same entries again; then from the beginning to the end.
  const threads = attempt(() =>
    withMarker(api, (m) => {
      const next = () => api.walkSnapshot(3, m) ?? null
      const first = [next(), next(), next()]
      const saved = api.walkMarkerGetPosition(m)
      const after = [next(), next()]
      api.walkMarkerSetPosition(m, saved)
      const again = [next(), next()]
      api.walkMarkerSeekToBeginning(m)
      const all: ThreadEntry[] = []
      for (let t = next(); t; t = next()) all.push(t)
      return { first, after, again, sameAgain: JSON.stringify(after, big) === JSON.stringify(again, big), all, pastEnd: next() }
    }),
  )
  const vaSpace = attempt(() => [...api.walk(1)])
  const auxiliaryPages = attempt(() => [...api.walk(0)])

  // The first step of every class, and a class no snapshot has.
  const firstOfEach = ([0, 1, 2, 3] as const).map((c) => attempt(() => withMarker(api, (m) => api.walkSnapshot(c, m) ?? null)))
  const unknownWalkClass = attempt(() => withMarker(api, (m) => api.walkSnapshot(7 as WalkClass, m)))
  const unknownQueryClass = attempt(() => api.querySnapshot(8 as QueryClass))

  // Markers misused: freed, another marker's position, the null position.
  const freed = api.walkMarkerCreate()
  api.walkMarkerFree(freed)
  const freedMarker = [
    attempt(() => api.walkMarkerGetPosition(freed)),
    attempt(() => api.walkMarkerSetPosition(freed, 1n)),
    attempt(() => api.walkMarkerSeekToBeginning(freed)),
    attempt(() => api.walkSnapshot(2, freed)),
    attempt(() => api.walkMarkerFree(freed)),
  ]
  const foreignPosition = withMarker(api, (a) => withMarker(api, (b) => [attempt(() => api.walkMarkerSetPosition(b, api.walkMarkerGetPosition(a))), attempt(() => api.walkMarkerSetPosition(b, 0n))]))

  return { queries, process, handlesByType, handles, threads, vaSpace, auxiliaryPages, firstOfEach, unknownWalkClass, unknownQueryClass, freedMarker, foreignPosition }
}

const big = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Array.from(v) : v)

/** Every object's keys in order, depth first (arrays of entries included). */
function keyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keyOrder)
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return null
  return Object.entries(value).map(([k, v]) => [k, keyOrder(v)])
}

// ---- The two sides ----

/** The live wrappers with the snapshot bound: the adaptation a live consumer would write. */
function liveApi(snapshot: PssSnapshot): PssApi<bigint> {
  return {
    querySnapshot: (c) => pss.querySnapshot(snapshot, c),
    walkMarkerCreate: () => pss.walkMarkerCreate(),
    walkMarkerFree: (m) => pss.walkMarkerFree(m as never),
    walkMarkerGetPosition: (m) => pss.walkMarkerGetPosition(m as never),
    walkMarkerSetPosition: (m, p) => pss.walkMarkerSetPosition(m as never, p),
    walkMarkerSeekToBeginning: (m) => pss.walkMarkerSeekToBeginning(m as never),
    walkSnapshot: (c, m) => pss.walkSnapshot(snapshot, c, m as never),
    walk: (c) => pss.walk(snapshot, c),
  }
}

/** The live summary of a fresh snapshot of the fixture, taken with the archive's recorded flags. */
function liveSummary(fixtureId: number, captureFlags: number, threadContextFlags: number) {
  expect(fake.setFixture(fixtureId)).toBe(0)
  const snapshot = pss.captureSnapshot(pss.currentProcess, captureFlags, threadContextFlags)
  try {
    return summarise(liveApi(snapshot))
  } finally {
    // The fake's VA clone lives until it is ended (as pssnap's capture does): ended here, its handle closed.
    if (captureFlags & 0x1) {
      const clone = pss.querySnapshot(snapshot, 1).vaCloneHandle
      expect([TerminateProcess(clone, 0), CloseHandle(clone)]).toEqual([1, 1])
    }
    pss.freeSnapshot(pss.currentProcess, snapshot)
  }
}
const TerminateProcess = control.func('__stdcall', 'TerminateProcess', 'int32_t', ['void *', 'uint32_t']) as (h: bigint, code: number) => number
const CloseHandle = control.func('__stdcall', 'CloseHandle', 'int32_t', ['void *']) as (h: bigint) => number

/** Each capture has its own VA clone, so its own handle value: compared as "a handle", every other value exactly. */
function sameCloneHandle<T extends { queries: unknown[] }>(summary: T): T {
  const q = summary.queries[1] as { value?: { vaCloneHandle?: unknown } }
  if (typeof q.value?.vaCloneHandle === 'bigint' && q.value.vaCloneHandle !== 0n) q.value.vaCloneHandle = 'a handle'
  return summary
}

async function captureToFacade(options: Omit<Parameters<typeof captureProcess>[0], 'output' | 'library'>) {
  const output = outPath()
  await captureProcess({ ...options, output, library })
  const archive = await openArchiveFile(output)
  const facade = openPssArchive(archive)
  facades.push(facade)
  return { output, archive, facade }
}

// The facade needs no adaptation: it is a PssApi as it stands.
const asApi = (facade: PssArchiveSnapshot): PssApi<ArchiveWalkMarker> => facade

// ---- Parity ----

describe.each([SMALL, LARGE])('fixture pid $pid: one consumer, live snapshot and archive, identical output', (fx) => {
  it.each(Object.keys(WINDOWS_PRESETS) as WindowsPreset[])('preset %s', async (preset) => {
    const { archive, facade } = await captureToFacade({ pid: fx.pid, preset })
    const { captureFlags, threadContextFlags } = archive.header.capture
    const live = sameCloneHandle(liveSummary(fx.id, captureFlags, threadContextFlags))
    const offline = sameCloneHandle(summarise(asApi(facade)))
    // toStrictEqual: the facade's entries have no undefined keys the live ones lack, and plain Uint8Arrays.
    expect(offline).toStrictEqual(live)
    // …and the same key order, for consumers that print or serialise entries.
    expect(keyOrder(offline)).toEqual(keyOrder(live))

    // Not vacuous: what each preset captured shows up as values, and what it did not as ERROR_NOT_FOUND.
    const notFound = { error: expect.objectContaining({ code: 1168, symbolicName: 'ERROR_NOT_FOUND', call: 'PssWalkSnapshot' }) }
    expect(live.process).toEqual({ processId: fx.pid, image: expect.any(String) })
    if (captureFlags & 0x4) expect(live.handles).toEqual({ value: expect.arrayContaining([expect.objectContaining({ handle: 4n })]) })
    else expect(live.handles).toEqual(notFound)
    if (captureFlags & 0x80) {
      expect(live.threads).toMatchObject({ value: { sameAgain: true, pastEnd: null } })
    } else expect(live.threads).toEqual(notFound)
    if (!(captureFlags & 0x800)) expect(live.vaSpace).toEqual(notFound)
    expect(live.unknownWalkClass).toEqual({ error: expect.objectContaining({ code: 87, call: 'PssWalkSnapshot' }) })
    expect(live.freedMarker.map((o) => ('error' in o ? o.error.code : o))).toEqual([6, 6, 6, 6, 6])
    expect(live.foreignPosition.map((o) => ('error' in o ? o.error.code : o))).toEqual([87, 87])
  })

  it('the marker sequence reads real entries: saved after 3, the next 2 read twice (LARGE has 40 threads)', async () => {
    if (fx.id !== LARGE.id) return
    const { facade } = await captureToFacade({ pid: fx.pid, preset: 'threads' })
    const t = summarise(asApi(facade)).threads
    if (!('value' in t)) throw new Error('threads not walked')
    expect(t.value.first.map((e) => e?.threadId)).toEqual([7000, 7004, 7008])
    expect(t.value.after.map((e) => e?.threadId)).toEqual([7012, 7016])
    expect(t.value.again).toStrictEqual(t.value.after)
    expect(t.value.all.length).toBe(40)
  })
})

describe('parity when the capture itself failed in part: the facade replays the recorded failures', () => {
  it('a handle walk that failed after 1500 entries: 1500 entries, then ERROR_PARTIAL_COPY, on both sides', async () => {
    fake.setWalkFault(2, 1500, 299)
    const { archive, facade } = await captureToFacade({ pid: LARGE.pid })
    const live = liveSummary(LARGE.id, archive.header.capture.captureFlags, archive.header.capture.threadContextFlags)
    expect(summarise(asApi(facade))).toStrictEqual(live)
    expect(live.handles).toEqual({ error: expect.objectContaining({ code: 299, symbolicName: 'ERROR_PARTIAL_COPY' }) })
    // Without replay, the archive's 1500 entries are simply all there is.
    const plain = openPssArchive(archive, { replayCaptureErrors: false })
    expect([...plain.walk(2)].length).toBe(1500)
  })

  it('walks that failed on allocation (one region read, no handle, no thread) and a missing query', async () => {
    fake.setAllocFailure(ALLOC.walk)
    fake.setMissingQueryClasses(1 << 7)
    const { archive, facade } = await captureToFacade({ pid: SMALL.pid })
    const live = liveSummary(SMALL.id, archive.header.capture.captureFlags, archive.header.capture.threadContextFlags)
    expect(summarise(asApi(facade))).toStrictEqual(live)
    expect(live.queries[7]).toEqual({ error: expect.objectContaining({ code: 1168, call: 'PssQuerySnapshot' }) })
    expect(live.threads).toEqual({ error: expect.objectContaining({ code: 8, symbolicName: 'ERROR_NOT_ENOUGH_MEMORY' }) })
  })
})

// ---- The facade on its own ----

describe('openPssArchive: errors', () => {
  it('PssArchiveError carries exactly what Win32Error carries, for every known code', async () => {
    for (const code of Object.keys(WIN32_ERROR_NAMES).map(Number)) {
      const live = new Win32Error(code, 'PssWalkSnapshot')
      const offline = new PssArchiveError(code, 'PssWalkSnapshot')
      expect({ code: offline.code, symbolicName: offline.symbolicName, call: offline.call, message: offline.message }).toEqual({ code: live.code, symbolicName: live.symbolicName, call: live.call, message: live.message })
    }
    expect(new PssArchiveError(4242, 'PssQuerySnapshot')).toMatchObject({ code: 4242, symbolicName: undefined, message: 'PssQuerySnapshot failed: Win32 error (4242)' })
    expect(new PssArchiveError(1168, 'PssQuerySnapshot')).toBeInstanceOf(Error)
  })

  it('classes not captured: ERROR_NOT_FOUND from the query and from the walk; an unknown query class is a RangeError', async () => {
    const { facade } = await captureToFacade({ pid: SMALL.pid, preset: 'handles' })
    expect(() => facade.querySnapshot(5)).toThrow(expect.objectContaining({ name: 'PssArchiveError', code: 1168, symbolicName: 'ERROR_NOT_FOUND', call: 'PssQuerySnapshot' }))
    expect(() => [...facade.walk(3)]).toThrow(expect.objectContaining({ code: 1168, call: 'PssWalkSnapshot' }))
    expect(() => facade.querySnapshot(9 as 0)).toThrow(RangeError)
    expect(facade.querySnapshot(4)).toEqual({ handlesCaptured: 8 })
  })

  it('a freed or unknown marker: ERROR_INVALID_HANDLE from every call', async () => {
    const { facade } = await captureToFacade({ pid: SMALL.pid, preset: 'threads' })
    const m = facade.walkMarkerCreate()
    facade.walkMarkerFree(m)
    const unknown = 0xdeadn as ArchiveWalkMarker
    for (const marker of [m, unknown]) {
      for (const [call, fn] of [
        ['PssWalkMarkerFree', () => facade.walkMarkerFree(marker)],
        ['PssWalkMarkerGetPosition', () => facade.walkMarkerGetPosition(marker)],
        ['PssWalkMarkerSetPosition', () => facade.walkMarkerSetPosition(marker, 1n)],
        ['PssWalkMarkerSeekToBeginning', () => facade.walkMarkerSeekToBeginning(marker)],
        ['PssWalkSnapshot', () => facade.walkSnapshot(3, marker)],
      ] as const) {
        expect(fn, call).toThrow(expect.objectContaining({ code: 6, symbolicName: 'ERROR_INVALID_HANDLE', call }))
      }
    }
    // A new marker never takes a freed one's handle.
    const again = facade.walkMarkerCreate()
    expect(again).not.toBe(m)
    facade.walkMarkerFree(again)
  })
})

describe('openPssArchive: markers and positions', () => {
  it('positions are opaque tokens of their marker: saved, restored, past the end, refused for another marker', async () => {
    const { facade } = await captureToFacade({ pid: LARGE.pid, preset: 'default' })
    const a = facade.walkMarkerCreate()
    const b = facade.walkMarkerCreate()
    try {
      const start = facade.walkMarkerGetPosition(a)
      expect(facade.walkMarkerGetPosition(b)).not.toBe(start)
      const first = facade.walkSnapshot(3, a)
      expect(facade.walkMarkerGetPosition(a)).not.toBe(start)
      facade.walkMarkerSetPosition(a, start)
      expect(facade.walkSnapshot(3, a)).toStrictEqual(first)

      expect(() => facade.walkMarkerSetPosition(b, start)).toThrow(expect.objectContaining({ code: 87, call: 'PssWalkMarkerSetPosition' }))
      expect(() => facade.walkMarkerSetPosition(b, 0n)).toThrow(expect.objectContaining({ code: 87 }))
      expect(() => facade.walkMarkerSetPosition(b, -1n)).toThrow(expect.objectContaining({ code: 87 }))

      // A position past the end is accepted and walks nothing, as in the fake library.
      facade.walkMarkerSetPosition(a, start + 1000n)
      expect(facade.walkSnapshot(3, a)).toBeUndefined()
      expect(facade.walkSnapshot(3, a)).toBeUndefined()
      facade.walkMarkerSeekToBeginning(a)
      expect(facade.walkSnapshot(3, a)).toStrictEqual(first)
    } finally {
      facade.walkMarkerFree(a)
      facade.walkMarkerFree(b)
    }
  })

  it('one marker holds one position for every class (the fake library\'s choice), on both sides', async () => {
    const { archive, facade } = await captureToFacade({ pid: LARGE.pid })
    const read = <M>(api: PssApi<M>) =>
      withMarker(api, (m) => {
        api.walkSnapshot(3, m)
        api.walkSnapshot(3, m)
        return [api.walkSnapshot(2, m)?.handle, api.walkSnapshot(1, m)?.baseAddress]
      })
    const offline = read(asApi(facade))
    expect(offline).toEqual([12n, 0x7ff600000000n + 3n * 0x100000n])
    expect(fake.setFixture(LARGE.id)).toBe(0)
    const snapshot = pss.captureSnapshot(pss.currentProcess, archive.header.capture.captureFlags, archive.header.capture.threadContextFlags)
    try {
      expect(read(liveApi(snapshot))).toEqual(offline)
    } finally {
      pss.freeSnapshot(pss.currentProcess, snapshot)
    }
  })

  it('walk frees its marker when the loop breaks or the body throws', async () => {
    const { facade } = await captureToFacade({ pid: LARGE.pid, preset: 'handles' })
    for (const h of facade.walk(2)) {
      expect(facade.liveMarkers).toBe(1)
      if (h.handle === 8n) break
    }
    expect(facade.liveMarkers).toBe(0)
    expect(() => {
      for (const _ of facade.walk(2)) throw new Error('stop')
    }).toThrow('stop')
    expect(facade.liveMarkers).toBe(0)
  })

  it('entries and query results are fresh objects: changing one changes nothing the next call returns', async () => {
    const { facade } = await captureToFacade({ pid: SMALL.pid })
    const info = facade.querySnapshot(0)
    info.processId = 1
    expect(facade.querySnapshot(0).processId).toBe(SMALL.pid)
    const thread = withMarker(asApi(facade), (m) => facade.walkSnapshot(3, m))
    const ctx = thread?.contextRecord
    expect(ctx).toBeInstanceOf(Uint8Array)
    expect(Object.getPrototypeOf(ctx)).toBe(Uint8Array.prototype)
    ctx!.fill(0)
    const again = withMarker(asApi(facade), (m) => facade.walkSnapshot(3, m))
    expect(again?.contextRecord?.some((b) => b !== 0)).toBe(true)
  })

  it('works on an archive opened from bytes with the platform-free reader', async () => {
    const { output } = await captureToFacade({ pid: SMALL.pid, preset: 'memory' })
    const facade = openPssArchive(await openArchive(new Uint8Array(readFileSync(output))))
    facades.push(facade)
    expect([...facade.walk(1)].length).toBe(4)
    expect(facade.querySnapshot(3)).toEqual({ regionCount: 4 })
  })
})
