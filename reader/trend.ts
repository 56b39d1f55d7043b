// Growth over a series of snapshots of one process: counts per handle type and per object name, threads,
// private and committed memory, and a leak verdict that names its evidence. Platform-free; counts are
// read from the columns (reader/column-views.ts), as the diff reads them.
import type { Archive } from './archive.js'
import { chunkColumns, countStrings, IntSum, u32At } from './column-views.js'
import { identityWarnings, snapshotIdentity, type DiffWarning } from './diff.js'

const MEM_COMMIT = 0x1000
const MS_PER_HOUR = 3_600_000

export interface TrendInput {
  readonly archive: Archive
  /** How reports name the snapshot (a file name). */
  readonly label?: string
}

export interface TrendPoint {
  /** Position in the input (before sorting by capture time). */
  readonly index: number
  readonly label?: string
  readonly processId: number
  /** header.capture.startedAt. */
  readonly startedAt: string
  /** startedAt in ms since 1970 (NaN when unreadable). */
  readonly time: number
}

export type SeriesUnit = 'count' | 'bytes'

/** One metric over the sorted snapshots. */
export interface TrendSeries {
  /** `handles`, `threads`, `privateUsage`, `committed`, `handles.<typeName>`, or an object name. */
  readonly metric: string
  readonly unit: SeriesUnit
  /** One per point; null where that snapshot did not capture it. */
  readonly values: readonly (number | null)[]
  readonly first: number | null
  readonly last: number | null
  /** last − first. */
  readonly net: number
  /** Never decreased between captured values, and grew overall. */
  readonly monotonicGrowth: boolean
  /** Least-squares slope over capture times, per hour; null with fewer than two distinct times. */
  readonly slopePerHour: number | null
}

export type Verdict = 'leak' | 'no-leak' | 'inconclusive'

export interface LeakVerdict {
  readonly verdict: Verdict
  /** Sentences for people, each naming a series and its numbers. */
  readonly evidence: readonly string[]
  /** Metrics (totals and handle types) that grew monotonically. */
  readonly growing: readonly string[]
  /** Object names that grew monotonically, largest growth first. */
  readonly topNames: readonly TrendSeries[]
}

export interface TrendResult {
  /** Sorted by capture time. */
  readonly points: readonly TrendPoint[]
  /** Snapshots that may be of another process run than the first one. */
  readonly warnings: readonly (DiffWarning & { readonly point: number })[]
  /** handles, threads, privateUsage, committed. */
  readonly totals: readonly TrendSeries[]
  /** Per handle type, largest net growth first. */
  readonly byType: readonly TrendSeries[]
  /** Per object name that changed at all, largest net growth first (at most `nameLimit`). */
  readonly byName: readonly TrendSeries[]
  readonly verdict: LeakVerdict
}

export interface TrendOptions {
  /** Object names kept in byName (default 50) and in the verdict's topNames (default 10). */
  nameLimit?: number
  topNames?: number
}

/** Snapshots fewer than this cannot show a trend, only a difference. */
export const MIN_TREND_POINTS = 3

interface Counts {
  handles: number
  threads: number
  privateUsage: number | null
  committed: number | null
  types: Map<string, number>
  names: Map<string, number>
}

function countsOf(archive: Archive): Counts {
  // Counted from the columns (per dictionary entry, not per handle) as the diff reads them: no row objects.
  const types = countStrings(archive.handles, 'typeName', '') as Map<string, number>
  const names = countStrings(archive.handles, 'objectName', undefined)
  names.delete(undefined)
  const committed = new IntSum()
  for (const c of chunkColumns(archive.vaSpace, ['state', 'regionSize'], [])) {
    for (let o = 0; o < c.count; o++) if (u32At(c.int.state, o, -1) === MEM_COMMIT) committed.add(c.int.regionSize, o)
  }
  const priv = archive.header.processInformation?.privateUsage
  return {
    handles: archive.handles.length,
    threads: archive.threads.length,
    privateUsage: priv === undefined ? null : Number(priv),
    committed: archive.vaSpace.length ? Number(committed.value) : null,
    types,
    names: names as Map<string, number>,
  }
}

function slope(times: readonly number[], values: readonly (number | null)[]): number | null {
  const xs: number[] = []
  const ys: number[] = []
  values.forEach((v, i) => {
    if (v !== null && Number.isFinite(times[i]!)) {
      xs.push(times[i]! / MS_PER_HOUR)
      ys.push(v)
    }
  })
  if (xs.length < 2) return null
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length
  const my = ys.reduce((a, b) => a + b, 0) / ys.length
  let num = 0
  let den = 0
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my)
    den += (xs[i]! - mx) ** 2
  }
  return den === 0 ? null : num / den
}

function series(metric: string, unit: SeriesUnit, values: (number | null)[], times: readonly number[]): TrendSeries {
  const present = values.filter((v): v is number => v !== null)
  const first = present[0] ?? null
  const last = present.length ? present[present.length - 1]! : null
  let nonDecreasing = true
  for (let i = 1; i < present.length; i++) if (present[i]! < present[i - 1]!) nonDecreasing = false
  const net = first !== null && last !== null ? last - first : 0
  return { metric, unit, values, first, last, net, monotonicGrowth: present.length >= 2 && nonDecreasing && net > 0, slopePerHour: slope(times, values) }
}

const byGrowth = (x: TrendSeries, y: TrendSeries) => y.net - x.net || (x.metric < y.metric ? -1 : x.metric > y.metric ? 1 : 0)

function fmt(s: TrendSeries): string {
  const n = (v: number | null) => (v === null ? '?' : s.unit === 'bytes' ? `${(v / 1048576).toFixed(1)} MiB` : String(v))
  const rate = s.slopePerHour === null ? '' : `, ${s.unit === 'bytes' ? `${(s.slopePerHour / 1048576).toFixed(2)} MiB` : s.slopePerHour.toFixed(1)}/hour`
  return `${n(s.first)} → ${n(s.last)} (+${s.unit === 'bytes' ? n(s.net) : s.net}${rate})`
}

/** Sorts the snapshots by capture time and measures growth. Accepts archives or {archive, label}. */
export function trendArchives(inputs: readonly (Archive | TrendInput)[], options: TrendOptions = {}): TrendResult {
  const items = inputs.map((x, index) => ('archive' in x ? { ...x, index } : { archive: x, index }))
  const startOf = (a: Archive) => Date.parse(a.header.capture.startedAt)
  const createOf = (a: Archive) => a.header.processInformation?.createTime ?? 0n
  items.sort((x, y) => {
    const tx = startOf(x.archive)
    const ty = startOf(y.archive)
    if (tx !== ty && !(Number.isNaN(tx) && Number.isNaN(ty))) return Number.isNaN(tx) ? 1 : Number.isNaN(ty) ? -1 : tx - ty
    const cx = createOf(x.archive)
    const cy = createOf(y.archive)
    return cx !== cy ? (cx < cy ? -1 : 1) : x.index - y.index
  })
  const points: TrendPoint[] = items.map(({ archive, label, index }) => ({
    index,
    ...(label !== undefined ? { label } : {}),
    processId: archive.header.target.processId,
    startedAt: archive.header.capture.startedAt,
    time: startOf(archive),
  }))
  const times = points.map((p) => p.time)
  const first = items[0] ? snapshotIdentity(items[0].archive) : undefined
  const warnings = first ? items.slice(1).flatMap((it, i) => identityWarnings(first, snapshotIdentity(it.archive)).map((w) => ({ ...w, point: i + 1 }))) : []

  const counts = items.map((it) => countsOf(it.archive))
  const totals = [
    series('handles', 'count', counts.map((c) => c.handles), times),
    series('threads', 'count', counts.map((c) => c.threads), times),
    series('privateUsage', 'bytes', counts.map((c) => c.privateUsage), times),
    series('committed', 'bytes', counts.map((c) => c.committed), times),
  ]
  const keysOf = (pick: (c: Counts) => Map<string, number>) => {
    const keys = new Set<string>()
    for (const c of counts) for (const k of pick(c).keys()) keys.add(k)
    return keys
  }
  // A type or name absent from a snapshot has 0 handles there: that is a count, not a missing value.
  const byType = [...keysOf((c) => c.types)].map((t) => series(`handles.${t}`, 'count', counts.map((c) => c.types.get(t) ?? 0), times)).sort(byGrowth)
  const changedNames = [...keysOf((c) => c.names)]
    .map((n) => series(n, 'count', counts.map((c) => c.names.get(n) ?? 0), times))
    .filter((s) => s.values.some((v) => v !== s.values[0]))
    .sort(byGrowth)
  const byName = changedNames.slice(0, options.nameLimit ?? 50)

  const enough = points.length >= MIN_TREND_POINTS
  const growingSeries = [...totals, ...byType.filter((s) => s.metric !== 'handles.')].filter((s) => s.monotonicGrowth)
  const topNames = changedNames.filter((s) => s.monotonicGrowth).slice(0, options.topNames ?? 10)
  const evidence: string[] = []
  let verdict: Verdict
  if (!enough) {
    verdict = 'inconclusive'
    evidence.push(`${points.length} snapshot${points.length === 1 ? '' : 's'}: at least ${MIN_TREND_POINTS} are needed to tell steady growth from a difference`)
  } else if (growingSeries.length === 0) {
    verdict = 'no-leak'
    evidence.push(`nothing grew at every step over ${points.length} snapshots (handles ${fmt(totals[0]!)}, threads ${fmt(totals[1]!)})`)
  } else {
    verdict = 'leak'
    // Every total, and the five fastest-growing handle types: enough to act on, short enough to read.
    const types = growingSeries.filter((s) => s.metric.startsWith('handles.'))
    for (const s of [...growingSeries.filter((x) => !types.includes(x)), ...types.slice(0, 5)]) evidence.push(`${s.metric} grew monotonically over ${points.length} snapshots: ${fmt(s)}`)
    if (types.length > 5) evidence.push(`${types.length - 5} more handle types grew monotonically: ${types.slice(5).map((s) => s.metric.slice('handles.'.length)).join(', ')}`)
    // Five names make the point; the rest are in topNames.
    if (topNames.length) evidence.push(`top growing names: ${topNames.slice(0, 5).map((s) => `${s.metric} +${s.net}`).join(', ')}${topNames.length > 5 ? ` and ${topNames.length - 5} more` : ''}`)
  }
  if (warnings.length) evidence.push(`warning: ${warnings.length} snapshot difference${warnings.length === 1 ? '' : 's'} suggest${warnings.length === 1 ? 's' : ''} another process run (${[...new Set(warnings.map((w) => w.code))].join(', ')})`)
  return {
    points,
    warnings,
    totals,
    byType,
    byName,
    verdict: { verdict, evidence, growing: growingSeries.map((s) => s.metric), topNames },
  }
}
