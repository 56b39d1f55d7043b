// The Windows capture pipeline (capture/windows/pipeline.ts) end to end on Linux, against the fake PSS library
// (test/fake-pss/): each fixture with each preset into a temporary archive, read back with openArchiveFile and
// compared field by field with what the typed wrappers return for the same fixture and flags (the wrappers
// are themselves checked against the fixture's formulas in pss-fake.test.ts). Fault tests inject failures in
// the fake; after every test no snapshot, marker or process handle may be left alive.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { CaptureFailedError } from '../capture/errors.js'
import { captureProcess, WINDOWS_PRESETS, type WindowsPreset } from '../capture/windows/index.js'
import { openPss, Win32Error, type PssQueryClass, type PssWalkClass } from '../capture/windows/pss.js'
import { openArchiveFile } from '../reader/node.js'
import { loadFakePss } from './helpers/fake-pss.js'

const { library, pss, control, fake } = await loadFakePss()
const ALLOC = { capture: 1, marker: 4, walk: 8 }

const dir = mkdtempSync(join(tmpdir(), 'pssnap-win-capture-'))
let n = 0
const outPath = () => join(dir, `capture-${++n}.pssnap`)

afterEach(() => {
  const live = { snapshots: fake.liveSnapshots(), markers: fake.liveMarkers(), processHandles: fake.liveProcessHandles() }
  fake.reset()
  expect(live).toEqual({ snapshots: 0, markers: 0, processHandles: 0 })
  // No temporary file survives a capture, finished or failed.
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
})
afterAll(() => {
  pss.close()
  control.unload()
  rmSync(dir, { recursive: true, force: true })
})

const SMALL = { id: 1, pid: 4242, image: 'C:\\Windows\\System32\\notepad.exe', handles: 8, threads: 2, regions: 4, auxPages: 0, wow64: false }
const LARGE = { id: 2, pid: 31337, image: 'C:\\Users\\Zoë\\ドキュメント\\app-😀.exe', handles: 4000, threads: 40, regions: 300, auxPages: 3, wow64: true }
const CONTEXT_ALL_X64 = 0x0010001f
const ACCESS = { VM_READ: 0x10, DUP_HANDLE: 0x40, CREATE_PROCESS: 0x80, QUERY_INFORMATION: 0x400 }

const QUERY_KEYS = [
  'processInformation',
  'vaCloneInformation',
  'auxiliaryPagesInformation',
  'vaSpaceInformation',
  'handleInformation',
  'threadInformation',
  'handleTraceInformation',
  'performanceCounters',
] as const
const SECTIONS = [
  ['auxiliaryPages', 0],
  ['vaSpace', 1],
  ['handles', 2],
  ['threads', 3],
] as const

/** What the typed wrappers read from a snapshot of the fixture with these flags: every query and walk. */
function reference(fixtureId: number, flags: number, contextFlags: number) {
  expect(fake.setFixture(fixtureId)).toBe(0)
  const snapshot = pss.captureSnapshot(pss.currentProcess, flags, contextFlags)
  try {
    const queries: Partial<Record<(typeof QUERY_KEYS)[number], unknown>> = {}
    QUERY_KEYS.forEach((key, cls) => {
      try {
        queries[key] = pss.querySnapshot(snapshot, cls as PssQueryClass)
      } catch (error) {
        expect((error as Win32Error).code).toBe(1168)
      }
    })
    const sections: Partial<Record<(typeof SECTIONS)[number][0], unknown[]>> = {}
    for (const [name, cls] of SECTIONS) {
      try {
        sections[name] = [...pss.walk(snapshot, cls as PssWalkClass)]
      } catch (error) {
        expect((error as Win32Error).code).toBe(1168)
      }
    }
    return { queries, sections }
  } finally {
    pss.freeSnapshot(pss.currentProcess, snapshot)
  }
}

const PRESET_ACCESS: Record<WindowsPreset, number> = {
  default: ACCESS.QUERY_INFORMATION | ACCESS.DUP_HANDLE | ACCESS.VM_READ,
  full: ACCESS.QUERY_INFORMATION | ACCESS.DUP_HANDLE | ACCESS.VM_READ | ACCESS.CREATE_PROCESS,
  handles: ACCESS.QUERY_INFORMATION | ACCESS.DUP_HANDLE,
  threads: ACCESS.QUERY_INFORMATION,
  memory: ACCESS.QUERY_INFORMATION | ACCESS.VM_READ,
}

describe('presets', () => {
  it('have plain names and the documented flags; only full takes a VA clone', () => {
    expect(WINDOWS_PRESETS).toEqual({
      default: 0x400019bc, // handles+name+basic+type-specific, threads+context, VA space+section, measure performance
      full: 0x400019bd,
      handles: 0x3c,
      threads: 0x180,
      memory: 0x1800,
    })
  })
})

describe.each([SMALL, LARGE])('fixture pid $pid', (fx) => {
  it.each(Object.keys(WINDOWS_PRESETS) as WindowsPreset[])('preset %s: the archive holds exactly what the wrappers read', async (preset) => {
    const output = outPath()
    const result = await captureProcess({ pid: fx.pid, preset, output, library })
    const flags = WINDOWS_PRESETS[preset]
    const contextFlags = flags & 0x100 ? CONTEXT_ALL_X64 : 0

    // Only the rights the flags need; PROCESS_CREATE_PROCESS only for a VA clone.
    expect(fake.lastOpenAccess()).toBe(PRESET_ACCESS[preset])
    expect(result.accessMask).toBe(PRESET_ACCESS[preset])
    expect(Boolean(fake.lastOpenAccess() & ACCESS.CREATE_PROCESS)).toBe(preset === 'full')

    const archive = await openArchiveFile(output, { strict: true })
    expect(archive.ok).toBe(true)
    const h = archive.header
    expect(h.producer.tool).toBe('pssnap')
    expect(h.producer.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(h.host.platform).toBe('windows')
    expect(h.host.architecture).toBe('x64')
    expect(h.host.osBuild).toBeUndefined()
    expect(h.target).toEqual({ processId: fx.pid, imagePath: fx.image, architecture: fx.wow64 ? 'x86' : 'x64' })
    expect(h.capture).toEqual({ captureFlags: flags, threadContextFlags: contextFlags, startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), preset })

    const ref = reference(fx.id, flags, contextFlags)
    for (const key of QUERY_KEYS) expect(h[key], key).toStrictEqual(ref.queries[key])
    expect(h.processInformation?.processId).toBe(fx.pid)
    expect(archive.sectionNames.sort()).toEqual((Object.keys(ref.sections) as string[]).sort())
    for (const [name] of SECTIONS) {
      const expected = ref.sections[name]
      if (!expected) continue
      const got = archive.section(name)!.toArray()
      expect(got.length, name).toBe(expected.length)
      // toEqual: reader rows carry absent fields as undefined keys; values (bigint vs number included) must match.
      got.forEach((entry, i) => expect(entry, `${name}[${i}]`).toEqual(expected[i]))
    }
    // The comparison above is not vacuous: the counts follow the flags and the fixture.
    expect(archive.handles.length).toBe(flags & 0x4 ? fx.handles : 0)
    expect(archive.threads.length).toBe(flags & 0x80 ? fx.threads : 0)
    expect(archive.vaSpace.length).toBe(flags & 0x800 ? fx.regions : 0)
    expect(archive.auxiliaryPages.length).toBe(flags & 0x800 ? fx.auxPages : 0)
    if (flags & 0x100) expect(archive.contextArchitecture).toBe('x64') // the caller's format, also for WOW64

    const e = archive.epilogue
    expect(e?.captureErrors).toBeUndefined()
    for (const key of ['captureMs', 'queryMs', 'walkMs', 'writeMs']) {
      expect(e?.timings?.[key], key).toBeTypeOf('number')
      expect(e?.timings?.[key], key).toBeGreaterThanOrEqual(0)
    }
    expect(result.summary.entryCounts).toEqual(archive.trailer?.entryCounts)
    expect(result.processId).toBe(fx.pid)
  })
})

describe('options', () => {
  it('self: captures through the GetCurrentProcess pseudo handle, with no OpenProcess', async () => {
    fake.setFixture(2)
    const output = outPath()
    const result = await captureProcess({ self: true, preset: 'threads', output, library })
    expect(fake.lastOpenAccess()).toBe(0)
    expect(result.accessMask).toBeUndefined()
    const archive = await openArchiveFile(output)
    expect(archive.header.target.processId).toBe(LARGE.pid)
    expect(archive.threads.length).toBe(LARGE.threads)
  })

  it('raw flags override the preset: recorded as given, no preset name, rights follow the flags', async () => {
    const flags = 0x4 | 0x40 // handles, handle trace
    const output = outPath()
    await captureProcess({ pid: SMALL.pid, preset: 'full', flags, output, library })
    expect(fake.lastOpenAccess()).toBe(ACCESS.QUERY_INFORMATION | ACCESS.DUP_HANDLE)
    const archive = await openArchiveFile(output)
    expect(archive.header.capture).toEqual({ captureFlags: flags, threadContextFlags: 0, startedAt: expect.any(String) })
    expect(archive.header.handleTraceInformation).toEqual({ sectionHandle: 0x3a8n, size: 0x10000 })
    expect(archive.header.performanceCounters).toBeUndefined()
    expect(archive.sectionNames).toEqual(['handles'])
    expect(archive.handles.toArray().map((x) => Object.keys(x).sort())[0]).toEqual(['captureTime', 'flags', 'handle', 'objectType'])
  })

  it('threadContextFlags are passed through and land in the contexts', async () => {
    const output = outPath()
    await captureProcess({ pid: SMALL.pid, preset: 'threads', threadContextFlags: 0x00100001, output, library })
    const archive = await openArchiveFile(output)
    expect(archive.header.capture.threadContextFlags).toBe(0x00100001)
    const ctx = archive.threads.get(0)?.contextRecord
    expect(ctx && new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength).getUint32(48, true)).toBe(0x00100001)
  })

  it('deflate compression gives the same archive content', async () => {
    const plain = outPath()
    const packed = outPath()
    await captureProcess({ pid: LARGE.pid, output: plain, library })
    await captureProcess({ pid: LARGE.pid, output: packed, library, compression: 'deflate' })
    const [a, b] = [await openArchiveFile(plain), await openArchiveFile(packed)]
    expect(b.byteLength).toBeLessThan(a.byteLength)
    expect(b.handles.toArray()).toEqual(a.handles.toArray())
    expect({ ...b.header, capture: { ...b.header.capture, startedAt: '' } }).toEqual({ ...a.header, capture: { ...a.header.capture, startedAt: '' } })
  })

  it('an unknown preset is refused before any process is opened', async () => {
    const output = outPath()
    await expect(captureProcess({ pid: SMALL.pid, preset: 'everything' as WindowsPreset, output, library })).rejects.toMatchObject({ code: 'BAD_PRESET' })
    expect(fake.lastOpenAccess()).toBe(0)
    expect(readdirSync(dir)).not.toContain(output.split('/').pop())
  })
})

describe('the fake kernel32 process calls', () => {
  const OpenProcess = control.func('OpenProcess', 'void *', ['uint32_t', 'int32_t', 'uint32_t']) as (a: number, i: number, p: number) => bigint | null
  const CloseHandle = control.func('CloseHandle', 'int32_t', ['void *']) as (h: bigint) => number
  const GetCurrentProcess = control.func('GetCurrentProcess', 'void *', []) as () => bigint
  const GetLastError = control.func('GetLastError', 'uint32_t', []) as () => number

  it('a handle without the rights the flags need is refused by PssCaptureSnapshot (the fake checks §5.2)', () => {
    const handle = OpenProcess(ACCESS.QUERY_INFORMATION, 0, SMALL.pid)
    expect(handle).not.toBeNull()
    try {
      expect(() => pss.captureSnapshot(handle!, 0x4)).toThrow(expect.objectContaining({ code: 5, call: 'PssCaptureSnapshot' }))
      expect(() => pss.captureSnapshot(handle!, 0x1)).toThrow(expect.objectContaining({ code: 5 }))
      expect(() => pss.captureSnapshot(handle!, 0x800 | 0x1000)).toThrow(expect.objectContaining({ code: 5 }))
      pss.freeSnapshot(pss.currentProcess, pss.captureSnapshot(handle!, 0x80 | 0x800))
    } finally {
      expect(CloseHandle(handle!)).toBe(1)
    }
  })

  it('OpenProcess, CloseHandle and GetCurrentProcess follow Win32 conventions', () => {
    expect(OpenProcess(0x400, 0, 1)).toBeNull()
    expect(GetLastError()).toBe(87)
    const handle = OpenProcess(0x1fffff, 0, LARGE.pid)!
    expect(fake.liveProcessHandles()).toBe(1)
    expect(fake.lastOpenAccess()).toBe(0x1fffff)
    expect(CloseHandle(handle)).toBe(1)
    expect(CloseHandle(handle)).toBe(0)
    expect(GetLastError()).toBe(6)
    expect(GetCurrentProcess()).toBe(pss.currentProcess)
    expect(CloseHandle(GetCurrentProcess())).toBe(1)
    expect(fake.liveProcessHandles()).toBe(0)
  })
})

/** Runs a capture that must fail: no file at the destination afterwards. */
async function failingCapture(options: Partial<Parameters<typeof captureProcess>[0]>): Promise<unknown> {
  const output = outPath()
  let caught: unknown
  try {
    await captureProcess({ pid: SMALL.pid, output, library, ...options })
  } catch (error) {
    caught = error
  }
  expect(caught).toBeDefined()
  expect(readdirSync(dir)).not.toContain(output.split('/').pop())
  return caught
}

describe('faults', () => {
  it('capture denied: CaptureFailedError ACCESS_DENIED carrying the Win32Error; nothing written, nothing left open', async () => {
    fake.setCaptureError(5)
    const error = await failingCapture({})
    expect(error).toBeInstanceOf(CaptureFailedError)
    expect(error).toMatchObject({ code: 'ACCESS_DENIED', processId: SMALL.pid })
    expect((error as Error).cause).toBeInstanceOf(Win32Error)
    expect((error as Error).cause).toMatchObject({ code: 5, call: 'PssCaptureSnapshot' })
  })

  it('OpenProcess denied: ACCESS_DENIED from OpenProcess; an unknown pid: NO_SUCH_PROCESS', async () => {
    fake.setOpenProcessError(5)
    const denied = await failingCapture({})
    expect(denied).toMatchObject({ code: 'ACCESS_DENIED', cause: { code: 5, call: 'OpenProcess' } })
    fake.setOpenProcessError(0)
    const missing = await failingCapture({ pid: 999 })
    expect(missing).toMatchObject({ code: 'NO_SUCH_PROCESS', processId: 999, cause: { code: 87, call: 'OpenProcess' } })
  })

  it('a capture the library refuses (reserved flag): Win32Error from PssCaptureSnapshot, handle closed', async () => {
    const error = await failingCapture({ flags: 0x4 | 0x2 })
    expect(error).toBeInstanceOf(Win32Error)
    expect(error).toMatchObject({ code: 87, call: 'PssCaptureSnapshot' })
  })

  it('allocation failure in the capture call: Win32Error ERROR_NOT_ENOUGH_MEMORY, nothing written', async () => {
    fake.setAllocFailure(ALLOC.capture)
    const error = await failingCapture({})
    expect(error).toMatchObject({ code: 8, symbolicName: 'ERROR_NOT_ENOUGH_MEMORY', call: 'PssCaptureSnapshot' })
  })

  it('a query missing: soft error, the key absent, the rest of the archive written', async () => {
    fake.setMissingQueryClasses(1 << 7)
    const output = outPath()
    const result = await captureProcess({ pid: SMALL.pid, output, library })
    const archive = await openArchiveFile(output)
    expect(archive.header.performanceCounters).toBeUndefined()
    expect(archive.header.handleInformation).toEqual({ handlesCaptured: SMALL.handles })
    expect(archive.captureErrors).toEqual([
      { section: 'performanceCounters', operation: 'PssQuerySnapshot', code: 1168, name: 'ERROR_NOT_FOUND', message: expect.stringContaining('PssQuerySnapshot failed') },
    ])
    expect(result.captureErrors).toEqual(archive.captureErrors)
    expect(archive.handles.length).toBe(SMALL.handles)
  })

  it('a walk failing half way: the entries before the fault are kept, with a soft error; other walks complete', async () => {
    fake.setWalkFault(2, 1500, 299)
    const output = outPath()
    await captureProcess({ pid: LARGE.pid, output, library })
    const archive = await openArchiveFile(output)
    expect(archive.ok).toBe(true)
    expect(archive.handles.length).toBe(1500)
    fake.setWalkFault(0xffffffff, 0, 0)
    const ref = reference(LARGE.id, WINDOWS_PRESETS.default, CONTEXT_ALL_X64)
    expect(archive.handles.toArray()).toEqual(ref.sections.handles?.slice(0, 1500))
    expect(archive.threads.length).toBe(LARGE.threads)
    expect(archive.vaSpace.length).toBe(LARGE.regions)
    expect(archive.captureErrors).toEqual([
      { section: 'handles', operation: 'PssWalkSnapshot', code: 299, name: 'ERROR_PARTIAL_COPY', message: expect.stringContaining('1500 entries') },
    ])
  })

  it('allocation failure in walks: each failing walk is a soft error keeping what it read; the archive is written', async () => {
    fake.setAllocFailure(ALLOC.walk)
    const output = outPath()
    await captureProcess({ pid: SMALL.pid, output, library })
    const archive = await openArchiveFile(output)
    // handle 0 needs a type name and thread 0 a context (both allocated): nothing read; region 0 is private
    // (no name), region 1 an image with a name: one region read.
    expect(archive.sectionNames).toEqual(['vaSpace', 'auxiliaryPages'])
    expect(archive.vaSpace.length).toBe(1)
    expect(archive.captureErrors.map((e) => [e.section, e.operation, e.code])).toEqual([
      ['handles', 'PssWalkSnapshot', 8],
      ['threads', 'PssWalkSnapshot', 8],
      ['vaSpace', 'PssWalkSnapshot', 8],
    ])
  })

  it('walk markers cannot be created: one soft error per walk class, header and queries still written', async () => {
    fake.setAllocFailure(ALLOC.marker)
    const output = outPath()
    await captureProcess({ pid: SMALL.pid, output, library })
    const archive = await openArchiveFile(output)
    expect(archive.sectionNames).toEqual([])
    expect(archive.header.processInformation?.imageFileName).toBe(SMALL.image)
    expect(archive.captureErrors.map((e) => [e.section, e.operation, e.code])).toEqual([
      ['handles', 'PssWalkMarkerCreate', 8],
      ['threads', 'PssWalkMarkerCreate', 8],
      ['vaSpace', 'PssWalkMarkerCreate', 8],
      ['auxiliaryPages', 'PssWalkMarkerCreate', 8],
    ])
  })

  it('without a library option off Windows: the clear refusal naming the OS, nothing written', async () => {
    if (process.platform === 'win32') return
    const error = await failingCapture({ library: undefined })
    expect((error as Error).message).toContain(process.platform)
  })

  it('the archive cannot be written (missing folder): the error surfaces, the snapshot and handle are still released', async () => {
    const output = join(dir, 'no-such-folder', 'x.pssnap')
    await expect(captureProcess({ pid: LARGE.pid, output, library })).rejects.toMatchObject({ code: 'ENOENT' })
    expect(fake.lastOpenAccess()).toBe(PRESET_ACCESS.default)
  })
})
