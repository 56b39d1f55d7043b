// Round trips: arbitrary entries, header values and epilogues written with ArchiveWriter read back equal,
// uncompressed, deflated with the Node hooks, and deflated with the platform-free CompressionStream path.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ArchiveWriter, FORMAT_MINOR, MemorySink, SECTION_NAMES, type ArchiveHeaderInput, type FormatHooks, type SectionName } from '../format/index.js'
import { decodeArchive } from '../reader/index.js'
import { nodeHooks } from '../reader/node.js'
import { U64_MAX, anyString, readBack, sectionEntries } from './helpers/arbitraries.js'

const PROCESS_INFORMATION: Record<string, 'u32' | 'i32' | 'u64' | 'str'> = {
  exitStatus: 'u32', pebBaseAddress: 'u64', affinityMask: 'u64', basePriority: 'i32', processId: 'u32', parentProcessId: 'u32',
  flags: 'u32', createTime: 'u64', exitTime: 'u64', kernelTime: 'u64', userTime: 'u64', priorityClass: 'u32', peakVirtualSize: 'u64',
  virtualSize: 'u64', pageFaultCount: 'u32', peakWorkingSetSize: 'u64', workingSetSize: 'u64', quotaPeakPagedPoolUsage: 'u64',
  quotaPagedPoolUsage: 'u64', quotaPeakNonPagedPoolUsage: 'u64', quotaNonPagedPoolUsage: 'u64', pagefileUsage: 'u64',
  peakPagefileUsage: 'u64', privateUsage: 'u64', executeFlags: 'u32', imageFileName: 'str',
}

const mapValue = { u32: fc.integer({ min: 0, max: 0xffff_ffff }), i32: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), u64: fc.bigInt({ min: 0n, max: U64_MAX }), str: anyString }

const processInformation = fc.record(Object.fromEntries(Object.entries(PROCESS_INFORMATION).map(([k, t]) => [k, mapValue[t] as fc.Arbitrary<unknown>])), { requiredKeys: [] })

const snapshot = fc.record({
  header: fc.record({ processInformation, imagePath: anyString, vaCloneHandle: fc.bigInt({ min: 0n, max: U64_MAX }) }),
  timings: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }).filter((x) => !Object.is(x, -0)), { maxKeys: 4 }),
  sections: fc.record(Object.fromEntries(SECTION_NAMES.map((s) => [s, sectionEntries(s)])) as Record<SectionName, fc.Arbitrary<Record<string, unknown>[]>>),
  chunkEntries: fc.integer({ min: 1, max: 8 }),
})

type Snapshot = typeof snapshot extends fc.Arbitrary<infer T> ? T : never

function headerOf(s: Snapshot): ArchiveHeaderInput {
  return {
    producer: { tool: 'pssnap', version: '0.0.0-roundtrip' },
    host: { platform: 'windows', architecture: 'x64' },
    target: { processId: 4, imagePath: s.header.imagePath, architecture: 'x64' },
    capture: { captureFlags: 0x19bd, threadContextFlags: 0x10001f, startedAt: '2026-11-25T12:00:00.000Z' },
    processInformation: s.header.processInformation as ArchiveHeaderInput['processInformation'],
    vaCloneInformation: { vaCloneHandle: s.header.vaCloneHandle },
  }
}

async function write(s: Snapshot, compression: 'none' | 'deflate', hooks: FormatHooks | undefined): Promise<Uint8Array> {
  const sink = new MemorySink()
  const writer = new ArchiveWriter(sink, { compression, chunkEntries: s.chunkEntries, formatMinor: FORMAT_MINOR, ...(hooks ? { hooks } : {}) })
  await writer.begin(headerOf(s))
  for (const name of SECTION_NAMES) {
    writer.declareSection(name)
    for (const e of s.sections[name]) await writer.add(name, e as never)
  }
  await writer.finish({ timings: s.timings })
  return sink.bytes()
}

async function roundTrip(s: Snapshot, compression: 'none' | 'deflate', hooks: FormatHooks | undefined): Promise<void> {
  const bytes = await write(s, compression, hooks)
  const archive = await decodeArchive(bytes, hooks ? { hooks } : {})
  expect(archive.diagnostics).toEqual([])
  expect(archive.frames.some((f) => f.codec === 1)).toBe(compression === 'deflate')
  for (const name of SECTION_NAMES) {
    expect(archive.section(name)!.toArray()).toEqual(s.sections[name].map(readBack))
    expect(archive.trailer?.entryCounts[name]).toBe(s.sections[name].length)
  }
  expect(archive.header.processInformation).toStrictEqual(readBack(s.header.processInformation))
  expect(archive.header.target.imagePath).toBe(readBack(s.header.imagePath))
  expect(archive.header.vaCloneInformation?.vaCloneHandle).toBe(s.header.vaCloneHandle)
  expect(archive.epilogue?.timings).toStrictEqual(readBack(s.timings))
}

describe('round trip', () => {
  it('uncompressed', async () => {
    await fc.assert(fc.asyncProperty(snapshot, (s) => roundTrip(s, 'none', undefined)), { seed: 0x5eed, numRuns: 150 })
  })

  it('deflate with the Node hooks', async () => {
    await fc.assert(fc.asyncProperty(snapshot, (s) => roundTrip(s, 'deflate', nodeHooks)), { seed: 0x5eed + 1, numRuns: 80 })
  })

  it('deflate with the platform-free CompressionStream hooks', async () => {
    await fc.assert(fc.asyncProperty(snapshot, (s) => roundTrip(s, 'deflate', undefined)), { seed: 0x5eed + 2, numRuns: 10 })
  })

  it('keeps 64-bit values above 2^63 exact in columns and in maps', async () => {
    const s: Snapshot = {
      header: { processInformation: { peakVirtualSize: U64_MAX, virtualSize: 1n << 63n, pebBaseAddress: 0n }, imagePath: '', vaCloneHandle: U64_MAX },
      timings: {},
      sections: { handles: [{ handle: U64_MAX, creationTime: (1n << 63n) + 1n }], threads: [], vaSpace: [{ regionSize: 1n << 63n }], auxiliaryPages: [] },
      chunkEntries: 4,
    }
    await roundTrip(s, 'none', undefined)
  })
})
