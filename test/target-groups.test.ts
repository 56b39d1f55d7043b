// `trend` of a folder and `diff` of two folders group archives by target (reader/target-groups.ts), issue 13:
// on real Linux processes, a `capture --tree` set taken twice (a parent, a child leaking fds on a schedule and an
// idle child): each process is diffed with itself and trended on its own, the capture sets read are named,
// a process on one side only is listed and not dropped; the rule (pid + create time + image) on hand-made headers.
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Archive } from '../reader/archive.js'
import { openArchiveFile } from '../reader/node.js'
import { captureSetsOf, groupByTarget, pairByTarget } from '../reader/target-groups.js'
import { runCli } from './helpers/cli.js'

const linux = process.platform === 'linux'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('the grouping rule (hand-made headers)', () => {
  const archive = (processId: number, imagePath: string | undefined, createTime: bigint | undefined, startedAt: string, set?: string): Archive =>
    ({
      header: {
        target: { processId, ...(imagePath !== undefined ? { imagePath } : {}) },
        capture: { startedAt },
        ...(createTime !== undefined ? { processInformation: { createTime } } : {}),
        ...(set ? { captureSet: { id: set, kind: 'tree' } } : {}),
      },
    }) as unknown as Archive
  it('same pid, create time and image (any case) is one target; a restart, a recycled pid or another image is another', () => {
    const inputs = [
      archive(10, 'C:\\App\\a.exe', 5n, '2026-12-01T00:00:02Z', 's1'),
      archive(10, 'c:\\app\\A.EXE', 5n, '2026-12-01T00:00:01Z', 's2'),
      archive(10, 'C:\\App\\a.exe', 6n, '2026-12-01T00:00:03Z', 's2'), // restarted under the same pid
      archive(10, 'C:\\App\\b.exe', 5n, '2026-12-01T00:00:04Z'), // another program
      archive(11, 'C:\\App\\a.exe', 5n, '2026-12-01T00:00:00Z'),
      archive(10, undefined, undefined, '2026-12-01T00:00:05Z'), // says neither: only its like
    ].map((a, i) => ({ archive: a, item: i }))
    const groups = groupByTarget(inputs)
    expect(groups.map((g) => g.members.map((m) => m.item))).toEqual([[4], [1, 0], [2], [3], [5]])
    expect(groups[1]!.captureSets).toEqual([
      { id: 's2', kind: 'tree', archives: 1 },
      { id: 's1', kind: 'tree', archives: 1 },
    ])
    expect(captureSetsOf(inputs.map((i) => i.archive))).toEqual([
      { id: 's1', kind: 'tree', archives: 1 },
      { id: 's2', kind: 'tree', archives: 2 },
      { id: null, kind: null, archives: 3 },
    ])
    const other = groupByTarget([{ archive: archive(10, 'C:\\APP\\A.exe', 5n, '2026-12-01T00:01:00Z'), item: 9 }, { archive: archive(12, 'x', 1n, '2026-12-01T00:01:00Z'), item: 8 }])
    const p = pairByTarget(groups, other)
    expect(p.pairs.map((x) => [x.before.members.map((m) => m.item), x.after.members.map((m) => m.item)])).toEqual([[[1, 0], [9]]])
    expect(p.onlyBefore.map((g) => g.members[0]!.item)).toEqual([4, 2, 3, 5])
    expect(p.onlyAfter.map((g) => g.members[0]!.item)).toEqual([8])
  })
})

const PARENT = `
const { spawn } = require('node:child_process')
const leaker = spawn(process.execPath, ['-e', "const fs = require('node:fs'); const k = []; setInterval(() => k.push(fs.openSync('/dev/null', 'r')), 100)"], { stdio: 'ignore' })
const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
process.stdout.write(JSON.stringify({ leaker: leaker.pid, idle: idle.pid }) + '\\n')
setInterval(() => {}, 1000)
`

interface GroupsDoc {
  schema: string
  groupedBy: string
  captureSets: { id: string | null; kind: string | null; archives: number }[]
  groups: { target: { processId: number; imagePath: string | null; createTime: unknown }; archives: string[]; captureSets: { id: string }[]; trend: { schema: string; points: { processId: number }[]; totals: { metric: string; net: number }[] } }[]
}
interface DiffGroupsDoc {
  schema: string
  before: { path: string; captureSets: { id: string }[] }
  after: { path: string; captureSets: { id: string }[] }
  pairs: { target: { processId: number }; before: string; after: string; diff: { schema: string; before: { processId: number }; after: { processId: number }; counters: { name: string; delta: number | string }[] } }[]
  onlyBefore: { target: { processId: number }; archives: string[] }[]
  onlyAfter: { target: { processId: number }; archives: string[] }[]
}

describe.skipIf(!linux)('trend and diff of capture --tree folders (real processes)', () => {
  let dir: string
  let parent: ChildProcess
  let pids: { parent: number; leaker: number; idle: number }
  const sets: Record<string, string> = {}

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pssnap-target-groups-'))
    parent = spawn(process.execPath, ['-e', PARENT], { stdio: ['ignore', 'pipe', 'inherit'] })
    const line = await new Promise<string>((resolve, reject) => {
      parent.stdout!.once('data', (d: Buffer) => resolve(String(d)))
      parent.once('exit', (code) => reject(new Error(`parent exited (${code})`)))
    })
    pids = { parent: parent.pid!, ...(JSON.parse(line) as { leaker: number; idle: number }) }
    await sleep(300)
    for (const name of ['A', 'B']) {
      const r = await runCli('capture', String(pids.parent), '--tree', '-o', join(dir, name))
      expect(r.code, r.stderr).toBe(0)
      sets[name] = /capture set ([0-9a-f]{32})/.exec(r.stderr)![1]!
      await sleep(1000)
    }
    // The idle child exits: the third set lacks it.
    process.kill(pids.idle, 'SIGKILL')
    await sleep(300)
    const r = await runCli('capture', String(pids.parent), '--tree', '-o', join(dir, 'C'))
    expect(r.code, r.stderr).toBe(0)
    sets.C = /capture set ([0-9a-f]{32})/.exec(r.stderr)![1]!
  }, 90_000)
  afterAll(() => {
    parent?.kill('SIGKILL')
    for (const pid of [pids?.leaker, pids?.idle]) {
      try {
        if (pid) process.kill(pid, 'SIGKILL')
      } catch {
        // gone already
      }
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('diff of two folders diffs each process with itself and names both capture sets', async () => {
    const r = await runCli('diff', join(dir, 'A'), join(dir, 'B'), '--json')
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout) as DiffGroupsDoc
    expect(doc.schema).toBe('pssnap.diff-groups/1')
    expect(doc.before.captureSets.map((s) => s.id)).toEqual([sets.A])
    expect(doc.after.captureSets.map((s) => s.id)).toEqual([sets.B])
    expect(doc.pairs.map((p) => p.target.processId).sort()).toEqual([pids.parent, pids.leaker, pids.idle].sort())
    for (const p of doc.pairs) {
      expect(p.diff.schema).toBe('pssnap.diff/1')
      expect([p.diff.before.processId, p.diff.after.processId]).toEqual([p.target.processId, p.target.processId])
      expect(p.before).toMatch(new RegExp(`_${p.target.processId}_`))
      expect(p.after).toMatch(new RegExp(`_${p.target.processId}_`))
    }
    // Counters are decimal strings in pssnap.diff/1 (64-bit values).
    const handles = (pid: number) => Number(doc.pairs.find((p) => p.target.processId === pid)!.diff.counters.find((c) => c.name === 'handles')!.delta)
    // The leaker opens one fd every 100 ms; the idle child opens none.
    expect(handles(pids.leaker)).toBeGreaterThanOrEqual(5)
    expect(handles(pids.idle)).toBe(0)
    expect(doc.onlyBefore).toEqual([])
    expect(doc.onlyAfter).toEqual([])
    // A gate is checked in every pair: the leaker crosses it.
    const gated = await runCli('diff', join(dir, 'A'), join(dir, 'B'), '--fail-on', 'handles+3')
    expect(gated.code).toBe(3)
    expect(gated.stderr).toContain(`GATE_CROSSED - pid ${pids.leaker} `)
    expect(gated.stderr).not.toContain(`GATE_CROSSED - pid ${pids.idle} `)
  }, 60_000)

  it('a process in one folder only is listed, on stdout and stderr, never dropped', async () => {
    const r = await runCli('diff', join(dir, 'A'), join(dir, 'C'), '--json')
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout) as DiffGroupsDoc
    expect(doc.pairs.map((p) => p.target.processId).sort()).toEqual([pids.parent, pids.leaker].sort())
    expect(doc.onlyBefore.map((g) => g.target.processId)).toEqual([pids.idle])
    expect(doc.onlyBefore[0]!.archives).toEqual(readdirSync(join(dir, 'A')).filter((f) => f.includes(`_${pids.idle}_`)))
    expect(doc.onlyAfter).toEqual([])
    expect(r.stderr).toContain(`UNPAIRED - pid ${pids.idle} `)
    const text = await runCli('diff', join(dir, 'A'), join(dir, 'C'))
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/^2 processes in both folders, each diffed with itself/)
    expect(text.stdout).toContain(`not compared: pid ${pids.idle} `)
    expect(text.stdout).toContain(`capture set ${sets.C} (targets), 2 archives`)
    expect((await runCli('diff', join(dir, 'A'), join(dir, 'C'), '--csv')).stderr).toMatch(/^SEVERAL_TARGETS - /)
  }, 60_000)

  it('trend of a folder holding two capture sets: one series and verdict per process, the sets named', async () => {
    const mixed = join(dir, 'mixed')
    mkdirSync(mixed)
    for (const name of ['A', 'B']) for (const f of readdirSync(join(dir, name))) copyFileSync(join(dir, name, f), join(mixed, f))
    const r = await runCli('trend', mixed, '--json')
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout) as GroupsDoc
    expect(doc.schema).toBe('pssnap.trend-groups/1')
    expect(doc.groupedBy).toBe('processId + createTime + imagePath')
    expect(doc.captureSets.map((s) => [s.id, s.archives]).sort()).toEqual([[sets.A, 3], [sets.B, 3]].sort())
    expect(doc.groups.map((g) => g.target.processId).sort()).toEqual([pids.parent, pids.leaker, pids.idle].sort())
    for (const g of doc.groups) {
      expect(g.trend.schema).toBe('pssnap.trend/2')
      expect(g.trend.points.map((p) => p.processId)).toEqual([g.target.processId, g.target.processId])
      expect(g.captureSets.map((s) => s.id)).toEqual([sets.A, sets.B])
      // Every archive of the group is of its process (the name carries the pid) and read from the header too.
      for (const a of g.archives) expect((await openArchiveFile(join(mixed, a))).header.target.processId).toBe(g.target.processId)
    }
    const net = (pid: number) => doc.groups.find((g) => g.target.processId === pid)!.trend.totals.find((t) => t.metric === 'handles')!.net
    expect(net(pids.leaker)).toBeGreaterThanOrEqual(5)
    expect(net(pids.idle)).toBe(0)
    const text = await runCli('trend', mixed)
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/^3 processes in 6 archives, one series each/)
    expect(text.stdout).toContain(`read: capture set ${sets.A} (targets), 3 archives`)
    expect(text.stdout.match(/^Verdict: /gm)).toHaveLength(3)
    expect(text.stdout).toContain(`── 1 of 3: pid `)
    expect((await runCli('trend', mixed, '--csv')).stderr).toMatch(/^SEVERAL_TARGETS - the archives are of 3 processes/)
    // The same archives named one by one are one series, as before, with the loud identity warnings.
    const files = readdirSync(mixed).map((f) => join(mixed, f))
    const flatRun = await runCli('trend', ...files, '--json')
    const flat = JSON.parse(flatRun.stdout) as { schema: string; warnings: { code: string }[] }
    expect(flat.schema).toBe('pssnap.trend/2')
    expect(flat.warnings.map((w) => w.code)).toContain('PID_DIFFERS')
    // …and the capture sets they come from are said.
    expect(flatRun.stderr).toContain(`note: one series of 2 capture sets: ${sets.A} (targets) ×3, ${sets.B} (targets) ×3`)
  }, 60_000)
})
