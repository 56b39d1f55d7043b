// Parquet export (spec/SQL.md §4): DuckDB's own writer, from the tables a session loaded. Hive-style
// partitions use keys pssnap computes, never a raw archive string as a folder name.
import { join } from 'node:path'
import type { SqlSession } from './session.js'
import { TABLE_NAMES } from './tables.js'

/**
 * `host`: the machine name reduced to [A-Za-z0-9._-] (others → `_`), at most 64 characters, never starting
 * with a dot, `unknown` when absent: a folder name that cannot climb out (`..`) or hide. Two machine names
 * may share a key; `snapshots.machineName` keeps the exact one. `date`: the capture's UTC date.
 */
const HOST_KEY = `CASE WHEN s.machineName IS NULL OR s.machineName = '' THEN 'unknown'
  ELSE regexp_replace(left(regexp_replace(s.machineName, '[^A-Za-z0-9._-]', '_', 'g'), 64), '^[.]', '_') END`
const DATE_KEY = `CAST(s.startedAt AS DATE)`

export async function exportTables(session: SqlSession, dir: string, partitionBy: readonly string[]): Promise<string[]> {
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
