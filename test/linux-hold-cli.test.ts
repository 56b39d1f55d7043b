// `pssnap capture --registers` (the built CLI) holding a real process: SIGKILLed while it holds every thread
// (the test-only pause PSSNAP_TEST_ONLY_PAUSE=hold:<ms>, capture/test-pause.ts), it leaves the target running,
// or stopped if it was SIGSTOPped, and nothing at the destination; a process already traced is refused with
// ALREADY_TRACED. The oracle is /proc: thread states, TracerPid, the ticker thread's context switches.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildChain, runs, startChain, threadState, tracerPid, until, type ChainTarget } from './helpers/chain-target.js'
import { CLI, runCli } from './helpers/cli.js'

const linux = process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64')

describe.skipIf(!linux)('pssnap capture --registers holding a process', () => {
  const exe = linux ? buildChain() : ''
  const dir = mkdtempSync(join(tmpdir(), 'pssnap-hold-cli-'))
  const targets: ChainTarget[] = []
  const children: ChildProcess[] = []
  const start = () => {
    const t = startChain(exe)
    targets.push(t)
    return t
  }
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL')
    for (const t of targets) t.kill()
    rmSync(dir, { recursive: true, force: true })
  })

  /** The CLI capturing pid with --registers, paused while it holds every thread. */
  async function pausedCapture(pid: number, out: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, [CLI, 'capture', String(pid), '--registers', '--memory', 'stacks', '-o', out], { env: { ...process.env, PSSNAP_TEST_ONLY_PAUSE: 'hold:60000' }, stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    let err = ''
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d) => {
        err += String(d)
        if (err.includes('paused at hold')) resolve()
      })
      child.on('exit', (code) => reject(new Error(`pssnap exited ${code} before holding: ${err}`)))
    })
    return child
  }

  it('SIGKILLed mid-hold: the target runs again and nothing is written', async () => {
    const t = start()
    const out = join(dir, 'killed.pssnap')
    const child = await pausedCapture(t.pid, out)
    for (const tid of t.tids) expect(threadState(t.pid, tid)).toBe('t')
    expect(tracerPid(t.pid)).toBe(child.pid)
    expect(await runs(t)).toBe(false)
    child.kill('SIGKILL')
    await until(() => tracerPid(t.pid) === 0, 'the kernel detached the dead tracer')
    expect(await runs(t)).toBe(true)
    expect(existsSync(out)).toBe(false)
    expect(readdirSync(dir).filter((f) => f.includes('killed'))).toEqual([])
  })

  it('SIGKILLed mid-hold: a SIGSTOPped target stays stopped', async () => {
    const t = start()
    process.kill(t.pid, 'SIGSTOP')
    await until(() => t.tids.every((tid) => threadState(t.pid, tid) === 'T'), 'stopped')
    const child = await pausedCapture(t.pid, join(dir, 'stopped.pssnap'))
    child.kill('SIGKILL')
    await until(() => tracerPid(t.pid) === 0, 'the kernel detached the dead tracer')
    await new Promise((r) => setTimeout(r, 100))
    for (const tid of t.tids) expect(threadState(t.pid, tid)).toBe('T')
    expect(await runs(t)).toBe(false)
    process.kill(t.pid, 'SIGCONT')
    expect(await runs(t)).toBe(true)
  })

  it('a completed capture leaves the target as it was, and records the registers and the hold', async () => {
    const t = start()
    const out = join(dir, 'done.pssnap')
    const r = await runCli('capture', String(t.pid), '--registers', '-o', out)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(tracerPid(t.pid)).toBe(0)
    expect(await runs(t)).toBe(true)
    const threads = await runCli('threads', out, '--json')
    const rows = (JSON.parse(threads.stdout) as { entries: { threadId: number; contextArchitecture?: string; heldTime?: { ticks: string }; registers?: Record<string, string> }[] }).entries
    expect(rows.map((e) => e.threadId).sort((a, b) => a - b)).toEqual(t.tids)
    for (const e of rows) {
      expect(e.contextArchitecture).toBe(`linux-${process.arch}`)
      expect(BigInt(e.heldTime!.ticks)).toBeGreaterThan(0n)
      expect(e.registers?.[process.arch === 'x64' ? 'rip' : 'pc']).toMatch(/^0x[0-9a-f]+$/)
    }
  })

  // koffi is an optional dependency: the built CLI copied where no node_modules can be found.
  it('without koffi: the default capture works, --registers says what is missing', async () => {
    const t = start()
    const alone = mkdtempSync(join(tmpdir(), 'pssnap-no-koffi-'))
    try {
      copyFileSync(CLI, join(alone, 'cli.mjs'))
      // The CLI is split: its verbs are ES modules in chunks/ beside it (scripts/build.mjs).
      cpSync(join(dirname(CLI), 'chunks'), join(alone, 'chunks'), { recursive: true })
      writeFileSync(join(alone, 'package.json'), '{ "type": "module" }\n')
      const run = (...args: string[]) => spawnSync(process.execPath, [join(alone, 'cli.mjs'), ...args], { encoding: 'utf8', timeout: 30_000 })
      expect(run('capture', String(t.pid), '-o', join(alone, 'plain.pssnap')).status).toBe(0)
      const r = run('capture', String(t.pid), '--registers', '-o', join(alone, 'regs.pssnap'))
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(/^CAPTURE_DEPENDENCY_MISSING - holding a Linux process .* needs the package 'koffi'/)
      expect(tracerPid(t.pid)).toBe(0)
    } finally {
      rmSync(alone, { recursive: true, force: true })
    }
  })

  it('ALREADY_TRACED, naming the tracer, when another tracer holds the process', async () => {
    const t = start()
    const holder = await pausedCapture(t.pid, join(dir, 'first.pssnap'))
    const r = await runCli('capture', String(t.pid), '--registers', '-o', join(dir, 'second.pssnap'))
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`^ALREADY_TRACED - process ${t.pid} is already traced by process ${holder.pid}`))
    expect(existsSync(join(dir, 'second.pssnap'))).toBe(false)
    holder.kill('SIGKILL')
    await until(() => tracerPid(t.pid) === 0, 'detached')
  })
})
