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
  // A leak: 4 more File handles every hour; a steady series: the same counts every hour (6 of each: a
  // verdict needs 5 snapshots). The idle http.server of issue 11: 11.1, 20.2, 20.2, 20.2 MiB over 3 s.
  await Promise.all(
    [0, 1, 2, 3, 4, 5].flatMap((i) => {
      const leak = later(a, i)
      addFiles(leak, 4 * i, 'leak')
      const server = later(a, i / 3600)
      server.header.processInformation!.privateUsage = BigInt(Math.round((i === 0 ? 11.1 : 20.2) * 1048576))
      return [save(`leak${i}.pssnap`, leak), save(`steady${i}.pssnap`, later(a, i)), ...(i < 4 ? [save(`server${i}.pssnap`, server)] : [])]
    }),
  )
  // Cut before its regions: the trailer is missing and the regions section incomplete (0 of 240).
  const bytes = await snapshotBytes(a)
  await writeFile(path('trunc.pssnap'), bytes.subarray(0, Math.floor(bytes.length * 0.8)))
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

describe('diff of a damaged archive', () => {
  it('never reports entries of an incomplete section; says so on stderr, in the table, JSON and CSV', async () => {
    const r = await run('diff', path('trunc.pssnap'), path('a.pssnap'))
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/^warning: .*trunc\.pssnap is damaged: regions incomplete \(0 of 240 entries\), trailer missing; results below are partial$/m)
    expect(r.stdout).toContain('warning NOT_COMPARABLE - regions not comparable: damaged in the earlier snapshot (0 of 240 entries): its entries are not compared')
    expect(r.stdout).toMatch(/regions and modules not comparable/)
    expect(r.stdout).not.toContain('Added regions')
    expect(r.stdout).toMatch(/^regions +damaged +240 +-$/m)
    expect(r.stdout).toMatch(/^committed +damaged +[\d.]+ \w+ +-$/m)

    const json = await run('diff', path('trunc.pssnap'), path('a.pssnap'), '--json')
    const doc = JSON.parse(json.stdout)
    expect(doc.notComparable).toEqual([{ section: 'regions', before: 'damaged', after: 'ok', message: 'regions not comparable: damaged in the earlier snapshot (0 of 240 entries)' }])
    expect(doc.regions.counts).toEqual({ added: null, removed: null, changed: null, unchanged: null })
    expect(doc.regions.added).toEqual([])
    expect(doc.modules.counts.added).toBeNull()
    expect(doc.counters.find((c: { name: string }) => c.name === 'regions')).toEqual({ name: 'regions', unit: 'count', before: null, after: '240', delta: null, beforeAbsent: 'damaged', afterAbsent: null })
    expect(doc.damage.before).toMatchObject({ complete: false, trailer: 'missing' })
    expect(doc.damage.after.complete).toBe(true)
    expect(doc.handles.counts).toEqual({ added: 0, removed: 0, unchanged: 400 })
    expect(json.stderr).toMatch(/NOT_COMPARABLE - regions not comparable/)

    const csv = await run('diff', path('trunc.pssnap'), path('a.pssnap'), '--csv')
    const lines = csv.stdout.split('\r\n')
    expect(lines[1]).toBe('regions,not-comparable,,,,,damaged,ok,')
    expect(lines).toContain('counters,counter,regions,count,,,,240,')
    expect(lines.some((l) => l.startsWith('regions,added,'))).toBe(false)
  })

  it('a gate over a section not comparable exits 4, naming why; --strict exits 1', async () => {
    const r = await run('diff', path('trunc.pssnap'), path('a.pssnap'), '--fail-on', 'regions+1', '--fail-on', 'handles+1000')
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/^GATE_NOT_COMPARABLE - regions not comparable: damaged in the earlier snapshot \(0 of 240 entries\) \(--fail-on regions\+1\)$/m)
    const json = JSON.parse((await run('diff', path('trunc.pssnap'), path('a.pssnap'), '--json', '--fail-on', 'committed+1')).stdout)
    expect(json.failOnUnchecked).toEqual([{ gate: 'committed+1', metric: 'committed', message: expect.stringMatching(/^regions not comparable/) }])
    expect(json.failOn).toEqual([])
    const strict = await run('diff', path('trunc.pssnap'), path('a.pssnap'), '--strict')
    expect(strict.code).toBe(1)
    expect(strict.stdout).toContain('NOT_COMPARABLE')
    // An intact pair with a gate that passes still exits 0.
    expect((await run('diff', path('a.pssnap'), path('b.pssnap'), '--fail-on', 'regions+5', '--strict')).code).toBe(0)
  })
})

describe('pssnap trend', () => {
  it('sorts by capture time and gives a leak verdict with its evidence and strength', async () => {
    const r = await run('trend', path('leak2.pssnap'), path('leak0.pssnap'), path('leak1.pssnap'), path('leak5.pssnap'), path('leak3.pssnap'), path('leak4.pssnap'))
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^1 .* leak0\.pssnap +400 /m)
    expect(r.stdout).toMatch(/^6 .* leak5\.pssnap +420 /m)
    expect(r.stdout).toContain('Verdict: LEAK')
    expect(r.stdout).toMatch(/handles grew steadily over 6 snapshots in 5 h: 400 → 420 \(\+20\), \+4 per hour \(Theil–Sen, 95% CI \+4 to \+4 per hour\); Mann–Kendall p = 0\.0014 \(exact\), 15 of 15 pairs increasing/)
    // Twenty unique leaked names are one pattern row, not twenty.
    expect(r.stdout).toMatch(/top growing names: \\Device\\HarddiskVolume3\\ProgramData\\Contoso\\leak\\leak-#\.tmp ×20 \+20/)
    expect(r.stdout).toMatch(/^\\Device\\HarddiskVolume3\\ProgramData\\Contoso\\leak\\leak-#\.tmp +×20 +0 +20 +\+20$/m)
    expect(r.stdout).toMatch(/^name +first +last +net +per hour +shape +Mann–Kendall$/m)
  })

  it('the idle http.server of issue 11 (one step over 3 s) is inconclusive, not a leak, with no rate per hour', async () => {
    const r = await run('trend', ...[0, 1, 2, 3].map((i) => path(`server${i}.pssnap`)))
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Verdict: inconclusive')
    expect(r.stdout).toContain('not enough to judge: 4 snapshots over 3.0 s; a leak verdict needs at least 5 snapshots (4 given) and a span of at least 30 s (3.0 s given)')
    expect(r.stdout).toMatch(/seen so far: privateUsage rose in one step, \+9\.1 MiB between #1 and #2 \(100% of its rise\), flat before and after/)
    expect(r.stdout).not.toMatch(/hour|LEAK|grew monotonically/)
    expect(r.stdout).toMatch(/^privateUsage +11\.1 MiB +20\.2 MiB +\+9\.1 MiB +\+\d[\d.]* MiB +step +p = 0\.25$/m)
  })

  it('writes pssnap.trend/2 with --json; no leak on a steady series', async () => {
    const leak = JSON.parse((await run('trend', ...[0, 1, 2, 3, 4, 5].map((i) => path(`leak${i}.pssnap`)), '--json')).stdout)
    expect(leak.schema).toBe('pssnap.trend/2')
    expect(leak.verdict.verdict).toBe('leak')
    expect(leak.verdict.growing).toEqual(['handles', 'handles.File'])
    const steady = await run('trend', ...[0, 1, 2, 3, 4, 5].map((i) => path(`steady${i}.pssnap`)), '--json')
    expect(steady.code).toBe(0)
    expect(JSON.parse(steady.stdout).verdict).toMatchObject({ verdict: 'no-leak', growing: [] })
  })

  it('--min-snapshots and --min-span set the requirements', async () => {
    const doc = JSON.parse((await run('trend', ...[0, 1, 2, 3].map((i) => path(`server${i}.pssnap`)), '--json', '--min-snapshots', '3', '--min-span', '1')).stdout)
    expect(doc.verdict).toMatchObject({ verdict: 'no-leak', requirements: { minSnapshots: 3, minSpanSeconds: 1, missing: [] } })
    expect((await run('trend', path('leak0.pssnap'), '--min-snapshots', '1')).code).toBe(2)
  })

  it('a damaged snapshot has no value for its damaged section (never 0), and --strict exits 1', async () => {
    const r = await run('trend', path('steady0.pssnap'), path('trunc.pssnap'), path('steady1.pssnap'))
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/trunc\.pssnap is damaged: regions incomplete/)
    expect(r.stdout).toMatch(/^\d +\S+ +trunc\.pssnap +400 +24 +[\d.]+ MiB +damaged$/m)
    expect(r.stdout).toContain('committed: no value in 1 of 3 snapshots (damaged or not captured), judged on the other 2')
    const doc = JSON.parse((await run('trend', path('steady0.pssnap'), path('trunc.pssnap'), path('steady1.pssnap'), '--json')).stdout)
    const point = doc.points.findIndex((p: { label: string }) => p.label === 'trunc.pssnap')
    expect(doc.points[point].damaged).toEqual(['vaSpace'])
    expect(doc.totals.find((x: { metric: string }) => x.metric === 'committed').values[point]).toBeNull()
    expect((await run('trend', path('steady0.pssnap'), path('trunc.pssnap'), '--strict')).code).toBe(1)
  })

  it('writes one CSV row per series with --csv, one column per snapshot in capture order', async () => {
    const r = await run('trend', path('leak2.pssnap'), path('leak0.pssnap'), path('leak1.pssnap'), '--csv')
    expect(r.code).toBe(0)
    const lines = r.stdout.split('\r\n')
    expect(lines[0]).toBe('group,metric,unit,first,last,net,slopePerHour,monotonicGrowth,shape,pIncrease,theilSenPerSecond,leak0.pssnap,leak1.pssnap,leak2.pssnap')
    expect(lines).toContainEqual(expect.stringMatching(/^totals,handles,count,400,408,8,4,true,no-trend,0\.1666\d*,0\.00111\d*,400,404,408$/))
    expect(lines.filter((l) => l.startsWith('byType,handles.File,'))).toEqual([expect.stringMatching(/,true,[a-z-]+,[\d.e-]+,[\d.e-]+,\d+,\d+,\d+$/)])
    expect(lines.filter((l) => l.startsWith('byPattern,'))).toHaveLength(1)
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
