// `pssnap diff` and `pssnap trend`: open the archives, call reader/diff.ts and reader/trend.ts, render tables
// or JSON. Loaded only when one of them runs. Exit 3 when a --fail-on gate is crossed.
import { basename } from 'node:path'
import type { FieldKind } from '../format/fields.js'
import type { FieldRef } from '../reader/access.js'
import { checkFailOn, parseFailOn, type Gate } from '../reader/diff-gates.js'
import { DIFF_CSV_COLUMNS, diffToCsvRows, diffToJson, trendToCsvRows, trendToJson } from '../reader/diff-json.js'
import { diffArchives, type ArchiveDiff, type CounterDelta, type DiffWarning, type FieldChange, type ModuleInfo } from '../reader/diff.js'
import type { Json } from '../reader/json.js'
import { csvRecord, formatAddress, formatHex, formatSize, formatValue, renderTable, selectColumns, tableRows, type TableColumn } from '../reader/text.js'
import { trendArchives, type TrendResult, type TrendSeries } from '../reader/trend.js'
import { fieldSpecOf } from '../reader/section.js'
import { count, plural, stdoutOutput, styleFor, type Style } from './io.js'
import { openForCli } from './open.js'

type Args = Record<string, unknown>

/** Exit status when a --fail-on gate is crossed (1 is a failure to run, 2 a usage error). */
export const EXIT_GATE_CROSSED = 3
/** Detail rows per list on a terminal without --details or --limit. */
const DEFAULT_ROWS = 20

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const colorOf = (args: Args) => (typeof args.color === 'boolean' ? args.color : undefined)
const pretty = (value: Json) => `${JSON.stringify(value, null, 2)}\n`

async function write(text: string): Promise<void> {
  await stdoutOutput().write(text)
}

/** A plain column for tables of computed rows: right-aligned when numeric. */
function col(label: string, numeric = false): TableColumn {
  const kind: FieldKind = numeric ? 'int' : 'text'
  const field: FieldRef = { path: label, dtype: undefined, kind, get: () => undefined }
  return { label, field }
}

const signed = (n: number | bigint, unit: 'count' | 'bytes' | 'raw' = 'count') => {
  const neg = n < 0
  const abs = neg ? -n : n
  const text = unit === 'bytes' ? formatSize(abs) : count(abs)
  return `${neg ? '−' : n === 0 || n === 0n ? '' : '+'}${text}`
}

const plus = (n: number) => (n ? `+${count(n)}` : '0')
const minus = (n: number) => (n ? `−${count(n)}` : '0')

function warningLines(warnings: readonly DiffWarning[], s: Style): string[] {
  return warnings.map((w) => `${s.yellow(s.bold('warning'))} ${w.code} - ${w.message}`)
}

// ---------------------------------------------------------------- diff

function gatesOf(args: Args): Gate[] {
  const raw = args['fail-on']
  const list = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : []
  return parseFailOn(list)
}

export async function diff(args: Args): Promise<number> {
  const color = colorOf(args)
  // Gate syntax first: instant, before two large archives are read.
  const gates = gatesOf(args)
  const [pathA, pathB] = [str(args.a)!, str(args.b)!]
  const a = await openForCli(pathA)
  const b = await openForCli(pathB)
  const result = diffArchives(a, b)
  const crossed = checkFailOn(result, gates)
  const limit = typeof args.limit === 'number' ? args.limit : undefined
  const err = styleFor(process.stderr, color)
  // Loud: JSON goes to a program, so the warnings go to stderr too; a table shows them at its top.
  if (args.json || args.csv) for (const line of warningLines(result.warnings, err)) process.stderr.write(`${line}\n`)
  if (args.csv) await write([DIFF_CSV_COLUMNS, ...diffToCsvRows(result, limit !== undefined ? { limit } : {})].map((r) => csvRecord(r, { raw: args['csv-raw'] === true })).join(''))
  else if (args.json) {
    const ctx = b.contextArchitecture ?? a.contextArchitecture
    await write(pretty(diffToJson(result, { ...(limit !== undefined ? { limit } : {}), ...(gates.length ? { crossed } : {}), ...(ctx ? { contextArchitecture: ctx } : {}) })))
  } else {
    const rows = limit ?? (args.details ? undefined : DEFAULT_ROWS)
    await write(renderDiff(result, basename(pathA), basename(pathB), rows, Boolean(args.details), styleFor(process.stdout, color)))
  }
  for (const c of crossed) process.stderr.write(`${err.red('GATE_CROSSED')} - ${c.message}\n`)
  return crossed.length ? EXIT_GATE_CROSSED : 0
}

function renderDiff(d: ArchiveDiff, nameA: string, nameB: string, rows: number | undefined, details: boolean, s: Style): string {
  const out: string[] = []
  const handles = d.counters.find((c) => c.name === 'handles')!
  const image = d.after.imagePath ?? d.before.imagePath
  out.push(`${s.bold(nameA)} → ${s.bold(nameB)}: pid ${d.before.processId}${d.after.processId !== d.before.processId ? ` → ${d.after.processId}` : ''}${image ? `  ${image}` : ''}`)
  out.push(`captured ${d.before.startedAt} → ${d.after.startedAt}`)
  if (d.warnings.length) out.push(...warningLines(d.warnings, s))
  out.push('')
  out.push(
    `${s.bold('Handles')} ${count(handles.before ?? 0n)} → ${count(handles.after ?? 0n)} (${signed(handles.delta ?? 0n)}): ${count(d.handles.added.length)} added, ${count(d.handles.removed.length)} removed; ` +
      `${s.bold('threads')} ${count(d.threads.added.length)} added, ${count(d.threads.removed.length)} exited; ` +
      `${s.bold('regions')} ${count(d.regions.added.length)} added, ${count(d.regions.removed.length)} removed, ${count(d.regions.changed.length)} changed; ` +
      `${s.bold('modules')} ${count(d.modules.added.length)} loaded, ${count(d.modules.removed.length)} unloaded, ${count(d.modules.changed.length)} changed`,
  )

  const types = d.summary.byType.filter((t) => t.added || t.removed)
  out.push('', s.bold('Handles by type'))
  if (types.length) {
    const cols = [col('type'), col('before', true), col('after', true), col('added', true), col('removed', true), col('net', true)]
    out.push(renderTable(cols, types.map((t) => [t.typeName || '-', count(t.before), count(t.after), plus(t.added), minus(t.removed), signed(t.net)]), { header: s.bold }).trimEnd())
  } else out.push('  no handle opened or closed')

  if (d.summary.byName.length) {
    const shown = cap(d.summary.byName, rows)
    out.push('', s.bold('Handles by object name'))
    const cols = [col('objectName'), col('added', true), col('removed', true), col('net', true)]
    out.push(renderTable(cols, shown.map((n) => [n.objectName ?? '(unnamed)', plus(n.added), minus(n.removed), signed(n.net)]), { header: s.bold }).trimEnd())
    out.push(...more(d.summary.byName.length, shown.length, details, s))
  }

  entryList(out, 'Added handles', 'handles', d.handles.added, rows, details, s)
  entryList(out, 'Removed handles', 'handles', d.handles.removed, rows, details, s)

  if (d.regions.changed.length) {
    const shown = cap(d.regions.changed, rows)
    out.push('', s.bold(`Changed regions (${count(d.regions.changed.length)})`))
    const cols = [col('baseAddress'), col('field'), col('before'), col('after')]
    const lines = shown.flatMap((c) => c.changes.map((x, i) => [i === 0 ? formatAddress(c.baseAddress) : '', x.field, regionValue(x, 'before'), regionValue(x, 'after')]))
    out.push(renderTable(cols, lines, { header: s.bold }).trimEnd())
    out.push(...more(d.regions.changed.length, shown.length, details, s))
  }
  entryList(out, 'Added regions', 'vaSpace', d.regions.added, rows, details, s)
  entryList(out, 'Removed regions', 'vaSpace', d.regions.removed, rows, details, s)

  moduleList(out, 'Loaded modules', d.modules.added, s)
  moduleList(out, 'Unloaded modules', d.modules.removed, s)
  if (d.modules.changed.length) {
    out.push('', s.bold(`Changed modules (${count(d.modules.changed.length)})`))
    const cols = [col('path'), col('field'), col('before'), col('after')]
    const show = (x: FieldChange, v: unknown) => (typeof v === 'bigint' ? formatAddress(v, 12) : x.field === 'sizeOfImage' ? formatSize(v as number) : formatHex(v as number))
    out.push(renderTable(cols, d.modules.changed.flatMap((m) => m.changes.map((x, i) => [i === 0 ? m.path : '', x.field, show(x, x.before), show(x, x.after)])), { header: s.bold }).trimEnd())
  }

  entryList(out, 'New threads', 'threads', d.threads.added, rows, details, s)
  entryList(out, 'Exited threads', 'threads', d.threads.removed, rows, details, s)

  out.push('', s.bold('Counters'))
  const counters = details ? d.counters : d.counters.filter((c) => !c.name.startsWith('performanceCounters.'))
  out.push(renderTable([col('counter'), col('before', true), col('after', true), col('delta', true)], counters.map(counterRow), { header: s.bold }).trimEnd())
  if (!details) out.push(s.dim('  (--details adds the PSS performance counters)'))
  return out.join('\n') + '\n'
}

const cap = <T>(list: readonly T[], rows: number | undefined) => (rows === undefined ? list : list.slice(0, rows))

function more(total: number, shown: number, details: boolean, s: Style): string[] {
  return total > shown ? [s.dim(`  … ${count(total - shown)} more (${details ? 'raise --limit' : '--details lists all'})`)] : []
}

function entryList(out: string[], title: string, section: 'handles' | 'threads' | 'vaSpace', entries: readonly object[], rows: number | undefined, details: boolean, s: Style): void {
  if (!entries.length) return
  const shown = cap(entries, rows)
  const columns = selectColumns(section, undefined, { present: section === 'threads' ? ['threadId', 'priority', 'win32StartAddress', 'createTime', 'threadName'] : undefined })
  out.push('', s.bold(`${title} (${count(entries.length)})`))
  out.push(renderTable(columns, tableRows(columns, shown), { header: s.bold }).trimEnd())
  out.push(...more(entries.length, shown.length, details, s))
}

function moduleList(out: string[], title: string, modules: readonly ModuleInfo[], s: Style): void {
  if (!modules.length) return
  out.push('', s.bold(`${title} (${count(modules.length)})`))
  const cols = [col('imageBase'), col('sizeOfImage', true), col('timeDateStamp'), col('path')]
  out.push(renderTable(cols, modules.map((m) => [formatAddress(m.imageBase, 12), formatSize(m.sizeOfImage), formatHex(m.timeDateStamp), m.path]), { header: s.bold }).trimEnd())
}

function regionValue(x: FieldChange, side: 'before' | 'after'): string {
  const spec = fieldSpecOf('vaSpace', x.field)
  return formatValue({ kind: spec?.kind, names: spec?.names }, x[side])
}

function counterRow(c: CounterDelta): string[] {
  const v = (x: bigint | undefined) => (x === undefined ? '-' : c.unit === 'bytes' ? formatSize(x) : count(x))
  return [c.name, v(c.before), v(c.after), c.delta === undefined ? '-' : signed(c.delta, c.unit)]
}

// ---------------------------------------------------------------- trend

export async function trend(args: Args): Promise<number> {
  const paths = (Array.isArray(args.archives) ? args.archives : []).map(String)
  const inputs = []
  for (const path of paths) inputs.push({ archive: await openForCli(path), label: basename(path) })
  const result = trendArchives(inputs)
  const err = styleFor(process.stderr, colorOf(args))
  for (const w of result.warnings) process.stderr.write(`${err.yellow(err.bold('warning'))} ${w.code} - ${result.points[w.point]?.label ?? w.point}: ${w.message}\n`)
  if (args.csv) await write(trendToCsvRows(result).map((r) => csvRecord(r, { raw: args['csv-raw'] === true })).join(''))
  else if (args.json) await write(pretty(trendToJson(result)))
  else await write(renderTrend(result, styleFor(process.stdout, colorOf(args))))
  return 0
}

const perHour = (s: TrendSeries) => (s.slopePerHour === null ? '-' : s.slopePerHour === 0 ? '0' : `${s.slopePerHour < 0 ? '−' : '+'}${s.unit === 'bytes' ? formatSize(Math.round(Math.abs(s.slopePerHour))) : Math.abs(s.slopePerHour).toFixed(1)}`)
const seriesValue = (s: TrendSeries, v: number | null) => (v === null ? '-' : s.unit === 'bytes' ? formatSize(v) : count(v))

function renderTrend(t: TrendResult, s: Style): string {
  const out: string[] = []
  const first = t.points[0]
  const last = t.points[t.points.length - 1]
  out.push(`${s.bold(plural(t.points.length, 'snapshot'))}${first ? ` of pid ${first.processId}, ${first.startedAt} → ${last!.startedAt}` : ''}`)
  out.push('')
  const [handles, threads, priv, committed] = t.totals as [TrendSeries, TrendSeries, TrendSeries, TrendSeries]
  const cols = [col('#', true), col('captured'), col('archive'), col('handles', true), col('threads', true), col('private', true), col('committed', true)]
  out.push(renderTable(cols, t.points.map((p, i) => [String(i + 1), p.startedAt, p.label ?? String(p.index), seriesValue(handles, handles.values[i]!), seriesValue(threads, threads.values[i]!), seriesValue(priv, priv.values[i]!), seriesValue(committed, committed.values[i]!)]), { header: s.bold }).trimEnd())

  const v = t.verdict.verdict
  out.push('', `${s.bold('Verdict')}: ${v === 'leak' ? s.red('LEAK') : v === 'no-leak' ? s.green('no leak') : s.yellow('inconclusive')}`)
  for (const e of t.verdict.evidence) out.push(`  - ${e}`)

  const growth = (title: string, list: readonly TrendSeries[], strip = '') => {
    if (!list.length) return
    out.push('', s.bold(title))
    const c = [col('name'), col('first', true), col('last', true), col('net', true), col('per hour', true), col('every step')]
    out.push(renderTable(c, list.map((x) => [x.metric.slice(strip.length) || '-', seriesValue(x, x.first), seriesValue(x, x.last), signed(x.net), perHour(x), x.monotonicGrowth ? 'grew' : '']), { header: s.bold }).trimEnd())
  }
  growth('Totals', t.totals)
  growth('Handles per type (types that changed)', t.byType.filter((x) => x.values.some((y) => y !== x.values[0])), 'handles.')
  growth('Top growing names', t.verdict.topNames)
  return out.join('\n') + '\n'
}

