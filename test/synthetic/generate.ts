// Synthetic snapshots for tests, golden fixtures and the benchmark: a seeded, deterministic stand-in for
// what a PSS capture of a busy x64 Windows service returns. Same options → same entries → same archive
// bytes. Each section draws from its own seeded stream, so changing one count leaves the others' data.
import {
  ArchiveWriter,
  MemorySink,
  SECTION_NAMES,
  type ArchiveHeaderInput,
  type AuxiliaryPageEntry,
  type ByteSink,
  type Epilogue,
  type HandleEntry,
  type ThreadEntry,
  type VaSpaceEntry,
  type WriteSummary,
  type WriterOptions,
} from '../../format/index.js'
import { generateAuxPages } from './aux-pages.js'
import { generateHandles } from './handles.js'
import { captureTimes, generateEpilogue, generateHeader } from './header.js'
import { Rng } from './prng.js'
import { generateThreads } from './threads.js'
import { generateVaSpace } from './va-space.js'

export interface SnapshotOptions {
  seed: number
  handles: number
  /** VA regions (PSS_VA_SPACE_ENTRY count). */
  regions: number
  threads: number
  /** Share of threads with a captured CONTEXT (default 0.5). */
  contextRatio?: number
  /** Auxiliary pages (default 0); fewer when the address space has fewer distinct private pages. */
  auxPages?: number
  /** Only x64 is generated (CONTEXT layout, address ranges). */
  architecture?: 'x64'
}

export interface SnapshotSections {
  handles: HandleEntry[]
  threads: ThreadEntry[]
  vaSpace: VaSpaceEntry[]
  auxiliaryPages: AuxiliaryPageEntry[]
}

export interface Snapshot {
  header: ArchiveHeaderInput
  epilogue: Epilogue
  sections: SnapshotSections
}

export function generateSnapshot(options: SnapshotOptions): Snapshot {
  const { seed } = options
  for (const key of ['handles', 'regions', 'threads'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 0) throw new RangeError(`generateSnapshot: ${key} must be a non-negative integer`)
  }
  if ((options.architecture ?? 'x64') !== 'x64') throw new RangeError('generateSnapshot: only x64 is supported')
  const base = Rng.derive(seed, 'process')
  const times = captureTimes(base)
  const pid = 4 * base.int(100, 16000)
  const parentPid = 4 * base.int(100, 2000)
  const sessionId = base.int(0, 1)

  const layout = generateVaSpace(Rng.derive(seed, 'vaSpace'), options.regions, options.threads)
  const threads = generateThreads(Rng.derive(seed, 'threads'), options.threads, {
    pid,
    captureTicks: times.captureTicks,
    processCreateTicks: times.processCreateTicks,
    contextRatio: options.contextRatio ?? 0.5,
    layout,
  })
  const handles = generateHandles(Rng.derive(seed, 'handles'), options.handles, {
    pid,
    parentPid,
    sessionId,
    pebBaseAddress: BigInt(layout.pebBaseAddress),
    captureTicks: times.captureTicks,
    processCreateTicks: times.processCreateTicks,
    threadIds: threads.threadIds,
    tebOf: (i) => BigInt(layout.tebBase + i * 0x2000),
    startAddressOf: (i) => threads.startAddresses[i]!,
  })
  const auxiliaryPages = generateAuxPages(Rng.derive(seed, 'auxiliaryPages'), options.auxPages ?? 0, layout, times.captureTicks)
  const header = generateHeader(Rng.derive(seed, 'header'), {
    times,
    pid,
    parentPid,
    pebBaseAddress: layout.pebBaseAddress,
    virtualSize: layout.virtualSize,
    counts: { handles: handles.length, threads: threads.threads.length, regions: layout.regions.length, auxPages: auxiliaryPages.length },
  })
  return {
    header,
    epilogue: generateEpilogue(Rng.derive(seed, 'epilogue'), times),
    sections: { handles, threads: threads.threads, vaSpace: layout.regions, auxiliaryPages },
  }
}

/** Writes a snapshot with ArchiveWriter, every section declared (so empty ones are listed in the trailer). */
export async function writeSnapshot(snapshot: Snapshot, sink: ByteSink, writerOptions: WriterOptions = {}): Promise<WriteSummary> {
  const writer = new ArchiveWriter(sink, writerOptions)
  await writer.begin(snapshot.header)
  for (const name of SECTION_NAMES) {
    writer.declareSection(name)
    const entries = snapshot.sections[name] as SnapshotSections[typeof name]
    for (let i = 0; i < entries.length; i++) {
      const flushed = writer.add(name, entries[i]!)
      if (flushed) await flushed
    }
  }
  return writer.finish(snapshot.epilogue)
}

/** The archive bytes of a snapshot, written in memory. */
export async function snapshotBytes(snapshot: Snapshot, writerOptions: WriterOptions = {}): Promise<Uint8Array> {
  const sink = new MemorySink()
  await writeSnapshot(snapshot, sink, writerOptions)
  return sink.bytes()
}
