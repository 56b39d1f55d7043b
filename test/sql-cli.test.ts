// `pssnap sql` and `pssnap export --format parquet` end to end (dist/cli.js): the README's fleet queries
// against answers computed here from the reader, output modes, --save, errors, damage, and a missing DuckDB.
import { execFile, spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parquetReadObjects } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countStrings } from '../reader/column-views.js'
import { openArchiveFile } from '../reader/node.js'
import { CLI } from './helpers/cli.js'
import { generateSnapshot } from './synthetic/generate.js'
import { writeFleet, writeSnapshot, type FleetArchive } from './sql-fixtures.js'

/** The CLI under test: dist/cli.js (built by `npm test`), or PSSNAP_TEST_CLI. */
const cli = process.env.PSSNAP_TEST_CLI ?? CLI

function run(args: string[], cliPath = cli): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env }
  delete env.FORCE_COLOR
  delete env.NO_COLOR
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { timeout: 60_000, env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

/** The README's example queries (README.md holds each verbatim: checked below). */
export const README_QUERIES = {
  topTypes: 'SELECT typeName, count(*) AS handles, count(DISTINCT snapshot_id) AS archives FROM handles GROUP BY typeName ORDER BY handles DESC, typeName LIMIT 10',
  growth:
    'SELECT machineName, imagePath, arg_min(handles, startedAt) AS before, arg_max(handles, startedAt) AS after, arg_max(handles::BIGINT, startedAt) - arg_min(handles::BIGINT, startedAt) AS growth FROM snapshots GROUP BY machineName, imagePath ORDER BY growth DESC, machineName, imagePath LIMIT 10',
  leak: "SELECT machineName, imagePath, count(*) AS snapshots, regr_slope(handles, epoch(startedAt)) * 3600 AS handlesPerHour, regr_r2(handles, epoch(startedAt)) AS r2 FROM snapshots GROUP BY machineName, imagePath HAVING count(*) >= 5 AND max(startedAt) - min(startedAt) >= INTERVAL 30 SECOND ORDER BY handlesPerHour DESC, machineName, imagePath",
}

let dir: string
let fleet: FleetArchive[]
let damaged: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pssnap-sql-cli-'))
  fleet = await writeFleet(join(dir, 'fleet'), { hosts: 2, services: 2, sets: 5 })
  const snap = generateSnapshot({ seed: 77, handles: 3000, regions: 100, threads: 5 })
  // A name a terminal would obey: the table must show it escaped.
  snap.sections.handles[0] = { ...snap.sections.handles[0]!, objectName: 'evil\x1b[31mred\u202e' }
  const bytes = await writeSnapshot(snap)
  damaged = join(dir, 'cut.pssnap')
  writeFileSync(damaged, bytes.subarray(0, Math.floor(bytes.length * 0.6)))
  writeFileSync(join(dir, 'whole.pssnap'), bytes)
}, 120_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const json = (stdout: string) => JSON.parse(stdout) as { schema: string; columns: { name: string; type: string }[]; count: number; rows: unknown[][] }

describe('README fleet queries', () => {
  it('README.md holds each query verbatim', () => {
    const readme = readFileSync('README.md', 'utf8')
    for (const q of Object.values(README_QUERIES)) expect(readme).toContain(q)
  })

  it('top handle types across many archives equals counting every archive with the reader', async () => {
    const r = await run(['sql', README_QUERIES.topTypes, join(dir, 'fleet'), '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const counts = new Map<string | undefined, number>()
    const archivesWith = new Map<string | undefined, number>()
    for (const f of fleet) {
      const a = await openArchiveFile(f.path)
      const one = countStrings(a.handles, 'typeName', undefined)
      for (const [k, n] of one) {
        counts.set(k, (counts.get(k) ?? 0) + n)
        archivesWith.set(k, (archivesWith.get(k) ?? 0) + 1)
      }
    }
    const expected = [...counts]
      .sort((x, y) => y[1] - x[1] || ((x[0] ?? '\uffff') < (y[0] ?? '\uffff') ? -1 : 1))
      .slice(0, 10)
      .map(([k, n]) => [k ?? null, String(n), String(archivesWith.get(k))])
    expect(json(r.stdout).rows).toEqual(expected)
  })

  it('processes whose handle count grew most between two capture sets', async () => {
    const r = await run(['sql', README_QUERIES.growth, join(dir, 'fleet', 'set1'), join(dir, 'fleet', 'set5'), '--json'])
    expect(r.code).toBe(0)
    const first = fleet.filter((f) => f.path.includes('set1'))
    const last = fleet.filter((f) => f.path.includes('set5'))
    const expected = first
      .map((a) => {
        const b = last.find((x) => x.host === a.host && x.image === a.image)!
        return [a.host, a.image, a.handles, b.handles, String(b.handles - a.handles)]
      })
      .sort((x, y) => Number(y[4]) - Number(x[4]) || (x[0]! < y[0]! ? -1 : x[0]! > y[0]! ? 1 : x[1]! < y[1]! ? -1 : 1))
    expect(json(r.stdout).rows).toEqual(expected)
    expect(expected[0]![4]).toBe('160') // leaky.exe on host-1: 40 handles a capture over 4 captures
  })

  it("the trend leak question: least-squares slope per hour, equal to one computed from the archives", async () => {
    const r = await run(['sql', README_QUERIES.leak, join(dir, 'fleet'), '--json'])
    expect(r.code).toBe(0)
    const rows = json(r.stdout).rows
    expect(rows.length).toBe(4)
    for (const row of rows) {
      const series = fleet.filter((f) => f.host === row[0] && f.image === row[1])
      const xs: number[] = []
      const ys: number[] = []
      for (const f of series) {
        const a = await openArchiveFile(f.path)
        xs.push(Date.parse(a.header.capture.startedAt) / 1000)
        ys.push(a.handles.length)
      }
      const mx = xs.reduce((s, x) => s + x, 0) / xs.length
      const my = ys.reduce((s, y) => s + y, 0) / ys.length
      const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0)
      expect(row[2]).toBe(String(series.length))
      expect(row[3] as number).toBeCloseTo(slope * 3600, 6)
    }
    expect(rows[0]!.slice(0, 2)).toEqual(['host-1', 'C:\\svc\\leaky.exe'])
    expect(rows[0]![3] as number).toBeCloseTo(2400, 6)
  })
})

describe('pssnap sql', () => {
  it('table output escapes archive strings; CSV neutralises and quotes; JSON keeps them exact', async () => {
    const q = `SELECT objectName FROM handles WHERE objectName LIKE 'evil%'`
    const table = await run(['sql', q, join(dir, 'whole.pssnap')])
    expect(table.code).toBe(0)
    expect(table.stdout).not.toMatch(/[\x1b\u202e]/)
    expect(table.stdout).toContain('(1 row)')
    const asJson = await run(['sql', q, join(dir, 'whole.pssnap'), '--json'])
    expect(json(asJson.stdout).rows).toEqual([['evil\x1b[31mred\u202e']])
    const csv = await run(['sql', `SELECT '=1+2' AS f, 42 AS n, NULL AS z`, join(dir, 'whole.pssnap'), '--csv'])
    expect(csv.stdout).toBe("f,n,z\r\n'=1+2,42,\r\n".replace(/\r\n/g, csv.stdout.includes('\r\n') ? '\r\n' : '\n'))
  })

  it('loads only the tables the query names', async () => {
    const r = await run(['sql', 'SELECT table_name FROM duckdb_tables() ORDER BY 1', join(dir, 'whole.pssnap'), '--json'])
    expect(json(r.stdout).rows).toEqual([['snapshots']])
    const h = await run(['sql', "SELECT table_name FROM duckdb_tables() WHERE table_name <> 'handles' OR (SELECT count(*) FROM handles) > 0 ORDER BY 1", join(dir, 'whole.pssnap'), '--json'])
    expect(json(h.stdout).rows).toEqual([['handles'], ['snapshots']])
  })

  it('a damaged archive loads with a damage line on stderr and its damage in snapshots; --strict exits 1', async () => {
    const q = 'SELECT complete, trailer FROM snapshots'
    const r = await run(['sql', q, damaged, '--json'])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/warning: .*cut\.pssnap is damaged/)
    expect(json(r.stdout).rows).toEqual([[false, 'missing']])
    expect((await run(['--strict', 'sql', q, damaged, '--json'])).code).toBe(1)
  })

  it('a query that reads a file or fails is SQL_ERROR, exit 1, with DuckDB message', async () => {
    const r = await run(['sql', "SELECT * FROM read_csv('/etc/passwd')", join(dir, 'whole.pssnap')])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^SQL_ERROR - Permission Error/)
    const bad = await run(['sql', 'SELEC 1', join(dir, 'whole.pssnap')])
    expect(bad.stderr).toMatch(/^SQL_ERROR - Parser Error: syntax error/)
    const none = await run(['sql', 'SELECT 1', join(dir, 'nothing-here')])
    expect(none.stderr).toMatch(/^SQL_NO_INPUT - /)
  })

  it('--save keeps every table in a 0600 DuckDB file, never over an existing file without --force', async () => {
    const db = join(dir, 'fleet.duckdb')
    const r = await run(['sql', 'SELECT count(*) FROM snapshots', join(dir, 'fleet'), '--save', db])
    expect(r.code).toBe(0)
    expect(statSync(db).mode & 0o777).toBe(0o600)
    const { default: duck } = (await import('@duckdb/node-api')) as unknown as { default: typeof import('@duckdb/node-api') }
    const inst = await duck.DuckDBInstance.create(db, { access_mode: 'READ_ONLY' })
    const con = await inst.connect()
    const tables = (await con.runAndReadAll('SELECT table_name FROM duckdb_tables() ORDER BY 1')).getRows().map((x) => x[0])
    const handles = Number((await con.runAndReadAll('SELECT count(*) FROM handles')).getRows()[0]![0])
    con.closeSync()
    inst.closeSync()
    expect(tables).toEqual(['aux', 'capture_errors', 'handles', 'modules', 'regions', 'snapshots', 'threads'])
    expect(handles).toBe(fleet.reduce((s, f) => s + f.handles, 0))
    const again = await run(['sql', 'SELECT 1', join(dir, 'fleet'), '--save', db])
    expect(again.stderr).toMatch(/^FILE_EXISTS - /)
    expect((await run(['sql', 'SELECT 1', join(dir, 'fleet'), '--save', db, '--force'])).code).toBe(0)
    expect((await run(['sql', 'SELECT 1', join(dir, 'fleet'), '--save', dir])).stderr).toMatch(/^NOT_A_REGULAR_FILE - /)
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp') || n.endsWith('.wal'))).toEqual([])
  })

  it('Ctrl-C stops a long query: INTERRUPTED, exit 130, nothing saved and no temporary file left', async () => {
    const db = join(dir, 'interrupted.duckdb')
    const child = spawn(process.execPath, [cli, 'sql', 'SELECT sum(a.range * b.range) FROM range(300000) a, range(300000) b', join(dir, 'whole.pssnap'), '--save', db], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)))
    await new Promise((r) => setTimeout(r, 2500))
    child.kill('SIGINT')
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
    expect(code).toBe(130)
    expect(stderr).toMatch(/^INTERRUPTED - SIGINT received: query stopped; nothing saved to '.*interrupted\.duckdb'/)
    expect(readdirSync(dir).filter((n) => n.includes('interrupted'))).toEqual([])
  })

  it('without DuckDB installed: SQL_UNAVAILABLE saying how to install it', async () => {
    const alone = mkdtempSync(join(tmpdir(), 'pssnap-no-duckdb-'))
    try {
      // The whole built folder: cli.js loads chunks beside it.
      cpSync(dirname(cli), alone, { recursive: true })
      const r = await run(['sql', 'SELECT 1', join(dir, 'whole.pssnap')], join(alone, 'cli.js'))
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^SQL_UNAVAILABLE - .*npm install @duckdb\/node-api/)
    } finally {
      rmSync(alone, { recursive: true, force: true })
    }
  })
})

describe('pssnap export --format parquet', () => {
  it('needs no DuckDB: the built CLI alone, where @duckdb/node-api cannot be found, exports Parquet', async () => {
    const alone = mkdtempSync(join(tmpdir(), 'pssnap-no-duckdb-'))
    try {
      // The whole built folder (cli.js and its lazily loaded chunks), away from node_modules.
      cpSync(dirname(cli), alone, { recursive: true })
      const out = join(alone, 'lake')
      const r = await run(['export', join(dir, 'whole.pssnap'), '--format', 'parquet', '-o', out], join(alone, 'cli.js'))
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(readdirSync(out)).toContain('handles.parquet')
      // …and `sql` there really has no DuckDB.
      expect((await run(['sql', 'SELECT 1', join(dir, 'whole.pssnap')], join(alone, 'cli.js'))).stderr).toMatch(/^SQL_UNAVAILABLE - /)
    } finally {
      rmSync(alone, { recursive: true, force: true })
    }
  })

  it('one file per table, readable by hyparquet; hive folders with --partition-by; never over an existing folder', async () => {
    const out = join(dir, 'lake')
    const r = await run(['export', join(dir, 'fleet'), '--format', 'parquet', '-o', out])
    expect(r.code).toBe(0)
    expect(readdirSync(out).sort()).toEqual(['aux.parquet', 'capture_errors.parquet', 'handles.parquet', 'modules.parquet', 'regions.parquet', 'snapshots.parquet', 'threads.parquet'])
    expect(statSync(join(out, 'handles.parquet')).mode & 0o777).toBe(0o600)
    const b = readFileSync(join(out, 'snapshots.parquet'))
    const snaps = await parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer })
    expect(snaps.map((s) => s.path)).toEqual(fleet.map((f) => f.path).sort())
    expect((await run(['export', join(dir, 'fleet'), '--format', 'parquet', '-o', out])).stderr).toMatch(/^SQL_OUTPUT - /)

    const parted = join(dir, 'lake-parted')
    expect((await run(['export', join(dir, 'fleet', 'set1'), join(dir, 'fleet', 'set2'), '--format', 'parquet', '--partition-by', 'host,date', '-o', parted])).code).toBe(0)
    expect(readdirSync(join(parted, 'handles')).sort()).toEqual(['host=host-1', 'host=host-2'])
    expect(readdirSync(join(parted, 'handles', 'host=host-1'))).toEqual(['date=2026-11-30'])
    const bad = await run(['export', join(dir, 'whole.pssnap'), '--format', 'parquet', '--section', 'handles', '-o', join(dir, 'x')])
    expect(bad.code).toBe(2)
  })
})
