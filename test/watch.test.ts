// `pssnap watch` on real Linux processes (issue 13 item 1), through the library (capture/watch/): a child that
// leaks fds on a schedule is caught by a trigger and not before; retention keeps exactly N; --wait catches a
// process started later and follows its name across a restart; a poll reads only the /proc files its condition
// names; CPU percent over a window tells a spinning child from an idle one. The built CLI's part (trend of the
// directory, Ctrl-C, the status line) is in test/watch-cli.test.ts.
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { openFakePss } from './fake-pss/control.js'
import { openArchiveFile } from '../reader/node.js'
import { compileCondition, countersToRead } from '../capture/watch/condition.js'
import { countFds, derive, linuxSources, PROC_READS, type ProcReads, type Sample } from '../capture/watch/counters.js'
import { watch, type WatchEvent } from '../capture/watch/watch.js'

const linux = process.platform === 'linux'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Leaks one fd every `every` ms once `after` ms have passed. */
const LEAKER = `
const { openSync } = require('node:fs')
const keep = []
setTimeout(() => setInterval(() => keep.push(openSync('/dev/null', 'r')), Number(process.argv[2])), Number(process.argv[1]))
process.stdout.write('ready\\n')
`
const IDLE = `setInterval(() => {}, 1000); process.stdout.write('ready\\n')`
const SPIN = `process.stdout.write('ready\\n'); for (;;) {}`

const children: ChildProcess[] = []
function start(script: string, ...args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child))
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before it was ready`)))
  })
}
const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length

describe('conditions and counters (any OS)', () => {
  it('a condition names the counters it needs; growth needs its base counter', () => {
    const c = compileCondition('handlegrowth >= 10 or (threadCount > 5 and not rss < 1MB)')
    expect([...c.counters].sort()).toEqual(['handleGrowth', 'rss', 'threadCount'])
    expect([...countersToRead(c)].sort()).toEqual(['handleCount', 'rss', 'threadCount'])
    expect([...linuxSources(countersToRead(c))].sort()).toEqual(['fd', 'stat', 'status'])
    expect([...linuxSources(countersToRead(compileCondition('cpuPercent > 90')))]).toEqual(['stat'])
  })

  it('an unknown counter is BAD_QUERY with the column and the counters', () => {
    const e = (() => {
      try {
        compileCondition('threadCount > 1 and fds > 3')
      } catch (error) {
        return error as Error & { code: string; column: number }
      }
    })()
    expect(e?.code).toBe('BAD_QUERY')
    expect(e?.column).toBe(21)
    expect(e?.message).toMatch(/handleCount/)
  })

  it('cpuPercent is CPU time over wall time across the window; growth is from the first sample; absent when unknown', () => {
    const s = (at: number, cpu: number, handles: number): Sample => ({ at, cpuSeconds: cpu, counters: { handleCount: handles } })
    const history = [s(0, 0, 10), s(1000, 0.2, 11), s(2000, 0.9, 12)]
    // Window 1 s: from the sample at 2000 ms; 2 s: from 1000; longer than the history: from the oldest.
    expect(derive(s(3000, 1.4, 15), history[0], history, 1000).cpuPercent).toBeCloseTo(50)
    expect(derive(s(3000, 1.4, 15), history[0], history, 2000).cpuPercent).toBeCloseTo(60)
    expect(derive(s(3000, 1.4, 15), history[0], history, 10_000).cpuPercent).toBeCloseTo(140 / 3)
    expect(derive(s(3000, 1.4, 15), history[0], history, 1000).handleGrowth).toBe(5)
    const first = derive(s(0, 0, 10), undefined, [], 1000)
    expect(first.cpuPercent).toBeUndefined()
    expect('rssGrowth' in first).toBe(false)
  })
})

describe.skipIf(!linux)('pssnap watch on real processes (Linux)', () => {
  let dir: string
  let n = 0
  const fresh = async () => mkdtemp(join(dir, `w${n++}-`))

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pssnap-watch-'))
  })
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL')
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('a child that starts leaking fds after 1.5 s is caught by a growth trigger, not before', async () => {
    const child = await start(LEAKER, '1500', '100')
    const base = fdCount(child.pid!)
    const out = await fresh()
    const events: WatchEvent[] = []
    const started = Date.now()
    const result = await watch({ target: { pid: child.pid! }, directory: out, when: 'handleGrowth >= 5', pollMs: 100, count: 1, untilMs: Date.now() + 20_000, onEvent: (e) => events.push(e) })
    expect(result.stoppedBy).toBe('count')
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500)
    // Every poll before the capture saw the condition false; the one that triggered saw it true.
    const samples = events.filter((e) => e.type === 'sample')
    expect(samples.length).toBeGreaterThan(5)
    expect(samples.slice(0, -1).every((e) => e.type === 'sample' && !e.holds)).toBe(true)
    expect(samples.at(-1)).toMatchObject({ holds: true })
    const files = readdirSync(out)
    expect(files).toHaveLength(1)
    const archive = await openArchiveFile(join(out, files[0]!))
    expect(archive.header.captureSet).toMatchObject({ id: result.captureSetId, kind: 'series', index: 0 })
    const growth = Number(/handleGrowth (\d+)/.exec(archive.header.captureSet!.trigger!)?.[1])
    expect(growth).toBeGreaterThanOrEqual(5)
    // The archive holds at least the fds the trigger counted (the child leaks on while it is written).
    expect(archive.handles.length).toBeGreaterThanOrEqual(base + growth)
    // 1.3: the default preset reads the regions with the whole maps line (spec/LINUX.md §11).
    expect(archive.version).toEqual({ major: 1, minor: 3 })
    // The name is <image>_<pid>_<YYYYMMDD_HHMMSS_mmm>.pssnap.
    expect(files[0]).toMatch(new RegExp(`^node_${child.pid}_\\d{8}_\\d{6}_\\d{3}\\.pssnap$`))
  }, 40_000)

  it('an idle child never meets the trigger: no capture, stopped by --until', async () => {
    const child = await start(IDLE)
    const out = await fresh()
    const result = await watch({ target: { pid: child.pid! }, directory: out, when: 'handleGrowth >= 1', pollMs: 100, untilMs: Date.now() + 1500 })
    expect(result).toMatchObject({ captures: 0, stoppedBy: 'until' })
    expect(readdirSync(out)).toEqual([])
  }, 20_000)

  it('--keep 2 of 5 interval captures leaves exactly the newest 2 files', async () => {
    const child = await start(IDLE)
    const out = await fresh()
    const written: string[] = []
    const removed: string[] = []
    const result = await watch({
      target: { pid: child.pid! },
      directory: out,
      intervalMs: 150,
      count: 5,
      keep: 2,
      onEvent: (e) => (e.type === 'captured' ? written.push(e.path) : e.type === 'removed' ? removed.push(e.path) : undefined),
    })
    expect(result.captures).toBe(5)
    expect(written).toHaveLength(5)
    expect(removed).toEqual(written.slice(0, 3))
    expect(readdirSync(out).sort()).toEqual(written.slice(3).map((p) => basename(p)).sort())
    expect(result.kept).toEqual(written.slice(3))
    // One series: the same set id, indexes in capture order.
    const sets = await Promise.all(result.kept.map(async (p) => (await openArchiveFile(p)).header.captureSet))
    expect(sets.map((s) => [s?.id, s?.index, s?.trigger])).toEqual([
      [result.captureSetId, 3, 'interval'],
      [result.captureSetId, 4, 'interval'],
    ])
  }, 30_000)

  it('--wait catches a process started later and follows its name to the next process after it exits', async () => {
    // A copy of sleep(1) under a name no other process has: its comm and its executable's name.
    const name = `pw${process.pid % 100000}x${Date.now() % 1000}`
    const exe = join(dir, name)
    copyFileSync('/bin/sleep', exe)
    const out = await fresh()
    const events: WatchEvent[] = []
    const run = watch({ target: { name }, wait: true, directory: out, intervalMs: 500, pollMs: 100, count: 4, untilMs: Date.now() + 25_000, onEvent: (e) => events.push(e) })
    await sleep(800)
    expect(events.map((e) => e.type)).toEqual(['waiting'])
    const first = spawn(exe, ['1.0'], { stdio: 'ignore' })
    children.push(first)
    await new Promise((r) => first.once('exit', r))
    await sleep(500)
    const second = spawn(exe, ['20'], { stdio: 'ignore' })
    children.push(second)
    const result = await run
    expect(result.stoppedBy).toBe('count')
    const captured = events.filter((e): e is Extract<WatchEvent, { type: 'captured' }> => e.type === 'captured')
    const pids = new Set(captured.map((e) => e.pid))
    expect(pids).toEqual(new Set([first.pid, second.pid]))
    expect(events.filter((e) => e.type === 'exited').map((e) => (e as { pid: number }).pid)).toEqual([first.pid])
    // Every archive is of a process of that name.
    for (const e of captured) expect(basename((await openArchiveFile(e.path)).header.target.imagePath ?? '')).toBe(name)
  }, 40_000)

  it('the fd count a poll reads equals the listing of /proc/<pid>/fd (its stat size on Linux ≥ 6.2)', async () => {
    const child = await start(LEAKER, '0', '20')
    await sleep(300)
    for (let i = 0; i < 3; i++) {
      // The child opens on; the two reads bracket each other.
      const listed = fdCount(child.pid!)
      const counted = countFds(`/proc/${child.pid}/fd`)
      const after = fdCount(child.pid!)
      expect(counted).toBeGreaterThanOrEqual(listed)
      expect(counted).toBeLessThanOrEqual(after)
      await sleep(100)
    }
  }, 20_000)

  it('a poll reads only what its condition names', async () => {
    const child = await start(IDLE)
    const runWith = async (when: string) => {
      const paths: string[] = []
      const reads: ProcReads = { text: (p) => (paths.push(p), PROC_READS.text(p)), count: (d) => (paths.push(`${d}/`), PROC_READS.count(d)) }
      await watch({ target: { pid: child.pid! }, directory: await fresh(), when, pollMs: 100, untilMs: Date.now() + 700, procReads: reads })
      return new Set(paths)
    }
    const root = `/proc/${child.pid}`
    expect(await runWith('threadCount > 1000')).toEqual(new Set([`${root}/stat`]))
    expect(await runWith('handleCount > 100000')).toEqual(new Set([`${root}/fd/`]))
    expect(await runWith('rss > 1TB')).toEqual(new Set([`${root}/status`]))
    expect(await runWith('cpuPercent > 99 or privateGrowth > 1GB')).toEqual(new Set([`${root}/stat`, `${root}/status`]))
  }, 20_000)

  it('cpuPercent over a window: a spinning child triggers, an idle one does not', async () => {
    const [spin, idle] = await Promise.all([start(SPIN), start(IDLE)])
    const [a, b] = await Promise.all([
      // 10% of a core: a spinning child gets far more even on a loaded 2-core runner, an idle one far less.
      watch({ target: { pid: spin.pid! }, directory: await fresh(), when: 'cpuPercent > 10', cpuWindowMs: 1000, pollMs: 200, count: 1, untilMs: Date.now() + 15_000 }),
      watch({ target: { pid: idle.pid! }, directory: await fresh(), when: 'cpuPercent > 10', cpuWindowMs: 1000, pollMs: 200, count: 1, untilMs: Date.now() + 3000 }),
    ])
    expect(a).toMatchObject({ captures: 1, stoppedBy: 'count' })
    expect(b).toMatchObject({ captures: 0, stoppedBy: 'until' })
  }, 30_000)

  it('a pid that exits ends the watch without --wait; an abort discards the capture in progress', async () => {
    const child = await start(IDLE)
    const out = await fresh()
    setTimeout(() => child.kill('SIGKILL'), 600)
    const r = await watch({ target: { pid: child.pid! }, directory: out, intervalMs: 200, untilMs: Date.now() + 10_000 })
    expect(r.stoppedBy).toBe('exited')
    expect(r.captures).toBeGreaterThan(0)
    expect(readdirSync(out)).toHaveLength(r.captures)

    const other = await start(IDLE)
    const out2 = await fresh()
    const controller = new AbortController()
    const saved = process.env.PSSNAP_TEST_ONLY_PAUSE
    process.env.PSSNAP_TEST_ONLY_PAUSE = 'write:5000'
    try {
      setTimeout(() => controller.abort(new Error('stop')), 800)
      const e = await watch({ target: { pid: other.pid! }, directory: out2, intervalMs: 100, signal: controller.signal }).catch((x: unknown) => x)
      expect((e as Error).message).toBe('stop')
    } finally {
      if (saved === undefined) delete process.env.PSSNAP_TEST_ONLY_PAUSE
      else process.env.PSSNAP_TEST_ONLY_PAUSE = saved
    }
    // Nothing at all: no archive, no temporary file.
    expect(readdirSync(out2)).toEqual([])
  }, 30_000)
})

describe('a watch poll on the Windows path reads only what its condition names (fake PSS library)', () => {
  const library = inject('fakePssLibrary') ?? process.env.PSSNAP_FAKE_PSS

  it('a handle condition opens the one process per poll; a thread condition opens none', async () => {
    const { fake } = await openFakePss(library!)
    const dir = await mkdtemp(join(tmpdir(), 'pssnap-watch-win-'))
    try {
      const polls = (when: string) => {
        const samples: WatchEvent[] = []
        // Counted from the target's announcement: finding its image name lists every process first.
        let before = 0
        const onEvent = (e: WatchEvent) => {
          if (e.type === 'target') before = fake.callCount('OpenProcess')
          if (e.type === 'sample') samples.push(e)
        }
        return watch({ target: { pid: 4242 }, pssLibrary: library!, directory: dir, when, pollMs: 50, untilMs: Date.now() + 600, onEvent }).then(() => ({ samples, opens: fake.callCount('OpenProcess') - before }))
      }
      const handles = await polls('handleCount > 100')
      expect(handles.samples.length).toBeGreaterThan(2)
      expect(handles.opens).toBe(handles.samples.length)
      expect(handles.samples[0]).toMatchObject({ counters: { handleCount: 8 }, holds: false })
      const threads = await polls('threadCount > 100')
      expect(threads.opens).toBe(0)
      expect(threads.samples[0]).toMatchObject({ counters: { threadCount: 2 }, holds: false })
      expect(Object.keys((threads.samples[0] as { counters: object }).counters).sort()).toEqual(['threadCount', 'threadGrowth'])
      // --wait by image name, any case, through Toolhelp32: the fake's notepad is there already.
      const events: WatchEvent[] = []
      const r = await watch({ target: { name: 'NOTEPAD' }, wait: true, pssLibrary: library!, directory: dir, intervalMs: 100, count: 1, untilMs: Date.now() + 10_000, onEvent: (e) => void events.push(e) })
      expect(r).toMatchObject({ captures: 1, stoppedBy: 'count' })
      expect(events.find((e) => e.type === 'target')).toMatchObject({ pid: 4242, image: 'notepad.exe' })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 20_000)
})
