// trendArchives on synthetic series: one with a handle and memory leak, one that only fluctuates, and the
// ordering by capture time whatever the input order.
import { describe, expect, it } from 'vitest'
import { trendToJson } from '../reader/diff-json.js'
import { trendArchives } from '../reader/trend.js'
import type { Snapshot } from '../test/synthetic/generate.js'
import { addFiles, baseSnapshot, LEAK_DIR, later, MiB, open } from './helpers/snapshot-pair.js'

/** Six snapshots an hour apart (the verdict needs 5); `step(s, i)` changes snapshot i (i ≥ 1) relative to the first. */
function series(step: (s: Snapshot, i: number) => void): Snapshot[] {
  const first = baseSnapshot(11)
  return [0, 1, 2, 3, 4, 5].map((i) => {
    const s = later(first, i)
    if (i > 0) step(s, i)
    return s
  })
}

describe('trendArchives', () => {
  it('finds a leak and names its evidence', async () => {
    const snaps = series((s, i) => {
      addFiles(s, 10 * i, 'leak') // 10 more File handles every hour, same names kept
      const p = s.header.processInformation!
      p.privateUsage = BigInt(p.privateUsage!) + BigInt(i) * 8n * MiB
    })
    // Given out of order: sorted by capture time.
    const archives = await Promise.all([snaps[2]!, snaps[0]!, snaps[3]!, snaps[1]!, snaps[5]!, snaps[4]!].map(open))
    const trend = trendArchives(archives.map((archive, i) => ({ archive, label: `s${i}` })))
    expect(trend.points.map((p) => p.label)).toEqual(['s1', 's3', 's0', 's2', 's5', 's4'])
    expect(trend.warnings).toEqual([])
    const handles = trend.totals.find((s) => s.metric === 'handles')!
    expect(handles.values).toEqual([0, 10, 20, 30, 40, 50].map((n) => n + snaps[0]!.sections.handles.length))
    expect(handles).toMatchObject({ net: 50, monotonicGrowth: true })
    expect(handles.slopePerHour).toBeCloseTo(10, 9)
    expect(handles.assessment).toMatchObject({ pattern: 'growth', n: 6, spanSeconds: 5 * 3600 })
    expect(handles.assessment!.theilSen!.perSecond * 3600).toBeCloseTo(10, 9)
    const priv = trend.totals.find((s) => s.metric === 'privateUsage')!
    expect(priv.slopePerHour).toBeCloseTo(8 * 1048576, 3)
    expect(trend.totals.find((s) => s.metric === 'threads')!).toMatchObject({ net: 0, monotonicGrowth: false, slopePerHour: 0 })

    expect(trend.byType[0]).toMatchObject({ metric: 'handles.File', net: 50, monotonicGrowth: true })
    expect(trend.byType.filter((s) => s.net !== 0).map((s) => s.metric)).toEqual(['handles.File'])
    // The names leaked at hour 1 stay and grow no further: single names, grouped into one pattern.
    expect(trend.byName.every((s) => s.metric.startsWith(LEAK_DIR))).toBe(true)
    expect(trend.byName).toHaveLength(50)
    expect(trend.byPattern.map((p) => [p.metric, p.names, p.net])).toEqual([[`${LEAK_DIR}\\leak-#.tmp`, 50, 50]])

    expect(trend.verdict.verdict).toBe('leak')
    expect(trend.verdict.growing).toEqual(['handles', 'privateUsage', 'handles.File'])
    expect(trend.verdict.evidence[0]).toMatch(/^handles grew steadily over 6 snapshots in 5 h: \d+ → \d+ \(\+50\), \+10 per hour \(Theil–Sen, 95% CI \+10 to \+10 per hour\); Mann–Kendall p = 0\.0014 \(exact\), 15 of 15 pairs increasing$/)
    expect(trend.verdict.evidence.some((e) => e.startsWith('privateUsage grew steadily') && e.includes('+8 MiB per hour'))).toBe(true)
    expect(trend.verdict.evidence).toContain(`top growing names: ${LEAK_DIR}\\leak-#.tmp ×50 +50`)
    expect(trend.verdict.topNames.length).toBeGreaterThan(0)
  })

  it('finds no leak when counts only fluctuate', async () => {
    const snaps = series((s, i) => {
      if (i % 2 === 1) addFiles(s, 5, 'burst') // the same files opened and closed again
      const p = s.header.processInformation!
      p.privateUsage = BigInt(p.privateUsage!) + (i % 2 === 1 ? 4n * MiB : 0n)
    })
    const trend = trendArchives(await Promise.all(snaps.map(open)))
    expect(trend.verdict.verdict).toBe('no-leak')
    expect(trend.verdict.growing).toEqual([])
    expect(trend.verdict.topNames).toEqual([])
    expect(trend.verdict.evidence[0]).toMatch(/^no steady growth over 6 snapshots \(5 h\): handles no trend \(p = [\d.]+\), threads unchanged, privateUsage no trend/)
    expect(trend.totals.find((s) => s.metric === 'handles')!.monotonicGrowth).toBe(false)
  })

  it('is inconclusive with two snapshots, and warns about another process run', async () => {
    const [a, b] = series((s) => {
      addFiles(s, 3, 'x')
      s.header.processInformation!.createTime = BigInt(s.header.processInformation!.createTime!) + 1n
    })
    const trend = trendArchives(await Promise.all([a!, b!].map(open)))
    expect(trend.verdict.verdict).toBe('inconclusive')
    expect(trend.verdict.requirements.missing).toEqual(['at least 5 snapshots (2 given)'])
    expect(trend.warnings.map((w) => [w.point, w.code])).toEqual([[1, 'CREATE_TIME_DIFFERS']])
    expect(trend.verdict.evidence.at(-1)).toMatch(/another process run/)
  })

  it('renders pssnap.trend/2', async () => {
    const snaps = series((s, i) => addFiles(s, i, 'l'))
    const doc = JSON.parse(JSON.stringify(trendToJson(trendArchives(await Promise.all(snaps.map(open))))))
    expect(doc.schema).toBe('pssnap.trend/2')
    expect(doc.points).toHaveLength(6)
    expect(doc.points[0]).toMatchObject({ index: 0, label: null, processId: snaps[0]!.header.target.processId, startedAt: snaps[0]!.header.capture.startedAt, damaged: [], notCaptured: [] })
    expect(doc.points[0].damage).toMatchObject({ complete: true, trailer: 'present' })
    expect(doc.totals.map((s: { metric: string }) => s.metric)).toEqual(['handles', 'threads', 'privateUsage', 'committed'])
    expect(doc.verdict.verdict).toBe('leak')
    expect(doc.byType[0]).toMatchObject({ metric: 'handles.File', unit: 'count', net: 5, monotonicGrowth: true, slopePerHour: 1 })
    expect(doc.byType[0].assessment).toMatchObject({ pattern: 'growth', mannKendall: { s: 15, method: 'exact' }, theilSen: { confidence: 0.95 }, largestStep: { from: 0, to: 1, delta: 1 } })
    expect(doc.verdict).toMatchObject({ alpha: 0.01, requirements: { minSnapshots: 5, minSpanSeconds: 30, snapshots: 6, missing: [] } })
  })
})
