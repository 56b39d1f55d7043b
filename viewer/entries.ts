// A section's entries as a list filtered with the `--where` language (reader/query.ts), in the archive
// platform's own terms (Linux: fd, perms), the first ROWS matches shown, every match counted.
import { compileQuery, type Predicate } from '../reader/query.js'
import { formatValue, isNumericKind, selectColumns, type TableColumn } from '../reader/text.js'
import type { Archive } from '../reader/index.js'
import { clear, count, h, text } from './dom.js'

export type ListSection = 'handles' | 'threads' | 'vaSpace'

/** Rows put on the page: enough to scroll, few enough that a million matches stay fast. */
export const ROWS = 500

let ids = 0

export interface EntryList {
  readonly element: HTMLElement
  /** Applies a `--where` expression (as if typed), '' for all entries. */
  filter(where: string): void
}

export function cellText(column: TableColumn, entry: object): string {
  return text(formatValue(column.field, column.field.get(entry)), 256)
}

export function columnsFor(archive: Archive, section: ListSection, spec?: string): TableColumn[] {
  const arch = archive.contextArchitecture
  return selectColumns(section, spec, { present: archive.section(section)?.fields ?? [], platform: archive.header.host.platform, forTable: true, ...(arch ? { contextArchitecture: arch } : {}) })
}

export function entryList(archive: Archive, section: ListSection, what: string, onPick?: (entry: object) => void): EntryList {
  const id = `where-${++ids}`
  const input = h('input', { id, type: 'search', class: 'where', spellcheck: 'false', autocomplete: 'off', placeholder: section === 'handles' ? 'typeName = File and objectName ~ log' : section === 'threads' ? 'priority > 8' : 'protect ~ EXECUTE and regionSize >= 1MiB' })
  const status = h('p', { class: 'status', 'aria-live': 'polite' })
  const holder = h('div', { class: 'table-wrap' })
  const form = h(
    'form',
    { class: 'filter', role: 'search' },
    h('label', { for: id }, `Filter ${what} (--where)`),
    input,
    h('button', { type: 'submit' }, 'Apply'),
  )
  const columns = columnsFor(archive, section)
  const entries = archive.section(section)
  const run = () => {
    clear(holder)
    status.classList.remove('error')
    let predicate: Predicate | undefined
    const where = input.value.trim()
    try {
      const arch = archive.contextArchitecture
      predicate = where ? compileQuery(where, { section, ...(arch ? { contextArchitecture: arch } : {}) }) : undefined
    } catch (e) {
      status.classList.add('error')
      status.textContent = text(e instanceof Error ? e.message : String(e))
      return
    }
    const shown: object[] = []
    let matches = 0
    if (!predicate) {
      // No filter: every entry matches; only the rows shown are built.
      matches = entries?.length ?? 0
      for (let i = 0; i < Math.min(ROWS, matches); i++) shown.push(entries!.get(i)!)
    } else {
      for (const e of entries ?? []) {
        if (!predicate(e)) continue
        matches++
        if (shown.length < ROWS) shown.push(e)
      }
    }
    status.textContent = `${count(matches)} of ${count(entries?.length ?? 0)} ${what}${matches > shown.length ? `, first ${count(shown.length)} shown` : ''}`
    const numeric = columns.map((c) => isNumericKind(c.field.kind))
    const body = h('tbody')
    for (const e of shown) {
      const row = h('tr', onPick ? { tabindex: '0' } : {}, ...columns.map((c, i) => h('td', { class: numeric[i] ? 'num' : undefined }, cellText(c, e))))
      if (onPick) {
        row.addEventListener('click', () => onPick(e))
        row.addEventListener('keydown', (ev) => {
          if ((ev as KeyboardEvent).key === 'Enter') onPick(e)
        })
      }
      body.appendChild(row)
    }
    holder.appendChild(h('table', { class: 'list' }, h('caption', { class: 'sr-only' }, what), h('thead', {}, h('tr', {}, ...columns.map((c, i) => h('th', { scope: 'col', class: numeric[i] ? 'num' : undefined }, c.label)))), body))
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    run()
  })
  run()
  return {
    element: h('div', { class: 'entries' }, form, status, holder),
    filter(where: string) {
      input.value = where
      run()
    },
  }
}
