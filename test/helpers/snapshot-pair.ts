// Synthetic snapshot pairs and series with known injected differences, for the diff and trend tests (library
// and CLI). The "after" snapshot is a deep copy of the "before" one with exactly the listed changes.
import type { HandleEntry, ThreadEntry, VaSpaceEntry } from '../../format/index.js'
import { decodeArchive, type Archive } from '../../reader/archive.js'
import { generateSnapshot, snapshotBytes, type Snapshot } from '../synthetic/generate.js'

export const MEM_COMMIT = 0x1000
export const MEM_PRIVATE = 0x20000
export const MEM_IMAGE = 0x1000000
export const PAGE_READWRITE = 0x04
export const PAGE_EXECUTE_READWRITE = 0x40
export const MiB = 1n << 20n

export function baseSnapshot(seed = 7): Snapshot {
  return generateSnapshot({ seed, handles: 400, regions: 240, threads: 24, contextRatio: 0.25 })
}

export const clone = (s: Snapshot): Snapshot => structuredClone(s)

export async function open(s: Snapshot): Promise<Archive> {
  return decodeArchive(await snapshotBytes(s))
}

/** What `injectChanges` did, for exact assertions. */
export interface Injected {
  addedFiles: HandleEntry[]
  removed: HandleEntry[]
  /** The handle whose value now names another object: before and after. */
  reused: { before: HandleEntry; after: HandleEntry }
  addedThreads: ThreadEntry[]
  /** The region whose protection changed, before the change. */
  reprotected: VaSpaceEntry
  newProtect: number
  moduleRegion: VaSpaceEntry
  privateGrowth: bigint
}

export const LEAK_DIR = '\\Device\\HarddiskVolume3\\ProgramData\\Contoso\\leak'
export const NEW_MODULE = '\\Device\\HarddiskVolume3\\Windows\\System32\\injected.dll'

/**
 * In `s`, in place: adds 5 File handles under LEAK_DIR, removes 3 non-File handles, reuses one more
 * non-File handle's value for a new Mutant, adds 2 threads, makes one committed read-write private region
 * read-write-execute, adds a one-region module image, and grows privateUsage by 64 MiB.
 */
export function injectChanges(s: Snapshot): Injected {
  const handles = s.sections.handles
  const maxHandle = handles.reduce((m, h) => (h.handle! > m ? h.handle! : m), 0n)
  const addedFiles: HandleEntry[] = []
  for (let i = 0; i < 5; i++) {
    addedFiles.push({ handle: maxHandle + 4n * BigInt(i + 1), flags: 0x7, objectType: 0, grantedAccess: 0x12019f, handleCount: 1, pointerCount: 32769, typeName: 'File', objectName: `${LEAK_DIR}\\${i}.tmp` })
  }
  const candidates = handles.filter((h) => h.typeName !== 'File')
  const removed = [candidates[3]!, candidates[10]!, candidates[20]!]
  const reusedBefore = candidates[30]!
  const reusedAfter: HandleEntry = { handle: reusedBefore.handle!, flags: 0x7, objectType: 3, grantedAccess: 0x1f0001, handleCount: 1, pointerCount: 32769, typeName: 'Mutant', objectName: '\\BaseNamedObjects\\reused-value' }
  s.sections.handles = [...handles.filter((h) => !removed.includes(h)).map((h) => (h === reusedBefore ? reusedAfter : h)), ...addedFiles]

  const threads = s.sections.threads
  const maxTid = threads.reduce((m, t) => Math.max(m, t.threadId!), 0)
  const addedThreads: ThreadEntry[] = [0, 1].map((i) => ({ ...structuredClone(threads[0]!), threadId: maxTid + 4 * (i + 1), createTime: threads[0]!.createTime! + 1000n * BigInt(i + 1) }))
  s.sections.threads = [...threads, ...addedThreads]

  const regions = s.sections.vaSpace
  const target = regions.find((r) => r.state === MEM_COMMIT && r.type === MEM_PRIVATE && r.protect === PAGE_READWRITE)!
  const reprotected = structuredClone(target)
  target.protect = PAGE_EXECUTE_READWRITE
  const used = new Set(regions.map((r) => r.baseAddress))
  let base = 0x7ffc_1230_0000n
  while (used.has(base)) base += 0x10000n
  const moduleRegion: VaSpaceEntry = { baseAddress: base, allocationBase: base, allocationProtect: 0x80, regionSize: 0x3000n, state: MEM_COMMIT, protect: 0x20, type: MEM_IMAGE, timeDateStamp: 0x65a1b2c3, sizeOfImage: 0x3000, imageBase: base, checkSum: 0x1234, mappedFileName: NEW_MODULE }
  s.sections.vaSpace = [...regions, moduleRegion]

  const privateGrowth = 64n * MiB
  const p = s.header.processInformation!
  p.privateUsage = BigInt(p.privateUsage!) + privateGrowth
  return { addedFiles, removed, reused: { before: reusedBefore, after: reusedAfter }, addedThreads, reprotected, newProtect: PAGE_EXECUTE_READWRITE, moduleRegion, privateGrowth }
}

/** A snapshot captured `hours` after `s` (same process run). */
export function later(s: Snapshot, hours: number): Snapshot {
  const c = clone(s)
  c.header.capture.startedAt = new Date(Date.parse(s.header.capture.startedAt) + hours * 3_600_000).toISOString()
  return c
}

/** Adds `n` File handles under LEAK_DIR named `<tag>-<i>`, after the highest handle value. */
export function addFiles(s: Snapshot, n: number, tag: string): void {
  const handles = s.sections.handles
  let value = handles.reduce((m, h) => (h.handle! > m ? h.handle! : m), 0n)
  for (let i = 0; i < n; i++) {
    value += 4n
    handles.push({ handle: value, flags: 0x7, objectType: 0, grantedAccess: 0x12019f, handleCount: 1, pointerCount: 32769, typeName: 'File', objectName: `${LEAK_DIR}\\${tag}-${i}.tmp` })
  }
}
