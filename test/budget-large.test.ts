// The reading budget on the large honest cases the hostile fuzzer found over it (issue 18 item 3, spec/ARCHIVE.md
// §2.4): time ≤ 2 s + 1 s per 50 MiB of decoded payload D and peak RSS ≤ 150 MiB + 4 × D, the fuzzer's own
// rule (test/fuzz/hostile/check.ts), for the built CLI in a child under /usr/bin/time. Time is the child's CPU
// time (user + sys), which a loaded machine inflates far less than wall time.
// - fuzz seed 781000: an honest chunk of 2^20 regions backed by one byte each (D ≈ 1 MB): the table took 5.1 s
//   and CSV 2.5 s of CPU against 2.02 s (enum names were recomputed per cell, times went through Date…);
// - fuzz seed 9104500: diff of 60k handles of one identity (D 4.6 MB): --json peaked at 230 MB, --details
//   at 222 MB, against 168 MiB (every listed entry was an object, then one string);
// - 2^20 threads with every default column one byte wide (times, durations, addresses, flags, a name): the
//   most a row of a list costs to render per byte behind it.
// One or two runs of each, not every verb × mode: the fuzz tests run 2,000 smaller cases through all of them.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rssBudget, timeBudgetMs } from './fuzz/hostile/check.js'
import { decodedBytesOf } from './fuzz/hostile/generate.js'
import { everyColumnOneByte, everyColumnOneByteExcess, oneIdentityHandles, oneIdentityHandlesExcess, oneWideCell } from './helpers/budget-attacks.js'
import { CLI } from './helpers/cli.js'

const cli = process.env.PSSNAP_TEST_CLI || CLI
const TIME = '/usr/bin/time'
const canMeasure = process.platform === 'linux' && existsSync(TIME)
if (!canMeasure) console.warn("budget-large.test: skipped (needs Linux and /usr/bin/time to measure a child's CPU time and peak RSS)")

const MiB = 1024 * 1024
const dir = mkdtempSync(join(tmpdir(), 'pssnap-budget-large-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Run {
  code: number | null
  stderr: string
  stdoutBytes: number
  peakRss: number
  cpuMs: number
}

/** The CLI under /usr/bin/time; stdout counted, not kept (a 1M-row table is 250 MB). */
function run(args: string[]): Promise<Run> {
  const env = { ...process.env }
  delete env.FORCE_COLOR
  return new Promise((resolve, reject) => {
    const child = spawn(TIME, ['-f', 'PSSNAP_MEASURED %M %U %S', process.execPath, cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdoutBytes = 0
    let stderr = ''
    child.stdout.on('data', (b: Buffer) => (stdoutBytes += b.length))
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-65536)))
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(guard)
      const m = /PSSNAP_MEASURED (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr)
      resolve({ code, stderr: stderr.replace(/(Command (terminated|exited).*\n)?PSSNAP_MEASURED.*\s*$/, ''), stdoutBytes, peakRss: m ? Number(m[1]) * 1024 : Number.NaN, cpuMs: m ? (Number(m[2]) + Number(m[3])) * 1000 : Number.NaN })
    })
  })
}

interface Case {
  name: string
  /** Writes the case's files into `dir`; returns each file's D. */
  build: () => Promise<Record<string, number>>
  /** maxStdout: bytes of output allowed for D (where the table's size is the point). */
  reads: { args: string[]; files: string[]; maxStdout?: (decoded: number) => number }[]
}

const THREAD_COLUMNS = [
  { name: 'threadId', type: 'u32' },
  { name: 'priority', type: 'i32' },
  { name: 'basePriority', type: 'i32' },
  { name: 'suspendCount', type: 'u16' },
  { name: 'win32StartAddress', type: 'u64' },
  { name: 'createTime', type: 'u64' },
  { name: 'kernelTime', type: 'u64' },
  { name: 'flags', type: 'u32' },
  { name: 'threadName', type: 'str' },
] as const

const REGION_COLUMNS = [{ name: 'protect', type: 'u32' }] as const

/** Writes `bytes` as `file` in `dir`; its D is the frames' decoded bytes plus `excess` (spelled-out strings). */
function put(file: string, bytes: Uint8Array, excess = 0): Record<string, number> {
  writeFileSync(join(dir, file), bytes)
  return { [file]: decodedBytesOf(bytes) + excess }
}

const N = 1 << 20
const CASES: Case[] = [
  {
    // The fuzzer's hugeCount case (seeds 781000, 30007000): an honest chunk of 2^20 regions, one byte each.
    name: '2^20 regions backed by one protect byte each',
    build: async () => put('regions.pssnap', everyColumnOneByte('vaSpace', N, REGION_COLUMNS)),
    reads: [
      { args: ['regions', 'regions.pssnap'], files: ['regions.pssnap'] },
      { args: ['regions', 'regions.pssnap', '--csv'], files: ['regions.pssnap'] },
    ],
  },
  {
    // The fuzzer's equalKeys case (seed 9104500): 60k handles of one identity on each side, all different.
    name: 'diff of 60k handles of one identity, every one removed and added',
    build: async () => {
      const n = 60_000
      return { ...put('same-a.pssnap', oneIdentityHandles(n, 'File'), oneIdentityHandlesExcess(n, 'File')), ...put('same-b.pssnap', oneIdentityHandles(n, 'Event'), oneIdentityHandlesExcess(n, 'Event')) }
    },
    reads: [
      { args: ['diff', 'same-a.pssnap', 'same-b.pssnap', '--json'], files: ['same-a.pssnap', 'same-b.pssnap'] },
      { args: ['diff', 'same-a.pssnap', 'same-b.pssnap', '--details'], files: ['same-a.pssnap', 'same-b.pssnap'] },
    ],
  },
  {
    // One wide cell among 2^20 rows: every row was padded to it (2.4 GB of table from 2.5 KB); tableLayout's PAD_LIMIT.
    // D: the frames plus what the typeName and objectName rows spell out beyond their dictionaries.
    name: '2^20 handles, one of them with a 2,700-character typeName cell',
    build: async () => put('wide-cell.pssnap', oneWideCell(N), (N - 1) * (5 + 2)),
    // Its CPU time stays under budget even padded (the spaces go to a pipe the test drops): the table's size is what grew.
    reads: [{ args: ['handles', 'wide-cell.pssnap'], files: ['wide-cell.pssnap'], maxStdout: (d) => 64e6 + 8 * d }],
  },
  {
    name: '2^20 threads, every default column one byte wide',
    build: async () => put('threads.pssnap', everyColumnOneByte('threads', N, THREAD_COLUMNS), everyColumnOneByteExcess(N, THREAD_COLUMNS)),
    reads: [
      { args: ['threads', 'threads.pssnap'], files: ['threads.pssnap'] },
      { args: ['threads', 'threads.pssnap', '--json'], files: ['threads.pssnap'] },
    ],
  },
]

describe.skipIf(!canMeasure)('reading budget on large honest cases: CPU ≤ 2 s + 1 s per 50 MiB of D, peak RSS ≤ 150 MiB + 4 × D', () => {
  const measured: string[] = []
  afterAll(() => console.log(`budget-large.test:\n${measured.join('\n')}`))

  describe.each(CASES)('$name', ({ build, reads }) => {
    let d: Record<string, number> = {}
    beforeAll(async () => {
      d = await build()
    }, 60_000)

    it.each(reads.map((r) => ({ ...r, label: r.args.join(' ') })))('$label', async ({ args, files, maxStdout }) => {
      const decoded = files.reduce((n, f) => n + d[f]!, 0)
      const [verb, ...rest] = args
      const r = await run([verb!, ...rest.map((a) => (a.endsWith('.pssnap') ? join(dir, a) : a))])
      const line = `  ${args.join(' ')}: exit ${r.code}, CPU ${r.cpuMs.toFixed(0)} ms of ${timeBudgetMs(decoded).toFixed(0)}, peak RSS ${(r.peakRss / MiB).toFixed(0)} MiB of ${(rssBudget(decoded) / MiB).toFixed(0)}, stdout ${(r.stdoutBytes / 1e6).toFixed(1)} MB, D ${(decoded / 1e6).toFixed(2)} MB`
      measured.push(line)
      expect(r.stderr).not.toMatch(/INTERNAL|FATAL ERROR|heap limit|Invalid string length/)
      expect(r.code, r.stderr.slice(-400)).toBe(0)
      expect(r.stdoutBytes).toBeGreaterThan(0)
      expect(r.cpuMs, line).toBeLessThanOrEqual(timeBudgetMs(decoded))
      expect(r.peakRss, line).toBeLessThanOrEqual(rssBudget(decoded))
      if (maxStdout) expect(r.stdoutBytes, line).toBeLessThanOrEqual(maxStdout(decoded))
    }, 120_000)
  })
})
