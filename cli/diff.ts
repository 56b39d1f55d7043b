// `pssnap diff` and `pssnap trend`: open the archives, call reader/diff.ts and reader/trend.ts, render tables
// or JSON. Loaded only when one of them runs. Exit 3 when a --fail-on gate is crossed.
import { basename } from 'node:path'
import type { FieldKind } from '../format/fields.js'
import type { FieldRef } from '../reader/access.js'
import { damageLine, type ArchiveDamage } from '../reader/damage.js'
import { checkFailOn, parseFailOn, uncheckedGates, type Gate } from '../reader/diff-gates.js'
import type { VaSpaceEntry } from '../format/index.js'
import { committedLabel } from '../reader/committed.js'
import { linuxPerms } from '../reader/linux-perms.js'
import { DIFF_CSV_COLUMNS, diffToCsvRows, diffToLazyJson, trendToCsvRows, trendToJson } from '../reader/diff-json.js'
import { diffArchives, type ArchiveDiff, type CounterDelta, type DiffWarning, type FieldChange, type ModuleInfo } from '../reader/diff.js'
import { safeText } from '../reader/display.js'
import type { Json } from '../reader/json.js'
import { prettyJson } from '../reader/json-stream.js'
import { csvRecord, displayCell, formatAddress, formatHex, formatSize, formatValue, renderTable, selectColumns, tableCells, tableHeader, tableLayout, tableLine, type TableColumn } from '../reader/text.js'
import { byteScaleFor, formatDuration, formatP, formatQuantity, formatRate, formatSigned, rateUnitFor } from '../reader/trend-format.js'
import { trendArchives, type PatternSeries, type TrendResult, type TrendSeries } from '../reader/trend.js'
import { fieldSpecOf } from '../reader/section.js'
import { BufferedWriter, count, plural, stdoutOutput, styleFor, type Style } from './io.js'
import { openForCli } from './open.js'

type Args = Record<string, unknown>

/** Exit status when a --fail-on gate is crossed (1 is a failure to run, 2 a usage error). */
export const EXIT_GATE_CROSSED = 3
/** Exit status when no gate is crossed but one could not be checked: its metric is damaged or not captured on a side. */
export const EXIT_GATE_NOT_COMPARABLE = 4
/** Detail rows per list on a terminal without --details or --limit. */
export const DEFAULT_ROWS = 20

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

export function warningLines(warnings: readonly DiffWarning[], s: Style): string[] {
  return warnings.map((w) => `${s.yellow(s.bold('warning'))} ${w.code} - ${safeText(w.message)}`)
}

/** One stderr line per damaged input (reader/damage.ts); true when any input was damaged. */
export function reportDamage(inputs: readonly { damage: ArchiveDamage; path: string }[], s: Style): boolean {
  let damaged = false
  for (const { damage, path } of inputs) {
    const line = damageLine(damage, safeText(path))
    if (!line) continue
    damaged = true
    process.stderr.write(`${s.yellow(line)}\n`)
  }
  return damaged
}

/** A table of computed rows whose cells may hold archive strings: each made safe to show. */
function table(columns: readonly TableColumn[], rows: readonly (readonly string[])[], s: Style): string {
  return renderTable(columns, rows.map((r) => r.map(displayCell)), { header: s.bold }).trimEnd()
}

// ---------------------------------------------------------------- diff

export function gatesOf(args: Args): Gate[] {
  const raw = args['fail-on']
  const list = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : []
  return parseFailOn(list)
}

export async function diff(args: Args): Promise<number> {
  const color = colorOf(args)
  // Gate syntax first: instant, before two large archives are read.
  const gates = gatesOf(args)
  const [pathA, pathB] = [str(args.a)!, str(args.b)!]
  // Two folders (two capture sets of the same processes): each process diffed with itself (cli/diff-groups.ts).
  if (await (await import('./archive-dir.js')).anyDirectory([pathA, pathB])) return (await import('./diff-groups.js')).diffByTarget(args, pathA, pathB, gates)
  const a = await openForCli(pathA)
  const b = await openForCli(pathB)
  const result = diffArchives(a, b)
  const crossed = checkFailOn(result, gates)
  const unchecked = uncheckedGates(result, gates)
  const limit = typeof args.limit === 'number' ? args.limit : undefined
  const err = styleFor(process.stderr, color)
  const damaged = reportDamage([{ damage: result.damage.before, path: pathA }, { damage: result.damage.after, path: pathB }], err)
  // Loud: JSON goes to a program, so the warnings go to stderr too; a table shows them at its top.
  if (args.json || args.csv) {
    for (const line of warningLines(result.warnings, err)) process.stderr.write(`${line}\n`)
    for (const x of result.notComparable) process.stderr.write(`${err.yellow(err.bold('warning'))} NOT_COMPARABLE - ${x.message}\n`)
  }
  if (args.csv) await write([DIFF_CSV_COLUMNS, ...diffToCsvRows(result, limit !== undefined ? { limit } : {})].map((r) => csvRecord(r, { raw: args['csv-raw'] === true, terminal: process.stdout.isTTY === true })).join(''))
  else if (args.json) {
    const ctx = b.contextArchitecture ?? a.contextArchitecture
    // Written in pieces, each entry rendered when reached: 60k added handles are never all objects, nor one string.
    const w = new BufferedWriter(stdoutOutput())
    for (const piece of prettyJson(diffToLazyJson(result, { ...(limit !== undefined ? { limit } : {}), ...(gates.length ? { crossed, unchecked } : {}), ...(ctx ? { contextArchitecture: ctx } : {}) }))) {
      const p = w.write(piece)
      if (p) await p
    }
    await w.write('\n')
    await w.flush()
  } else {
    const rows = limit ?? (args.details ? undefined : DEFAULT_ROWS)
    // Line by line: an entry list of --details is rendered as it is written, never held whole.
    const w = new BufferedWriter(stdoutOutput())
    for (const piece of renderDiff(result, basename(pathA), basename(pathB), rows, Boolean(args.details), styleFor(process.stdout, color))) {
      for (const line of typeof piece === 'string' ? [piece] : piece()) {
        const p = w.write(`${line}\n`)
        if (p) await p
      }
    }
    await w.flush()
  }
  for (const c of crossed) process.stderr.write(`${err.red('GATE_CROSSED')} - ${safeText(c.message)}\n`)
  for (const u of unchecked) process.stderr.write(`${err.red('GATE_NOT_COMPARABLE')} - ${safeText(u.message)}\n`)
  if (args.strict === true && damaged) return 1
  return crossed.length ? EXIT_GATE_CROSSED : unchecked.length ? EXIT_GATE_NOT_COMPARABLE : 0
}

/** A counter for people: its value, or why it has none. */
function counterSide(c: CounterDelta, side: 'before' | 'after'): string {
  const v = c[side]
  if (v !== undefined) return c.unit === 'bytes' ? formatSize(v) : count(v)
  return (side === 'before' ? c.beforeAbsent : c.afterAbsent) === 'damaged' ? 'damaged' : 'not captured'
}

/** A line of the diff text, or a list of lines made when the text is written (an entry table). */
export type Piece = string | (() => Iterable<string>)

export function renderDiff(d: ArchiveDiff, nameA: string, nameB: string, rows: number | undefined, details: boolean, s: Style): Piece[] {
  const out: Piece[] = []
  const handles = d.counters.find((c) => c.name === 'handles')!
  const image = d.after.imagePath ?? d.before.imagePath
  out.push(`${s.bold(safeText(nameA))} → ${s.bold(safeText(nameB))}: pid ${d.before.processId}${d.after.processId !== d.before.processId ? ` → ${d.after.processId}` : ''}${image ? `  ${safeText(image)}` : ''}`)
  out.push(`captured ${safeText(d.before.startedAt)} → ${safeText(d.after.startedAt)}`)
  if (d.warnings.length) out.push(...warningLines(d.warnings, s))
  for (const x of d.notComparable) out.push(`${s.yellow(s.bold('warning'))} NOT_COMPARABLE - ${x.message}: its entries are not compared`)
  out.push('')
  const blocked = (section: string) => d.notComparable.some((x) => x.section === section)
  const handlesPart = blocked('handles')
    ? `${s.bold('Handles')} not comparable`
    : `${s.bold('Handles')} ${counterSide(handles, 'before')} → ${counterSide(handles, 'after')} (${handles.delta === undefined ? '-' : signed(handles.delta)}): ${count(d.handles.added.length)} added, ${count(d.handles.removed.length)} removed`
  out.push(
    `${handlesPart}; ` +
      (blocked('threads') ? `${s.bold('threads')} not comparable; ` : `${s.bold('threads')} ${count(d.threads.added.length)} added, ${count(d.threads.removed.length)} exited; `) +
      (blocked('vaSpace')
        ? `${s.bold('regions')} and ${s.bold('modules')} not comparable`
        : `${s.bold('regions')} ${count(d.regions.added.length)} added, ${count(d.regions.removed.length)} removed, ${count(d.regions.changed.length)} changed; ` +
          `${s.bold('modules')} ${count(d.modules.added.length)} loaded, ${count(d.modules.removed.length)} unloaded, ${count(d.modules.changed.length)} changed`),
  )

  if (!blocked('handles')) {
    const types = d.summary.byType.filter((t) => t.added || t.removed)
    out.push('', s.bold('Handles by type'))
    if (types.length) {
      const cols = [col('type'), col('before', true), col('after', true), col('added', true), col('removed', true), col('net', true)]
      out.push(table(cols, types.map((t) => [t.typeName || '-', count(t.before), count(t.after), plus(t.added), minus(t.removed), signed(t.net)]), s))
    } else out.push('  no handle opened or closed')
  }

  if (d.summary.byPattern.length) {
    // Names grouped by pattern: 25 leaked `leak-N.log` files are one row, not 25.
    const shown = cap(d.summary.byPattern, rows === undefined ? undefined : Math.min(rows, PATTERN_ROWS))
    out.push('', s.bold('Handles by object name (digit and hex runs as #)'))
    const cols = [col('objectName'), col('names', true), col('added', true), col('removed', true), col('net', true)]
    out.push(table(cols, shown.map((p) => [p.pattern ?? '(unnamed)', p.names > 1 ? `×${count(p.names)}` : '', plus(p.added), minus(p.removed), signed(p.net)]), s))
    out.push(...more(d.summary.byPattern.length, shown.length, details, s))
  }

  // Both sides of Linux: fds and maps-style perms in the lists, as the list verbs show them.
  const platform = d.committedMeaning.before === 'private-writable' && d.committedMeaning.after === 'private-writable' ? 'linux' : undefined
  entryList(out, 'Added handles', 'handles', d.handles.added, rows, details, s, platform)
  entryList(out, 'Removed handles', 'handles', d.handles.removed, rows, details, s, platform)

  if (d.regions.changed.length) {
    const shown = cap(d.regions.changed, rows)
    out.push('', s.bold(`Changed regions (${count(d.regions.changed.length)})`))
    const cols = [col('baseAddress'), col('field'), col('before'), col('after')]
    const lines = shown.flatMap((c) => c.changes.map((x, i) => [i === 0 ? formatAddress(c.baseAddress) : '', x.field, regionValue(x, c.before, platform), regionValue(x, c.after, platform)]))
    out.push(table(cols, lines, s))
    out.push(...more(d.regions.changed.length, shown.length, details, s))
  }
  entryList(out, 'Added regions', 'vaSpace', d.regions.added, rows, details, s, platform)
  entryList(out, 'Removed regions', 'vaSpace', d.regions.removed, rows, details, s, platform)

  moduleList(out, 'Loaded modules', d.modules.added, s)
  moduleList(out, 'Unloaded modules', d.modules.removed, s)
  if (d.modules.changed.length) {
    out.push('', s.bold(`Changed modules (${count(d.modules.changed.length)})`))
    const cols = [col('path'), col('field'), col('before'), col('after')]
    const show = (x: FieldChange, v: unknown) => (typeof v === 'bigint' ? formatAddress(v, 12) : x.field === 'sizeOfImage' ? formatSize(v as number) : formatHex(v as number))
    out.push(table(cols, d.modules.changed.flatMap((m) => m.changes.map((x, i) => [i === 0 ? m.path : '', x.field, show(x, x.before), show(x, x.after)])), s))
  }

  entryList(out, 'New threads', 'threads', d.threads.added, rows, details, s, platform)
  entryList(out, 'Exited threads', 'threads', d.threads.removed, rows, details, s, platform)

  out.push('', s.bold('Counters'))
  const counters = details ? d.counters : d.counters.filter((c) => !c.name.startsWith('performanceCounters.'))
  // Counters in each platform's terms: on Linux committed is private writable mappings (reader/committed.ts),
  // and the process counters are the /proc/<pid>/status lines they were read from (spec/LINUX.md §2.1).
  const cm = d.committedMeaning
  const linux = cm.before === 'private-writable' && cm.after === 'private-writable'
  const committedName = cm.before === cm.after ? committedLabel(cm.after) : `${committedLabel(cm.before)} → ${committedLabel(cm.after)}`
  const nameOf = (c: CounterDelta) => (c.name === 'committed' ? committedName : linux && Object.hasOwn(LINUX_COUNTER_NAMES, c.name) ? LINUX_COUNTER_NAMES[c.name]! : c.name)
  out.push(table([col('counter'), col('before', true), col('after', true), col('delta', true)], counters.map((c) => counterRow(c, nameOf(c))), s))
  if (!details) out.push(s.dim('  (--details adds the PSS performance counters)'))
  return out
}

/** A total's name in the platform's terms (Linux: private writable mappings, VmData). */
function totalName(t: TrendResult, metric: string): string {
  if (metric === 'committed') return committedLabel(t.committedMeaning)
  return metric === 'privateUsage' && t.committedMeaning === 'private-writable' ? LINUX_COUNTER_NAMES.privateUsage! : metric
}

/** The process counters of a Linux archive by their /proc/<pid>/status names, as `info` shows them. */
const LINUX_COUNTER_NAMES: Readonly<Record<string, string>> = { privateUsage: 'private (VmData)', workingSetSize: 'resident (VmRSS)', virtualSize: 'virtual (VmSize)', pagefileUsage: 'swap (VmSwap)' }

/** Pattern rows on a terminal without --details: the top ones, then "and N more". */
const PATTERN_ROWS = 10

const cap = <T>(list: readonly T[], rows: number | undefined) => (rows === undefined ? list : list.slice(0, rows))

function more(total: number, shown: number, details: boolean, s: Style): string[] {
  return total > shown ? [s.dim(`  … ${count(total - shown)} more (${details ? 'raise --limit' : '--details lists all'})`)] : []
}

function entryList(out: Piece[], title: string, section: 'handles' | 'threads' | 'vaSpace', entries: readonly object[], rows: number | undefined, details: boolean, s: Style, platform: string | undefined): void {
  if (!entries.length) return
  const shown = cap(entries, rows)
  const selected = selectColumns(section, undefined, { present: section === 'threads' ? ['threadId', 'priority', 'win32StartAddress', 'createTime', 'threadName'] : undefined, ...(platform ? { platform, forTable: true } : {}) })
  // A column empty in every listed entry is left out rather than shown as a row of dashes: PSS-only fields
  // (grantedAccess, handleCount…) in Linux archives, Linux-only ones (openFlags, details…) in Windows archives.
  const columns = selected.filter((c) => shown.some((e) => c.field.get(e) !== undefined && c.field.get(e) !== null))
  out.push('', s.bold(`${title} (${count(entries.length)})`))
  // Laid out in one pass over the entries, then each line made when written (tableCells makes every cell
  // safe to show: reader/text.ts displayCell); 60k entries are never all rows of cells, nor one string.
  out.push(function* () {
    const layout = tableLayout(columns, shown)
    yield s.bold(tableHeader(columns, layout))
    // What renderTable(…).trimEnd() left: trailing empty lines dropped (tableLine already trims each line).
    let empty = 0
    for (const e of shown) {
      const line = tableLine(layout, tableCells(columns, layout, e))
      if (line === '') {
        empty++
        continue
      }
      for (; empty > 0; empty--) yield ''
      yield line
    }
  })
  out.push(...more(entries.length, shown.length, details, s))
}

function moduleList(out: Piece[], title: string, modules: readonly ModuleInfo[], s: Style): void {
  if (!modules.length) return
  out.push('', s.bold(`${title} (${count(modules.length)})`))
  const cols = [col('imageBase'), col('sizeOfImage', true), col('timeDateStamp'), col('path')]
  out.push(table(cols, modules.map((m) => [formatAddress(m.imageBase, 12), formatSize(m.sizeOfImage), formatHex(m.timeDateStamp), m.path]), s))
}

function regionValue(x: FieldChange, region: VaSpaceEntry, platform: string | undefined): string {
  if (platform === 'linux' && x.field === 'protect') {
    const perms = linuxPerms(region.protect, region.type, region.state)
    if (perms) return perms
  }
  const spec = fieldSpecOf('vaSpace', x.field)
  return formatValue({ kind: spec?.kind, names: spec?.names }, region[x.field as keyof VaSpaceEntry])
}

function counterRow(c: CounterDelta, name: string): string[] {
  return [name, counterSide(c, 'before'), counterSide(c, 'after'), c.delta === undefined ? '-' : signed(c.delta, c.unit)]
}

// ---------------------------------------------------------------- trend

export async function trend(args: Args): Promise<number> {
  // A directory stands for its .pssnap files (what `pssnap watch` writes); they may be of several processes,
  // so with a directory the series are made per target (cli/trend-groups.ts).
  const dirs = await import('./archive-dir.js')
  const given = (Array.isArray(args.archives) ? args.archives : []).map(String)
  const paths = await dirs.expandArchivePaths(given)
  if (await dirs.anyDirectory(given)) return (await import('./trend-groups.js')).trendByTarget(args, paths)
  const inputs = []
  for (const path of paths) inputs.push({ archive: await openForCli(path), label: basename(path) })
  const options = {
    ...(typeof args['min-snapshots'] === 'number' ? { minSnapshots: args['min-snapshots'] } : {}),
    ...(typeof args['min-span'] === 'number' ? { minSpanSeconds: args['min-span'] } : {}),
  }
  const result = trendArchives(inputs, options)
  const err = styleFor(process.stderr, colorOf(args))
  const damaged = reportDamage(result.points.map((p) => ({ damage: p.damage, path: paths[p.index]! })), err)
  for (const w of result.warnings) process.stderr.write(`${err.yellow(err.bold('warning'))} ${w.code} - ${safeText(result.points[w.point]?.label ?? String(w.point))}: ${safeText(w.message)}\n`)
  // Archives of several capture sets (two watches, say) in one series: said, never mixed silently.
  const sets = (await import('../reader/target-groups.js')).captureSetsOf(inputs.map((i) => i.archive)).filter((x) => x.id !== null)
  if (sets.length > 1) process.stderr.write(`note: one series of ${sets.length} capture sets: ${sets.map((x) => `${safeText(x.id!)}${x.kind ? ` (${safeText(x.kind)})` : ''} ×${x.archives}`).join(', ')}\n`)
  if (args.csv) await write(trendToCsvRows(result).map((r) => csvRecord(r, { raw: args['csv-raw'] === true, terminal: process.stdout.isTTY === true })).join(''))
  else if (args.json) await write(pretty(trendToJson(result)))
  else await write(renderTrend(result, styleFor(process.stdout, colorOf(args))))
  return args.strict === true && damaged ? 1 : 0
}

/** A point's value of a series, or why it has none. */
function pointValue(t: TrendResult, series: TrendSeries, i: number, section: 'handles' | 'threads' | 'vaSpace' | undefined): string {
  const v = series.values[i]
  if (v !== null && v !== undefined) return series.unit === 'bytes' ? formatSize(v) : count(v)
  return section && t.points[i]!.damaged.includes(section) ? 'damaged' : 'not captured'
}

export function renderTrend(t: TrendResult, s: Style): string {
  const out: string[] = []
  const first = t.points[0]
  const last = t.points[t.points.length - 1]
  const span = t.verdict.requirements.spanSeconds
  out.push(`${s.bold(plural(t.points.length, 'snapshot'))}${first ? ` of pid ${first.processId}, ${safeText(first.startedAt)} → ${safeText(last!.startedAt)} (${formatDuration(span)})` : ''}`)
  out.push('')
  const [handles, threads, priv, committed] = t.totals as [TrendSeries, TrendSeries, TrendSeries, TrendSeries]
  const cols = [col('#', true), col('captured'), col('archive'), col('handles', true), col('threads', true), col(t.committedMeaning === 'private-writable' ? 'private (VmData)' : 'private', true), col(committedLabel(t.committedMeaning), true)]
  out.push(
    table(
      cols,
      t.points.map((p, i) => [String(i + 1), p.startedAt, p.label ?? String(p.index), pointValue(t, handles, i, 'handles'), pointValue(t, threads, i, 'threads'), pointValue(t, priv, i, undefined), pointValue(t, committed, i, 'vaSpace')]),
      s,
    ),
  )

  const v = t.verdict.verdict
  out.push('', `${s.bold('Verdict')}: ${v === 'leak' ? s.red('LEAK') : v === 'no-leak' ? s.green('no leak') : s.yellow('inconclusive')}`)
  for (const e of t.verdict.evidence) out.push(`  - ${safeText(e)}`)

  // Rates per the largest time unit the series spans; bytes of a row in one unit.
  const rate = rateUnitFor(span)
  const growth = (title: string, list: readonly TrendSeries[], strip = '') => {
    if (!list.length) return
    out.push('', s.bold(title))
    const c = [col('name'), col('first', true), col('last', true), col('net', true), col(`per ${rate.name}`, true), col('shape'), col('Mann–Kendall')]
    const row = (x: TrendSeries) => {
      const scale = x.unit === 'bytes' ? byteScaleFor(x.values.filter((y): y is number => y !== null)) : undefined
      const q = (y: number | null) => (y === null ? '-' : formatQuantity(x.unit, y, scale))
      const a = x.assessment
      const slope = a?.theilSen ? formatRate(x.unit, a.theilSen.perSecond, rate, scale).replace(/ per \w+$/, '') : '-'
      const name = strip ? x.metric.slice(strip.length) || '-' : totalName(t, x.metric)
      return [name, q(x.first), q(x.last), formatSigned(x.unit, x.net, scale), slope, a?.pattern ?? '', a?.mannKendall ? formatP(a.mannKendall.pIncrease) : '']
    }
    out.push(table(c, list.map(row), s))
  }
  growth('Totals', t.totals)
  growth('Handles per type (types that changed)', t.byType.filter((x) => new Set(x.values.filter((y) => y !== null)).size > 1), 'handles.')
  const patterns = t.verdict.topPatterns
  if (patterns.length) {
    out.push('', s.bold('Top growing names (digit and hex runs as #)'))
    const c = [col('name'), col('names', true), col('first', true), col('last', true), col('net', true)]
    out.push(table(c, patterns.map((p: PatternSeries) => [p.metric, p.names > 1 ? `×${count(p.names)}` : '', count(p.first ?? 0), count(p.last ?? 0), formatSigned('count', p.net)]), s))
    const all = t.byPattern.filter((p) => p.net > 0).length
    if (all > patterns.length) out.push(s.dim(`  … and ${count(all - patterns.length)} more (--json lists ${t.byPattern.length})`))
  }
  return out.join('\n') + '\n'
}
