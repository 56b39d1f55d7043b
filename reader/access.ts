// Field access by dotted path (spec/ARCHIVE.md §6): what `--where`, `--sort`, `--group-by`, `--columns`
// and the text renderers share. A path resolves to the field's spec (dtype, display kind, name table) and a
// getter. Thread registers decoded from `contextRecord` are fields too (`registers.Rip`), so they can be
// shown, filtered and sorted like stored ones. Platform-free.
import { contextLayout, decodeRegisters } from '../format/context.js'
import { SECTIONS, type DType, type FieldKind, type FieldSpec } from '../format/fields.js'
import type { NameTableId } from '../format/names.js'
import { suggest } from './suggest.js'

export type SectionId = keyof typeof SECTIONS

/** Section names as the CLI spells them (`regions`, `aux`), plus the archive's own names. */
export const SECTION_ALIASES: Readonly<Record<string, SectionId>> = {
  handles: 'handles',
  threads: 'threads',
  regions: 'vaSpace',
  vaSpace: 'vaSpace',
  aux: 'auxiliaryPages',
  auxiliaryPages: 'auxiliaryPages',
}

/** The same names lower-cased: section names ignore case everywhere (`vaspace`, `REGIONS`), like fields. */
const SECTION_BY_LOWER_NAME = new Map(Object.entries(SECTION_ALIASES).map(([name, id]) => [name.toLowerCase(), id]))

/** The archive section a CLI or archive section name means (any case), or undefined. */
export function sectionId(name: string): SectionId | undefined {
  return SECTION_BY_LOWER_NAME.get(name.toLowerCase())
}

/** Section names the CLI accepts, for messages. */
export const SECTION_NAMES: readonly string[] = Object.keys(SECTION_ALIASES)

export interface FieldRef {
  /** Canonical dotted path: `handleCount`, `typeSpecificInformation.process.processId`, `registers.Rip`. */
  readonly path: string
  /** Undefined when the section is not known: the value is then compared by its runtime type. */
  readonly dtype: DType | undefined
  readonly kind: FieldKind | undefined
  readonly names?: NameTableId
  /** True for values computed from other fields (thread registers). */
  readonly derived?: boolean
  /** The value in an entry, undefined when absent. */
  get(entry: object): unknown
}

export interface AccessOptions {
  /** Architecture of the thread CONTEXT records (`archive.contextArchitecture`), for `registers.*`. */
  contextArchitecture?: string
  /**
   * For records outside an archive's sections (`pssnap ps`'s processes): the field names they have. A name is
   * then matched ignoring case, and an unknown one is UNKNOWN_FIELD with suggestions; values stay untyped.
   */
  fieldNames?: readonly string[]
}

/** Raised for a field path that names no field, or more than one. */
export class FieldError extends Error {
  override name = 'FieldError'
  constructor(
    readonly code: 'UNKNOWN_FIELD' | 'AMBIGUOUS_FIELD',
    /** The problem itself, without the hint. */
    readonly reason: string,
    readonly candidates: readonly string[] = [],
    /** What would work instead (the field list). */
    readonly hint?: string,
  ) {
    super(hint ? `${reason}; ${hint}` : reason)
  }
}

const REGISTER_PREFIX = 'registers.'
const POINTER_REGISTERS = new Set(['Rip', 'Rsp', 'Rbp', 'Eip', 'Esp', 'Ebp', 'Pc', 'Sp', 'Fp', 'Lr'])

/** Every stored field of a known section, dotted, in the spec's order (sparse members last). */
export function storedFieldPaths(section: SectionId): string[] {
  const layout = SECTIONS[section]
  return [...Object.keys(layout.columns), ...Object.entries(layout.sparse as Record<string, Record<string, FieldSpec>>).flatMap(([g, f]) => Object.keys(f).map((k) => `${g}.${k}`))]
}

/** Register names decodable for an architecture (none for an unknown one). */
export function registerNames(architecture: string | undefined): string[] {
  const layout = contextLayout(architecture)
  if (!layout) return []
  // Instruction, stack and frame pointer first: what a person looks at.
  const rest = Object.keys(layout.registers).filter((r) => r !== layout.pc && r !== layout.sp && r !== layout.fp)
  return [layout.pc, layout.sp, layout.fp, ...rest]
}

/** Every path `resolveField` accepts for a section: stored fields, then `registers.*` for threads. */
export function fieldPaths(section: SectionId, options: AccessOptions = {}): string[] {
  const paths = storedFieldPaths(section)
  if (section === 'threads') for (const r of registerNames(options.contextArchitecture ?? 'x64')) paths.push(REGISTER_PREFIX + r)
  return paths
}

function storedSpec(section: SectionId, path: string): FieldSpec | undefined {
  const layout = SECTIONS[section]
  const columns = layout.columns as Record<string, FieldSpec>
  if (Object.prototype.hasOwnProperty.call(columns, path)) return columns[path]
  const dot = path.lastIndexOf('.')
  if (dot < 0) return undefined
  const sparse = layout.sparse as Record<string, Record<string, FieldSpec>>
  const group = Object.prototype.hasOwnProperty.call(sparse, path.slice(0, dot)) ? sparse[path.slice(0, dot)] : undefined
  return group && Object.prototype.hasOwnProperty.call(group, path.slice(dot + 1)) ? group[path.slice(dot + 1)] : undefined
}

/** A getter for a dotted path over plain objects; own properties only, so `__proto__` reads nothing. */
export function pathGetter(path: string): (entry: object) => unknown {
  const parts = path.split('.')
  const own = Object.prototype.hasOwnProperty
  if (parts.length === 1) {
    const [p] = parts as [string]
    return (e) => (own.call(e, p) ? (e as Record<string, unknown>)[p] : undefined)
  }
  return (e) => {
    let v: unknown = e
    for (const p of parts) {
      if (v === null || typeof v !== 'object' || !own.call(v, p)) return undefined
      v = (v as Record<string, unknown>)[p]
    }
    return v
  }
}

/** Decoded registers per entry object, so several register columns decode a context once. */
const registerCache = new WeakMap<object, Record<string, bigint> | null>()

function registerRef(name: string, architecture: string): FieldRef {
  const isFlags = name === 'ContextFlags' && architecture === 'x64'
  return {
    path: REGISTER_PREFIX + name,
    dtype: 'u64',
    kind: POINTER_REGISTERS.has(name) ? 'addr' : isFlags ? 'flags' : 'hex',
    ...(isFlags ? { names: 'CONTEXT_FLAGS_X64' as const } : {}),
    derived: true,
    get(entry) {
      let regs = registerCache.get(entry)
      if (regs === undefined) {
        regs = decodeRegisters((entry as { contextRecord?: Uint8Array }).contextRecord, architecture) ?? null
        registerCache.set(entry, regs)
      }
      return regs?.[name]
    },
  }
}

function refFor(section: SectionId, path: string, options: AccessOptions): FieldRef | undefined {
  if (section === 'threads' && path.startsWith(REGISTER_PREFIX)) {
    const arch = options.contextArchitecture ?? 'x64'
    const name = path.slice(REGISTER_PREFIX.length)
    return registerNames(arch).includes(name) ? registerRef(name, arch) : undefined
  }
  const spec = storedSpec(section, path)
  if (!spec) return undefined
  return { path, dtype: spec.dtype, kind: spec.kind, ...(spec.names ? { names: spec.names } : {}), get: pathGetter(path) }
}

/**
 * Resolves a field name for a section. Accepted, in this order: the exact dotted path, the same ignoring
 * case, then a unique dotted suffix (`process.processId`, `state` for auxiliary pages' `basicInformation.state`,
 * `Rip` for `registers.Rip`). With no section, or an unknown one, any path is accepted and read as is.
 * Throws FieldError when nothing or more than one field matches.
 */
export function resolveField(section: string | undefined, name: string, options: AccessOptions = {}): FieldRef {
  const id = section === undefined ? undefined : sectionId(section)
  if (!id && options.fieldNames) {
    const hit = options.fieldNames.find((p) => p === name) ?? options.fieldNames.find((p) => p.toLowerCase() === name.toLowerCase())
    if (hit !== undefined) return { path: hit, dtype: undefined, kind: undefined, get: pathGetter(hit) }
    const near = suggest(name, options.fieldNames, 4)
    throw new FieldError('UNKNOWN_FIELD', `unknown field '${name}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`, near, `fields: ${options.fieldNames.join(', ')}`)
  }
  // No section, or one this reader does not know (a newer minor's): every path is read as is.
  if (!id) return { path: name, dtype: undefined, kind: undefined, get: pathGetter(name) }
  const all = fieldPaths(id, options)
  const lower = name.toLowerCase()
  const pick = (hits: string[]): FieldRef | undefined => {
    if (hits.length === 1) return refFor(id, hits[0]!, options)
    if (hits.length > 1) throw new FieldError('AMBIGUOUS_FIELD', `'${name}' is ambiguous in ${id}`, hits, `write one of ${hits.join(', ')}`)
    return undefined
  }
  const ref =
    pick(all.filter((p) => p === name)) ??
    pick(all.filter((p) => p.toLowerCase() === lower)) ??
    pick(all.filter((p) => p.endsWith(`.${name}`))) ??
    pick(all.filter((p) => p.toLowerCase().endsWith(`.${lower}`)))
  if (ref) return ref
  const near = suggest(name, all, 4)
  throw new FieldError('UNKNOWN_FIELD', `unknown field '${name}' in ${id}${near.length ? ` (did you mean ${near.slice(0, 4).join(', ')}?)` : ''}`, near, `fields: ${storedFieldPaths(id).filter((p) => !p.includes('.') || id !== 'handles').join(', ')}${id === 'handles' ? ', typeSpecificInformation.<member>.<field>' : ''}${id === 'threads' ? `, registers.{${registerNames(options.contextArchitecture ?? 'x64').join(',')}}` : ''}`)
}
