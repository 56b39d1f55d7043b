// What changed between two snapshots of one process: handles matched by identity, threads by id and create
// time, regions by base address, modules (MEM_IMAGE regions by mapped file), and process counters.
// Platform-free. The fields compared are read as columns (reader/column-views.ts), strings as ids shared by
// both archives; only what differs becomes entry objects.
import type { Column } from '../format/columns.js'
import { keepShape } from '../format/kept-shapes.js'
import type { HandleEntry, ThreadEntry, VaSpaceEntry } from '../format/index.js'
import type { Archive } from './archive.js'
import { archiveDamage, type ArchiveDamage } from './damage.js'
import { ChunkCursor, chunkColumns, countStrings, hiAt, intColumn, IntSum, loAt, sameIntAt, strAt, u32At, type IntColumn, type StrColumn } from './column-views.js'
import { committedMeaningOf, isPrivateWritable, type CommittedMeaning } from './committed.js'
import { differInts, SameStrings, SectionLanes, u32Of } from './diff-lanes.js'
import { Matcher } from './diff-matcher.js'
import { KeyWalk, matchByKey } from './diff-merge.js'
import { lazyEntries } from './lazy-entries.js'
import { groupByPattern, naturalCompare } from './name-patterns.js'
import type { Section } from './section.js'

const MEM_COMMIT = 0x1000
const MEM_RESERVE = 0x2000
const MEM_IMAGE = 0x1000000
/** Regions whose committed sizes are summed in two doubles before adding up (2^20 × 2^32 < 2^53: exact). */
const BLOCK = 1 << 20
const PAGE_NOACCESS = 0x01

export type DiffWarningCode = 'PID_DIFFERS' | 'IMAGE_DIFFERS' | 'CREATE_TIME_DIFFERS'

/** The two archives may not be the same process: the diff is still computed, but says so loudly. */
export interface DiffWarning {
  readonly code: DiffWarningCode
  readonly message: string
  readonly before: string | number | bigint
  readonly after: string | number | bigint
}

/** Who was captured when: enough to tell the two sides apart in a report. */
export interface SnapshotIdentity {
  readonly processId: number
  readonly imagePath?: string
  readonly startedAt: string
  /** FILETIME of the process start, when captured. */
  readonly createTime?: bigint
}

/** Handles of one type (typeName, '' when absent): counts on both sides and what was added or removed. */
export interface TypeSummary {
  readonly typeName: string
  readonly before: number
  readonly after: number
  readonly added: number
  readonly removed: number
  readonly net: number
}

/** Added and removed handles of the object names of one pattern (reader/name-patterns.ts). */
export interface PatternSummary {
  /** The pattern (`/tmp/app/leak-#.log`); a pattern of one name is that name; null: unnamed handles. */
  readonly pattern: string | null
  readonly folder: string
  readonly extension: string
  /** Distinct names it holds, and the first three in natural order. */
  readonly names: number
  readonly examples: readonly string[]
  readonly added: number
  readonly removed: number
  readonly net: number
}

/** Added and removed handles of one object name (null: unnamed handles). */
export interface NameSummary {
  readonly objectName: string | null
  readonly added: number
  readonly removed: number
  readonly net: number
}

export interface FieldChange {
  readonly field: string
  readonly before: unknown
  readonly after: unknown
}

export interface RegionChange {
  readonly baseAddress: bigint
  readonly before: VaSpaceEntry
  readonly after: VaSpaceEntry
  /** Only the fields that differ, in the order regionSize, state, protect, type, mappedFileName. */
  readonly changes: readonly FieldChange[]
}

/** A loaded image: its MEM_IMAGE regions grouped by mapped file name. */
export interface ModuleInfo {
  readonly path: string
  /** ImageBase of its first region (the lowest address when loaded once). */
  readonly imageBase: bigint
  readonly sizeOfImage: number
  readonly timeDateStamp: number
  readonly regions: number
  /** Bytes of its regions. */
  readonly bytes: bigint
}

export interface ModuleChange {
  readonly path: string
  readonly before: ModuleInfo
  readonly after: ModuleInfo
  /** Of imageBase, sizeOfImage, timeDateStamp. */
  readonly changes: readonly FieldChange[]
}

export type CounterUnit = 'count' | 'bytes' | 'raw'

/** Why a side has no value: its section (or header group) was not captured, or is incomplete. */
export type Absence = 'not-captured' | 'damaged'

/** One number that describes the process, on both sides; absent when that side did not capture it or has it damaged. */
export interface CounterDelta {
  readonly name: string
  readonly unit: CounterUnit
  readonly before?: bigint
  readonly after?: bigint
  readonly delta?: bigint
  /** Why `before` / `after` is absent. */
  readonly beforeAbsent?: Absence
  readonly afterAbsent?: Absence
}

/** Sections whose entries the diff compares. */
export const DIFF_SECTIONS = ['handles', 'threads', 'vaSpace'] as const
export type DiffSection = (typeof DIFF_SECTIONS)[number]

/**
 * A section of one side: comparable (`ok`), incomplete (`damaged`), `not-captured`, or `unkeyed`: some of
 * its entries lack the key they are matched by (handle value, thread id, base address), so they could only
 * be reported as added and removed, every one of them (a hostile archive declares a million such entries).
 */
export type SectionState = 'ok' | Absence | 'unkeyed'

/**
 * A section the diff did not compare because it is incomplete or was not captured on a side: none of its
 * entries is reported added, removed or changed, and its counters have no value on that side.
 */
export interface NotComparable {
  readonly section: DiffSection
  readonly before: SectionState
  readonly after: SectionState
  /** For people: `regions: damaged in the later snapshot (185 of 200 entries)`. */
  readonly message: string
}

export interface EntryChanges<T> {
  readonly added: readonly T[]
  readonly removed: readonly T[]
  /** Entries present on both sides (matched by identity). */
  readonly unchanged: number
}

export interface ArchiveDiff {
  readonly before: SnapshotIdentity
  readonly after: SnapshotIdentity
  readonly warnings: readonly DiffWarning[]
  readonly summary: {
    /** Every handle type present on either side, largest |net| first, then by name. */
    readonly byType: readonly TypeSummary[]
    /** Object names with an added or removed handle, largest |net| first, then in natural order. */
    readonly byName: readonly NameSummary[]
    /** The same names grouped by pattern, largest |net| first, then in natural order. */
    readonly byPattern: readonly PatternSummary[]
  }
  /** Added and removed handles in archive order (built when read). A value reused for another object is one of each. */
  readonly handles: EntryChanges<HandleEntry>
  readonly threads: EntryChanges<ThreadEntry>
  /** `unchanged` counts regions at the same base address with no compared field changed. */
  readonly regions: EntryChanges<VaSpaceEntry> & { readonly changed: readonly RegionChange[] }
  readonly modules: { readonly added: readonly ModuleInfo[]; readonly removed: readonly ModuleInfo[]; readonly changed: readonly ModuleChange[]; readonly unchanged: number }
  /** handles, threads, regions, modules, committed, the process memory counters, then performanceCounters.*. */
  readonly counters: readonly CounterDelta[]
  /** What `committed` counts on each side, by its platform (reader/committed.ts). */
  readonly committedMeaning: { readonly before: CommittedMeaning; readonly after: CommittedMeaning }
  /** Sections not compared (damaged or not captured on a side); their lists above are empty. */
  readonly notComparable: readonly NotComparable[]
  /** What each archive is missing (reader/damage.ts). */
  readonly damage: { readonly before: ArchiveDamage; readonly after: ArchiveDamage }
}

export interface DiffOptions {
  /** Names of the summary by object name (and patterns) to keep, largest |net| first (default: all). */
  nameLimit?: number
  /**
   * Match with the general matcher even when both sides list their entries in key order (where one pass
   * over both gives the same pairs): for tests comparing the two.
   */
  generalMatcher?: boolean
}

/** Who was captured when, from the header. */
export function snapshotIdentity(archive: Archive): SnapshotIdentity {
  const h = archive.header
  const image = h.target.imagePath ?? h.processInformation?.imageFileName
  const createTime = h.processInformation?.createTime
  return {
    processId: h.target.processId,
    ...(image !== undefined ? { imagePath: image } : {}),
    startedAt: h.capture.startedAt,
    ...(createTime !== undefined ? { createTime } : {}),
  }
}

/** Warnings when two snapshots may not be of the same process run. */
export function identityWarnings(a: SnapshotIdentity, b: SnapshotIdentity): DiffWarning[] {
  const out: DiffWarning[] = []
  if (a.processId !== b.processId) out.push({ code: 'PID_DIFFERS', message: `process ids differ (${a.processId} → ${b.processId}): these may be snapshots of different processes`, before: a.processId, after: b.processId })
  // Paths compare ignoring case: Windows paths are case-insensitive.
  if (a.imagePath !== undefined && b.imagePath !== undefined && a.imagePath.toLowerCase() !== b.imagePath.toLowerCase()) {
    out.push({ code: 'IMAGE_DIFFERS', message: `image paths differ ('${a.imagePath}' → '${b.imagePath}'): these are different programs`, before: a.imagePath, after: b.imagePath })
  }
  if (a.createTime !== undefined && b.createTime !== undefined && a.createTime !== b.createTime) {
    out.push({ code: 'CREATE_TIME_DIFFERS', message: 'process create times differ: the process was restarted (or the pid reused) between the snapshots', before: a.createTime, after: b.createTime })
  }
  return out
}

// ---- handles ----

const HANDLE_INTS = ['handle', 'objectType'] as const
const HANDLE_STRS = ['typeName', 'objectName'] as const

function diffHandles(a: Archive, b: Archive, general: boolean) {
  // Identity is value + type + name. Only added and removed handles become objects.
  const { addedAt, removedAt, unchanged } = (!general && mergeHandles(a, b)) || matchHandles(a, b)
  // Lists build their entries only when read (a table shows 20); the summaries below read the columns.
  const added = lazyEntries(b.handles, addedAt)
  const removed = lazyEntries(a.handles, removedAt)

  // Counts by type from the dictionaries' histograms, added and removed from the few reported entries.
  const before = countStrings(a.handles, 'typeName', '')
  const after = countStrings(b.handles, 'typeName', '')
  const types = new Map<string, TypeCounts>()
  const typeOf = (name: string) => {
    let t = types.get(name)
    if (!t) types.set(name, (t = { before: 0, after: 0, added: 0, removed: 0 }))
    return t
  }
  for (const [name, n] of before) typeOf(name ?? '').before += n
  for (const [name, n] of after) typeOf(name ?? '').after += n
  const names = new Map<string | null, { added: number; removed: number }>()
  const nameOf = (name: string | undefined) => {
    const key = name ?? null
    let c = names.get(key)
    if (!c) names.set(key, (c = { added: 0, removed: 0 }))
    return c
  }
  // The types and names of the few added and removed handles, chunk by chunk, each string a chunk's rows
  // use decoded once (not their chunks' dictionaries).
  const tally = (section: Archive['handles'], indices: readonly number[], side: 'added' | 'removed') => {
    const objectNames = section.spans('objectName')
    let from = 0
    for (const [k, { start, count, column }] of section.spans('typeName').entries()) {
      let to = from
      while (to < indices.length && indices[to]! < start + count) to++
      stringsAt(column, start, indices, from, to, (name, n) => (typeOf(name ?? '')[side] += n))
      stringsAt(objectNames[k]!.column, start, indices, from, to, (name, n) => (nameOf(name)[side] += n))
      from = to
    }
  }
  tally(b.handles, addedAt, 'added')
  tally(a.handles, removedAt, 'removed')
  const byType: TypeSummary[] = [...types].map(([typeName, c]) => ({ typeName, ...c, net: c.after - c.before }))
  byType.sort((x, y) => Math.abs(y.net) - Math.abs(x.net) || y.added + y.removed - (x.added + x.removed) || naturalCompare(x.typeName, y.typeName))
  const byName: NameSummary[] = [...names].map(([objectName, c]) => ({ objectName, ...c, net: c.added - c.removed }))
  byName.sort((x, y) => Math.abs(y.net) - Math.abs(x.net) || y.added + y.removed - (x.added + x.removed) || naturalCompare(x.objectName, y.objectName))
  const byPattern: PatternSummary[] = groupByPattern(byName, (n) => n.objectName).map((g) => {
    let add = 0
    let rem = 0
    for (const n of g.items) {
      add += n.added
      rem += n.removed
    }
    return { pattern: g.pattern, folder: g.folder, extension: g.extension, names: g.names.length, examples: g.names.slice(0, 3), added: add, removed: rem, net: add - rem }
  })
  byPattern.sort((x, y) => Math.abs(y.net) - Math.abs(x.net) || y.added + y.removed - (x.added + x.removed) || naturalCompare(x.pattern, y.pattern))
  return { changes: { added, removed, unchanged }, byType, byName, byPattern }
}

/**
 * Calls `into` with each string of a chunk's column (undefined: absent) and how many of the rows
 * indices[from..to) hold it (section indices, the chunk's first at `start`), each string decoded once.
 */
function stringsAt(column: Column | undefined, start: number, indices: readonly number[], from: number, to: number, into: (s: string | undefined, n: number) => void): void {
  if (column?.dtype !== 'str') {
    if (to > from) into(undefined, to - from)
    return
  }
  const byIndex = new Map<number, number>()
  for (let n = from; n < to; n++) {
    const k = column.index[indices[n]! - start]!
    byIndex.set(k, (byIndex.get(k) ?? 0) + 1)
  }
  for (const [k, n] of byIndex) into(k === 0 ? undefined : column.strings ? column.strings.at(k) : column.dict[k - 1], n)
}

interface Matched {
  readonly addedAt: number[]
  readonly removedAt: number[]
  readonly unchanged: number
}

/** Handles matched when both sides list them by ascending value (as captures do): by key, then by identity. */
function mergeHandles(a: Archive, b: Archive): Matched | undefined {
  const x = new KeyWalk(a.handles, HANDLE_INTS, HANDLE_STRS, 'handle')
  const y = new SectionLanes(b.handles, HANDLE_INTS, HANDLE_STRS)
  const typeNames = new SameStrings()
  const objectNames = new SameStrings()
  const loaded = () => {
    typeNames.next(y.str.typeName)
    objectNames.next(y.str.objectName)
  }
  return matchByKey(x, y, 'handle', a.handles.length, false, loaded, (e, o, m, mask) => {
    differInts(x.int.objectType, e, y.int.objectType, o, m, mask, 1)
    typeNames.differ(x.str.typeName, e, y.str.typeName, o, m, mask, 1)
    objectNames.differ(x.str.objectName, e, y.str.objectName, o, m, mask, 1)
  })
}

/**
 * Handles matched in any order. The earlier side's values are the matcher's keys; the later side is read
 * chunk by chunk, and a candidate's type and name are compared in the columns (strings by value, since the
 * two archives' dictionaries differ).
 */
function matchHandles(a: Archive, b: Archive): Matched {
  const earlier = new ChunkCursor(chunkColumns(a.handles, HANDLE_INTS, HANDLE_STRS))
  const earlierIdentity = (i: number) => {
    const e = earlier.at(i)
    return handleIdentity(e.int.objectType, e.str.typeName, e.str.objectName, i - e.start)
  }
  const matcher = new Matcher(a.handles, 'handle', earlierIdentity)
  const addedAt: number[] = []
  let unchanged = 0
  for (const c of chunkColumns(b.handles, HANDLE_INTS, HANDLE_STRS)) {
    const { handle, objectType } = c.int
    const { typeName, objectName } = c.str
    let o = 0
    // One closure per chunk, reading the current entry o.
    const same = (i: number) => {
      const e = earlier.at(i)
      const p = i - e.start
      return sameIntAt(e.int.objectType, p, objectType, o) && strAt(e.str.typeName, p) === strAt(typeName, o) && strAt(e.str.objectName, p) === strAt(objectName, o)
    }
    const identity = () => handleIdentity(objectType, typeName, objectName, o)
    for (; o < c.count; o++) {
      if (matcher.take(hiAt(handle, o), loAt(handle, o), same, identity) < 0) addedAt.push(c.start + o)
      else unchanged++
    }
  }
  return { addedAt, removedAt: matcher.unmatched(), unchanged }
}

/** A handle's identity besides its value, as one string (what `same` compares), for runs of equal values. */
function handleIdentity(objectType: IntColumn, typeName: StrColumn, objectName: StrColumn, o: number): string {
  return JSON.stringify([hiAt(objectType, o), loAt(objectType, o), strAt(typeName, o) ?? null, strAt(objectName, o) ?? null])
}

interface TypeCounts {
  before: number
  after: number
  added: number
  removed: number
}

// ---- threads ----

function diffThreads(a: Archive, b: Archive, general: boolean): EntryChanges<ThreadEntry> {
  // A thread id is reused once its thread is gone: the create time tells the two apart.
  const { addedAt, removedAt, unchanged } = (!general && mergeThreads(a, b)) || matchThreads(a, b)
  return { added: lazyEntries(b.threads, addedAt), removed: lazyEntries(a.threads, removedAt), unchanged }
}

const THREAD_INTS = ['threadId', 'createTime'] as const

function mergeThreads(a: Archive, b: Archive): Matched | undefined {
  const x = new KeyWalk(a.threads, THREAD_INTS, [], 'threadId')
  const y = new SectionLanes(b.threads, THREAD_INTS, [])
  return matchByKey(x, y, 'threadId', a.threads.length, false, () => {}, (e, o, m, mask) => differInts(x.int.createTime, e, y.int.createTime, o, m, mask, 1))
}

function matchThreads(a: Archive, b: Archive): Matched {
  const earlier = new ChunkCursor(chunkColumns(a.threads, ['createTime'], []))
  const timeIdentity = (c: IntColumn, o: number) => `${hiAt(c, o)}:${loAt(c, o)}`
  const matcher = new Matcher(a.threads, 'threadId', (i) => {
    const e = earlier.at(i)
    return timeIdentity(e.int.createTime, i - e.start)
  })
  const addedAt: number[] = []
  let unchanged = 0
  for (const c of chunkColumns(b.threads, THREAD_INTS, [])) {
    const { threadId, createTime } = c.int
    let o = 0
    const same = (i: number) => {
      const e = earlier.at(i)
      return sameIntAt(e.int.createTime, i - e.start, createTime, o)
    }
    const identity = () => timeIdentity(createTime, o)
    for (; o < c.count; o++) {
      if (matcher.take(hiAt(threadId, o), loAt(threadId, o), same, identity) < 0) addedAt.push(c.start + o)
      else unchanged++
    }
  }
  return { addedAt, removedAt: matcher.unmatched(), unchanged }
}

// ---- regions and modules ----

const REGION_FIELDS = ['regionSize', 'state', 'protect', 'type', 'mappedFileName'] as const
const REGION_INTS = ['baseAddress', 'regionSize', 'state', 'protect', 'type', 'sizeOfImage', 'timeDateStamp'] as const
const REGION_STRS = ['mappedFileName'] as const
type RegionInt = (typeof REGION_INTS)[number]
type RegionStr = (typeof REGION_STRS)[number]
type RegionLanes = SectionLanes<RegionInt, RegionStr>

interface ModuleAcc {
  path: string
  /** The region whose image fields speak for the module: the lowest one (the image's headers). */
  lowest: number
  lowestHi: number
  lowestLo: number
  sizeOfImage: number
  timeDateStamp: number
  regions: number
  bytes: IntSum
}

/** A section of no entries, for the shapes MemoryTally keeps. */
const NO_ENTRIES = { length: 0, spans: () => [] } as unknown as Archive['vaSpace']

/** One side's modules (its MEM_IMAGE regions by mapped file, in order of first appearance) and committed bytes. */
class MemoryTally {
  readonly modules = new Map<string, ModuleAcc>()
  readonly committed = new IntSum()
  private readonly section: Archive['vaSpace']
  private readonly linux: boolean

  constructor(section: Archive['vaSpace'], linux: boolean) {
    this.section = section
    this.linux = linux
  }

  /**
   * One empty object of each shape the matching loops read (format/kept-shapes.ts). Without them each diff
   * after a full GC ran its loops unoptimised again (bench diff, with its gc() before each run: ~125 ms of CPU
   * per diff, ~60 ms with these kept). A process that diffs once is not affected either way.
   */
  static readonly keptShapes: readonly object[] = keepShape([
    new KeyWalk(NO_ENTRIES, HANDLE_INTS, HANDLE_STRS, 'handle'),
    new SectionLanes(NO_ENTRIES, HANDLE_INTS, HANDLE_STRS),
    new KeyWalk(NO_ENTRIES, THREAD_INTS, [], 'threadId'),
    new SectionLanes(NO_ENTRIES, THREAD_INTS, []),
    new KeyWalk(NO_ENTRIES, REGION_INTS, REGION_STRS, 'baseAddress'),
    new SectionLanes(NO_ENTRIES, REGION_INTS, REGION_STRS),
    new SameStrings(),
    new MemoryTally(NO_ENTRIES, false),
  ])

  /** An archive's tally, committed bytes by its platform's meaning. */
  static of(archive: Archive): MemoryTally {
    return new MemoryTally(archive.vaSpace, committedMeaningOf(archive) === 'private-writable')
  }

  /** Adds the regions of the chunk loaded in `lanes`. */
  addChunk(lanes: RegionLanes): void {
    const { regionSize, type } = lanes.int
    const n = lanes.count
    // Committed by the platform's meaning (reader/committed.ts committedAt), summed per block of 2^20
    // regions in two doubles (each sum of at most 2^20 32-bit words is exact), then added once.
    if (!regionSize.absent) {
      for (let from = 0; from < n; from += BLOCK) {
        const to = Math.min(n, from + BLOCK)
        this.committed.addWords(regionSize.stride === 2 ? committedHalf(lanes, this.linux, from, to, 1) : 0, committedHalf(lanes, this.linux, from, to, 0))
      }
    }
    // Modules: the MEM_IMAGE regions with a file name, by dictionary index (one Map lookup per name per chunk).
    const file = lanes.str.mappedFileName
    if (file.size === 0 || type.absent) return
    const names = file.index
    const types = type.words
    const typeStride = type.stride
    let byIndex: (ModuleAcc | undefined)[] | undefined
    for (let o = nextImage(types, typeStride, names, 0, n); o < n; o = nextImage(types, typeStride, names, o + 1, n)) this.addImageRegion(lanes, o, (byIndex ??= new Array(file.size + 1)))
  }

  /** Adds image region o of the loaded chunk to its module (byIndex: the chunk's modules by file name index). A method of its own: the scan above stays small. */
  private addImageRegion(lanes: RegionLanes, o: number, byIndex: (ModuleAcc | undefined)[]): void {
    const { baseAddress, regionSize, sizeOfImage, timeDateStamp } = lanes.int
    const file = lanes.str.mappedFileName
    const k = file.index[o]!
    const size = u32Of(sizeOfImage, o, 0)
    const stamp = u32Of(timeDateStamp, o, 0)
    // As hiAt and loAt would give them, absent as 0.
    const hi = baseAddress.hi(o) >>> 0
    const lo = baseAddress.lo(o) >>> 0
    let m = byIndex[k]
    if (!m) {
      const path = file.at(k)
      m = this.modules.get(path)
      if (!m) {
        const bytes = new IntSum()
        if (!regionSize.absent) bytes.addWords(regionSize.hi(o) >>> 0, regionSize.lo(o) >>> 0)
        m = { path, lowest: lanes.start + o, lowestHi: hi, lowestLo: lo, sizeOfImage: size, timeDateStamp: stamp, regions: 1, bytes }
        this.modules.set(path, m)
        byIndex[k] = m
        return
      }
      byIndex[k] = m
    }
    m.regions++
    if (!regionSize.absent) m.bytes.addWords(regionSize.hi(o) >>> 0, regionSize.lo(o) >>> 0)
    if (hi < m.lowestHi || (hi === m.lowestHi && lo < m.lowestLo)) {
      m.lowest = lanes.start + o
      m.lowestHi = hi
      m.lowestLo = lo
      if (size) m.sizeOfImage = size
      if (stamp) m.timeDateStamp = stamp
    } else {
      if (!m.sizeOfImage && size) m.sizeOfImage = size
      if (!m.timeDateStamp && stamp) m.timeDateStamp = stamp
    }
  }

  info(m: ModuleAcc): ModuleInfo {
    // The image base from the lowest region's row: one row per module, and modules are few.
    const r = this.section.get(m.lowest)!
    return { path: m.path, imageBase: r.imageBase ?? r.allocationBase ?? r.baseAddress ?? 0n, sizeOfImage: m.sizeOfImage, timeDateStamp: m.timeDateStamp, regions: m.regions, bytes: m.bytes.value }
  }
}

/**
 * Sum of the low (half 0) or high (half 1, sizes stored 8 bytes wide only) 32-bit words of the sizes of the
 * regions from..to-1 of the loaded chunk that count as committed: one loop per case, none testing the
 * platform or a stride per region.
 */
function committedHalf(lanes: RegionLanes, linux: boolean, from: number, to: number, half: number): number {
  const { regionSize, state, protect, type } = lanes.int
  const size = regionSize.words
  const wide = regionSize.stride
  let sum = 0
  if (linux) {
    if (protect.absent) return 0
    for (let o = from; o < to; o++) if (isPrivateWritable(protect.lo(o) >>> 0, u32Of(type, o, -1))) sum += size[o * wide + half]! >>> 0
    return sum
  }
  if (state.absent) return 0
  const states = state.words
  const stride = state.stride
  if (stride === 1 && wide === 1) {
    for (let o = from; o < to; o++) if (states[o] === MEM_COMMIT) sum += size[o]! >>> 0
  } else for (let o = from; o < to; o++) if (states[o * stride] === MEM_COMMIT) sum += size[o * wide + half]! >>> 0
  return sum
}

/** The first region from o on (before n) of type MEM_IMAGE with a file name, or n. A loop of its own, as keyRun. */
function nextImage(types: Int32Array<ArrayBufferLike>, stride: number, names: Int32Array<ArrayBufferLike>, o: number, n: number): number {
  while (o < n && (types[o * stride] !== MEM_IMAGE || names[o] === 0)) o++
  return o
}

/** One side's memory tally, every chunk read once. */
function tallyOf(archive: Archive): MemoryTally {
  const tally = MemoryTally.of(archive)
  const lanes = new SectionLanes(archive.vaSpace, REGION_INTS, REGION_STRS)
  for (let k = 0; k < lanes.chunks; k++) {
    lanes.load(k)
    tally.addChunk(lanes)
  }
  return tally
}

interface RegionsMatched extends Matched {
  readonly changedAt: [number, number][]
  readonly memA: MemoryTally
  readonly memB: MemoryTally
}

/** Regions matched when both sides list them by ascending base address (as captures do), tallied on the way. */
function mergeRegions(a: Archive, b: Archive, linux: boolean): RegionsMatched | undefined {
  const memA = MemoryTally.of(a)
  const memB = MemoryTally.of(b)
  const x = new KeyWalk(a.vaSpace, REGION_INTS, REGION_STRS, 'baseAddress', (lanes) => memA.addChunk(lanes))
  const y: RegionLanes = new SectionLanes(b.vaSpace, REGION_INTS, REGION_STRS)
  const files = new SameStrings()
  const loaded = () => {
    memB.addChunk(y)
    files.next(y.str.mappedFileName)
  }
  const matched = matchByKey(x, y, 'baseAddress', a.vaSpace.length, true, loaded, (e, o, m, mask) => {
    const p = x.int
    const q = y.int
    differInts(p.regionSize, e, q.regionSize, o, m, mask, 1)
    differInts(p.protect, e, q.protect, o, m, mask, 1)
    differInts(p.type, e, q.type, o, m, mask, 1)
    files.differ(x.str.mappedFileName, e, y.str.mappedFileName, o, m, mask, 1)
    // A state that differs alone (bit 2) may still be alike on Linux (linuxStateAlikeAt).
    differInts(p.state, e, q.state, o, m, mask, 2)
    if (linux) for (let t = 0; t < m; t++) if (mask[t] === 2 && linuxStateAlikeAt(u32Of(p.state, e + t, -1), u32Of(q.state, o + t, -1), u32Of(p.protect, e + t, -1))) mask[t] = 0
  })
  return matched && { ...matched, memA, memB }
}

/** Regions matched in any order (reader/diff-matcher.ts). */
function matchRegions(a: Archive, b: Archive, linux: boolean): RegionsMatched {
  const matcher = new Matcher(a.vaSpace, 'baseAddress')
  const earlier = new ChunkCursor(chunkColumns(a.vaSpace, REGION_INTS, REGION_STRS))
  const sameState: (x: IntColumn, i: number, y: IntColumn, j: number, protect: IntColumn) => boolean = linux ? sameLinuxState : sameIntAt
  const addedAt: number[] = []
  const changedAt: [number, number][] = []
  let unchanged = 0
  for (const c of chunkColumns(b.vaSpace, REGION_INTS, REGION_STRS)) {
    const { baseAddress, regionSize, state, protect, type } = c.int
    const file = c.str.mappedFileName
    for (let o = 0; o < c.count; o++) {
      const i = matcher.take(hiAt(baseAddress, o), loAt(baseAddress, o))
      if (i < 0) {
        addedAt.push(c.start + o)
        continue
      }
      const e = earlier.at(i)
      const p = i - e.start
      const x = e.int
      if (sameIntAt(x.regionSize, p, regionSize, o) && sameState(x.state, p, state, o, x.protect) && sameIntAt(x.protect, p, protect, o) && sameIntAt(x.type, p, type, o) && strAt(e.str.mappedFileName, p) === strAt(file, o)) unchanged++
      else changedAt.push([i, c.start + o])
    }
  }
  return { addedAt, removedAt: matcher.unmatched(), changedAt, unchanged, memA: tallyOf(a), memB: tallyOf(b) }
}

function diffRegions(a: Archive, b: Archive, general: boolean) {
  const linux = bothLinux(a, b)
  const { addedAt, removedAt, changedAt, unchanged, memA, memB } = (!general && mergeRegions(a, b, linux)) || matchRegions(a, b, linux)
  const added = lazyEntries(b.vaSpace, addedAt)
  const removed = lazyEntries(a.vaSpace, removedAt)
  // Only a changed region becomes objects, and its changes are read from them.
  const changed: RegionChange[] = changedAt.map(([i, j]) => {
    const before = a.vaSpace.get(i)!
    const r = b.vaSpace.get(j)!
    const changes: FieldChange[] = []
    for (const f of REGION_FIELDS) if (before[f] !== r[f] && !(f === 'state' && linux && linuxStateAlike(before, r))) changes.push({ field: f, before: before[f], after: r[f] })
    return { baseAddress: r.baseAddress ?? 0n, before, after: r, changes }
  })

  const modAdded: ModuleInfo[] = []
  const modRemoved: ModuleInfo[] = []
  const modChanged: ModuleChange[] = []
  let modUnchanged = 0
  for (const [path, acc] of memB.modules) {
    const m = memB.info(acc)
    const oldAcc = memA.modules.get(path)
    if (!oldAcc) {
      modAdded.push(m)
      continue
    }
    const old = memA.info(oldAcc)
    const changes: FieldChange[] = []
    for (const f of ['imageBase', 'sizeOfImage', 'timeDateStamp'] as const) if (old[f] !== m[f]) changes.push({ field: f, before: old[f], after: m[f] })
    if (changes.length) modChanged.push({ path, before: old, after: m, changes })
    else modUnchanged++
  }
  for (const [path, acc] of memA.modules) if (!memB.modules.has(path)) modRemoved.push(memA.info(acc))
  return {
    regions: { added, removed, changed, unchanged },
    modules: { added: modAdded, removed: modRemoved, changed: modChanged, unchanged: modUnchanged },
    moduleCounts: [memA.modules.size, memB.modules.size] as const,
    committed: [memA.committed.value, memB.committed.value] as const,
  }
}

const bothLinux = (a: Archive, b: Archive) => committedMeaningOf(a) === 'private-writable' && committedMeaningOf(b) === 'private-writable'

/**
 * Linux states compared as one reading of the maps line: since 2026-12-02 a `---p` mapping is MEM_RESERVE,
 * before it was MEM_COMMIT (spec/LINUX.md §4), so COMMIT and RESERVE of a PROT_NONE mapping are the same
 * state across that change (its protection is compared on its own).
 */
function sameLinuxState(x: IntColumn, i: number, y: IntColumn, j: number, protect: IntColumn): boolean {
  if (sameIntAt(x, i, y, j)) return true
  const states = [u32At(x, i, -1), u32At(y, j, -1)]
  return u32At(protect, i, -1) === PAGE_NOACCESS && states.every((s) => s === MEM_COMMIT || s === MEM_RESERVE)
}

/** The same, from u32 values (-1 absent): states x and y of a region whose earlier protection is `protect`. */
function linuxStateAlikeAt(x: number, y: number, protect: number): boolean {
  return protect === PAGE_NOACCESS && (x === MEM_COMMIT || x === MEM_RESERVE) && (y === MEM_COMMIT || y === MEM_RESERVE)
}

function linuxStateAlike(x: VaSpaceEntry, y: VaSpaceEntry): boolean {
  const alike = (s: number | undefined) => s === MEM_COMMIT || s === MEM_RESERVE
  return x.protect === PAGE_NOACCESS && alike(x.state) && alike(y.state)
}

// ---- counters ----

/** processInformation keys compared, by counter name. */
export const PROCESS_COUNTERS = ['privateUsage', 'workingSetSize', 'virtualSize', 'pagefileUsage'] as const

/** PSS_PERFORMANCE_COUNTERS members (spec/ARCHIVE.md §3.2). */
export const PERFORMANCE_COUNTERS = [
  'totalCycleCount',
  'totalWallClockPeriod',
  'vaCloneCycleCount',
  'vaCloneWallClockPeriod',
  'vaSpaceCycleCount',
  'vaSpaceWallClockPeriod',
  'auxPagesCycleCount',
  'auxPagesWallClockPeriod',
  'handlesCycleCount',
  'handlesWallClockPeriod',
  'threadsCycleCount',
  'threadsWallClockPeriod',
] as const

type Side = bigint | number | Absence | undefined

function counter(name: string, unit: CounterUnit, before: Side, after: Side): CounterDelta {
  const value = (v: Side) => (v === undefined || typeof v === 'string' ? undefined : BigInt(v))
  const absence = (v: Side): Absence | undefined => (typeof v === 'string' ? v : v === undefined ? 'not-captured' : undefined)
  const x = value(before)
  const y = value(after)
  const xa = absence(before)
  const ya = absence(after)
  return {
    name,
    unit,
    ...(x !== undefined ? { before: x } : {}),
    ...(y !== undefined ? { after: y } : {}),
    ...(x !== undefined && y !== undefined ? { delta: y - x } : {}),
    ...(xa ? { beforeAbsent: xa } : {}),
    ...(ya ? { afterAbsent: ya } : {}),
  }
}

/** A section's state in one archive, from its damage report. */
export function sectionState(damage: ArchiveDamage, section: DiffSection): 'ok' | Absence {
  if (!Object.hasOwn(damage.sections, section)) return 'not-captured'
  return damage.sections[section]!.complete ? 'ok' : 'damaged'
}

const SECTION_WORD: Readonly<Record<DiffSection, string>> = { handles: 'handles', threads: 'threads', vaSpace: 'regions' }

/** The field entries of a section are matched by. */
const KEY_FIELD: Readonly<Record<DiffSection, string>> = { handles: 'handle', threads: 'threadId', vaSpace: 'baseAddress' }

/** Entries of a section in chunks without its key column (read from the column spans; nothing is materialised). */
function keylessEntries(archive: Archive, section: DiffSection): number {
  let n = 0
  for (const { count, column } of archive.section(section)!.spans(KEY_FIELD[section])) {
    const c = intColumn(column)
    if (!c.words && !c.narrow) n += count
  }
  return n
}

function stateOf(archive: Archive, damage: ArchiveDamage, section: DiffSection): SectionState {
  const state = sectionState(damage, section)
  return state === 'ok' && keylessEntries(archive, section) > 0 ? 'unkeyed' : state
}

function notComparableOf(section: DiffSection, a: Archive, b: Archive, da: ArchiveDamage, db: ArchiveDamage): NotComparable | undefined {
  const before = stateOf(a, da, section)
  const after = stateOf(b, db, section)
  if (before === 'ok' && after === 'ok') return undefined
  const side = (state: SectionState, archive: Archive, damage: ArchiveDamage, which: string) => {
    if (state === 'not-captured') return `not captured in the ${which} snapshot`
    if (state === 'unkeyed') return `${keylessEntries(archive, section)} entries without ${KEY_FIELD[section]} in the ${which} snapshot (they cannot be matched)`
    const d = damage.sections[section]!
    return `damaged in the ${which} snapshot (${d.entriesExpected === null ? `${d.entriesRead} entries read, count unknown` : `${d.entriesRead} of ${d.entriesExpected} entries`})`
  }
  const parts = [before !== 'ok' ? side(before, a, da, 'earlier') : undefined, after !== 'ok' ? side(after, b, db, 'later') : undefined].filter(Boolean)
  return { section, before, after, message: `${SECTION_WORD[section]} not comparable: ${parts.join(', ')}` }
}

const NO_HANDLES = { changes: { added: [], removed: [], unchanged: 0 }, byType: [], byName: [], byPattern: [] }
const NO_CHANGES = { added: [], removed: [], unchanged: 0 }

/**
 * Compares two snapshots of (presumably) the same process. See ArchiveDiff. A section that is incomplete or
 * was not captured on either side is not compared (`notComparable`): an entry lost to damage must never be
 * reported as removed, nor one the other side lost as added.
 */
export function diffArchives(a: Archive, b: Archive, options: DiffOptions = {}): ArchiveDiff {
  const before = snapshotIdentity(a)
  const after = snapshotIdentity(b)
  const damage = { before: archiveDamage(a), after: archiveDamage(b) }
  const notComparable = DIFF_SECTIONS.map((s) => notComparableOf(s, a, b, damage.before, damage.after)).filter((x): x is NotComparable => x !== undefined)
  const comparable = (s: DiffSection) => !notComparable.some((x) => x.section === s)
  const general = options.generalMatcher === true
  const handles = comparable('handles') ? diffHandles(a, b, general) : NO_HANDLES
  const threads = comparable('threads') ? diffThreads(a, b, general) : NO_CHANGES
  const mem = comparable('vaSpace') ? diffRegions(a, b, general) : undefined
  // A side's count of a section is a value only where that section is whole.
  const side = (d: ArchiveDamage, section: DiffSection, value: () => bigint | number): Side => {
    const state = sectionState(d, section)
    return state === 'ok' ? value() : state
  }
  const both = (section: DiffSection, va: () => bigint | number, vb: () => bigint | number) => [side(damage.before, section, va), side(damage.after, section, vb)] as const
  const memory = mem ?? (() => {
    // Regions not comparable: each whole side still has its own counts (modules, committed).
    const ta = sectionState(damage.before, 'vaSpace') === 'ok' ? tallyOf(a) : undefined
    const tb = sectionState(damage.after, 'vaSpace') === 'ok' ? tallyOf(b) : undefined
    return { moduleCounts: [ta?.modules.size ?? 0, tb?.modules.size ?? 0] as const, committed: [ta?.committed.value ?? 0n, tb?.committed.value ?? 0n] as const }
  })()
  const pa = a.header.processInformation
  const pb = b.header.processInformation
  const counters: CounterDelta[] = [
    counter('handles', 'count', ...both('handles', () => a.handles.length, () => b.handles.length)),
    counter('threads', 'count', ...both('threads', () => a.threads.length, () => b.threads.length)),
    counter('regions', 'count', ...both('vaSpace', () => a.vaSpace.length, () => b.vaSpace.length)),
    counter('modules', 'count', ...both('vaSpace', () => memory.moduleCounts[0], () => memory.moduleCounts[1])),
    // Committed bytes as the regions show them, by the platform's meaning: available even without processInformation.
    counter('committed', 'bytes', ...both('vaSpace', () => memory.committed[0], () => memory.committed[1])),
    ...PROCESS_COUNTERS.map((k) => counter(k, 'bytes', pa?.[k], pb?.[k])),
    ...PERFORMANCE_COUNTERS.map((k) => counter(`performanceCounters.${k}`, 'raw', a.header.performanceCounters?.[k], b.header.performanceCounters?.[k])),
  ]
  return {
    before,
    after,
    warnings: identityWarnings(before, after),
    summary: {
      byType: handles.byType,
      byName: options.nameLimit === undefined ? handles.byName : handles.byName.slice(0, options.nameLimit),
      byPattern: options.nameLimit === undefined ? handles.byPattern : handles.byPattern.slice(0, options.nameLimit),
    },
    handles: handles.changes,
    threads,
    regions: mem?.regions ?? { ...NO_CHANGES, changed: [] },
    modules: mem?.modules ?? { added: [], removed: [], changed: [], unchanged: 0 },
    counters,
    committedMeaning: { before: committedMeaningOf(a), after: committedMeaningOf(b) },
    notComparable,
    damage,
  }
}

/** A counter by name. */
export function counterOf(diff: ArchiveDiff, name: string): CounterDelta | undefined {
  return diff.counters.find((c) => c.name === name)
}
