// End to end: `node dist/cli.js diff|trend …` (built by `npm run build`) on synthetic archives with known
// injected differences. Exit codes (0, 1, 3), stderr naming crossed gates and warnings, --json schemas.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { snapshotBytes, type Snapshot } from './synthetic/generate.js'
import { addFiles, baseSnapshot, clone, injectChanges, later, NEW_MODULE } from './helpers/snapshot-pair.js'

const run = runCli

let dir: string
const path = (name: string) => join(dir, name)
const save = async (name: string, s: Snapshot) => writeFile(path(name), await snapshotBytes(s))

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pssnap-cli-diff-'))
  const a = baseSnapshot()
  const b = clone(a)
  injectChanges(b)
  const other = clone(a)
  other.header.target.processId += 4
  await Promise.all([save('a.pssnap', a), save('b.pssnap', b), save('other.pssnap', other)])
  // A leak: 4 more File handles every hour; a steady series: the same counts every hour.
  await Promise.all(
    [0, 1, 2].flatMap((i) => {
      const leak = later(a, i)
      addFiles(leak, 4 * i, 'leak')
      return [save(`leak${i}.pssnap`, leak), save(`steady${i}.pssnap`, later(a, i))]
    }),
  )
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('pssnap diff', () => {
  it('prints the summary per type first, then the details; exit 0 without gates', async () => {
    const r = await run('diff', path('a.pssnap'), path('b.pssnap'))
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = r.stdout
    expect(out).toMatch(/Handles 400 → 402 \(\+2\): 6 added, 4 removed; threads 2 added, 0 exited; regions 1 added, 0 removed, 1 changed; modules 1 loaded, 0 unloaded, 0 changed/)
    const order = ['Handles by type', 'Handles by object name', 'Added handles (6)', 'Removed handles (4)', 'Changed regions (1)', 'Added regions (1)', 'Loaded modules (1)', 'New threads (2)', 'Counters'].map((t) => out.indexOf(t))
    expect(order.every((i) => i >= 0)).toBe(true)
    expect([...order].sort((x, y) => x - y)).toEqual(order)
    expect(out).toMatch(/^File +\d+ +\d+ +\+5 +0 +\+5$/m)
    expect(out).toMatch(/protect +READWRITE +EXECUTE_READWRITE/)
    expect(out).toContain(NEW_MODULE)
    expect(out).toMatch(/^privateUsage +[\d.]+ MiB +[\d.]+ MiB +\+64 MiB$/m)
    expect(out).not.toContain('performanceCounters.')
    expect((await run('diff', path('a.pssnap'), path('b.pssnap'), '--details')).stdout).toContain('performanceCounters.totalCycleCount')
  })

  it('exits 3 when a gate is crossed, naming each crossing on stderr', async () => {
    const r = await run('diff', path('a.pssnap'), path('b.pssnap'), '--fail-on', 'handles.File+5', '--fail-on', 'private+50MB,threads+3')
    expect(r.code).toBe(3)
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^GATE_CROSSED - handles\.File grew by 5 \(\d+ → \d+\), limit \+5 \(--fail-on handles\.File\+5\)$/),
      expect.stringMatching(/^GATE_CROSSED - private grew by 64 MiB .*limit \+50 MiB/),
    ])
    const ok = await run('diff', path('a.pssnap'), path('b.pssnap'), '--fail-on', 'handles.File+6', '--fail-on', 'modules+2')
    expect(ok.code).toBe(0)
    expect(ok.stderr).toBe('')
  })

  it('rejects a malformed gate before reading (exit 1, BAD_GATE)', async () => {
    const r = await run('diff', path('a.pssnap'), path('missing.pssnap'), '--fail-on', 'handles+lots')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^BAD_GATE - bad --fail-on gate 'handles\+lots'/)
  })

  it('writes pssnap.diff/1 with --json, gates included', async () => {
    const r = await run('diff', path('a.pssnap'), path('b.pssnap'), '--json', '--fail-on', 'modules+1', '--limit', '3')
    expect(r.code).toBe(3)
    const doc = JSON.parse(r.stdout)
    expect(doc.schema).toBe('pssnap.diff/1')
    expect(doc.handles.counts).toEqual({ added: 6, removed: 4, unchanged: 396 })
    expect(doc.handles.added).toHaveLength(3)
    expect(doc.threads.counts).toEqual({ added: 2, removed: 0, unchanged: 24 })
    expect(doc.regions.counts).toMatchObject({ added: 1, removed: 0, changed: 1 })
    expect(doc.modules.added.map((m: { path: string }) => m.path)).toEqual([NEW_MODULE])
    expect(doc.failOn).toEqual([expect.objectContaining({ gate: 'modules+1', growth: '1' })])
    expect(r.stderr).toMatch(/^GATE_CROSSED - modules grew by 1/)
    const plain = JSON.parse((await run('diff', path('a.pssnap'), path('b.pssnap'), '--json')).stdout)
    expect(plain.failOn).toBeUndefined()
    expect(plain.handles.added).toHaveLength(6)
  })

  it('warns loudly (stderr with --json, atop the table otherwise) when the snapshots are of different processes', async () => {
    const r = await run('diff', path('a.pssnap'), path('other.pssnap'), '--json')
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/^warning PID_DIFFERS - process ids differ/)
    expect(JSON.parse(r.stdout).warnings.map((w: { code: string }) => w.code)).toEqual(['PID_DIFFERS'])
    const table = await run('diff', path('a.pssnap'), path('other.pssnap'))
    expect(table.stdout.split('\n').slice(0, 3)).toEqual([expect.stringMatching(/^a\.pssnap → other\.pssnap: pid \d+ → \d+ /), expect.stringMatching(/^captured /), expect.stringMatching(/^warning PID_DIFFERS - process ids differ/)])
    expect(table.stderr).toBe('')
  })

  it('writes one CSV row per change, gates still apply; --csv with --json is a usage error (exit 2)', async () => {
    const r = await run('diff', path('a.pssnap'), path('b.pssnap'), '--csv', '--fail-on', 'handles.File+5')
    expect(r.code).toBe(3)
    const lines = r.stdout.split('\r\n')
    expect(lines[0]).toBe('section,change,key,type,name,field,before,after,delta')
    expect(lines.filter((l) => /^handles,added,0x[0-9a-f]+,File,/.test(l))).toHaveLength(5)
    expect(lines.filter((l) => l.startsWith('handles,removed,'))).toHaveLength(4)
    expect(lines.filter((l) => l.startsWith('regions,changed,'))).toEqual([expect.stringMatching(/^regions,changed,0x[0-9a-f]+,,,protect,4,64,$/)])
    expect(lines).toContain('counters,counter,handles,count,,,400,402,2')
    const both = await run('diff', path('a.pssnap'), path('b.pssnap'), '--csv', '--json')
    expect(both.code).toBe(2)
  })

  it('fails on a missing archive (exit 1)', async () => {
    const r = await run('diff', path('a.pssnap'), path('missing.pssnap'))
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^ENOENT - /)
  })
})

describe('pssnap trend', () => {
  it('sorts by capture time and gives a leak verdict with its evidence', async () => {
    const r = await run('trend', path('leak2.pssnap'), path('leak0.pssnap'), path('leak1.pssnap'))
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^1 .* leak0\.pssnap +400 /m)
    expect(r.stdout).toMatch(/^3 .* leak2\.pssnap +408 /m)
    expect(r.stdout).toContain('Verdict: LEAK')
    expect(r.stdout).toMatch(/handles grew monotonically over 3 snapshots: 400 → 408 \(\+8, 4\.0\/hour\)/)
    expect(r.stdout).toContain('top growing names: ')
  })

  it('writes pssnap.trend/1 with --json; no leak on a steady series', async () => {
    const leak = JSON.parse((await run('trend', path('leak0.pssnap'), path('leak1.pssnap'), path('leak2.pssnap'), '--json')).stdout)
    expect(leak.schema).toBe('pssnap.trend/1')
    expect(leak.verdict.verdict).toBe('leak')
    expect(leak.verdict.growing).toEqual(['handles', 'handles.File'])
    const steady = await run('trend', path('steady0.pssnap'), path('steady1.pssnap'), path('steady2.pssnap'), '--json')
    expect(steady.code).toBe(0)
    expect(JSON.parse(steady.stdout).verdict).toMatchObject({ verdict: 'no-leak', growing: [] })
  })

  it('writes one CSV row per series with --csv, one column per snapshot in capture order', async () => {
    const r = await run('trend', path('leak2.pssnap'), path('leak0.pssnap'), path('leak1.pssnap'), '--csv')
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\r\n')
    expect(lines[0]).toBe('group,metric,unit,first,last,net,slopePerHour,monotonicGrowth,leak0.pssnap,leak1.pssnap,leak2.pssnap')
    expect(lines).toContain('totals,handles,count,400,408,8,4,true,400,404,408')
    expect(lines.filter((l) => l.startsWith('byType,handles.File,'))).toEqual([expect.stringMatching(/,true,\d+,\d+,\d+$/)])
  })
})

describe('--help', () => {
  it('shows an example for diff and trend, and both in the command list', async () => {
    for (const verb of ['diff', 'trend']) {
      const r = await run(verb, '--help')
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(new RegExp(`Examples:\\n +pssnap ${verb} `))
    }
    const top = await run('--help')
    expect(top.stdout).toMatch(/pssnap diff <a> <b>/)
    expect(top.stdout).toMatch(/pssnap trend <archives\.\.>/)
  })
})
