// End to end on real processes (Linux only): a child node process opens files, sockets and a FIFO and
// starts worker threads; pssnap captures it from /proc, through the library and through the built CLI
// (`npm run build` first), and the archives must show exactly what the child holds.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { chmodSync, existsSync, readdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CaptureFailedError, captureToFile, captureUnavailableReason, selectBackend } from '../capture/index.js'
import type { HandleEntry } from '../format/index.js'
import { parseMaps, protectOf } from '../capture/linux/regions.js'
import { SoftErrors } from '../capture/linux/soft-errors.js'
import { diffArchives } from '../reader/diff.js'
import { trendArchives } from '../reader/trend.js'
import { openArchiveFile } from '../reader/node.js'
import { runCli } from './helpers/cli.js'

const N = 5 // files opened at start
const M = 4 // files opened later
const K = 3 // worker threads
const MEM_IMAGE = 0x1000000

const CHILD = `
import { openSync } from 'node:fs'
import net from 'node:net'
import { Worker } from 'node:worker_threads'
import { createInterface } from 'node:readline'
const [dir, n, k] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])]
const keep = []
for (let i = 0; i < n; i++) keep.push(openSync(dir + '/first-' + i + '.txt', 'w'))
keep.push(openSync(dir + '/fifo', 'r+')) // read-write: a FIFO opened so does not wait for a peer
const server = net.createServer((s) => keep.push(s))
await new Promise((r) => server.listen(0, '127.0.0.1', r))
keep.push(await new Promise((r) => { const c = net.connect(server.address().port, '127.0.0.1', () => r(c)) }))
await Promise.all(Array.from({ length: k }, () => new Promise((r) => new Worker('setInterval(() => {}, 1000)', { eval: true }).once('online', r))))
// Let the accepted socket land before saying so.
await new Promise((r) => setTimeout(r, 100))
process.stdout.write('ready\\n')
let round = 0
createInterface({ input: process.stdin }).on('line', (line) => {
  const m = /^open (\\d+)$/.exec(line)
  if (!m) return
  round++
  for (let i = 0; i < Number(m[1]); i++) keep.push(openSync(dir + '/more-' + round + '-' + i + '.txt', 'w'))
  process.stdout.write('opened\\n')
})
`

/** Resolves when the child prints `word` on a line. */
function waitFor(child: ChildProcessWithoutNullStreams, word: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const onData = (b: Buffer) => {
      seen += b.toString()
      if (seen.split('\n').includes(word)) {
        child.stdout.off('data', onData)
        resolve()
      }
    }
    child.stdout.on('data', onData)
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before '${word}'`)))
  })
}

/** Multiset difference a − b of strings. */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>()
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1)
  return a.filter((x) => {
    const n = left.get(x) ?? 0
    if (n > 0) left.set(x, n - 1)
    return n === 0
  })
}

describe('capture on other platforms', () => {
  it('refuses clearly, naming the OS, where neither PSS nor /proc capture exists', () => {
    expect(captureUnavailableReason('darwin')).toMatchObject({ code: 'UNSUPPORTED_PLATFORM', message: expect.stringMatching(/^capture needs Windows \(the Process Snapshotting API\) or Linux \(\/proc\); this is darwin\./) })
    // Windows has a backend now (capture/windows/; its win32 path is tested in capture-windows-cli.test.ts).
    expect(selectBackend({ platform: 'win32' })).toEqual({ name: 'windows' })
  })
})

describe.skipIf(process.platform !== 'linux')('Linux capture from /proc', () => {
  let dir: string
  let child: ChildProcessWithoutNullStreams
  let spawnedAt: number
  const node = realpathSync(process.execPath)

  beforeAll(async () => {
    dir = realpathSync(await mkdtemp(join(tmpdir(), 'pssnap-linux-')))
    await writeFile(join(dir, 'child.mjs'), CHILD)
    execFileSync('mkfifo', [join(dir, 'fifo')])
    spawnedAt = Date.now()
    child = spawn(process.execPath, [join(dir, 'child.mjs'), dir, String(N), String(K)], { stdio: 'pipe' })
    await waitFor(child, 'ready')
  })

  afterAll(async () => {
    child?.kill()
    await rm(dir, { recursive: true, force: true })
  })

  it('captures the child: pid, threads, files, sockets, pipes, the node image; then exactly the fds it opened since', async () => {
    const first = join(dir, 'first.pssnap')
    const result = await captureToFile(child.pid!, first)
    expect(result.processId).toBe(child.pid)
    const a = await openArchiveFile(first, { strict: true })
    expect(a.header.host.platform).toBe('linux')
    expect(a.header.target).toMatchObject({ processId: child.pid, imagePath: node })
    expect(a.header.processInformation).toMatchObject({ processId: child.pid, parentProcessId: process.pid, imageFileName: node })
    expect(a.header.capture.captureFlags).toBe(0x4 | 0x8 | 0x80 | 0x800 | 0x1000)
    // createTime: boot time (whole seconds) + start ticks, so within about a second of the spawn.
    const created = Number(a.header.processInformation!.createTime! / 10_000n - 11_644_473_600_000n)
    expect(Math.abs(created - spawnedAt)).toBeLessThan(2000)
    expect(a.header.producer).toEqual({ tool: 'pssnap', version: (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version })

    // Threads: the main thread (tid = pid) and at least K workers.
    expect(a.threads.length).toBeGreaterThanOrEqual(K + 1)
    expect(a.threads.toArray().map((t) => t.threadId)).toContain(child.pid)
    expect(a.threads.toArray().every((t) => t.processId === child.pid && t.createTime! > 0n)).toBe(true)
    expect(a.header.threadInformation).toEqual({ threadsCaptured: a.threads.length, contextLength: 0 })

    // Handles: fd numbers, paths of the files, sockets (listener, client, accepted) and the stdio pipes.
    const byName = (h: HandleEntry) => `${h.typeName} ${h.objectName}`
    const names = a.handles.toArray().map(byName)
    for (let i = 0; i < N; i++) expect(names).toContain(`File ${dir}/first-${i}.txt`)
    expect(a.handles.toArray().filter((h) => h.typeName === 'Socket').length).toBeGreaterThanOrEqual(3)
    // Node's stdio 'pipe' is a socketpair; the FIFO is a pipe with a path.
    expect(a.handles.toArray().filter((h) => h.handle! <= 2n).map((h) => h.typeName)).toEqual(['Socket', 'Socket', 'Socket'])
    expect(names).toContain(`Pipe ${dir}/fifo`)
    expect(a.handles.toArray().every((h) => h.objectType === 0)).toBe(true)
    expect(a.handles.toArray().map((h) => Number(h.handle)).sort((x, y) => x - y)).toEqual(
      readdirSync(`/proc/${child.pid}/fd`).map(Number).sort((x, y) => x - y),
    )

    // Regions: the node binary is mapped as an image, executable somewhere.
    const image = a.vaSpace.toArray().filter((r) => r.mappedFileName === node)
    expect(image.length).toBeGreaterThan(0)
    expect(image.every((r) => r.type === MEM_IMAGE)).toBe(true)
    expect(image.some((r) => [0x10, 0x20, 0x40, 0x80].includes(r.protect!))).toBe(true)
    expect(a.captureErrors).toEqual([])

    // The child opens M more files: the second capture differs by exactly those.
    child.stdin.write(`open ${M}\n`)
    await waitFor(child, 'opened')
    const second = join(dir, 'second.pssnap')
    await captureToFile(child.pid!, second)
    const b = await openArchiveFile(second, { strict: true })
    const added = minus(b.handles.toArray().map(byName), names).sort()
    expect(added).toEqual(Array.from({ length: M }, (_, i) => `File ${dir}/more-1-${i}.txt`).sort())
    expect(minus(names, b.handles.toArray().map(byName))).toEqual([])
    expect(b.threads.length).toBe(a.threads.length)
    // Create times are stable across captures (diffs match threads on id + create time).
    const times = (x: typeof a) => x.threads.toArray().map((t) => `${t.threadId}@${t.createTime}`).sort()
    expect(times(b)).toEqual(times(a))
  })

  it('diff and trend of those real captures: exactly the files opened in between, and a leak verdict naming them', async () => {
    // Continues the test above: first.pssnap, then M files, second.pssnap; now M more and a third.
    child.stdin.write(`open ${M}\n`)
    await waitFor(child, 'opened')
    const paths = ['first', 'second', 'third'].map((n) => join(dir, `${n}.pssnap`)) as [string, string, string]
    await captureToFile(child.pid!, paths[2])
    const [a, b, c] = await Promise.all(paths.map((p) => openArchiveFile(p, { strict: true })))

    const d = diffArchives(a!, b!)
    expect(d.warnings).toEqual([])
    expect(d.handles.added.map((h) => h.objectName).sort()).toEqual(Array.from({ length: M }, (_, i) => `${dir}/more-1-${i}.txt`).sort())
    expect(d.handles.removed).toEqual([])
    expect(d.threads.added).toEqual([])
    expect(d.threads.removed).toEqual([])
    expect(d.summary.byType.filter((t) => t.net !== 0).map((t) => [t.typeName, t.net])).toEqual([['File', M]])

    const cli = await runCli('diff', paths[0], paths[1], '--json', '--fail-on', `handles.File+${M}`)
    expect(cli.code).toBe(3)
    expect(cli.stderr).toMatch(/GATE_CROSSED/)
    const doc = JSON.parse(cli.stdout) as { schema: string; handles: { added: { objectName: string }[]; removed: unknown[] } }
    expect(doc.schema).toBe('pssnap.diff/1')
    expect(doc.handles.added.map((h) => h.objectName).sort()).toEqual(d.handles.added.map((h) => h.objectName).sort())
    expect(doc.handles.removed).toEqual([])

    // Three captures a second apart: below the verdict's default evidence (5 snapshots over 30 s, α 0.01), so
    // the test lowers it to what three strictly rising points can show (Mann–Kendall p = 1/6).
    const t = trendArchives([c!, a!, b!], { minSnapshots: 3, minSpanSeconds: 0, alpha: 0.2 })
    expect(t.points.map((p) => p.index)).toEqual([1, 2, 0]) // given out of order, sorted by capture time
    expect(t.verdict.verdict).toBe('leak')
    expect(t.verdict.growing).toContain('handles.File')
  })

  it('refuses a pid that does not exist with a typed error, and leaves no file', async () => {
    const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'))
    const out = join(dir, 'none.pssnap')
    const error = await captureToFile(pidMax + 1, out).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CaptureFailedError)
    expect(error).toMatchObject({ code: 'NO_SUCH_PROCESS', processId: pidMax + 1 })
    expect(existsSync(out)).toBe(false)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('a process whose threads and fds come and go mid-walk: every capture completes; vanished ones are soft errors', async () => {
    const churn = spawn(process.execPath, ['-e', `
      const { openSync, closeSync } = require('node:fs'); const { Worker } = require('node:worker_threads')
      setInterval(() => { const fds = []; for (let i = 0; i < 50; i++) fds.push(openSync('/dev/null', 'r')); for (const f of fds) closeSync(f) }, 1)
      setInterval(() => new Worker('setTimeout(() => {}, 5)', { eval: true }), 20)
      process.stdout.write('ready\\n')`])
    try {
      await waitFor(churn, 'ready')
      const errors: unknown[] = []
      for (let i = 0; i < 20; i++) {
        const out = join(dir, `churn-${i}.pssnap`)
        await captureToFile(churn.pid!, out)
        const archive = await openArchiveFile(out, { strict: true })
        errors.push(...archive.captureErrors)
      }
      for (const e of errors) {
        expect(e).toMatchObject({ section: expect.stringMatching(/^(handles|threads)$/), code: expect.any(Number), name: expect.stringMatching(/^(ENOENT|ESRCH)$/) })
      }
    } finally {
      churn.kill()
    }
  })

  it('records errno number and name, and the path, for a soft error', () => {
    const errors = new SoftErrors()
    const gone = Object.assign(new Error("ENOENT: no such file or directory, readlink '/proc/1/fd/9'"), { code: 'ENOENT', errno: -2, syscall: 'readlink' })
    errors.add('handles', 'readlink', '/proc/1/fd/9', gone, 'skipped')
    expect(errors.list).toEqual([{ section: 'handles', operation: 'readlink', code: 2, name: 'ENOENT', message: '/proc/1/fd/9: no such file or directory; skipped' }])
  })

  it('maps r/w/x/p/s to PAGE_* values', () => {
    expect(protectOf('r--p', true)).toBe(0x02)
    expect(protectOf('rw-p', false)).toBe(0x04)
    expect(protectOf('rw-p', true)).toBe(0x08)
    expect(protectOf('rw-s', true)).toBe(0x04)
    expect(protectOf('r-xp', true)).toBe(0x20)
    expect(protectOf('rwxp', false)).toBe(0x40)
    expect(protectOf('rwxp', true)).toBe(0x80)
    expect(protectOf('--xp', true)).toBe(0x10)
    expect(protectOf('---p', false)).toBe(0x01)
    const [m] = parseMaps('7f00aa000000-7f00aa001000 r-xp 00002000 fe:00 42      /opt/my lib (deleted)\n')
    expect(m).toEqual({ start: 0x7f00aa000000n, end: 0x7f00aa001000n, device: 'fe:00', perms: 'r-xp', offset: 0x2000n, inode: '42', path: '/opt/my lib (deleted)' })
  })

  describe('CLI', () => {
    it('capture --self, then info, handles and regions of the result', async () => {
      const out = join(dir, 'self.pssnap')
      const r = await runCli('capture', '--self', '-o', out)
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      const pid = Number(/^captured pid (\d+): \d+ handles, \d+ threads, \d+ regions in [\d.]+ ms → /.exec(r.stdout)?.[1])
      expect(pid).toBeGreaterThan(0)
      const info = await runCli('info', out)
      expect(info.code).toBe(0)
      expect(info.stdout).toMatch(new RegExp(`^Target +pid ${pid}  ${node.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'))
      expect(info.stdout).toMatch(/^Host +linux, /m)
      expect(info.stdout).toMatch(/^ {2}nice +-?\d+$/m) // Linux terms (issue 11 item 2)
      expect(info.stdout).toContain('Integrity  every checksum verified, nothing missing')
      // The capture's own listing descriptor is not reported as a vanished fd.
      expect(info.stdout).not.toContain('Capture errors')
      const regions = await runCli('regions', out, '--where', 'type = IMAGE', '--json')
      expect((JSON.parse(regions.stdout) as { entries: { mappedFileName?: string }[] }).entries.some((e) => e.mappedFileName === node)).toBe(true)
    })

    it('capture <pid> with a preset, and ps lists the child with its fd and thread counts', async () => {
      const out = join(dir, 'handles-only.pssnap')
      const r = await runCli('capture', String(child.pid), '--preset', 'handles', '-o', out)
      expect(r.code).toBe(0)
      const a = await openArchiveFile(out)
      expect(a.header.capture).toMatchObject({ preset: 'handles', captureFlags: 0xc })
      expect(a.threads.length).toBe(0)
      expect(a.handles.length).toBeGreaterThan(N)

      const ps = await runCli('ps', '--json')
      const me = (JSON.parse(ps.stdout) as { processes: { processId: number; name: string; threadCount: number; handleCount?: number }[] }).processes.find((p) => p.processId === child.pid)
      expect(me?.name).toBe('node')
      expect(me?.threadCount).toBeGreaterThanOrEqual(K + 1)
      expect(me?.handleCount).toBe(readdirSync(`/proc/${child.pid}/fd`).length)
      const table = await runCli('ps')
      expect(table.stdout).toMatch(/^\s*pid\s+ppid\s+state\s+fds\s+threads\s+name/)
      expect(table.stdout).toMatch(new RegExp(`^\\s*${child.pid}\\s+${process.pid}\\s+\\S\\s+\\d+\\s+\\d+\\s+node\\b`, 'm'))
    })

    it('capture by name: one match is captured, several are listed and refused', async () => {
      // A symlink to node gives the process a unique comm (the name exec was given).
      const name = `pst${process.pid % 100000}`
      symlinkSync(process.execPath, join(dir, name))
      const unique = spawn(join(dir, name), ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
      try {
        await new Promise((r) => setTimeout(r, 300))
        const out = join(dir, 'by-name.pssnap')
        const r = await runCli('capture', name, '-o', out)
        expect(r.stderr).toBe('')
        expect(r.stdout).toContain(`captured pid ${unique.pid}:`)
        const many = await runCli('capture', 'node', '-o', join(dir, 'never.pssnap'))
        expect(many.code).toBe(1)
        expect(many.stderr).toMatch(/^AMBIGUOUS_NAME - \d+ processes are named 'node'; capture one by its pid:\n/)
        // Each listed with its command line, which tells identical names apart.
        expect(many.stderr).toMatch(new RegExp(`\\n  ${child.pid}  \\S*node\\b`))
        expect(existsSync(join(dir, 'never.pssnap'))).toBe(false)
      } finally {
        unique.kill()
      }
    })

    it('usage errors and missing processes', async () => {
      const none = await runCli('capture')
      expect(none.code).toBe(2)
      expect(none.stderr).toContain('give a process id or name, or --self')
      const missing = await runCli('capture', 'no-such-process-name-xyz')
      expect(missing).toMatchObject({ code: 1, stdout: '' })
      expect(missing.stderr).toMatch(/^NO_SUCH_PROCESS - no process named 'no-such-process-name-xyz'/)
      const unwritable = await runCli('capture', '--self', '-o', join(dir, 'no-such-dir', 'x.pssnap'))
      expect(unwritable.stderr).toBe(`ENOENT - cannot write '${join(dir, 'no-such-dir', 'x.pssnap')}': no such file or directory\n`)
      const preset = await runCli('capture', '--self', '--preset', 'bogus', '-o', join(dir, 'x.pssnap'))
      expect(preset.stderr).toMatch(/^BAD_PRESET - unknown preset 'bogus'; presets: default, full, handles, threads, regions, memory, minimal/)
    })

    // Needs root to start a process as another user; then that user may not inspect ours.
    it.skipIf(process.getuid?.() !== 0 || !existsSync('/usr/bin/setpriv'))('another user\'s process: ACCESS_DENIED naming the privilege needed', async () => {
      chmodSync(dir, 0o777)
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const p = spawn('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(process.cwd(), 'dist/cli.js'), 'capture', String(child.pid), '-o', join(dir, 'denied.pssnap')])
        let stderr = ''
        p.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
        p.on('close', (code) => resolve({ code, stderr }))
      })
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(new RegExp(`^ACCESS_DENIED - cannot inspect process ${child.pid}: process ${child.pid} belongs to uid 0 and pssnap runs as uid 65534: run pssnap as that user, or as root / with CAP_SYS_PTRACE\\n$`))
    })
  })
})
