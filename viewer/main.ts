// The viewer: one archive (overview, address space, handles, threads), two to compare (diff), or a series
// (trend). Static: no server code, no network but `?url=` on the page's own origin; the reader (reader/)
// is the only parser. Under the page's strict CSP the reader is told not to generate code.
import { setCodeGeneration } from '../reader/section.js'
import { addressSpaceView } from './address-space.js'
import { diffView } from './diff-view.js'
import { clear, h, text } from './dom.js'
import { handlesView } from './handles.js'
import { embedded, fromFiles, fromUrls, type Loaded } from './load.js'
import { isLinux, overview } from './overview.js'
import { threadsView } from './threads.js'
import { trendView } from './trend-view.js'
import type { Archive } from '../reader/index.js'

setCodeGeneration(false)

interface Opened {
  name: string
  archive: Archive
}

type ViewId = 'overview' | 'address' | 'handles' | 'threads' | 'diff' | 'trend'
const VIEW_LABEL: Record<ViewId, string> = { overview: 'Overview', address: 'Address space', handles: 'Handles', threads: 'Threads', diff: 'Diff', trend: 'Trend' }

const app = { opened: [] as Opened[], failed: [] as Loaded[], view: 'overview' as ViewId, current: 0, before: 0, after: 1 }
const cache = new Map<string, HTMLElement>()

function root(): HTMLElement {
  return document.getElementById('app') ?? document.body.appendChild(h('main', { id: 'app' }))
}

function viewsFor(n: number): ViewId[] {
  const v: ViewId[] = ['overview', 'address', 'handles', 'threads']
  if (n >= 2) v.push('diff')
  if (n >= 3) v.push('trend')
  return v
}

function panelFor(view: ViewId): HTMLElement {
  const key = view === 'diff' ? `diff:${app.before}:${app.after}` : view === 'trend' ? 'trend' : `${view}:${app.current}`
  let panel = cache.get(key)
  if (panel) return panel
  const o = app.opened[app.current]!
  try {
    if (view === 'overview') panel = overview(o.name, o.archive)
    else if (view === 'address') panel = addressSpaceView(o.archive)
    else if (view === 'handles') panel = handlesView(o.archive)
    else if (view === 'threads') panel = threadsView(o.archive)
    else if (view === 'diff') panel = diffView(app.opened[app.before]!.name, app.opened[app.before]!.archive, app.opened[app.after]!.name, app.opened[app.after]!.archive)
    else panel = trendView(app.opened)
  } catch (e) {
    panel = h('p', { class: 'alert', role: 'alert' }, `This view failed: ${text(e instanceof Error ? e.message : String(e))}`)
  }
  cache.set(key, panel)
  return panel
}

function picker(): HTMLElement {
  const input = h('input', { type: 'file', id: 'open-files', multiple: true, accept: '.pssnap,application/octet-stream' })
  input.addEventListener('change', () => void load(fromFiles(input.files ?? [])))
  return h('div', { class: 'picker' }, h('label', { for: 'open-files' }, 'Open archives (one, two to compare, or a series): '), input, h('span', { class: 'note' }, ' or drop files on the page. Nothing leaves this page.'))
}

function archiveSelect(id: string, label: string, value: number, set: (i: number) => void): HTMLElement {
  const select = h('select', { id }, ...app.opened.map((o, i) => h('option', { value: String(i), selected: i === value }, `${i + 1}. ${text(o.name, 80)}`)))
  select.addEventListener('change', () => {
    set(Number(select.value))
    render()
  })
  return h('span', { class: 'select' }, h('label', { for: id }, label), select)
}

function render(): void {
  const main = root()
  clear(main)
  main.appendChild(h('header', {}, h('h1', {}, 'pssnap viewer'), picker()))
  for (const f of app.failed) main.appendChild(h('p', { class: 'alert', role: 'alert' }, `${text(f.name, 128)}: cannot open: ${text(f.error)}`))
  if (!app.opened.length) {
    main.appendChild(h('p', { class: 'empty' }, 'No archive open yet.'))
    document.body.setAttribute('data-state', 'ready')
    return
  }
  const views = viewsFor(app.opened.length)
  if (!views.includes(app.view)) app.view = 'overview'
  const tabs = h('div', { role: 'tablist', 'aria-label': 'Views' })
  const buttons = views.map((v) => {
    // A Linux archive in its own terms: its handles are file descriptors.
    const label = v === 'handles' && isLinux(app.opened[app.current]!.archive) ? 'File descriptors' : VIEW_LABEL[v]
    const b = h('button', { type: 'button', role: 'tab', id: `tab-${v}`, 'aria-controls': 'panel', 'aria-selected': v === app.view ? 'true' : 'false', tabindex: v === app.view ? '0' : '-1' }, label)
    b.addEventListener('click', () => show(v))
    return b
  })
  // Arrow keys, Home and End move between tabs (WAI-ARIA tabs pattern); Tab goes on into the panel.
  tabs.addEventListener('keydown', (ev) => {
    const i = views.indexOf(app.view)
    const next = ev.key === 'ArrowRight' ? (i + 1) % views.length : ev.key === 'ArrowLeft' ? (i - 1 + views.length) % views.length : ev.key === 'Home' ? 0 : ev.key === 'End' ? views.length - 1 : -1
    if (next < 0) return
    ev.preventDefault()
    show(views[next]!)
    document.getElementById(`tab-${views[next]}`)?.focus()
  })
  tabs.append(...buttons)
  const selectors = h('div', { class: 'selectors' })
  if (app.opened.length > 1) {
    if (app.view === 'diff') selectors.append(archiveSelect('diff-before', 'Before ', app.before, (i) => (app.before = i)), archiveSelect('diff-after', ' After ', app.after, (i) => (app.after = i)))
    else if (app.view !== 'trend') selectors.append(archiveSelect('archive', 'Archive ', app.current, (i) => (app.current = i)))
  }
  const panel = h('div', { id: 'panel', role: 'tabpanel', 'aria-labelledby': `tab-${app.view}`, tabindex: '0' }, panelFor(app.view))
  main.append(h('nav', {}, tabs, selectors), panel)
  document.body.setAttribute('data-state', 'ready')
  document.body.setAttribute('data-view', app.view)
}

function show(view: ViewId): void {
  app.view = view
  render()
}

async function load(work: Promise<Loaded[]>): Promise<void> {
  document.body.setAttribute('data-state', 'loading')
  const loaded = await work
  app.opened = loaded.filter((l): l is Loaded & { archive: Archive } => l.archive !== undefined).map((l) => ({ name: l.name, archive: l.archive }))
  app.failed = loaded.filter((l) => l.archive === undefined)
  app.current = 0
  app.before = 0
  app.after = Math.max(0, app.opened.length - 1)
  app.view = 'overview'
  cache.clear()
  render()
}

function start(): void {
  document.addEventListener('dragover', (ev) => ev.preventDefault())
  document.addEventListener('drop', (ev) => {
    ev.preventDefault()
    const files = ev.dataTransfer?.files
    if (files && files.length) void load(fromFiles(files))
  })
  const params = new URLSearchParams(location.search)
  void load(params.has('url') ? fromUrls(location.search) : embedded(document))
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
else start()
