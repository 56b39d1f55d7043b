// The SQL schema of the entry tables (spec/SQL.md), derived from the archive's one field table
// (format/fields.ts): every stored top-level field becomes one or more typed columns, so a field a later
// format minor adds reaches SQL and Parquet without a change here.
import { SECTIONS, type FieldSpec, type NameTableId } from '../reader/index.js'

/** SQL types used (all map to standard Parquet types: spec/SQL.md §3). */
export type SqlType = 'UTINYINT' | 'USMALLINT' | 'UINTEGER' | 'INTEGER' | 'UBIGINT' | 'BIGINT' | 'DOUBLE' | 'TIMESTAMP' | 'VARCHAR' | 'BOOLEAN'

/**
 * How a column is filled from the archive's column of `field`:
 * int: the stored integer; time: FILETIME as a TIMESTAMP (µs, 0 → NULL); dur: FILETIME duration in seconds;
 * text: the dictionary string (loaded as ENUM indices); name: the enum or flag name of the value
 * (format/names.ts, loaded as ENUM indices); length: a blob's byte count (empty → NULL).
 */
export type Fill = 'int' | 'time' | 'dur' | 'text' | 'name' | 'length'

export interface EntryColumn {
  readonly name: string
  /** The sparse group holding the field (`typeSpecificInformation.process`); `field` is then its full dotted path. */
  readonly group?: string
  readonly type: SqlType
  readonly field: string
  readonly fill: Fill
  readonly spec: FieldSpec
  readonly names?: NameTableId
}

export interface EntryTable {
  /** The SQL table name. */
  readonly table: 'handles' | 'threads' | 'regions' | 'aux'
  /** The archive's section name. */
  readonly section: 'handles' | 'threads' | 'vaSpace' | 'auxiliaryPages'
  readonly columns: readonly EntryColumn[]
}

const INT_TYPE: Readonly<Record<string, SqlType>> = { u8: 'UTINYINT', u16: 'USMALLINT', u32: 'UINTEGER', i32: 'INTEGER', u64: 'UBIGINT', i64: 'BIGINT' }

/** `basicInformation.state` → `basicInformation_state`: Spark and Trino read a dot in a Parquet column as nesting. */
export const sqlName = (field: string): string => field.replace(/\./g, '_')

function columnsOf(fields: Readonly<Record<string, FieldSpec>>, group?: string): EntryColumn[] {
  const out: EntryColumn[] = []
  for (const [member, spec] of Object.entries(fields)) {
    const field = group === undefined ? member : `${group}.${member}`
    const name = sqlName(field)
    const base = { field, spec, ...(group === undefined ? {} : { group }) }
    if (spec.dtype === 'str') out.push({ ...base, name, type: 'VARCHAR', fill: 'text' })
    else if (spec.dtype === 'bytes') out.push({ ...base, name: `${name}Length`, type: 'UINTEGER', fill: 'length' })
    else if (spec.kind === 'time') out.push({ ...base, name, type: 'TIMESTAMP', fill: 'time' }, { ...base, name: `${name}Ticks`, type: INT_TYPE[spec.dtype]!, fill: 'int' })
    else if (spec.kind === 'dur') out.push({ ...base, name, type: 'DOUBLE', fill: 'dur' }, { ...base, name: `${name}Ticks`, type: INT_TYPE[spec.dtype]!, fill: 'int' })
    else {
      out.push({ ...base, name, type: INT_TYPE[spec.dtype]!, fill: 'int' })
      if (spec.names && (spec.kind === 'enum' || spec.kind === 'flags')) out.push({ ...base, name: `${name}Name`, type: 'VARCHAR', fill: 'name', names: spec.names })
    }
  }
  // A derived name (`typeName` of `type`) never shadows a stored field of that name: the stored one wins.
  const stored = new Set(Object.keys(fields).map((m) => sqlName(group === undefined ? m : `${group}.${m}`)))
  return out.filter((c) => c.name === sqlName(c.field) || !stored.has(c.name))
}

/** A section's columns, then its sparse groups' members (`typeSpecificInformation_process_processId`). */
const sectionColumns = (layout: { columns: Readonly<Record<string, FieldSpec>>; sparse: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>> }): EntryColumn[] => [
  ...columnsOf(layout.columns),
  ...Object.entries(layout.sparse).flatMap(([group, members]) => columnsOf(members, group)),
]

export const ENTRY_TABLES: readonly EntryTable[] = [
  { table: 'handles', section: 'handles', columns: sectionColumns(SECTIONS.handles) },
  { table: 'threads', section: 'threads', columns: sectionColumns(SECTIONS.threads) },
  { table: 'regions', section: 'vaSpace', columns: sectionColumns(SECTIONS.vaSpace) },
  { table: 'aux', section: 'auxiliaryPages', columns: sectionColumns(SECTIONS.auxiliaryPages) },
]

export const TABLE_NAMES = ['snapshots', 'handles', 'threads', 'regions', 'aux', 'modules', 'capture_errors'] as const
export type TableName = (typeof TABLE_NAMES)[number]

/** Double-quoted SQL identifier. Only names from the field table reach it, never a name from an archive. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`
