// One Linux capture: read /proc/<pid> into the archive model (header, entries, soft errors, timings),
// then write it through writeArchiveFile (temp file + rename). /proc is read live, not from a frozen
// snapshot: each section is consistent with itself only at the moment it was read (spec/LINUX.md §1).
import { hostname, release } from 'node:os'
import { performance } from 'node:perf_hooks'
import { SECTIONS, type ArchiveHeaderInput, type ArchiveWriter, type AuxiliaryPageEntry, type CaptureSet, type Epilogue, type FieldSpec, type HandleEntry, type ThreadEntry, type VaSpaceEntry, type WriteSummary } from '../../format/index.js'
import { writeArchiveFile, type WriteFileOptions } from '../../reader/node.js'
import { CaptureFailedError } from '../errors.js'
import { testOnlyPause } from '../test-pause.js'
import { readHandles, typeUntyped } from './handles.js'
import { checkAccess, nodeArch, readProcess } from './process.js'
import { readLinuxProcess } from './process-info.js'
import { captureFlagsOf, presetReadsRegionSizes, presetSections, type LinuxSection } from './presets.js'
import { lazyMounts } from './mounts.js'
import { isGone, parseStat, procRoot, readText } from './proc.js'
import { pssnapVersion } from './producer.js'
import { readRegions } from './regions.js'
import { foldHeld, readHeld } from './registers.js'
import { readFrozen } from './freeze.js'
import type { Hold } from './hold.js'
import type { MemoryLimits, MemoryRequest } from './memory.js'
import { SoftErrors } from './soft-errors.js'
import { readThreads } from './threads.js'
import { bootTimeFiletime } from './time.js'

export interface LinuxCaptureOptions {
  /**
   * default (handles, threads, regions), full (the same plus each region's resident, proportional and swapped
   * size from smaps), handles, threads, regions, memory (regions with sizes) or minimal (process information).
   */
  preset?: string
  /** Aborts the capture (the CLI's SIGINT/SIGTERM): nothing is left at the destination or beside it. */
  signal?: AbortSignal
  /**
   * How long the descriptors on a file system that may never answer (FUSE, NFS, …) may take to be typed, per
   * hung mount (default 5000 ms; spec/LINUX.md §5.1). Past it they are kept without a type, with a soft error.
   */
  statTimeoutMs?: number
  /** Tests only: the source of the helper process that stats those descriptors (one whose stat blocks). */
  statHelper?: string
  /** The set this archive belongs to (several targets, a watched series): HEADER `captureSet`, format 1.2. */
  captureSet?: CaptureSet
  /** Every thread's registers (ptrace: the threads are held for a moment; spec/LINUX.md §10). Needs koffi. */
  registers?: boolean
  /** Memory contents to read while held: `stacks` (implies registers being read) and address ranges. */
  memory?: MemoryRequest[]
  memoryLimits?: MemoryLimits
  /**
   * Every thread held (ptrace) for the whole capture, so all sections are of one instant (spec/LINUX.md §9.6).
   * Off by default: the target is never stopped unless asked. Needs koffi.
   */
  freeze?: boolean
  /** Internal: the hold --freeze took, used by the register and memory reads instead of a second one. */
  within?: Hold
}

export interface LinuxCapture {
  header: ArchiveHeaderInput
  handles?: HandleEntry[]
  threads?: ThreadEntry[]
  vaSpace?: VaSpaceEntry[]
  /** Memory read with `memory` (format 1.2, ARCHIVE.md §6.4). */
  auxiliaryPages?: AuxiliaryPageEntry[]
  /** The threads' contextRecord architecture when registers were read (`linux-x64`). */
  contextArchitecture?: string
  errors: SoftErrors
  timings: Record<string, number>
}

/**
 * Reads the process into memory. Throws CaptureFailedError when it does not exist or may not be read, and
 * the signal's reason when `options.signal` aborts while descriptors on a file system that may not answer
 * are being typed (the only wait: everything else is read synchronously).
 */
export async function readLinuxCapture(pid: number, options: LinuxCaptureOptions = {}): Promise<LinuxCapture> {
  if (options.freeze && !options.within) {
    checkAccess(pid)
    // Held for the whole read (issue 16): the hold time goes to the EPILOGUE (heldMs) and each thread's heldTime.
    const frozen = await readFrozen(pid, (within) => readLinuxCapture(pid, { ...options, within }))
    const capture = frozen.value
    capture.timings.heldMs = frozen.heldMs
    for (const t of capture.threads ?? []) {
      const held = t.threadId === undefined ? undefined : frozen.heldTime.get(t.threadId)
      if (held !== undefined) t.heldTime = held
    }
    return capture
  }
  const preset = options.preset ?? 'default'
  const sections = presetSections(preset)
  const startedAt = new Date().toISOString()
  const t0 = performance.now()
  checkAccess(pid)
  const boot = bootTimeFiletime()
  const errors = new SoftErrors()
  // Read once, when something first needs to know whether a file system may block (spec/LINUX.md §5.1).
  const mounts = lazyMounts(pid)
  const timings: Record<string, number> = {}
  const timed = <T>(key: string, fn: () => T): T => {
    const t = performance.now()
    try {
      return fn()
    } finally {
      timings[key] = performance.now() - t
    }
  }
  const proc = timed('processMs', () => {
    try {
      return readProcess(pid, boot, mounts)
    } catch (error) {
      if (isGone(error)) throw new CaptureFailedError('NO_SUCH_PROCESS', `process ${pid} exited during the capture`, pid)
      throw error
    }
  })
  const result: LinuxCapture = {
    header: {
      producer: { tool: 'pssnap', version: pssnapVersion() },
      host: { platform: 'linux', architecture: nodeArch(), osVersion: release(), machineName: hostname() },
      target: proc.target,
      capture: { captureFlags: captureFlagsOf(sections), threadContextFlags: 0, startedAt, preset },
      processInformation: proc.processInformation,
      ...(options.captureSet ? { captureSet: options.captureSet } : {}),
    },
    errors,
    timings,
  }
  // Command line, directories, ids, limits, namespaces (format 1.2, spec/LINUX.md §9.5): every preset.
  result.header.linuxProcess = timed('processInfoMs', () => readLinuxProcess(pid, errors, mounts))
  // A section whose directory or file cannot be read at all is absent, with a soft error (spec §3).
  const walk = <T>(section: LinuxSection, file: string, read: () => T[]): T[] | undefined =>
    timed(`${section}Ms`, () => {
      try {
        return read()
      } catch (error) {
        errors.add(section, 'read', `${procRoot(pid)}/${file}`, error, 'section not captured')
        return undefined
      }
    })
  const handleWalk = sections.includes('handles') ? walk('handles', 'fd', () => [readHandles(pid, errors, mounts)])?.[0] : undefined
  if (sections.includes('threads')) result.threads = walk('threads', 'task', () => readThreads(pid, boot, errors))
  const sizes = presetReadsRegionSizes(preset)
  if (sections.includes('vaSpace')) result.vaSpace = walk('vaSpace', sizes ? 'smaps' : 'maps', () => readRegions(pid, errors, { sizes }, mounts))
  if (handleWalk) {
    // Descriptors whose stat could block are typed last, in a helper with a deadline (spec/LINUX.md §5.1).
    const t = performance.now()
    result.handles = await typeUntyped(handleWalk, errors, { timeoutMs: options.statTimeoutMs, helper: options.statHelper, signal: options.signal })
    timings.handlesMs = (timings.handlesMs ?? 0) + (performance.now() - t)
  }
  if (options.registers || options.memory?.length) {
    // Held last, for as short a time as possible: only registers and memory are read while held.
    const t = performance.now()
    const held = await readHeld(pid, { registers: options.registers === true, ...(options.memory ? { memory: options.memory } : {}), ...options.memoryLimits }, () => result.vaSpace ?? readRegions(pid, undefined, {}, mounts), errors, options.within)
    timings.holdMs = performance.now() - t
    foldHeld(result.threads, held)
    if (options.memory?.length) result.auxiliaryPages = held.memory
    if (options.registers && held.contextArchitecture) result.contextArchitecture = held.contextArchitecture
  }
  noteExit(pid, errors)
  const h = result.header
  if (result.handles) h.handleInformation = { handlesCaptured: result.handles.length }
  const contextLength = result.threads?.find((t) => t.sizeOfContextRecord !== undefined)?.sizeOfContextRecord ?? 0
  if (result.threads) h.threadInformation = { threadsCaptured: result.threads.length, contextLength }
  if (result.vaSpace) h.vaSpaceInformation = { regionCount: result.vaSpace.length }
  timings.captureMs = performance.now() - t0
  return result
}

/**
 * A process that exited while it was read (now a zombie, or gone) leaves empty fd and task lists, which would
 * read as a live process with nothing open: the archive says so with a soft error of `process`.
 */
function noteExit(pid: number, errors: SoftErrors): void {
  const path = `${procRoot(pid)}/stat`
  let state: string | undefined
  try {
    state = parseStat(readText(path)).field(3)
  } catch (error) {
    if (!isGone(error)) return
    state = 'gone'
  }
  if (state !== 'Z' && state !== 'X' && state !== 'gone') return
  const exited = Object.assign(new Error(`the process exited during the capture (${state === 'gone' ? 'reaped' : `state ${state}`})`), { code: 'ESRCH', errno: -3 })
  errors.add('process', 'read', path, exited, 'sections read after the exit may be empty or incomplete')
}

export interface LinuxCaptureResult {
  path: string
  processId: number
  summary: WriteSummary
  captureErrors: number
  timings: Record<string, number>
}

/**
 * Captures process `pid` into the archive file `path`. Nothing is written unless the process could be read
 * (a failure of the process as a whole throws); a section that cannot be read is a soft error.
 */
export async function captureLinuxToFile(pid: number, path: string, options: LinuxCaptureOptions & { write?: WriteFileOptions } = {}): Promise<LinuxCaptureResult> {
  const signal = options.signal ?? options.write?.signal
  signal?.throwIfAborted()
  const capture = await readLinuxCapture(pid, { ...options, ...(signal ? { signal } : {}) })
  await testOnlyPause('capture', signal)
  signal?.throwIfAborted()
  const t = performance.now()
  let epilogue: Epilogue | undefined
  const summary = await writeArchiveFile(
    path,
    capture.header,
    async (w) => {
      await writeSections(w, capture)
      await testOnlyPause('write', signal)
    },
    () => {
      capture.timings.writeMs = performance.now() - t
      epilogue = { finishedAt: new Date().toISOString(), timings: roundTimings(capture.timings), ...(capture.errors.list.length ? { captureErrors: capture.errors.list } : {}) }
      return epilogue
    },
    // Declared by what the entries hold (spec §10: the lowest minor that holds them).
    { formatMinor: Math.max(formatMinorOf(capture), capture.header.captureSet ? 2 : 0), ...(capture.contextArchitecture ? { contextArchitecture: capture.contextArchitecture } : {}), ...options.write, ...(signal ? { signal } : {}) },
  )
  return { path, processId: pid, summary, captureErrors: capture.errors.list.length, timings: epilogue?.timings ?? {} }
}

/**
 * The captured sections into the writer. A function of the module, not in the closure made per capture: the
 * closure of the last capture is gone after a full GC, and with it the optimised code of its loop, so each
 * capture compiled it again.
 */
async function writeSections(w: ArchiveWriter, capture: LinuxCapture): Promise<void> {
  for (const section of ['handles', 'threads', 'vaSpace', 'auxiliaryPages'] as const) {
    const entries = capture[section]
    if (!entries) continue
    w.declareSection(section)
    // Indexed: a for-of still running in the interpreter allocates a result per entry.
    for (let i = 0; i < entries.length; i++) {
      // Await only when a chunk was flushed: a microtask per entry would double the write time.
      const flushed = w.add(section, entries[i]!)
      if (flushed) await flushed
    }
  }
}

/** The newest format minor any captured field needs (format 1.1 added the fdinfo, state and smaps fields). */
export function formatMinorOf(capture: Pick<LinuxCapture, 'handles' | 'threads' | 'vaSpace'> & { auxiliaryPages?: AuxiliaryPageEntry[]; header?: ArchiveHeaderInput }): number {
  // linuxProcess is a 1.2 header key (spec/ARCHIVE.md §3.3).
  let minor = capture.header?.linuxProcess !== undefined ? 2 : 0
  for (const section of ['handles', 'threads', 'vaSpace', 'auxiliaryPages'] as const) {
    const newer = Object.entries(SECTIONS[section].columns as Record<string, FieldSpec>).filter(([, spec]) => (spec.since ?? 0) > minor)
    const fields = newer.map(([field]) => field)
    const since = newer.map(([, spec]) => spec.since ?? 0)
    // Nothing newer to look for (a Linux handle table once linuxProcess says 1.2): its entries are not visited.
    if (fields.length === 0) continue
    const entries = (capture[section] ?? []) as Record<string, unknown>[]
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!
      for (let k = 0; k < fields.length; k++) if (entry[fields[k]!] !== undefined) minor = Math.max(minor, since[k]!)
    }
  }
  return minor
}

const roundTimings = (t: Record<string, number>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v * 1000) / 1000]))
