// `pssnap trend <dir>`: a folder `pssnap watch` or `capture --all/--tree` wrote may hold archives of several
// processes (one capture set, or several). They are grouped by target (reader/target-groups.ts: pid, create time
// and image), and each target gets its own series and verdict, named by its pid and image; the capture sets read
// are said. One series of two processes would be a silent wrong answer.
import { basename } from 'node:path'
import { trendToCsvRows, trendToJson } from '../reader/diff-json.js'
import { safeText } from '../reader/display.js'
import { kindToJson, type Json } from '../reader/json.js'
import { csvRecord } from '../reader/text.js'
import { groupByTarget, captureSetsOf, type CaptureSetUse, type TargetGroup } from '../reader/target-groups.js'
import { trendArchives, type TrendResult } from '../reader/trend.js'
import type { SnapshotIdentity } from '../reader/diff.js'
import type { Archive } from '../reader/archive.js'
import { renderTrend, reportDamage } from './diff.js'
import { CliError, count, plural, stdoutOutput, styleFor, type Style } from './io.js'
import { openForCli } from './open.js'

type Args = Record<string, unknown>

/** How a capture set is named to people: its id and kind, or that the archives carry none. */
export function captureSetText(s: CaptureSetUse): string {
  return s.id === null ? `no capture set (${plural(s.archives, 'archive')})` : `capture set ${safeText(s.id)}${s.kind ? ` (${safeText(s.kind)})` : ''}, ${plural(s.archives, 'archive')}`
}

/** `pid 1234 /usr/bin/node`: a target as a heading names it. */
export function targetText(t: SnapshotIdentity): string {
  return `pid ${t.processId}${t.imagePath !== undefined ? ` ${safeText(t.imagePath)}` : ''}`
}

export function targetToJson(t: SnapshotIdentity): { [key: string]: Json } {
  return { processId: t.processId, imagePath: t.imagePath ?? null, createTime: t.createTime === undefined ? null : kindToJson('time', t.createTime) }
}

export function captureSetToJson(s: CaptureSetUse): { [key: string]: Json } {
  return { id: s.id, kind: s.kind, archives: s.archives }
}

/** The rule, as the outputs state it. */
export const GROUPING_RULE = 'processId + createTime + imagePath'

export async function trendByTarget(args: Args, paths: readonly string[]): Promise<number> {
  const opened: { archive: Archive; item: string }[] = []
  for (const path of paths) opened.push({ archive: await openForCli(path), item: path })
  const groups = groupByTarget(opened)
  const sets = captureSetsOf(opened.map((o) => o.archive))
  const options = {
    ...(typeof args['min-snapshots'] === 'number' ? { minSnapshots: args['min-snapshots'] } : {}),
    ...(typeof args['min-span'] === 'number' ? { minSpanSeconds: args['min-span'] } : {}),
  }
  const trends = groups.map((g) => ({ group: g, result: trendArchives(g.members.map((m) => ({ archive: m.archive, label: basename(m.item) })), options) }))
  const err = styleFor(process.stderr, typeof args.color === 'boolean' ? args.color : undefined)
  let damaged = false
  for (const { group, result } of trends) {
    if (reportDamage(result.points.map((p) => ({ damage: p.damage, path: group.members[p.index]!.item })), err)) damaged = true
    for (const w of result.warnings) process.stderr.write(`${err.yellow(err.bold('warning'))} ${w.code} - ${safeText(result.points[w.point]?.label ?? String(w.point))}: ${safeText(w.message)}\n`)
  }
  const out = stdoutOutput()
  if (args.csv) {
    // One CSV table has one set of point columns: a table per target would not be one CSV.
    if (groups.length > 1) throw new CliError('SEVERAL_TARGETS', `the archives are of ${groups.length} processes (${groups.map((g) => targetText(g.target)).join('; ')}): --csv takes one process's series; use --json, or give one process's archives`)
    await out.write(trendToCsvRows(trends[0]!.result).map((r) => csvRecord(r, { raw: args['csv-raw'] === true, terminal: process.stdout.isTTY === true })).join(''))
  } else if (args.json) {
    const doc = {
      schema: 'pssnap.trend-groups/1',
      groupedBy: GROUPING_RULE,
      captureSets: sets.map(captureSetToJson),
      groups: trends.map(({ group, result }) => ({
        target: targetToJson(group.target),
        archives: result.points.map((p) => p.label ?? null),
        captureSets: group.captureSets.map(captureSetToJson),
        trend: trendToJson(result),
      })),
    }
    await out.write(`${JSON.stringify(doc, null, 2)}\n`)
  } else await out.write(renderGroups(trends, sets, styleFor(process.stdout, typeof args.color === 'boolean' ? args.color : undefined)))
  return args.strict === true && damaged ? 1 : 0
}

function renderGroups(trends: readonly { group: TargetGroup<string>; result: TrendResult }[], sets: readonly CaptureSetUse[], s: Style): string {
  const lines = [
    `${plural(trends.length, 'process', 'processes')} in ${plural(trends.reduce((n, t) => n + t.group.members.length, 0), 'archive')}, one series each (same process: ${GROUPING_RULE})`,
    ...sets.map((x) => `  read: ${captureSetText(x)}`),
  ]
  trends.forEach(({ group, result }, i) => {
    lines.push('', s.bold(`── ${i + 1} of ${count(trends.length)}: ${targetText(group.target)} — ${group.captureSets.map(captureSetText).join('; ')}`), '')
    lines.push(renderTrend(result, s).trimEnd())
  })
  return `${lines.join('\n')}\n`
}
