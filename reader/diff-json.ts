// The stable JSON of `pssnap diff --json` (pssnap.diff/1) and `pssnap trend --json` (pssnap.trend/2),
// rendered with the same value rules as reader/json.ts (spec/JSON.md): entries by entryToJson, addresses as
// hex strings, 64-bit counters as decimal strings, FILETIMEs as {iso, ticks}.
import type { CrossedGate, UncheckedGate } from './diff-gates.js'
import type { ArchiveDiff, CounterDelta, DiffSection, FieldChange, ModuleInfo, SnapshotIdentity } from './diff.js'
import { entryToJson, genericToJson, hexAddress, kindToJson, type Json } from './json.js'
import { JsonList, materialize, type LazyJson } from './json-stream.js'
import { fieldSpecOf } from './section.js'
import type { PatternSeries, TrendResult, TrendSeries } from './trend.js'
import type { SeriesAssessment } from './trend-stats.js'

type Obj = { [key: string]: Json }

export interface DiffJsonOptions {
  /** At most this many entries per detail list (added, removed, changed); counts stay complete. */
  limit?: number
  /** Gates crossed, when --fail-on was given (an empty array: given and none crossed). */
  crossed?: readonly CrossedGate[]
  /** Gates that could not be checked (their metric not comparable), when --fail-on was given. */
  unchecked?: readonly UncheckedGate[]
  contextArchitecture?: string
}

function identityToJson(id: SnapshotIdentity): Obj {
  return {
    processId: id.processId,
    imagePath: id.imagePath ?? null,
    startedAt: id.startedAt,
    createTime: id.createTime === undefined ? null : kindToJson('time', id.createTime),
  }
}

const cap = <T>(list: readonly T[], limit: number | undefined) => (limit === undefined ? list : list.slice(0, limit))

function changeToJson(section: string, c: FieldChange): Obj {
  const spec = fieldSpecOf(section, c.field)
  const render = (v: unknown) => (v === undefined ? null : spec ? kindToJson(spec.kind, v) : genericToJson(v))
  return { field: c.field, before: render(c.before), after: render(c.after) }
}

function moduleToJson(m: ModuleInfo): Obj {
  return { path: m.path, imageBase: hexAddress(m.imageBase), sizeOfImage: m.sizeOfImage, timeDateStamp: m.timeDateStamp, regions: m.regions, bytes: m.bytes.toString() }
}

function moduleChangeToJson(c: FieldChange): Obj {
  const render = (v: unknown) => (typeof v === 'bigint' ? hexAddress(v) : genericToJson(v))
  return { field: c.field, before: render(c.before), after: render(c.after) }
}

function counterToJson(c: CounterDelta): Obj {
  const s = (v: bigint | undefined) => (v === undefined ? null : v.toString())
  return { name: c.name, unit: c.unit, before: s(c.before), after: s(c.after), delta: s(c.delta), beforeAbsent: c.beforeAbsent ?? null, afterAbsent: c.afterAbsent ?? null }
}

const SECTION_KEY: Readonly<Record<DiffSection, string>> = { handles: 'handles', threads: 'threads', vaSpace: 'regions' }

/** The `pssnap diff --json` document (spec/JSON.md "pssnap.diff/1"). */
export function diffToJson(diff: ArchiveDiff, options: DiffJsonOptions = {}): Obj {
  return materialize(diffToLazyJson(diff, options)) as Obj
}

/** The first `limit` items of `list` rendered by `render`, each when the JSON text reaches it. */
function listOf<T>(list: readonly T[], limit: number | undefined, render: (item: T) => Json): JsonList {
  const n = limit === undefined ? list.length : Math.min(limit, list.length)
  return new JsonList({
    *[Symbol.iterator]() {
      for (let i = 0; i < n; i++) yield render(list[i]!)
    },
  })
}

/**
 * diffToJson's document with its entry lists left to be rendered one entry at a time (reader/json-stream.ts):
 * `prettyJson` writes it in pieces without holding every entry, or the whole text, at once.
 */
export function diffToLazyJson(diff: ArchiveDiff, options: DiffJsonOptions = {}): { [key: string]: LazyJson } {
  const { limit } = options
  const ctx = options.contextArchitecture ? { contextArchitecture: options.contextArchitecture } : {}
  const entries = (section: string, list: readonly object[]) => listOf(list, limit, (e) => entryToJson(section, e, ctx))
  const blocked = new Set(diff.notComparable.map((x) => SECTION_KEY[x.section]))
  // A section not compared has no counts: null, never 0.
  const counts = (key: string, c: Obj): Obj => (blocked.has(key) ? Object.fromEntries(Object.keys(c).map((k) => [k, null])) : c)
  const doc: { [key: string]: LazyJson } = {
    schema: 'pssnap.diff/1',
    before: identityToJson(diff.before),
    after: identityToJson(diff.after),
    warnings: diff.warnings.map((w) => ({ code: w.code, message: w.message, before: w.code === 'CREATE_TIME_DIFFERS' ? kindToJson('time', w.before) : genericToJson(w.before), after: w.code === 'CREATE_TIME_DIFFERS' ? kindToJson('time', w.after) : genericToJson(w.after) })),
    summary: {
      byType: diff.summary.byType.map((t) => ({ typeName: t.typeName === '' ? null : t.typeName, before: t.before, after: t.after, added: t.added, removed: t.removed, net: t.net })),
      byName: cap(diff.summary.byName, limit).map((n) => ({ objectName: n.objectName, added: n.added, removed: n.removed, net: n.net })),
      byPattern: cap(diff.summary.byPattern, limit).map((p) => ({ pattern: p.pattern, folder: p.folder, extension: p.extension, names: p.names, examples: [...p.examples], added: p.added, removed: p.removed, net: p.net })),
    },
    handles: { counts: counts('handles', { added: diff.handles.added.length, removed: diff.handles.removed.length, unchanged: diff.handles.unchanged }), added: entries('handles', diff.handles.added), removed: entries('handles', diff.handles.removed) },
    threads: { counts: counts('threads', { added: diff.threads.added.length, removed: diff.threads.removed.length, unchanged: diff.threads.unchanged }), added: entries('threads', diff.threads.added), removed: entries('threads', diff.threads.removed) },
    regions: {
      counts: counts('regions', { added: diff.regions.added.length, removed: diff.regions.removed.length, changed: diff.regions.changed.length, unchanged: diff.regions.unchanged }),
      added: entries('vaSpace', diff.regions.added),
      removed: entries('vaSpace', diff.regions.removed),
      changed: listOf(diff.regions.changed, limit, (c) => ({ baseAddress: hexAddress(c.baseAddress), changes: c.changes.map((x) => changeToJson('vaSpace', x)) })),
    },
    modules: {
      counts: counts('regions', { added: diff.modules.added.length, removed: diff.modules.removed.length, changed: diff.modules.changed.length, unchanged: diff.modules.unchanged }),
      added: cap(diff.modules.added, limit).map(moduleToJson),
      removed: cap(diff.modules.removed, limit).map(moduleToJson),
      changed: cap(diff.modules.changed, limit).map((c) => ({ path: c.path, changes: c.changes.map(moduleChangeToJson) })),
    },
    counters: diff.counters.map(counterToJson),
    notComparable: diff.notComparable.map((x) => ({ section: SECTION_KEY[x.section], before: x.before, after: x.after, message: x.message })),
    damage: { before: diff.damage.before, after: diff.damage.after },
  }
  if (options.unchecked) doc.failOnUnchecked = options.unchecked.map((g) => ({ gate: g.gate.spec, metric: g.gate.typeName !== undefined ? `handles.${g.gate.typeName}` : g.gate.metric, message: g.message }))
  if (options.crossed) doc.failOn = options.crossed.map((g) => ({ gate: g.gate.spec, metric: g.gate.typeName !== undefined ? `handles.${g.gate.typeName}` : g.gate.metric, threshold: g.gate.threshold.toString(), before: g.before.toString(), after: g.after.toString(), growth: g.growth.toString(), message: g.message }))
  return doc
}

function assessmentToJson(a: SeriesAssessment | null): Json {
  if (!a) return null
  const mk = a.mannKendall
  const ts = a.theilSen
  return {
    pattern: a.pattern,
    n: a.n,
    spanSeconds: a.spanSeconds,
    belowMinimumEffect: a.belowMinimumEffect,
    mannKendall: mk ? { s: mk.s, variance: mk.variance, increasingPairs: mk.increasingPairs, decreasingPairs: mk.decreasingPairs, tiedPairs: mk.tiedPairs, pIncrease: mk.pIncrease, pDecrease: mk.pDecrease, method: mk.method } : null,
    theilSen: ts ? { perSecond: ts.perSecond, low: ts.low, high: ts.high, confidence: ts.confidence } : null,
    largestStep: a.largestStep ? { from: a.largestStep.from, to: a.largestStep.to, delta: a.largestStep.delta, share: a.largestStep.share } : null,
  }
}

function seriesToJson(s: TrendSeries): Obj {
  const out: Obj = { metric: s.metric, unit: s.unit, values: [...s.values], first: s.first, last: s.last, net: s.net, monotonicGrowth: s.monotonicGrowth, slopePerHour: s.slopePerHour, assessment: assessmentToJson(s.assessment) }
  if ('names' in s) {
    const p = s as PatternSeries
    out.names = p.names
    out.examples = [...p.examples]
  }
  return out
}

/** The `pssnap trend --json` document (spec/JSON.md "pssnap.trend/2"). */
export function trendToJson(trend: TrendResult): Obj {
  const v = trend.verdict
  return {
    schema: 'pssnap.trend/2',
    points: trend.points.map((p) => ({ index: p.index, label: p.label ?? null, processId: p.processId, startedAt: p.startedAt, damage: p.damage, damaged: [...p.damaged], notCaptured: [...p.notCaptured] })),
    warnings: trend.warnings.map((w) => ({ point: w.point, code: w.code, message: w.message })),
    totals: trend.totals.map(seriesToJson),
    byType: trend.byType.map(seriesToJson),
    byName: trend.byName.map(seriesToJson),
    byPattern: trend.byPattern.map(seriesToJson),
    verdict: {
      verdict: v.verdict,
      evidence: [...v.evidence],
      growing: [...v.growing],
      topNames: v.topNames.map(seriesToJson),
      topPatterns: v.topPatterns.map(seriesToJson),
      requirements: { minSnapshots: v.requirements.minSnapshots, minSpanSeconds: v.requirements.minSpanSeconds, snapshots: v.requirements.snapshots, spanSeconds: v.requirements.spanSeconds, missing: [...v.requirements.missing] },
      alpha: v.alpha,
    },
  }
}

// ---- CSV (spec/JSON.md "pssnap.diff/1 as CSV", "pssnap.trend/1 as CSV") ----

/** A JSON value as a CSV cell: null empty, strings as they are, FILETIMEs by their ISO text. */
function cell(v: Json): string {
  if (v === null) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (!Array.isArray(v) && typeof v.iso === 'string') return v.iso
  return JSON.stringify(v)
}

export const DIFF_CSV_COLUMNS = ['section', 'change', 'key', 'type', 'name', 'field', 'before', 'after', 'delta'] as const

/**
 * The diff as one flat table, one row per change: added and removed handles, threads, regions and
 * modules, one row per changed field of a region or module, then every counter. Values as in the JSON.
 */
export function diffToCsvRows(diff: ArchiveDiff, options: { limit?: number } = {}): string[][] {
  const { limit } = options
  const rows: string[][] = []
  const row = (section: string, change: string, key: Json, extra: { type?: Json; name?: Json; field?: string; before?: Json; after?: Json; delta?: Json } = {}) =>
    rows.push([section, change, cell(key), cell(extra.type ?? null), cell(extra.name ?? null), extra.field ?? '', cell(extra.before ?? null), cell(extra.after ?? null), cell(extra.delta ?? null)])
  // Sections not compared come first: a reader of the rows below must know they are not the whole story.
  for (const x of diff.notComparable) row(SECTION_KEY[x.section], 'not-comparable', null, { before: x.before, after: x.after })
  for (const [change, list] of [['added', diff.handles.added], ['removed', diff.handles.removed]] as const) {
    for (const h of cap(list, limit)) row('handles', change, h.handle === undefined ? null : hexAddress(h.handle), { type: h.typeName ?? null, name: h.objectName ?? null })
  }
  for (const [change, list] of [['added', diff.threads.added], ['removed', diff.threads.removed]] as const) {
    for (const t of cap(list, limit)) row('threads', change, t.threadId ?? null, { name: t.threadName ?? null })
  }
  for (const [change, list] of [['added', diff.regions.added], ['removed', diff.regions.removed]] as const) {
    for (const r of cap(list, limit)) row('regions', change, r.baseAddress === undefined ? null : hexAddress(r.baseAddress), { name: r.mappedFileName ?? null })
  }
  for (const c of cap(diff.regions.changed, limit)) {
    for (const x of c.changes) {
      const j = changeToJson('vaSpace', x)
      row('regions', 'changed', hexAddress(c.baseAddress), { field: x.field, before: j.before!, after: j.after! })
    }
  }
  for (const [change, list] of [['added', diff.modules.added], ['removed', diff.modules.removed]] as const) {
    for (const m of cap(list, limit)) row('modules', change, m.path)
  }
  for (const c of cap(diff.modules.changed, limit)) {
    for (const x of c.changes) {
      const j = moduleChangeToJson(x)
      row('modules', 'changed', c.path, { field: x.field, before: j.before!, after: j.after! })
    }
  }
  for (const c of diff.counters) {
    const j = counterToJson(c)
    row('counters', 'counter', c.name, { type: c.unit, before: j.before!, after: j.after!, delta: j.delta! })
  }
  return rows
}

/** The trend as one flat table, one row per series (totals, byType, byName), one column per snapshot. */
export function trendToCsvRows(trend: TrendResult): string[][] {
  const header = ['group', 'metric', 'unit', 'first', 'last', 'net', 'slopePerHour', 'monotonicGrowth', 'shape', 'pIncrease', 'theilSenPerSecond', ...trend.points.map((p, i) => p.label ?? `#${i + 1}`)]
  const rows = [header]
  for (const [group, list] of [['totals', trend.totals], ['byType', trend.byType], ['byName', trend.byName], ['byPattern', trend.byPattern]] as const) {
    for (const s of list) {
      const a = s.assessment
      rows.push([group, s.metric, s.unit, cell(s.first), cell(s.last), String(s.net), cell(s.slopePerHour), String(s.monotonicGrowth), a?.pattern ?? '', cell(a?.mannKendall?.pIncrease ?? null), cell(a?.theilSen?.perSecond ?? null), ...s.values.map(cell)])
    }
  }
  return rows
}
