// `pssnap sql "<query>" <archives|folders|globs…>` and `pssnap export --format parquet`: thin. Opening,
// damage lines and output files here; the database and its loading in sql/.
import { chmod, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { archiveDamage, damageLine, type ArchiveDamage } from '../reader/index.js'
import { commitFile, temporaryName } from '../reader/node.js'
import { safeText } from '../reader/display.js'
import { csvRecord } from '../reader/text.js'
import { SqlError } from '../sql/errors.js'
import { resolveInputs } from '../sql/inputs.js'
import { SqlSession, tablesNamed, type QueryResult } from '../sql/session.js'
import { ParquetExport } from '../sql/parquet.js'
import { TABLE_NAMES } from '../sql/tables.js'
import { BufferedWriter, checkOutput, stdoutOutput, styleFor } from './io.js'
import { interruptSignal, interruption } from './interrupt.js'
import { openForCli } from './open.js'

type Args = Record<string, unknown>
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [])

/**
 * SIGINT / SIGTERM (cli/interrupt.ts): the statement DuckDB is running is interrupted, and the command stops at
 * the next step with INTERRUPTED (exit 130 / 143), its temporary files removed.
 */
function stopOnSignal(session: SqlSession, what: string): { check(): void; done(): void; error(e: unknown): unknown } {
  const signal = interruptSignal()
  const onAbort = () => session.interrupt()
  signal.addEventListener('abort', onAbort, { once: true })
  return {
    check() {
      const stopped = interruption(signal, what)
      if (stopped) throw stopped
    },
    done: () => signal.removeEventListener('abort', onAbort),
    error: (e) => interruption(signal, what) ?? e,
  }
}

/** Opens every archive in turn and adds it to the session, saying on stderr which are damaged. */
async function loadAll(session: SqlSession, paths: readonly string[], color: boolean | undefined, stop: { check(): void }): Promise<ArchiveDamage[]> {
  const damages: ArchiveDamage[] = []
  for (const [id, path] of paths.entries()) {
    stop.check()
    const archive = await openForCli(path)
    const damage = archiveDamage(archive)
    const line = damageLine(damage, safeText(path))
    if (line) process.stderr.write(`${styleFor(process.stderr, color).yellow(line)}\n`)
    session.add({ path, archive, damage }, id)
    damages.push(damage)
  }
  await session.finish()
  return damages
}

const sessionOptions = (args: Args) => ({ ...(str(args['memory-limit']) ? { memoryLimit: str(args['memory-limit'])! } : {}) })

export async function sql(args: Args): Promise<number> {
  const color = typeof args.color === 'boolean' ? args.color : undefined
  const query = str(args.query)!
  const paths = await resolveInputs(strings(args.archives))
  const save = str(args.save)
  let destination: string | undefined
  let temp: string | undefined
  if (save !== undefined) {
    destination = await checkOutput(save, { force: args.force === true, inputs: paths })
    temp = temporaryName(destination)
  }
  // DuckDB creates the database (and its WAL) with the process umask: private from the first byte, not
  // only after the chmod below.
  const umask = temp !== undefined ? process.umask(0o077) : undefined
  let session: SqlSession
  try {
    session = await SqlSession.open({ ...sessionOptions(args), ...(temp ? { file: temp } : {}) })
  } catch (error) {
    if (umask !== undefined) process.umask(umask)
    throw error
  }
  let result: QueryResult
  let damages: ArchiveDamage[]
  const stop = stopOnSignal(session, save === undefined ? 'query stopped' : `query stopped; nothing saved to '${save}'`)
  try {
    // A saved database holds every table; otherwise only those the query names are loaded.
    await session.create(save !== undefined ? new Set(TABLE_NAMES) : tablesNamed(query))
    damages = await loadAll(session, paths, color, stop)
    result = await session.query(query).catch((e: unknown) => Promise.reject(stop.error(e)))
    stop.check()
    session.close()
    if (temp !== undefined) {
      await chmod(temp, 0o600)
      await commitFile(temp, destination!, save!, args.force === true)
    }
  } catch (error) {
    session.close()
    throw stop.error(error)
  } finally {
    stop.done()
    if (umask !== undefined) process.umask(umask)
    if (temp !== undefined) await Promise.all([rm(temp, { force: true }), rm(`${temp}.wal`, { force: true })])
  }
  await render(result, args)
  return args.strict === true && damages.some((d) => !d.complete) ? 1 : 0
}

/** Cells of a row as text: NULL as empty (CSV) or `NULL` (table); objects as JSON. */
const cellText = (v: unknown, nullText: string): string => (v === null || v === undefined ? nullText : typeof v === 'object' ? JSON.stringify(v) : String(v))

async function render(result: QueryResult, args: Args): Promise<void> {
  const w = new BufferedWriter(stdoutOutput())
  if (args.json) {
    await w.write(`{"schema":"pssnap.sql/1","columns":${JSON.stringify(result.columns)},"count":${result.rows.length},"rows":[`)
    let i = 0
    for (const r of result.rows) await w.write(`${i++ ? ',' : ''}\n${JSON.stringify(r)}`)
    await w.write(`${result.rows.length ? '\n' : ''}]}\n`)
  } else if (args.csv) {
    const csv = { raw: args['csv-raw'] === true, terminal: process.stdout.isTTY === true }
    await w.write(csvRecord(result.columns.map((c) => c.name), csv))
    for (const r of result.rows) await w.write(csvRecord(r.map((v) => cellText(v, '')), csv))
  } else {
    // Column names and values come from the query and the archives: escaped and cut for a person.
    const max = 60
    const head = result.columns.map((c) => safeText(c.name, { max }))
    const body = result.rows.map((r) => r.map((v) => safeText(cellText(v, 'NULL'), { max })))
    const widths = head.map((h, j) => Math.max(h.length, ...body.map((r) => r[j]!.length)))
    const right = result.columns.map((c) => /INT|DOUBLE|DECIMAL|FLOAT|HUGEINT/.test(c.type))
    const line = (cells: string[]) => cells.map((c, j) => (right[j] ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join('  ').trimEnd()
    await w.write(`${styleFor(process.stdout, typeof args.color === 'boolean' ? args.color : undefined).bold(line(head))}\n`)
    for (const r of body) await w.write(`${line(r)}\n`)
    await w.write(`(${result.rows.length} ${result.rows.length === 1 ? 'row' : 'rows'})\n`)
  }
  await w.flush()
}

/** `pssnap export <archives…> --format parquet -o <dir>`: one file per table, or hive-style folders. */
export async function exportParquet(args: Args): Promise<number> {
  const color = typeof args.color === 'boolean' ? args.color : undefined
  const out = str(args.output)
  if (out === undefined || out === '-') throw new SqlError('SQL_OUTPUT', '--format parquet writes a folder: give it with -o <dir>')
  const partitionBy = str(args['partition-by'])
    ?.split(',')
    .map((p) => p.trim())
    .filter(Boolean)
  for (const p of partitionBy ?? []) if (p !== 'host' && p !== 'date') throw new SqlError('SQL_OUTPUT', `--partition-by takes host and date, not '${safeText(p)}'`)
  const existing = await stat(out).catch(() => undefined)
  if (existing) throw new SqlError('SQL_OUTPUT', `'${safeText(out)}' already exists: Parquet export writes a new folder`)
  const paths = await resolveInputs([str(args.archive)!, ...strings(args.more)])
  // Written beside the destination, renamed into place when complete: never a half-written folder.
  const temp = join(dirname(out), `.${basename(out)}.${process.pid}.${Date.now().toString(36)}.tmp`)
  await mkdir(temp, { mode: 0o700 })
  // Written by pssnap itself from the typed columns (sql/parquet.ts): no DuckDB needed.
  const exporter = new ParquetExport(temp, partitionBy ?? [])
  const damages: ArchiveDamage[] = []
  const signal = interruptSignal()
  const what = `export stopped; nothing written to '${out}'`
  try {
    for (const [id, path] of paths.entries()) {
      const stopped = interruption(signal, what)
      if (stopped) throw stopped
      const archive = await openForCli(path)
      const damage = archiveDamage(archive)
      const line = damageLine(damage, safeText(path))
      if (line) process.stderr.write(`${styleFor(process.stderr, color).yellow(line)}\n`)
      outputErrors(() => exporter.add({ path, archive, damage }, id))
      damages.push(damage)
    }
    outputErrors(() => exporter.finish())
    const stopped = interruption(signal, what)
    if (stopped) throw stopped
    await restrict(temp)
    await rename(temp, out)
  } catch (error) {
    await rm(temp, { recursive: true, force: true })
    throw interruption(signal, what) ?? error
  }
  if (process.stderr.isTTY) process.stderr.write(`wrote ${safeText(out)} (${paths.length} ${paths.length === 1 ? 'archive' : 'archives'}, Parquet)\n`)
  return args.strict === true && damages.some((d) => !d.complete) ? 1 : 0
}

/** A file the export cannot write (no space, no permission) is SQL_OUTPUT, with the system's reason. */
function outputErrors<T>(write: () => T): T {
  try {
    return write()
  } catch (e) {
    if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string') throw new SqlError('SQL_OUTPUT', `Parquet export failed: ${e.message}`)
    throw e
  }
}

/** Folders 0700, files 0600: archives' contents stay the user's. */
async function restrict(dir: string): Promise<void> {
  await chmod(dir, 0o700)
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) await restrict(p)
    else if (e.isFile()) await chmod(p, 0o600)
  }
}
