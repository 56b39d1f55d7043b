// A DuckDB database holding archives as tables (spec/SQL.md): created in memory (or in the file --save keeps),
// loaded column to column, then locked before a user's query runs: no file access, no extensions, no
// configuration changes, a memory limit and two threads.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { appendSection, bindCopy } from './fill.js'
import { loadDuckDB, type DuckDBModules } from './duckdb.js'
import { SqlError } from './errors.js'
import { appendCaptureErrors, appendSnapshot, CAPTURE_ERROR_COLUMNS, SNAPSHOT_COLUMNS, type LoadedArchive } from './snapshots.js'
import { ENTRY_TABLES, ident, TABLE_NAMES, type TableName } from './tables.js'

type Instance = Awaited<ReturnType<DuckDBModules['api']['DuckDBInstance']['create']>>
type Connection = Awaited<ReturnType<Instance['connect']>>
type Appender = Awaited<ReturnType<Connection['createAppender']>>

const MEM_IMAGE = 0x1000000

export interface SessionOptions {
  /** A database file (for --save); default in memory. */
  readonly file?: string
  /** DuckDB's memory_limit (default 4GB): a query needing more fails with SQL_ERROR instead of swapping. */
  readonly memoryLimit?: string
  /** DuckDB worker threads (default 2). */
  readonly threads?: number
}

export interface QueryResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[]
  /** Rows as JSON-safe values: 64-bit integers and times as strings (DuckDB's JSON conversion). */
  readonly rows: readonly (readonly unknown[])[]
}

/** DuckDB's message, one line, as DuckDB wrote it (the CLI escapes it for display). */
const duckMessage = (e: unknown) => (e instanceof Error ? e.message : String(e)).trim()

/** The tables a query names (as whole words, any case): only those are loaded. `modules` needs `regions`. */
export function tablesNamed(sql: string): Set<TableName> {
  const words = new Set(sql.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? [])
  const named = new Set<TableName>(TABLE_NAMES.filter((t) => words.has(t)))
  named.add('snapshots')
  return named
}

export class SqlSession {
  private locked = false
  private constructor(
    readonly duck: DuckDBModules,
    private readonly instance: Instance,
    readonly connection: Connection,
    /** Tables created so far. */
    readonly tables: Set<TableName>,
    private readonly spill: string,
  ) {}

  static async open(options: SessionOptions = {}): Promise<SqlSession> {
    const duck = await loadDuckDB()
    bindCopy(duck.bindings)
    const config: Record<string, string> = {
      threads: String(options.threads ?? 2),
      memory_limit: options.memoryLimit ?? '4GB',
      // No extension is fetched or loaded behind the user's back.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      allow_community_extensions: 'false',
    }
    // Spilling goes to a private folder removed on close, never `.tmp` in the user's working directory.
    const spill = mkdtempSync(join(tmpdir(), 'pssnap-sql-'))
    config.temp_directory = spill
    // …and at most this much of it: a query that would spill more fails instead of filling the disk.
    config.max_temp_directory_size = '16GB'
    let instance: Instance
    try {
      instance = await duck.api.DuckDBInstance.create(options.file ?? ':memory:', config)
    } catch (e) {
      rmSync(spill, { recursive: true, force: true })
      throw new SqlError('SQL_ERROR', `DuckDB could not start: ${duckMessage(e)}`)
    }
    const connection = await instance.connect()
    return new SqlSession(duck, instance, connection, new Set(), spill)
  }

  private appenders = new Map<TableName, Appender>()

  /** Creates `tables` (and what they need), empty; archives are then added one at a time (`add`). */
  async create(tables: ReadonlySet<TableName>): Promise<void> {
    const c = this.connection
    const want = new Set(tables)
    if (want.has('modules')) want.add('regions')
    const made: [TableName, string][] = []
    if (want.has('snapshots')) made.push(['snapshots', SNAPSHOT_COLUMNS.map((col) => `${ident(col.name)} ${col.type}`).join(', ')])
    if (want.has('capture_errors')) made.push(['capture_errors', CAPTURE_ERROR_COLUMNS.map((col) => `${ident(col.name)} ${col.type}`).join(', ')])
    for (const t of ENTRY_TABLES) if (want.has(t.table)) made.push([t.table, `snapshot_id UINTEGER, ${t.columns.map((col) => `${ident(col.name)} ${col.type}`).join(', ')}`])
    // One transaction for the whole load: the appenders' flushes (every 204,800 rows) then land in one local
    // storage that COMMIT moves into the table as it is, instead of each flush committing on its own (a flush
    // of fewer than a row group's rows into a non-empty table is copied once more at its commit).
    if (!this.inTx) {
      await c.run('BEGIN TRANSACTION')
      this.inTx = true
    }
    for (const [name, columns] of made) {
      if (this.tables.has(name)) continue
      await c.run(`CREATE TABLE ${name} (${columns})`)
      this.appenders.set(name, await c.createAppender(name))
      this.tables.add(name)
    }
    this.wantModules = want.has('modules')
  }

  private wantModules = false
  private inTx = false

  /** Appends one archive to every table created; `id` is its snapshot_id. */
  add(a: LoadedArchive, id: number): void {
    const api = this.duck.api
    const rows = this.duck.bindings.vector_size()
    for (const [name, appender] of this.appenders) {
      if (name === 'snapshots') appendSnapshot(api, appender, a, id)
      else if (name === 'capture_errors') appendCaptureErrors(api, appender, a, id)
      else {
        const t = ENTRY_TABLES.find((e) => e.table === name)!
        appendSection({ duck: this.duck, rows }, appender, t, id, a.archive.section(t.section)!)
      }
    }
  }

  /** Flushes the appenders and derives `modules` from `regions`. */
  async finish(): Promise<void> {
    for (const appender of this.appenders.values()) appender.closeSync()
    this.appenders.clear()
    if (this.inTx) {
      await this.connection.run('COMMIT')
      this.inTx = false
    }
    if (this.wantModules && !this.tables.has('modules')) {
      // MEM_IMAGE regions grouped by mapped file, per snapshot; image fields from the lowest region (as diff does).
      await this.connection.run(`CREATE TABLE modules AS
        SELECT snapshot_id, mappedFileName AS path,
          arg_min(imageBase, baseAddress) AS imageBase,
          coalesce(nullif(arg_min(sizeOfImage, baseAddress), 0), max(sizeOfImage)) AS sizeOfImage,
          coalesce(nullif(arg_min(timeDateStamp, baseAddress), 0), max(timeDateStamp)) AS timeDateStamp,
          CAST(count(*) AS UINTEGER) AS regions,
          CAST(sum(regionSize) AS UBIGINT) AS bytes
        FROM regions WHERE type = ${MEM_IMAGE} AND mappedFileName IS NOT NULL
        GROUP BY snapshot_id, mappedFileName ORDER BY snapshot_id, min(baseAddress)`)
      this.tables.add('modules')
    }
  }

  /** create + add every archive + finish, for archives already open. */
  async load(archives: readonly LoadedArchive[], tables: ReadonlySet<TableName>): Promise<void> {
    await this.create(tables)
    archives.forEach((a, id) => this.add(a, id))
    await this.finish()
  }

  /**
   * From here on a query cannot touch the file system (read_csv, COPY … TO, ATTACH, INSTALL), load an
   * extension or change a setting (lock_configuration).
   */
  async lockDown(): Promise<void> {
    if (this.locked) return
    await this.connection.run('SET enable_external_access = false')
    await this.connection.run('SET lock_configuration = true')
    this.locked = true
  }

  async query(sql: string): Promise<QueryResult> {
    if (!this.locked) await this.lockDown()
    if (this.interrupted) throw new SqlError('SQL_ERROR', 'INTERRUPT Error: interrupted before the query started')
    let reader
    try {
      reader = await this.connection.runAndReadAll(sql)
    } catch (e) {
      throw new SqlError('SQL_ERROR', duckMessage(e))
    }
    const names = reader.columnNames()
    const types = reader.columnTypes()
    return { columns: names.map((name, i) => ({ name, type: String(types[i]) })), rows: reader.getRowsJson() as unknown[][] }
  }

  /** Stops the statement running now (Ctrl-C): it fails with DuckDB's INTERRUPT error. */
  interrupt(): void {
    this.interrupted = true
    if (!this.closed) this.connection.interrupt()
  }

  private interrupted = false

  /** Writes `COPY <table> TO <file> (FORMAT parquet …)`; only before lockDown (pssnap's own paths). */
  async copyToParquet(select: string, target: string, partitionBy?: readonly string[]): Promise<void> {
    if (this.locked) throw new Error('copyToParquet after lockDown')
    const quoted = `'${target.replace(/'/g, "''")}'`
    const partition = partitionBy?.length ? `, PARTITION_BY (${partitionBy.map(ident).join(', ')})` : ''
    try {
      await this.connection.run(`COPY (${select}) TO ${quoted} (FORMAT parquet, COMPRESSION snappy${partition})`)
    } catch (e) {
      throw new SqlError('SQL_ERROR', `Parquet export failed: ${duckMessage(e)}`)
    }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    try {
      this.connection.closeSync()
    } finally {
      this.instance.closeSync()
      rmSync(this.spill, { recursive: true, force: true })
    }
  }

  private closed = false
}
