// One section of an opened archive (handles, threads, vaSpace, auxiliaryPages): typed, lazily built row
// objects over the decoded columns. Rows are plain objects created on demand, never stored, so a section
// of a million entries costs only its columns until someone iterates it.
import { columnValue, tagContextArchitecture, type Column, type DecodedChunk, type DecodedSparseGroup, type FieldSpec, SECTIONS, type SectionName } from '../format/index.js'

type RowBuilder = (i: number) => Record<string, unknown>

export interface ColumnSpan {
  readonly start: number
  readonly count: number
  readonly column: Column | undefined
}

interface ChunkView {
  readonly chunk: DecodedChunk
  /** The architecture of this chunk's thread contexts (spec §6.2); undefined without contexts. */
  readonly contextArchitecture: string | undefined
  /** Index in the section of the chunk's first entry (chunks after a gap are renumbered contiguously). */
  readonly start: number
  build?: RowBuilder
  /** Builders of partial rows, by the comma-joined field list they keep. */
  projected?: Map<string, RowBuilder>
}

export class Section<T extends object> implements Iterable<T> {
  readonly name: string
  readonly length: number
  private readonly views: ChunkView[]
  private readonly starts: number[]

  /**
   * `contextFallback`: the architecture of thread contexts whose chunk does not name one (the header's
   * target, else host, architecture: spec §6.2).
   */
  constructor(name: string, chunks: readonly DecodedChunk[], contextFallback?: string) {
    this.name = name
    let start = 0
    this.views = chunks.map((chunk) => {
      const v = { chunk, start, contextArchitecture: chunkContextArchitecture(chunk, contextFallback) }
      start += chunk.count
      return v
    })
    this.starts = this.views.map((v) => v.start)
    this.length = start
  }

  /** Field names (dotted for nested fields) present in at least one chunk, in the spec's order. */
  get fields(): string[] {
    const present = new Set<string>()
    for (const { chunk } of this.views) {
      for (const k of Object.keys(chunk.columns)) present.add(k)
      for (const [g, group] of Object.entries(chunk.sparse)) for (const k of Object.keys(group.columns)) present.add(`${g}.${k}`)
    }
    const layout = layoutOf(this.name)
    const ordered = layout ? [...Object.keys(layout.columns), ...Object.entries(layout.sparse).flatMap(([g, f]) => Object.keys(f).map((k) => `${g}.${k}`))] : []
    return [...ordered.filter((k) => present.has(k)), ...[...present].filter((k) => !ordered.includes(k))]
  }

  /** The spec of a known field (dotted name), for rendering and query typing. */
  fieldSpec(name: string): FieldSpec | undefined {
    return fieldSpecOf(this.name, name)
  }

  get(index: number): T | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) return undefined
    const v = this.views[this.chunkAt(index)]!
    return (v.build ??= rowBuilder(this.name, v.chunk, v.contextArchitecture))(index - v.start) as T
  }

  *[Symbol.iterator](): Iterator<T> {
    for (const v of this.views) {
      const build = (v.build ??= rowBuilder(this.name, v.chunk, v.contextArchitecture))
      for (let i = 0; i < v.chunk.count; i++) yield build(i) as T
    }
  }

  /**
   * Calls `visit` for every entry; faster than iterating when a generator's overhead matters. With
   * `fields` (top-level names), the rows carry only those: a diff or a count that needs a few fields does
   * not pay for building the rest (copying every thread's CONTEXT, above all).
   */
  forEach(visit: (entry: T, index: number) => void, fields?: readonly string[]): void {
    const key = fields?.join(',')
    for (const v of this.views) {
      let build: RowBuilder
      if (key === undefined) build = v.build ??= rowBuilder(this.name, v.chunk, v.contextArchitecture)
      else {
        v.projected ??= new Map()
        build = v.projected.get(key) ?? rowBuilder(this.name, v.chunk, v.contextArchitecture, new Set(fields))
        v.projected.set(key, build)
      }
      for (let i = 0; i < v.chunk.count; i++) visit(build(i) as T, v.start + i)
    }
  }

  toArray(): T[] {
    const out: T[] = new Array(this.length)
    this.forEach((e, i) => (out[i] = e))
    return out
  }

  /** Raw decoded columns of one field across chunks (a chunk without it gives undefined). */
  columns(name: string): (Column | undefined)[] {
    return this.views.map((v) => v.chunk.columns[name])
  }

  /**
   * One field's raw column per chunk, with the chunk's first index and entry count (column undefined where
   * the chunk lacks the field): for comparing columns without building rows (diff, trend).
   */
  spans(name: string): ColumnSpan[] {
    return this.views.map((v) => ({ start: v.start, count: v.chunk.count, column: v.chunk.columns[name] }))
  }

  /**
   * One sparse group per chunk (`typeSpecificInformation.process`): the rows that have it and its columns,
   * undefined where the chunk lacks the group; for copying columns without building rows (sql/).
   */
  sparseSpans(group: string): { readonly start: number; readonly count: number; readonly group: DecodedSparseGroup | undefined }[] {
    return this.views.map((v) => ({ start: v.start, count: v.chunk.count, group: Object.hasOwn(v.chunk.sparse, group) ? v.chunk.sparse[group] : undefined }))
  }

  /**
   * The architectures of the thread contexts, each chunk's own (its `contextRecord` column's, else the
   * fallback), distinct, in chunk order.
   */
  get contextArchitectures(): string[] {
    const out = new Set<string>()
    for (const v of this.views) if (v.contextArchitecture !== undefined) out.add(v.contextArchitecture)
    return [...out]
  }

  /** The architecture every chunk's contexts share; undefined when there are none or chunks differ. */
  get contextArchitecture(): string | undefined {
    const all = this.contextArchitectures
    return all.length === 1 ? all[0] : undefined
  }

  private chunkAt(index: number): number {
    let lo = 0
    let hi = this.starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.starts[mid]! <= index) lo = mid
      else hi = mid - 1
    }
    return lo
  }
}

function chunkContextArchitecture(chunk: DecodedChunk, fallback: string | undefined): string | undefined {
  const c = chunk.columns.contextRecord
  return c?.dtype === 'bytes' ? (c.architecture ?? fallback) : undefined
}

function layoutOf(section: string) {
  return Object.prototype.hasOwnProperty.call(SECTIONS, section) ? SECTIONS[section as SectionName] : undefined
}

export function fieldSpecOf(section: string, name: string): FieldSpec | undefined {
  const layout = layoutOf(section)
  if (!layout) return undefined
  const columns = layout.columns as Record<string, FieldSpec>
  if (Object.prototype.hasOwnProperty.call(columns, name)) return columns[name]
  const dot = name.lastIndexOf('.')
  const groups = layout.sparse as Record<string, Record<string, FieldSpec>>
  // Own properties only: `constructor.name` must not find Object.name.
  const group = Object.hasOwn(groups, name.slice(0, dot)) ? groups[name.slice(0, dot)] : undefined
  return group && Object.hasOwn(group, name.slice(dot + 1)) ? group[name.slice(dot + 1)] : undefined
}

// ---- row construction ----
// Rows are built by a function generated once per chunk from the spec's field table (only the table's
// own identifiers reach the generated source, never a name from the file), so every row of a section
// shares one object shape and building a million of them stays cheap. Where code generation is not
// allowed (a strict Content-Security-Policy) a generic builder does the same more slowly.

function rowBuilder(section: string, chunk: DecodedChunk, contextArchitecture: string | undefined, keep?: ReadonlySet<string>): RowBuilder {
  if (codeGenerationAllowed()) {
    try {
      return generatedBuilder(section, chunk, contextArchitecture, keep)
    } catch {
      // An identifier the generator will not emit: this chunk only.
    }
  }
  return genericBuilder(section, chunk, contextArchitecture, keep)
}

// Whether `new Function` may run here. Probed once and remembered: under a CSP without 'unsafe-eval' every
// refused attempt fires a violation report, so trying again per chunk made one report per chunk.
let codeGeneration: boolean | undefined

/**
 * Tells the reader whether it may generate code (`undefined`: probe once on first use). A page that knows its
 * CSP refuses eval (the viewer) says `false` up front, so not even the probe is reported as a violation.
 */
export function setCodeGeneration(allowed: boolean | undefined): void {
  codeGeneration = allowed
}

function codeGenerationAllowed(): boolean {
  if (codeGeneration === undefined) {
    try {
      codeGeneration = new Function('return 1')() === 1
    } catch {
      codeGeneration = false
    }
  }
  return codeGeneration
}

interface Plan {
  /** [path parts, column] for plain and nested fields. */
  fields: [string[], Column][]
  /** Sparse groups: [path parts, position-by-row, columns]. */
  groups: [string[], Int32Array, [string, Column][]][]
}

/** `keep`: top-level field names to build (nested and sparse fields go with their top-level name). */
function plan(section: string, chunk: DecodedChunk, keep?: ReadonlySet<string>): Plan {
  const layout = layoutOf(section)
  const kept = (path: string) => keep === undefined || keep.has(path.split('.')[0]!)
  const fields: Plan['fields'] = []
  if (layout) {
    for (const name of Object.keys(layout.columns)) {
      const col = chunk.columns[name]
      if (col && kept(name)) fields.push([name.split('.'), col])
    }
  }
  const groups: Plan['groups'] = []
  for (const [g, group] of Object.entries(chunk.sparse)) {
    const known = layout && Object.hasOwn(layout.sparse, g) ? (layout.sparse as Record<string, Record<string, FieldSpec>>)[g] : undefined
    if (!known || !kept(g)) continue
    const pos = new Int32Array(chunk.count).fill(-1)
    group.rows.forEach((r, k) => (pos[r] = k))
    const cols = Object.keys(known)
      .filter((k) => Object.hasOwn(group.columns, k))
      .map((k) => [k, group.columns[k]!] as [string, Column])
    groups.push([g.split('.'), pos, cols])
  }
  return { fields, groups }
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** The thread CONTEXT blob, whose values carry their chunk's architecture. */
function isContext(section: string, path: readonly string[], col: Column): boolean {
  return section === 'threads' && path.length === 1 && path[0] === 'contextRecord' && col.dtype === 'bytes'
}

/**
 * What a generated builder holds for a column: a str column's dictionary read once (decoding it on first
 * use, format/columns.ts), not through its getter per row.
 */
function held(col: Column): unknown {
  return col.dtype === 'str' ? { dict: col.dict, index: col.index } : col
}

function valueExpr(col: Column, ref: string, index: string): string {
  switch (col.dtype) {
    case 'str':
      return `((k = ${ref}.index[${index}]) === 0 ? undefined : ${ref}.dict[k - 1])`
    case 'bytes':
      return `((a = ${ref}.offsets[${index}]) === (b = ${ref}.offsets[${index} + 1]) ? undefined : ${ref}.data.slice(a, b))`
    case 'u64':
    case 'i64':
      return col.narrow ? `BigInt(${ref}.values[${index}])` : `${ref}.values[${index}]`
    default:
      return `${ref}.values[${index}]`
  }
}

type Tree = Map<string, Tree | string>

function objectLiteral(tree: Tree): string {
  const parts: string[] = []
  for (const [key, v] of tree) parts.push(`${key}: ${typeof v === 'string' ? v : objectLiteral(v)}`)
  return `{ ${parts.join(', ')} }`
}

function insert(tree: Tree, path: string[], expr: string): void {
  let t = tree
  for (let i = 0; i < path.length - 1; i++) {
    let next = t.get(path[i]!)
    if (!(next instanceof Map)) {
      next = new Map()
      t.set(path[i]!, next)
    }
    t = next
  }
  t.set(path[path.length - 1]!, expr)
}

function generatedBuilder(section: string, chunk: DecodedChunk, contextArchitecture: string | undefined, keep?: ReadonlySet<string>): RowBuilder {
  const p = plan(section, chunk, keep)
  const refs: unknown[] = []
  const ref = (v: unknown) => `r[${refs.push(v) - 1}]`
  const tree: Tree = new Map()
  for (const [path, col] of p.fields) {
    if (!path.every((s) => IDENT.test(s))) throw new Error('unsafe identifier')
    if (isContext(section, path, col) && contextArchitecture !== undefined) {
      const c = ref(col)
      insert(tree, path, `((a = ${c}.offsets[i]) === (b = ${c}.offsets[i + 1]) ? undefined : ${ref(tagContextArchitecture)}(${c}.data.slice(a, b), ${ref(contextArchitecture)}))`)
    } else insert(tree, path, valueExpr(col, ref(held(col)), 'i'))
  }
  const groupLines: string[] = []
  p.groups.forEach(([path, pos, cols], gi) => {
    if (!path.every((s) => IDENT.test(s)) || !cols.every(([k]) => IDENT.test(k))) throw new Error('unsafe identifier')
    const member = `{ ${cols.map(([k, c]) => `${k}: ${valueExpr(c, ref(held(c)), `g${gi}`)}`).join(', ')} }`
    const posRef = ref(pos)
    const [parent, ...rest] = path
    // Sparse members nest under their parent object (typeSpecificInformation.process → row.typeSpecificInformation.process).
    groupLines.push(
      `g${gi} = ${posRef}[i]; if (g${gi} >= 0) { const o = row[${JSON.stringify(parent)}] ?? (row[${JSON.stringify(parent)}] = {}); o[${JSON.stringify(rest.join('.'))}] = ${member} }`,
    )
  })
  const groupVars = p.groups.map((_, gi) => `g${gi}`).join(', ')
  const body = `return function row_${section}(i) { let k, a, b${groupVars ? ', ' + groupVars : ''}; const row = ${objectLiteral(tree)}; ${groupLines.join('; ')}; return row }`
  return new Function('r', body)(refs) as RowBuilder
}

function genericBuilder(section: string, chunk: DecodedChunk, contextArchitecture: string | undefined, keep?: ReadonlySet<string>): RowBuilder {
  const p = plan(section, chunk, keep)
  return (i) => {
    const row: Record<string, unknown> = {}
    for (const [path, col] of p.fields) {
      const value = columnValue(col, i)
      setPath(row, path, value instanceof Uint8Array && isContext(section, path, col) ? tagContextArchitecture(value, contextArchitecture) : value)
    }
    for (const [path, pos, cols] of p.groups) {
      const k = pos[i]!
      if (k < 0) continue
      const member: Record<string, unknown> = {}
      for (const [name, col] of cols) member[name] = columnValue(col, k)
      setPath(row, path, member)
    }
    return row
  }
}

function setPath(row: Record<string, unknown>, path: string[], value: unknown): void {
  let o = row
  for (let i = 0; i < path.length - 1; i++) o = (o[path[i]!] ??= {}) as Record<string, unknown>
  o[path[path.length - 1]!] = value
}
