// The commands behind cli/main.ts: each opens the archive, calls the library (reader/), renders.
// Loaded only when a command runs.
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { archiveInfoToJson, entryToJson, genericToJson, kindToJson, validateArchiveFile, type Archive, type Diagnostic, type Json } from '../reader/node.js'
import { resolveField, sectionId, type FieldRef, type SectionId } from '../reader/access.js'
import { compileQuery, filterSection, groupEntries, parseQuery, parseSortKeys, sortEntries, type Predicate } from '../reader/query.js'
import { csvCells, csvRecord, formatDuration, formatNamed, formatSize, formatTime, formatValue, renderTable, selectColumns, tableCells, tableHeader, tableLayout, tableLine, tableRows, type TableColumn } from '../reader/text.js'
import { BufferedWriter, CliError, count, fileOutput, plural, stdoutOutput, styleFor, type Output, type Style } from './io.js'
import { openForCli } from './open.js'

type Args = Record<string, unknown>

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** How the CLI names each section in messages. */
const LABEL: Readonly<Record<SectionId, [string, string]>> = {
  handles: ['handle', 'handles'],
  threads: ['thread', 'threads'],
  vaSpace: ['region', 'regions'],
  auxiliaryPages: ['auxiliary page', 'auxiliary pages'],
}
const CLI_NAME: Readonly<Record<SectionId, string>> = { handles: 'handles', threads: 'threads', vaSpace: 'regions', auxiliaryPages: 'aux' }

function out(): Style {
  return styleFor(process.stdout, colorArg)
}
let colorArg: boolean | undefined

function setCommon(args: Args): void {
  colorArg = typeof args.color === 'boolean' ? args.color : undefined
}

async function write(text: string): Promise<void> {
  await stdoutOutput().write(text)
}

const pretty = (value: Json) => `${JSON.stringify(value, null, 2)}\n`

// ---------------------------------------------------------------- info

/** PROCESS_INFORMATION.PriorityClass values (winbase.h), for display. */
const PRIORITY_CLASSES: Readonly<Record<number, string>> = {
  0x20: 'NORMAL',
  0x40: 'IDLE',
  0x80: 'HIGH',
  0x100: 'REALTIME',
  0x4000: 'BELOW_NORMAL',
  0x8000: 'ABOVE_NORMAL',
}

/** What the header's query results say each section should hold, when the trailer is lost. */
function headerExpected(archive: Archive, section: SectionId): number | undefined {
  const h = archive.header
  switch (section) {
    case 'handles':
      return h.handleInformation?.handlesCaptured
    case 'threads':
      return h.threadInformation?.threadsCaptured
    case 'vaSpace':
      return h.vaSpaceInformation?.regionCount
    case 'auxiliaryPages':
      return h.auxiliaryPagesInformation?.auxPagesCaptured
  }
}

/** Bytes covered by the preamble and every intact frame. */
function recoveredBytes(archive: Archive): number {
  let n = 16
  for (const f of archive.frames) if (f.ok) n += 20 + f.storedLength
  return Math.min(n, archive.byteLength)
}

const percent = (part: number, whole: number) => (whole === 0 ? '100%' : part === 0 ? '0%' : `${((part / whole) * 100).toFixed(part === whole ? 0 : 1)}%`)

/** `label  value` lines with the values aligned. */
function block(rows: readonly (readonly [string, string | undefined])[], indent = '', s: Style = out()): string {
  const shown = rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '')
  const width = Math.max(0, ...shown.map(([k]) => k.length))
  return shown.map(([k, v]) => `${indent}${s.bold(k.padEnd(width))}  ${v.split('\n').join(`\n${indent}${' '.repeat(width + 2)}`)}`).join('\n') + (shown.length ? '\n' : '')
}

function diagnosticLine(d: Diagnostic, s: Style): string {
  const where = [d.offset !== undefined ? `offset ${d.offset}` : '', d.frame !== undefined ? `frame ${d.frame}` : ''].filter(Boolean).join(', ')
  const sev = d.severity === 'error' ? s.red(d.severity) : d.severity === 'warning' ? s.yellow(d.severity) : s.dim(d.severity)
  return `${sev} ${d.code} - ${d.message}${where ? ` (${where})` : ''}`
}

/** Wraps `A|B|C` names into lines of at most `width` characters. */
function wrapNames(names: string, width = 72): string {
  const lines: string[] = []
  let line = ''
  for (const n of names.split('|')) {
    if (line && line.length + 1 + n.length > width) {
      lines.push(line)
      line = n
    } else line = line ? `${line} ${n}` : n
  }
  if (line) lines.push(line)
  return lines.join('\n')
}

/** CONTEXT_* flags are per architecture; only the x64 names are known (format/names.ts). */
function contextFlags(flags: number, arch: string | undefined, s: Style): string {
  if (!flags) return 'none'
  const hex = `0x${flags.toString(16)}`
  const names = arch === 'x64' || arch === undefined ? `${formatNamed('CONTEXT_FLAGS_X64', flags).replace(/\|/g, ' ')} ${s.dim(`(${hex})`)}` : hex
  return `${names}${arch ? `, ${arch} context records` : ''}`
}

export async function info(args: Args): Promise<number> {
  setCommon(args)
  const path = str(args.archive)!
  const archive = await openForCli(path)
  if (args.json) {
    await write(pretty(archiveInfoToJson(archive)))
    return 0
  }
  const s = out()
  const h = archive.header
  const p = h.processInformation
  const damaged = !archive.ok || !archive.trailer
  const lines: string[] = []

  const state = !archive.trailer ? s.red('incomplete (no trailer)') : !archive.ok ? s.red('damaged') : s.green('complete')
  lines.push(`${s.bold(basename(path))}: pssnap archive, format ${archive.version.major}.${archive.version.minor}, ${formatSize(archive.byteLength)}, ${state}`)
  lines.push('')

  const image = h.target.imagePath ?? p?.imageFileName
  const compressed = archive.frames.filter((f) => f.codec !== 0).length
  lines.push(
    block([
      ['Target', `pid ${h.target.processId}${image ? `  ${image}` : ''}${h.target.architecture ? `  (${h.target.architecture})` : ''}`],
      ['Producer', `${h.producer.tool} ${h.producer.version}`],
      ['Host', [h.host.platform, h.host.architecture, h.host.osVersion, h.host.osBuild ? `build ${h.host.osBuild}` : undefined, h.host.machineName].filter(Boolean).join(', ')],
      ['Started', h.capture.startedAt],
      ['Finished', archive.epilogue?.finishedAt],
      ['Preset', h.capture.preset],
      ['Capture flags', `${wrapNames(formatNamed('PSS_CAPTURE_FLAGS', h.capture.captureFlags).replace(/(^|\|)CAPTURE_/g, '$1'))} ${s.dim(`(0x${h.capture.captureFlags.toString(16)})`)}`],
      ['Context flags', contextFlags(h.capture.threadContextFlags, archive.contextArchitecture, s)],
      ['Redacted', h.redaction ? `${h.redaction.method} at ${h.redaction.redactedAt}: ${h.redaction.fields.join(', ')}${h.redaction.contextsDropped ? ' (thread contexts dropped)' : ''}` : undefined],
    ]).trimEnd(),
  )

  if (p) {
    const size = (v: bigint | undefined, peak?: bigint) => (v === undefined ? undefined : `${formatSize(v)}${peak !== undefined ? ` ${s.dim(`(peak ${formatSize(peak)})`)}` : ''}`)
    const priority = p.priorityClass === undefined ? undefined : `${PRIORITY_CLASSES[p.priorityClass] ?? `0x${p.priorityClass.toString(16)}`}${p.basePriority !== undefined ? `, base priority ${p.basePriority}` : ''}`
    lines.push('', s.bold('Process'))
    lines.push(
      block(
        [
          ['image', p.imageFileName],
          ['process id', p.processId?.toString()],
          ['parent pid', p.parentProcessId?.toString()],
          ['created', p.createTime !== undefined ? formatTime(p.createTime) || 'not set' : undefined],
          ['exited', p.exitTime ? formatTime(p.exitTime) : undefined],
          ['handles / threads', `${count(archive.handles.length)} / ${count(archive.threads.length)}`],
          ['priority class', priority],
          ['base priority', p.priorityClass === undefined ? p.basePriority?.toString() : undefined], // Linux: nice, no class
          ['private usage', size(p.privateUsage)],
          ['working set', size(p.workingSetSize, p.peakWorkingSetSize)],
          ['virtual size', size(p.virtualSize, p.peakVirtualSize)],
          ['pagefile usage', size(p.pagefileUsage, p.peakPagefileUsage)],
          ['page faults', p.pageFaultCount === undefined ? undefined : count(p.pageFaultCount)],
          ['cpu time', p.kernelTime !== undefined || p.userTime !== undefined ? `kernel ${formatDuration(p.kernelTime ?? 0n)}s, user ${formatDuration(p.userTime ?? 0n)}s` : undefined],
          ['flags', p.flags !== undefined ? formatNamed('PSS_PROCESS_FLAGS', p.flags) : undefined],
          ['exit status', p.exitStatus !== undefined && p.exitStatus !== 0x103 ? `0x${p.exitStatus.toString(16)}` : undefined],
        ],
        '  ',
        s,
      ).trimEnd(),
    )
  }

  // Sections: entries read, and what the trailer (or, without one, the header) says there should be.
  const names = archive.sectionNames.length ? archive.sectionNames : []
  const rows = (['handles', 'threads', 'vaSpace', 'auxiliaryPages'] as const)
    .filter((n) => names.includes(n) || headerExpected(archive, n) !== undefined)
    .map((n) => {
      const got = archive.section(n)!.length
      const expected = archive.trailer?.entryCounts[n] ?? (damaged ? headerExpected(archive, n) : undefined)
      return { n, got, expected }
    })
  lines.push('', s.bold('Sections'))
  if (rows.length === 0) lines.push('  none')
  const nameWidth = Math.max(...rows.map((r) => `${CLI_NAME[r.n]} (${r.n})`.length), 0)
  for (const r of rows) {
    const label = CLI_NAME[r.n] === r.n ? r.n : `${CLI_NAME[r.n]} (${r.n})`
    const missing = r.expected !== undefined && r.expected !== r.got
    lines.push(`  ${label.padEnd(nameWidth)}  ${count(r.got).padStart(7)}${missing ? s.red(` of ${count(r.expected!)} expected`) : ''}`)
  }

  const timings = archive.epilogue?.timings
  lines.push('')
  lines.push(
    block([
      ['Integrity', archive.ok && archive.trailer ? s.green('every checksum verified, nothing missing') : s.red(`${plural(archive.diagnostics.filter((d) => d.severity === 'error').length, 'error')}: see Diagnostics and Recovery below`)],
      ['Storage', `${plural(archive.frames.length, 'frame')}, ${compressed === 0 ? 'uncompressed' : compressed === archive.frames.length ? 'deflate' : `deflate (${compressed} of ${archive.frames.length} frames)`}`],
      ['Timings', timings && Object.keys(timings).length ? Object.entries(timings).map(([k, v]) => `${k.replace(/Ms$/, '')} ${Number(v.toFixed(3))} ms`).join(', ') : undefined],
      ['Performance', h.performanceCounters ? `total ${count(h.performanceCounters.totalCycleCount)} cycles, wall clock ${count(h.performanceCounters.totalWallClockPeriod)} (µs or 100 ns: the unit is documented inconsistently)` : undefined],
    ]).trimEnd(),
  )

  const errors = archive.captureErrors
  if (errors.length) {
    lines.push('', s.bold(`Capture errors (${errors.length})`))
    for (const e of errors) lines.push(`  ${CLI_NAME[e.section as SectionId] ?? e.section}: ${e.operation} failed with ${e.name ? `${e.name} (${e.code})` : `error ${e.code}`}: ${e.message}`)
  }
  if (archive.diagnostics.length) {
    lines.push('', s.bold(`Diagnostics (${archive.diagnostics.length})`))
    for (const d of archive.diagnostics) lines.push(`  ${diagnosticLine(d, s)}`)
  }
  const u = archive.unknown
  const unknownKinds = Object.entries(u.frameKinds)
  if (u.fields.length || u.sections.length || unknownKinds.length) {
    lines.push('', s.bold('Unknown content') + s.dim(' (from a newer writer; kept, not interpreted)'))
    if (u.sections.length) lines.push(`  sections: ${u.sections.join(', ')}`)
    if (unknownKinds.length) lines.push(`  frame kinds: ${unknownKinds.map(([k, n]) => `${k} (${n})`).join(', ')}`)
    if (u.fields.length) lines.push(`  fields: ${u.fields.join(', ')}`)
  }
  if (damaged) {
    const rec = recoveredBytes(archive)
    const lost = rows.filter((r) => r.expected !== undefined && r.expected !== r.got)
    lines.push('', s.bold('Recovery'))
    lines.push(`  recovered ${count(rec)} of ${count(archive.byteLength)} bytes (${percent(rec, archive.byteLength)}) in ${plural(archive.frames.filter((f) => f.ok).length, 'intact frame')}`)
    lines.push(`  entries read: ${rows.map((r) => `${CLI_NAME[r.n]} ${count(r.got)}${r.expected !== undefined ? ` of ${count(r.expected)}` : ''}`).join(', ') || 'none'}`)
    if (!archive.trailer) lines.push(s.dim(`  the trailer is missing: expected counts come from the header's query results${lost.length ? '' : ''}`))
    lines.push(s.dim(`  run 'pssnap validate ${path}' for the full report`))
  }
  await write(lines.join('\n') + '\n')
  return 0
}

// ---------------------------------------------------------------- handles, threads, regions, aux

function section(archive: Archive, id: SectionId) {
  return archive.section(id)! as unknown as { length: number; fields: string[]; forEach(v: (e: object, i: number) => void): void; [Symbol.iterator](): Iterator<object> }
}

export async function list(cliSection: string, args: Args): Promise<number> {
  setCommon(args)
  const id = sectionId(cliSection)!
  const where = str(args.where)
  // Syntax errors first: instant, before a large archive is read.
  const tree = where === undefined ? undefined : parseQuery(where)
  const limit = typeof args.limit === 'number' ? args.limit : undefined
  const archive = await openForCli(str(args.archive)!)
  const options = { section: id, ...(archive.contextArchitecture ? { contextArchitecture: archive.contextArchitecture } : {}) }
  const predicate: Predicate | undefined = tree && where !== undefined ? compileQuery(where, options) : undefined
  const sortKeys = str(args.sort) === undefined ? [] : parseSortKeys(str(args.sort)!)
  for (const k of sortKeys) resolveField(id, k.path, options) // unknown fields fail before any work
  const sec = section(archive, id)
  const groupBy = str(args['group-by'])
  const mode = args.json ? 'json' : args.ndjson ? 'ndjson' : args.csv ? 'csv' : 'table'
  const [one, many] = LABEL[id]
  const columns = groupBy === undefined && (mode === 'table' || mode === 'csv') ? selectColumns(id, str(args.columns), { ...options, present: sec.fields }) : []

  if (groupBy !== undefined) {
    const keyField = resolveField(id, groupBy, options)
    const sumField = str(args.sum) === undefined ? undefined : resolveField(id, str(args.sum)!, options)
    const matches = filterSection(sec, predicate)
    let groups = groupEntries(matches, keyField.path, { ...options, ...(sumField ? { sumPath: sumField.path } : {}) })
    const total = groups.length
    if (limit !== undefined) groups = groups.slice(0, limit)
    await renderGroups(id, keyField, sumField, groups, mode, { total, matched: matches.length, sectionLength: sec.length, where, one, many })
    return 0
  }

  // Every match is counted (for the footer); only the first `limit` are kept unless sorting needs all.
  let matched = 0
  let entries: object[] = []
  const keepAll = sortKeys.length > 0 || limit === undefined
  sec.forEach((e) => {
    if (predicate && !predicate(e)) return
    matched++
    if (keepAll || entries.length < limit!) entries.push(e)
  })
  if (sortKeys.length) entries = sortEntries(entries, sortKeys, options)
  if (limit !== undefined) entries = entries.slice(0, limit)

  const ctx = archive.contextArchitecture
  switch (mode) {
    case 'json': {
      const w = new BufferedWriter(stdoutOutput())
      await w.write(`{"schema":"pssnap.entries/1","section":${JSON.stringify(id)},"count":${entries.length},"entries":[`)
      for (let i = 0; i < entries.length; i++) await w.write(`${i ? ',' : ''}\n${JSON.stringify(entryToJson(id, entries[i]!, ctx ? { contextArchitecture: ctx } : {}))}`)
      await w.write(`${entries.length ? '\n' : ''}]}\n`)
      await w.flush()
      return 0
    }
    case 'ndjson': {
      const w = new BufferedWriter(stdoutOutput())
      for (const e of entries) await w.write(`${JSON.stringify(entryToJson(id, e, ctx ? { contextArchitecture: ctx } : {}))}\n`)
      await w.flush()
      return 0
    }
    case 'csv': {
      const w = new BufferedWriter(stdoutOutput())
      await w.write(csvRecord(columns.map((c) => c.label)))
      for (const e of entries) await w.write(csvRecord(csvCells(columns, e)))
      await w.flush()
      return 0
    }
    default: {
      const s = out()
      const layout = tableLayout(columns, entries)
      const w = new BufferedWriter(stdoutOutput())
      await w.write(`${s.bold(tableHeader(columns, layout))}\n`)
      for (const e of entries) await w.write(`${tableLine(layout, tableCells(columns, layout, e))}\n`)
      const summary =
        entries.length < matched
          ? `showing ${count(entries.length)} of ${count(matched)} ${where !== undefined ? `matching ${many} (${count(sec.length)} in the archive)` : many}`
          : where !== undefined
            ? `${count(matched)} of ${plural(sec.length, one, many)} match`
            : plural(sec.length, one, many)
      await w.write(`${s.dim(summary)}\n`)
      await w.flush()
      return 0
    }
  }
}

interface GroupContext {
  total: number
  matched: number
  sectionLength: number
  where: string | undefined
  one: string
  many: string
}

async function renderGroups(id: SectionId, key: FieldRef, sum: FieldRef | undefined, groups: ReturnType<typeof groupEntries>, mode: string, ctx: GroupContext): Promise<void> {
  const sumLabel = sum ? `sum(${sum.path})` : undefined
  const keyJson = (v: unknown) => (key.kind ? kindToJson(key.kind, v) : genericToJson(v))
  const sumJson = (v: unknown) => (sum?.kind ? kindToJson(sum.kind, v) : genericToJson(v))
  const groupJson = (g: (typeof groups)[number]) => ({ key: keyJson(g.key), count: g.count, ...(sum ? { sum: sumJson(g.sum) } : {}) })
  switch (mode) {
    case 'json':
      await write(pretty({ schema: 'pssnap.groups/1', section: id, groupBy: key.path, sum: sum?.path ?? null, count: groups.length, groups: groups.map(groupJson) }))
      return
    case 'ndjson':
      await write(groups.map((g) => `${JSON.stringify(groupJson(g))}\n`).join(''))
      return
    case 'csv':
      await write(csvRecord([key.path, 'count', ...(sumLabel ? [sumLabel] : [])]) + groups.map((g) => csvRecord([formatValue(key, g.key, { mode: 'csv' }), String(g.count), ...(sum ? [formatValue(sum, g.sum, { mode: 'csv' })] : [])])).join(''))
      return
    default: {
      const s = out()
      const countRef: FieldRef = { path: 'count', dtype: 'u32', kind: 'int', get: (g) => (g as { count: number }).count }
      const columns: TableColumn[] = [
        { label: key.path, field: { ...key, get: (g) => (g as { key: unknown }).key } },
        { label: 'count', field: countRef },
        ...(sum ? [{ label: sumLabel!, field: { ...sum, get: (g: object) => (g as { sum: unknown }).sum } }] : []),
      ]
      const table = renderTable(columns, tableRows(columns, groups), { header: s.bold })
      const shown = groups.length < ctx.total ? `showing ${count(groups.length)} of ${count(ctx.total)} groups` : plural(ctx.total, 'group')
      const of = ctx.where !== undefined ? `${count(ctx.matched)} matching ${ctx.many} (of ${count(ctx.sectionLength)})` : plural(ctx.sectionLength, ctx.one, ctx.many)
      await write(`${table}${s.dim(`${shown}, ${of}`)}\n`)
    }
  }
}

// ---------------------------------------------------------------- validate

const SECTION_ORDER = ['handles', 'threads', 'vaSpace', 'auxiliaryPages']

/** Known sections in the spec's order, then any others as found. */
function inSectionOrder<T>(entries: [string, T][]): [string, T][] {
  const rank = (k: string) => (SECTION_ORDER.includes(k) ? SECTION_ORDER.indexOf(k) : SECTION_ORDER.length)
  return entries.map((e, i) => ({ e, i })).sort((a, b) => rank(a.e[0]) - rank(b.e[0]) || a.i - b.i).map((x) => x.e)
}

/** What a newer writer added that this reader skipped, on one line (empty when nothing). */
function unknownSummary(u: { frameKinds: Record<number, number>; sections: string[]; fields: string[] }): string {
  const kinds = Object.entries(u.frameKinds)
  return [
    u.sections.length ? `sections ${u.sections.join(', ')}` : '',
    kinds.length ? `frame kinds ${kinds.map(([k, n]) => `${k} (${plural(n, 'frame')})`).join(', ')}` : '',
    u.fields.length ? `fields ${u.fields.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ')
}

export async function validate(args: Args): Promise<number> {
  setCommon(args)
  const path = str(args.archive)!
  const st = await stat(path)
  if (st.isDirectory()) throw new CliError('EISDIR', `'${path}' is a directory, not an archive`)
  const size = st.size
  const report = await validateArchiveFile(path)
  // A fatal problem (not an archive, damaged header) ends reading before the byte count is known.
  if (report.byteLength === 0) report.byteLength = size
  const version = report.version ? `${report.version.major}.${report.version.minor}` : null
  if (args.json) {
    await write(
      pretty({
        schema: 'pssnap.validate/1',
        ok: report.ok,
        formatVersion: version,
        byteLength: report.byteLength,
        recoveredBytes: report.recoveredBytes,
        complete: report.hasTrailer,
        entries: report.entries,
        frames: report.frames.map((f) => genericToJson(f)),
        diagnostics: report.diagnostics.map((d) => genericToJson(d)),
        unknown: genericToJson(report.unknown),
      }),
    )
    return report.ok ? 0 : 1
  }
  const s = out()
  const lines: string[] = []
  for (const d of report.diagnostics) lines.push(diagnosticLine(d, s))
  if (lines.length) lines.push('')
  const bad = report.frames.filter((f) => !f.ok).length
  // Sections of a newer minor are listed as unknown, not as recoverable with 0 entries.
  const known = Object.entries(report.entries).filter(([k]) => !report.unknown.sections.includes(k))
  const verdict = report.ok ? s.green('OK') : report.version ? s.red('DAMAGED') : s.red('NOT READABLE')
  lines.push(`${s.bold(basename(path))}: ${verdict}${version ? `, format ${version}` : ''}`)
  lines.push(
    block(
      [
        ['frames checked', `${count(report.frames.length)}${bad ? s.red(` (${bad} bad)`) : ''}${report.hasTrailer ? ', trailer present' : s.red(', no trailer')}`],
        ['recoverable', known.length ? inSectionOrder(known).map(([k, n]) => `${CLI_NAME[k as SectionId] ?? k} ${count(n)}`).join(', ') : 'no entries'],
        ['recovered bytes', `${count(report.recoveredBytes)} of ${count(report.byteLength)} (${percent(report.recoveredBytes, report.byteLength)})`],
        ['unknown', unknownSummary(report.unknown)],
        ['diagnostics', report.diagnostics.length ? ['error', 'warning', 'info'].map((sev) => [sev, report.diagnostics.filter((d) => d.severity === sev).length] as const).filter(([, n]) => n).map(([sev, n]) => plural(n, sev)).join(', ') : 'none'],
      ],
      '  ',
      s,
    ).trimEnd(),
  )
  await write(lines.join('\n') + '\n')
  return report.ok ? 0 : 1
}

// ---------------------------------------------------------------- export

export async function exportArchive(args: Args): Promise<number> {
  setCommon(args)
  const format = str(args.format) as 'json' | 'ndjson' | 'csv'
  const requested = str(args.section)
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean)
  const ids = requested?.map((name) => {
    const id = sectionId(name)
    if (!id) throw new CliError('BAD_SECTION', `unknown section '${name}': use handles, threads, regions or aux`)
    return id
  })
  const where = str(args.where)
  if (where !== undefined) parseQuery(where)
  const includeBlobs = Boolean(args['include-blobs'])

  const archive = await openForCli(str(args.archive)!)
  const ctx = archive.contextArchitecture
  const sections = ids ?? (archive.sectionNames as SectionId[])
  const options = { ...(ctx ? { contextArchitecture: ctx } : {}) }
  const predicate = where !== undefined ? compileQuery(where, { section: sections[0]!, ...options }) : undefined
  const jsonOptions = { ...options, ...(includeBlobs ? { includeBlobs: true } : {}) }
  const columns = format === 'csv' ? selectColumns(sections[0]!, str(args.columns) ?? 'all', { ...options, present: section(archive, sections[0]!).fields }) : []

  const target: Output = str(args.output) !== undefined ? fileOutput(str(args.output)!) : stdoutOutput()
  const w = new BufferedWriter(target)
  const each = async (id: SectionId, visit: (e: object) => Promise<void>) => {
    for (const e of section(archive, id)) if (!predicate || predicate(e)) await visit(e)
  }
  try {
    switch (format) {
      case 'json': {
        await w.write(`{"schema":"pssnap.export/1",\n"info":${JSON.stringify(archiveInfoToJson(archive))},\n"sections":{`)
        let firstSection = true
        for (const id of sections) {
          await w.write(`${firstSection ? '' : ','}\n${JSON.stringify(id)}:[`)
          firstSection = false
          let first = true
          await each(id, async (e) => {
            await w.write(`${first ? '' : ','}\n${JSON.stringify(entryToJson(id, e, jsonOptions))}`)
            first = false
          })
          await w.write(`${first ? '' : '\n'}]`)
        }
        await w.write(`${sections.length ? '\n' : ''}}}\n`)
        break
      }
      case 'ndjson':
        for (const id of sections) await each(id, (e) => w.write(`${JSON.stringify({ section: id, ...entryToJson(id, e, jsonOptions) })}\n`))
        break
      case 'csv':
        await w.write(csvRecord(columns.map((c) => c.label)))
        await each(sections[0]!, (e) => w.write(csvRecord(csvCells(columns, e, { includeBlobs }))))
        break
    }
    await w.flush()
    await target.close()
  } catch (error) {
    await target.abort()
    throw error
  }
  if (str(args.output) !== undefined && process.stderr.isTTY) {
    const n = sections.map((id) => `${CLI_NAME[id]} ${count(section(archive, id).length)}`).join(', ')
    process.stderr.write(`${styleFor(process.stderr, colorArg).dim(`wrote ${str(args.output)} (${format}${n ? `: ${n}` : ''})`)}\n`)
  }
  return 0
}
