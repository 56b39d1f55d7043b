// Parquet export (sql/parquet.ts, written by pssnap itself) read back by two readers written elsewhere,
// hyparquet and DuckDB's read_parquet: every value of every table equals the archive (as the reader's row
// objects give it), the small tables equal those DuckDB builds in `pssnap sql`, and the types are the
// standard Parquet ones spec/SQL.md names, the same SQL types DuckDB reads them as.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parquetMetadata, parquetReadObjects } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { archiveDamage, ArchiveWriter, decodeArchive, MemorySink, SECTION_NAMES, type Archive } from '../reader/index.js'
import { nodeHooks, openArchiveFile } from '../reader/node.js'
import { ParquetExport } from '../sql/parquet.js'
import { PAGE_ROWS } from '../sql/parquet-file.js'
import { SqlSession } from '../sql/session.js'
import { SNAPSHOT_COLUMNS } from '../sql/snapshots.js'
import { ENTRY_TABLES, TABLE_NAMES } from '../sql/tables.js'
import { expectedValue, normal, sqlFixtures, type SqlFixtures } from './sql-fixtures.js'
import { generateSnapshot } from './synthetic/generate.js'

let fx: SqlFixtures
let archives: Archive[]
let flat: string
let parted: string
/** The fixtures loaded into DuckDB as `pssnap sql` loads them: the small tables' expected rows. */
let session: SqlSession

/** Writes every archive with pssnap's Parquet writer, as `pssnap export --format parquet` does. */
function exportAll(list: readonly Archive[], paths: readonly string[], dir: string, partitionBy: string[]): string[] {
  const x = new ParquetExport(dir, partitionBy)
  list.forEach((archive, id) => x.add({ path: paths[id]!, archive, damage: archiveDamage(archive) }, id))
  return x.finish()
}

const buffer = (file: string) => {
  const b = readFileSync(file)
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
}
/** Rows with raw µs for timestamps (hyparquet's default Date would drop the microseconds). */
const read = (file: string) => parquetReadObjects({ file: buffer(file), parsers: { timestampFromMicroseconds: (m: bigint) => m } }) as Promise<Record<string, unknown>[]>

function filesBelow(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => join(e.parentPath, e.name))
    .sort()
}

beforeAll(async () => {
  fx = await sqlFixtures()
  archives = await Promise.all(fx.paths.map((p) => openArchiveFile(p)))
  session = await SqlSession.open()
  await session.load(archives.map((archive, i) => ({ path: fx.paths[i]!, archive, damage: archiveDamage(archive) })), new Set(TABLE_NAMES))
  flat = join(fx.dir, 'flat')
  parted = join(fx.dir, 'parted')
  mkdirSync(flat)
  mkdirSync(parted)
  exportAll(archives, fx.paths, flat, [])
  exportAll(archives, fx.paths, parted, ['host', 'date'])
}, 120_000)

afterAll(() => {
  session?.close()
  if (fx) rmSync(fx.dir, { recursive: true, force: true })
})

/** A DuckDB with file access (unlike `pssnap sql`'s), to read the files back. */
async function withDuckDB<T>(use: (query: (sql: string) => Promise<{ names: string[]; types: string[]; rows: unknown[][]; json: unknown[][] }>) => Promise<T>): Promise<T> {
  const { loadDuckDB } = await import('../sql/duckdb.js')
  const { api } = await loadDuckDB()
  const inst = await api.DuckDBInstance.create(':memory:', { threads: '2' })
  const con = await inst.connect()
  try {
    return await use(async (sql) => {
      const r = await con.runAndReadAll(sql)
      return { names: r.columnNames(), types: r.columnTypes().map(String), rows: r.getRows() as unknown[][], json: r.getRowsJson() as unknown[][] }
    })
  } finally {
    con.closeSync()
    inst.closeSync()
  }
}

const q = (file: string) => `'${file.replace(/'/g, "''")}'`

function compareEntries(table: (typeof ENTRY_TABLES)[number], got: Record<string, unknown>[], ids: readonly number[]): number {
  let r = 0
  let checked = 0
  for (const id of ids) {
    for (const entry of archives[id]!.section(table.section)!) {
      const row = got[r++]!
      expect(row.snapshot_id).toBe(id)
      for (const c of table.columns) {
        const want = expectedValue(c, entry)
        const have = normal(row[c.name])
        const same = c.fill === 'int' || c.fill === 'time' || c.fill === 'length' ? (want === null ? have === null : have !== null && BigInt(have) === BigInt(want)) : have === want
        if (!same) expect({ table: table.table, snapshot: id, column: c.name, have }).toEqual({ table: table.table, snapshot: id, column: c.name, have: want })
        checked++
      }
    }
  }
  expect(got.length).toBe(r)
  return checked
}

describe('parquet export, read by hyparquet', () => {
  it('exports without DuckDB: sql/parquet*.ts import neither DuckDB nor the loader (a session only as a type)', () => {
    for (const f of ['sql/parquet.ts', 'sql/parquet-file.ts', 'sql/parquet-entries.ts', 'sql/parquet-rows.ts']) {
      const imports = readFileSync(f, 'utf8').match(/^import .*$/gm) ?? []
      for (const line of imports) expect(line.startsWith('import type') || !/duckdb|session|fill/.test(line), `${f}: ${line}`).toBe(true)
    }
  })

  it('writes one file per table', () => {
    expect(readdirSync(flat).sort()).toEqual(TABLE_NAMES.map((t) => `${t}.parquet`).sort())
  })

  it.each(ENTRY_TABLES.map((t) => [t.table, t] as const))('%s.parquet: every value equals the archive', async (_n, t) => {
    const got = await read(join(flat, `${t.table}.parquet`))
    expect(compareEntries(t, got, archives.map((_a, i) => i))).toBeGreaterThan(0)
  })

  it('snapshots.parquet: one row per archive, damage and all', async () => {
    const got = await read(join(flat, 'snapshots.parquet'))
    expect(got.map((r) => Object.keys(r))[0]).toEqual(SNAPSHOT_COLUMNS.map((c) => c.name))
    got.forEach((row, id) => {
      const a = archives[id]!
      const damage = archiveDamage(a)
      expect(row.snapshot_id).toBe(id)
      expect(row.path).toBe(fx.paths[id])
      expect(row.complete).toBe(damage.complete)
      expect(JSON.parse(row.damage as string)).toEqual(damage)
      expect(row.processId).toBe(a.header.target.processId)
      expect(row.formatVersion).toBe(`${a.version.major}.${a.version.minor}`)
      expect(row.privateUsage ?? undefined).toBe(a.header.processInformation?.privateUsage)
      expect(Number(row.startedAt) / 1000).toBe(Date.parse(a.header.capture.startedAt))
    })
    expect(got.some((r) => r.complete === false)).toBe(true)
  })

  it('types are standard Parquet: UBIGINT → INT64 UINT_64, TIMESTAMP → INT64 TIMESTAMP(MICROS, not UTC-adjusted), text → BYTE_ARRAY UTF8', () => {
    const schema = parquetMetadata(buffer(join(flat, 'threads.parquet'))).schema
    const by = new Map(schema.map((e) => [e.name, e]))
    expect(by.get('tebBaseAddress')).toMatchObject({ type: 'INT64', converted_type: 'UINT_64' })
    expect(by.get('createTime')).toMatchObject({ type: 'INT64', converted_type: 'TIMESTAMP_MICROS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' } })
    expect(by.get('threadName')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' })
    expect(by.get('threadId')).toMatchObject({ type: 'INT32', converted_type: 'UINT_32' })
    expect(by.get('kernelTime')).toMatchObject({ type: 'DOUBLE' })
    // Nothing DuckDB-specific: every physical type is a standard one, every annotation a standard one.
    for (const t of TABLE_NAMES) {
      for (const e of parquetMetadata(buffer(join(flat, `${t}.parquet`))).schema.slice(1)) {
        expect(['BOOLEAN', 'INT32', 'INT64', 'DOUBLE', 'BYTE_ARRAY']).toContain(e.type)
        if (e.converted_type !== undefined) expect(['UTF8', 'UINT_8', 'UINT_16', 'UINT_32', 'UINT_64', 'INT_32', 'INT_64', 'TIMESTAMP_MICROS', 'DATE']).toContain(e.converted_type)
      }
    }
  })

  it('the hive folders read back as tables with host and date columns (DuckDB read_parquet, hive_partitioning)', async () => {
    const { loadDuckDB } = await import('../sql/duckdb.js')
    const { api } = await loadDuckDB()
    const inst = await api.DuckDBInstance.create(':memory:')
    const con = await inst.connect()
    try {
      const got = (await con.runAndReadAll(`SELECT host, CAST(date AS VARCHAR), count(*) FROM read_parquet('${parted}/handles/**/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY 1, 2`)).getRowsJson()
      const expected = new Map<string, number>()
      archives.forEach((a) => {
        if (!a.handles.length) return
        const name = a.header.host.machineName
        const key = `${!name ? 'unknown' : name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64).replace(/^[.]/, '_')}|${a.header.capture.startedAt.slice(0, 10)}`
        expected.set(key, (expected.get(key) ?? 0) + a.handles.length)
      })
      expect(got.map((r) => `${r[0]}|${r[1]}|${r[2]}`)).toEqual([...expected].sort().map(([k, n]) => `${k}|${n}`))
    } finally {
      con.closeSync()
      inst.closeSync()
    }
  })

  it('--partition-by host,date: hive folders whose rows, put together, are every row', async () => {
    for (const t of ENTRY_TABLES) {
      const files = filesBelow(join(parted, t.table))
      const all: Record<string, unknown>[] = []
      for (const f of files) {
        const folders = relative(join(parted, t.table), f).split('/')
        expect(folders[0]).toMatch(/^host=[A-Za-z0-9_-][A-Za-z0-9._-]*$/)
        expect(folders[1]).toMatch(/^date=(\d{4}-\d{2}-\d{2}|NULL)$/)
        all.push(...(await read(f)))
      }
      // Put back in archive order (snapshot_id, then the order within each file, which keeps archive order).
      const ids = [...new Set(all.map((r) => r.snapshot_id as number))].sort((a, b) => a - b)
      const ordered = ids.flatMap((id) => all.filter((r) => r.snapshot_id === id))
      const expectedIds = archives.map((a, i) => (a.section(t.section)!.length ? i : -1)).filter((i) => i >= 0)
      expect(ids).toEqual(expectedIds)
      compareEntries(t, ordered, ids)
    }
  })
})

describe('parquet export, read by DuckDB (read_parquet)', () => {
  it('every file reads as the table `pssnap sql` builds: same column names, same SQL types', async () => {
    await withDuckDB(async (query) => {
      for (const t of TABLE_NAMES) {
        const got = await query(`DESCRIBE SELECT * FROM read_parquet(${q(join(flat, `${t}.parquet`))})`)
        const want = await session.connection.runAndReadAll(`DESCRIBE ${t}`)
        expect({ t, columns: got.json.map((r) => [r[0], r[1]]) }).toEqual({ t, columns: (want.getRowsJson() as unknown[][]).map((r) => [r[0], r[1]]) })
      }
    })
  })

  it.each(ENTRY_TABLES.map((t) => [t.table, t] as const))('%s.parquet: every value equals the archive', async (_n, t) => {
    await withDuckDB(async (query) => {
      const got = await query(`SELECT * FROM read_parquet(${q(join(flat, `${t.table}.parquet`))})`)
      const objects = got.rows.map((r) => Object.fromEntries(got.names.map((n, j) => [n, r[j]])))
      expect(compareEntries(t, objects, archives.map((_a, i) => i))).toBeGreaterThan(0)
    })
  })

  it('snapshots, capture_errors and modules hold exactly the rows DuckDB computes from the same archives', async () => {
    await withDuckDB(async (query) => {
      for (const t of ['snapshots', 'capture_errors', 'modules']) {
        const got = await query(`SELECT * FROM read_parquet(${q(join(flat, `${t}.parquet`))})`)
        const want = (await session.connection.runAndReadAll(`SELECT * FROM ${t} ORDER BY rowid`)).getRowsJson()
        expect(want.length, t).toBeGreaterThan(0)
        expect({ t, rows: got.json }).toEqual({ t, rows: want })
      }
    })
  })

  it('a chunk longer than a page (and NULL-only columns) splits into pages that read back whole', async () => {
    const snap = generateSnapshot({ seed: 21, handles: 50, regions: PAGE_ROWS + 4099, threads: 3 })
    const sink = new MemorySink()
    // One chunk of every region: pages split inside it.
    const w = new ArchiveWriter(sink, { hooks: nodeHooks, chunkEntries: 1 << 20, chunkBytes: 1 << 30 })
    await w.begin(snap.header)
    for (const name of SECTION_NAMES) {
      w.declareSection(name)
      for (const e of snap.sections[name] as object[]) {
        const p = w.add(name, e as never)
        if (p) await p
      }
    }
    await w.finish(snap.epilogue)
    const big = await decodeArchive(sink.bytes())
    const regions = ENTRY_TABLES.find((t) => t.table === 'regions')!
    expect(big.vaSpace.spans('baseAddress')[0]!.count).toBe(PAGE_ROWS + 4099)
    const dir = join(fx.dir, 'big')
    mkdirSync(dir)
    exportAll([big], ['big.pssnap'], dir, [])
    const saved = archives
    archives = [big]
    try {
      expect(compareEntries(regions, await read(join(dir, 'regions.parquet')), [0])).toBeGreaterThan(0)
      await withDuckDB(async (query) => {
        const got = await query(`SELECT * FROM read_parquet(${q(join(dir, 'regions.parquet'))})`)
        compareEntries(regions, got.rows.map((r) => Object.fromEntries(got.names.map((n, j) => [n, r[j]]))), [0])
        // A table with no rows is a file of no row groups, with its columns.
        expect(big.auxiliaryPages.length).toBe(0)
        const empty = await query(`SELECT count(*), count(pageSize) FROM read_parquet(${q(join(dir, 'aux.parquet'))})`)
        expect(empty.json).toEqual([['0', '0']])
      })
    } finally {
      archives = saved
    }
  }, 60_000)
})

describe('parquet export of damaged and hostile archives', () => {
  it('every test/corpus archive the reader opens exports files that hyparquet and DuckDB read, with its row counts', async () => {
    const root = join(fx.dir, 'corpus')
    mkdirSync(root)
    const opened: { name: string; archive: Archive }[] = []
    for (const name of readdirSync('test/corpus').filter((f) => f.endsWith('.pssnap')).sort()) {
      const archive = await openArchiveFile(join('test/corpus', name)).catch(() => undefined)
      if (archive) opened.push({ name, archive })
    }
    expect(opened.length).toBeGreaterThan(50)
    await withDuckDB(async (query) => {
      for (const [i, { name, archive }] of opened.entries()) {
        const dir = join(root, String(i))
        mkdirSync(dir)
        exportAll([archive], [name], dir, [])
        for (const t of ENTRY_TABLES) {
          const file = join(dir, `${t.table}.parquet`)
          const want = archive.section(t.section)?.length ?? 0
          const [[n]] = (await query(`SELECT count(*) FROM read_parquet(${q(file)})`)).json as [[string]]
          expect({ name, table: t.table, duckdb: Number(n), hyparquet: (await read(file)).length }).toEqual({ name, table: t.table, duckdb: want, hyparquet: want })
        }
      }
    })
  }, 60_000)
})
