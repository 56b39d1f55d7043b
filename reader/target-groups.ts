// Archives of several processes side by side (a folder `pssnap watch` or `capture --all/--tree` wrote, several of
// them sharing a capture-set id, spec/ARCHIVE.md §3.4) grouped by the process they are of, so that `trend` never
// makes one series of two processes and `diff` of two folders compares each process with itself.
//
// The rule (spec/JSON.md "Grouping by target"): two archives are of the same target when their process id, their
// process create time (processInformation.createTime; on Linux the process's start time, which equals in every
// capture of one process run) and their image path (target.imagePath, else processInformation.imageFileName,
// compared ignoring case as Windows paths are) are equal, a missing value equalling only a missing value. So a
// restarted process (same name, new pid or new create time) and a recycled pid are other targets. Platform-free.
import type { Archive } from './archive.js'
import { snapshotIdentity, type SnapshotIdentity } from './diff.js'

export interface Grouped<T> {
  readonly archive: Archive
  /** The caller's item (a path, a label…). */
  readonly item: T
}

/** A capture set the inputs hold (`id: null`: archives written without one, by `capture` of one process). */
export interface CaptureSetUse {
  readonly id: string | null
  /** `series`, `tree`, `all`, `pids`… as written (open set); null when the archives do not say. */
  readonly kind: string | null
  readonly archives: number
}

export interface TargetGroup<T> {
  readonly key: string
  /** The target as the group's first archive (in capture order) names it. */
  readonly target: SnapshotIdentity
  /** In capture order (capture.startedAt, then input order). */
  readonly members: readonly Grouped<T>[]
  readonly captureSets: readonly CaptureSetUse[]
}

/** The grouping key of an archive's target (see the rule above). */
export function targetKey(archive: Archive): string {
  const id = snapshotIdentity(archive)
  return `${id.processId}\u0000${id.createTime ?? '-'}\u0000${id.imagePath === undefined ? '-' : `=${id.imagePath.toLowerCase()}`}`
}

/** The capture sets of these archives, in order of first appearance, with how many archives each holds. */
export function captureSetsOf(archives: Iterable<Archive>): CaptureSetUse[] {
  const sets = new Map<string, { id: string | null; kind: string | null; archives: number }>()
  for (const a of archives) {
    const s = a.header.captureSet
    const k = s ? `=${s.id}` : '-'
    const use = sets.get(k) ?? { id: s?.id ?? null, kind: s?.kind ?? null, archives: 0 }
    use.archives++
    sets.set(k, use)
  }
  return [...sets.values()]
}

const timeOf = (a: Archive) => {
  const t = Date.parse(a.header.capture.startedAt)
  return Number.isFinite(t) ? t : Infinity
}

/** The inputs grouped by target; groups ordered by their first capture, then process id. Linear after one sort. */
export function groupByTarget<T>(inputs: readonly Grouped<T>[]): TargetGroup<T>[] {
  const order = inputs.map((g, i) => ({ g, i, t: timeOf(g.archive) })).sort((x, y) => x.t - y.t || x.i - y.i)
  const groups = new Map<string, Grouped<T>[]>()
  for (const { g } of order) {
    const k = targetKey(g.archive)
    const list = groups.get(k)
    if (list) list.push(g)
    else groups.set(k, [g])
  }
  return [...groups.entries()].map(([key, members]) => ({ key, target: snapshotIdentity(members[0]!.archive), members, captureSets: captureSetsOf(members.map((m) => m.archive)) }))
}

/** Two folders' groups paired by target: each pair is (before, after); the ones on one side only are listed. */
export interface TargetPairing<T> {
  readonly pairs: readonly { readonly before: TargetGroup<T>; readonly after: TargetGroup<T> }[]
  readonly onlyBefore: readonly TargetGroup<T>[]
  readonly onlyAfter: readonly TargetGroup<T>[]
}

export function pairByTarget<T>(before: readonly TargetGroup<T>[], after: readonly TargetGroup<T>[]): TargetPairing<T> {
  const afterByKey = new Map(after.map((g) => [g.key, g]))
  const pairs: { before: TargetGroup<T>; after: TargetGroup<T> }[] = []
  const onlyBefore: TargetGroup<T>[] = []
  for (const b of before) {
    const a = afterByKey.get(b.key)
    if (a) pairs.push({ before: b, after: a })
    else onlyBefore.push(b)
  }
  const paired = new Set(pairs.map((p) => p.after.key))
  return { pairs, onlyBefore, onlyAfter: after.filter((g) => !paired.has(g.key)) }
}
