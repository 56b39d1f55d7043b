// Parquet export (spec/SQL.md §6): each archive's tables written as row groups while the archives are read
// one at a time, straight from the reader's typed columns (sql/parquet-file.ts), without DuckDB. Hive-style
// partitions use keys pssnap computes, never a raw archive string as a folder name.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { SchemaElement } from 'hyparquet'
import type { SqlSession } from './session.js'
import { entrySources } from './parquet-entries.js'
import { ParquetFile, schemaElement } from './parquet-file.js'
import { MODULE_COLUMNS, moduleRows, valuesSource, type Value } from './parquet-rows.js'
import { CAPTURE_ERROR_COLUMNS, SNAPSHOT_COLUMNS, type LoadedArchive } from './snapshots.js'
import { ENTRY_TABLES, TABLE_NAMES, type SqlType, type TableName } from './tables.js'

type Columns = readonly { readonly name: string; readonly type: SqlType }[]

const SCHEMAS: Readonly<Record<TableName, Columns>> = {
  snapshots: SNAPSHOT_COLUMNS,
  capture_errors: CAPTURE_ERROR_COLUMNS,
  modules: MODULE_COLUMNS,
  ...(Object.fromEntries(ENTRY_TABLES.map((t): [string, Columns] => [t.table, [{ name: 'snapshot_id', type: 'UINTEGER' }, ...t.columns]])) as Record<'handles' | 'threads' | 'regions' | 'aux', Columns>),
}

/**
 * `host`: the machine name reduced to [A-Za-z0-9._-] (others → `_`), at most 64 characters, never starting
 * with a dot, `unknown` when absent: a folder name that cannot climb out (`..`) or hide. Two machine names
 * may share a key; `snapshots.machineName` keeps the exact one.
 */
export function hostKey(machineName: string | undefined): string {
  if (!machineName) return 'unknown'
  return machineName.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64).replace(/^[.]/, '_')
}

/** `date`: the capture's UTC date (`NULL` when `startedAt` is not a time), digits and dashes only. */
export function dateKey(startedAt: string | undefined): string {
  const ms = startedAt === undefined ? NaN : Date.parse(startedAt)
  if (!Number.isFinite(ms)) return 'NULL'
  const d = new Date(ms)
  const y = d.getUTCFullYear()
  const pad = (n: number, w: number) => String(n).padStart(w, '0')
  return `${y < 0 ? '-' : ''}${pad(Math.abs(y), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`
}

/** One output file: its entry rows go out as each archive comes, its small tables' rows at the end. */
interface Target {
  readonly table: TableName
  readonly file: ParquetFile
  readonly rows: Value[][]
}

export class ParquetExport {
  private readonly targets = new Map<string, Target>()
  private readonly schemas = new Map<TableName, SchemaElement[]>()
  /** Tables (flat) or table folders (partitioned), in TABLE_NAMES order at the end. */
  private readonly written = new Set<TableName>()

  constructor(
    private readonly dir: string,
    private readonly partitionBy: readonly string[],
  ) {}

  /** Writes one archive's rows (`id`: its snapshot_id). */
  add(a: LoadedArchive, id: number): void {
    const part = this.partitionBy.map((p) => (p === 'host' ? `host=${hostKey(a.archive.header.host.machineName)}` : `date=${dateKey(a.archive.header.capture.startedAt)}`))
    this.target('snapshots', part).rows.push(SNAPSHOT_COLUMNS.map((c) => c.get(a, id)))
    for (const e of a.archive.captureErrors) this.target('capture_errors', part).rows.push([id, e.section, e.operation, BigInt(e.code), e.name, e.message])
    for (const t of ENTRY_TABLES) {
      const section = a.archive.section(t.section)
      if (!section?.length) continue
      this.target(t.table, part).file.rowGroup(section.length, entrySources(t, section, id))
    }
    for (const row of moduleRows(a.archive, id)) this.target('modules', part).rows.push(row)
  }

  /** Writes the small tables and every footer; returns the files (flat) or table folders (partitioned). */
  finish(): string[] {
    if (!this.partitionBy.length) for (const t of TABLE_NAMES) this.target(t, []) // an empty table is a file with no rows
    for (const target of this.targets.values()) {
      if (target.rows.length) target.file.rowGroup(target.rows.length, SCHEMAS[target.table].map((c, j) => () => valuesSource(c.type, target.rows.map((r) => r[j]))))
      target.file.finish()
    }
    return TABLE_NAMES.filter((t) => this.written.has(t)).map((t) => (this.partitionBy.length ? join(this.dir, t) : join(this.dir, `${t}.parquet`)))
  }

  private target(table: TableName, part: readonly string[]): Target {
    const key = [table, ...part].join('/')
    let t = this.targets.get(key)
    if (!t) {
      let schema = this.schemas.get(table)
      if (!schema) this.schemas.set(table, (schema = SCHEMAS[table].map((c) => schemaElement(c.name, c.type))))
      let path: string
      if (part.length) {
        const folder = join(this.dir, table, ...part)
        mkdirSync(folder, { recursive: true, mode: 0o700 })
        path = join(folder, 'data_0.parquet')
      } else path = join(this.dir, `${table}.parquet`)
      t = { table, file: new ParquetFile(path, schema), rows: [] }
      this.targets.set(key, t)
      this.written.add(table)
    }
    return t
  }
}

const HOST_KEY = `CASE WHEN s.machineName IS NULL OR s.machineName = '' THEN 'unknown'
  ELSE regexp_replace(left(regexp_replace(s.machineName, '[^A-Za-z0-9._-]', '_', 'g'), 64), '^[.]', '_') END`
const DATE_KEY = `CAST(s.startedAt AS DATE)`

/**
 * The same tables written by DuckDB's own Parquet writer from a loaded session (`COPY … (FORMAT parquet)`):
 * the files the bench has DuckDB read back (sql-a), and a second writer the tests compare ours with.
 */
export async function duckdbExportTables(session: SqlSession, dir: string, partitionBy: readonly string[]): Promise<string[]> {
  const written: string[] = []
  for (const table of TABLE_NAMES) {
    if (!session.tables.has(table)) continue
    if (!partitionBy.length) {
      const file = join(dir, `${table}.parquet`)
      await session.copyToParquet(`SELECT * FROM ${table}`, file)
      written.push(file)
      continue
    }
    const keys = partitionBy.map((p) => (p === 'host' ? `${HOST_KEY} AS host` : `${DATE_KEY} AS date`)).join(', ')
    const from = table === 'snapshots' ? 'snapshots s' : `${table} t JOIN snapshots s USING (snapshot_id)`
    const select = `SELECT ${table === 'snapshots' ? 's' : 't'}.*, ${keys} FROM ${from}`
    const folder = join(dir, table)
    await session.copyToParquet(select, folder, partitionBy)
    written.push(folder)
  }
  return written
}
