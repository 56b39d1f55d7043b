// Entry of the Wine counters run (test/wine-counters.test.ts), bundled into one .js and run by the Windows build of
// Node: `node run-counters.js <fake DLL> <result JSON file>`. Wine's own kernel32 is the oracle here:
//  - rules: the same calls on a real process handle (Wine's kernel32) and on the fake's (the DLL): bad handle,
//    short cb, PROCESS_MEMORY_COUNTERS and _EX sizes, GetProcessTimes on a bad handle; the results are compared
//    by the test;
//  - values: windowsProcessCounters of this very process (no library: kernel32.dll) bracketed by what libuv,
//    compiled C calling the same two functions, reports to Node (process.memoryUsage().rss,
//    process.cpuUsage());
//  - triggers: `watch` (no library: kernel32.dll for its polls) of a real child growing its private memory on a
//    schedule with `privateGrowth > 40MB`, and of this process with `cpuPercent > 20` while it idles and while a
//    worker thread spins (Wine's GetProcessTimes does not update another process's times, so CPU is watched
//    on itself); Wine's kernel32 has no Pss* function, so the capture a trigger asks for fails: the samples before
//    it are the result.
// The result goes to a file (Windows Node under Wine cannot write to the orchestrator's pipe).
import { spawn, type ChildProcess } from 'node:child_process'
import { Worker } from 'node:worker_threads'
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadKoffi } from '../../capture/windows/koffi.js'
import { windowsProcessCounters } from '../../capture/windows/process-counters.js'
import { watch, type WatchEvent } from '../../capture/watch/watch.js'

export interface RuleResult {
  case: string
  ok: number
  error: number
  /** cb as written back by K32GetProcessMemoryInfo. */
  cb?: number
}

export interface TriggerResult {
  samples: { holds: boolean; counters: Record<string, number> }[]
  /** The watch's end: its error code (the capture of a trigger under Wine) or how it stopped. */
  end: string
  message?: string
  ms: number
}

export interface WineCountersResult {
  runtime: { node: string; platform: string }
  rules?: { wine: RuleResult[]; fake: RuleResult[] }
  self?: { rssBefore: number; rss: number; rssAfter: number; privateBytes: number; cpuBefore: number; cpu: number; cpuAfter: number }
  growth?: TriggerResult
  burn?: TriggerResult
  idle?: TriggerResult
  /** GetProcessTimes of a spinning child, read twice 1 s apart: Wine does not update another process's times. */
  otherCpu?: [number | undefined, number | undefined]
  error?: string
}

const MIB = 1024 * 1024

async function rules(library: string, pid: number): Promise<RuleResult[]> {
  const koffi = await loadKoffi()
  const lib = koffi.load(library)
  const OpenProcess = lib.func('__stdcall', 'OpenProcess', 'void *', ['uint32_t', 'int32_t', 'uint32_t']) as (a: number, i: number, p: number) => bigint | null
  const CloseHandle = lib.func('__stdcall', 'CloseHandle', 'int32_t', ['void *']) as (h: bigint) => number
  const GetLastError = lib.func('__stdcall', 'GetLastError', 'uint32_t', []) as () => number
  const K32GetProcessMemoryInfo = lib.func('__stdcall', 'K32GetProcessMemoryInfo', 'int32_t', ['void *', 'void *', 'uint32_t']) as (h: bigint, out: Buffer, cb: number) => number
  const GetProcessTimes = lib.func('__stdcall', 'GetProcessTimes', 'int32_t', ['void *', 'void *', 'void *', 'void *', 'void *']) as (h: bigint, c: Buffer, e: Buffer, k: Buffer, u: Buffer) => number
  const out: RuleResult[] = []
  const handle = OpenProcess(0x1010, 0, pid)
  if (!handle) throw new Error(`OpenProcess(${pid}) failed: ${GetLastError()}`)
  try {
    const memory = (name: string, h: bigint, cb: number) => {
      const b = Buffer.alloc(80)
      const ok = K32GetProcessMemoryInfo(h, b, cb)
      out.push({ case: name, ok, error: ok ? 0 : GetLastError(), ...(ok ? { cb: b.readUInt32LE(0) } : {}) })
    }
    // A value that is no handle of this process (and not a pseudo handle).
    memory('memory, bad handle', 0x7ff0n, 80)
    memory('memory, cb 71', handle, 71)
    memory('memory, cb 72 (PROCESS_MEMORY_COUNTERS)', handle, 72)
    memory('memory, cb 80 (_EX)', handle, 80)
    const ft = () => Buffer.alloc(8)
    const ok = GetProcessTimes(0x7ff0n, ft(), ft(), ft(), ft())
    out.push({ case: 'times, bad handle', ok, error: ok ? 0 : GetLastError() })
    const ok2 = GetProcessTimes(handle, ft(), ft(), ft(), ft())
    out.push({ case: 'times', ok: ok2, error: ok2 ? 0 : GetLastError() })
  } finally {
    CloseHandle(handle)
    lib.unload()
  }
  return out
}

const children: ChildProcess[] = []
function child(script: string): ChildProcess {
  const c = spawn(process.execPath, ['-e', script], { stdio: 'ignore' })
  children.push(c)
  return c
}

async function trigger(pid: number | 'self', when: string, ms: number, cpuWindowMs = 1000): Promise<TriggerResult> {
  const samples: TriggerResult['samples'] = []
  const dir = mkdtempSync(join(tmpdir(), 'pssnap-wine-watch-'))
  const started = performance.now()
  const onEvent = (e: WatchEvent) => {
    if (e.type === 'sample') samples.push({ holds: e.holds, counters: e.counters as Record<string, number> })
  }
  try {
    const r = await watch({ target: pid === 'self' ? 'self' : { pid }, directory: dir, when, pollMs: 250, cpuWindowMs, count: 1, untilMs: Date.now() + ms, onEvent })
    return { samples, end: r.stoppedBy, ms: performance.now() - started }
  } catch (error) {
    const e = error as { code?: string; message?: string }
    return { samples, end: e.code ?? 'untyped', message: String(e.message), ms: performance.now() - started }
  }
}

async function main(): Promise<number> {
  const [library, resultFile] = process.argv.slice(2)
  if (!library || !resultFile) {
    process.stderr.write('usage: node run-counters.js <fake DLL> <result JSON file>\n')
    return 2
  }
  const result: WineCountersResult = { runtime: { node: process.version, platform: process.platform } }
  try {
    result.rules = { wine: await rules('kernel32.dll', process.pid), fake: await rules(library, 31337) }
    // This process: ours between two readings by libuv (same functions, compiled layouts).
    const rssBefore = process.memoryUsage().rss
    const cpuBeforeUs = process.cpuUsage()
    const own = await windowsProcessCounters(process.pid, { handles: false, threads: false, memory: true, times: true })
    const cpuAfterUs = process.cpuUsage()
    const rssAfter = process.memoryUsage().rss
    const s = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6
    result.self = { rssBefore, rss: own.rss!, rssAfter, privateBytes: own.privateBytes!, cpuBefore: s(cpuBeforeUs), cpu: own.cpuSeconds!, cpuAfter: s(cpuAfterUs) }
    // A child that commits and touches 16 MiB every 250 ms after 1.5 s; one that spins; one that idles.
    const grower = child(`const k = []; setTimeout(() => setInterval(() => k.push(Buffer.alloc(${16 * MIB}, 1)), 250), 1500); setInterval(() => {}, 1000)`)
    const burner = child('for (;;) {}')
    await new Promise((r) => setTimeout(r, 500))
    const cpuOf = async () => (await windowsProcessCounters(burner.pid!, { handles: false, threads: false, times: true })).cpuSeconds
    const first = await cpuOf()
    await new Promise((r) => setTimeout(r, 1000))
    result.otherCpu = [first, await cpuOf()]
    burner.kill()
    const [growth, idle] = await Promise.all([trigger(grower.pid!, 'privateGrowth > 40MB', 30_000), trigger('self', 'cpuPercent > 20', 4000)])
    // A worker thread of this process spins: its CPU time is this process's.
    const spinner = new Worker('for (;;) {}', { eval: true })
    try {
      // A fifth of a core: a spinning thread gets far more even on a loaded 2-core runner, an idle process far less.
      result.burn = await trigger('self', 'cpuPercent > 20', 30_000)
    } finally {
      await spinner.terminate()
    }
    Object.assign(result, { growth, idle })
  } catch (error) {
    result.error = error instanceof Error ? (error.stack ?? error.message) : String(error)
  } finally {
    for (const c of children) c.kill()
  }
  writeFileSync(`${resultFile}.tmp`, JSON.stringify(result, null, 2))
  renameSync(`${resultFile}.tmp`, resultFile)
  return result.error ? 1 : 0
}

process.exitCode = await main()
