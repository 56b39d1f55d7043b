// The address space as a picture: a treemap (d3-hierarchy layout, drawn on a canvas) of the regions by
// type, then by module or allocation, coloured by type or protection; modules labelled, click to zoom,
// details on hover, the filterable region list beside it. Canvas text is pixels, never markup.
import { hierarchy, treemap, type HierarchyRectangularNode } from 'd3-hierarchy'
import { sectionCaptured } from '../reader/damage.js'
import { formatAddress, formatSize } from '../reader/text.js'
import type { Archive, VaSpaceEntry } from '../reader/index.js'
import { clear, h, text } from './dom.js'
import { cellText, columnsFor, entryList } from './entries.js'
import { quoted } from './handles.js'
import { isLinux } from './overview.js'
import { CANVAS_BACKGROUND, MEM_IMAGE, MEM_MAPPED, MEM_PRIVATE, OTHER_COLOUR, PROTECT_COLOURS, TYPE_COLOURS } from './palette.js'

const MEM_COMMIT = 0x1000
const MEM_FREE = 0x10000
/** Beyond this many regions the picture stops at modules and allocations (one rectangle each). */
const MAX_LEAVES = 40_000
const WIDTH = 960
/** What the picture and its hover details read of a region. */
const DRAWN_FIELDS = ['baseAddress', 'allocationBase', 'regionSize', 'state', 'protect', 'type', 'mappedFileName']
const HEIGHT = 540

interface Node {
  name: string
  children?: Node[]
  size: number
  entry?: VaSpaceEntry
  /** A `--where` expression that lists this node's regions. */
  where?: string
  type?: number
}


export function typeLabel(type: number | undefined, linux: boolean): string {
  if (type === MEM_IMAGE) return linux ? 'ELF image' : 'Image'
  if (type === MEM_MAPPED) return linux ? 'file mapping' : 'Mapped'
  if (type === MEM_PRIVATE) return linux ? 'anonymous' : 'Private'
  return type === undefined ? 'unknown type' : `type 0x${type.toString(16)}`
}

function protectClass(protect: number | undefined): keyof typeof PROTECT_COLOURS {
  if (protect === undefined) return 'none'
  const p = protect & 0xff
  if (p & 0xf0) return 'execute'
  if (p & 0x0c) return 'write'
  if (p & 0x02) return 'read'
  return 'none'
}

const baseName = (path: string) => path.split(/[\\/]/).pop() || path

function build(archive: Archive, includeReserved: boolean): Node {
  const linux = isLinux(archive)
  const byType = new Map<number | undefined, Map<string, Node>>()
  let regions = 0
  // Rows of only the fields drawn (Section.forEach builds nothing else).
  archive.vaSpace.forEach((e) => {
    if (e.state === MEM_FREE || e.regionSize === undefined) return
    if (!includeReserved && e.state !== MEM_COMMIT) return
    regions++
    let groups = byType.get(e.type)
    if (!groups) byType.set(e.type, (groups = new Map()))
    const key = e.mappedFileName ?? (e.allocationBase !== undefined ? formatAddress(e.allocationBase) : 'unknown allocation')
    let g = groups.get(key)
    if (!g) {
      const where = e.mappedFileName !== undefined ? `mappedFileName = ${quoted(e.mappedFileName)}` : e.allocationBase !== undefined ? `allocationBase = ${formatAddress(e.allocationBase)}` : undefined
      groups.set(key, (g = { name: e.mappedFileName !== undefined ? baseName(e.mappedFileName) : key, children: [], size: 0, ...(where ? { where } : {}), ...(e.type !== undefined ? { type: e.type } : {}) }))
    }
    g.children!.push({ name: formatAddress(e.baseAddress ?? 0n), size: Number(e.regionSize), entry: e, ...(e.type !== undefined ? { type: e.type } : {}) })
  }, DRAWN_FIELDS)
  const leaves = regions <= MAX_LEAVES
  return {
    name: 'address space',
    size: 0,
    children: [...byType].map(([type, groups]) => ({
      name: typeLabel(type, linux),
      size: 0,
      ...(type !== undefined ? { type, where: `type = 0x${type.toString(16)}` } : {}),
      children: [...groups.values()].map((g) => (leaves ? g : { ...g, size: g.children!.reduce((s, c) => s + c.size, 0), children: undefined } as Node)),
    })),
  }
}

export function addressSpaceView(archive: Archive): HTMLElement {
  if (!sectionCaptured(archive, 'vaSpace')) return h('section', {}, h('h2', {}, 'Address space'), h('p', { class: 'absent' }, 'regions: not captured'))
  const linux = isLinux(archive)
  const canvas = h('canvas', { width: WIDTH, height: HEIGHT, class: 'treemap', tabindex: '0', role: 'img', 'aria-label': 'treemap of the address space: arrow keys pick a block, Enter zooms into it, Escape zooms out; the region list beside it holds the same data' })
  const tip = h('div', { class: 'tip', role: 'status' })
  tip.hidden = true
  const crumbs = h('p', { class: 'crumbs' })
  const colourBy = h('select', { id: 'colour-by' }, h('option', { value: 'type' }, 'type'), h('option', { value: 'protect' }, linux ? 'perms' : 'protection'))
  const reserved = h('input', { type: 'checkbox', id: 'include-reserved' })
  const zoomOut = h('button', { type: 'button' }, 'Zoom out')
  const legend = h('ul', { class: 'legend' })
  const list = entryList(archive, 'vaSpace', linux ? 'mappings' : 'regions')
  const detailColumns = columnsFor(archive, 'vaSpace', 'baseAddress,regionSize,state,protect,type,mappedFileName')
  const ctx = canvas.getContext('2d')
  let tree = build(archive, false)
  let path: Node[] = [tree]
  let laid: HierarchyRectangularNode<Node> | undefined
  /** The block picked by keyboard among the current top's children, largest first; -1: none. */
  let picked = -1
  const blocks = () => (laid?.children ?? [])

  const colourOf = (n: Node): string => {
    if (colourBy.value === 'protect') return PROTECT_COLOURS[protectClass(n.entry?.protect ?? n.children?.[0]?.entry?.protect)]
    return (n.type !== undefined ? TYPE_COLOURS.get(n.type) : undefined) ?? OTHER_COLOUR
  }

  const draw = () => {
    const top = path[path.length - 1]!
    const root = hierarchy<Node>(top, (d) => d.children).sum((d) => (d.children ? 0 : d.size)).sort((a, b) => (b.value ?? 0) - (a.value ?? 0))
    laid = treemap<Node>().size([WIDTH, HEIGHT]).paddingOuter(2).paddingTop(16).paddingInner(1).round(true)(root)
    crumbs.textContent = path.map((n) => text(n.name, 80)).join(' › ')
    zoomOut.disabled = path.length === 1
    if (!ctx) return
    ctx.fillStyle = CANVAS_BACKGROUND
    ctx.fillRect(0, 0, WIDTH, HEIGHT)
    ctx.font = '11px system-ui, sans-serif'
    ctx.textBaseline = 'top'
    for (const n of laid.descendants()) {
      const w = n.x1 - n.x0
      const hh = n.y1 - n.y0
      if (w < 1 || hh < 1) continue
      if (!n.children) {
        ctx.fillStyle = colourOf(n.data)
        ctx.fillRect(n.x0, n.y0, w, hh)
      } else if (n.depth > 0) {
        ctx.strokeStyle = '#aaaaaa'
        ctx.strokeRect(n.x0 + 0.5, n.y0 + 0.5, w - 1, hh - 1)
      }
      // Labels: types and modules (groups) on their top band, leaves when there is room.
      if ((n.children && n.depth > 0 && w > 40) || (!n.children && w > 60 && hh > 14)) {
        ctx.fillStyle = '#ffffff'
        const label = text(n.data.name, 80)
        ctx.fillText(label.length * 6 > w - 4 ? `${label.slice(0, Math.max(1, Math.floor((w - 4) / 6) - 1))}…` : label, n.x0 + 3, n.y0 + 2, w - 4)
      }
    }
    const focus = blocks()[picked]
    if (focus) {
      ctx.strokeStyle = '#ffd400'
      ctx.lineWidth = 3
      ctx.strokeRect(focus.x0 + 1.5, focus.y0 + 1.5, focus.x1 - focus.x0 - 3, focus.y1 - focus.y0 - 3)
      ctx.lineWidth = 1
    }
    clear(legend)
    const entries = colourBy.value === 'protect' ? Object.entries(PROTECT_COLOURS).map(([k, c]) => [k === 'none' ? 'no access' : k, c] as const) : [...TYPE_COLOURS].map(([t, c]) => [typeLabel(t, linux), c] as const)
    for (const [label, colour] of entries) {
      const swatch = h('span', { class: 'swatch' })
      swatch.style.background = colour
      legend.appendChild(h('li', {}, swatch, label))
    }
  }

  const at = (ev: MouseEvent): HierarchyRectangularNode<Node> | undefined => {
    if (!laid) return undefined
    const r = canvas.getBoundingClientRect()
    const x = ((ev.clientX - r.left) * WIDTH) / r.width
    const y = ((ev.clientY - r.top) * HEIGHT) / r.height
    let hit: HierarchyRectangularNode<Node> | undefined
    for (const n of laid.descendants()) if (x >= n.x0 && x < n.x1 && y >= n.y0 && y < n.y1 && (!hit || n.depth > hit.depth)) hit = n
    return hit
  }
  canvas.addEventListener('mousemove', (ev) => {
    const n = at(ev)
    if (!n || n.depth === 0) {
      tip.hidden = true
      return
    }
    tip.hidden = false
    tip.textContent = describe(n)
  })
  canvas.addEventListener('mouseleave', () => (tip.hidden = true))
  const describe = (n: HierarchyRectangularNode<Node>) => (n.data.entry ? detailColumns.map((c) => `${c.label} ${cellText(c, n.data.entry!)}`).join('  ·  ') : `${text(n.data.name, 200)}: ${formatSize(n.value ?? 0)}`)
  const zoomInto = (n: HierarchyRectangularNode<Node>) => {
    // The list shows what the picture shows: committed regions only unless reserved ones are asked for.
    if (n.data.where) list.filter(reserved.checked ? n.data.where : `${n.data.where} and state = COMMIT`)
    if (n.data.children) {
      path = [...path, n.data]
      picked = -1
      draw()
    }
  }
  const zoomOutOne = () => {
    if (path.length === 1) return
    path = path.slice(0, -1)
    picked = -1
    if (path.length === 1) list.filter('')
    draw()
  }
  canvas.addEventListener('click', (ev) => {
    let n = at(ev)
    // Zoom one level: to the child of the current top that holds the point.
    while (n && n.depth > 1) n = n.parent ?? undefined
    if (n && n.depth === 1) zoomInto(n)
  })
  canvas.addEventListener('keydown', (ev) => {
    const list = blocks()
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowDown' || ev.key === 'ArrowLeft' || ev.key === 'ArrowUp') {
      if (!list.length) return
      picked = ev.key === 'ArrowRight' || ev.key === 'ArrowDown' ? (picked + 1) % list.length : (picked - 1 + list.length) % list.length
      draw()
      tip.hidden = false
      tip.textContent = describe(list[picked]!)
    } else if (ev.key === 'Enter' && list[picked]) zoomInto(list[picked]!)
    else if (ev.key === 'Escape' || ev.key === 'Backspace') zoomOutOne()
    else return
    ev.preventDefault()
  })
  zoomOut.addEventListener('click', zoomOutOne)
  colourBy.addEventListener('change', draw)
  reserved.addEventListener('change', () => {
    tree = build(archive, reserved.checked)
    path = [tree]
    draw()
  })
  draw()
  return h(
    'section',
    { class: 'address-space' },
    h('h2', {}, 'Address space'),
    h(
      'div',
      { class: 'controls' },
      h('label', { for: 'colour-by' }, 'Colour by '),
      colourBy,
      h('label', { for: 'include-reserved' }, reserved, linux ? ' include inaccessible (---p) mappings' : ' include reserved regions'),
      zoomOut,
    ),
    crumbs,
    h('div', { class: 'split' }, h('div', { class: 'picture' }, canvas, tip, legend, h('p', { class: 'note' }, 'Area is size; committed regions only unless asked. Click a block to zoom into it and list its regions.')), list.element),
  )
}
