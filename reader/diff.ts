// What changed between two snapshots of one process: handles matched by identity, threads by id and create
// time, regions by base address, modules (MEM_IMAGE regions by mapped file), and process counters.
// Platform-free. Each section of each archive is visited once with forEach; only what differs is kept as
// entry objects (matched entries are remembered by index, with the fields they are compared on).
import type { HandleEntry, ThreadEntry, VaSpaceEntry } from '../format/index.js'
import type { Archive } from './archive.js'

const MEM_COMMIT = 0x1000
const MEM_IMAGE = 0x1000000

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

/** One number that describes the process, on both sides; absent when that side did not capture it. */
export interface CounterDelta {
  readonly name: string
  readonly unit: CounterUnit
  readonly before?: bigint
  readonly after?: bigint
  readonly delta?: bigint
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
    /** Object names with an added or removed handle, largest |net| first, then by name. */
    readonly byName: readonly NameSummary[]
  }
  /** Added and removed handles in archive order. A value reused for another object is one of each. */
  readonly handles: EntryChanges<HandleEntry>
  readonly threads: EntryChanges<ThreadEntry>
  /** `unchanged` counts regions at the same base address with no compared field changed. */
  readonly regions: EntryChanges<VaSpaceEntry> & { readonly changed: readonly RegionChange[] }
  readonly modules: { readonly added: readonly ModuleInfo[]; readonly removed: readonly ModuleInfo[]; readonly changed: readonly ModuleChange[]; readonly unchanged: number }
  /** handles, threads, regions, modules, committed, the process memory counters, then performanceCounters.*. */
  readonly counters: readonly CounterDelta[]
}

export interface DiffOptions {
  /** Names of the summary by object name to keep, largest |net| first (default: all). */
  nameLimit?: number
}

const MAX_EXACT = 0x1fffffffffffffn

/**
 * The earlier snapshot's entries by a primary key (handle value, thread id, base address), each matched at
 * most once. Keys are kept as doubles in one typed array and looked up by binary search in sorted order,
 * starting from where the last match was: archives list handles and regions by ascending key, so a lookup
 * is usually one comparison, and no Map of a million entries is built (its inserts alone cost more than
 * reading every entry). 64-bit keys beyond 2^53 are confirmed against their exact value. A key seen several
 * times (a reused thread id, a damaged archive) keeps every index; `same` picks among them.
 */
class Matcher {
  private readonly keys: Float64Array
  private readonly matched: Uint8Array
  /** Exact values of keys a double cannot hold, by index. */
  private readonly big = new Map<number, bigint>()
  private order?: Uint32Array
  private sorted?: Float64Array
  private hint = 0

  constructor(size: number) {
    this.keys = new Float64Array(size).fill(NaN) // NaN: no key, never matched
    this.matched = new Uint8Array(size)
  }

  set(index: number, value: bigint | number | undefined): void {
    if (value === undefined) return
    if (typeof value === 'bigint' && (value > MAX_EXACT || value < -MAX_EXACT)) this.big.set(index, value)
    this.keys[index] = Number(value)
  }

  /** The first unmatched index with this key that `same` accepts, now matched; undefined when none. */
  take(value: bigint | number | undefined, same?: (index: number) => boolean): number | undefined {
    if (value === undefined) return undefined
    const k = Number(value)
    const exact = typeof value !== 'bigint' || (value <= MAX_EXACT && value >= -MAX_EXACT)
    const { order, sorted } = this.seal()
    const n = sorted.length
    let j = this.hint
    if (!(j < n && sorted[j] === k && (j === 0 || sorted[j - 1]! < k))) {
      let lo = 0
      let hi = n
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (sorted[mid]! < k) lo = mid + 1
        else hi = mid
      }
      j = lo
    }
    for (; j < n && sorted[j] === k; j++) {
      const i = order[j]!
      if (this.matched[i]) continue
      if (this.big.size && (exact ? this.big.has(i) : this.big.get(i) !== value)) continue
      if (same && !same(i)) continue
      this.matched[i] = 1
      this.hint = j + 1
      return i
    }
    return undefined
  }

  /** Indices never matched, ascending (archive order). */
  unmatched(): number[] {
    const out: number[] = []
    for (let i = 0; i < this.matched.length; i++) if (!this.matched[i]) out.push(i)
    return out
  }

  private seal(): { order: Uint32Array; sorted: Float64Array } {
    if (this.order && this.sorted) return { order: this.order, sorted: this.sorted }
    const keys = this.keys
    const n = keys.length
    const order = new Uint32Array(n)
    for (let i = 0; i < n; i++) order[i] = i
    let ascending = true
    for (let i = 1; i < n && ascending; i++) if (!(keys[i - 1]! <= keys[i]!)) ascending = false
    if (n && keys[0] !== keys[0]) ascending = false // a leading NaN
    if (!ascending) {
      // NaN (no key) last; equal keys in archive order.
      order.sort((x, y) => {
        const a = keys[x]!
        const b = keys[y]!
        return a < b ? -1 : a > b ? 1 : (a === a ? 0 : 1) - (b === b ? 0 : 1) || x - y
      })
    }
    const sorted = new Float64Array(n)
    for (let j = 0; j < n; j++) sorted[j] = keys[order[j]!]!
    this.order = order
    this.sorted = sorted
    return { order, sorted }
  }
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

interface TypeCounts {
  before: number
  after: number
  added: number
  removed: number
}

function diffHandles(a: Archive, b: Archive) {
  // Identity is value + type + name: the value is the matcher's key, the rest is compared from parallel arrays
  // (references to the dictionaries' strings), so no key string is built per handle.
  const n = a.handles.length
  const matcher = new Matcher(n)
  const objectTypes = new Float64Array(n)
  const typeNames: (string | undefined)[] = new Array(n)
  const objectNames: (string | undefined)[] = new Array(n)
  const types = new Map<string, TypeCounts>()
  const typeOf = (name: string) => {
    let t = types.get(name)
    if (!t) types.set(name, (t = { before: 0, after: 0, added: 0, removed: 0 }))
    return t
  }
  a.handles.forEach((h, i) => {
    matcher.set(i, h.handle)
    objectTypes[i] = h.objectType ?? -1
    typeNames[i] = h.typeName
    objectNames[i] = h.objectName
    typeOf(h.typeName ?? '').before++
  }, HANDLE_KEY_FIELDS)
  const added: HandleEntry[] = []
  let unchanged = 0
  let current: HandleEntry
  const same = (i: number) => objectTypes[i] === (current.objectType ?? -1) && typeNames[i] === current.typeName && objectNames[i] === current.objectName
  b.handles.forEach((h, j) => {
    typeOf(h.typeName ?? '').after++
    current = h
    // Only the identity fields were built; an added handle is reported whole.
    if (matcher.take(h.handle, same) === undefined) added.push(b.handles.get(j)!)
    else unchanged++
  }, HANDLE_KEY_FIELDS)
  const removed = matcher.unmatched().map((i) => a.handles.get(i)!)
  const names = new Map<string | null, { added: number; removed: number }>()
  const nameOf = (name: string | undefined) => {
    const key = name ?? null
    let c = names.get(key)
    if (!c) names.set(key, (c = { added: 0, removed: 0 }))
    return c
  }
  for (const h of added) {
    typeOf(h.typeName ?? '').added++
    nameOf(h.objectName).added++
  }
  for (const h of removed) {
    typeOf(h.typeName ?? '').removed++
    nameOf(h.objectName).removed++
  }
  const byType: TypeSummary[] = [...types].map(([typeName, c]) => ({ typeName, ...c, net: c.after - c.before }))
  byType.sort((x, y) => Math.abs(y.net) - Math.abs(x.net) || y.added + y.removed - (x.added + x.removed) || compareText(x.typeName, y.typeName))
  const byName: NameSummary[] = [...names].map(([objectName, c]) => ({ objectName, ...c, net: c.added - c.removed }))
  byName.sort((x, y) => Math.abs(y.net) - Math.abs(x.net) || y.added + y.removed - (x.added + x.removed) || compareText(x.objectName, y.objectName))
  return { changes: { added, removed, unchanged }, byType, byName }
}

/** Stable text order, null last. */
function compareText(x: string | null, y: string | null): number {
  if (x === y) return 0
  if (x === null) return 1
  if (y === null) return -1
  return x < y ? -1 : 1
}

// ---- threads ----

/** The fields a diff compares; everything else is built only for the entries it reports. */
const HANDLE_KEY_FIELDS = ['handle', 'objectType', 'typeName', 'objectName'] as const
const THREAD_KEY_FIELDS = ['threadId', 'createTime'] as const

function diffThreads(a: Archive, b: Archive): EntryChanges<ThreadEntry> {
  // A thread id is reused once its thread is gone: the create time tells the two apart.
  const matcher = new Matcher(a.threads.length)
  const createTimes: (bigint | undefined)[] = new Array(a.threads.length)
  a.threads.forEach((t, i) => {
    matcher.set(i, t.threadId)
    createTimes[i] = t.createTime
  }, THREAD_KEY_FIELDS)
  const added: ThreadEntry[] = []
  let unchanged = 0
  b.threads.forEach((t, j) => {
    if (matcher.take(t.threadId, (i) => createTimes[i] === t.createTime) === undefined) added.push(b.threads.get(j)!)
    else unchanged++
  }, THREAD_KEY_FIELDS)
  return { added, removed: matcher.unmatched().map((i) => a.threads.get(i)!), unchanged }
}

// ---- regions and modules ----

const REGION_FIELDS = ['regionSize', 'state', 'protect', 'type', 'mappedFileName'] as const

interface ModuleAcc {
  path: string
  imageBase: bigint
  sizeOfImage: number
  timeDateStamp: number
  regions: number
  bytes: bigint
  lowest: bigint
}

/** Adds a region to its module, when it is part of a mapped image. */
function collectModule(modules: Map<string, ModuleAcc>, r: VaSpaceEntry): void {
  if (r.type !== MEM_IMAGE || r.mappedFileName === undefined) return
  const base = r.baseAddress ?? 0n
  const m = modules.get(r.mappedFileName)
  if (!m) {
    modules.set(r.mappedFileName, { path: r.mappedFileName, imageBase: r.imageBase ?? r.allocationBase ?? base, sizeOfImage: r.sizeOfImage ?? 0, timeDateStamp: r.timeDateStamp ?? 0, regions: 1, bytes: r.regionSize ?? 0n, lowest: base })
    return
  }
  m.regions++
  m.bytes += r.regionSize ?? 0n
  // The lowest region is the image's headers: its image fields speak for the module.
  if (base < m.lowest) {
    m.lowest = base
    m.imageBase = r.imageBase ?? r.allocationBase ?? base
    if (r.sizeOfImage) m.sizeOfImage = r.sizeOfImage
    if (r.timeDateStamp) m.timeDateStamp = r.timeDateStamp
  } else {
    if (!m.sizeOfImage && r.sizeOfImage) m.sizeOfImage = r.sizeOfImage
    if (!m.timeDateStamp && r.timeDateStamp) m.timeDateStamp = r.timeDateStamp
  }
}

const moduleInfo = ({ lowest: _, ...m }: ModuleAcc): ModuleInfo => m

function diffRegions(a: Archive, b: Archive) {
  // The compared fields of the earlier side, by index: a matched region is rebuilt only when it changed.
  const n = a.vaSpace.length
  const matcher = new Matcher(n)
  const sizes: (bigint | undefined)[] = new Array(n)
  const states = new Float64Array(n)
  const protects = new Float64Array(n)
  const types = new Float64Array(n)
  const files: (string | undefined)[] = new Array(n)
  const modulesA = new Map<string, ModuleAcc>()
  const modulesB = new Map<string, ModuleAcc>()
  let committedA = 0n
  let committedB = 0n
  a.vaSpace.forEach((r, i) => {
    matcher.set(i, r.baseAddress)
    sizes[i] = r.regionSize
    states[i] = r.state ?? -1
    protects[i] = r.protect ?? -1
    types[i] = r.type ?? -1
    files[i] = r.mappedFileName
    collectModule(modulesA, r)
    if (r.state === MEM_COMMIT) committedA += r.regionSize ?? 0n
  })
  const added: VaSpaceEntry[] = []
  const changed: RegionChange[] = []
  let unchanged = 0
  b.vaSpace.forEach((r) => {
    collectModule(modulesB, r)
    if (r.state === MEM_COMMIT) committedB += r.regionSize ?? 0n
    const i = matcher.take(r.baseAddress)
    if (i === undefined) added.push(r)
    else if (sizes[i] === r.regionSize && states[i] === (r.state ?? -1) && protects[i] === (r.protect ?? -1) && types[i] === (r.type ?? -1) && files[i] === r.mappedFileName) unchanged++
    else {
      const before = a.vaSpace.get(i)!
      const changes: FieldChange[] = []
      for (const f of REGION_FIELDS) if (before[f] !== r[f]) changes.push({ field: f, before: before[f], after: r[f] })
      changed.push({ baseAddress: r.baseAddress ?? 0n, before, after: r, changes })
    }
  })
  const removed = matcher.unmatched().map((i) => a.vaSpace.get(i)!)

  const modAdded: ModuleInfo[] = []
  const modRemoved: ModuleInfo[] = []
  const modChanged: ModuleChange[] = []
  let modUnchanged = 0
  for (const [path, m] of modulesB) {
    const old = modulesA.get(path)
    if (!old) {
      modAdded.push(moduleInfo(m))
      continue
    }
    const changes: FieldChange[] = []
    for (const f of ['imageBase', 'sizeOfImage', 'timeDateStamp'] as const) if (old[f] !== m[f]) changes.push({ field: f, before: old[f], after: m[f] })
    if (changes.length) modChanged.push({ path, before: moduleInfo(old), after: moduleInfo(m), changes })
    else modUnchanged++
  }
  for (const [path, m] of modulesA) if (!modulesB.has(path)) modRemoved.push(moduleInfo(m))
  return {
    regions: { added, removed, changed, unchanged },
    modules: { added: modAdded, removed: modRemoved, changed: modChanged, unchanged: modUnchanged },
    moduleCounts: [modulesA.size, modulesB.size] as const,
    committed: [committedA, committedB] as const,
  }
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

function counter(name: string, unit: CounterUnit, before: bigint | number | undefined, after: bigint | number | undefined): CounterDelta {
  const x = before === undefined ? undefined : BigInt(before)
  const y = after === undefined ? undefined : BigInt(after)
  return { name, unit, ...(x !== undefined ? { before: x } : {}), ...(y !== undefined ? { after: y } : {}), ...(x !== undefined && y !== undefined ? { delta: y - x } : {}) }
}

/** Compares two snapshots of (presumably) the same process. See ArchiveDiff. */
export function diffArchives(a: Archive, b: Archive, options: DiffOptions = {}): ArchiveDiff {
  const before = snapshotIdentity(a)
  const after = snapshotIdentity(b)
  const handles = diffHandles(a, b)
  const threads = diffThreads(a, b)
  const mem = diffRegions(a, b)
  const pa = a.header.processInformation
  const pb = b.header.processInformation
  const counters: CounterDelta[] = [
    counter('handles', 'count', a.handles.length, b.handles.length),
    counter('threads', 'count', a.threads.length, b.threads.length),
    counter('regions', 'count', a.vaSpace.length, b.vaSpace.length),
    counter('modules', 'count', mem.moduleCounts[0], mem.moduleCounts[1]),
    // Committed bytes as the regions show them: available even without processInformation.
    counter('committed', 'bytes', a.vaSpace.length ? mem.committed[0] : undefined, b.vaSpace.length ? mem.committed[1] : undefined),
    ...PROCESS_COUNTERS.map((k) => counter(k, 'bytes', pa?.[k], pb?.[k])),
    ...PERFORMANCE_COUNTERS.map((k) => counter(`performanceCounters.${k}`, 'raw', a.header.performanceCounters?.[k], b.header.performanceCounters?.[k])),
  ]
  return {
    before,
    after,
    warnings: identityWarnings(before, after),
    summary: { byType: handles.byType, byName: options.nameLimit === undefined ? handles.byName : handles.byName.slice(0, options.nameLimit) },
    handles: handles.changes,
    threads,
    regions: mem.regions,
    modules: mem.modules,
    counters,
  }
}

/** A counter by name. */
export function counterOf(diff: ArchiveDiff, name: string): CounterDelta | undefined {
  return diff.counters.find((c) => c.name === name)
}
