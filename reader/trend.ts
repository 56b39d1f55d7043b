// Growth over a series of snapshots of one process: counts per handle type and per object name (and per
// name pattern), threads, private and committed memory, and a leak verdict that names its evidence and its
// strength (reader/trend-stats.ts; the rules in spec/JSON.md "How the verdict is reached"). A section that is
// damaged or was not captured in a snapshot is no value there (null), never 0. Platform-free; counts are read
// from the columns (reader/column-views.ts), so the work is linear in the entries of the inputs.
import type { Archive } from './archive.js'
import { chunkColumns, countStrings, IntSum } from './column-views.js'
import { committedAt, committedLabel, committedMeaningOf, type CommittedMeaning } from './committed.js'
import { archiveDamage, type ArchiveDamage } from './damage.js'
import { identityWarnings, sectionState, snapshotIdentity, type DiffWarning } from './diff.js'
import { groupByPattern, naturalCompare } from './name-patterns.js'
import { collectKeyed, valuesOfKeys, type KeyedSummary } from './trend-keyed.js'
import { byteScaleFor, formatDuration, formatP, formatQuantity, formatRate, formatRateRange, formatSigned, rateUnitFor, type ByteScale } from './trend-format.js'
import { assessSeries, plateauTail, spread, type SeriesAssessment } from './trend-stats.js'

const MS_PER_HOUR = 3_600_000

export interface TrendInput {
  readonly archive: Archive
  /** How reports name the snapshot (a file name). */
  readonly label?: string
}

/** Sections whose entries a trend counts. */
export const TREND_SECTIONS = ['handles', 'threads', 'vaSpace'] as const
export type TrendSection = (typeof TREND_SECTIONS)[number]

export interface TrendPoint {
  /** Position in the input (before sorting by capture time). */
  readonly index: number
  readonly label?: string
  readonly processId: number
  /** header.capture.startedAt. */
  readonly startedAt: string
  /** startedAt in ms since 1970 (NaN when unreadable). */
  readonly time: number
  /** What the archive is missing (reader/damage.ts). */
  readonly damage: ArchiveDamage
  /** Of TREND_SECTIONS: captured but incomplete here; its series have no value at this point. */
  readonly damaged: readonly TrendSection[]
  /** Of TREND_SECTIONS: not captured here; its series have no value at this point. */
  readonly notCaptured: readonly TrendSection[]
}

export type SeriesUnit = 'count' | 'bytes'

/** One metric over the sorted snapshots. */
export interface TrendSeries {
  /** `handles`, `threads`, `privateUsage`, `committed`, `handles.<typeName>`, an object name or a name pattern. */
  readonly metric: string
  readonly unit: SeriesUnit
  /** One per point; null where that snapshot did not capture it or has it damaged. */
  readonly values: readonly (number | null)[]
  readonly first: number | null
  readonly last: number | null
  /** last − first. */
  readonly net: number
  /** Never decreased between captured values, and grew overall. */
  readonly monotonicGrowth: boolean
  /** Least-squares slope over capture times, per hour; null with fewer than two distinct times. */
  readonly slopePerHour: number | null
  /** The series' shape and the statistics behind it (totals, handle types, name patterns); null for single names. */
  readonly assessment: SeriesAssessment | null
}

/** Object names grouped by pattern (reader/name-patterns.ts): the sum of their counts per point. */
export interface PatternSeries extends TrendSeries {
  /** How many distinct names it holds, and the first few in natural order. */
  readonly names: number
  readonly examples: readonly string[]
}

export type Verdict = 'leak' | 'no-leak' | 'inconclusive'

export interface VerdictRequirements {
  readonly minSnapshots: number
  readonly minSpanSeconds: number
  readonly snapshots: number
  readonly spanSeconds: number
  /** What is missing for a verdict other than inconclusive, for people; empty when met. */
  readonly missing: readonly string[]
}

export interface LeakVerdict {
  readonly verdict: Verdict
  /** Sentences for people, each naming a series, its numbers and the strength of the evidence. */
  readonly evidence: readonly string[]
  /** Metrics (totals and handle types) judged to grow steadily: what a `leak` verdict rests on. */
  readonly growing: readonly string[]
  /** Object names that grew monotonically, largest growth first. */
  readonly topNames: readonly TrendSeries[]
  /** Name patterns that grew, largest growth first (at most `topNames` of them). */
  readonly topPatterns: readonly PatternSeries[]
  readonly requirements: VerdictRequirements
  /** The one-sided significance level each total was tested at; handle types get alpha ÷ the types tested. */
  readonly alpha: number
}

export interface TrendResult {
  /** Sorted by capture time. */
  readonly points: readonly TrendPoint[]
  /** Snapshots that may be of another process run than the first one. */
  readonly warnings: readonly (DiffWarning & { readonly point: number })[]
  /** handles, threads, privateUsage, committed. */
  readonly totals: readonly TrendSeries[]
  /** What `committed` counts: `private-writable` when every snapshot is of Linux, else `mem-commit` (reader/committed.ts). */
  readonly committedMeaning: CommittedMeaning
  /** Per handle type, largest net growth first (at most `typeLimit`, those that changed kept first). */
  readonly byType: readonly TrendSeries[]
  /** Per object name that changed at all, largest net growth first, then in natural order (at most `nameLimit`). */
  readonly byName: readonly TrendSeries[]
  /** Changed names grouped by pattern, largest net growth first (at most `nameLimit`). */
  readonly byPattern: readonly PatternSeries[]
  readonly verdict: LeakVerdict
}

export interface TrendOptions {
  /** Object names (and patterns) kept in byName and byPattern (default 50), in the verdict's top lists (default 10). */
  nameLimit?: number
  topNames?: number
  /** Handle types kept in byType (default 100): those that changed first, largest growth first. */
  typeLimit?: number
  /** Fewest snapshots before a verdict other than inconclusive (default MIN_SNAPSHOTS). */
  minSnapshots?: number
  /** Shortest span, in seconds, before a verdict other than inconclusive (default MIN_SPAN_SECONDS). */
  minSpanSeconds?: number
  /** One-sided significance level of each total's Mann–Kendall test (default 0.01). */
  alpha?: number
}

/** Fewer snapshots cannot make a steady rise significant (5 strictly increasing points: p = 1/120). */
export const MIN_SNAPSHOTS = 5
/** Shorter series show start-up and one-off work more than a trend. */
export const MIN_SPAN_SECONDS = 30
/** Snapshots fewer than this cannot show a trend, only a difference (kept for callers of 1.x). */
export const MIN_TREND_POINTS = 3
export const DEFAULT_ALPHA = 0.01
/** Smallest growth over the span that matters: counts, and bytes (1 MiB), each at least 1% of the level. */
const MIN_EFFECT = { count: 2, bytes: 1 << 20 } as const
const MIN_EFFECT_SHARE = 0.01

interface Counts {
  handles: number | null
  threads: number | null
  privateUsage: number | null
  committed: number | null
  types: Map<string, number> | null
  names: Map<string, number> | null
}

function countsOf(archive: Archive, usable: (s: TrendSection) => boolean): Counts {
  // Counted from the columns (per dictionary entry, not per handle) as the diff reads them: no row objects.
  let types: Map<string, number> | null = null
  let names: Map<string, number> | null = null
  if (usable('handles')) {
    types = countStrings(archive.handles, 'typeName', '') as Map<string, number>
    const all = countStrings(archive.handles, 'objectName', undefined)
    all.delete(undefined)
    names = all as Map<string, number>
  }
  let committed: number | null = null
  if (usable('vaSpace')) {
    // By the platform's meaning (reader/committed.ts): on Linux, private writable mappings.
    const meaning = committedMeaningOf(archive)
    const sum = new IntSum()
    for (const c of chunkColumns(archive.vaSpace, ['state', 'protect', 'type', 'regionSize'], [])) {
      const { state, protect, type, regionSize } = c.int
      for (let o = 0; o < c.count; o++) if (committedAt(meaning, state, protect, type, o)) sum.add(regionSize, o)
    }
    committed = Number(sum.value)
  }
  const priv = archive.header.processInformation?.privateUsage
  return {
    handles: usable('handles') ? archive.handles.length : null,
    threads: usable('threads') ? archive.threads.length : null,
    privateUsage: priv === undefined ? null : Number(priv),
    committed,
    types,
    names,
  }
}

function leastSquaresPerHour(times: readonly number[], values: readonly (number | null)[]): number | null {
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

interface SeriesContext {
  readonly times: readonly number[]
  readonly alpha: number
}

/** The points of a series that have a value and a readable time. */
function present(times: readonly number[], values: readonly (number | null)[]): { t: number[]; v: number[]; at: number[] } {
  const t: number[] = []
  const v: number[] = []
  const at: number[] = []
  values.forEach((x, i) => {
    if (x !== null && Number.isFinite(times[i]!)) {
      t.push(times[i]!)
      v.push(x)
      at.push(i)
    }
  })
  return { t, v, at }
}

function minimumEffect(unit: SeriesUnit, values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const median = sorted.length ? sorted[sorted.length >> 1]! : 0
  return Math.max(MIN_EFFECT[unit], Math.abs(median) * MIN_EFFECT_SHARE)
}

function series(metric: string, unit: SeriesUnit, values: (number | null)[], ctx: SeriesContext, assess: boolean): TrendSeries {
  const captured = values.filter((v): v is number => v !== null)
  const first = captured[0] ?? null
  const last = captured.length ? captured[captured.length - 1]! : null
  let nonDecreasing = true
  for (let i = 1; i < captured.length; i++) if (captured[i]! < captured[i - 1]!) nonDecreasing = false
  const net = first !== null && last !== null ? last - first : 0
  let assessment: SeriesAssessment | null = null
  if (assess) {
    const { t, v, at } = present(ctx.times, values)
    const a = assessSeries(t, v, { alpha: ctx.alpha, minimumEffect: minimumEffect(unit, v) })
    // The step's ends as positions in `points` (the statistics saw only the points with a value).
    assessment = a.largestStep ? { ...a, largestStep: { ...a.largestStep, from: at[a.largestStep.from]!, to: at[a.largestStep.to]! } } : a
  }
  return { metric, unit, values, first, last, net, monotonicGrowth: captured.length >= 2 && nonDecreasing && net > 0, slopePerHour: leastSquaresPerHour(ctx.times, values), assessment }
}

const byGrowth = (x: TrendSeries, y: TrendSeries) => y.net - x.net || naturalCompare(x.metric, y.metric)

/** Sorts the snapshots by capture time and measures growth. Accepts archives or {archive, label}. */
export function trendArchives(inputs: readonly (Archive | TrendInput)[], options: TrendOptions = {}): TrendResult {
  const startOf = (a: Archive) => Date.parse(a.header.capture.startedAt)
  // Each start parsed once, not in every comparison of the sort.
  const items = inputs.map((x, index) => ('archive' in x ? { ...x, index } : { archive: x, index })).map((x) => ({ ...x, start: startOf(x.archive) }))
  const createOf = (a: Archive) => a.header.processInformation?.createTime ?? 0n
  items.sort((x, y) => {
    const tx = x.start
    const ty = y.start
    if (tx !== ty && !(Number.isNaN(tx) && Number.isNaN(ty))) return Number.isNaN(tx) ? 1 : Number.isNaN(ty) ? -1 : tx - ty
    const cx = createOf(x.archive)
    const cy = createOf(y.archive)
    return cx !== cy ? (cx < cy ? -1 : 1) : x.index - y.index
  })
  const points: TrendPoint[] = items.map(({ archive, label, index, start }) => {
    const damage = archiveDamage(archive)
    return {
      index,
      ...(label !== undefined ? { label } : {}),
      processId: archive.header.target.processId,
      startedAt: archive.header.capture.startedAt,
      time: start,
      damage,
      damaged: TREND_SECTIONS.filter((s) => sectionState(damage, s) === 'damaged'),
      notCaptured: TREND_SECTIONS.filter((s) => sectionState(damage, s) === 'not-captured'),
    }
  })
  const ctx: SeriesContext = { times: points.map((p) => p.time), alpha: options.alpha ?? DEFAULT_ALPHA }
  const first = items[0] ? snapshotIdentity(items[0].archive) : undefined
  const warnings = first ? items.slice(1).flatMap((it, i) => identityWarnings(first, snapshotIdentity(it.archive)).map((w) => ({ ...w, point: i + 1 }))) : []

  const counts = items.map((it, i) => countsOf(it.archive, (s) => sectionState(points[i]!.damage, s) === 'ok'))
  const totals = [
    series('handles', 'count', counts.map((c) => c.handles), ctx, true),
    series('threads', 'count', counts.map((c) => c.threads), ctx, true),
    series('privateUsage', 'bytes', counts.map((c) => c.privateUsage), ctx, true),
    series('committed', 'bytes', counts.map((c) => c.committed), ctx, true),
  ]
  // Types and names are counted sparse (reader/trend-keyed.ts): linear in the (key, snapshot) pairs. A type
  // or name absent from a snapshot whose handles are comparable has 0 handles there: that is a count.
  const typeMaps = counts.map((c) => c.types)
  const nameMaps = counts.map((c) => c.names)
  const types = collectKeyed(typeMaps)
  const typeCtx = { ...ctx, alpha: ctx.alpha / Math.max(1, types.filter((t) => t.changed).length) }
  const typeLimit = options.typeLimit ?? 100
  const byType = types
    .sort((x, y) => Number(y.changed) - Number(x.changed) || y.net - x.net || naturalCompare(x.key, y.key))
    .slice(0, typeLimit)
    .map((t) => series(`handles.${t.key}`, 'count', valuesOfKeys([t], typeMaps), typeCtx, true))
    .sort(byGrowth)
  const changedNames = collectKeyed(nameMaps)
    .filter((n) => n.changed)
    .sort((x, y) => y.net - x.net || naturalCompare(x.key, y.key))
  const nameLimit = options.nameLimit ?? 50
  const top = options.topNames ?? 10
  const nameSeries = (n: KeyedSummary) => series(n.key, 'count', valuesOfKeys([n], nameMaps), ctx, false)
  const byName = changedNames.slice(0, nameLimit).map(nameSeries)
  const topNames = changedNames.filter((n) => n.monotonic).slice(0, top).map(nameSeries)
  const byPattern = patternSeries(changedNames, nameMaps, ctx, nameLimit)

  const committedMeaning: CommittedMeaning = items.length && items.every((it) => committedMeaningOf(it.archive) === 'private-writable') ? 'private-writable' : 'mem-commit'
  const verdict = judge(points, totals, byType, topNames, byPattern, warnings, {
    minSnapshots: options.minSnapshots ?? MIN_SNAPSHOTS,
    minSpanSeconds: options.minSpanSeconds ?? MIN_SPAN_SECONDS,
    top,
    alpha: ctx.alpha,
    nameOf: (metric) => (metric === 'committed' ? committedLabel(committedMeaning) : metric === 'privateUsage' && committedMeaning === 'private-writable' ? 'private (VmData)' : metric),
  })
  return { points, warnings, totals, committedMeaning, byType, byName, byPattern, verdict }
}

/**
 * Changed names summed per pattern, largest net growth first; only the first `limit` get their values built
 * and assessed. A pattern's net is the sum of its names' (first and last are the same points for all).
 */
function patternSeries(changed: readonly KeyedSummary[], maps: readonly (ReadonlyMap<string, number> | null)[], ctx: SeriesContext, limit: number): PatternSeries[] {
  const groups = groupByPattern(changed, (n) => n.key).map((g) => ({ g, net: g.items.reduce((t, n) => t + n.net, 0) }))
  groups.sort((x, y) => y.net - x.net || naturalCompare(x.g.pattern, y.g.pattern))
  return groups.slice(0, limit).map(({ g }) => ({ ...series(g.pattern ?? '', 'count', valuesOfKeys(g.items, maps), ctx, true), names: g.names.length, examples: g.names.slice(0, 3) }))
}

interface JudgeOptions {
  minSnapshots: number
  minSpanSeconds: number
  top: number
  alpha: number
  /** How evidence names a metric (committed in the platform's terms). */
  nameOf: (metric: string) => string
}

function judge(points: readonly TrendPoint[], totals: readonly TrendSeries[], byType: readonly TrendSeries[], topNames: readonly TrendSeries[], patterns: readonly PatternSeries[], warnings: readonly unknown[], o: JudgeOptions): LeakVerdict {
  const times = points.map((p) => p.time).filter(Number.isFinite)
  const spanSeconds = times.length ? spread(times) / 1000 : 0
  const missing: string[] = []
  if (points.length < o.minSnapshots) missing.push(`at least ${o.minSnapshots} snapshots (${points.length} given)`)
  if (spanSeconds < o.minSpanSeconds) missing.push(`a span of at least ${formatDuration(o.minSpanSeconds)} (${formatDuration(spanSeconds)} given)`)
  const requirements: VerdictRequirements = { minSnapshots: o.minSnapshots, minSpanSeconds: o.minSpanSeconds, snapshots: points.length, spanSeconds, missing }
  const ready = (s: TrendSeries) => (s.assessment?.n ?? 0) >= o.minSnapshots && (s.assessment?.spanSeconds ?? 0) >= o.minSpanSeconds
  const keyTypes = byType.filter((s) => s.metric !== 'handles.')
  const growing = [...totals, ...keyTypes].filter((s) => s.assessment?.pattern === 'growth' && ready(s))
  const topPatterns = patterns.filter((s) => s.net > 0).slice(0, o.top)
  const evidence: string[] = []
  const notable = (s: TrendSeries) => ['growth', 'step', 'plateau', 'decline'].includes(s.assessment?.pattern ?? '')
  // Every notable total, and the first three notable handle types (largest growth first): the rest in one line.
  const notableTypes = keyTypes.filter(notable)
  const seen = [...totals.filter(notable), ...notableTypes.slice(0, 3)]
  const moreTypes = (prefix: string) => {
    if (notableTypes.length <= 3) return
    const rest = notableTypes.slice(3)
    const shapes = [...new Set(rest.map((x) => x.assessment!.pattern))].join(', ')
    evidence.push(`${prefix}${rest.length} more handle types (${shapes}): ${rest.map((x) => x.metric.slice('handles.'.length)).join(', ')}`)
  }
  let verdict: Verdict
  if (missing.length) {
    verdict = 'inconclusive'
    evidence.push(`not enough to judge: ${points.length} snapshot${points.length === 1 ? '' : 's'} over ${formatDuration(spanSeconds)}; a leak verdict needs ${missing.join(' and ')}`)
    for (const s of seen) evidence.push(`seen so far: ${describe(s, o.nameOf(s.metric))}`)
    moreTypes('seen so far: ')
  } else if (growing.length) {
    verdict = 'leak'
    const types = growing.filter((s) => s.metric.startsWith('handles.'))
    for (const s of [...growing.filter((x) => !types.includes(x)), ...types.slice(0, 5)]) evidence.push(describe(s, o.nameOf(s.metric)))
    if (types.length > 5) evidence.push(`${types.length - 5} more handle types grew steadily: ${types.slice(5).map((s) => s.metric.slice('handles.'.length)).join(', ')}`)
    if (topPatterns.length) evidence.push(`top growing names: ${topPatterns.slice(0, 5).map((s) => `${s.metric}${s.names > 1 ? ` ×${s.names}` : ''} ${formatSigned('count', s.net)}`).join(', ')}${topPatterns.length > 5 ? ` and ${topPatterns.length - 5} more` : ''}`)
  } else {
    verdict = 'no-leak'
    evidence.push(`no steady growth over ${points.length} snapshots (${formatDuration(spanSeconds)}): ${totals.map((s) => `${o.nameOf(s.metric)} ${shortPattern(s)}`).join(', ')}`)
    for (const s of seen) evidence.push(describe(s, o.nameOf(s.metric)))
    moreTypes('')
  }
  for (const s of totals) {
    const gaps = s.values.filter((v) => v === null).length
    if (gaps && gaps < s.values.length) evidence.push(`${o.nameOf(s.metric)}: no value in ${gaps} of ${s.values.length} snapshots (damaged or not captured), judged on the other ${s.values.length - gaps}`)
    else if (gaps) evidence.push(`${o.nameOf(s.metric)}: not captured or damaged in every snapshot, not judged`)
  }
  if (warnings.length) {
    const codes = [...new Set((warnings as { code: string }[]).map((w) => w.code))]
    evidence.push(`warning: ${warnings.length} snapshot difference${warnings.length === 1 ? '' : 's'} suggest${warnings.length === 1 ? 's' : ''} another process run (${codes.join(', ')})`)
  }
  return { verdict, evidence, growing: growing.map((s) => s.metric), topNames, topPatterns, requirements, alpha: o.alpha }
}

function shortPattern(s: TrendSeries): string {
  const a = s.assessment
  if (!a || a.n === 0) return 'not captured'
  switch (a.pattern) {
    case 'insufficient':
      return 'too few values'
    case 'flat':
      return 'unchanged'
    case 'no-trend':
      return a.mannKendall ? `no trend (${formatP(a.mannKendall.pIncrease)})` : 'no trend'
    case 'step':
      return `one step (${formatSigned(s.unit, a.largestStep?.delta ?? 0)})`
    default:
      return a.pattern
  }
}

/**
 * One sentence for a series with its numbers and the strength of the evidence. Byte figures of a sentence
 * share one unit; rates are per the largest time unit the series spans.
 */
export function describe(s: TrendSeries, name: string = s.metric): string {
  const a = s.assessment
  if (!a) return `${name}: ${s.first ?? '?'} → ${s.last ?? '?'}`
  const scale: ByteScale | undefined = s.unit === 'bytes' ? byteScaleFor(s.values.filter((v): v is number => v !== null)) : undefined
  const q = (v: number | null) => (v === null ? '?' : formatQuantity(s.unit, v, scale))
  const range = `${q(s.first)} → ${q(s.last)} (${formatSigned(s.unit, s.net, scale)})`
  const over = `over ${a.n} snapshots in ${formatDuration(a.spanSeconds)}`
  const mk = a.mannKendall
  const strength = mk ? `Mann–Kendall ${formatP(mk.pIncrease)} (${mk.method}), ${mk.increasingPairs} of ${mk.increasingPairs + mk.decreasingPairs + mk.tiedPairs} pairs increasing` : ''
  const rate = rateUnitFor(a.spanSeconds)
  const at = (k: number) => `#${k + 1}`
  switch (a.pattern) {
    case 'growth': {
      const ts = a.theilSen!
      return `${name} grew steadily ${over}: ${range}, ${formatRate(s.unit, ts.perSecond, rate, scale)} (Theil–Sen, ${Math.round(ts.confidence * 100)}% CI ${formatRateRange(s.unit, ts.low, ts.high, rate, scale)}); ${strength}`
    }
    case 'step': {
      const st = a.largestStep!
      return `${name} rose in one step, ${formatSigned(s.unit, st.delta, scale)} between ${at(st.from)} and ${at(st.to)} (${Math.round(st.share * 100)}% of its rise), flat before and after: a one-off change, not steady growth; ${q(s.first)} → ${q(s.last)} ${over}`
    }
    case 'plateau':
      return `${name} grew, then stayed flat for the last ${plateauTail(a.n)} snapshots: ${range} ${over}; bounded growth (a cache or pool filling), not a leak so far`
    case 'decline':
      return `${name} fell ${over}: ${range}; Mann–Kendall ${formatP(mk!.pDecrease)} (${mk!.method})`
    case 'flat':
      return `${name} unchanged ${over}: ${q(s.first)}`
    case 'no-trend':
      return `${name} shows no steady trend ${over}: ${range}${a.belowMinimumEffect ? ', a rise too small to matter' : ''}${strength ? `; ${strength}` : ''}`
    default:
      return `${name}: ${range}, too few values to judge`
  }
}
