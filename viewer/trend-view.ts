// A series of snapshots (reader/trend.ts, the same analysis as `pssnap trend`): the verdict and the
// evidence it rests on, then charts (uPlot) of the totals, the handle types and the name patterns.
import uPlot from 'uplot'
import { trendArchives, type TrendSeries } from '../reader/trend.js'
import { committedLabel } from '../reader/committed.js'
import { formatSize } from '../reader/text.js'
import type { Archive } from '../reader/index.js'
import { h, table, text } from './dom.js'
import { CHART_LINES } from './palette.js'


function chart(title: string, times: readonly number[], series: readonly TrendSeries[], bytes: boolean, timed: boolean): HTMLElement {
  const figure = h('figure', { class: 'trend-chart' }, h('figcaption', {}, title))
  if (!series.length) return figure
  const data: uPlot.AlignedData = [Float64Array.from(times), ...series.map((s) => s.values.map((v) => v))] as unknown as uPlot.AlignedData
  const opts: uPlot.Options = {
    width: 760,
    height: 240,
    // Without a readable capture time on every snapshot, the x axis is the snapshot's number (1, 2, 3…).
    scales: { x: { time: timed } },
    axes: [{ stroke: '#1d1f21' }, { stroke: '#1d1f21', size: bytes ? 86 : 60, values: (_u, ticks) => ticks.map((t) => (bytes ? formatSize(Math.max(0, Math.round(t))) : String(t))) }],
    series: [{ label: 'time' }, ...series.map((s, i) => ({ label: text(s.metric, 60), stroke: CHART_LINES[i % CHART_LINES.length]!, width: 2, points: { show: true } }))],
  }
  // uPlot builds its DOM with createElement and sets styles through the CSSOM: fine under the strict CSP.
  new uPlot(opts, data, figure)
  return figure
}

export function trendView(items: readonly { name: string; archive: Archive }[]): HTMLElement {
  const r = trendArchives(items.map((i) => ({ archive: i.archive, label: i.name })))
  const timed = r.points.every((p) => Number.isFinite(p.time))
  const times = r.points.map((p, i) => (timed ? p.time / 1000 : i + 1))
  const v = r.verdict
  const committed = r.totals.filter((s) => s.unit === 'bytes').map((s) => (s.metric === 'committed' ? { ...s, metric: committedLabel(r.committedMeaning) } : s))
  return h(
    'section',
    { class: 'trend' },
    h('h2', {}, `Trend over ${r.points.length} snapshots`),
    h('p', { class: `verdict verdict-${v.verdict}`, role: 'status' }, `Verdict: ${v.verdict === 'leak' ? 'LEAK' : v.verdict}`, v.growing.length ? ` (growing: ${v.growing.map((g) => text(g, 64)).join(', ')})` : ''),
    v.requirements.missing.length ? h('p', { class: 'alert' }, `Not enough for a verdict: ${v.requirements.missing.map((m) => text(m)).join('; ')}`) : undefined,
    h('h3', {}, 'Evidence'),
    h('ul', { class: 'evidence' }, ...v.evidence.map((e) => h('li', {}, text(e)))),
    ...r.warnings.map((w) => h('p', { class: 'alert', role: 'alert' }, `snapshot ${w.point + 1}: ${text(w.message)}`)),
    chart('Handles and threads', times, r.totals.filter((s) => s.unit === 'count'), false, timed),
    chart('Memory', times, committed, true, timed),
    chart('Handles by type (largest growth)', times, r.byType.slice(0, 8), false, timed),
    chart('Name patterns (largest growth)', times, r.byPattern.slice(0, 6), false, timed),
    table(
      'Snapshots',
      ['#', 'file', 'started', 'state'],
      r.points.map((p, i) => [String(i + 1), text(p.label ?? '', 96), text(p.startedAt, 40), p.damage.complete ? 'complete' : `damaged${p.damaged.length ? `: ${p.damaged.join(', ')}` : ''}`]),
    ),
  )
}
