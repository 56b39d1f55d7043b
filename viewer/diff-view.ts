// The diff of two archives (reader/diff.ts: the same comparison as `pssnap diff`): warnings and sections
// not compared first, then counters, handles by type and by name pattern, then the changed entries.
import { committedLabel } from '../reader/committed.js'
import { diffArchives, type CounterDelta } from '../reader/diff.js'
import { linuxPerms } from '../reader/linux-perms.js'
import { fieldSpecOf } from '../reader/section.js'
import { formatAddress, formatSize, formatValue } from '../reader/text.js'
import type { Archive } from '../reader/index.js'
import { count, h, table, text } from './dom.js'
import { cellText, columnsFor } from './entries.js'
import { isLinux } from './overview.js'

const LIST = 200

function counterValue(c: CounterDelta, side: 'before' | 'after'): string {
  const v = c[side]
  if (v === undefined) return c[side === 'before' ? 'beforeAbsent' : 'afterAbsent'] ?? 'absent'
  return c.unit === 'bytes' ? formatSize(v) : count(v)
}

const signed = (n: number | bigint, bytes = false) => (n > 0 ? '+' : n < 0 ? '−' : '±') + (bytes ? formatSize(n < 0 ? -BigInt(n) : BigInt(n)) : count(n < 0 ? -BigInt(n) : BigInt(n)))

/** A changed region field's value as the region list shows it. */
function changeValue(field: string, value: unknown, linux: boolean, region: { type?: number; state?: number }): string {
  if (value === undefined) return '-'
  const spec = fieldSpecOf('vaSpace', field)
  if (linux && field === 'protect') return linuxPerms(value, region.type, region.state) ?? text(formatValue(spec ?? { kind: undefined }, value), 128)
  return text(spec ? formatValue(spec, value) : String(value), 256)
}

export function diffView(nameA: string, a: Archive, nameB: string, b: Archive): HTMLElement {
  const d = diffArchives(a, b)
  const linux = isLinux(a) && isLinux(b)
  const handleWord = linux ? 'file descriptors' : 'handles'
  const entryTable = (caption: string, section: 'handles' | 'threads' | 'vaSpace', archive: Archive, entries: readonly object[]) => {
    const cols = columnsFor(archive, section)
    return entries.length ? table(`${caption} (${count(entries.length)}${entries.length > LIST ? `, first ${LIST}` : ''})`, cols.map((c) => c.label), entries.slice(0, LIST).map((e) => cols.map((c) => cellText(c, e)))) : undefined
  }
  return h(
    'section',
    { class: 'diff' },
    h('h2', {}, 'Diff: ', text(nameA, 96), ' → ', text(nameB, 96)),
    ...d.warnings.map((w) => h('p', { class: 'alert', role: 'alert' }, `${w.code}: ${text(w.message)}`)),
    ...d.notComparable.map((n) => h('p', { class: 'alert', role: 'alert' }, `not compared: ${text(n.message)}`)),
    table(
      'Counters',
      ['counter', 'before', 'after', 'change'],
      d.counters.filter((c) => !c.name.startsWith('performanceCounters.')).map((c) => [c.name === 'handles' && linux ? 'file descriptors' : c.name === 'committed' ? committedLabel(d.committedMeaning.after) : c.name, counterValue(c, 'before'), counterValue(c, 'after'), c.delta === undefined ? 'not comparable' : signed(c.delta, c.unit === 'bytes')]),
      new Set([1, 2, 3]),
    ),
    table(
      `${handleWord} by type`,
      ['type', 'before', 'after', 'added', 'removed', 'net'],
      d.summary.byType.map((t) => [text(t.typeName || '(no type)', 64), count(t.before), count(t.after), count(t.added), count(t.removed), signed(t.net)]),
      new Set([1, 2, 3, 4, 5]),
    ),
    table(
      `${handleWord} by name pattern (added and removed)`,
      ['pattern', 'names', 'added', 'removed', 'net'],
      d.summary.byPattern.slice(0, LIST).map((p) => [p.pattern === null ? '(unnamed)' : text(p.pattern, 200), count(p.names), count(p.added), count(p.removed), signed(p.net)]),
      new Set([1, 2, 3, 4]),
    ),
    entryTable(`Added ${handleWord}`, 'handles', b, d.handles.added),
    entryTable(`Removed ${handleWord}`, 'handles', a, d.handles.removed),
    entryTable('Added threads', 'threads', b, d.threads.added),
    entryTable('Removed threads', 'threads', a, d.threads.removed),
    entryTable(linux ? 'Added mappings' : 'Added regions', 'vaSpace', b, d.regions.added),
    entryTable(linux ? 'Removed mappings' : 'Removed regions', 'vaSpace', a, d.regions.removed),
    d.regions.changed.length
      ? table(
          `${linux ? 'Mappings' : 'Regions'} changed in place (${count(d.regions.changed.length)}${d.regions.changed.length > LIST ? `, first ${LIST}` : ''})`,
          ['base address', 'changes'],
          d.regions.changed.slice(0, LIST).map((c) => [formatAddress(c.baseAddress), c.changes.map((f) => `${f.field}: ${changeValue(f.field, f.before, linux, c.before)} → ${changeValue(f.field, f.after, linux, c.after)}`).join('; ')]),
        )
      : undefined,
    d.modules.added.length || d.modules.removed.length
      ? table(
          'Modules loaded and unloaded',
          ['module', 'change', 'size'],
          [...d.modules.added.map((m) => [text(m.path), 'loaded', formatSize(m.bytes)]), ...d.modules.removed.map((m) => [text(m.path), 'unloaded', formatSize(m.bytes)])].slice(0, LIST),
        )
      : undefined,
  )
}
