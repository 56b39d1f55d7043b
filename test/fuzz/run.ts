// The fuzz runner shared by test/fuzz.test.ts (10k mutations per CI run) and `npm run fuzz` (100k):
// decodes each mutant and holds it to the reader's contract —
// - the outcome is an opened archive or an ArchiveError with a code of spec/ARCHIVE.md §9, nothing else;
// - every diagnostic has a known code, and what opened can be rendered (info JSON, entries);
// - validateArchive and a stream of small pieces reach the same outcome as decoding the bytes (checked on a
//   share of the mutants: a cheap oracle that catches decoders drifting apart);
// - each decode finishes well within a generous time (a post-hoc guard: an in-thread infinite loop cannot be
//   interrupted here, so `npm run fuzz` also runs this in a child process behind a watchdog);
// - on the larger inputs, the memory a decode keeps (heap + array buffers, measured around a forced GC) and,
//   on Linux, how far RSS rises during it (the kernel's high-water mark, reset just before) are within 4×
//   the bytes it decodes (stored bytes, or the declared decoded size of intact compressed frames).
import { peakRise, startPeak } from '../helpers/peak-rss.js'
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { ARCHIVE_ERROR_CODES, ArchiveError, archiveInfoToJson, entryToJson, openArchive, validateArchive, type Archive, type FormatHooks } from '../../reader/index.js'
import { mutate, type FuzzInput, type Mutant } from './mutate.js'

export interface FuzzOptions {
  seed: number
  count: number
  inputs: readonly FuzzInput[]
  /** Relative chance of each input being the base (default: inputs above 64 KiB half as likely as one small one). */
  weights?: readonly number[]
  /** Hooks for every other decode (the Node zlib/CRC ones); the rest use the platform-free defaults. */
  nodeHooks?: FormatHooks
  /** Every n-th mutant is also validated and streamed, and compared (default 4). */
  crossCheckEvery?: number
  /** A decode slower than this is a failure (default 5000 ms). */
  hangMs?: number
  /** Inputs at least this large get the memory measurement (default 64 KiB). */
  memoryMinBytes?: number
  /**
   * Linux: also measure each measured decode's peak RSS, by resetting the kernel's high-water mark
   * (/proc/self/clear_refs) just before it and reading it (VmHWM) just after: the decode's own transient
   * peak, not the harness's (mutating, collecting) or an earlier decode's.
   */
  peakRss?: boolean
  /** Called before each decode, so a watchdog can name the seed that hung. */
  onStart?: (seed: number) => void
}

export interface FuzzFailure {
  mutant: Mutant
  problem: string
}

export interface FuzzStats {
  tried: number
  /** 'opened' (no error diagnostic), 'opened with errors', or the fatal ArchiveError code. */
  outcomes: Record<string, number>
  /** Every diagnostic code seen on archives that opened, with how many times. */
  diagnostics: Record<string, number>
  slowest: { ms: number; seed: number; base: string }
  memory: { measured: number; worstRatio: number; seed: number; base: string; keptBytes: number; basisBytes: number }
  /** With `peakRss`: the largest rise of RSS during one decode, against that decode's basis. */
  peak: { measured: number; worstRatio: number; seed: number; base: string; riseBytes: number; basisBytes: number }
  failures: FuzzFailure[]
}

const KNOWN = new Set<string>(ARCHIVE_ERROR_CODES)

/** A `gc()` for the memory measurement, without needing node --expose-gc. */
function gcFunction(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

export type Outcome = { fatal: string } | { diagnostics: string[]; entries: Record<string, number> }

export function outcomeOf(archive: Archive): Outcome {
  return { diagnostics: archive.diagnostics.map((d) => d.code).sort(), entries: Object.fromEntries(archive.sectionNames.map((n) => [n, archive.section(n)!.length])) }
}

const same = (a: Outcome, b: Outcome) => JSON.stringify(a) === JSON.stringify(b)

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size)
}

/** Opens `bytes`; an ArchiveError becomes `{ fatal }`, anything else is rethrown. */
export async function decodeOutcome(bytes: Uint8Array | AsyncIterable<Uint8Array>, hooks?: FormatHooks): Promise<{ outcome: Outcome; archive?: Archive }> {
  try {
    const archive = await openArchive(bytes, hooks ? { hooks } : {})
    return { outcome: outcomeOf(archive), archive }
  } catch (e) {
    if (e instanceof ArchiveError) return { outcome: { fatal: e.code } }
    throw e
  }
}

/** Renders what opened the way the CLI does (bounded: a chunk may legally declare 2^20 entries). */
function render(archive: Archive): void {
  archiveInfoToJson(archive)
  const contextArchitecture = archive.contextArchitecture
  for (const name of archive.sectionNames) {
    const section = archive.section(name)!
    for (let i = 0; i < Math.min(section.length, 32); i++) entryToJson(name, section.get(i)!, { includeBlobs: true, ...(contextArchitecture ? { contextArchitecture } : {}) })
  }
}

/**
 * Bytes a decode may reasonably handle: the input, or if larger the frames it reached at their decoded
 * size (a deflate frame is inflated to its declared size, at most 1032× its stored bytes, before its
 * payload can be judged).
 */
function memoryBasis(archive: Archive | undefined, input: number): number {
  if (!archive) return input
  let decoded = 16
  for (const f of archive.frames) decoded += 20 + Math.max(f.storedLength, f.decodedLength)
  return Math.max(input, decoded)
}

/** Checks one mutant against the contract; returns the problem, or undefined. Updates `stats`. */
export async function checkMutant(mutant: Mutant, options: FuzzOptions, stats: FuzzStats, gc?: () => void): Promise<string | undefined> {
  const hooks = mutant.seed % 2 === 0 ? options.nodeHooks : undefined
  const measure = gc !== undefined && mutant.bytes.length >= (options.memoryMinBytes ?? 64 * 1024)
  let before = 0
  if (measure) {
    // Twice: buffers of earlier decodes are freed by finalizers that run after the first collection.
    gc()
    gc()
    const m = process.memoryUsage()
    before = m.heapUsed + m.arrayBuffers
  }
  const peak = measure && options.peakRss ? startPeak() : undefined
  options.onStart?.(mutant.seed)
  const start = performance.now()
  let result: Awaited<ReturnType<typeof decodeOutcome>>
  try {
    result = await decodeOutcome(mutant.bytes, hooks)
  } catch (e) {
    return `threw a non-ArchiveError: ${(e as Error)?.stack ?? String(e)}`
  }
  const ms = performance.now() - start
  if (peak !== undefined) {
    const rise = peakRise(peak)
    const basis = memoryBasis(result.archive, mutant.bytes.length)
    stats.peak.measured++
    if (rise / basis > stats.peak.worstRatio) stats.peak = { measured: stats.peak.measured, worstRatio: rise / basis, seed: mutant.seed, base: mutant.base, riseBytes: rise, basisBytes: basis }
    if (rise > 4 * basis) return `RSS rose ${rise} bytes while decoding ${mutant.bytes.length} (basis ${basis}): ${(rise / basis).toFixed(1)}× > 4×`
  }
  if (measure) {
    gc()
    gc()
    const m = process.memoryUsage()
    const kept = m.heapUsed + m.arrayBuffers - before
    const basis = memoryBasis(result.archive, mutant.bytes.length)
    const ratio = kept / basis
    stats.memory.measured++
    if (ratio > stats.memory.worstRatio) stats.memory = { ...stats.memory, worstRatio: ratio, seed: mutant.seed, base: mutant.base, keptBytes: kept, basisBytes: basis }
    if (ratio > 4) return `kept ${kept} bytes after decoding ${mutant.bytes.length} (basis ${basis}): ${ratio.toFixed(1)}× > 4×`
  }
  if (ms > stats.slowest.ms) stats.slowest = { ms, seed: mutant.seed, base: mutant.base }
  if (ms > (options.hangMs ?? 5000)) return `decode took ${ms.toFixed(0)} ms`
  const { outcome, archive } = result
  if ('fatal' in outcome) {
    if (!KNOWN.has(outcome.fatal)) return `unknown error code ${outcome.fatal}`
    stats.outcomes[outcome.fatal] = (stats.outcomes[outcome.fatal] ?? 0) + 1
  } else {
    const key = archive!.ok ? 'opened' : 'opened with errors'
    stats.outcomes[key] = (stats.outcomes[key] ?? 0) + 1
    for (const code of outcome.diagnostics) {
      if (!KNOWN.has(code)) return `unknown diagnostic code ${code}`
      stats.diagnostics[code] = (stats.diagnostics[code] ?? 0) + 1
    }
    try {
      render(archive!)
    } catch (e) {
      return `rendering what opened threw: ${(e as Error)?.stack ?? String(e)}`
    }
  }
  if (mutant.seed % (options.crossCheckEvery ?? 4) === 0) {
    const report = await validateArchive(mutant.bytes).catch((e: unknown) => e as Error)
    if (report instanceof Error) return `validateArchive threw: ${report.stack ?? String(report)}`
    if ('fatal' in outcome) {
      if (report.ok || report.diagnostics.at(-1)?.code !== outcome.fatal) return `open refused it with ${outcome.fatal}, validate says ${report.ok ? 'ok' : report.diagnostics.at(-1)?.code}`
    } else if (JSON.stringify(report.diagnostics.map((d) => d.code).sort()) !== JSON.stringify(outcome.diagnostics)) {
      return `open found ${outcome.diagnostics.join(',')}, validate found ${report.diagnostics.map((d) => d.code).sort().join(',')}`
    }
    const streamed = await decodeOutcome(pieces(mutant.bytes, 61)).catch((e: unknown) => e as Error)
    if (streamed instanceof Error) return `stream decode threw: ${streamed.stack ?? String(streamed)}`
    if (!same(streamed.outcome, outcome)) return `bytes: ${JSON.stringify(outcome)}, stream: ${JSON.stringify(streamed.outcome)}`
  }
  return undefined
}

export function emptyStats(): FuzzStats {
  return {
    tried: 0,
    outcomes: {},
    diagnostics: {},
    slowest: { ms: 0, seed: 0, base: '' },
    memory: { measured: 0, worstRatio: 0, seed: 0, base: '', keptBytes: 0, basisBytes: 0 },
    peak: { measured: 0, worstRatio: 0, seed: 0, base: '', riseBytes: 0, basisBytes: 0 },
    failures: [],
  }
}


/** Runs `count` mutants with seeds `seed`, `seed + 1`, …; collects every failure (never stops early). */
export async function runFuzz(options: FuzzOptions, stats: FuzzStats = emptyStats()): Promise<FuzzStats> {
  const weights = options.weights ?? options.inputs.map((i) => (i.bytes.length > 64 * 1024 ? 0.5 : 1))
  const gc = gcFunction()
  for (let i = 0; i < options.count; i++) {
    const mutant = mutate((options.seed + i) >>> 0, options.inputs, weights)
    stats.tried++
    const problem = await checkMutant(mutant, options, stats, gc)
    if (problem) stats.failures.push({ mutant, problem })
  }
  return stats
}

/** One line per statistic, for the test log and the fuzz script. */
export function formatStats(stats: FuzzStats): string {
  const sorted = (r: Record<string, number>) =>
    Object.entries(r)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')
  return [
    `mutations tried: ${stats.tried}`,
    `outcomes: ${sorted(stats.outcomes)}`,
    `diagnostics on opened archives: ${sorted(stats.diagnostics)}`,
    `slowest decode: ${stats.slowest.ms.toFixed(1)} ms (seed ${stats.slowest.seed}, ${stats.slowest.base})`,
    `memory kept per decode: worst ${stats.memory.worstRatio.toFixed(2)}× of ${stats.memory.basisBytes} bytes (seed ${stats.memory.seed}, ${stats.memory.base}; ${stats.memory.measured} decodes measured)`,
    ...(stats.peak.measured
      ? [`peak RSS rise per decode: worst ${(stats.peak.riseBytes / 2 ** 20).toFixed(1)} MiB = ${stats.peak.worstRatio.toFixed(2)}× of ${stats.peak.basisBytes} bytes (seed ${stats.peak.seed}, ${stats.peak.base}; ${stats.peak.measured} decodes measured)`]
      : []),
    `failures: ${stats.failures.length}`,
  ].join('\n')
}
