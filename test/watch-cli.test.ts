// `pssnap watch` and the many-target `capture` through the built CLI (dist/cli.js, or the bundle named by
// PSSNAP_TEST_CLI): the directory a watch writes is what `trend` and `diff` take; Ctrl-C during a capture exits
// 130 and leaves nothing; the live status line appears only on a terminal (script(1) gives one) with process
// names escaped; the Windows path against the fake PSS library; argument errors.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest'
import { openArchiveFile } from '../reader/node.js'
import { CLI } from './helpers/cli.js'

const linux = process.platform === 'linux'
const cli = process.env.PSSNAP_TEST_CLI || CLI
const dir = mkdtempSync(join(tmpdir(), 'pssnap-watch-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const fresh = () => join(dir, `d${n++}`)
const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
})

interface Run {
  code: number
  stdout: string
  stderr: string
}
function pssnap(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env }
  delete e.FORCE_COLOR
  if (!('PSSNAP_PSS_LIBRARY' in env)) delete e.PSSNAP_PSS_LIBRARY
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 60_000, env: e, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

function idle(exe = process.execPath, args = ['-e', 'setInterval(() => {}, 1000)']): ChildProcess {
  const c = spawn(exe, args, { stdio: 'ignore' })
  children.push(c)
  return c
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(!linux)('pssnap watch (built CLI, Linux)', () => {
  it('the directory of a watch is what trend and diff take', async () => {
    const child = idle()
    await sleep(300)
    const out = fresh()
    const w = await pssnap(['watch', String(child.pid), '--interval', '250ms', '--count', '5', '-o', out])
    expect(w.code, w.stderr).toBe(0)
    expect(w.stdout.trim().split('\n')).toHaveLength(5)
    expect(w.stdout).toMatch(/^captured pid \d+ #1 \(interval\) in [\d.]+ ms → /)
    expect(w.stderr).toMatch(/5 captures \(--count 5 reached\); 5 in .* \(capture set [0-9a-f]{32}\)/)
    const files = readdirSync(out).sort()
    expect(files).toHaveLength(5)
    const t = await pssnap(['trend', out, '--json'])
    expect(t.code, t.stderr).toBe(0)
    // A directory is grouped by process (reader/target-groups.ts): one watch is one process, one capture set.
    const doc = JSON.parse(t.stdout) as { schema: string; captureSets: { id: string; kind: string; archives: number }[]; groups: { trend: { points: { processId: number; label: string }[] } }[] }
    expect(doc.schema).toBe('pssnap.trend-groups/1')
    expect(doc.groups).toHaveLength(1)
    expect(doc.captureSets).toEqual([{ id: expect.stringMatching(/^[0-9a-f]{32}$/), kind: 'series', archives: 5 }])
    const trend = doc.groups[0]!.trend
    expect(trend.points.map((p) => p.label)).toEqual(files)
    expect(new Set(trend.points.map((p) => p.processId))).toEqual(new Set([child.pid]))
    const d = await pssnap(['diff', join(out, files[0]!), join(out, files[4]!)])
    expect(d.code, d.stderr).toBe(0)
    // Each archive records its own capture's cost and why it was taken.
    const a = await openArchiveFile(join(out, files[2]!))
    expect(a.epilogue?.timings).toMatchObject({ captureMs: expect.any(Number), writeMs: expect.any(Number) })
    expect(a.header.captureSet).toMatchObject({ kind: 'series', index: 2, trigger: 'interval' })
    const info = await pssnap(['info', join(out, files[2]!)])
    expect(info.stdout).toMatch(/Capture set\s+[0-9a-f]{32}, series, #3, trigger: interval/)
  }, 60_000)

  it('Ctrl-C during a capture: exit 130, one INTERRUPTED line, no archive and no temporary file', async () => {
    const out = fresh()
    const env: NodeJS.ProcessEnv = { ...process.env, PSSNAP_TEST_ONLY_PAUSE: 'write:20000' }
    delete env.PSSNAP_PSS_LIBRARY
    const child = spawn(process.execPath, [cli, 'watch', '--self', '--interval', '200ms', '-o', out], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    let inDir: string[] = []
    child.stderr.on('data', (d: Buffer) => {
      stderr += String(d)
      if (stderr.includes('paused at write') && !inDir.length) {
        // Mid-write: the temporary file is there, beside where the archive would go.
        inDir = readdirSync(out)
        child.kill('SIGINT')
      }
    })
    const code = await new Promise<number | null>((r) => child.once('exit', r))
    expect(code).toBe(130)
    expect(inDir.length).toBe(1)
    expect(inDir[0]).toMatch(/^\..*\.tmp$/)
    expect(stderr).toMatch(/INTERRUPTED - SIGINT received: watch stopped after 0 captures; a capture in progress was discarded/)
    expect(readdirSync(out)).toEqual([])
  }, 60_000)

  it('a status line on a terminal only, with the process name escaped', async () => {
    // An executable whose name holds a terminal escape: comm and the exe link carry it.
    const exe = join(dir, 'pw\x1b[31mred')
    copyFileSync('/bin/sleep', exe)
    const child = idle(exe, ['30'])
    await sleep(300)
    const args = ['watch', String(child.pid), '--when', 'threadCount > 1000', '--poll', '100ms', '--until', '1.5s', '-o', fresh()]
    const quoted = [process.execPath, cli, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
    const tty = await new Promise<string>((resolve) => execFile('script', ['-qec', quoted, '/dev/null'], { timeout: 30_000 }, (_e, stdout) => resolve(String(stdout))))
    expect(tty).toContain('\r\x1b[K')
    expect(tty).toMatch(new RegExp(`pid ${child.pid} .*threads 1 · 0 captured`))
    expect(tty).toContain('pw\\x1b[31mred')
    expect(tty).not.toContain('\x1b[31m')
    const piped = await pssnap(args.slice(0, -1).concat(fresh()))
    expect(piped.code, piped.stderr).toBe(0)
    expect(piped.stderr).not.toContain('\r')
    expect(piped.stderr).toContain('pw\\x1b[31mred')
    expect(piped.stderr).toMatch(/0 captures \(--until reached\)/)
  }, 60_000)

  it('argument errors: no interval or condition (exit 2), an unknown counter (BAD_QUERY), a pid with --wait', async () => {
    const a = await pssnap(['watch', '1'])
    expect(a.code).toBe(2)
    expect(a.stderr).toContain('give --interval, --when, or both')
    const b = await pssnap(['watch', '1', '--when', 'fds > 3', '-o', fresh()])
    expect(b.code).toBe(1)
    expect(b.stderr).toMatch(/^BAD_QUERY - unknown field 'fds'.*handleCount/)
    const c = await pssnap(['watch', '1', '--wait', '--interval', '1s', '-o', fresh()])
    expect([c.code, c.stderr.split(' - ')[0]]).toEqual([1, 'BAD_WATCH'])
  }, 30_000)

  it('capture --tree writes one archive per process into the directory', async () => {
    const root = spawn('bash', ['-c', 'sleep 30 & sleep 31 & wait'], { stdio: 'ignore' })
    children.push(root)
    await sleep(400)
    const out = fresh()
    const r = await pssnap(['capture', String(root.pid), '--tree', '--preset', 'minimal', '-o', out])
    expect(r.code, r.stderr).toBe(0)
    expect(readdirSync(out)).toHaveLength(3)
    expect(r.stderr).toMatch(/3 of 3 processes captured into .* \(capture set [0-9a-f]{32}\)/)
  }, 30_000)
})

describe('pssnap watch on the Windows path (fake PSS library)', () => {
  const library = inject('fakePssLibrary') ?? process.env.PSSNAP_FAKE_PSS ?? ''

  it('handle counts from Toolhelp32 trigger captures', async () => {
    const out = fresh()
    const r = await pssnap(['watch', 'NOTEPAD', '--when', 'handleCount >= 8 and threadGrowth = 0', '--poll', '100ms', '--interval', '100ms', '--count', '2', '-o', out], { PSSNAP_PSS_LIBRARY: library })
    expect(r.code, r.stderr).toBe(0)
    const files = readdirSync(out)
    expect(files).toHaveLength(2)
    const a = await openArchiveFile(join(out, files[0]!))
    expect(a.header.host.platform).toBe('windows')
    expect(a.header.captureSet?.trigger).toMatch(/^handleCount >= 8 and threadGrowth = 0 \((handleCount 8, threadGrowth 0|threadGrowth 0, handleCount 8)\)$/)
  }, 30_000)

  it('private bytes and CPU from K32GetProcessMemoryInfo and GetProcessTimes: the leaking notepad trips privateGrowth, the busy app cpuPercent, the idle notepad not', async () => {
    // The fake's notepad reports 1 MiB more private bytes at each call; its app burns one core (fake_counters.h).
    const leak = fresh()
    const m = await pssnap(['watch', '4242', '--when', 'privateGrowth >= 3MB', '--poll', '100ms', '--count', '1', '--until', '20s', '-o', leak], { PSSNAP_PSS_LIBRARY: library })
    expect(m.code, m.stderr).toBe(0)
    const [file] = readdirSync(leak)
    const trigger = (await openArchiveFile(join(leak, file!))).header.captureSet?.trigger
    expect(trigger).toBe(`privateGrowth >= 3MB (privateGrowth ${3 * 1024 * 1024})`)
    const busy = fresh()
    const c = await pssnap(['watch', '31337', '--when', 'cpuPercent > 50 and rss > 70MB', '--cpu-window', '1s', '--poll', '200ms', '--count', '1', '--until', '20s', '-o', busy], { PSSNAP_PSS_LIBRARY: library })
    expect(c.code, c.stderr).toBe(0)
    expect(readdirSync(busy)).toHaveLength(1)
    const idle = fresh()
    const i = await pssnap(['watch', '4242', '--when', 'cpuPercent > 50', '--cpu-window', '1s', '--poll', '200ms', '--until', '2s', '-o', idle], { PSSNAP_PSS_LIBRARY: library })
    expect(i.code, i.stderr).toBe(0)
    expect(i.stderr).toMatch(/^0 captures \(--until reached\)/m)
    expect(readdirSync(idle)).toEqual([])
  }, 60_000)
})
