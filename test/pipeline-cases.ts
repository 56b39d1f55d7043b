// The Windows capture pipeline (capture/windows/pipeline.ts) end to end against the fake PSS library
// (test/fake-pss/), as runner-neutral cases (node:assert only): test/capture-windows-pipeline.test.ts runs them
// under vitest against the Linux .so, test/wine/run-pipeline.ts in the Windows build of Node under Wine against
// the DLL. Each fixture with each preset is captured into a temporary archive, read back with openArchiveFile
// and compared field by field with what the typed wrappers return for the same fixture and flags (the wrappers
// are themselves checked against the fixture's formulas in pss-fake.test.ts). Fault cases inject failures in
// the fake. After every case (runPipelineCase) no snapshot, marker, process handle or VA clone may be left
// alive, nothing may have been released twice, and no temporary file may remain.
import { strict as assert } from 'node:assert'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { release, tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { CaptureFailedError } from '../capture/errors.js'
import { PSS_QUERY_HEADER_KEYS } from '../format/pss-classes.js'
import { captureProcess, WINDOWS_PRESETS, type WindowsPreset } from '../capture/windows/index.js'
import { NativeCallTimeoutError } from '../capture/windows/native-call.js'
import { Win32Error, type PssQueryClass, type PssWalkClass } from '../capture/windows/pss.js'
import { decodeRegisters } from '../format/context.js'
import { openArchiveFile } from '../reader/node.js'
import { FAKE_CALLER_ARCH, fakeLeftovers, openFakePss, type FakePss } from './fake-pss/control.js'

export interface PipelineContext extends FakePss {
  /** A fresh temporary folder for the archives of this run. */
  readonly dir: string
  /** A new archive path in `dir`. */
  outPath(): string
}

export interface PipelineCase {
  readonly group: string
  readonly name: string
  run(ctx: PipelineContext): void | Promise<void>
}

/** What the fake still held: live snapshots, markers, process handles and VA clones, and double releases. */
export type LiveCounts = ReturnType<typeof fakeLeftovers>

export interface CaseOutcome {
  /** `group › name`: unique over PIPELINE_CASES. */
  name: string
  /** The case's failure, or the leak check's when the case itself passed; undefined when both passed. */
  error: unknown
  /** What the fake still held when the case returned (all zero when nothing leaked). */
  liveAfter: LiveCounts
  ms: number
}

export async function openPipelineContext(library: string): Promise<PipelineContext> {
  const fake = await openFakePss(library)
  const dir = mkdtempSync(join(tmpdir(), 'pssnap-win-capture-'))
  let n = 0
  return { ...fake, dir, outPath: () => join(dir, `capture-${++n}.pssnap`) }
}

export function closePipelineContext(ctx: PipelineContext): void {
  ctx.pss.close()
  ctx.control.unload()
  rmSync(ctx.dir, { recursive: true, force: true })
}

export const caseName = (c: PipelineCase) => `${c.group} › ${c.name}`

/** Runs one case, then checks and resets the fake: never throws, the outcome says what failed. */
export async function runPipelineCase(ctx: PipelineContext, c: PipelineCase): Promise<CaseOutcome> {
  const start = performance.now()
  let error: unknown
  try {
    await c.run(ctx)
  } catch (caught) {
    error = caught ?? new Error('the case threw a nullish value')
  }
  const liveAfter = fakeLeftovers(ctx.fake)
  ctx.fake.reset()
  const temporary = readdirSync(ctx.dir).filter((f) => f.endsWith('.tmp'))
  if (error === undefined) {
    try {
      assert.deepEqual(liveAfter, { snapshots: 0, markers: 0, processHandles: 0, clones: 0, doubleReleases: 0 }, 'the case left PSS objects alive or released one twice')
      // No temporary file survives a capture, finished or failed.
      assert.deepEqual(temporary, [], 'the case left temporary files')
    } catch (leak) {
      error = leak
    }
  }
  return { name: caseName(c), error, liveAfter, ms: Math.round(performance.now() - start) }
}

// ---- Assertion helpers (node:assert has no vitest-style toEqual) ----

/** Plain objects and arrays without their undefined-valued keys: reader rows carry absent fields as undefined. */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined)
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, withoutUndefined(v)]))
  }
  return value
}

/** Deep strict equality (bigint vs number included) where an undefined key equals an absent one. */
function assertSame(actual: unknown, expected: unknown, message?: string): void {
  assert.deepStrictEqual(withoutUndefined(actual), withoutUndefined(expected), message)
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

// ---- Fixtures and constants (as fake_pss.c defines them) ----

const ALLOC = { capture: 1, marker: 4, walk: 8 }
const SMALL = { id: 1, pid: 4242, image: 'C:\\Windows\\System32\\notepad.exe', handles: 8, threads: 2, regions: 4, auxPages: 0, wow64: false }
const LARGE = { id: 2, pid: 31337, image: 'C:\\Users\\Zoë\\ドキュメント\\app-😀.exe', handles: 4000, threads: 40, regions: 300, auxPages: 3, wow64: true }
const CONTEXT_ALL_X64 = 0x0010001f
const ACCESS = { VM_READ: 0x10, DUP_HANDLE: 0x40, CREATE_PROCESS: 0x80, QUERY_INFORMATION: 0x400 }

const QUERY_KEYS = PSS_QUERY_HEADER_KEYS
const SECTIONS = [
  ['auxiliaryPages', 0],
  ['vaSpace', 1],
  ['handles', 2],
  ['threads', 3],
] as const

const PRESET_ACCESS: Record<WindowsPreset, number> = {
  default: ACCESS.QUERY_INFORMATION | ACCESS.DUP_HANDLE | ACCESS.VM_READ,
  full: ACCESS.QUERY_INFORMATION | ACCESS.DUP_HANDLE | ACCESS.VM_READ | ACCESS.CREATE_PROCESS,
  handles: ACCESS.QUERY_INFORMATION | ACCESS.DUP_HANDLE,
  threads: ACCESS.QUERY_INFORMATION,
  memory: ACCESS.QUERY_INFORMATION | ACCESS.VM_READ,
}

/** What the typed wrappers read from a snapshot of the fixture with these flags: every query and walk. */
function reference(ctx: PipelineContext, fixtureId: number, flags: number, contextFlags: number) {
  const { pss, fake } = ctx
  assert.equal(fake.setFixture(fixtureId), 0)
  const snapshot = pss.captureSnapshot(pss.currentProcess, flags, contextFlags)
  const { TerminateProcess, CloseHandle } = processCalls(ctx)
  try {
    const queries: Partial<Record<(typeof QUERY_KEYS)[number], unknown>> = {}
    QUERY_KEYS.forEach((key, cls) => {
      try {
        queries[key] = pss.querySnapshot(snapshot, cls as PssQueryClass)
      } catch (error) {
        assert.equal((error as Win32Error).code, 1168)
      }
    })
    const sections: Partial<Record<(typeof SECTIONS)[number][0], unknown[]>> = {}
    for (const [name, cls] of SECTIONS) {
      try {
        sections[name] = [...pss.walk(snapshot, cls as PssWalkClass)]
      } catch (error) {
        assert.equal((error as Win32Error).code, 1168)
      }
    }
    return { queries, sections }
  } finally {
    const clone = (flags & 0x1) !== 0 ? pss.querySnapshot(snapshot, 1).vaCloneHandle : undefined
    if (clone !== undefined) assert.deepEqual([TerminateProcess(clone, 0), CloseHandle(clone)], [1, 1])
    pss.freeSnapshot(pss.currentProcess, snapshot)
  }
}

/** Runs a capture that must fail: no file at the destination afterwards. */
async function failingCapture(ctx: PipelineContext, options: Partial<Parameters<typeof captureProcess>[0]>): Promise<unknown> {
  const output = ctx.outPath()
  let caught: unknown
  try {
    await captureProcess({ pid: SMALL.pid, output, library: ctx.library, ...options })
  } catch (error) {
    caught = error
  }
  assert.notEqual(caught, undefined, 'the capture should have failed')
  assert.ok(!readdirSync(ctx.dir).includes(basename(output)), 'a failed capture left its archive')
  return caught
}

/** `error` is a Win32Error with this code, from this call. */
function assertWin32(error: unknown, code: number, call: string): void {
  assert.ok(error instanceof Win32Error, `expected a Win32Error, got ${String(error)}`)
  assert.equal(error.code, code)
  assert.equal(error.call, call)
}

// ---- The cases ----

const presets: PipelineCase[] = [
  {
    group: 'presets',
    name: 'have plain names and the documented flags; only full takes a VA clone',
    run() {
      assert.deepStrictEqual(WINDOWS_PRESETS, {
        default: 0x400019bc, // handles+name+basic+type-specific, threads+context, VA space+section, measure performance
        full: 0x400019bd,
        handles: 0x3c,
        threads: 0x180,
        memory: 0x1800,
      })
    },
  },
]

const fixtureCases: PipelineCase[] = [SMALL, LARGE].flatMap((fx) =>
  (Object.keys(WINDOWS_PRESETS) as WindowsPreset[]).map(
    (preset): PipelineCase => ({
      group: `fixture pid ${fx.pid}`,
      name: `preset ${preset}: the archive holds exactly what the wrappers read`,
      async run(ctx) {
        const { fake, library } = ctx
        const output = ctx.outPath()
        const result = await captureProcess({ pid: fx.pid, preset, output, library })
        const flags = WINDOWS_PRESETS[preset]
        const contextFlags = flags & 0x100 ? CONTEXT_ALL_X64 : 0

        // Only the rights the flags need; PROCESS_CREATE_PROCESS only for a VA clone.
        assert.equal(fake.lastOpenAccess(), PRESET_ACCESS[preset])
        assert.equal(result.accessMask, PRESET_ACCESS[preset])
        assert.equal(Boolean(fake.lastOpenAccess() & ACCESS.CREATE_PROCESS), preset === 'full')

        const archive = await openArchiveFile(output, { strict: true })
        assert.equal(archive.ok, true)
        const h = archive.header
        assert.equal(h.producer.tool, 'pssnap')
        assert.match(h.producer.version, /^\d+\.\d+\.\d+/)
        assert.equal(h.host.platform, 'windows')
        assert.equal(h.host.architecture, 'x64')
        // The OS build is recorded only when Node runs on Windows (under Wine too), never from the fake.
        assert.equal(h.host.osBuild, process.platform === 'win32' ? release().split('.')[2] : undefined)
        assertSame(h.target, { processId: fx.pid, imagePath: fx.image, architecture: fx.wow64 ? 'x86' : 'x64' })
        assert.match(h.capture.startedAt, ISO_TIME)
        assertSame(h.capture, { captureFlags: flags, threadContextFlags: contextFlags, startedAt: h.capture.startedAt, preset })

        const ref = reference(ctx, fx.id, flags, contextFlags)
        // The clone's handle differs between two captures; every other query is the same.
        const sameHandle = (q: unknown) => (q && typeof q === 'object' && 'vaCloneHandle' in q ? { vaCloneHandle: 'some handle' } : q)
        // Auxiliary pages are asked for only when the flags can produce them (the VA clone).
        const auxAsked = (flags & 0x1) !== 0
        for (const key of QUERY_KEYS) assert.deepStrictEqual(sameHandle(h[key]), key === 'auxiliaryPagesInformation' && !auxAsked ? undefined : sameHandle(ref.queries[key]), key)
        assert.equal(h.processInformation?.processId, fx.pid)
        assert.deepEqual([...archive.sectionNames].sort(), (Object.keys(ref.sections) as string[]).filter((n) => n !== 'auxiliaryPages' || auxAsked).sort())
        for (const [name] of SECTIONS) {
          const expected = ref.sections[name]
          if (!expected) continue
          const got = archive.section(name)!.toArray()
          assert.equal(got.length, expected.length, name)
          // Values must match exactly (bigint vs number included); absent fields may be undefined keys.
          got.forEach((entry, i) => assertSame(entry, expected[i], `${name}[${i}]`))
        }
        // The comparison above is not vacuous: the counts follow the flags and the fixture.
        assert.equal(archive.handles.length, flags & 0x4 ? fx.handles : 0)
        assert.equal(archive.threads.length, flags & 0x80 ? fx.threads : 0)
        assert.equal(archive.vaSpace.length, flags & 0x800 ? fx.regions : 0)
        assert.equal(archive.auxiliaryPages.length, flags & 0x1 ? fx.auxPages : 0)
        if (flags & 0x100) assert.equal(archive.contextArchitecture, 'x64') // the caller's format, also for WOW64

        const e = archive.epilogue
        assert.equal(e?.captureErrors, undefined)
        for (const key of ['captureMs', 'queryMs', 'walkMs', 'writeMs', ...(flags & 0x1 ? ['vaCloneTerminatedMs'] : [])]) {
          const ms = e?.timings?.[key]
          assert.ok(typeof ms === 'number' && ms >= 0, `${key}: ${String(ms)}`)
        }
        assertSame(result.summary.entryCounts, archive.trailer?.entryCounts)
        assert.equal(result.processId, fx.pid)
      },
    }),
  ),
)

const options: PipelineCase[] = [
  {
    group: 'options',
    name: 'self: captures through the GetCurrentProcess pseudo handle, with no OpenProcess',
    async run(ctx) {
      ctx.fake.setFixture(2)
      const output = ctx.outPath()
      const result = await captureProcess({ self: true, preset: 'threads', output, library: ctx.library })
      assert.equal(ctx.fake.lastOpenAccess(), 0)
      assert.equal(result.accessMask, undefined)
      const archive = await openArchiveFile(output)
      assert.equal(archive.header.target.processId, LARGE.pid)
      assert.equal(archive.threads.length, LARGE.threads)
    },
  },
  {
    group: 'options',
    name: 'raw flags override the preset: recorded as given, no preset name, rights follow the flags',
    async run(ctx) {
      const flags = 0x4 | 0x40 // handles, handle trace
      const output = ctx.outPath()
      await captureProcess({ pid: SMALL.pid, preset: 'full', flags, output, library: ctx.library })
      assert.equal(ctx.fake.lastOpenAccess(), ACCESS.QUERY_INFORMATION | ACCESS.DUP_HANDLE)
      const archive = await openArchiveFile(output)
      const capture = archive.header.capture
      assert.equal(typeof capture.startedAt, 'string')
      assertSame(capture, { captureFlags: flags, threadContextFlags: 0, startedAt: capture.startedAt })
      assertSame(archive.header.handleTraceInformation, { sectionHandle: 0x3a8n, size: 0x10000 })
      assert.equal(archive.header.performanceCounters, undefined)
      assert.deepEqual(archive.sectionNames, ['handles'])
      assert.deepEqual(Object.keys(archive.handles.toArray()[0]!).sort(), ['captureTime', 'flags', 'handle', 'objectType'])
    },
  },
  {
    group: 'options',
    name: 'threadContextFlags are passed through and land in the contexts',
    async run(ctx) {
      const output = ctx.outPath()
      await captureProcess({ pid: SMALL.pid, preset: 'threads', threadContextFlags: 0x00100001, output, library: ctx.library })
      const archive = await openArchiveFile(output)
      assert.equal(archive.header.capture.threadContextFlags, 0x00100001)
      const ctxRecord = archive.threads.get(0)?.contextRecord
      assert.ok(ctxRecord, 'thread 0 has a context')
      assert.equal(new DataView(ctxRecord.buffer, ctxRecord.byteOffset, ctxRecord.byteLength).getUint32(48, true), 0x00100001)
    },
  },
  {
    group: 'options',
    name: 'deflate compression gives the same archive content',
    async run(ctx) {
      const plain = ctx.outPath()
      const packed = ctx.outPath()
      await captureProcess({ pid: LARGE.pid, output: plain, library: ctx.library })
      await captureProcess({ pid: LARGE.pid, output: packed, library: ctx.library, compression: 'deflate' })
      const [a, b] = [await openArchiveFile(plain), await openArchiveFile(packed)]
      assert.ok(b.byteLength < a.byteLength, `deflate ${b.byteLength} bytes, plain ${a.byteLength}`)
      assertSame(b.handles.toArray(), a.handles.toArray())
      assertSame({ ...b.header, capture: { ...b.header.capture, startedAt: '' } }, { ...a.header, capture: { ...a.header.capture, startedAt: '' } })
    },
  },
  {
    group: 'options',
    name: 'an unknown preset is refused before any process is opened',
    async run(ctx) {
      const output = ctx.outPath()
      await assert.rejects(captureProcess({ pid: SMALL.pid, preset: 'everything' as WindowsPreset, output, library: ctx.library }), { code: 'BAD_PRESET' })
      assert.equal(ctx.fake.lastOpenAccess(), 0)
      assert.ok(!readdirSync(ctx.dir).includes(basename(output)))
    },
  },
]

const kernel32: PipelineCase[] = [
  {
    group: 'the fake kernel32 process calls',
    name: 'a handle without the rights the flags need is refused by PssCaptureSnapshot (the fake checks §5.2)',
    run(ctx) {
      const { OpenProcess, CloseHandle } = processCalls(ctx)
      const { pss } = ctx
      const handle = OpenProcess(ACCESS.QUERY_INFORMATION, 0, SMALL.pid)
      assert.ok(handle !== null)
      try {
        assert.throws(() => pss.captureSnapshot(handle, 0x4), { code: 5, call: 'PssCaptureSnapshot' })
        assert.throws(() => pss.captureSnapshot(handle, 0x1), { code: 5 })
        assert.throws(() => pss.captureSnapshot(handle, 0x800 | 0x1000), { code: 5 })
        pss.freeSnapshot(pss.currentProcess, pss.captureSnapshot(handle, 0x80 | 0x800))
      } finally {
        assert.equal(CloseHandle(handle), 1)
      }
    },
  },
  {
    group: 'the fake kernel32 process calls',
    name: 'OpenProcess, CloseHandle and GetCurrentProcess follow Win32 conventions',
    run(ctx) {
      const { OpenProcess, CloseHandle, GetCurrentProcess, GetLastError } = processCalls(ctx)
      assert.equal(OpenProcess(0x400, 0, 1), null)
      assert.equal(GetLastError(), 87)
      const handle = OpenProcess(0x1fffff, 0, LARGE.pid)
      assert.ok(handle !== null)
      assert.equal(ctx.fake.liveProcessHandles(), 1)
      assert.equal(ctx.fake.lastOpenAccess(), 0x1fffff)
      assert.equal(CloseHandle(handle), 1)
      assert.equal(CloseHandle(handle), 0)
      assert.equal(GetLastError(), 6)
      // That second close was a double release: counted by the fake (runPipelineCase would fail the case).
      assert.equal(ctx.fake.doubleReleases(), 1)
      assert.equal(GetCurrentProcess(), ctx.pss.currentProcess)
      assert.equal(CloseHandle(GetCurrentProcess()), 1)
      assert.equal(ctx.fake.liveProcessHandles(), 0)
      ctx.fake.reset()
    },
  },
]

/** The fake's kernel32 exports, declared straight from the library (as the pipeline's process.ts does). */
function processCalls({ control }: PipelineContext) {
  return {
    OpenProcess: control.func('__stdcall', 'OpenProcess', 'void *', ['uint32_t', 'int32_t', 'uint32_t']) as (a: number, i: number, p: number) => bigint | null,
    TerminateProcess: control.func('__stdcall', 'TerminateProcess', 'int32_t', ['void *', 'uint32_t']) as (h: bigint, code: number) => number,
    CloseHandle: control.func('__stdcall', 'CloseHandle', 'int32_t', ['void *']) as (h: bigint) => number,
    GetCurrentProcess: control.func('__stdcall', 'GetCurrentProcess', 'void *', []) as () => bigint,
    GetLastError: control.func('__stdcall', 'GetLastError', 'uint32_t', []) as () => number,
  }
}

const faults: PipelineCase[] = [
  {
    group: 'faults',
    name: 'capture denied: CaptureFailedError ACCESS_DENIED carrying the Win32Error; nothing written, nothing left open',
    async run(ctx) {
      ctx.fake.setCaptureError(5)
      const error = await failingCapture(ctx, {})
      assert.ok(error instanceof CaptureFailedError, `expected a CaptureFailedError, got ${String(error)}`)
      assert.equal(error.code, 'ACCESS_DENIED')
      assert.equal(error.processId, SMALL.pid)
      assertWin32(error.cause, 5, 'PssCaptureSnapshot')
    },
  },
  {
    group: 'faults',
    name: 'OpenProcess denied: ACCESS_DENIED from OpenProcess; an unknown pid: NO_SUCH_PROCESS',
    async run(ctx) {
      ctx.fake.setOpenProcessError(5)
      const denied = await failingCapture(ctx, {})
      assert.ok(denied instanceof CaptureFailedError)
      assert.equal(denied.code, 'ACCESS_DENIED')
      assertWin32(denied.cause, 5, 'OpenProcess')
      ctx.fake.setOpenProcessError(0)
      const missing = await failingCapture(ctx, { pid: 999 })
      assert.ok(missing instanceof CaptureFailedError)
      assert.equal(missing.code, 'NO_SUCH_PROCESS')
      assert.equal(missing.processId, 999)
      assertWin32(missing.cause, 87, 'OpenProcess')
    },
  },
  {
    group: 'faults',
    name: 'a capture the library refuses (reserved flag): Win32Error from PssCaptureSnapshot, handle closed',
    async run(ctx) {
      assertWin32(await failingCapture(ctx, { flags: 0x4 | 0x2 }), 87, 'PssCaptureSnapshot')
    },
  },
  {
    group: 'faults',
    name: 'allocation failure in the capture call: Win32Error ERROR_NOT_ENOUGH_MEMORY, nothing written',
    async run(ctx) {
      ctx.fake.setAllocFailure(ALLOC.capture)
      const error = await failingCapture(ctx, {})
      assertWin32(error, 8, 'PssCaptureSnapshot')
      assert.equal((error as Win32Error).symbolicName, 'ERROR_NOT_ENOUGH_MEMORY')
    },
  },
  {
    group: 'faults',
    name: 'a query missing: soft error, the key absent, the rest of the archive written',
    async run(ctx) {
      ctx.fake.setMissingQueryClasses(1 << 7)
      const output = ctx.outPath()
      const result = await captureProcess({ pid: SMALL.pid, output, library: ctx.library })
      const archive = await openArchiveFile(output)
      assert.equal(archive.header.performanceCounters, undefined)
      assertSame(archive.header.handleInformation, { handlesCaptured: SMALL.handles })
      const [soft, ...more] = archive.captureErrors
      assert.deepEqual(more, [])
      assert.ok(soft !== undefined && soft.message.includes('PssQuerySnapshot failed'), soft?.message)
      assertSame(archive.captureErrors, [{ section: 'performanceCounters', operation: 'PssQuerySnapshot', code: 1168, name: 'ERROR_NOT_FOUND', message: soft.message }])
      assertSame(result.captureErrors, archive.captureErrors)
      assert.equal(archive.handles.length, SMALL.handles)
    },
  },
  {
    group: 'faults',
    name: 'a walk failing half way: the entries before the fault are kept, with a soft error; other walks complete',
    async run(ctx) {
      ctx.fake.setWalkFault(2, 1500, 299)
      const output = ctx.outPath()
      await captureProcess({ pid: LARGE.pid, output, library: ctx.library })
      const archive = await openArchiveFile(output)
      assert.equal(archive.ok, true)
      assert.equal(archive.handles.length, 1500)
      ctx.fake.setWalkFault(0xffffffff, 0, 0)
      const ref = reference(ctx, LARGE.id, WINDOWS_PRESETS.default, CONTEXT_ALL_X64)
      assertSame(archive.handles.toArray(), ref.sections.handles?.slice(0, 1500))
      assert.equal(archive.threads.length, LARGE.threads)
      assert.equal(archive.vaSpace.length, LARGE.regions)
      const [soft, ...more] = archive.captureErrors
      assert.deepEqual(more, [])
      assert.ok(soft !== undefined && soft.message.includes('1500 entries'), soft?.message)
      assertSame(archive.captureErrors, [{ section: 'handles', operation: 'PssWalkSnapshot', code: 299, name: 'ERROR_PARTIAL_COPY', message: soft.message }])
    },
  },
  {
    group: 'faults',
    name: 'allocation failure in walks: each failing walk is a soft error keeping what it read; the archive is written',
    async run(ctx) {
      ctx.fake.setAllocFailure(ALLOC.walk)
      const output = ctx.outPath()
      await captureProcess({ pid: SMALL.pid, output, library: ctx.library })
      const archive = await openArchiveFile(output)
      // handle 0 needs a type name and thread 0 a context (both allocated): nothing read; region 0 is private
      // (no name), region 1 an image with a name: one region read. No auxiliary pages: not asked for without a clone.
      assert.deepEqual(archive.sectionNames, ['vaSpace'])
      assert.equal(archive.vaSpace.length, 1)
      assert.deepEqual(
        archive.captureErrors.map((e) => [e.section, e.operation, e.code]),
        [
          ['handles', 'PssWalkSnapshot', 8],
          ['threads', 'PssWalkSnapshot', 8],
          ['vaSpace', 'PssWalkSnapshot', 8],
        ],
      )
    },
  },
  {
    group: 'faults',
    name: 'walk markers cannot be created: one soft error per walk class, header and queries still written',
    async run(ctx) {
      ctx.fake.setAllocFailure(ALLOC.marker)
      const output = ctx.outPath()
      await captureProcess({ pid: SMALL.pid, output, library: ctx.library })
      const archive = await openArchiveFile(output)
      assert.deepEqual(archive.sectionNames, [])
      assert.equal(archive.header.processInformation?.imageFileName, SMALL.image)
      assert.deepEqual(
        archive.captureErrors.map((e) => [e.section, e.operation, e.code]),
        [
          ['handles', 'PssWalkMarkerCreate', 8],
          ['threads', 'PssWalkMarkerCreate', 8],
          ['vaSpace', 'PssWalkMarkerCreate', 8],
        ],
      )
    },
  },
  {
    group: 'faults',
    name: 'without a library option: refused off Windows naming the OS; under Wine, kernel32.dll has no PSS functions',
    async run(ctx) {
      const error = await failingCapture(ctx, { library: undefined })
      const message = (error as Error).message
      // These cases run on Linux and under Wine (whose kernel32 exports no Pss* function), never on Windows
      // itself, where this call would capture a real process.
      if (process.platform === 'win32') assert.match(message, /kernel32\.dll cannot provide PssCaptureSnapshot/)
      else assert.ok(message.includes(process.platform), message)
    },
  },
  {
    group: 'faults',
    name: 'the archive cannot be written (missing folder): the error surfaces, the snapshot and handle are still released',
    async run(ctx) {
      const output = join(ctx.dir, 'no-such-folder', 'x.pssnap')
      await assert.rejects(captureProcess({ pid: LARGE.pid, output, library: ctx.library }), { code: 'ENOENT' })
      assert.equal(ctx.fake.lastOpenAccess(), PRESET_ACCESS.default)
    },
  },
]

/** Waits until the fake reports a call blocked by FakePssHangCall (it runs on a worker thread). */
async function untilHanging(ctx: PipelineContext): Promise<void> {
  for (let i = 0; i < 2000 && !ctx.fake.hanging(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  assert.equal(ctx.fake.hanging(), 1, 'the call never started')
}

/** The timeout behind a TIMEOUT CaptureFailedError: lets the hung call go and waits until it has released everything. */
async function releaseTimedOut(ctx: PipelineContext, error: unknown): Promise<void> {
  assert.ok(error instanceof CaptureFailedError && error.code === 'TIMEOUT', `expected a TIMEOUT, got ${String(error)}`)
  assert.ok(error.cause instanceof NativeCallTimeoutError)
  ctx.fake.releaseHangs()
  await error.cause.settled
}

const strict: PipelineCase[] = [
  {
    group: 'release exactly once',
    name: 'PssFreeSnapshot failing (after part of the free): recorded, never retried, nothing released twice',
    async run(ctx) {
      assert.equal(ctx.fake.failCalls('PssFreeSnapshot', 1, 1, 5), 0)
      const output = ctx.outPath()
      await captureProcess({ pid: SMALL.pid, output, library: ctx.library })
      assert.equal(ctx.fake.callCount('PssFreeSnapshot'), 1)
      const archive = await openArchiveFile(output)
      assert.deepEqual(archive.captureErrors.map((e) => [e.section, e.operation, e.code]), [['capture', 'PssFreeSnapshot', 5]])
      assert.match(archive.captureErrors[0]!.message, /not retried/)
      // runPipelineCase checks that nothing was released twice and nothing is left.
    },
  },
  {
    group: 'the VA clone',
    name: 'ended with TerminateProcess and its handle closed before the snapshot is freed; the archive says when',
    async run(ctx) {
      const output = ctx.outPath()
      await captureProcess({ pid: SMALL.pid, preset: 'full', output, library: ctx.library })
      assert.equal(ctx.fake.liveClones(), 0)
      assert.equal(ctx.fake.callCount('TerminateProcess'), 1)
      const archive = await openArchiveFile(output)
      const ms = archive.epilogue?.timings?.vaCloneTerminatedMs
      assert.ok(typeof ms === 'number' && ms >= 0 && ms <= (archive.epilogue?.timings?.captureMs ?? 0) + (archive.epilogue?.timings?.queryMs ?? 0) + 5_000, String(ms))
      assert.deepEqual(archive.captureErrors, [])
    },
  },
  {
    group: 'the VA clone',
    name: 'TerminateProcess failing: a soft error of vaClone, the handle still closed, the clone left running',
    async run(ctx) {
      ctx.fake.failCalls('TerminateProcess', 1, 1, 5)
      const output = ctx.outPath()
      await captureProcess({ pid: SMALL.pid, preset: 'full', output, library: ctx.library })
      const archive = await openArchiveFile(output)
      assert.deepEqual(archive.captureErrors.map((e) => [e.section, e.operation, e.code]), [['vaClone', 'TerminateProcess', 5]])
      assert.equal(archive.epilogue?.timings?.vaCloneTerminatedMs, undefined)
      assert.deepEqual([ctx.fake.liveClones(), ctx.fake.liveProcessHandles()], [1, 0])
      ctx.fake.reset() // the clone this case leaves on purpose
    },
  },
  {
    group: 'auxiliary pages',
    name: 'queried and walked only when the flags can produce them (the default preset asks for none)',
    async run(ctx) {
      const output = ctx.outPath()
      await captureProcess({ pid: LARGE.pid, output, library: ctx.library })
      // Every class but auxiliary pages; those the flags did not ask for answer ERROR_NOT_FOUND, silently.
      assert.equal(ctx.fake.callCount('PssQuerySnapshot'), 7)
      const archive = await openArchiveFile(output)
      assert.equal(archive.header.auxiliaryPagesInformation, undefined)
      assert.ok(!archive.sectionNames.includes('auxiliaryPages'))
      assert.equal(ctx.fake.callCount('PssWalkMarkerCreate'), 3)
    },
  },
  {
    group: 'architectures',
    name: 'host and target machines from IsWow64Process2: x64 OS, the WOW64 fixture is x86, the other x64',
    async run(ctx) {
      for (const [fx, target] of [[LARGE, 'x86'], [SMALL, 'x64']] as const) {
        const output = ctx.outPath()
        await captureProcess({ pid: fx.pid, preset: 'threads', output, library: ctx.library })
        const h = (await openArchiveFile(output)).header
        assert.deepEqual([h.host.architecture, h.target.architecture], ['x64', target])
      }
      // An ARM64 OS: the host is arm64, whatever pssnap runs as.
      ctx.fake.setNativeMachine(0xaa64)
      const output = ctx.outPath()
      await captureProcess({ pid: SMALL.pid, preset: 'threads', output, library: ctx.library })
      const h = (await openArchiveFile(output)).header
      assert.deepEqual([h.host.architecture, h.target.architecture], ['arm64', 'arm64'])
    },
  },
  {
    group: 'architectures',
    name: 'a 32-bit pssnap refuses a 64-bit target (ARCHITECTURE_MISMATCH), and captures a WOW64 one with x86 contexts',
    async run(ctx) {
      ctx.fake.setCallerArchitecture(FAKE_CALLER_ARCH.x86)
      const error = await failingCapture(ctx, { pid: SMALL.pid, callerArchitecture: 'x86' })
      assert.ok(error instanceof CaptureFailedError && error.code === 'ARCHITECTURE_MISMATCH', String(error))
      assert.match(error.message, /32-bit x86 .* 64-bit x64/)
      assert.equal(ctx.fake.callCount('PssCaptureSnapshot'), 0)
      const output = ctx.outPath()
      await captureProcess({ pid: LARGE.pid, preset: 'threads', output, library: ctx.library, callerArchitecture: 'x86' })
      const archive = await openArchiveFile(output)
      assert.equal(archive.header.capture.threadContextFlags, 0x0001003f) // x86 CONTEXT_ALL
      assert.equal(archive.contextArchitecture, 'x86')
      assert.deepEqual([archive.header.host.architecture, archive.header.target.architecture], ['x64', 'x86'])
      const thread = archive.threads.get(0)!
      assert.equal(thread.contextRecord?.length, 716)
      const registers = decodeRegisters(thread.contextRecord, archive.contextArchitecture)
      assert.deepEqual([registers?.Eip, registers?.Esp], [0x401000n, 0x100000n])
    },
  },
  {
    group: 'thread context flags',
    name: 'names of the caller\'s architecture; THREAD_CONTEXT_EXTENDED adds XSTATE: longer records, copied whole',
    async run(ctx) {
      const EXTENDED = 0x200
      const output = ctx.outPath()
      await captureProcess({ pid: SMALL.pid, flags: 0x80 | EXTENDED, output, library: ctx.library })
      let archive = await openArchiveFile(output)
      assert.equal(archive.header.capture.threadContextFlags, 0x0010005f) // CONTEXT_ALL | CONTEXT_XSTATE
      assert.deepEqual(archive.header.threadInformation, { threadsCaptured: 2, contextLength: 2112 })
      assert.equal(archive.threads.get(0)?.contextRecord?.length, 2112)
      assert.equal(decodeRegisters(archive.threads.get(0)?.contextRecord, 'x64')?.Rip, 0x7ff700002000n)
      const named = ctx.outPath()
      await captureProcess({ pid: SMALL.pid, preset: 'threads', threadContextFlags: 'control|CONTEXT_INTEGER', output: named, library: ctx.library })
      archive = await openArchiveFile(named)
      assert.equal(archive.header.capture.threadContextFlags, 0x00100003)
      await assert.rejects(captureProcess({ pid: SMALL.pid, preset: 'threads', threadContextFlags: 'ALL|NEON', output: ctx.outPath(), library: ctx.library }), { code: 'BAD_CONTEXT_FLAGS' })
    },
  },
  {
    group: 'never hang',
    name: 'PssCaptureSnapshot hanging: TIMEOUT after the deadline, nothing written; released when the call returns',
    async run(ctx) {
      ctx.fake.hangCall('PssCaptureSnapshot', 1)
      const started = performance.now()
      const error = await failingCapture(ctx, { timeoutMs: 300 })
      assert.ok(performance.now() - started < 10_000)
      assert.match((error as Error).message, /PssCaptureSnapshot did not return within 0\.3 s/)
      assert.equal(ctx.fake.liveProcessHandles(), 1) // the hung call still uses it
      await releaseTimedOut(ctx, error)
      assert.deepEqual([ctx.fake.liveSnapshots(), ctx.fake.liveProcessHandles()], [0, 0])
    },
  },
  {
    group: 'never hang',
    name: 'a walk step hanging: TIMEOUT, nothing written; marker and snapshot freed when the step returns',
    async run(ctx) {
      ctx.fake.hangCall('PssWalkSnapshot', 3)
      const error = await failingCapture(ctx, { timeoutMs: 300 })
      assert.equal(ctx.fake.liveSnapshots(), 1)
      await releaseTimedOut(ctx, error)
      assert.deepEqual([ctx.fake.liveSnapshots(), ctx.fake.liveMarkers()], [0, 0])
    },
  },
  {
    group: 'never hang',
    name: 'an abort (Ctrl-C) during a hung capture rejects with its reason at once',
    async run(ctx) {
      ctx.fake.hangCall('PssCaptureSnapshot', 1)
      const controller = new AbortController()
      const reason = new Error('interrupted')
      void untilHanging(ctx).then(() => controller.abort(reason))
      const error = await failingCapture(ctx, { signal: controller.signal })
      assert.equal(error, reason)
      ctx.fake.releaseHangs()
      await (reason as unknown as { abandoned: { settled: Promise<void> } }).abandoned.settled
    },
  },
]

/** Every case, in a fixed order; names (group › name) are unique. */
export const PIPELINE_CASES: readonly PipelineCase[] = [...presets, ...fixtureCases, ...options, ...kernel32, ...faults, ...strict]
