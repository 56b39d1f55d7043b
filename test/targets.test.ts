// Many targets (issue 13 item 2): a process tree on real Linux processes (checked against ps(1)'s --ppid),
// every process of a name, several pids with one that exits first; the Windows path against the fake's
// process table (a tree by parent pid, a name in any case). Each archive is its own, all share one capture set.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { copyFileSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { openArchiveFile } from '../reader/node.js'
import { MemorySink } from '../format/index.js'
import { openArchive, redactArchive } from '../reader/index.js'
import { captureTargets, resolveTargets } from '../capture/targets.js'

const linux = process.platform === 'linux'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const children: ChildProcess[] = []

/** ps(1)'s view of the descendants of `pid` (breadth first), a listing pssnap did not produce. */
function psDescendants(pid: number): number[] {
  const out: number[] = []
  const queue = [pid]
  while (queue.length) {
    const p = queue.shift()!
    let text = ''
    try {
      text = execFileSync('ps', ['-o', 'pid=', '--ppid', String(p)], { encoding: 'utf8' })
    } catch {
      // ps exits 1 when nothing matches
    }
    for (const c of text.split('\n').map((s) => s.trim()).filter(Boolean).map(Number)) {
      out.push(c)
      queue.push(c)
    }
  }
  return out
}

describe.skipIf(!linux)('many targets on real processes (Linux)', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pssnap-targets-'))
  })
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL')
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('--tree: a shell with two children and a grandchild gives those four pids, as ps --ppid lists them; one archive each, one set', async () => {
    const root = spawn('bash', ['-c', 'sleep 30 & bash -c "sleep 31 & sleep 32; wait" & wait'], { stdio: 'ignore' })
    children.push(root)
    // Until bash has started everything (two sleeps under the inner bash).
    for (let i = 0; i < 50 && psDescendants(root.pid!).length < 4; i++) await sleep(100)
    const expected = psDescendants(root.pid!)
    expect(expected).toHaveLength(4)
    const targets = await resolveTargets({ targets: [String(root.pid)], tree: true })
    expect(targets.map((t) => t.processId).sort()).toEqual([root.pid!, ...expected].sort())
    expect(targets[0]!.processId).toBe(root.pid)
    const out = await mkdtemp(join(dir, 'tree-'))
    const result = await captureTargets(targets, out, { preset: 'minimal', root: root.pid! })
    expect(result.captures.every((c) => c.path !== undefined)).toBe(true)
    expect(readdirSync(out)).toHaveLength(5)
    const archives = await Promise.all(result.captures.map((c) => openArchiveFile(c.path!)))
    expect(archives.map((a) => a.header.target.processId)).toEqual(targets.map((t) => t.processId))
    expect(archives.map((a) => a.header.captureSet)).toEqual(targets.map((_, index) => ({ id: result.captureSetId, kind: 'targets', index, size: 5, root: root.pid })))
    expect(archives.every((a) => a.version.minor === 2)).toBe(true)
    // Parent links in the archives agree with the tree.
    for (const a of archives.slice(1)) expect(targets.map((t) => t.processId)).toContain(a.header.processInformation?.parentProcessId)
  }, 30_000)

  it('a name designates every process of that name; several pids with one gone before its turn: the others are captured', async () => {
    const name = `pt${process.pid % 100000}x${Date.now() % 1000}`
    const exe = join(dir, name)
    copyFileSync('/bin/sleep', exe)
    const procs = [0, 1, 2].map(() => spawn(exe, ['30'], { stdio: 'ignore' }))
    children.push(...procs)
    await sleep(300)
    const named = await resolveTargets({ targets: [name] })
    expect(named.map((t) => t.processId).sort()).toEqual(procs.map((p) => p.pid!).sort())
    await expect(resolveTargets({ targets: [`${name}-none`] })).rejects.toMatchObject({ code: 'NO_SUCH_PROCESS' })

    const targets = await resolveTargets({ targets: procs.map((p) => p.pid!) })
    procs[1]!.kill('SIGKILL')
    await new Promise((r) => procs[1]!.once('exit', r))
    const out = await mkdtemp(join(dir, 'pids-'))
    const result = await captureTargets(targets, out, { preset: 'minimal' })
    expect(result.captures.map((c) => [c.processId, c.path !== undefined, c.error?.code])).toEqual([
      [procs[0]!.pid, true, undefined],
      [procs[1]!.pid, false, 'NO_SUCH_PROCESS'],
      [procs[2]!.pid, true, undefined],
    ])
    expect(readdirSync(out)).toHaveLength(2)
    const sets = await Promise.all(result.captures.filter((c) => c.path).map(async (c) => (await openArchiveFile(c.path!)).header.captureSet))
    expect(sets).toEqual([
      { id: result.captureSetId, kind: 'targets', index: 0, size: 3 },
      { id: result.captureSetId, kind: 'targets', index: 2, size: 3 },
    ])
  }, 30_000)
})

describe('many targets on the Windows path (fake PSS library)', () => {
  const library = inject('fakePssLibrary') ?? process.env.PSSNAP_FAKE_PSS
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pssnap-targets-win-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('a tree by parent pid from Toolhelp32 and a name in any case, captured through PSS with one set', async () => {
    const withFake = { pssLibrary: library! }
    const tree = await resolveTargets({ targets: ['1000'], tree: true }, withFake)
    // The fake's table: explorer.exe 1000 → notepad.exe 4242 → app-😀.exe 31337; 1000 → ドキュメント.exe 5150.
    expect(tree.map((t) => t.processId)).toEqual([1000, 4242, 5150, 31337])
    expect((await resolveTargets({ targets: ['SVCHOST'] }, withFake)).map((t) => t.processId)).toEqual([612, 808])
    // The fake opens its notepad (4242) and that one's child (31337); a pid it has no process for is refused
    // as Windows refuses one (5150: NO_SUCH_PROCESS in its place, the others captured).
    const result = await captureTargets([...(await resolveTargets({ targets: ['4242'], tree: true }, withFake)), { processId: 5150 }], dir, { ...withFake, preset: 'handles', root: 4242 })
    expect(result.captures.map((c) => [c.processId, c.error?.code])).toEqual([
      [4242, undefined],
      [31337, undefined],
      [5150, 'NO_SUCH_PROCESS'],
    ])
    const archives = await Promise.all(result.captures.slice(0, 2).map((c) => openArchiveFile(c.path!)))
    expect(archives.map((a) => [a.header.target.processId, a.header.captureSet, a.version.minor])).toEqual([
      [4242, { id: result.captureSetId, kind: 'targets', index: 0, size: 3, root: 4242 }, 2],
      [31337, { id: result.captureSetId, kind: 'targets', index: 1, size: 3, root: 4242 }, 2],
    ])
    expect(result.captures[0]!.path).toMatch(/notepad_4242_\d{8}_\d{6}_\d{3}\.pssnap$/)
    // Redaction keeps the set (ids and numbers), so redacted archives of one set still group.
    const sink = new MemorySink()
    await redactArchive(archives[0]!, sink, { key: new TextEncoder().encode('k'), redactedAt: '2026-12-02T00:00:00.000Z' })
    const redacted = await openArchive(sink.bytes())
    expect(redacted.header.captureSet).toEqual(archives[0]!.header.captureSet)
    expect(redacted.version.minor).toBe(2)
  }, 30_000)
})
