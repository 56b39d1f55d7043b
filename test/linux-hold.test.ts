// The Linux holding mechanism (capture/linux/hold.ts) against a real process (test/fixtures-c/chain.c): every
// thread held while fn runs, the target left as it was (running or SIGSTOPped), also when the holder is
// SIGKILLed mid-hold, and typed errors when ptrace is refused. The oracle is the kernel's own /proc view:
// thread states (t = traced stop, T = stopped), TracerPid and the ticker thread's context switches.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { holdProcess } from '../capture/linux/hold.js'
import { buildChain, runs, startChain, threadState, tracerPid, until, type ChainTarget } from './helpers/chain-target.js'
import { mountHungFuse, waitingOnFuse, type HungFuse } from './helpers/hung-fuse.js'

const fuseDir = mkdtempSync(join(tmpdir(), 'pssnap-hold-fuse-'))
const fuse: HungFuse | string = process.platform === 'linux' ? mountHungFuse(join(fuseDir, 'mnt')) : 'Linux only'

const linux = process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64')
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(!linux)('holding a Linux process', () => {
  let exe = ''
  let holderScript = ''
  const targets: ChainTarget[] = []
  const children: ChildProcess[] = []
  const start = () => {
    const t = startChain(exe)
    targets.push(t)
    return t
  }

  beforeAll(async () => {
    exe = buildChain()
    // A separate holder process, so it can be SIGKILLed mid-hold: hold.ts bundled (koffi stays external).
    const dir = fileURLToPath(new URL('./fixtures-c/build/', import.meta.url))
    mkdirSync(dir, { recursive: true })
    holderScript = `${dir}holder.${process.pid}.mjs`
    await build({
      stdin: { contents: `import { holdProcess } from '../../../capture/linux/hold.ts'\nconst pid = Number(process.argv[2])\ntry { await holdProcess(pid, async (h) => { process.stdout.write('held ' + h.threads.length + '\\n'); await new Promise((r) => setTimeout(r, 60000)) }) } catch (e) { process.stdout.write('error ' + e.code + ' ' + e.message + '\\n') }\n`, resolveDir: dir, loader: 'ts' },
      outfile: holderScript,
      bundle: true,
      platform: 'node',
      format: 'esm',
      external: ['koffi'],
      logLevel: 'warning',
    })
  }, 60_000)

  afterAll(() => {
    for (const c of children) c.kill('SIGKILL')
    for (const t of targets) t.kill()
    if (typeof fuse !== 'string') fuse.release()
    rmSync(fuseDir, { recursive: true, force: true })
  })

  /** Starts the holder on pid and resolves once it holds every thread. */
  async function holder(pid: number): Promise<ChildProcess> {
    const child = spawn(process.execPath, [holderScript, String(pid)], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    let err = ''
    child.stderr!.on('data', (d) => (err += String(d)))
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d) => String(d).startsWith('held') && resolve())
      child.on('exit', (code) => reject(new Error(`holder exited ${code}: ${err}`)))
    })
    return child
  }

  it('holds every thread while fn runs, reads registers, and lets the process run again', async () => {
    const t = start()
    expect(await runs(t)).toBe(true)
    const result = await holdProcess(t.pid, async (hold) => {
      expect(hold.wasStopped).toBe(false)
      expect(hold.threads.map((h) => h.tid).sort((a, b) => a - b)).toEqual(t.tids)
      for (const tid of t.tids) expect(threadState(t.pid, tid)).toBe('t')
      expect(tracerPid(t.pid)).toBe(process.pid)
      expect(await runs(t)).toBe(false)
      const regs = hold.readRegisters(t.pid)!
      expect(regs.architecture).toBe(process.arch)
      expect(regs.bytes.length).toBe(process.arch === 'x64' ? 216 : 272)
      return t.tids.map((tid) => hold.readRegisters(tid))
    })
    expect(result.value.every((r) => r !== undefined)).toBe(true)
    expect(result.threads.map((h) => h.stop)).toEqual(['interrupt', 'interrupt', 'interrupt'])
    for (const h of result.threads) expect(h.heldNs).toBeGreaterThan(100e6) // fn paused 150 ms
    await until(() => t.tids.every((tid) => threadState(t.pid, tid) === 'S'), 'every thread sleeping again')
    expect(tracerPid(t.pid)).toBe(0)
    expect(await runs(t)).toBe(true)
  })

  it('releases when fn throws', async () => {
    const t = start()
    await expect(holdProcess(t.pid, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(tracerPid(t.pid)).toBe(0)
    expect(await runs(t)).toBe(true)
  })

  it('leaves a SIGSTOPped process stopped', async () => {
    const t = start()
    process.kill(t.pid, 'SIGSTOP')
    await until(() => t.tids.every((tid) => threadState(t.pid, tid) === 'T'), 'stopped')
    const result = await holdProcess(t.pid, (hold) => {
      expect(hold.wasStopped).toBe(true)
      return hold.readRegisters(t.tids[2]!)
    })
    expect(result.value?.bytes.length).toBeGreaterThan(0)
    expect(result.threads.every((h) => h.stop === 'group-stop' || h.stop === 'interrupt')).toBe(true)
    await until(() => tracerPid(t.pid) === 0, 'detached')
    await pause(100)
    for (const tid of t.tids) expect(threadState(t.pid, tid)).toBe('T')
    expect(await runs(t)).toBe(false)
    process.kill(t.pid, 'SIGCONT')
    expect(await runs(t)).toBe(true)
  })

  it('a holder SIGKILLed mid-hold leaves the target running', async () => {
    const t = start()
    const child = await holder(t.pid)
    for (const tid of t.tids) expect(threadState(t.pid, tid)).toBe('t')
    expect(await runs(t)).toBe(false)
    child.kill('SIGKILL')
    await until(() => tracerPid(t.pid) === 0, 'the kernel detached the dead tracer')
    expect(await runs(t)).toBe(true)
  })

  it('a holder SIGKILLed mid-hold leaves a SIGSTOPped target stopped', async () => {
    const t = start()
    process.kill(t.pid, 'SIGSTOP')
    await until(() => threadState(t.pid, t.pid) === 'T', 'stopped')
    const child = await holder(t.pid)
    child.kill('SIGKILL')
    await until(() => tracerPid(t.pid) === 0, 'the kernel detached the dead tracer')
    await pause(100)
    for (const tid of t.tids) expect(threadState(t.pid, tid)).toBe('T')
    expect(await runs(t)).toBe(false)
    process.kill(t.pid, 'SIGCONT')
    expect(await runs(t)).toBe(true)
  })

  it('names the tracer when the process is already traced (ALREADY_TRACED)', async () => {
    const t = start()
    const child = await holder(t.pid)
    await expect(holdProcess(t.pid, () => 0)).rejects.toMatchObject({ code: 'ALREADY_TRACED', message: expect.stringContaining(String(child.pid)) })
    child.kill('SIGKILL')
    await until(() => tracerPid(t.pid) === 0, 'detached')
    expect(await runs(t)).toBe(true)
  })

  // Root here, without Yama: an unprivileged holder of a root process is what EPERM looks like.
  it.skipIf(process.getuid?.() !== 0)('PTRACE_DENIED when ptrace is refused (another user, no CAP_SYS_PTRACE)', async () => {
    const t = start()
    const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, holderScript, String(t.pid)], { stdio: ['ignore', 'pipe', 'inherit'] })
    children.push(child)
    let out = ''
    child.stdout!.on('data', (d) => (out += String(d)))
    await new Promise((r) => child.on('exit', r))
    expect(out).toMatch(/^error PTRACE_DENIED ptrace of process \d+ was refused/)
    expect(tracerPid(t.pid)).toBe(0)
  })

  // A thread in uninterruptible sleep (a stat on a FUSE mount whose daemon never answers) cannot stop: it is not
  // held, and the moment its sleep ends (the connection aborted) it stops and is detached, not left stopped.
  it.skipIf(typeof fuse === 'string')('a thread that cannot stop is not held, and is detached once it stops', async () => {
    const f = fuse as HungFuse
    const out = spawnSync('sh', ['-c', 'stat "$0/x" >/dev/null 2>&1 & echo $!', f.mountPoint], { encoding: 'utf8' })
    const pid = Number(out.stdout.trim())
    await until(() => waitingOnFuse(pid), 'stat blocked in the FUSE request')
    const result = await holdProcess(pid, (hold) => hold.threads.length, { timeoutMs: 300 })
    expect(result.value).toBe(0)
    expect(result.notStopped).toEqual([pid])
    expect(tracerPid(pid)).toBe(process.pid) // still seized: PTRACE_DETACH needs a stopped tracee
    f.release() // the request fails with ENOTCONN: stat returns, stops for the interrupt, is detached, exits
    await until(() => !existsSync(`/proc/${pid}`) || threadState(pid, pid) === 'Z', 'stat ran to its end')
  })

  it('PTRACE_DENIED, saying why, for pssnap itself', async () => {
    await expect(holdProcess(process.pid, () => 0)).rejects.toMatchObject({ code: 'PTRACE_DENIED', message: expect.stringContaining('pssnap itself') })
  })

  it('NO_SUCH_PROCESS for a pid that does not exist', async () => {
    await expect(holdProcess(2 ** 22 + 7, () => 0)).rejects.toMatchObject({ code: 'NO_SUCH_PROCESS' })
  })
})
