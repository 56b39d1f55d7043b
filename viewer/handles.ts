// Handles (Linux: file descriptors) by type and by name pattern, then the filtered list.
import { countStrings } from '../reader/column-views.js'
import { sectionCaptured } from '../reader/damage.js'
import { groupByPattern } from '../reader/name-patterns.js'
import type { Archive } from '../reader/index.js'
import { count, h, text } from './dom.js'
import { entryList } from './entries.js'
import { isLinux } from './overview.js'

/** Types and patterns charted; the rest are summed into one line. */
const TOP = 25

/** A string as a `--where` literal: quoted, with the quote and backslash escaped (reader/query.ts). */
export const quoted = (s: string): string => `'${s.replace(/[\\']/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').replace(/\0/g, '\\0')}'`

export function handlesView(archive: Archive): HTMLElement {
  const what = isLinux(archive) ? 'file descriptors' : 'handles'
  if (!sectionCaptured(archive, 'handles')) return h('section', {}, h('h2', {}, 'Handles'), h('p', { class: 'absent' }, `${what}: not captured`))
  const list = entryList(archive, 'handles', what)
  const byType = [...countStrings(archive.handles as never, 'typeName', undefined)].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])))
  const typeChart = h('div', { class: 'chart' }, h('h3', {}, `${isLinux(archive) ? 'Descriptors' : 'Handles'} by type`))
  const max = Math.max(1, ...byType.map(([, n]) => n))
  for (const [type, n] of byType.slice(0, TOP)) {
    const bar = h('span', { class: 'bar' })
    bar.style.width = `${(100 * n) / max}%`
    const label = type === undefined ? '(no type)' : text(type, 64)
    const button = h('button', { type: 'button', class: 'bar-row', title: `show only ${label}` }, h('span', { class: 'bar-label', title: label }, label), h('span', { class: 'bar-track' }, bar), h('span', { class: 'num' }, count(n)))
    button.addEventListener('click', () => list.filter(type === undefined ? 'typeName = null' : `typeName = ${quoted(type)}`))
    typeChart.appendChild(button)
  }
  if (byType.length > TOP) typeChart.appendChild(h('p', { class: 'note' }, `… and ${byType.length - TOP} more types`))

  // Patterns over the distinct names, each weighted by its handles (from the string columns: no row objects).
  const byName = [...countStrings(archive.handles as never, 'objectName', undefined)].filter((e): e is [string, number] => e[0] !== undefined)
  const patterns = groupByPattern(byName, ([n]) => n)
    .map((g) => ({ pattern: g.pattern, handles: g.items.reduce((sum, [, n]) => sum + n, 0) }))
    .sort((a, b) => b.handles - a.handles)
    .slice(0, TOP)
  const pmax = Math.max(1, ...patterns.map((g) => g.handles))
  const patternChart = h('div', { class: 'chart' }, h('h3', {}, 'By name pattern (# stands for a varying part)'))
  for (const g of patterns) {
    const bar = h('span', { class: 'bar' })
    bar.style.width = `${(100 * g.handles) / pmax}%`
    const row = h('div', { class: 'bar-row' }, h('span', { class: 'bar-label wide', title: text(g.pattern, 1024) }, text(g.pattern, 160)), h('span', { class: 'bar-track' }, bar), h('span', { class: 'num' }, count(g.handles)))
    patternChart.appendChild(row)
  }
  return h('section', { class: 'handles' }, h('h2', {}, isLinux(archive) ? 'File descriptors' : 'Handles'), h('div', { class: 'charts' }, typeChart, patternChart), list.element)
}
