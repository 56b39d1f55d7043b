// `npm run bench -- sql` (issue 17 §5): loading archives into DuckDB and exporting Parquet, every ratio
// against a baseline measured in this same run. In one process; DuckDB with 2 threads as `pssnap sql` runs it.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { SECTION_NAMES } from '../format/index.js'
import type { Archive } from '../reader/archive.js'
import { archiveDamage } from '../reader/damage.js'
import { openArchiveFile, writeArchiveFile } from '../reader/node.js'
import { duckdbExportTables, ParquetExport } from '../sql/parquet.js'
import { SqlSession } from '../sql/session.js'
import { SNAPSHOT_COLUMNS } from '../sql/snapshots.js'
import { ENTRY_TABLES, TABLE_NAMES, type EntryColumn } from '../sql/tables.js'
import { generateSnapshot, type Snapshot } from '../test/synthetic/generate.js'
import { writeSnapshot } from '../test/sql-fixtures.js'
import { gc, ratioLine, type Result } from './measure.js'

const OUT = 'bench/out/sql'
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
rmSync(OUT, { recursive: true, force: true })
mkdirSync(OUT, { recursive: true })
const results: Result[] = []
const notes: string[] = []

const counts = { handles: 300_000, regions: 600_000, threads: 100_000 }
console.log(`pssnap bench sql — load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} — Node ${process.version}, 1M entries (${counts.handles} handles, ${counts.regions} regions, ${counts.threads} threads), median of ${RUNS}`)
const snapshot: Snapshot = generateSnapshot({ seed: 1, ...counts, contextRatio: 0.5 })
const file = `${OUT}/1m.pssnap`

// pssnap's own archive write of the 1M rows (the baseline of the export).
async function writeArchive(path: string): Promise<void> {
  rmSync(path, { force: true })
  await writeArchiveFile(
    path,
    snapshot.header,
    async (w) => {
      for (const name of SECTION_NAMES) {
        const list = snapshot.sections[name] as object[]
        w.declareSection(name)
        for (const e of list) {
          const p = w.add(name, e as never)
          if (p) await p
        }
      }
    },
    snapshot.epilogue,
  )
}
await writeArchive(file)

const loadAll = async (archive: Archive, session: SqlSession) => session.load([{ path: file, archive, damage: archiveDamage(archive) }], new Set(TABLE_NAMES))

/**
 * Medians of several measurements taken in turn within each round (a, b, c, a, b, c…): on this shared VM the
 * load moves within seconds, and a ratio of medians taken minutes apart measured the neighbours.
 */
async function interleaved(runs: number, fns: readonly (() => Promise<unknown>)[]): Promise<number[]> {
  const times = fns.map(() => [] as number[])
  for (let r = 0; r < runs; r++) {
    for (const [i, fn] of fns.entries()) {
      gc()
      const t = performance.now()
      await fn()
      times[i]!.push(performance.now() - t)
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!)
}

const pq = `${OUT}/parquet`
const exportMs: number[] = []
/** CPU time (user + system, this process) of the two sides of (sql-c): less moved by the neighbours' load than wall time. */
const cpu = { write: [] as number[], export: [] as number[] }
const cpuOf = async (into: number[], fn: () => Promise<unknown>) => {
  const t = process.cpuUsage()
  await fn()
  const u = process.cpuUsage(t)
  into.push((u.user + u.system) / 1000)
}
// The Parquet files DuckDB reads back: written once from a loaded session.
{
  mkdirSync(pq)
  const s = await SqlSession.open()
  await loadAll(await openArchiveFile(file), s)
  await duckdbExportTables(s, pq, [])
  s.close()
}
const [write, openLoad, readParquet, exportFull, readExported] = await interleaved(RUNS, [
  () => cpuOf(cpu.write, () => writeArchive(`${OUT}/again.pssnap`)),
  // (a) open + load every table…
  async () => {
    const s = await SqlSession.open()
    await loadAll(await openArchiveFile(file), s)
    s.close()
  },
  // …vs DuckDB reading the same tables from Parquet files it wrote itself.
  async () => {
    const s = await SqlSession.open()
    for (const t of TABLE_NAMES) await s.connection.run(`CREATE TABLE ${t} AS SELECT * FROM read_parquet('${pq}/${t}.parquet')`)
    s.close()
  },
  // (c) what `pssnap export --format parquet` does: open the archive, write every table's files (sql/parquet.ts).
  async () => {
    rmSync(`${OUT}/export`, { recursive: true, force: true })
    mkdirSync(`${OUT}/export`)
    await cpuOf(cpu.export, async () => {
      const archive = await openArchiveFile(file)
      const t = performance.now()
      const x = new ParquetExport(`${OUT}/export`, [])
      x.add({ path: file, archive, damage: archiveDamage(archive) }, 0)
      x.finish()
      exportMs.push(performance.now() - t)
    })
  },
  // …and DuckDB reading those files into tables: the user's other path to tables is this export, then this read.
  async () => {
    const s = await SqlSession.open()
    for (const t of TABLE_NAMES) await s.connection.run(`CREATE TABLE ${t} AS SELECT * FROM read_parquet('${OUT}/export/${t}.parquet')`)
    s.close()
  },
])
const writeOnly = exportMs.sort((a, b) => a - b)[Math.floor(exportMs.length / 2)]!
results.push({ id: 'sql-a', what: 'open the 1M-entry archive + load every table into DuckDB vs DuckDB reading the same tables from its own Parquet', ours: openLoad!, baseline: readParquet!, unit: 'ms', target: 2.5 })
const exportThenRead = exportFull! + readExported!
notes.push(`(sql-a') open + load ${openLoad!.toFixed(0)} ms vs the other path (pssnap export to Parquet, then DuckDB reads those files: ${exportFull!.toFixed(0)} + ${readExported!.toFixed(0)} = ${exportThenRead.toFixed(0)} ms): ${openLoad! < exportThenRead ? 'faster' : 'SLOWER'} (${(openLoad! / exportThenRead).toFixed(3)}×)`)
results.push({ id: 'sql-c', what: "Parquet export of 1M entries (open + write every table's file) vs pssnap's own archive write of them", ours: exportFull!, baseline: write!, unit: 'ms', target: 1.5 })
const medianOf = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!
notes.push(`(sql-c'') CPU time of the same two sides: export ${medianOf(cpu.export).toFixed(0)} ms vs archive write ${medianOf(cpu.write).toFixed(0)} ms = ${(medianOf(cpu.export) / medianOf(cpu.write)).toFixed(3)}×`)
const bytesIn = (dir: string) => readdirSync(dir).reduce((n, f) => n + statSync(`${dir}/${f}`).size, 0)
notes.push(`(sql-c') the Parquet writing alone (archive open excluded): ${writeOnly.toFixed(0)} ms = ${(writeOnly / write!).toFixed(3)}× the archive write; files ${(bytesIn(`${OUT}/export`) / 1e6).toFixed(1)} MB uncompressed (DuckDB's, snappy: ${(bytesIn(pq) / 1e6).toFixed(1)} MB; the archive ${(statSync(file).size / 1e6).toFixed(1)} MB)`)

// Column-to-column loading vs the row appender (a DuckDB value per cell), handles only; and vs open + visit.
const archive = await openArchiveFile(file)
const handlesTable = ENTRY_TABLES.find((t) => t.table === 'handles')!
const loadHandles = async () => {
  const s = await SqlSession.open()
  await s.create(new Set(['handles']))
  s.add({ path: file, archive, damage: archiveDamage(archive) }, 0)
  await s.finish()
  s.close()
}
const appendHandlesByRow = async () => {
  const s = await SqlSession.open()
  await s.create(new Set(['handles']))
  await s.finish()
  const appender = await s.connection.createAppender('handles')
  const api = s.duck.api
  archive.handles.forEach((e) => {
    appender.appendUInteger(0)
    for (const c of handlesTable.columns) appendCell(api, appender, c, e as unknown as Record<string, unknown>)
    appender.endRow()
  })
  appender.closeSync()
  s.close()
}
const [columnLoad, rowLoad] = await interleaved(RUNS, [loadHandles, appendHandlesByRow])
results.push({ id: 'sql-d', what: 'load 300k handles column to column (data chunks from typed arrays) vs the row appender', ours: columnLoad!, baseline: rowLoad!, unit: 'ms', target: Infinity })
const [visit, openLoad2] = await interleaved(RUNS, [
  async () => {
    const a = await openArchiveFile(file)
    let n = 0
    a.handles.forEach((e) => void (n += e.handleCount === undefined ? 0 : 1))
    a.threads.forEach((e) => void (n += e.threadId === undefined ? 0 : 1))
    a.vaSpace.forEach((e) => void (n += e.regionSize === undefined ? 0 : 1))
    if (n !== 1_000_000) throw new Error(`visited ${n}`)
  },
  async () => {
    const s = await SqlSession.open()
    await loadAll(await openArchiveFile(file), s)
    s.close()
  },
])
results.push({ id: 'sql-e', what: 'open + load every table vs open + visit every entry as a typed object', ours: openLoad2!, baseline: visit!, unit: 'ms', target: Infinity })

// (b) sql over many 5k-entry archives: the cost per archive at 200 vs at 20 (linear: within 1.2×).
const small: string[] = []
for (let i = 0; i < 10; i++) {
  const bytes = await writeSnapshot(generateSnapshot({ seed: 100 + i, handles: 1500, regions: 3000, threads: 500, contextRatio: 0.5 }))
  for (let k = 0; k < 20; k++) {
    const p = `${OUT}/many-${String(i * 20 + k).padStart(3, '0')}.pssnap`
    writeFileSync(p, bytes)
    small.push(p)
  }
}
const sqlOver = (paths: readonly string[]) => async () => {
  const s = await SqlSession.open()
  await s.create(new Set(TABLE_NAMES))
  for (const [id, p] of paths.entries()) {
    const a = await openArchiveFile(p)
    s.add({ path: p, archive: a, damage: archiveDamage(a) }, id)
  }
  await s.finish()
  const r = await s.query('SELECT count(*) FROM handles')
  if (Number(r.rows[0]![0]) !== paths.length * 1500) throw new Error('count')
  s.close()
}
const [t20, t200] = await interleaved(RUNS, [sqlOver(small.slice(0, 20)), sqlOver(small)])
const at20 = t20! / 20
const at200 = t200! / 200
results.push({ id: 'sql-b', what: 'sql over 5k-entry archives, all tables: ms per archive at 200 vs at 20', ours: at200, baseline: at20, unit: 'ms/archive', target: 1.2 })

for (const r of results) console.log(ratioLine(r))
for (const n of notes) console.log(n)
console.log(`(snapshots table: ${SNAPSHOT_COLUMNS.length} columns; archive written in ${write!.toFixed(0)} ms; load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')})`)

function appendCell(api: SqlSession['duck']['api'], appender: Awaited<ReturnType<SqlSession['connection']['createAppender']>>, c: EntryColumn, e: Record<string, unknown>): void {
  const v = e[c.field]
  if (v === undefined) return appender.appendNull()
  switch (c.fill) {
    case 'int':
      return c.type === 'UBIGINT' ? appender.appendUBigInt(BigInt(v as bigint)) : c.type === 'UINTEGER' ? appender.appendUInteger(v as number) : appender.appendValue(v as number, api[c.type] as never)
    case 'time':
      return v === 0n ? appender.appendNull() : appender.appendTimestamp(new api.DuckDBTimestampValue(((v as bigint) - 116444736000000000n) / 10n))
    case 'dur':
      return appender.appendDouble(Number(v) / 1e7)
    case 'text':
      return appender.appendVarchar(v as string)
    case 'name':
      return appender.appendVarchar(String(v))
    case 'length':
      return appender.appendUInteger((v as Uint8Array).length)
  }
}
