// Capture faults against the fake PSS library, as a table generated from the binding's list of calls: every
// call the pipeline makes (the ten PSS functions of capture/windows/functions.ts, OpenProcess, CloseHandle,
// TerminateProcess) is counted in a clean capture, then each of its calls fails in turn (FakePssFailCalls: the
// nth call fails once; a release fails after part of its work, as a real free can). After every one: no live
// snapshot, marker, process handle or VA clone, nothing released twice, no temporary file, and either a typed
// error naming the call and its Win32 code with the destination untouched, or a complete archive whose
// captureErrors name the call and the part that failed (the decision per call is documented at the top of
// capture/windows/pipeline.ts). Allocation failures, mid-walk faults of the large fixture and an abort through
// options.signal follow the same discipline.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { CaptureFailedError } from '../capture/errors.js'
import { captureProcess, WINDOWS_PRESETS } from '../capture/windows/index.js'
import { PSS_FUNCTION_NAMES } from '../capture/windows/functions.js'
import { Win32Error } from '../capture/windows/pss.js'
import type { Archive } from '../reader/index.js'
import { openArchiveFile } from '../reader/node.js'
import { nativeCallsInFlight } from '../capture/windows/native-call.js'
import { fakeLeftovers } from './fake-pss/control.js'
import { loadFakePss } from './helpers/fake-pss.js'

const { library, pss, control, fake } = await loadFakePss()
const failCalls = control.func('FakePssFailCalls', 'uint32_t', ['str', 'uint32_t', 'uint32_t', 'uint32_t']) as (name: string, first: number, count: number, error: number) => number
/** The nth call of `name` fails, once. */
const failCall = (name: string, nth: number, error: number) => failCalls(name, nth, nth ? 1 : 0, error)
const callCount = control.func('FakePssCallCount', 'uint32_t', ['str']) as (name: string) => number

/** Every call the capture can make that can fail: the binding's PSS functions and the kernel32 process calls. */
const CALLS = [...PSS_FUNCTION_NAMES, 'OpenProcess', 'CloseHandle', 'TerminateProcess'] as const
type Call = (typeof CALLS)[number]

const SMALL = { id: 1, pid: 4242 }
const LARGE = { id: 2, pid: 31337, handles: 4000, threads: 40, regions: 300, auxPages: 3 }
const HANDLE_TRACE = 0x40
/** Every query class and walk class is asked for: VA clone, handle trace and performance counters included. */
const FLAGS = (WINDOWS_PRESETS.full | HANDLE_TRACE) >>> 0
/** The walk order of capture/windows/collect.ts. */
const WALK_ORDER = ['handles', 'threads', 'vaSpace', 'auxiliaryPages'] as const
const ERROR_NOT_ENOUGH_MEMORY = 8
const ERROR_ACCESS_DENIED = 5
const ERROR_PARTIAL_COPY = 299
const ALLOC = { capture: 1, marker: 4, walk: 8 }

const dir = mkdtempSync(join(tmpdir(), 'pssnap-faults-'))
let n = 0
const SENTINEL = 'an archive that was here before\n'

afterEach(() => {
  const live = fakeLeftovers(fake)
  fake.reset()
  expect(live).toEqual({ snapshots: 0, markers: 0, processHandles: 0, clones: 0, doubleReleases: 0 })
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
})
afterAll(() => {
  pss.close()
  control.unload()
  rmSync(dir, { recursive: true, force: true })
})

type Outcome = { error: unknown; archive?: undefined; output: string } | { error?: undefined; archive: Archive; output: string }

/** One capture to a fresh destination, which already holds a file when `preexisting`. */
async function capture(options: { pid?: number; flags?: number; preexisting?: boolean; signal?: AbortSignal } = {}): Promise<Outcome> {
  const output = join(dir, `capture-${++n}.pssnap`)
  if (options.preexisting) writeFileSync(output, SENTINEL)
  try {
    await captureProcess({ pid: options.pid ?? SMALL.pid, flags: options.flags ?? FLAGS, output, library, ...(options.signal ? { signal: options.signal } : {}) })
  } catch (error) {
    // Nothing at the destination, or exactly what was there.
    if (options.preexisting) expect(readFileSync(output, 'utf8')).toBe(SENTINEL)
    else expect(existsSync(output)).toBe(false)
    return { error, output }
  }
  const archive = await openArchiveFile(output, { strict: true })
  expect(archive.ok).toBe(true)
  return { archive, output }
}

/** What a clean capture holds, and how often it makes each call. */
async function baseline() {
  fake.reset()
  const clean = await capture()
  if (!clean.archive) throw clean.error
  const counts = Object.fromEntries(CALLS.map((c) => [c, callCount(c)])) as Record<Call, number>
  const archive = clean.archive
  const queryKeys = Object.keys(archive.header).filter((k) => !['producer', 'host', 'target', 'capture', 'redaction'].includes(k))
  const entries = Object.fromEntries(WALK_ORDER.map((s) => [s, archive.section(s)?.toArray() ?? []])) as Record<(typeof WALK_ORDER)[number], unknown[]>
  fake.reset()
  return { archive, counts, queryKeys, entries }
}

const base = await baseline()

describe('the baseline capture the table is built from', () => {
  it('asks for every query and walk class, records no error, and makes every call the pipeline can make', () => {
    expect(base.archive.captureErrors).toEqual([])
    expect(base.queryKeys.sort()).toEqual(
      ['auxiliaryPagesInformation', 'handleInformation', 'handleTraceInformation', 'performanceCounters', 'processInformation', 'threadInformation', 'vaCloneInformation', 'vaSpaceInformation'].sort(),
    )
    expect(base.entries.handles).toHaveLength(8)
    expect(base.entries.threads).toHaveLength(2)
    expect(base.entries.vaSpace).toHaveLength(4)
    expect(base.entries.auxiliaryPages).toHaveLength(0)
    expect(base.counts).toEqual({
      PssCaptureSnapshot: 1,
      PssDuplicateSnapshot: 0,
      PssFreeSnapshot: 1,
      PssQuerySnapshot: 8,
      // every entry of every class, and the call that answers ERROR_NO_MORE_ITEMS
      PssWalkSnapshot: 8 + 1 + 2 + 1 + 4 + 1 + 0 + 1,
      PssWalkMarkerCreate: 4,
      PssWalkMarkerFree: 4,
      PssWalkMarkerGetPosition: 0,
      PssWalkMarkerSetPosition: 0,
      PssWalkMarkerSeekToBeginning: 0,
      OpenProcess: 1,
      // the target's handle, and the VA clone's once the clone is ended
      CloseHandle: 2,
      TerminateProcess: 1,
    })
  })

  it('every call of the list can be failed by the fake, and an unknown name is refused', () => {
    for (const call of CALLS) expect(failCall(call, 0, 0), call).toBe(0)
    expect(failCall('PssNoSuchFunction', 1, 5)).toBe(87)
  })
})

/** The Win32Error at the bottom of a thrown capture error (CaptureFailedError keeps it as its cause). */
function win32Of(error: unknown): Win32Error {
  const e = error instanceof CaptureFailedError ? error.cause : error
  expect(e).toBeInstanceOf(Win32Error)
  return e as Win32Error
}

/** The archive holds everything the baseline holds, except what `missing` names. */
function expectSameAsBaseline(archive: Archive, missing: { queryKey?: string; section?: string; keptEntries?: number } = {}) {
  const keys = Object.keys(archive.header).filter((k) => base.queryKeys.includes(k))
  expect(keys.sort()).toEqual(base.queryKeys.filter((k) => k !== missing.queryKey).sort())
  for (const section of WALK_ORDER) {
    const expected = section === missing.section ? base.entries[section].slice(0, missing.keptEntries ?? 0) : base.entries[section]
    // A class failing before its first entry is absent (not captured), not an empty section.
    if (section === missing.section && !missing.keptEntries) expect(archive.sectionNames, section).not.toContain(section)
    else expect(archive.section(section)?.toArray(), section).toEqual(expected)
  }
}

const cases = CALLS.flatMap((call) => Array.from({ length: base.counts[call] }, (_, i) => ({ call, nth: i + 1 })))
const uncalled = CALLS.filter((call) => base.counts[call] === 0)

describe.each([
  { code: ERROR_NOT_ENOUGH_MEMORY, preexisting: false },
  { code: ERROR_ACCESS_DENIED, preexisting: true },
])('each call failing in turn with Win32 error $code (destination pre-existing: $preexisting)', ({ code, preexisting }) => {
  it.each(cases)('$call, call $nth', async ({ call, nth }) => {
    expect(failCall(call, nth, code)).toBe(0)
    const outcome = await capture({ preexisting })
    expect(callCount(call)).toBeGreaterThanOrEqual(nth) // the fault was reached
    const name = code === ERROR_ACCESS_DENIED ? 'ERROR_ACCESS_DENIED' : 'ERROR_NOT_ENOUGH_MEMORY'
    const soft = { operation: call, code, name, message: expect.stringContaining(`${call} failed: ${name} (${code})`) }

    switch (call) {
      case 'OpenProcess':
      case 'PssCaptureSnapshot': {
        // Nothing can be captured: a typed error naming the call and the code.
        const win32 = win32Of(outcome.error)
        expect(win32).toMatchObject({ call, code })
        if (code === ERROR_ACCESS_DENIED) {
          expect(outcome.error).toBeInstanceOf(CaptureFailedError)
          expect(outcome.error).toMatchObject({ code: 'ACCESS_DENIED', processId: SMALL.pid })
          expect((outcome.error as Error).message).toContain(`${call}: ERROR_ACCESS_DENIED 5`)
        } else {
          expect((outcome.error as Error).message).toMatch(new RegExp(`^${call} failed: ERROR_NOT_ENOUGH_MEMORY \\(8\\): `))
        }
        return
      }
      case 'PssQuerySnapshot': {
        // One class lost, the others kept.
        const archive = outcome.archive!
        expect(archive.captureErrors).toEqual([{ section: expect.any(String), ...soft, message: expect.stringContaining('information not recorded') }])
        const lost = archive.captureErrors[0]!.section
        expect(base.queryKeys).toContain(lost)
        expectSameAsBaseline(archive, { queryKey: lost })
        if (lost === 'processInformation') expect(archive.header.target.processId).toBe(SMALL.pid)
        if (lost === 'vaCloneInformation') {
          // Without the clone's handle pssnap cannot end it: said in the archive, and the fake sees it running.
          expect(archive.captureErrors[0]!.message).toContain('the VA clone cannot be ended')
          expect([fake.liveClones(), fake.liveProcessHandles()]).toEqual([1, 1])
          fake.reset()
        }
        return
      }
      case 'TerminateProcess': {
        // The clone could not be ended: a soft error, its handle closed all the same, the clone left running.
        expect(outcome.archive!.captureErrors).toEqual([{ section: 'vaClone', ...soft, message: expect.stringContaining('the VA clone may outlive the snapshot') }])
        expectSameAsBaseline(outcome.archive!)
        expect([fake.liveClones(), fake.liveProcessHandles()]).toEqual([1, 0])
        fake.reset()
        return
      }
      case 'PssWalkMarkerCreate': {
        // That class is not walked; the others are.
        const section = WALK_ORDER[nth - 1]!
        expect(outcome.archive!.captureErrors).toEqual([{ section, ...soft, message: expect.stringContaining('section not captured') }])
        expectSameAsBaseline(outcome.archive!, { section, keptEntries: 0 })
        return
      }
      case 'PssWalkSnapshot': {
        // The entries read before the failing step are kept; the other classes are complete.
        let before = 0
        let section: (typeof WALK_ORDER)[number] = WALK_ORDER[0]
        for (section of WALK_ORDER) {
          const calls = base.entries[section].length + 1
          if (nth <= before + calls) break
          before += calls
        }
        const kept = nth - before - 1
        expect(outcome.archive!.captureErrors).toEqual([
          { section, ...soft, message: expect.stringContaining(kept ? `section holds the ${kept} entries read before the failure` : 'section not captured') },
        ])
        expectSameAsBaseline(outcome.archive!, { section, keptEntries: kept })
        return
      }
      case 'PssWalkMarkerFree':
      case 'PssFreeSnapshot':
      case 'CloseHandle': {
        // A release: called once, never retried (the fake's failure comes after part of the release, so a retry
        // would be a double release, checked after each test); the archive complete, the failure recorded.
        const section = call === 'PssWalkMarkerFree' ? WALK_ORDER[nth - 1]! : call === 'PssFreeSnapshot' ? 'capture' : nth === 1 ? 'process' : 'vaClone'
        expect(outcome.archive!.captureErrors).toEqual([{ section, ...soft, message: expect.stringMatching(/not retried: .*undefined$/) }])
        expect(callCount(call)).toBe(base.counts[call])
        expectSameAsBaseline(outcome.archive!)
        return
      }
      default:
        throw new Error(`no expectation for ${call}: the table needs a row for every call the capture makes`)
    }
  })

  it.each(uncalled)('%s is never called by a capture', async (call) => {
    failCall(call, 1, code)
    const outcome = await capture({ preexisting })
    expect(callCount(call)).toBe(0)
    expect(outcome.archive?.captureErrors).toEqual([])
  })
})

describe('a release is never retried', () => {
  it.each(['CloseHandle', 'PssFreeSnapshot', 'PssWalkMarkerFree'] as const)('%s failing on every call: called exactly as often as in a clean capture, nothing released twice', async (call) => {
    expect(failCalls(call, 1, 100, ERROR_ACCESS_DENIED)).toBe(0)
    const { archive } = await capture()
    expect(callCount(call)).toBe(base.counts[call])
    expect(archive!.captureErrors.map((e) => e.operation)).toEqual(Array(base.counts[call]).fill(call))
    expect(fake.doubleReleases()).toBe(0)
  })
})

describe('allocation failures (FakePssSetAllocFailure)', () => {
  it('in the capture call: Win32Error ERROR_NOT_ENOUGH_MEMORY from PssCaptureSnapshot, destination untouched', async () => {
    fake.setAllocFailure(ALLOC.capture)
    const outcome = await capture({ preexisting: true })
    expect(win32Of(outcome.error)).toMatchObject({ call: 'PssCaptureSnapshot', code: ERROR_NOT_ENOUGH_MEMORY })
  })

  it('in every marker: one soft error per walk class; header and queries complete', async () => {
    fake.setAllocFailure(ALLOC.marker)
    const { archive } = await capture()
    expect(archive!.captureErrors.map((e) => [e.section, e.operation, e.code])).toEqual(WALK_ORDER.map((s) => [s, 'PssWalkMarkerCreate', ERROR_NOT_ENOUGH_MEMORY]))
    expect(archive!.sectionNames).toEqual([])
    expect(Object.keys(archive!.header).filter((k) => base.queryKeys.includes(k)).sort()).toEqual([...base.queryKeys].sort())
  })

  it('in walk memory (names, contexts): each class keeps what it read before its first allocation', async () => {
    fake.setAllocFailure(ALLOC.walk)
    const { archive } = await capture()
    expect(archive!.captureErrors.map((e) => [e.section, e.operation, e.code])).toEqual([
      ['handles', 'PssWalkSnapshot', 8],
      ['threads', 'PssWalkSnapshot', 8],
      ['vaSpace', 'PssWalkSnapshot', 8],
    ])
    expect(archive!.vaSpace.toArray()).toEqual(base.entries.vaSpace.slice(0, 1))
  })
})

describe('the large fixture: a walk failing at its first, middle and last entry, and after the last', () => {
  const classes = [
    [0, 'auxiliaryPages', LARGE.auxPages],
    [1, 'vaSpace', LARGE.regions],
    [2, 'handles', LARGE.handles],
    [3, 'threads', LARGE.threads],
  ] as const
  const rows = classes.flatMap(([cls, section, count]) => [0, Math.floor(count / 2), count - 1].map((after) => ({ cls, section, count, after })))
  it.each(rows)('$section after $after of $count entries', async ({ cls, section, count, after }) => {
    fake.setWalkFault(cls, after, ERROR_PARTIAL_COPY)
    // full: auxiliary pages come with the VA clone
    const { archive } = await capture({ pid: LARGE.pid, flags: WINDOWS_PRESETS.full })
    expect(archive!.captureErrors).toEqual([
      {
        section,
        operation: 'PssWalkSnapshot',
        code: ERROR_PARTIAL_COPY,
        name: 'ERROR_PARTIAL_COPY',
        message: expect.stringContaining(after ? `${after} entries read before the failure` : 'section not captured'),
      },
    ])
    if (after) expect(archive!.section(section)?.length).toBe(after)
    else expect(archive!.sectionNames).not.toContain(section)
    for (const [, other, otherCount] of classes) if (other !== section) expect(archive!.section(other)?.length, other).toBe(otherCount)
    expect(count).toBeGreaterThan(after)
  })
})

describe('abort through options.signal', () => {
  it('aborted before it starts: rejects with the reason, opens nothing', async () => {
    const reason = new Error('stop')
    const outcome = await capture({ signal: AbortSignal.abort(reason), preexisting: true })
    expect(outcome.error).toBe(reason)
    expect(callCount('OpenProcess')).toBe(0)
  })

  it('aborted while the large fixture is being walked and written: everything released, nothing written', async () => {
    const controller = new AbortController()
    const reason = new Error('stop')
    // Once the walk has begun (each step returns to the event loop: the steps run on a worker thread).
    const poll = setInterval(() => callCount('PssWalkSnapshot') > 100 && controller.abort(reason), 1)
    const outcome = await capture({ pid: LARGE.pid, flags: WINDOWS_PRESETS.default, signal: controller.signal }).finally(() => clearInterval(poll))
    expect(outcome.error).toBe(reason)
    // A step running when the abort came releases the marker and the snapshot when it returns.
    for (let i = 0; i < 1000 && nativeCallsInFlight() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(callCount('PssCaptureSnapshot')).toBe(1)
    expect(callCount('PssFreeSnapshot')).toBe(1)
  })
})
