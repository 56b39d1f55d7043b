// The synthetic snapshot generator: deterministic, internally consistent, realistic where tests and the
// benchmark rely on it, and fast enough for a million entries.
import { describe, expect, it } from 'vitest'
import { HeaderSchema, ProcessInformationSchema, type VaSpaceEntry } from '../format/index.js'
import { decodeArchive } from '../reader/index.js'
import { nodeHooks } from '../reader/node.js'
import { generateSnapshot, snapshotBytes, type SnapshotOptions } from './synthetic/generate.js'

const MEM_COMMIT = 0x1000
const MEM_FREE = 0x10000
const MEM_PRIVATE = 0x20000
const MEM_IMAGE = 0x1000000
const PAGE_READWRITE = 0x04
const PAGE_EXECUTE_READ = 0x20
const OPTIONS: SnapshotOptions = { seed: 42, handles: 20_000, regions: 6_000, threads: 400, contextRatio: 0.5, auxPages: 8 }
const snapshot = generateSnapshot(OPTIONS)
const { handles, threads, vaSpace, auxiliaryPages } = snapshot.sections

/** The region containing `address` (regions are contiguous and ascending). */
function regionAt(regions: readonly VaSpaceEntry[], address: bigint): VaSpaceEntry | undefined {
  let lo = 0
  let hi = regions.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const r = regions[mid]!
    if (address < r.baseAddress!) hi = mid - 1
    else if (address >= r.baseAddress! + r.regionSize!) lo = mid + 1
    else return r
  }
  return undefined
}

describe('determinism', () => {
  it('gives equal snapshots and identical bytes for equal options', async () => {
    const small: SnapshotOptions = { seed: 3, handles: 300, regions: 200, threads: 20, auxPages: 2 }
    expect(generateSnapshot(small)).toEqual(generateSnapshot(small))
    for (const compression of ['none', 'deflate'] as const) {
      const a = await snapshotBytes(generateSnapshot(small), { compression, hooks: nodeHooks })
      const b = await snapshotBytes(generateSnapshot(small), { compression, hooks: nodeHooks })
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
    }
    const other = await snapshotBytes(generateSnapshot({ ...small, seed: 4 }))
    expect(Buffer.from(other).equals(Buffer.from(await snapshotBytes(generateSnapshot(small))))).toBe(false)
  })

  it('keeps each section independent of the other sections\' sizes', () => {
    const more = generateSnapshot({ ...OPTIONS, handles: 10 })
    expect(more.sections.vaSpace).toEqual(vaSpace)
    expect(more.sections.threads).toEqual(threads)
  })

  it('never reads the clock', () => {
    expect(snapshot.header.capture.startedAt).toMatch(/^2026-1[12]-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(generateSnapshot(OPTIONS).header.capture.startedAt).toBe(snapshot.header.capture.startedAt)
  })
})

describe('counts', () => {
  it.each([0, 1, 2, 7, 8, 30, 61, 500])('produces exactly %i regions, contiguous from 0', (n) => {
    const s = generateSnapshot({ seed: n, handles: 0, regions: n, threads: 3 })
    expect(s.sections.vaSpace).toHaveLength(n)
    let next = 0n
    for (const r of s.sections.vaSpace) {
      expect(r.baseAddress).toBe(next)
      expect(r.regionSize! > 0n).toBe(true)
      next = r.baseAddress! + r.regionSize!
    }
  })

  it('produces exactly the requested entries', () => {
    expect(handles).toHaveLength(OPTIONS.handles)
    expect(threads).toHaveLength(OPTIONS.threads)
    expect(vaSpace).toHaveLength(OPTIONS.regions)
    expect(auxiliaryPages).toHaveLength(OPTIONS.auxPages!)
    expect(snapshot.header.handleInformation?.handlesCaptured).toBe(OPTIONS.handles)
    expect(snapshot.header.threadInformation?.threadsCaptured).toBe(OPTIONS.threads)
    expect(snapshot.header.vaSpaceInformation?.regionCount).toBe(OPTIONS.regions)
    expect(snapshot.header.auxiliaryPagesInformation?.auxPagesCaptured).toBe(OPTIONS.auxPages)
  })

  it('rejects impossible options', () => {
    expect(() => generateSnapshot({ seed: 1, handles: -1, regions: 0, threads: 0 })).toThrow(RangeError)
    expect(() => generateSnapshot({ seed: 1, handles: 0, regions: 0, threads: 0, architecture: 'arm64' as 'x64' })).toThrow(RangeError)
  })
})

describe('header', () => {
  it('is a valid header with every processInformation field', () => {
    expect(HeaderSchema.safeParse(snapshot.header).success).toBe(true)
    expect(Object.keys(snapshot.header.processInformation!).sort()).toEqual(Object.keys(ProcessInformationSchema.shape).sort())
    expect(snapshot.header.host).toEqual({ platform: 'windows', architecture: 'x64', osVersion: '10.0.22631', osBuild: '22631.4317', machineName: 'BUILD-SRV-07' })
    expect(snapshot.header.target).toEqual({ processId: snapshot.header.processInformation!.processId, imagePath: 'C:\\Program Files\\Contoso\\svc.exe', architecture: 'x64' })
    expect(Object.keys(snapshot.header.performanceCounters!)).toHaveLength(12)
    const committed = vaSpace.filter((r) => r.state !== MEM_FREE).reduce((n, r) => n + r.regionSize!, 0n)
    expect(snapshot.header.processInformation!.virtualSize).toBe(committed)
  })
})

describe('vaSpace', () => {
  it('is contiguous, ascending, page-aligned, from 0', () => {
    let next = 0n
    for (const r of vaSpace) {
      expect(r.baseAddress).toBe(next)
      expect(r.baseAddress! % 0x1000n).toBe(0n)
      expect(r.regionSize! % 0x1000n).toBe(0n)
      next = r.baseAddress! + r.regionSize!
    }
    expect(next <= 0x7fff_ffff_0000n).toBe(true)
  })

  it('has free, reserved, private, mapped and image regions with consistent fields', () => {
    const states = new Set(vaSpace.map((r) => r.state))
    const types = new Set(vaSpace.map((r) => r.type))
    expect([...states].sort((a, b) => a! - b!)).toEqual([0x1000, 0x2000, 0x10000])
    expect([...types].sort((a, b) => a! - b!)).toEqual([0, 0x20000, 0x40000, 0x1000000])
    for (const r of vaSpace) {
      if (r.state === MEM_FREE) expect([r.allocationBase, r.type, r.allocationProtect, r.mappedFileName]).toEqual([0n, 0, 0, undefined])
      else expect(r.allocationBase! <= r.baseAddress!).toBe(true)
      if (r.type === MEM_IMAGE) {
        expect(r.mappedFileName).toMatch(/^\\Device\\HarddiskVolume3\\.+\.(dll|exe|DLL)$/)
        expect(r.imageBase).toBe(r.allocationBase)
        expect(r.sizeOfImage! > 0).toBe(true)
        expect(r.baseAddress! + r.regionSize! <= r.imageBase! + BigInt(r.sizeOfImage!)).toBe(true)
      } else expect([r.imageBase, r.sizeOfImage, r.timeDateStamp, r.checkSum]).toEqual([0n, 0, 0, 0])
    }
    const images = new Set(vaSpace.filter((r) => r.type === MEM_IMAGE).map((r) => r.mappedFileName))
    expect(images).toContain('\\Device\\HarddiskVolume3\\Windows\\System32\\ntdll.dll')
    expect(images).toContain('\\Device\\HarddiskVolume3\\Windows\\System32\\kernel32.dll')
    expect(images).toContain('\\Device\\HarddiskVolume3\\Program Files\\Contoso\\svc.exe')
  })
})

describe('handles', () => {
  it('have ascending handle values, multiples of 4', () => {
    let previous = 0n
    for (const h of handles) {
      expect(h.handle! % 4n).toBe(0n)
      expect(h.handle! > previous).toBe(true)
      previous = h.handle!
    }
  })

  it('are typed like a real service\'s handle table', () => {
    const share = (type: string) => handles.filter((h) => h.typeName === type).length / handles.length
    expect(share('File')).toBeCloseTo(0.35, 1)
    expect(share('Event')).toBeCloseTo(0.2, 1)
    expect(share('Key')).toBeCloseTo(0.1, 1)
    for (const t of ['Section', 'Thread', 'Mutant', 'Semaphore', 'Process', 'ALPC Port', 'Token', 'WaitCompletionPacket', 'IoCompletion', 'TpWorkerFactory', 'Desktop']) {
      expect(share(t), t).toBeGreaterThan(0)
    }
  })

  it('set objectType, flags and the union member consistently', () => {
    const pss: Record<string, number> = { Process: 1, Thread: 2, Mutant: 3, Event: 4, Section: 5, Semaphore: 6 }
    const member: Record<number, string> = { 1: 'process', 2: 'thread', 3: 'mutant', 4: 'event', 5: 'section', 6: 'semaphore' }
    // Collected rather than asserted per handle: 20,000 expect() calls would dominate the test's time.
    const bad = handles.filter(
      (h) =>
        h.objectType !== (pss[h.typeName!] ?? 0) ||
        (h.flags! & 0x5) !== 0x5 ||
        ((h.flags! & 0x2) !== 0) !== (h.objectName !== undefined) ||
        h.objectName === '' ||
        ((h.flags! & 0x8) !== 0) !== (h.typeSpecificInformation !== undefined) ||
        (h.typeSpecificInformation !== undefined && Object.keys(h.typeSpecificInformation).join() !== member[h.objectType!]),
    )
    expect(bad).toEqual([])
    const withInfo = handles.filter((h) => h.typeSpecificInformation).length
    expect(withInfo).toBeGreaterThan(handles.length * 0.3)
  })

  it('have realistic names, some of them non-ASCII', () => {
    const names = handles.map((h) => h.objectName).filter((n): n is string => n !== undefined)
    for (const prefix of ['\\Device\\HarddiskVolume3\\', '\\REGISTRY\\MACHINE\\', '\\Sessions\\']) expect(names.some((n) => n.startsWith(prefix)), prefix).toBe(true)
    for (const word of ['Événement', '日本語', 'Ünïcödé']) expect(names.some((n) => n.includes(word)), word).toBe(true)
  })
})

describe('threads', () => {
  it('have distinct thread ids, multiples of 4, and FILETIMEs near the capture', () => {
    const ids = threads.map((t) => t.threadId!)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id % 4).toBe(0)
    const captured = BigInt(Date.parse(snapshot.header.capture.startedAt)) * 10_000n + 116_444_736_000_000_000n
    for (const t of threads) {
      expect(t.createTime! <= captured).toBe(true)
      expect(t.kernelTime! + t.userTime! <= captured - t.createTime!).toBe(true)
      expect(t.captureTime! >= captured && t.captureTime! < captured + 10_000_000n).toBe(true)
    }
  })

  it('start inside images and carry x64 contexts for the requested share', () => {
    const withContext = threads.filter((t) => t.contextRecord)
    expect(withContext).toHaveLength(OPTIONS.threads * OPTIONS.contextRatio!)
    for (const t of threads) {
      expect(regionAt(vaSpace, t.win32StartAddress!)?.type).toBe(MEM_IMAGE)
      expect(t.sizeOfContextRecord).toBe(t.contextRecord ? 1232 : 0)
      if (t.flags === 1) expect(t.contextRecord).toBeUndefined()
    }
    for (const t of withContext) {
      const ctx = t.contextRecord!
      expect(ctx).toHaveLength(1232)
      const dv = new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength)
      expect(dv.getUint32(48, true)).toBe(0x10001f)
      const rip = regionAt(vaSpace, dv.getBigUint64(248, true))
      expect([rip?.type, rip?.protect]).toEqual([MEM_IMAGE, PAGE_EXECUTE_READ])
      for (const offset of [152, 160]) {
        const value = dv.getBigUint64(offset, true)
        if (offset === 160 && value === 0n) continue
        const stack = regionAt(vaSpace, value)
        expect([stack?.state, stack?.type, stack?.protect]).toEqual([MEM_COMMIT, MEM_PRIVATE, PAGE_READWRITE])
      }
      expect(ctx.some((b, i) => b !== 0 && i >= 120 && i < 248)).toBe(true)
    }
  })
})

describe('auxiliary pages', () => {
  it('are copies of committed pages with their basic information', () => {
    for (const p of auxiliaryPages) {
      expect(p.pageContents).toHaveLength(4096)
      expect(p.pageSize).toBe(4096)
      const r = regionAt(vaSpace, p.address!)
      expect(r?.state).toBe(MEM_COMMIT)
      expect(p.basicInformation?.allocationBase).toBe(r?.allocationBase)
      expect(p.address! + p.basicInformation!.regionSize!).toBe(r!.baseAddress! + r!.regionSize!)
    }
  })
})

describe('writing', () => {
  it('reads back equal, with every section listed', async () => {
    const s = generateSnapshot({ seed: 5, handles: 700, regions: 500, threads: 30, auxPages: 3 })
    const archive = await decodeArchive(await snapshotBytes(s, { chunkEntries: 256, hooks: nodeHooks }), { hooks: nodeHooks })
    expect(archive.diagnostics).toEqual([])
    expect(archive.handles.toArray()).toEqual(s.sections.handles)
    expect(archive.threads.toArray()).toEqual(s.sections.threads)
    expect(archive.vaSpace.toArray()).toEqual(s.sections.vaSpace)
    expect(archive.auxiliaryPages.toArray()).toEqual(s.sections.auxiliaryPages)
    expect(archive.epilogue).toEqual(s.epilogue)
    expect(archive.sectionNames).toEqual(['handles', 'threads', 'vaSpace', 'auxiliaryPages'])
  })
})

describe('speed', () => {
  it('generates entries fast enough for a million in a few seconds', () => {
    // A fifth of the benchmark's million (~0.5 s alone, ~2 s beside other test workers): the bound only
    // catches a generator that became several times slower.
    const t = performance.now()
    const big = generateSnapshot({ seed: 1, handles: 60_000, regions: 120_000, threads: 20_000, contextRatio: 0.5 })
    const ms = performance.now() - t
    expect(big.sections.handles.length + big.sections.vaSpace.length + big.sections.threads.length).toBe(200_000)
    expect(ms).toBeLessThan(5_000)
  })
})
