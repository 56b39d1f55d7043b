// Threads with their registers: the list (filterable), and every field and register of the one picked.
import { sectionCaptured } from '../reader/damage.js'
import type { Archive } from '../reader/index.js'
import { clear, facts, h, text } from './dom.js'
import { cellText, columnsFor, entryList } from './entries.js'

export function threadsView(archive: Archive): HTMLElement {
  if (!sectionCaptured(archive, 'threads')) return h('section', {}, h('h2', {}, 'Threads'), h('p', { class: 'absent' }, 'threads: not captured'))
  const detail = h('aside', { class: 'detail', 'aria-live': 'polite' }, h('p', { class: 'note' }, 'Pick a thread (click, or Enter on a focused row) to see all its fields and registers.'))
  const all = columnsFor(archive, 'threads', 'all')
  const pick = (entry: object) => {
    clear(detail)
    detail.appendChild(h('h3', {}, `Thread ${String((entry as { threadId?: unknown }).threadId ?? '?')}`))
    const regs = all.filter((c) => c.field.path.startsWith('registers.'))
    const rest = all.filter((c) => !c.field.path.startsWith('registers.'))
    detail.appendChild(facts(rest.map((c) => [c.label, cellText(c, entry)] as const)))
    // Absent is not zero: a thread without a context shows no register table, not a column of dashes.
    const hasRegisters = regs.some((c) => c.field.get(entry) !== undefined)
    if (hasRegisters) detail.append(h('h4', {}, `Registers (${text(archive.contextArchitecture ?? 'unknown architecture', 64)})`), facts(regs.map((c) => [c.label, cellText(c, entry)] as const)))
    else detail.appendChild(h('p', { class: 'absent' }, 'registers: no context captured for this thread'))
  }
  const list = entryList(archive, 'threads', 'threads', pick)
  const first = archive.threads.get(0)
  if (first) pick(first)
  return h('section', { class: 'threads' }, h('h2', {}, 'Threads'), h('div', { class: 'split' }, list.element, detail))
}
