// The leak verdict on a suite of synthetic series (issue 11 item 1), each built as real archives and read
// back through trendArchives: flat, noisy flat, one step, GC sawtooth, linear leak, slow leak under noise,
// leak then plateau, fewer snapshots than the minimum (the idle `python3 -m http.server` of the issue: 11.1,
// 20.2, 20.2, 20.2 MiB over 3 s), and a handle leak named by its pattern.
import { describe, expect, it } from 'vitest'
import { trendToJson } from '../reader/diff-json.js'
import { trendArchives, type TrendResult } from '../reader/trend.js'
import { generateSnapshot, type Snapshot } from './synthetic/generate.js'
import { Rng } from './synthetic/prng.js'
import { open } from './helpers/snapshot-pair.js'

const MiB = 1048576
const T0 = Date.parse('2026-11-30T10:00:00.000Z')

/** Snapshots of one small process at `times` (ms after T0) with privateUsage `mib[i]` MiB, and `files[i]` leaked files. */
async function seriesOf(mib: readonly number[], stepMs: number, files: (i: number) => number = () => 0): Promise<TrendResult> {
  const base = generateSnapshot({ seed: 5, handles: 30, regions: 12, threads: 3 })
  const snaps: Snapshot[] = mib.map((m, i) => {
    const s = structuredClone(base)
    s.header.capture.startedAt = new Date(T0 + i * stepMs).toISOString()
    s.header.processInformation!.privateUsage = BigInt(Math.round(m * MiB))
    const top = s.sections.handles.reduce((x, h) => (h.handle! > x ? h.handle! : x), 0n)
    for (let k = 0; k < files(i); k++) s.sections.handles.push({ handle: top + 4n * BigInt(k + 1), flags: 0, objectType: 0, grantedAccess: 0x12019f, handleCount: 1, pointerCount: 1, typeName: 'File', objectName: `/tmp/app/leak-${k}.log` })
    return s
  })
  return trendArchives(await Promise.all(snaps.map(async (s, i) => ({ archive: await open(s), label: `s${i}.pssnap` }))))
}

const noise = (seed: number, amplitude: number) => {
  const rng = new Rng(seed)
  return () => (rng.next() * 2 - 1) * amplitude
}

const privateOf = (t: TrendResult) => t.totals.find((s) => s.metric === 'privateUsage')!

describe('leak verdicts on synthetic series', () => {
  it('flat: no leak', async () => {
    const t = await seriesOf(Array(12).fill(50), 10_000)
    expect(t.verdict.verdict).toBe('no-leak')
    expect(privateOf(t).assessment!.pattern).toBe('flat')
    expect(t.verdict.evidence[0]).toMatch(/^no steady growth over 12 snapshots \(110 s\): handles unchanged, threads unchanged, privateUsage unchanged/)
  })

  it('noisy flat: no leak', async () => {
    const n = noise(1, 2)
    const t = await seriesOf(Array.from({ length: 20 }, () => 50 + n()), 10_000)
    expect(t.verdict.verdict).toBe('no-leak')
    expect(privateOf(t).assessment!.pattern).toBe('no-trend')
  })

  it('one step (a jump, then flat): no leak, and the evidence names the step', async () => {
    const n = noise(2, 0.05)
    const t = await seriesOf(Array.from({ length: 12 }, (_, i) => (i < 4 ? 11.1 : 20.2) + n()), 10_000)
    expect(t.verdict.verdict).toBe('no-leak')
    expect(privateOf(t).assessment!.pattern).toBe('step')
    expect(t.verdict.evidence).toContainEqual(expect.stringMatching(/^privateUsage rose in one step, \+9\.\d+ MiB between #4 and #5 \(\d+% of its rise\), flat before and after: a one-off change, not steady growth/))
  })

  it('GC sawtooth (climb, collect, climb): no leak', async () => {
    const t = await seriesOf(Array.from({ length: 24 }, (_, i) => 50 + (i % 6) * 3), 10_000)
    expect(t.verdict.verdict).toBe('no-leak')
    expect(privateOf(t).assessment!.pattern).toBe('no-trend')
  })

  it('linear leak: LEAK, with its slope per the span observed, CI and p-value', async () => {
    const t = await seriesOf(Array.from({ length: 12 }, (_, i) => 50 + 2 * i), 10_000)
    expect(t.verdict.verdict).toBe('leak')
    expect(t.verdict.growing).toEqual(['privateUsage'])
    // 110 s: a rate per minute (not per hour), every figure in MiB, rounded.
    expect(t.verdict.evidence[0]).toBe(
      'privateUsage grew steadily over 12 snapshots in 110 s: 50 MiB → 72 MiB (+22 MiB), +12 MiB per minute (Theil–Sen, 95% CI +12 to +12 MiB per minute); Mann–Kendall p < 0.0001 (exact), 66 of 66 pairs increasing',
    )
  })

  it('slow leak under noise: LEAK', async () => {
    const n = noise(3, 1)
    const t = await seriesOf(Array.from({ length: 40 }, (_, i) => 50 + 0.25 * i + n()), 60_000)
    expect(t.verdict.verdict).toBe('leak')
    const a = privateOf(t).assessment!
    expect(a.pattern).toBe('growth')
    expect(a.theilSen!.low * 60).toBeLessThan(0.25 * MiB)
    expect(a.theilSen!.high * 60).toBeGreaterThan(0.25 * MiB)
    expect(t.verdict.evidence[0]).toMatch(/per minute/)
  })

  it('leak then plateau: no leak, growth described as bounded', async () => {
    const t = await seriesOf(Array.from({ length: 18 }, (_, i) => 50 + 2 * Math.min(i, 9)), 10_000)
    expect(t.verdict.verdict).toBe('no-leak')
    expect(privateOf(t).assessment!.pattern).toBe('plateau')
    expect(t.verdict.evidence).toContainEqual(expect.stringMatching(/^privateUsage grew, then stayed flat for the last 6 snapshots: .*bounded growth/))
  })

  it('fewer snapshots than the minimum (the http.server case): inconclusive, saying what is missing and what was seen', async () => {
    const t = await seriesOf([11.1, 20.2, 20.2, 20.2], 1_000)
    expect(t.verdict.verdict).toBe('inconclusive')
    expect(t.verdict.requirements).toMatchObject({ minSnapshots: 5, minSpanSeconds: 30, snapshots: 4, spanSeconds: 3 })
    expect(t.verdict.evidence[0]).toBe('not enough to judge: 4 snapshots over 3.0 s; a leak verdict needs at least 5 snapshots (4 given) and a span of at least 30 s (3.0 s given)')
    expect(t.verdict.evidence[1]).toMatch(/^seen so far: privateUsage rose in one step, \+9\.1 MiB between #1 and #2 \(100% of its rise\)/)
    expect(t.verdict.evidence.join('\n')).not.toMatch(/hour|grew monotonically/)
  })

  it('a steady rise over too short a span is inconclusive, however clean', async () => {
    const t = await seriesOf(Array.from({ length: 10 }, (_, i) => 50 + 2 * i), 1_000)
    expect(t.verdict.verdict).toBe('inconclusive')
    expect(t.verdict.requirements.missing).toEqual(['a span of at least 30 s (9.0 s given)'])
  })

  it('a handle leak with a new name each time: LEAK on handles, names grouped into one pattern', async () => {
    const t = await seriesOf(Array(8).fill(50), 5_000, (i) => 3 * i)
    expect(t.verdict.verdict).toBe('leak')
    expect(t.verdict.growing).toEqual(['handles', 'handles.File'])
    expect(t.byPattern[0]).toMatchObject({ metric: '/tmp/app/leak-#.log', names: 21, examples: ['/tmp/app/leak-0.log', '/tmp/app/leak-1.log', '/tmp/app/leak-2.log'] })
    expect(t.verdict.evidence).toContainEqual('top growing names: /tmp/app/leak-#.log ×21 +21')
    // Single names in natural order among equal growth: leak-2 before leak-10.
    const names = t.byName.map((s) => s.metric)
    expect(names.indexOf('/tmp/app/leak-2.log')).toBeLessThan(names.indexOf('/tmp/app/leak-10.log'))
    const doc = JSON.parse(JSON.stringify(trendToJson(t)))
    expect(doc.byPattern[0]).toMatchObject({ metric: '/tmp/app/leak-#.log', names: 21 })
    expect(doc.verdict.requirements).toEqual({ minSnapshots: 5, minSpanSeconds: 30, snapshots: 8, spanSeconds: 35, missing: [] })
    expect(doc.totals[0].assessment).toMatchObject({ pattern: 'growth', mannKendall: { method: 'exact', increasingPairs: 28 } })
  })
})
