// The typed PSS wrappers (capture/windows/pss.ts) against the fake library (test/fake-pss/fake_pss.c, built by
// test/fake-pss/build.ts). The expected fixture values are written out here again from the C source's formulas,
// not read from the library, so a decoding or layout slip on either side shows up as a field mismatch.
import { afterEach, describe, expect, it } from 'vitest'
import { openPss, PSS_QUERY, PSS_WALK, Win32Error, type PssAllocator, type PssSnapshot, type QueryResults } from '../capture/windows/pss.js'
import type { AuxiliaryPageEntry, HandleEntry, ThreadEntry, VaSpaceEntry } from '../format/fields.js'
import { fakeLeftovers } from './fake-pss/control.js'
import { loadFakePss } from './helpers/fake-pss.js'

const { library: libraryPath, koffi, pss, fake, control } = await loadFakePss()
const ALLOC = { capture: 1, duplicate: 2, marker: 4, walk: 8 }
const TerminateProcess = control.func('__stdcall', 'TerminateProcess', 'int32_t', ['void *', 'uint32_t']) as (h: bigint, code: number) => number
const CloseHandle = control.func('__stdcall', 'CloseHandle', 'int32_t', ['void *']) as (h: bigint) => number

// Every test leaves no snapshot, marker, process handle or VA clone behind and releases nothing twice; the fake is
// reset afterwards so one leak fails one test.
afterEach(() => {
  const left = fakeLeftovers(fake)
  fake.reset()
  expect(left).toEqual({ snapshots: 0, markers: 0, processHandles: 0, clones: 0, doubleReleases: 0 })
})

// ---- Capture flags (PSS_CAPTURE_*) ----
const C = {
  VA_CLONE: 0x1,
  HANDLES: 0x4,
  HANDLE_NAME: 0x8,
  HANDLE_BASIC: 0x10,
  HANDLE_TYPE_SPECIFIC: 0x20,
  HANDLE_TRACE: 0x40,
  THREADS: 0x80,
  THREAD_CONTEXT: 0x100,
  VA_SPACE: 0x800,
  VA_SPACE_SECTION: 0x1000,
  USE_VM_ALLOCATIONS: 0x20000000,
  MEASURE_PERFORMANCE: 0x40000000,
}
const ALL =
  C.VA_CLONE | C.HANDLES | C.HANDLE_NAME | C.HANDLE_BASIC | C.HANDLE_TYPE_SPECIFIC | C.HANDLE_TRACE | C.THREADS | C.THREAD_CONTEXT | C.VA_SPACE | C.VA_SPACE_SECTION | C.MEASURE_PERFORMANCE
const CONTEXT_ALL_X64 = 0x0010001f
const PROCESS = pss.currentProcess

// ---- The fixtures, as fake_pss.c defines them ----
interface Fixture {
  id: number
  processId: number
  parentProcessId: number
  processFlags: number
  affinityMask: bigint
  imageFileName: string
  handles: number
  threads: number
  regions: number
  auxPages: number
  nonAscii: boolean
}
const SMALL: Fixture = {
  id: 1,
  processId: 4242,
  parentProcessId: 1000,
  processFlags: 0,
  affinityMask: 0xffn,
  imageFileName: 'C:\\Windows\\System32\\notepad.exe',
  handles: 8,
  threads: 2,
  regions: 4,
  auxPages: 0,
  nonAscii: false,
}
const LARGE: Fixture = {
  id: 2,
  processId: 31337,
  parentProcessId: 4242,
  processFlags: 0x12,
  affinityMask: 0xffff_ffff_ffff_ffffn,
  imageFileName: 'C:\\Users\\Zoë\\ドキュメント\\app-😀.exe',
  handles: 4000,
  threads: 40,
  regions: 300,
  auxPages: 3,
  nonAscii: true,
}
const BASE_TIME = 133500000000000000n
const CAPTURE_TIME = 134000000000000000n
const TYPE_NAMES = ['Process', 'Thread', 'Mutant', 'Event', 'Section', 'Semaphore', 'File', 'Key']

function expectedProcessInformation(fx: Fixture): QueryResults[0] {
  return {
    exitStatus: 259,
    pebBaseAddress: 0xd234567000n,
    affinityMask: fx.affinityMask,
    basePriority: 8,
    processId: fx.processId,
    parentProcessId: fx.parentProcessId,
    flags: fx.processFlags,
    createTime: BASE_TIME,
    exitTime: 0n,
    kernelTime: 1562500n,
    userTime: 3125000n,
    priorityClass: 0x20,
    peakVirtualSize: 0x2_0000_0000n,
    virtualSize: 0x1_8000_0000n,
    pageFaultCount: 12345,
    peakWorkingSetSize: 0x400_0000n,
    workingSetSize: 0x300_0000n,
    quotaPeakPagedPoolUsage: 0x10000n,
    quotaPagedPoolUsage: 0x8000n,
    quotaPeakNonPagedPoolUsage: 0x4000n,
    quotaNonPagedPoolUsage: 0x2000n,
    pagefileUsage: 0x100_0000n,
    peakPagefileUsage: 0x200_0000n,
    privateUsage: 0x180_0000n,
    executeFlags: 4,
    imageFileName: fx.imageFileName,
  }
}

function expectedQueries(fx: Fixture, flags: number): Partial<QueryResults> {
  const counter = (k: number) => BigInt((k + 1) * 1000 + k)
  const q: Partial<QueryResults> = { 0: expectedProcessInformation(fx) }
  // The clone's handle is a live process handle of the fake: any value but NULL.
  if (flags & C.VA_CLONE) q[1] = { vaCloneHandle: expect.toSatisfy((h: unknown) => typeof h === 'bigint' && h !== 0n) }
  // The fake ties auxiliary pages to the VA clone (no public flag is documented to produce them).
  if (flags & C.VA_CLONE) q[2] = { auxPagesCaptured: fx.auxPages }
  if (flags & C.VA_SPACE) q[3] = { regionCount: fx.regions }
  if (flags & C.HANDLES) q[4] = { handlesCaptured: fx.handles }
  if (flags & C.THREADS) q[5] = { threadsCaptured: fx.threads, contextLength: flags & C.THREAD_CONTEXT ? 1232 : 0 }
  if (flags & C.HANDLE_TRACE) q[6] = { sectionHandle: 0x3a8n, size: 0x10000 }
  if (flags & C.MEASURE_PERFORMANCE) {
    q[7] = {
      totalCycleCount: counter(0),
      totalWallClockPeriod: counter(1),
      vaCloneCycleCount: counter(2),
      vaCloneWallClockPeriod: counter(3),
      vaSpaceCycleCount: counter(4),
      vaSpaceWallClockPeriod: counter(5),
      auxPagesCycleCount: counter(6),
      auxPagesWallClockPeriod: counter(7),
      handlesCycleCount: counter(8),
      handlesWallClockPeriod: counter(9),
      threadsCycleCount: counter(10),
      threadsWallClockPeriod: counter(11),
    }
  }
  return q
}

function expectedHandle(fx: Fixture, i: number, flags: number): HandleEntry {
  const k = i % 8
  const objectType = k < 6 ? k + 1 : 0
  const detail = (flags & (C.HANDLE_NAME | C.HANDLE_BASIC | C.HANDLE_TYPE_SPECIFIC)) !== 0
  const named = i % 3 !== 0
  const haveName = (flags & C.HANDLE_NAME) !== 0 && named
  const haveBasic = (flags & C.HANDLE_BASIC) !== 0
  const haveSpecific = (flags & C.HANDLE_TYPE_SPECIFIC) !== 0 && objectType !== 0
  const e: HandleEntry = {
    handle: BigInt(4 * (i + 1)),
    flags: (detail ? 1 : 0) | (haveName ? 2 : 0) | (haveBasic ? 4 : 0) | (haveSpecific ? 8 : 0),
    objectType: detail ? objectType : 0,
    captureTime: CAPTURE_TIME + BigInt(i),
  }
  if (detail) e.typeName = TYPE_NAMES[k]
  if (haveName) e.objectName = fx.nonAscii ? `\\BaseNamedObjects\\Zoë-名前-${i}${i % 5 === 1 ? '-😀' : ''}` : `\\BaseNamedObjects\\obj-${i}`
  if (haveBasic) {
    Object.assign(e, {
      attributes: i % 4 === 0 ? 2 : 0,
      grantedAccess: 0x1f0000 | ((i * 7) & 0xffff),
      handleCount: 1 + (i % 5),
      pointerCount: 32768 + (i % 7),
      pagedPoolCharge: 100 + i,
      nonPagedPoolCharge: 50 + (i % 13),
      creationTime: BASE_TIME + BigInt(i) * 10000000n,
    })
  }
  if (haveSpecific) {
    switch (objectType) {
      case 1:
        e.typeSpecificInformation = {
          process: {
            exitStatus: 259,
            pebBaseAddress: 0x7ff600000000n + BigInt(i) * 0x1000n,
            affinityMask: 0xfn,
            basePriority: 8,
            processId: 1000 + i,
            parentProcessId: 4,
            flags: i % 2 ? 2 : 0,
          },
        }
        break
      case 2:
        e.typeSpecificInformation = {
          thread: {
            exitStatus: 259,
            tebBaseAddress: 0xc000000000n + BigInt(i) * 0x2000n,
            processId: fx.processId,
            threadId: 5000 + i,
            affinityMask: 0xffff_ffff_ffff_ffffn,
            priority: 10,
            basePriority: -2,
            win32StartAddress: 0x7ffa12340000n + BigInt(i),
          },
        }
        break
      case 3:
        e.typeSpecificInformation = { mutant: { currentCount: i % 2 ? 1 : -1, abandoned: i % 2 === 0 ? 1 : 0, ownerProcessId: fx.processId, ownerThreadId: 6000 + i } }
        break
      case 4:
        e.typeSpecificInformation = { event: { manualReset: i % 2, signaled: Math.floor(i / 8) % 2 } }
        break
      case 5:
        e.typeSpecificInformation = { section: { baseAddress: 0x20000000n + BigInt(i) * 0x10000n, allocationAttributes: 0x8000000, maximumSize: 0x1_0000_0000n + BigInt(i) } }
        break
      case 6:
        e.typeSpecificInformation = { semaphore: { currentCount: i % 10, maximumCount: 10 } }
        break
    }
  }
  return e
}

function expectedContext(j: number, contextFlags: number): Uint8Array {
  const c = new Uint8Array(1232)
  for (let k = 0; k < c.length; k++) c[k] = (k * 7 + j) & 0xff
  const v = new DataView(c.buffer)
  v.setUint32(48, contextFlags, true)
  v.setBigUint64(152, 0xc000100000n + BigInt(j) * 0x1000n, true) // Rsp
  v.setBigUint64(248, 0x7ff700002000n + BigInt(j), true) // Rip
  return c
}

function expectedThread(fx: Fixture, j: number, flags: number, contextFlags: number): ThreadEntry {
  const terminated = j === 1
  const withContext = (flags & C.THREAD_CONTEXT) !== 0 && !terminated
  const e: ThreadEntry = {
    exitStatus: terminated ? 0 : 259,
    tebBaseAddress: terminated ? 0n : 0xc000000000n + BigInt(j) * 0x2000n,
    processId: fx.processId,
    threadId: 7000 + j * 4,
    affinityMask: 0xffn,
    priority: 8 + (j % 3),
    basePriority: j % 2 ? -1 : 0,
    lastSyscallFirstArgument: BigInt(0x1000 + j),
    lastSyscallNumber: 0x1b + j,
    createTime: BASE_TIME + BigInt(j * 1000),
    exitTime: terminated ? BASE_TIME + 50000000n : 0n,
    kernelTime: 156250n * BigInt(j + 1),
    userTime: 312500n * BigInt(j + 1),
    win32StartAddress: 0x7ff700001000n + BigInt(j * 0x10),
    captureTime: CAPTURE_TIME + 100n + BigInt(j),
    flags: terminated ? 1 : 0,
    suspendCount: j % 3,
    sizeOfContextRecord: withContext ? 1232 : 0,
  }
  if (withContext) e.contextRecord = expectedContext(j, contextFlags)
  return e
}

function expectedRegion(fx: Fixture, r: number, flags: number): VaSpaceEntry {
  const base = 0x7ff600000000n + BigInt(r) * 0x100000n
  const kind = r % 4 // private, image, mapped, free
  const section = (flags & C.VA_SPACE_SECTION) !== 0
  const image = kind === 1 && section
  const e: VaSpaceEntry = {
    baseAddress: base,
    allocationBase: kind === 3 ? 0n : base,
    allocationProtect: [0x04, 0x80, 0x02, 0][kind] ?? -1,
    regionSize: BigInt(0x1000 * (1 + (r % 16))),
    state: kind === 3 ? 0x10000 : 0x1000,
    protect: [0x04, 0x20, 0x02, 0x01][kind] ?? -1,
    type: [0x20000, 0x1000000, 0x40000, 0][kind] ?? -1,
    timeDateStamp: image ? 0x5f000000 + r : 0,
    sizeOfImage: image ? 0x20000 + r * 0x1000 : 0,
    imageBase: image ? base : 0n,
    checkSum: image ? 0xabc00 + r : 0,
  }
  if (image) e.mappedFileName = fx.nonAscii ? `\\Device\\HarddiskVolume3\\Programme\\Größe\\模块${r}.dll` : `\\Device\\HarddiskVolume3\\Windows\\System32\\mod${r}.dll`
  if (kind === 2 && section) e.mappedFileName = fx.nonAscii ? `\\Device\\HarddiskVolume3\\データ\\map${r}.bin` : `\\Device\\HarddiskVolume3\\data\\map${r}.bin`
  return e
}

function expectedAuxPage(p: number): AuxiliaryPageEntry {
  const address = 0x7ff610000000n + BigInt(p) * 0x1000n
  const e: AuxiliaryPageEntry = {
    address,
    basicInformation: {
      baseAddress: address,
      allocationBase: 0x7ff610000000n,
      allocationProtect: 4,
      partitionId: p,
      regionSize: 0x1000n,
      state: 0x1000,
      protect: 4,
      type: 0x20000,
    },
    captureTime: CAPTURE_TIME + 200n + BigInt(p),
    pageSize: 4096,
  }
  if (p !== 1) e.pageContents = Uint8Array.from({ length: 4096 }, (_, k) => (k + p * 3) & 0xff)
  return e
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

function capture(fx: Fixture, flags: number, contextFlags = CONTEXT_ALL_X64): PssSnapshot {
  expect(fake.setFixture(fx.id)).toBe(0)
  return pss.captureSnapshot(PROCESS, flags, contextFlags)
}

/** Ends a snapshot's VA clone (the fake, like Windows, never ends it for the caller) and closes its handle. */
function endClone(snapshot: PssSnapshot): void {
  const { vaCloneHandle } = pss.querySnapshot(snapshot, PSS_QUERY.VA_CLONE_INFORMATION)
  expect(TerminateProcess(vaCloneHandle, 0)).toBe(1)
  expect(CloseHandle(vaCloneHandle)).toBe(1)
}

/** Runs `body` with a snapshot and frees it exactly once, whatever happens (its VA clone ended first). */
function withSnapshot<T>(fx: Fixture, flags: number, body: (snapshot: PssSnapshot) => T, contextFlags = CONTEXT_ALL_X64): T {
  const snapshot = capture(fx, flags, contextFlags)
  try {
    return body(snapshot)
  } finally {
    if (flags & C.VA_CLONE) endClone(snapshot)
    pss.freeSnapshot(PROCESS, snapshot)
  }
}

function expectWin32Error(fn: () => unknown, code: number, symbolicName: string | undefined, call: string): Win32Error {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(Win32Error)
  const err = caught as Win32Error
  expect({ code: err.code, symbolicName: err.symbolicName, call: err.call }).toEqual({ code, symbolicName, call })
  expect(err.message).toContain(call)
  expect(err.message).toContain(String(code))
  return err
}

const QUERY_CLASSES = [0, 1, 2, 3, 4, 5, 6, 7] as const

describe.each([SMALL, LARGE])('fixture $id: capture, query every class, walk every class', (fx) => {
  it('with every capture flag: every field of every class matches the fixture', () => {
    withSnapshot(fx, ALL, (snapshot) => {
      const expected = expectedQueries(fx, ALL)
      for (const cls of QUERY_CLASSES) expect(pss.querySnapshot(snapshot, cls), `query class ${cls}`).toStrictEqual(expected[cls])

      const handles = [...pss.walk(snapshot, PSS_WALK.HANDLES)]
      expect(handles.length).toBe(fx.handles)
      handles.forEach((h, i) => expect(h, `handle ${i}`).toStrictEqual(expectedHandle(fx, i, ALL)))

      const threads = [...pss.walk(snapshot, PSS_WALK.THREADS)]
      expect(threads).toStrictEqual(range(fx.threads).map((j) => expectedThread(fx, j, ALL, CONTEXT_ALL_X64)))

      const regions = [...pss.walk(snapshot, PSS_WALK.VA_SPACE)]
      expect(regions).toStrictEqual(range(fx.regions).map((r) => expectedRegion(fx, r, ALL)))

      const pages = [...pss.walk(snapshot, PSS_WALK.AUXILIARY_PAGES)]
      expect(pages).toStrictEqual(range(fx.auxPages).map(expectedAuxPage))
    })
  })

  it('with handles, threads and VA space but no details: detail fields are absent', () => {
    const flags = C.HANDLES | C.THREADS | C.VA_SPACE
    withSnapshot(fx, flags, (snapshot) => {
      const handles = [...pss.walk(snapshot, PSS_WALK.HANDLES)]
      handles.forEach((h, i) => expect(h).toStrictEqual(expectedHandle(fx, i, flags)))
      expect(Object.keys(handles[1] ?? {}).sort()).toEqual(['captureTime', 'flags', 'handle', 'objectType'])
      const threads = [...pss.walk(snapshot, PSS_WALK.THREADS)]
      expect(threads.every((t) => t.contextRecord === undefined && t.sizeOfContextRecord === 0)).toBe(true)
      expect(threads).toStrictEqual(range(fx.threads).map((j) => expectedThread(fx, j, flags, CONTEXT_ALL_X64)))
      const regions = [...pss.walk(snapshot, PSS_WALK.VA_SPACE)]
      expect(regions.some((r) => r.mappedFileName !== undefined)).toBe(false)
      expect(regions).toStrictEqual(range(fx.regions).map((r) => expectedRegion(fx, r, flags)))
      expect(pss.querySnapshot(snapshot, PSS_QUERY.THREAD_INFORMATION)).toStrictEqual({ threadsCaptured: fx.threads, contextLength: 0 })
    })
  })
})

describe('fixture details', () => {
  it('non-ASCII names are decoded by byte length, including surrogate pairs, without terminators', () => {
    withSnapshot(LARGE, ALL, (snapshot) => {
      expect(pss.querySnapshot(snapshot, PSS_QUERY.PROCESS_INFORMATION).imageFileName).toBe('C:\\Users\\Zoë\\ドキュメント\\app-😀.exe')
      const marker = pss.walkMarkerCreate()
      try {
        pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker)
        const h1 = pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker)
        expect(h1?.objectName).toBe('\\BaseNamedObjects\\Zoë-名前-1-😀')
        expect(h1?.typeName).toBe('Thread')
      } finally {
        pss.walkMarkerFree(marker)
      }
    })
  })

  it('thread contexts are 1232-byte x64 CONTEXT copies with Rip at 248 and Rsp at 152; terminated threads have none', () => {
    withSnapshot(
      SMALL,
      C.THREADS | C.THREAD_CONTEXT,
      (snapshot) => {
        const [t0, t1] = [...pss.walk(snapshot, PSS_WALK.THREADS)]
        const ctx = t0?.contextRecord
        expect(ctx).toBeInstanceOf(Uint8Array)
        expect(ctx?.length).toBe(1232)
        const view = new DataView(ctx!.buffer, ctx!.byteOffset, ctx!.byteLength)
        expect(view.getUint32(48, true)).toBe(0x00100001)
        expect(view.getBigUint64(248, true)).toBe(0x7ff700002000n)
        expect(view.getBigUint64(152, true)).toBe(0xc000100000n)
        expect(t1?.flags).toBe(1)
        expect(t1?.contextRecord).toBeUndefined()
      },
      0x00100001, // CONTEXT_CONTROL
    )
  })

  it('a capture with PSS_CAPTURE_NONE still answers process information; every other class is ERROR_NOT_FOUND', () => {
    withSnapshot(SMALL, 0, (snapshot) => {
      expect(pss.querySnapshot(snapshot, 0)).toStrictEqual(expectedProcessInformation(SMALL))
      for (const cls of [1, 2, 3, 4, 5, 6, 7] as const) expectWin32Error(() => pss.querySnapshot(snapshot, cls), 1168, 'ERROR_NOT_FOUND', 'PssQuerySnapshot')
      for (const cls of [0, 1, 2, 3] as const) expectWin32Error(() => [...pss.walk(snapshot, cls)], 1168, 'ERROR_NOT_FOUND', 'PssWalkSnapshot')
    })
  })

  it('a snapshot keeps the fixture it was captured from', () => {
    withSnapshot(SMALL, C.HANDLES, (snapshot) => {
      expect(fake.setFixture(2)).toBe(0)
      expect(pss.querySnapshot(snapshot, PSS_QUERY.HANDLE_INFORMATION)).toStrictEqual({ handlesCaptured: 8 })
      expect(fake.setFixture(3)).toBe(87)
    })
  })
})

describe('walk markers', () => {
  it('get a position, walk on, set it back: the same entries again; seek to beginning rewinds', () => {
    withSnapshot(LARGE, ALL, (snapshot) => {
      const marker = pss.walkMarkerCreate()
      try {
        const first = pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker)
        expect(first).toStrictEqual(expectedHandle(LARGE, 0, ALL))
        pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker)
        const position = pss.walkMarkerGetPosition(marker)
        expect(typeof position).toBe('bigint')
        const a = pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker)
        const b = pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker)
        expect(a).toStrictEqual(expectedHandle(LARGE, 2, ALL))
        pss.walkMarkerSetPosition(marker, position)
        expect(pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker)).toStrictEqual(a)
        expect(pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker)).toStrictEqual(b)
        pss.walkMarkerSeekToBeginning(marker)
        expect(pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker)).toStrictEqual(first)
      } finally {
        pss.walkMarkerFree(marker)
      }
    })
  })

  it('walkSnapshot returns undefined at the end, and keeps doing so', () => {
    withSnapshot(SMALL, C.THREADS, (snapshot) => {
      const marker = pss.walkMarkerCreate()
      try {
        expect(pss.walkSnapshot(snapshot, PSS_WALK.THREADS, marker)).toBeDefined()
        expect(pss.walkSnapshot(snapshot, PSS_WALK.THREADS, marker)).toBeDefined()
        expect(pss.walkSnapshot(snapshot, PSS_WALK.THREADS, marker)).toBeUndefined()
        expect(pss.walkSnapshot(snapshot, PSS_WALK.THREADS, marker)).toBeUndefined()
      } finally {
        pss.walkMarkerFree(marker)
      }
    })
  })

  it('a position token of another marker is refused with ERROR_INVALID_PARAMETER', () => {
    const m1 = pss.walkMarkerCreate()
    const m2 = pss.walkMarkerCreate()
    try {
      const token = pss.walkMarkerGetPosition(m1)
      expectWin32Error(() => pss.walkMarkerSetPosition(m2, token), 87, 'ERROR_INVALID_PARAMETER', 'PssWalkMarkerSetPosition')
    } finally {
      pss.walkMarkerFree(m1)
      pss.walkMarkerFree(m2)
    }
  })

  it('an iterator abandoned mid-walk (break) frees its marker', () => {
    withSnapshot(LARGE, C.HANDLES, (snapshot) => {
      let seen = 0
      for (const _ of pss.walk(snapshot, PSS_WALK.HANDLES)) {
        expect(fake.liveMarkers()).toBe(1)
        if (++seen === 10) break
      }
      expect(seen).toBe(10)
      expect(fake.liveMarkers()).toBe(0)
    })
  })

  it('an iterator whose loop body throws frees its marker', () => {
    withSnapshot(SMALL, C.HANDLES, (snapshot) => {
      expect(() => {
        for (const _ of pss.walk(snapshot, PSS_WALK.HANDLES)) throw new Error('consumer failed')
      }).toThrow('consumer failed')
      expect(fake.liveMarkers()).toBe(0)
    })
  })

  it('an iterator returned before its first entry creates no marker', () => {
    withSnapshot(SMALL, C.HANDLES, (snapshot) => {
      const it = pss.walk(snapshot, PSS_WALK.HANDLES)
      it.return(undefined)
      expect(fake.liveMarkers()).toBe(0)
      expect([...it]).toEqual([])
    })
  })
})

describe('documented error codes', () => {
  it('ERROR_BAD_LENGTH for a wrong buffer length, in queries and walks', () => {
    withSnapshot(SMALL, ALL, (snapshot) => {
      const b = pss.binding
      for (const [cls, size] of [
        [0, 704],
        [1, 8],
        [2, 4],
        [3, 4],
        [4, 4],
        [5, 8],
        [6, 16],
        [7, 96],
      ] as const) {
        expect(b.PssQuerySnapshot(snapshot, cls, Buffer.alloc(size + 8), size - 1), `class ${cls}`).toBe(24)
        expect(b.PssQuerySnapshot(snapshot, cls, Buffer.alloc(size + 8), size + 8), `class ${cls}`).toBe(24)
        expect(b.PssQuerySnapshot(snapshot, cls, Buffer.alloc(size), size), `class ${cls}`).toBe(0)
      }
      const marker = pss.walkMarkerCreate()
      try {
        for (const [cls, size] of [
          [1, 80],
          [2, 136],
          [3, 120],
        ] as const) {
          expect(b.PssWalkSnapshot(snapshot, cls, marker, Buffer.alloc(size + 8), size - 8), `walk class ${cls}`).toBe(24)
          expect(b.PssWalkSnapshot(snapshot, cls, marker, Buffer.alloc(size + 8), size + 8), `walk class ${cls}`).toBe(24)
        }
      } finally {
        pss.walkMarkerFree(marker)
      }
    })
  })

  it('ERROR_MORE_DATA on a NULL buffer when an entry is available (the probe does not advance); ERROR_NO_MORE_ITEMS at the end', () => {
    withSnapshot(SMALL, C.THREADS, (snapshot) => {
      const b = pss.binding
      const marker = pss.walkMarkerCreate()
      try {
        expect(b.PssWalkSnapshot(snapshot, 3, marker, null, 0)).toBe(234)
        expect(b.PssWalkSnapshot(snapshot, 3, marker, null, 120)).toBe(234)
        expect(pss.walkSnapshot(snapshot, PSS_WALK.THREADS, marker)).toStrictEqual(expectedThread(SMALL, 0, C.THREADS, 0))
        expect(pss.walkSnapshot(snapshot, PSS_WALK.THREADS, marker)).toStrictEqual(expectedThread(SMALL, 1, C.THREADS, 0))
        expect(b.PssWalkSnapshot(snapshot, 3, marker, null, 0)).toBe(259)
        expect(b.PssWalkSnapshot(snapshot, 3, marker, Buffer.alloc(120), 120)).toBe(259)
      } finally {
        pss.walkMarkerFree(marker)
      }
    })
  })

  it('ERROR_NOT_FOUND for a class that was not captured', () => {
    withSnapshot(SMALL, C.HANDLES, (snapshot) => {
      expectWin32Error(() => pss.querySnapshot(snapshot, PSS_QUERY.THREAD_INFORMATION), 1168, 'ERROR_NOT_FOUND', 'PssQuerySnapshot')
      expectWin32Error(() => pss.querySnapshot(snapshot, PSS_QUERY.VA_CLONE_INFORMATION), 1168, 'ERROR_NOT_FOUND', 'PssQuerySnapshot')
      expectWin32Error(() => pss.walk(snapshot, PSS_WALK.VA_SPACE).next(), 1168, 'ERROR_NOT_FOUND', 'PssWalkSnapshot')
    })
  })

  it('ERROR_INVALID_PARAMETER for unknown classes (and the SDK-only PSS_WALK_THREAD_NAME)', () => {
    withSnapshot(SMALL, ALL, (snapshot) => {
      expect(pss.binding.PssQuerySnapshot(snapshot, 8, Buffer.alloc(8), 8)).toBe(87)
      const marker = pss.walkMarkerCreate()
      try {
        expectWin32Error(() => pss.walkSnapshot(snapshot, 4 as never, marker), 87, 'ERROR_INVALID_PARAMETER', 'PssWalkSnapshot')
        expectWin32Error(() => pss.walkSnapshot(snapshot, 9 as never, marker), 87, 'ERROR_INVALID_PARAMETER', 'PssWalkSnapshot')
      } finally {
        pss.walkMarkerFree(marker)
      }
    })
  })

  it('ERROR_INVALID_HANDLE for a freed or bogus snapshot or marker, in every call that takes one', () => {
    const snapshot = capture(SMALL, ALL)
    pss.freeSnapshot(PROCESS, snapshot)
    const marker = pss.walkMarkerCreate()
    pss.walkMarkerFree(marker)
    const bogus = 0x1234n as PssSnapshot
    expectWin32Error(() => pss.freeSnapshot(PROCESS, snapshot), 6, 'ERROR_INVALID_HANDLE', 'PssFreeSnapshot')
    expectWin32Error(() => pss.querySnapshot(bogus, 0), 6, 'ERROR_INVALID_HANDLE', 'PssQuerySnapshot')
    expectWin32Error(() => pss.querySnapshot(snapshot, 0), 6, 'ERROR_INVALID_HANDLE', 'PssQuerySnapshot')
    expectWin32Error(() => [...pss.walk(snapshot, PSS_WALK.HANDLES)], 6, 'ERROR_INVALID_HANDLE', 'PssWalkSnapshot')
    expectWin32Error(() => pss.duplicateSnapshot(PROCESS, snapshot, PROCESS), 6, 'ERROR_INVALID_HANDLE', 'PssDuplicateSnapshot')
    expectWin32Error(() => pss.walkMarkerFree(marker), 6, 'ERROR_INVALID_HANDLE', 'PssWalkMarkerFree')
    expectWin32Error(() => pss.walkMarkerGetPosition(marker), 6, 'ERROR_INVALID_HANDLE', 'PssWalkMarkerGetPosition')
    expectWin32Error(() => pss.walkMarkerSetPosition(marker, 1n), 6, 'ERROR_INVALID_HANDLE', 'PssWalkMarkerSetPosition')
    expectWin32Error(() => pss.walkMarkerSeekToBeginning(marker), 6, 'ERROR_INVALID_HANDLE', 'PssWalkMarkerSeekToBeginning')
    withSnapshot(SMALL, ALL, (live) => {
      expectWin32Error(() => pss.walkSnapshot(live, PSS_WALK.HANDLES, marker), 6, 'ERROR_INVALID_HANDLE', 'PssWalkSnapshot')
    })
    expectWin32Error(() => pss.captureSnapshot(0n, ALL), 6, 'ERROR_INVALID_HANDLE', 'PssCaptureSnapshot')
    // The second PssFreeSnapshot and PssWalkMarkerFree above were double releases: the fake counts them.
    expect(fake.doubleReleases()).toBe(2)
    fake.reset()
  })

  it('ERROR_INVALID_PARAMETER for reserved capture flags and for section information without VA space', () => {
    expectWin32Error(() => pss.captureSnapshot(PROCESS, C.HANDLES | 0x2), 87, 'ERROR_INVALID_PARAMETER', 'PssCaptureSnapshot')
    expectWin32Error(() => pss.captureSnapshot(PROCESS, 0x400), 87, 'ERROR_INVALID_PARAMETER', 'PssCaptureSnapshot')
    expectWin32Error(() => pss.captureSnapshot(PROCESS, C.VA_SPACE_SECTION), 87, 'ERROR_INVALID_PARAMETER', 'PssCaptureSnapshot')
  })

  it('the default library (kernel32.dll) is refused off Windows before anything is loaded', async () => {
    if (process.platform === 'win32') return
    await expect(openPss()).rejects.toThrow(process.platform)
  })

  it('Win32Error names the codes of pss-reference §5.12 and keeps unknown ones numeric', () => {
    const known = new Win32Error(1168, 'PssQuerySnapshot')
    expect(known).toBeInstanceOf(Error)
    expect(known.name).toBe('Win32Error')
    expect(known.message).toBe('PssQuerySnapshot failed: ERROR_NOT_FOUND (1168): the information was not captured')
    const unknown = new Win32Error(31, 'PssCaptureSnapshot')
    expect(unknown.symbolicName).toBeUndefined()
    expect(unknown.message).toBe('PssCaptureSnapshot failed: Win32 error (31)')
  })
})

describe('duplicate', () => {
  it('duplicates into a second snapshot with the same content; both are freed separately', () => {
    withSnapshot(SMALL, ALL, (snapshot) => {
      const copy = pss.duplicateSnapshot(PROCESS, snapshot, PROCESS)
      try {
        expect(copy).not.toBe(snapshot)
        expect(fake.liveSnapshots()).toBe(2)
        expect([...pss.walk(copy, PSS_WALK.HANDLES)]).toStrictEqual([...pss.walk(snapshot, PSS_WALK.HANDLES)])
      } finally {
        pss.freeSnapshot(PROCESS, copy)
      }
    })
  })

  it('PSS_DUPLICATE_CLOSE_SOURCE frees the source of a USE_VM_ALLOCATIONS snapshot; without it, is refused and still frees the source', () => {
    const source = capture(SMALL, C.HANDLES | C.USE_VM_ALLOCATIONS)
    const copy = pss.duplicateSnapshot(PROCESS, source, PROCESS, 1)
    expect(fake.liveSnapshots()).toBe(1)
    expectWin32Error(() => pss.querySnapshot(source, 0), 6, 'ERROR_INVALID_HANDLE', 'PssQuerySnapshot')
    pss.freeSnapshot(PROCESS, copy)
    // "frees the source snapshot ... even if duplication fails": the refusal too, so it must not be freed again.
    const plain = capture(SMALL, C.HANDLES)
    expectWin32Error(() => pss.duplicateSnapshot(PROCESS, plain, PROCESS, 1), 50, 'ERROR_NOT_SUPPORTED', 'PssDuplicateSnapshot')
    expect(fake.liveSnapshots()).toBe(0)
  })

  it('PSS_DUPLICATE_CLOSE_SOURCE frees the source even when the duplication fails (out of memory, or any injected error)', () => {
    const source = capture(SMALL, C.USE_VM_ALLOCATIONS)
    fake.setAllocFailure(ALLOC.duplicate)
    expectWin32Error(() => pss.duplicateSnapshot(PROCESS, source, PROCESS, 1), 8, 'ERROR_NOT_ENOUGH_MEMORY', 'PssDuplicateSnapshot')
    expect(fake.liveSnapshots()).toBe(0)
    fake.setAllocFailure(0)
    const again = capture(SMALL, C.USE_VM_ALLOCATIONS)
    expect(fake.failCalls('PssDuplicateSnapshot', fake.callCount('PssDuplicateSnapshot') + 1, 1, 299)).toBe(0)
    expectWin32Error(() => pss.duplicateSnapshot(PROCESS, again, PROCESS, 1), 299, 'ERROR_PARTIAL_COPY', 'PssDuplicateSnapshot')
    expect(fake.liveSnapshots()).toBe(0)
  })
})

describe('fault injection', () => {
  it('capture denied: ERROR_ACCESS_DENIED and no snapshot', () => {
    fake.setCaptureError(5)
    expectWin32Error(() => pss.captureSnapshot(PROCESS, ALL), 5, 'ERROR_ACCESS_DENIED', 'PssCaptureSnapshot')
    expect(fake.liveSnapshots()).toBe(0)
  })

  it('a query class missing from an otherwise complete capture: ERROR_NOT_FOUND for that class only', () => {
    fake.setMissingQueryClasses(1 << PSS_QUERY.PERFORMANCE_COUNTERS)
    withSnapshot(SMALL, ALL, (snapshot) => {
      expectWin32Error(() => pss.querySnapshot(snapshot, PSS_QUERY.PERFORMANCE_COUNTERS), 1168, 'ERROR_NOT_FOUND', 'PssQuerySnapshot')
      expect(pss.querySnapshot(snapshot, PSS_QUERY.HANDLE_INFORMATION)).toStrictEqual({ handlesCaptured: 8 })
    })
  })

  it('a walk failing half way: the entries before it, then Win32Error, and the iterator frees its marker', () => {
    fake.setWalkFault(PSS_WALK.HANDLES, 1500, 299)
    withSnapshot(LARGE, ALL, (snapshot) => {
      const seen: HandleEntry[] = []
      const err = expectWin32Error(
        () => {
          for (const h of pss.walk(snapshot, PSS_WALK.HANDLES)) seen.push(h)
        },
        299,
        'ERROR_PARTIAL_COPY',
        'PssWalkSnapshot',
      )
      expect(err.code).toBe(299)
      expect(seen.length).toBe(1500)
      expect(seen[1499]).toStrictEqual(expectedHandle(LARGE, 1499, ALL))
      expect(fake.liveMarkers()).toBe(0)
      // other classes are unaffected
      expect([...pss.walk(snapshot, PSS_WALK.THREADS)].length).toBe(LARGE.threads)
    })
  })

  it('allocation failures: ERROR_NOT_ENOUGH_MEMORY from capture, duplicate, marker creation and a walk', () => {
    fake.setAllocFailure(ALLOC.capture)
    expectWin32Error(() => pss.captureSnapshot(PROCESS, ALL), 8, 'ERROR_NOT_ENOUGH_MEMORY', 'PssCaptureSnapshot')
    fake.setAllocFailure(0)
    withSnapshot(SMALL, ALL, (snapshot) => {
      fake.setAllocFailure(ALLOC.duplicate)
      expectWin32Error(() => pss.duplicateSnapshot(PROCESS, snapshot, PROCESS), 8, 'ERROR_NOT_ENOUGH_MEMORY', 'PssDuplicateSnapshot')
      fake.setAllocFailure(ALLOC.marker)
      expectWin32Error(() => pss.walkMarkerCreate(), 8, 'ERROR_NOT_ENOUGH_MEMORY', 'PssWalkMarkerCreate')
      expectWin32Error(() => [...pss.walk(snapshot, PSS_WALK.HANDLES)], 8, 'ERROR_NOT_ENOUGH_MEMORY', 'PssWalkMarkerCreate')
      fake.setAllocFailure(ALLOC.walk)
      expectWin32Error(() => [...pss.walk(snapshot, PSS_WALK.HANDLES)], 8, 'ERROR_NOT_ENOUGH_MEMORY', 'PssWalkSnapshot')
      expectWin32Error(() => [...pss.walk(snapshot, PSS_WALK.THREADS)], 8, 'ERROR_NOT_ENOUGH_MEMORY', 'PssWalkSnapshot')
      fake.setAllocFailure(0)
      expect(fake.liveMarkers()).toBe(0)
      expect(fake.liveSnapshots()).toBe(1)
    })
  })

  it('a leak is seen by the counters (the afterEach check would catch it)', () => {
    const snapshot = capture(SMALL, 0)
    const marker = pss.walkMarkerCreate()
    expect([fake.liveSnapshots(), fake.liveMarkers()]).toEqual([1, 1])
    pss.walkMarkerFree(marker)
    pss.freeSnapshot(PROCESS, snapshot)
  })
})

describe('as strict as Windows', () => {
  it('walk data lives until the next walk call on its marker: a pointer kept past it reads poison', () => {
    withSnapshot(SMALL, C.HANDLES | C.HANDLE_NAME | C.THREADS | C.THREAD_CONTEXT, (snapshot) => {
      const marker = pss.walkMarkerCreate()
      try {
        // The raw entry, as a binding that decoded lazily would keep it.
        const type = pss.types.structs.PSS_HANDLE_ENTRY
        const raw = Buffer.alloc(koffi.sizeof(type))
        expect(pss.binding.PssWalkSnapshot(snapshot, PSS_WALK.HANDLES, marker, raw, raw.length)).toBe(0)
        const entry = koffi.decode(raw, type) as { TypeName: unknown; TypeNameLength: number }
        const typeName = () => koffi.decode.string16(entry.TypeName, entry.TypeNameLength / 2)
        expect(typeName()).toBe('Process')
        // Any walk call on the marker ends that memory, a failing one too.
        expect(pss.binding.PssWalkSnapshot(snapshot, PSS_WALK.HANDLES, marker, null, 0)).toBe(234) // ERROR_MORE_DATA
        expect(typeName()).toBe('\uDDDD'.repeat(7)) // 0xDD bytes
        // The wrappers copy every entry out at once, so what they return is intact.
        const next = pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker)
        expect(next).toStrictEqual(expectedHandle(SMALL, 1, C.HANDLES | C.HANDLE_NAME))
        pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker)
        expect(next?.objectName).toBe('\\BaseNamedObjects\\obj-1')
      } finally {
        pss.walkMarkerFree(marker)
      }
    })
  })

  it('a release failing part way has released: a retry is a double release, counted', () => {
    const snapshot = capture(SMALL, 0)
    expect(fake.failCalls('PssFreeSnapshot', 1, 1, 5)).toBe(0)
    expectWin32Error(() => pss.freeSnapshot(PROCESS, snapshot), 5, 'ERROR_ACCESS_DENIED', 'PssFreeSnapshot')
    expect(fake.liveSnapshots()).toBe(0)
    expect(fake.doubleReleases()).toBe(0)
    expectWin32Error(() => pss.freeSnapshot(PROCESS, snapshot), 6, 'ERROR_INVALID_HANDLE', 'PssFreeSnapshot')
    expect(fake.doubleReleases()).toBe(1)
    const marker = pss.walkMarkerCreate()
    expect(fake.failCalls('PssWalkMarkerFree', 1, 1, 8)).toBe(0)
    expectWin32Error(() => pss.walkMarkerFree(marker), 8, 'ERROR_NOT_ENOUGH_MEMORY', 'PssWalkMarkerFree')
    expectWin32Error(() => pss.walkMarkerFree(marker), 6, 'ERROR_INVALID_HANDLE', 'PssWalkMarkerFree')
    expect(fake.doubleReleases()).toBe(2)
    fake.reset()
  })

  it('PssFreeSnapshot through a handle to another process: ERROR_NOT_SUPPORTED, the snapshot stays', () => {
    const other = OpenProcess(0x1fffff, 0, LARGE.processId)!
    try {
      withSnapshot(SMALL, C.HANDLES, (snapshot) => {
        // @ts-expect-error a snapshot of this process is freed through currentProcess only
        expectWin32Error(() => pss.freeSnapshot(other, snapshot), 50, 'ERROR_NOT_SUPPORTED', 'PssFreeSnapshot')
        expect(fake.liveSnapshots()).toBe(1)
      })
    } finally {
      CloseHandle(other)
    }
  })

  it('a snapshot duplicated into another process is a RemotePssSnapshot, freed through that process only', () => {
    const full = OpenProcess(0x1fffff, 0, LARGE.processId)!
    const weak = OpenProcess(0x400 | 0x40, 0, LARGE.processId)!
    try {
      withSnapshot(SMALL, C.HANDLES, (snapshot) => {
        // The target needs VM_OPERATION | VM_WRITE | DUP_HANDLE (documented): a weaker handle is refused.
        expectWin32Error(() => pss.duplicateSnapshot(PROCESS, snapshot, weak), 5, 'ERROR_ACCESS_DENIED', 'PssDuplicateSnapshot')
        const remote = pss.duplicateSnapshot(PROCESS, snapshot, full)
        // Type level (checked by tsc): a snapshot living in another process is not one of this process's.
        // @ts-expect-error a RemotePssSnapshot cannot be queried, walked or freed as a local snapshot
        const local: PssSnapshot = remote
        void local
        // Its value means nothing here: freeing it through currentProcess is refused.
        expectWin32Error(() => pss.freeSnapshot(PROCESS, remote), 6, 'ERROR_INVALID_HANDLE', 'PssFreeSnapshot')
        // Freeing it there needs VM_READ | VM_OPERATION | DUP_HANDLE on that process (documented).
        expectWin32Error(() => pss.freeSnapshot(weak, remote), 5, 'ERROR_ACCESS_DENIED', 'PssFreeSnapshot')
        pss.freeSnapshot(full, remote)
        expect(fake.liveSnapshots()).toBe(1)
      })
    } finally {
      CloseHandle(full)
      CloseHandle(weak)
    }
  })

  it('auxiliary pages exist only under the flag that produces them in the fake (the VA clone)', () => {
    withSnapshot(LARGE, C.VA_SPACE, (snapshot) => {
      expectWin32Error(() => pss.querySnapshot(snapshot, PSS_QUERY.AUXILIARY_PAGES_INFORMATION), 1168, 'ERROR_NOT_FOUND', 'PssQuerySnapshot')
      expectWin32Error(() => [...pss.walk(snapshot, PSS_WALK.AUXILIARY_PAGES)], 1168, 'ERROR_NOT_FOUND', 'PssWalkSnapshot')
    })
    withSnapshot(LARGE, C.VA_CLONE, (snapshot) => {
      expect(pss.querySnapshot(snapshot, PSS_QUERY.AUXILIARY_PAGES_INFORMATION)).toStrictEqual({ auxPagesCaptured: LARGE.auxPages })
      expect([...pss.walk(snapshot, PSS_WALK.AUXILIARY_PAGES)]).toHaveLength(LARGE.auxPages)
    })
  })

  it('the VA clone is a process of its own: it outlives PssFreeSnapshot and its handle, until TerminateProcess', () => {
    const snapshot = capture(SMALL, C.VA_CLONE)
    const { vaCloneHandle } = pss.querySnapshot(snapshot, PSS_QUERY.VA_CLONE_INFORMATION)
    expect(fake.liveClones()).toBe(1)
    pss.freeSnapshot(PROCESS, snapshot)
    expect([fake.liveClones(), fake.liveProcessHandles()]).toEqual([1, 1])
    expect(WaitForSingleObject(vaCloneHandle, 0)).toBe(258) // WAIT_TIMEOUT: still running
    expect(TerminateProcess(vaCloneHandle, 1)).toBe(1)
    expect(WaitForSingleObject(vaCloneHandle, 0)).toBe(0)
    expect(fake.liveClones()).toBe(0)
    expect(CloseHandle(vaCloneHandle)).toBe(1)
    // A clone whose handle was closed first can no longer be ended: the leak the tests' checks see.
    const leaking = capture(SMALL, C.VA_CLONE)
    expect(CloseHandle(pss.querySnapshot(leaking, PSS_QUERY.VA_CLONE_INFORMATION).vaCloneHandle)).toBe(1)
    pss.freeSnapshot(PROCESS, leaking)
    expect(fake.liveClones()).toBe(1)
    fake.reset()
  })

  it('the access each call needs comes from the fake\'s own table of the documentation', () => {
    const rows: [number, number, number][] = [
      // [access, capture flags, expected code]
      [0x400, C.HANDLES, 5], // handles: PROCESS_DUP_HANDLE
      [0x400 | 0x40, C.HANDLES, 0],
      [0x400, C.VA_CLONE, 5], // the clone: PROCESS_CREATE_PROCESS
      [0x400 | 0x10, C.VA_SPACE | C.VA_SPACE_SECTION, 0], // section information: PROCESS_VM_READ
      [0x400, C.VA_SPACE | C.VA_SPACE_SECTION, 5],
      [0x10, C.VA_SPACE, 5], // every capture: PROCESS_QUERY_INFORMATION
    ]
    for (const [access, flags, code] of rows) {
      const handle = OpenProcess(access, 0, SMALL.processId)!
      try {
        if (code) expectWin32Error(() => pss.captureSnapshot(handle, flags), code, 'ERROR_ACCESS_DENIED', 'PssCaptureSnapshot')
        else pss.freeSnapshot(PROCESS, pss.captureSnapshot(handle, flags))
      } finally {
        CloseHandle(handle)
      }
    }
  })
})

describe('thread contexts of every caller architecture', () => {
  const CONTEXT_EXTENDED = 0x200
  it.each([
    ['x64', 0, C.THREAD_CONTEXT, 0x0010001f, 1232, { pc: 'Rip', sp: 'Rsp', pcValue: 0x7ff700002000n, spValue: 0xc000100000n }],
    ['x64 with XSTATE', 0, C.THREAD_CONTEXT | CONTEXT_EXTENDED, 0x0010005f, 2112, { pc: 'Rip', sp: 'Rsp', pcValue: 0x7ff700002000n, spValue: 0xc000100000n }],
    ['x86', 1, C.THREAD_CONTEXT, 0x0001003f, 716, { pc: 'Eip', sp: 'Esp', pcValue: 0x401000n, spValue: 0x100000n }],
    ['arm64', 2, C.THREAD_CONTEXT, 0x0040001f, 912, { pc: 'Pc', sp: 'Sp', pcValue: 0x7ff700002000n, spValue: 0xc000100000n }],
  ] as const)('%s: SizeOfContextRecord bytes from where ContextRecord points, decoded by the reader', async (name, arch, contextFlag, contextFlags, size, regs) => {
    const { decodeRegisters } = await import('../format/context.js')
    expect(fake.setCallerArchitecture(arch)).toBe(0)
    withSnapshot(SMALL, C.THREADS | contextFlag, (snapshot) => {
      expect(pss.querySnapshot(snapshot, PSS_QUERY.THREAD_INFORMATION)).toStrictEqual({ threadsCaptured: 2, contextLength: size })
      const [t0] = [...pss.walk(snapshot, PSS_WALK.THREADS)]
      expect(t0?.sizeOfContextRecord).toBe(size)
      const ctx = t0!.contextRecord!
      expect(ctx.length).toBe(size)
      // Not the 0xCC bytes before the record: the copy starts at ContextRecord (byte k of thread 0 is k * 7).
      expect([ctx[100], ctx[size - 1]]).toEqual([(100 * 7) & 0xff, ((size - 1) * 7) & 0xff])
      const registers = decodeRegisters(ctx, name.split(' ')[0])!
      expect(registers.ContextFlags).toBe(BigInt(contextFlags))
      expect(registers[regs.pc]).toBe(regs.pcValue)
      expect(registers[regs.sp]).toBe(regs.spValue)
      if (size === 2112) {
        const view = new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength)
        // CONTEXT_EX after the CONTEXT: XState at +48 from it, 832 bytes; XSTATE_BV says x87, SSE, AVX.
        expect([view.getInt32(1232, true), view.getUint32(1236, true), view.getInt32(1248, true), view.getUint32(1252, true)]).toEqual([-1232, 2112, 48, 832])
        expect(view.getBigUint64(1280 + 512, true)).toBe(7n)
      }
    }, contextFlags)
  })

  it('context flags of another architecture than the caller\'s are refused', () => {
    expectWin32Error(() => pss.captureSnapshot(PROCESS, C.THREADS | C.THREAD_CONTEXT, 0x0001003f), 87, 'ERROR_INVALID_PARAMETER', 'PssCaptureSnapshot')
    fake.setCallerArchitecture(2)
    expectWin32Error(() => pss.captureSnapshot(PROCESS, C.THREADS | C.THREAD_CONTEXT, 0x0010001f), 87, 'ERROR_INVALID_PARAMETER', 'PssCaptureSnapshot')
  })
})

describe('machines (IsWow64Process2, IsWow64Process)', () => {
  it('the WOW64 fixture runs as I386 on an AMD64 OS; the other fixture and an x64 caller are not WOW64', () => {
    const [wow, native] = [OpenProcess(0x1000, 0, LARGE.processId)!, OpenProcess(0x1000, 0, SMALL.processId)!]
    try {
      expect(machinesOf(wow)).toEqual({ processMachine: 0x14c, nativeMachine: 0x8664, wow64: 1 })
      expect(machinesOf(native)).toEqual({ processMachine: 0, nativeMachine: 0x8664, wow64: 0 })
      expect(machinesOf(PROCESS)).toEqual({ processMachine: 0, nativeMachine: 0x8664, wow64: 0 })
      fake.setCallerArchitecture(1)
      expect(machinesOf(PROCESS)).toEqual({ processMachine: 0x14c, nativeMachine: 0x8664, wow64: 1 })
      fake.setNativeMachine(0xaa64)
      expect(machinesOf(native).nativeMachine).toBe(0xaa64)
    } finally {
      CloseHandle(wow)
      CloseHandle(native)
    }
    // Both need PROCESS_QUERY_(LIMITED_)INFORMATION.
    const blind = OpenProcess(0x40, 0, SMALL.processId)!
    expect(IsWow64Process2(blind, [0], [0])).toBe(0)
    expect(GetLastError()).toBe(5)
    CloseHandle(blind)
  })
})

describe('asynchronous calls with a deadline (a capture that hangs)', () => {
  it('PssCaptureSnapshot hanging: NativeCallTimeoutError; once it returns, its snapshot is freed', async () => {
    const { NativeCallTimeoutError, nativeCallsInFlight } = await import('../capture/windows/native-call.js')
    expect(fake.hangCall('PssCaptureSnapshot', 1)).toBe(0)
    const error = await pss.captureSnapshotAsync(PROCESS, C.HANDLES, 0, { timeoutMs: 50 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NativeCallTimeoutError)
    expect(fake.hanging()).toBe(1)
    expect(nativeCallsInFlight()).toBe(1)
    fake.releaseHangs()
    await (error as InstanceType<typeof NativeCallTimeoutError>).settled
    expect(nativeCallsInFlight()).toBe(0)
    expect([fake.liveSnapshots(), fake.callCount('PssFreeSnapshot')]).toEqual([0, 1])
  })

  it('an abort during the call rejects with its reason at once; without a hang the call just returns', async () => {
    fake.hangCall('PssCaptureSnapshot', 1)
    const controller = new AbortController()
    const pending = pss.captureSnapshotAsync(PROCESS, 0, 0, { signal: controller.signal })
    const reason = new Error('stop')
    setTimeout(() => controller.abort(reason), 20)
    await expect(pending).rejects.toBe(reason)
    fake.releaseHangs()
    const { abandonedBy } = await import('../capture/windows/native-call.js')
    await abandonedBy(reason)!.settled
    expect(fake.liveSnapshots()).toBe(0)
    const snapshot = await pss.captureSnapshotAsync(PROCESS, C.THREADS, 0, { timeoutMs: 5000 })
    const marker = pss.walkMarkerCreate()
    expect((await pss.walkSnapshotAsync(snapshot, PSS_WALK.THREADS, marker, {}))?.threadId).toBe(7000)
    pss.walkMarkerFree(marker)
    pss.freeSnapshot(PROCESS, snapshot)
  })
})

const OpenProcess = control.func('__stdcall', 'OpenProcess', 'void *', ['uint32_t', 'int32_t', 'uint32_t']) as (a: number, i: number, p: number) => bigint | null
const WaitForSingleObject = control.func('__stdcall', 'WaitForSingleObject', 'uint32_t', ['void *', 'uint32_t']) as (h: bigint, ms: number) => number
const GetLastError = control.func('__stdcall', 'GetLastError', 'uint32_t', []) as () => number
const IsWow64Process = control.func('__stdcall', 'IsWow64Process', 'int32_t', ['void *', '_Out_ int32_t *']) as (h: bigint, out: [number]) => number
const IsWow64Process2 = control.func('__stdcall', 'IsWow64Process2', 'int32_t', ['void *', '_Out_ uint16_t *', '_Out_ uint16_t *']) as (h: bigint, p: [number], n: [number]) => number
function machinesOf(handle: bigint) {
  const p: [number] = [0]
  const n: [number] = [0]
  const w: [number] = [0]
  expect(IsWow64Process2(handle, p, n)).toBe(1)
  expect(IsWow64Process(handle, w)).toBe(1)
  return { processMachine: p[0], nativeMachine: n[0], wow64: w[0] }
}

describe('custom allocator (PSS_ALLOCATOR with two registered callbacks)', () => {
  function trackingAllocator(failAfter = Infinity) {
    const live = new Map<bigint, Buffer>()
    const stats = { allocs: 0, frees: 0, bytes: 0 }
    const allocator: PssAllocator = {
      alloc(size) {
        if (stats.allocs >= failAfter) return null
        const buf = Buffer.alloc(size)
        const address = koffi.address(buf)
        live.set(address, buf)
        stats.allocs++
        stats.bytes += size
        return address
      },
      free(address) {
        expect(live.delete(address)).toBe(true)
        stats.frees++
      },
    }
    return { allocator, live, stats }
  }

  it("routes the marker's memory through the callbacks and frees all of it with the marker", () => {
    const { allocator, live, stats } = trackingAllocator()
    withSnapshot(LARGE, ALL, (snapshot) => {
      const marker = pss.walkMarkerCreate(allocator)
      try {
        expect(stats.allocs).toBe(1) // the marker itself
        const handles: HandleEntry[] = []
        for (let h = pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker); h; h = pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker)) handles.push(h)
        expect(handles).toStrictEqual(range(LARGE.handles).map((i) => expectedHandle(LARGE, i, ALL)))
        expect(stats.allocs).toBeGreaterThan(LARGE.handles)
      } finally {
        pss.walkMarkerFree(marker)
      }
    })
    expect(stats.frees).toBe(stats.allocs)
    expect(live.size).toBe(0)
  })

  it('an allocator that returns NULL fails marker creation and walks with ERROR_NOT_ENOUGH_MEMORY', () => {
    expectWin32Error(() => pss.walkMarkerCreate(trackingAllocator(0).allocator), 8, 'ERROR_NOT_ENOUGH_MEMORY', 'PssWalkMarkerCreate')
    // allocations: the marker, handle 0's type name (it is unnamed), handle 1's type and object names; then NULL
    const { allocator, live } = trackingAllocator(4)
    withSnapshot(SMALL, ALL, (snapshot) => {
      const marker = pss.walkMarkerCreate(allocator)
      try {
        expect(pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker)).toStrictEqual(expectedHandle(SMALL, 0, ALL))
        expect(pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker)).toStrictEqual(expectedHandle(SMALL, 1, ALL))
        expectWin32Error(() => pss.walkSnapshot(snapshot, PSS_WALK.HANDLES, marker), 8, 'ERROR_NOT_ENOUGH_MEMORY', 'PssWalkSnapshot')
      } finally {
        pss.walkMarkerFree(marker)
      }
    })
    expect(live.size).toBe(0)
  })
})
