// The commands behind cli/main.ts: each opens the archive, calls the library (reader/), renders.
// Loaded only when a command runs.
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Diagnostic } from '../format/errors.js'
import type { Archive } from '../reader/archive.js'
import { archiveInfoToJson, genericToJson, kindToJson, type Json } from '../reader/json.js'
import { validateArchiveFile } from '../reader/node-files.js'
import { resolveField, sectionId, type FieldRef, type SectionId } from '../reader/access.js'
import { archiveDamage, damageLine, KNOWN_SECTIONS, sectionCaptured, type ArchiveDamage } from '../reader/damage.js'
import { safeText } from '../reader/display.js'
import { archiveMemorySummary } from '../reader/memory.js'
import { entryJsonText } from '../reader/json-text.js'
// The query engine (and re2js, 150 KB) is imported by the verbs that query, when they run: info and validate
// start without compiling it (bench (f)).
import type { groupEntries, Predicate } from '../reader/query.js'
import { csvCells, csvRecord, type CsvOptions, fitLayout, formatDuration, formatNamed, formatSize, formatTime, formatValue, renderTable, selectColumns, tableCells, tableHeader, tableLayout, tableLine, tableRows, type TableColumn } from '../reader/text.js'
import { BufferedWriter, CliError, count, outputTarget, plural, stdoutOutput, styleFor, type Output, type Style } from './io.js'
import { cliDecodeOptions } from './decode-limit.js'
import { openForCli } from './open.js'
import { tableWidth } from './width.js'
import { linuxProcessRows } from './linux-process-info.js'

type Args = Record<string, unknown>

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** How the CLI names each section in messages. */
const LABEL: Readonly<Record<SectionId, [string, string]>> = {
  handles: ['handle', 'handles'],
  threads: ['thread', 'threads'],
  vaSpace: ['region', 'regions'],
  auxiliaryPages: ['auxiliary page', 'auxiliary pages'],
}
/** The CLI's name of each archive section; a Map, because the names looked up come from archives (`constructor`). */
const CLI_NAME = new Map<string, string>([
  ['handles', 'handles'],
  ['threads', 'threads'],
  ['vaSpace', 'regions'],
  ['auxiliaryPages', 'aux'],
])
/** A section name from an archive as the CLI shows it: its CLI name when known, else escaped and cut. */
const cliName = (section: string): string => CLI_NAME.get(section) ?? safeText(section, { max: NAME_DISPLAY_LENGTH })

/** Code points of an archive-supplied name (section, field, key) shown in a list before it is cut. */
const NAME_DISPLAY_LENGTH = 128
/** Items of an archive-supplied list (unknown names, capture errors, diagnostics) shown by `info` before `… and n more`. */
const LIST_DISPLAY_ITEMS = 50

/** An archive string for a person: escaped and cut (reader/display.ts). Undefined stays undefined. */
const shown = (text: string | undefined, max?: number): string | undefined => (text === undefined ? undefined : safeText(text, max === undefined ? {} : { max }))

/** At most LIST_DISPLAY_ITEMS archive names, each escaped and cut, then how many were left out. */
function shownList(names: readonly string[], separator = ', '): string {
  const head = names.slice(0, LIST_DISPLAY_ITEMS).map((n) => safeText(n, { max: NAME_DISPLAY_LENGTH }))
  return head.join(separator) + (names.length > head.length ? `${separator}… and ${count(names.length - head.length)} more` : '')
}

/**
 * Opens an archive for a reading verb and says on stderr, before any result, when it is damaged or
 * incomplete (reader/damage.ts), so partial output is never taken for the whole capture.
 */
async function openReporting(path: string): Promise<{ archive: Archive; damage: ArchiveDamage }> {
  const archive = await openForCli(path)
  const damage = archiveDamage(archive)
  const line = damageLine(damage, safeText(path))
  if (line) process.stderr.write(`${styleFor(process.stderr, colorArg).yellow(line)}\n`)
  return { archive, damage }
}

/** The exit status of a reading verb that succeeded: 1 with --strict when its input was damaged. */
const exitFor = (args: Args, damage: ArchiveDamage): number => (args.strict === true && !damage.complete ? 1 : 0)

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
const PRIORITY_CLASSES = new Map<number, string>([
  [0x20, 'NORMAL'],
  [0x40, 'IDLE'],
  [0x80, 'HIGH'],
  [0x100, 'REALTIME'],
  [0x4000, 'BELOW_NORMAL'],
  [0x8000, 'ABOVE_NORMAL'],
])

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
  // Messages quote names from the archive (unknown keys, columns, sections): escaped when shown.
  return `${sev} ${safeText(d.code, { max: NAME_DISPLAY_LENGTH })} - ${safeText(d.message)}${where ? ` (${where})` : ''}`
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

/** What a Linux capture read, in /proc's terms (its PSS flags are a translation: spec/LINUX.md §2). */
function linuxCaptured(archive: Archive): string {
  const read: string[] = []
  if (sectionCaptured(archive, 'handles')) read.push('fds (fd/, fdinfo)')
  if (sectionCaptured(archive, 'threads')) read.push('threads (task/)')
  if (sectionCaptured(archive, 'vaSpace')) read.push(archive.vaSpace.fields.includes('residentSize') ? 'memory maps with RSS/PSS/swap (smaps)' : 'memory maps (maps)')
  return read.length ? read.join(', ') : 'process information only'
}

/** CONTEXT_* flags are per architecture; only the x64 names are known (format/names.ts). */
function contextFlags(flags: number, arch: string | undefined, s: Style): string {
  if (!flags) return 'none'
  const hex = `0x${flags.toString(16)}`
  const names = arch === 'x64' || arch === undefined ? `${formatNamed('CONTEXT_FLAGS_X64', flags).replace(/\|/g, ' ')} ${s.dim(`(${hex})`)}` : hex
  return `${names}${arch ? `, ${safeText(arch, { max: NAME_DISPLAY_LENGTH })} context records` : ''}`
}

export async function info(args: Args): Promise<number> {
  setCommon(args)
  const path = str(args.archive)!
  const { archive, damage } = await openReporting(path)
  if (args.json) {
    await write(pretty({ ...archiveInfoToJson(archive), damage }))
    return exitFor(args, damage)
  }
  const s = out()
  const h = archive.header
  const p = h.processInformation
  const damaged = !damage.complete
  // A Linux archive is shown in Linux terms (spec/LINUX.md): fds, VmData/VmRSS/VmSwap, nice; no PSS flag names.
  const linux = h.host.platform === 'linux'
  const lines: string[] = []

  const state = !archive.trailer ? s.red('incomplete (no trailer)') : !archive.ok ? s.red('damaged') : s.green('complete')
  lines.push(`${s.bold(safeText(basename(path)))}: pssnap archive, format ${archive.version.major}.${archive.version.minor}, ${formatSize(archive.byteLength)}, ${state}`)
  lines.push('')

  const image = shown(h.target.imagePath ?? p?.imageFileName)
  const compressed = archive.frames.filter((f) => f.codec !== 0).length
  lines.push(
    block([
      ['Target', `pid ${h.target.processId}${image ? `  ${image}` : ''}${h.target.architecture ? `  (${shown(h.target.architecture, NAME_DISPLAY_LENGTH)})` : ''}`],
      ['Producer', `${shown(h.producer.tool, NAME_DISPLAY_LENGTH)} ${shown(h.producer.version, NAME_DISPLAY_LENGTH)}`],
      ['Host', [h.host.platform, h.host.architecture, h.host.osVersion, h.host.osBuild ? `build ${h.host.osBuild}` : undefined, h.host.machineName].filter(Boolean).map((v) => safeText(v!, { max: NAME_DISPLAY_LENGTH })).join(', ')],
      ['Started', shown(h.capture.startedAt, NAME_DISPLAY_LENGTH)],
      ['Finished', shown(archive.epilogue?.finishedAt, NAME_DISPLAY_LENGTH)],
      ['Preset', shown(h.capture.preset, NAME_DISPLAY_LENGTH)],
      ...(linux
        ? ([['Captured', linuxCaptured(archive)]] as const)
        : ([
            ['Capture flags', `${wrapNames(formatNamed('PSS_CAPTURE_FLAGS', h.capture.captureFlags).replace(/(^|\|)CAPTURE_/g, '$1'))} ${s.dim(`(0x${h.capture.captureFlags.toString(16)})`)}`],
            ['Context flags', contextFlags(h.capture.threadContextFlags, archive.contextArchitecture, s)],
          ] as const)),
      // Archives written together (several targets, a watched series) share an id (spec/ARCHIVE.md §3.4).
      ['Capture set', h.captureSet ? [shown(h.captureSet.id, 64), h.captureSet.kind !== undefined ? shown(h.captureSet.kind, NAME_DISPLAY_LENGTH) : undefined, h.captureSet.index !== undefined ? `#${h.captureSet.index + 1}${h.captureSet.size !== undefined ? ` of ${h.captureSet.size}` : ''}` : undefined, h.captureSet.root !== undefined ? `tree of pid ${h.captureSet.root}` : undefined, h.captureSet.trigger !== undefined ? `trigger: ${shown(h.captureSet.trigger, 200)}` : undefined].filter(Boolean).join(', ') : undefined],
      ['Redacted', h.redaction ? `${shown(h.redaction.method, NAME_DISPLAY_LENGTH)} at ${shown(h.redaction.redactedAt, NAME_DISPLAY_LENGTH)}: ${shownList(h.redaction.fields)}${h.redaction.contextsDropped ? ' (thread contexts dropped)' : ''}` : undefined],
    ]).trimEnd(),
  )

  if (p) {
    const size = (v: bigint | undefined, peak?: bigint) => (v === undefined ? undefined : `${formatSize(v)}${peak !== undefined ? ` ${s.dim(`(peak ${formatSize(peak)})`)}` : ''}`)
    const priority = p.priorityClass === undefined ? undefined : `${PRIORITY_CLASSES.get(p.priorityClass) ?? `0x${p.priorityClass.toString(16)}`}${p.basePriority !== undefined ? `, base priority ${p.basePriority}` : ''}`
    lines.push('', s.bold('Process'))
    lines.push(
      block(
        [
          ['image', shown(p.imageFileName)],
          ['process id', p.processId?.toString()],
          ['parent pid', p.parentProcessId?.toString()],
          ['created', p.createTime !== undefined ? formatTime(p.createTime) || 'not set' : undefined],
          ['exited', p.exitTime ? formatTime(p.exitTime) : undefined],
          // Absent is not zero: a section the capture did not ask for is "not captured".
          [linux ? 'fds / threads' : 'handles / threads', `${sectionCaptured(archive, 'handles') ? count(archive.handles.length) : 'not captured'} / ${sectionCaptured(archive, 'threads') ? count(archive.threads.length) : 'not captured'}`],
          ['priority class', priority],
          [linux ? 'nice' : 'base priority', p.priorityClass === undefined ? p.basePriority?.toString() : undefined], // Linux: nice, no class
          [linux ? 'private (VmData)' : 'private usage', size(p.privateUsage)],
          [linux ? 'resident (VmRSS)' : 'working set', size(p.workingSetSize, p.peakWorkingSetSize)],
          [linux ? 'virtual (VmSize)' : 'virtual size', size(p.virtualSize, p.peakVirtualSize)],
          [linux ? 'swap (VmSwap)' : 'pagefile usage', size(p.pagefileUsage, p.peakPagefileUsage)],
          ['page faults', p.pageFaultCount === undefined ? undefined : count(p.pageFaultCount)],
          ['cpu time', p.kernelTime !== undefined || p.userTime !== undefined ? `kernel ${formatDuration(p.kernelTime ?? 0n)}s, user ${formatDuration(p.userTime ?? 0n)}s` : undefined],
          ['flags', p.flags !== undefined ? formatNamed('PSS_PROCESS_FLAGS', p.flags) : undefined],
          ['exit status', p.exitStatus !== undefined && p.exitStatus !== 0x103 ? `0x${p.exitStatus.toString(16)}` : undefined],
          // Format 1.2 Linux captures: command line, cwd, user, limits (spec/LINUX.md §9.5).
          ...(h.linuxProcess ? linuxProcessRows(h.linuxProcess) : []),
        ],
        '  ',
        s,
      ).trimEnd(),
    )
  }

  // Sections: entries read, and what the trailer (or, without one, the header) says there should be.
  const rows = KNOWN_SECTIONS.filter((n) => Object.hasOwn(damage.sections, n)).map((n) => {
    const { entriesRead: got, entriesExpected } = damage.sections[n]!
    return { n, got, expected: entriesExpected ?? undefined }
  })
  lines.push('', s.bold('Sections'))
  if (rows.length === 0) lines.push('  none')
  const sectionLabel = (n: string) => (linux && n === 'handles' ? 'handles (fds)' : cliName(n) === n ? n : `${cliName(n)} (${n})`)
  const nameWidth = Math.max(...rows.map((r) => sectionLabel(r.n).length), 0)
  for (const r of rows) {
    const label = sectionLabel(r.n)
    const missing = r.expected !== undefined && r.expected !== r.got
    lines.push(`  ${label.padEnd(nameWidth)}  ${count(r.got).padStart(7)}${missing ? s.red(` of ${count(r.expected!)} expected`) : ''}`)
  }
  // Memory pssnap read (--memory, format 1.2): how much, and from where. PSS's own pages are the aux line above.
  const memory = archiveMemorySummary(archive)
  if (memory && memory.sources.stack + memory.sources.range + memory.sources.other > 0) {
    const from = [memory.sources.stack ? `stacks of ${plural(memory.stackThreads, 'thread')}` : '', memory.sources.range ? `${plural(memory.sources.range, 'requested range')}` : '', memory.sources.pss ? `${plural(memory.sources.pss, 'PSS page')}` : '', memory.sources.other ? `${plural(memory.sources.other, 'range')} of another source` : ''].filter(Boolean).join(', ')
    lines.push(`  memory: ${plural(memory.ranges, 'range')}, ${formatSize(memory.bytes)} (${from})`)
  }

  const timings = archive.epilogue?.timings
  lines.push('')
  lines.push(
    block([
      ['Integrity', archive.ok && archive.trailer ? s.green('every checksum verified, nothing missing') : s.red(`${plural(archive.diagnostics.filter((d) => d.severity === 'error').length, 'error')}: see Diagnostics and Recovery below`)],
      ['Storage', `${plural(archive.frames.length, 'frame')}, ${compressed === 0 ? 'uncompressed' : compressed === archive.frames.length ? 'deflate' : `deflate (${compressed} of ${archive.frames.length} frames)`}`],
      ['Timings', timings && Object.keys(timings).length ? shownList(Object.entries(timings).map(([k, v]) => `${k.replace(/Ms$/, '')} ${Number(v.toFixed(3))} ms`)) : undefined],
      ['Performance', h.performanceCounters ? `total ${count(h.performanceCounters.totalCycleCount)} cycles, wall clock ${count(h.performanceCounters.totalWallClockPeriod)} (µs or 100 ns: the unit is documented inconsistently)` : undefined],
    ]).trimEnd(),
  )

  const errors = archive.captureErrors
  const more = (total: number, what: string) => (total > LIST_DISPLAY_ITEMS ? [s.dim(`  … and ${count(total - LIST_DISPLAY_ITEMS)} more ${what} (see --json)`)] : [])
  if (errors.length) {
    lines.push('', s.bold(`Capture errors (${errors.length})`))
    for (const e of errors.slice(0, LIST_DISPLAY_ITEMS)) lines.push(`  ${cliName(e.section)}: ${safeText(e.operation, { max: NAME_DISPLAY_LENGTH })} failed with ${e.name ? `${safeText(e.name, { max: NAME_DISPLAY_LENGTH })} (${e.code})` : `error ${e.code}`}: ${safeText(e.message)}`)
    lines.push(...more(errors.length, 'capture errors'))
  }
  if (archive.diagnostics.length) {
    lines.push('', s.bold(`Diagnostics (${archive.diagnostics.length})`))
    for (const d of archive.diagnostics.slice(0, LIST_DISPLAY_ITEMS)) lines.push(`  ${diagnosticLine(d, s)}`)
    lines.push(...more(archive.diagnostics.length, 'diagnostics'))
  }
  const u = archive.unknown
  const unknownKinds = Object.entries(u.frameKinds)
  if (u.fields.length || u.sections.length || unknownKinds.length) {
    lines.push('', s.bold('Unknown content') + s.dim(' (from a newer writer; kept, not interpreted)'))
    if (u.sections.length) lines.push(`  sections: ${shownList(u.sections)}`)
    if (unknownKinds.length) lines.push(`  frame kinds: ${shownList(unknownKinds.map(([k, n]) => `${k} (${n})`))}`)
    if (u.fields.length) lines.push(`  fields: ${shownList(u.fields)}`)
  }
  if (damaged) {
    const rec = recoveredBytes(archive)
    const lost = rows.filter((r) => r.expected !== undefined && r.expected !== r.got)
    lines.push('', s.bold('Recovery'))
    lines.push(`  recovered ${count(rec)} of ${count(archive.byteLength)} bytes (${percent(rec, archive.byteLength)}) in ${plural(archive.frames.filter((f) => f.ok).length, 'intact frame')}`)
    lines.push(`  entries read: ${rows.map((r) => `${cliName(r.n)} ${count(r.got)}${r.expected !== undefined ? ` of ${count(r.expected)}` : ''}`).join(', ') || 'none'}`)
    if (!archive.trailer) lines.push(s.dim(`  the trailer is missing: expected counts come from the header's query results${lost.length ? '' : ''}`))
    lines.push(s.dim(`  run 'pssnap validate ${safeText(path)}' for the full report`))
  }
  await write(lines.join('\n') + '\n')
  return exitFor(args, damage)
}

// ---------------------------------------------------------------- handles, threads, regions, aux

function section(archive: Archive, id: SectionId) {
  return archive.section(id)! as unknown as { length: number; fields: string[]; forEach(v: (e: object, i: number) => void): void; [Symbol.iterator](): Iterator<object> }
}

export async function list(cliSection: string, args: Args): Promise<number> {
  setCommon(args)
  const { compileQuery, groupEntries, parseGroupSortKeys, parseQuery, parseSortKeys, sortEntries, sortGroups } = await import('../reader/query.js')
  const id = sectionId(cliSection)!
  const where = str(args.where)
  // Syntax errors first: instant, before a large archive is read.
  const tree = where === undefined ? undefined : parseQuery(where)
  const limit = typeof args.limit === 'number' ? args.limit : undefined
  const path = str(args.archive)!
  const { archive, damage } = await openReporting(path)
  const captured = sectionCaptured(archive, id)
  const csv = { raw: args['csv-raw'] === true, terminal: process.stdout.isTTY === true }
  const options = { section: id, ...(archive.contextArchitecture ? { contextArchitecture: archive.contextArchitecture } : {}) }
  const predicate: Predicate | undefined = tree && where !== undefined ? compileQuery(where, options) : undefined
  const groupBy = str(args['group-by'])
  // With --group-by, --sort orders the groups (count, sum, key); otherwise it names entry fields.
  const sortKeys = str(args.sort) === undefined || groupBy !== undefined ? [] : parseSortKeys(str(args.sort)!)
  for (const k of sortKeys) resolveField(id, k.path, options) // unknown fields fail before any work
  const sec = section(archive, id)
  const mode = args.json ? 'json' : args.ndjson ? 'ndjson' : args.csv ? 'csv' : 'table'
  const [one, many] = archive.header.host.platform === 'linux' && id === 'handles' ? ['fd', 'fds'] : LABEL[id]
  // Absent is not zero: a section the capture did not ask for is said so, not listed as empty.
  if (!captured && mode !== 'table') process.stderr.write(`note: ${safeText(path)} holds no ${many}: they were not captured\n`)
  const incomplete = captured && Object.hasOwn(damage.sections, id) && !damage.sections[id]!.complete ? damage.sections[id]! : undefined
  const columns = groupBy === undefined && (mode === 'table' || mode === 'csv') ? selectColumns(id, str(args.columns), { ...options, present: sec.fields, platform: archive.header.host.platform, forTable: mode === 'table' }) : []

  if (groupBy !== undefined) {
    const keyField = resolveField(id, groupBy, options)
    const sumField = str(args.sum) === undefined ? undefined : resolveField(id, str(args.sum)!, options)
    const groupSort = str(args.sort) === undefined ? [] : parseGroupSortKeys(str(args.sort)!, keyField.path, sumField !== undefined)
    // The matches are grouped as they are read, never all kept (a 1M-entry section is 100+ MB of rows).
    let matched = 0
    const matches = {
      *[Symbol.iterator]() {
        for (const e of sec) {
          if (predicate && !predicate(e)) continue
          matched++
          yield e
        }
      },
    }
    let groups = groupEntries(matches, keyField.path, { ...options, ...(sumField ? { sumPath: sumField.path } : {}) })
    if (groupSort.length) groups = sortGroups(groups, groupSort)
    const total = groups.length
    if (limit !== undefined) groups = groups.slice(0, limit)
    await renderGroups(id, keyField, sumField, groups, mode, { total, matched, sectionLength: sec.length, where, one, many, captured, damage, csv, maxWidth: tableWidth(args) })
    return exitFor(args, damage)
  }

  // Every match is counted (for the footer). Sorting needs every match kept; otherwise the rows are built again
  // on each pass (table layout, then lines) instead of kept: a 1M-entry section from a 1 MB archive would hold
  // 100+ MB of row objects, past the reading budget (spec/ARCHIVE.md §2.4).
  let matched = 0
  let shown: number
  let entries: Iterable<object>
  if (sortKeys.length) {
    const kept: object[] = []
    sec.forEach((e) => {
      if (!predicate || predicate(e)) kept.push(e)
    })
    matched = kept.length
    const sorted = sortEntries(kept, sortKeys, options)
    entries = limit === undefined ? sorted : sorted.slice(0, limit)
    shown = limit === undefined ? sorted.length : Math.min(limit, sorted.length)
  } else {
    if (predicate) sec.forEach((e) => void (predicate(e) && matched++))
    else matched = sec.length
    const rows = limit === undefined ? matched : Math.min(limit, matched)
    shown = rows
    entries = {
      *[Symbol.iterator]() {
        if (rows === 0) return
        let n = 0
        for (const e of sec) {
          if (predicate && !predicate(e)) continue
          yield e
          if (++n >= rows) return
        }
      },
    }
  }

  const ctx = archive.contextArchitecture
  switch (mode) {
    case 'json': {
      const w = new BufferedWriter(stdoutOutput())
      await w.write(`{"schema":"pssnap.entries/1","section":${JSON.stringify(id)},"captured":${captured},"damage":${JSON.stringify(damage)},"count":${shown},"entries":[`)
      let i = 0
      const jsonOptions = ctx ? { contextArchitecture: ctx } : {}
      for (const e of entries) {
        const p = w.write(`${i++ ? ',' : ''}\n${entryJsonText(id, e, jsonOptions)}`)
        if (p) await p
      }
      await w.write(`${shown ? '\n' : ''}]}\n`)
      await w.flush()
      return exitFor(args, damage)
    }
    case 'ndjson': {
      const w = new BufferedWriter(stdoutOutput())
      const jsonOptions = ctx ? { contextArchitecture: ctx } : {}
      for (const e of entries) {
        const p = w.write(`${entryJsonText(id, e, jsonOptions)}\n`)
        if (p) await p
      }
      await w.flush()
      return exitFor(args, damage)
    }
    case 'csv': {
      const w = new BufferedWriter(stdoutOutput())
      await w.write(csvRecord(columns.map((c) => c.label), csv))
      for (const e of entries) {
        const p = w.write(csvRecord(csvCells(columns, e), csv))
        if (p) await p
      }
      await w.flush()
      return exitFor(args, damage)
    }
    default: {
      const s = out()
      if (!captured) {
        const how = archive.header.host.platform === 'linux' ? `preset ${safeText(archive.header.capture.preset ?? 'unknown', { max: NAME_DISPLAY_LENGTH })}` : `capture flags 0x${archive.header.capture.captureFlags.toString(16)}`
        await write(`${s.dim(`${many} not captured in this archive (${how})`)}\n`)
        return exitFor(args, damage)
      }
      const layout = fitLayout(tableLayout(columns, entries), columns, tableWidth(args))
      const w = new BufferedWriter(stdoutOutput())
      await w.write(`${s.bold(tableHeader(columns, layout))}\n`)
      for (const e of entries) {
        const p = w.write(`${tableLine(layout, tableCells(columns, layout, e))}\n`)
        if (p) await p
      }
      const summary =
        shown < matched
          ? `showing ${count(shown)} of ${count(matched)} ${where !== undefined ? `matching ${many} (${count(sec.length)} in the archive)` : many}`
          : where !== undefined
            ? `${count(matched)} of ${plural(sec.length, one, many)} match`
            : plural(sec.length, one, many)
      await w.write(`${s.dim(summary)}${incomplete ? s.red(` ${incompleteNote(incomplete)}`) : ''}\n`)
      await w.flush()
      return exitFor(args, damage)
    }
  }
}

/** `(incomplete: 185 of 200 entries read)`: what a table's footer adds when its section is damaged. */
function incompleteNote(section: { entriesRead: number; entriesExpected: number | null }): string {
  if (section.entriesExpected === null) return '(incomplete: the archive is damaged, the full count is unknown)'
  if (section.entriesRead > section.entriesExpected) return `(inconsistent: ${count(section.entriesRead)} entries read, ${count(section.entriesExpected)} expected)`
  return `(incomplete: ${count(section.entriesRead)} of ${count(section.entriesExpected)} entries read)`
}

interface GroupContext {
  total: number
  matched: number
  sectionLength: number
  where: string | undefined
  one: string
  many: string
  captured: boolean
  damage: ArchiveDamage
  csv: CsvOptions
  maxWidth: number | undefined
}

async function renderGroups(id: SectionId, key: FieldRef, sum: FieldRef | undefined, groups: ReturnType<typeof groupEntries>, mode: string, ctx: GroupContext): Promise<void> {
  const sumLabel = sum ? `sum(${sum.path})` : undefined
  const keyJson = (v: unknown) => (key.kind ? kindToJson(key.kind, v) : genericToJson(v))
  const sumJson = (v: unknown) => (sum?.kind ? kindToJson(sum.kind, v) : genericToJson(v))
  const groupJson = (g: (typeof groups)[number]) => ({ key: keyJson(g.key), count: g.count, ...(sum ? { sum: sumJson(g.sum) } : {}) })
  switch (mode) {
    case 'json':
      await write(pretty({ schema: 'pssnap.groups/1', section: id, captured: ctx.captured, damage: ctx.damage, groupBy: key.path, sum: sum?.path ?? null, count: groups.length, groups: groups.map(groupJson) }))
      return
    case 'ndjson':
      await write(groups.map((g) => `${JSON.stringify(groupJson(g))}\n`).join(''))
      return
    case 'csv':
      const csv = ctx.csv
      await write(csvRecord([key.path, 'count', ...(sumLabel ? [sumLabel] : [])], csv) + groups.map((g) => csvRecord([formatValue(key, g.key, { mode: 'csv' }), String(g.count), ...(sum ? [formatValue(sum, g.sum, { mode: 'csv' })] : [])], csv)).join(''))
      return
    default: {
      const s = out()
      if (!ctx.captured) {
        await write(`${s.dim(`${ctx.many} not captured in this archive`)}\n`)
        return
      }
      const countRef: FieldRef = { path: 'count', dtype: 'u32', kind: 'int', get: (g) => (g as { count: number }).count }
      const columns: TableColumn[] = [
        { label: key.path, field: { ...key, get: (g) => (g as { key: unknown }).key } },
        { label: 'count', field: countRef },
        ...(sum ? [{ label: sumLabel!, field: { ...sum, get: (g: object) => (g as { sum: unknown }).sum } }] : []),
      ]
      const table = renderTable(columns, tableRows(columns, groups), { header: s.bold, maxWidth: ctx.maxWidth })
      const shown = groups.length < ctx.total ? `showing ${count(groups.length)} of ${count(ctx.total)} groups` : plural(ctx.total, 'group')
      const of = ctx.where !== undefined ? `${count(ctx.matched)} matching ${ctx.many} (of ${count(ctx.sectionLength)})` : plural(ctx.sectionLength, ctx.one, ctx.many)
      const section = Object.hasOwn(ctx.damage.sections, id) ? ctx.damage.sections[id]! : undefined
      await write(`${table}${s.dim(`${shown}, ${of}`)}${section && !section.complete ? s.red(` ${incompleteNote(section)}`) : ''}\n`)
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
    u.sections.length ? `sections ${shownList(u.sections)}` : '',
    kinds.length ? `frame kinds ${shownList(kinds.map(([k, n]) => `${k} (${plural(n, 'frame')})`))}` : '',
    u.fields.length ? `fields ${shownList(u.fields)}` : '',
  ]
    .filter(Boolean)
    .join('; ')
}

export async function validate(args: Args): Promise<number> {
  setCommon(args)
  const path = str(args.archive)!
  const st = await stat(path)
  if (st.isDirectory()) throw new CliError('EISDIR', `'${safeText(path)}' is a directory, not an archive`)
  const size = st.size
  const report = await validateArchiveFile(path, cliDecodeOptions())
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
  lines.push(`${s.bold(safeText(basename(path)))}: ${verdict}${version ? `, format ${version}` : ''}`)
  lines.push(
    block(
      [
        ['frames checked', `${count(report.frames.length)}${bad ? s.red(` (${bad} bad)`) : ''}${report.hasTrailer ? ', trailer present' : s.red(', no trailer')}`],
        ['recoverable', known.length ? inSectionOrder(known).map(([k, n]) => `${cliName(k)} ${count(n)}`).join(', ') : 'no entries'],
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
  const { compileQuery, parseQuery } = await import('../reader/query.js')
  if (where !== undefined) parseQuery(where)
  const includeBlobs = Boolean(args['include-blobs'])

  const { archive, damage } = await openReporting(str(args.archive)!)
  const csv = { raw: args['csv-raw'] === true, terminal: str(args.output) === undefined && process.stdout.isTTY === true }
  const ctx = archive.contextArchitecture
  const sections = ids ?? (archive.sectionNames as SectionId[])
  // Absent is not zero: an empty export of a section the capture never asked for says so.
  for (const id of sections) if (!sectionCaptured(archive, id)) process.stderr.write(`note: ${safeText(str(args.archive)!)} holds no ${LABEL[id][1]}: they were not captured\n`)
  const options = { ...(ctx ? { contextArchitecture: ctx } : {}) }
  const predicate = where !== undefined ? compileQuery(where, { section: sections[0]!, ...options }) : undefined
  const jsonOptions = { ...options, ...(includeBlobs ? { includeBlobs: true } : {}) }
  const columns = format === 'csv' ? selectColumns(sections[0]!, str(args.columns) ?? 'all', { ...options, present: section(archive, sections[0]!).fields, platform: archive.header.host.platform }) : []

  const target: Output = await outputTarget(str(args.output), { force: args.force === true, inputs: [str(args.archive)!] })
  const w = new BufferedWriter(target)
  // A promise only when the writer flushes: a million entries are not a million awaits.
  const each = async (id: SectionId, visit: (e: object) => Promise<void> | undefined) => {
    for (const e of section(archive, id)) {
      if (predicate && !predicate(e)) continue
      const p = visit(e)
      if (p) await p
    }
  }
  try {
    switch (format) {
      case 'json': {
        await w.write(`{"schema":"pssnap.export/1",\n"damage":${JSON.stringify(damage)},\n"info":${JSON.stringify(archiveInfoToJson(archive))},\n"sections":{`)
        let firstSection = true
        for (const id of sections) {
          await w.write(`${firstSection ? '' : ','}\n${JSON.stringify(id)}:[`)
          firstSection = false
          let first = true
          await each(id, (e) => {
            const p = w.write(`${first ? '' : ','}\n${entryJsonText(id, e, jsonOptions)}`)
            first = false
            return p
          })
          await w.write(`${first ? '' : '\n'}]`)
        }
        await w.write(`${sections.length ? '\n' : ''}}}\n`)
        break
      }
      case 'ndjson':
        // `{"section":…,` then the entry's members: rows never hold a member named `section` (known fields only).
        for (const id of sections) {
          const head = `{"section":${JSON.stringify(id)}`
          await each(id, (e) => {
            const text = entryJsonText(id, e, jsonOptions)
            return w.write(`${head}${text.length > 2 ? `,${text.slice(1)}` : '}'}\n`)
          })
        }
        break
      case 'csv':
        await w.write(csvRecord(columns.map((c) => c.label), csv))
        await each(sections[0]!, (e) => w.write(csvRecord(csvCells(columns, e, { includeBlobs }), csv)))
        break
    }
    await w.flush()
    await target.close()
  } catch (error) {
    await target.abort()
    throw error
  }
  if (str(args.output) !== undefined && str(args.output) !== '-' && process.stderr.isTTY) {
    const n = sections.map((id) => `${cliName(id)} ${count(section(archive, id).length)}`).join(', ')
    process.stderr.write(`${styleFor(process.stderr, colorArg).dim(`wrote ${safeText(str(args.output)!)} (${format}${n ? `: ${n}` : ''})`)}\n`)
  }
  return exitFor(args, damage)
}
