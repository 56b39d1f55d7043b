// The viewer's only way to make DOM: elements and text nodes. Archive strings reach the page as
// textContent after safeText (reader/display.ts), never as HTML, so no name can become markup.
import { safeText } from '../reader/display.js'

type Child = Node | string | number | bigint | false | null | undefined
type Props = Record<string, string | number | boolean | undefined | ((event: Event) => void)>

/** `h('td', {class: 'num'}, value)`: attributes by setAttribute (never `on…` strings), children as text. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') el.addEventListener(key, value)
    else if (/^on/i.test(key) || key === 'style') throw new Error(`h: refusing attribute ${key}`)
    else el.setAttribute(key, value === true ? '' : String(value))
  }
  append(el, children)
  return el
}

export function append(el: Node, children: readonly Child[]): void {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue
    el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)))
  }
}

/** An archive string for the page: control, bidi and invisible characters made visible, long ones cut. */
export const text = (value: string | undefined | null, max = 512): string => (value === undefined || value === null ? '' : safeText(value, { max }))

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild)
}

/** A key/value table. Rows whose value is undefined are left out (absent is not zero, nor shown as one). */
export function facts(rows: readonly (readonly [string, Child])[]): HTMLTableElement {
  return h('table', { class: 'facts' }, h('tbody', {}, ...rows.filter(([, v]) => v !== undefined).map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v)))))
}

/** A plain table: header labels, then rows of cells already made safe. */
export function table(caption: string, headers: readonly string[], rows: readonly (readonly Child[])[], numeric: ReadonlySet<number> = new Set()): HTMLTableElement {
  return h(
    'table',
    { class: 'list' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...headers.map((x, i) => h('th', { scope: 'col', class: numeric.has(i) ? 'num' : undefined }, x)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => h('td', { class: numeric.has(i) ? 'num' : undefined }, c))))),
  )
}

export const count = (n: number | bigint): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
