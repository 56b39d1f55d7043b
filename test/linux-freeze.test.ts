// --freeze (issue 16 item 3): a target that opens and closes a descriptor, maps and unmaps a page and starts
// and joins threads without pause (test/linux-freeze/churn.c, gcc-built) is captured with every thread held
// for the whole capture. Checked from outside, by the kernel's own view: while held every thread is in
// tracing stop (`t` in each task's stat, which the archive's schedulerState was read from), and nothing
// vanished mid-read (no soft error); afterwards TracerPid is 0 and the target runs on (its counter moves).
// The hold time is recorded (EPILOGUE heldMs, each thread's heldTime). Needs gcc and koffi.
import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasTool } from './helpers/tools.js'
import { captureLinuxToFile } from '../capture/linux/capture.js'
import { openArchiveFile } from '../reader/node.js'

const has = hasTool
const koffi = await import('koffi').then(
  () => true,
  () => false,
)
const missing = process.platform !== 'linux' ? ['linux'] : [...(has('gcc') ? [] : ['gcc']), ...(koffi ? [] : ['koffi'])]
const REQUIRED = process.env.PSSNAP_REQUIRE_LSOF === '1' || process.env.PSSNAP_REQUIRE_WINE === '1'
const skip = missing.length > 0 && !REQUIRED
if (skip) console.warn(`test/linux-freeze.test.ts skipped: ${missing.join(', ')} not found`)

const SOURCE = fileURLToPath(new URL('./linux-freeze/churn.c', import.meta.url))

describe.skipIf(skip)('capture --freeze: one instant (issue 16)', () => {
  let dir: string
  let child: ChildProcessByStdio<Writable, Readable, null>
  let lastTick = 0

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pssnap-freeze-'))
    const exe = join(dir, 'churn')
    execFileSync('gcc', ['-O1', '-pthread', '-o', exe, SOURCE])
    child = spawn(exe, [], { stdio: ['pipe', 'pipe', 'inherit'] })
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        const s = b.toString()
        if (s.includes('ready')) resolve()
        for (const m of s.matchAll(/tick (\d+)/g)) lastTick = Number(m[1])
      })
      child.once('exit', (code) => reject(new Error(`churn exited (${code})`)))
    })
  }, 60_000)

  afterAll(async () => {
    child?.kill('SIGKILL')
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('reads every section while every thread is held, records the hold, and releases the target', async () => {
    const pid = child.pid!
    for (let i = 0; i < 3; i++) {
      const out = join(dir, `frozen-${i}.pssnap`)
      await captureLinuxToFile(pid, out, { freeze: true })
      const a = await openArchiveFile(out, { strict: true })
      // Nothing vanished between listing and reading: no descriptor, thread or mapping changed while held.
      expect(a.captureErrors, `capture ${i}`).toEqual([])
      const threads = a.threads.toArray()
      expect(threads.length).toBeGreaterThanOrEqual(2)
      // The kernel's own state of each thread when it was read: tracing stop.
      for (const t of threads) expect(t.schedulerState, `thread ${t.threadId}`).toBe('t')
      for (const t of threads) expect(t.heldTime, `thread ${t.threadId}`).toBeGreaterThan(0n)
      const timings = a.epilogue!.timings!
      expect(timings.heldMs).toBeGreaterThan(0)
      // Held for the reads: longer than the sections took.
      expect(timings.heldMs! + 1).toBeGreaterThanOrEqual((timings.handlesMs ?? 0) + (timings.threadsMs ?? 0) + (timings.vaSpaceMs ?? 0))
      // Released: no tracer, and the counter moves again.
      const status = readFileSync(`/proc/${pid}/status`, 'latin1')
      expect(/^TracerPid:\s*(\d+)/m.exec(status)![1]).toBe('0')
      expect(/^State:\s*(\S)/m.exec(status)![1]).not.toBe('t')
      const before = lastTick
      for (let waited = 0; lastTick === before && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50))
      expect(lastTick, 'the target runs after the capture').toBeGreaterThan(before)
    }
  }, 120_000)

  it('the default capture never stops the target (no thread in tracing stop)', async () => {
    const out = join(dir, 'plain.pssnap')
    await captureLinuxToFile(child.pid!, out)
    const a = await openArchiveFile(out)
    expect(a.threads.toArray().every((t) => t.schedulerState !== 't' && t.heldTime === undefined)).toBe(true)
    expect(a.epilogue!.timings!.heldMs).toBeUndefined()
  }, 60_000)
})
