// zod schemas of the entry objects (spec/ARCHIVE.md §6), built from the same field tables as the columns
// so they cannot drift. Never run per entry when reading (the columns are checked by loops, see
// columns.ts); they serve programs that build entries from untrusted input and the writer's opt-in
// `validateEntries`.
import * as z from 'zod/mini'
import { SECTIONS, type DType, type FieldSpec, type SectionEntryTypes } from './fields.js'
import { i32, i64, u32, u64 } from './schemas.js'

const u8 = z.int().check(z.minimum(0), z.maximum(0xff))
const u16 = z.int().check(z.minimum(0), z.maximum(0xffff))

const BY_DTYPE: Record<DType, z.ZodMiniType> = {
  u8,
  u16,
  u32,
  i32,
  u64,
  i64,
  str: z.string(),
  bytes: z.instanceof(Uint8Array),
}

type Shape = Record<string, z.ZodMiniType>

/** Dotted field names become nested optional objects (`basicInformation.state`). */
function shapeOf(fields: Readonly<Record<string, FieldSpec>>): Shape {
  const tree: Record<string, Readonly<Record<string, FieldSpec>> | FieldSpec> = {}
  const nested: Record<string, Record<string, FieldSpec>> = {}
  for (const [name, spec] of Object.entries(fields)) {
    const dot = name.indexOf('.')
    if (dot < 0) tree[name] = spec
    else (nested[name.slice(0, dot)] ??= {})[name.slice(dot + 1)] = spec
  }
  const shape: Shape = {}
  for (const [name, spec] of Object.entries(tree)) shape[name] = z.optional(BY_DTYPE[(spec as FieldSpec).dtype])
  for (const [name, sub] of Object.entries(nested)) shape[name] = z.optional(z.object(shapeOf(sub)))
  return shape
}

function sectionSchema(section: keyof typeof SECTIONS): z.ZodMiniType {
  const layout = SECTIONS[section]
  const shape = shapeOf(layout.columns)
  // Sparse groups (the handle union) nest under their parent: typeSpecificInformation.process → {…}.
  const groups: Record<string, Shape> = {}
  for (const [group, fields] of Object.entries(layout.sparse as Record<string, Readonly<Record<string, FieldSpec>>>)) {
    const [parent, member] = group.split('.') as [string, string]
    ;(groups[parent] ??= {})[member] = z.optional(z.object(shapeOf(fields)))
  }
  for (const [parent, members] of Object.entries(groups)) shape[parent] = z.optional(z.object(members))
  return z.object(shape)
}

export const HandleEntrySchema = sectionSchema('handles') as z.ZodMiniType<SectionEntryTypes['handles']>
export const ThreadEntrySchema = sectionSchema('threads') as z.ZodMiniType<SectionEntryTypes['threads']>
export const VaSpaceEntrySchema = sectionSchema('vaSpace') as z.ZodMiniType<SectionEntryTypes['vaSpace']>
export const AuxiliaryPageEntrySchema = sectionSchema('auxiliaryPages') as z.ZodMiniType<SectionEntryTypes['auxiliaryPages']>

export const ENTRY_SCHEMAS = {
  handles: HandleEntrySchema,
  threads: ThreadEntrySchema,
  vaSpace: VaSpaceEntrySchema,
  auxiliaryPages: AuxiliaryPageEntrySchema,
} as const
