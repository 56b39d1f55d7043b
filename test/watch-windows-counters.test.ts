// Windows memory and CPU counters for `pssnap watch` conditions (capture/windows/process-counters.ts) against the
// fake PSS library's K32GetProcessMemoryInfo and GetProcessTimes (test/fake-pss/fake_counters.c): the fake is as
// strict as MSDN documents Windows (checked against Wine's real kernel32 in test/wine-counters.test.ts), a poll
// asks only for what its condition names, values are bytes and seconds, and growth and cpuPercent mean what they
// mean on Linux.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { loadKoffi, type KoffiLibrary } from '../capture/windows/koffi.js'
import { windowsProcessCounters } from '../capture/windows/process-counters.js'
import { watch, type WatchEvent } from '../capture/watch/watch.js'
import { openFakePss } from './fake-pss/control.js'

const library = inject('fakePssLibrary') ?? process.env.PSSNAP_FAKE_PSS!
const MIB = 1024 * 1024

describe('the fake K32GetProcessMemoryInfo and GetProcessTimes keep Windows’ documented rules', () => {
  let lib: KoffiLibrary
  let calls: {
    OpenProcess: (access: number, inherit: number, pid: number) => bigint | null
    CloseHandle: (h: bigint) => number
    GetLastError: () => number
    K32GetProcessMemoryInfo: (h: bigint, out: Buffer | null, cb: number) => number
    GetProcessTimes: (h: bigint, c: Buffer | null, e: Buffer | null, k: Buffer | null, u: Buffer | null) => number
  }
  beforeAll(async () => {
    const koffi = await loadKoffi()
    lib = koffi.load(library)
    calls = {
      OpenProcess: lib.func('OpenProcess', 'void *', ['uint32_t', 'int32_t', 'uint32_t']) as never,
      CloseHandle: lib.func('CloseHandle', 'int32_t', ['void *']) as never,
      GetLastError: lib.func('GetLastError', 'uint32_t', []) as never,
      K32GetProcessMemoryInfo: lib.func('K32GetProcessMemoryInfo', 'int32_t', ['void *', 'void *', 'uint32_t']) as never,
      GetProcessTimes: lib.func('GetProcessTimes', 'int32_t', ['void *', 'void *', 'void *', 'void *', 'void *']) as never,
    }
  })
  afterAll(() => lib?.unload())

  it('bad handle, missing rights, NULL output, short cb: FALSE with the error Windows gives', () => {
    const c = calls
    const limited = c.OpenProcess(0x1000, 0, 31337)!
    const withRead = c.OpenProcess(0x1010, 0, 31337)!
    try {
      const pmc = () => Buffer.alloc(80)
      const ft = () => Buffer.alloc(8)
      expect([c.K32GetProcessMemoryInfo(0x1234n, pmc(), 80), c.GetLastError()]).toEqual([0, 6]) // ERROR_INVALID_HANDLE
      expect([c.GetProcessTimes(0x1234n, ft(), ft(), ft(), ft()), c.GetLastError()]).toEqual([0, 6])
      expect([c.K32GetProcessMemoryInfo(limited, pmc(), 80), c.GetLastError()]).toEqual([0, 5]) // no PROCESS_VM_READ
      expect(c.GetProcessTimes(limited, ft(), ft(), ft(), ft())).toBe(1) // PROCESS_QUERY_LIMITED_INFORMATION is enough
      expect([c.K32GetProcessMemoryInfo(withRead, null, 80), c.GetLastError()]).toEqual([0, 998]) // ERROR_NOACCESS
      expect([c.K32GetProcessMemoryInfo(withRead, pmc(), 71), c.GetLastError()]).toEqual([0, 122]) // ERROR_INSUFFICIENT_BUFFER
      // cb of PROCESS_MEMORY_COUNTERS fills that much (cb written back 72, no PrivateUsage); the _EX size fills 80.
      const short = Buffer.alloc(80, 0xee)
      expect(c.K32GetProcessMemoryInfo(withRead, short, 72)).toBe(1)
      expect([short.readUInt32LE(0), short.readBigUInt64LE(16), short.readBigUInt64LE(72)]).toEqual([72, BigInt(80 * MIB), 0xeeeeeeeeeeeeeeeen])
      const full = pmc()
      expect(c.K32GetProcessMemoryInfo(withRead, full, 80)).toBe(1)
      expect([full.readUInt32LE(0), full.readBigUInt64LE(72)]).toEqual([80, BigInt(64 * MIB)])
    } finally {
      c.CloseHandle(limited)
      c.CloseHandle(withRead)
    }
  })
})

describe('windowsProcessCounters and watch on the fake', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pssnap-watch-wincounters-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads private bytes and RSS in bytes and CPU time in seconds, each only when asked', async () => {
    const { control } = await openFakePss(library)
    const memoryCalls = control.func('FakeCountersMemoryCalls', 'uint32_t', []) as () => number
    const before = memoryCalls()
    const none = await windowsProcessCounters(31337, { handles: true, threads: false, times: false, memory: false }, library)
    expect(none).toEqual({ exited: false, handleCount: 4000 })
    expect(memoryCalls()).toBe(before)
    const all = await windowsProcessCounters(31337, { handles: false, threads: false, memory: true, times: true }, library)
    expect(memoryCalls()).toBe(before + 1)
    expect(all).toMatchObject({ exited: false, rss: 80 * MIB, privateBytes: 64 * MIB })
    expect(all.cpuSeconds).toBeGreaterThanOrEqual(2) // 0.5 s kernel + 1.5 s user at the first call, then growing
    expect(await windowsProcessCounters(999_999, { handles: false, threads: false, memory: true }, library)).toEqual({ exited: true })
  })

  it('PROCESS_VM_READ refused: asked again with PROCESS_QUERY_LIMITED_INFORMATION alone; the fake, as MSDN says, then refuses the memory call', async () => {
    const { fake } = await openFakePss(library)
    const next = fake.callCount('OpenProcess') + 1
    fake.failCalls('OpenProcess', next, 1, 5)
    try {
      const e = await windowsProcessCounters(31337, { handles: false, threads: false, memory: true }, library).catch((x: unknown) => x as Error & { code?: number })
      expect(fake.callCount('OpenProcess')).toBe(next + 1)
      expect(fake.lastOpenAccess()).toBe(0x1000)
      expect(e).toBeInstanceOf(Error)
      expect((e as Error).message).toMatch(/K32GetProcessMemoryInfo/)
      // CPU alone needs no PROCESS_VM_READ: one OpenProcess.
      const times = await windowsProcessCounters(31337, { handles: false, threads: false, times: true }, library)
      expect(times.cpuSeconds).toBeGreaterThan(0)
      expect(fake.lastOpenAccess()).toBe(0x1000)
    } finally {
      fake.failCalls('OpenProcess', 0, 0, 0)
    }
  })

  it('a poll reads memory only for a memory condition; privateGrowth catches the leaking notepad, cpuPercent the busy app', async () => {
    const { control } = await openFakePss(library)
    const memoryCalls = control.func('FakeCountersMemoryCalls', 'uint32_t', []) as () => number
    const run = async (pid: number, when: string, ms: number, count?: number) => {
      const samples: Extract<WatchEvent, { type: 'sample' }>[] = []
      let from = 0
      const result = await watch({
        target: { pid },
        pssLibrary: library,
        directory: dir,
        when,
        pollMs: 100,
        cpuWindowMs: 1000,
        untilMs: Date.now() + ms,
        ...(count ? { count } : {}),
        onEvent: (e) => {
          if (e.type === 'target') from = memoryCalls()
          if (e.type === 'sample') samples.push(e)
        },
      })
      return { result, samples, memoryReads: memoryCalls() - from }
    }
    const handles = await run(4242, 'handleCount > 100', 600)
    expect(handles.memoryReads).toBe(0)
    const cpu = await run(4242, 'cpuPercent > 50', 600)
    expect(cpu.memoryReads).toBe(0)
    // Idle: 0 % of a core between polls (its times do not move).
    expect(cpu.samples.slice(1).every((s) => s.counters.cpuPercent === 0)).toBe(true)
    const leak = await run(4242, 'privateGrowth >= 4MB', 10_000, 1)
    expect(leak.result).toMatchObject({ captures: 1, stoppedBy: 'count' })
    expect(leak.memoryReads).toBe(leak.samples.length)
    // 1 MiB more per read: false for the first four polls, true at the fifth.
    expect(leak.samples.map((s) => s.holds)).toEqual([false, false, false, false, true])
    expect(leak.samples.map((s) => s.counters.privateGrowth)).toEqual([0, 1, 2, 3, 4].map((n) => n * MIB))
    const busy = await run(31337, 'cpuPercent > 50', 10_000, 1)
    expect(busy.result).toMatchObject({ captures: 1, stoppedBy: 'count' })
    expect(busy.samples.at(-1)!.counters.cpuPercent).toBeGreaterThan(50)
    expect(busy.memoryReads).toBe(0)
  }, 40_000)
})
