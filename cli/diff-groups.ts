// `pssnap diff <dirA> <dirB>`: two folders of archives (before and after of `capture --tree`, `--all`, or two
// watches) hold one archive per process, or several. The archives are grouped by target on each side
// (reader/target-groups.ts: pid, create time and image) and each target found on both sides is diffed with
// itself: the newest archive of it in A against the newest in B (the number of others is said). Targets on one
// side only are listed, on stdout and stderr, never dropped. Exit 3 when a --fail-on gate is crossed in any
// pair, else 4 when one could not be checked in any pair.
import { basename } from 'node:path'
import type { Archive } from '../reader/archive.js'
import { checkFailOn, uncheckedGates, type Gate } from '../reader/diff-gates.js'
import { DIFF_CSV_COLUMNS, diffToCsvRows, diffToLazyJson } from '../reader/diff-json.js'
import { diffArchives, type ArchiveDiff } from '../reader/diff.js'
import { safeText } from '../reader/display.js'
import type { LazyJson } from '../reader/json-stream.js'
import { prettyJson } from '../reader/json-stream.js'
import { captureSetsOf, groupByTarget, pairByTarget, type CaptureSetUse, type TargetGroup } from '../reader/target-groups.js'
import { csvRecord } from '../reader/text.js'
import { expandArchivePaths } from './archive-dir.js'
import { DEFAULT_ROWS, EXIT_GATE_CROSSED, EXIT_GATE_NOT_COMPARABLE, renderDiff, reportDamage, warningLines } from './diff.js'
import { BufferedWriter, CliError, count, plural, stdoutOutput, styleFor } from './io.js'
import { openForCli } from './open.js'
import { captureSetText, captureSetToJson, GROUPING_RULE, targetText, targetToJson } from './trend-groups.js'

type Args = Record<string, unknown>

interface Side {
  path: string
  groups: TargetGroup<string>[]
  sets: CaptureSetUse[]
}

async function side(path: string): Promise<Side> {
  const opened: { archive: Archive; item: string }[] = []
  for (const p of await expandArchivePaths([path])) opened.push({ archive: await openForCli(p), item: p })
  return { path, groups: groupByTarget(opened), sets: captureSetsOf(opened.map((o) => o.archive)) }
}

const newest = (g: TargetGroup<string>) => g.members[g.members.length - 1]!

export async function diffByTarget(args: Args, pathA: string, pathB: string, gates: readonly Gate[]): Promise<number> {
  const [a, b] = [await side(pathA), await side(pathB)]
  const pairing = pairByTarget(a.groups, b.groups)
  const limit = typeof args.limit === 'number' ? args.limit : undefined
  const color = typeof args.color === 'boolean' ? args.color : undefined
  const err = styleFor(process.stderr, color)
  const pairs = pairing.pairs.map((p) => {
    const [before, after] = [newest(p.before), newest(p.after)]
    const result = diffArchives(before.archive, after.archive)
    return { ...p, beforeFile: before, afterFile: after, result, crossed: checkFailOn(result, gates), unchecked: uncheckedGates(result, gates) }
  })
  const unpairedCount = pairing.onlyBefore.length + pairing.onlyAfter.length
  // One CSV table is one pair's rows: refused before anything is said about the pairs.
  if (args.csv && (pairs.length !== 1 || unpairedCount)) throw new CliError('SEVERAL_TARGETS', `the folders hold ${plural(pairs.length, 'pair')} and ${plural(unpairedCount, 'unpaired process', 'unpaired processes')}: --csv takes one pair; use --json or the table`)
  let damaged = false
  for (const p of pairs) {
    if (reportDamage([{ damage: p.result.damage.before, path: p.beforeFile.item }, { damage: p.result.damage.after, path: p.afterFile.item }], err)) damaged = true
  }
  const unpaired = [...pairing.onlyBefore.map((g) => ({ g, where: `only in ${pathA}` })), ...pairing.onlyAfter.map((g) => ({ g, where: `only in ${pathB}` }))]
  for (const { g, where } of unpaired) process.stderr.write(`${err.yellow(err.bold('warning'))} UNPAIRED - ${targetText(g.target)} is ${safeText(where)} (${plural(g.members.length, 'archive')}): not compared\n`)
  if (!pairs.length) process.stderr.write(`${err.yellow(err.bold('warning'))} NO_PAIRS - no process is in both ${safeText(pathA)} and ${safeText(pathB)} (same process: ${GROUPING_RULE})\n`)

  const w = new BufferedWriter(stdoutOutput())
  const put = async (text: string) => {
    const p = w.write(text)
    if (p) await p
  }
  if (args.csv) {
    await put([DIFF_CSV_COLUMNS, ...diffToCsvRows(pairs[0]!.result, limit !== undefined ? { limit } : {})].map((r) => csvRecord(r, { raw: args['csv-raw'] === true, terminal: process.stdout.isTTY === true })).join(''))
  } else if (args.json) {
    for (const p of pairs) for (const line of warningLines(p.result.warnings, err)) process.stderr.write(`${targetText(p.before.target)}: ${line}\n`)
    const json = (d: ArchiveDiff, p: (typeof pairs)[number]): LazyJson => {
      const ctx = p.afterFile.archive.contextArchitecture ?? p.beforeFile.archive.contextArchitecture
      return diffToLazyJson(d, { ...(limit !== undefined ? { limit } : {}), ...(gates.length ? { crossed: p.crossed, unchecked: p.unchecked } : {}), ...(ctx ? { contextArchitecture: ctx } : {}) })
    }
    const group = (g: TargetGroup<string>) => ({ target: targetToJson(g.target), archives: g.members.map((m) => basename(m.item)), captureSets: g.captureSets.map(captureSetToJson) })
    const doc: LazyJson = {
      schema: 'pssnap.diff-groups/1',
      groupedBy: GROUPING_RULE,
      before: { path: pathA, captureSets: a.sets.map(captureSetToJson) },
      after: { path: pathB, captureSets: b.sets.map(captureSetToJson) },
      pairs: pairs.map((p) => ({
        target: targetToJson(p.before.target),
        before: basename(p.beforeFile.item),
        after: basename(p.afterFile.item),
        beforeArchives: p.before.members.length,
        afterArchives: p.after.members.length,
        diff: json(p.result, p),
      })),
      onlyBefore: pairing.onlyBefore.map(group),
      onlyAfter: pairing.onlyAfter.map(group),
    }
    for (const piece of prettyJson(doc)) await put(piece)
    await put('\n')
  } else {
    const s = styleFor(process.stdout, color)
    const rows = limit ?? (args.details ? undefined : DEFAULT_ROWS)
    await put(`${plural(pairs.length, 'process', 'processes')} in both folders, each diffed with itself (same process: ${GROUPING_RULE})\n`)
    for (const [label, x] of [['before', a], ['after', b]] as const) await put(`  ${label}: ${safeText(x.path)} — ${x.sets.map(captureSetText).join('; ')}\n`)
    for (const { g, where } of unpaired) await put(`  ${s.yellow('not compared')}: ${targetText(g.target)}, ${safeText(where)} (${plural(g.members.length, 'archive')})\n`)
    for (const [i, p] of pairs.entries()) {
      const others = (n: number, where: string) => (n > 1 ? `; the newest of its ${count(n)} archives in ${safeText(where)}` : '')
      await put(`\n${s.bold(`── ${i + 1} of ${count(pairs.length)}: ${targetText(p.before.target)}`)}${others(p.before.members.length, pathA)}${others(p.after.members.length, pathB)}\n`)
      for (const piece of renderDiff(p.result, basename(p.beforeFile.item), basename(p.afterFile.item), rows, Boolean(args.details), s)) {
        for (const line of typeof piece === 'string' ? [piece] : piece()) await put(`${line}\n`)
      }
    }
  }
  await w.flush()
  let crossed = 0
  let unchecked = 0
  for (const p of pairs) {
    for (const c of p.crossed) process.stderr.write(`${err.red('GATE_CROSSED')} - ${targetText(p.before.target)}: ${safeText(c.message)}\n`)
    for (const u of p.unchecked) process.stderr.write(`${err.red('GATE_NOT_COMPARABLE')} - ${targetText(p.before.target)}: ${safeText(u.message)}\n`)
    crossed += p.crossed.length
    unchecked += p.unchecked.length
  }
  if (args.strict === true && damaged) return 1
  return crossed ? EXIT_GATE_CROSSED : unchecked ? EXIT_GATE_NOT_COMPARABLE : 0
}
