// `pssnap sql`'s database (sql/): every value of every entry table equals the archive read by the reader's
// row objects; damaged archives and different format minors load together; a query cannot reach files.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { archiveDamage, decodeArchive, type Archive } from '../reader/index.js'
import { openArchiveFile } from '../reader/node.js'
import { SqlSession, tablesNamed } from '../sql/session.js'
import { ENTRY_TABLES, TABLE_NAMES } from '../sql/tables.js'
import { expectedValue, normal, sqlFixtures, type SqlFixtures } from './sql-fixtures.js'

let fx: SqlFixtures
let archives: Archive[]
let session: SqlSession

beforeAll(async () => {
  fx = await sqlFixtures()
  archives = await Promise.all(fx.paths.map((p) => openArchiveFile(p)))
  session = await SqlSession.open()
  await session.load(archives.map((archive, i) => ({ path: fx.paths[i]!, archive, damage: archiveDamage(archive) })), new Set(TABLE_NAMES))
}, 120_000)

afterAll(() => {
  session?.close()
  if (fx) rmSync(fx.dir, { recursive: true, force: true })
})

async function rows(sql: string): Promise<unknown[][]> {
  const reader = await session.connection.runAndReadAll(sql)
  return reader.getRows() as unknown[][]
}

describe('sql tables', () => {
  it.each(ENTRY_TABLES.map((t) => [t.table, t] as const))('%s: every value equals the archive, row by row', async (_name, t) => {
    const got = await rows(`SELECT * FROM ${t.table} ORDER BY rowid`)
    let r = 0
    let checked = 0
    archives.forEach((archive, id) => {
      for (const entry of archive.section(t.section)!) {
        const row = got[r++]!
        expect(row[0]).toBe(id)
        t.columns.forEach((c, j) => {
          const want = expectedValue(c, entry)
          const have = normal(row[j + 1])
          const same = c.fill === 'int' || c.fill === 'time' || c.fill === 'length' ? (want === null ? have === null : have !== null && BigInt(have) === BigInt(want)) : have === want
          if (!same) expect({ table: t.table, snapshot: id, column: c.name, have }).toEqual({ table: t.table, snapshot: id, column: c.name, have: want })
          checked++
        })
      }
    })
    expect(got.length).toBe(r)
    expect(checked).toBeGreaterThan(0)
  })

  it('the damaged archive loads with its damage in snapshots, and what was read before the cut', async () => {
    const id = fx.paths.indexOf(fx.damaged)
    const [row] = await rows(`SELECT complete, trailer, handles, regions, damage FROM snapshots WHERE snapshot_id = ${id}`)
    const damage = archiveDamage(archives[id]!)
    expect(damage.complete).toBe(false)
    expect(row![0]).toBe(false)
    expect(row![1]).toBe(damage.trailer)
    expect(JSON.parse(row![4] as string)).toEqual(damage)
    const [[n]] = (await rows(`SELECT count(*) FROM handles WHERE snapshot_id = ${id}`)) as [[bigint]]
    expect(Number(n)).toBe(archives[id]!.handles.length)
    // Intact archives say so.
    const complete = await rows(`SELECT snapshot_id FROM snapshots WHERE complete ORDER BY 1`)
    expect(complete.map((r) => r[0])).toEqual(archives.map((a, i) => (archiveDamage(a).complete ? i : -1)).filter((i) => i >= 0))
  })

  it('archives of format 1.0 and 1.1 load together; a 1.1 column is NULL for 1.0 archives, never 0', async () => {
    const versions = await rows(`SELECT formatVersion, count(*) FROM snapshots GROUP BY 1 ORDER BY 1`)
    expect(versions.map((r) => r[0])).toEqual(expect.arrayContaining(['1.0', '1.1']))
    const linux = fx.paths.indexOf('spec/fixtures/linux-small.pssnap')
    const [[withFlags]] = (await rows(`SELECT count(openFlags) FROM handles WHERE snapshot_id = ${linux}`)) as [[bigint]]
    expect(Number(withFlags)).toBe(archives[linux]!.handles.length)
    const [[others]] = (await rows(`SELECT count(openFlags) FROM handles WHERE snapshot_id <> ${linux}`)) as [[bigint]]
    expect(Number(others)).toBe(0)
  })

  it('snapshots: one row per archive with who, when and counts; a section not captured is NULL', async () => {
    const got = await rows(`SELECT snapshot_id, path, processId, imagePath, handles, threads, regions, aux, machineName, platform, startedAt FROM snapshots ORDER BY snapshot_id`)
    expect(got.length).toBe(archives.length)
    got.forEach((r, i) => {
      const a = archives[i]!
      const d = archiveDamage(a)
      expect(r[1]).toBe(fx.paths[i])
      expect(r[2]).toBe(a.header.target.processId)
      expect(r[3] ?? undefined).toBe(a.header.target.imagePath ?? a.header.processInformation?.imageFileName)
      expect(r[4] ?? undefined).toBe(Object.hasOwn(d.sections, 'handles') ? a.handles.length : undefined)
      expect(r[6] ?? undefined).toBe(Object.hasOwn(d.sections, 'vaSpace') ? a.vaSpace.length : undefined)
      expect(r[7] ?? undefined).toBe(Object.hasOwn(d.sections, 'auxiliaryPages') ? a.auxiliaryPages.length : undefined)
      expect(r[8] ?? undefined).toBe(a.header.host.machineName)
      expect(Number((r[10] as { micros: bigint }).micros / 1000n)).toBe(Date.parse(a.header.capture.startedAt))
    })
    const sets = await rows(`SELECT captureSetId, captureSetKind, captureSetIndex, captureSetSize FROM snapshots ORDER BY snapshot_id`)
    const header = (a: Archive) => (a.header as { captureSet?: { id: string; kind?: string; index?: number; size?: number } }).captureSet
    expect(sets).toEqual(archives.map((a) => [header(a)?.id ?? null, header(a)?.kind ?? null, header(a)?.index ?? null, header(a)?.size ?? null]))
    expect(sets.some((x) => x[0] === 'set-20261202-1')).toBe(true)
  })

  it('capture_errors and modules hold what the reader and diff see', async () => {
    const errs = await rows(`SELECT snapshot_id, section, operation, code, name, message FROM capture_errors ORDER BY rowid`)
    expect(errs.map((r) => [r[0], r[1], r[2], Number(r[3]), r[4] ?? undefined, r[5]])).toEqual(archives.flatMap((a, id) => a.captureErrors.map((e) => [id, e.section, e.operation, e.code, e.name, e.message])))
    const { diffArchives } = await import('../reader/diff.js')
    const medium = fx.paths.indexOf('spec/fixtures/medium.pssnap')
    // diff against an archive without regions lists every module of the other as added.
    const d = diffArchives(archives[fx.paths.indexOf('spec/fixtures/minimal.pssnap')]!, archives[medium]!)
    const mods = await rows(`SELECT path, imageBase, sizeOfImage, timeDateStamp, regions, bytes FROM modules WHERE snapshot_id = ${medium} ORDER BY path`)
    const fromDiff = [...d.modules.added].sort((x, y) => (x.path < y.path ? -1 : 1))
    expect(fromDiff.length).toBeGreaterThan(0)
    expect(mods.map((m) => [m[0], m[1], m[2], m[3], m[4], m[5]])).toEqual(fromDiff.map((m) => [m.path, m.imageBase, m.sizeOfImage, m.timeDateStamp, m.regions, m.bytes]))
    expect(mods.length).toBeGreaterThan(0)
  })
})

describe('sql loading', () => {
  it('columns in a SharedArrayBuffer (how openArchiveFile reads files of 24 MiB and more) load the same values', async () => {
    const path = fx.paths[fx.paths.indexOf(fx.damaged) - 2]!
    const bytes = readFileSync(path)
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length))
    shared.set(bytes)
    const fromShared = await decodeArchive(shared)
    const other = await SqlSession.open()
    try {
      await other.load([{ path, archive: fromShared, damage: archiveDamage(fromShared) }], new Set(['handles', 'regions', 'threads']))
      const id = fx.paths.indexOf(path)
      for (const t of ['handles', 'regions', 'threads']) {
        const cols = ENTRY_TABLES.find((e) => e.table === t)!.columns.map((c) => `"${c.name}"`).join(', ')
        const a = (await other.connection.runAndReadAll(`SELECT ${cols} FROM ${t} ORDER BY rowid`)).getRowsJson()
        const b = (await session.connection.runAndReadAll(`SELECT ${cols} FROM ${t} WHERE snapshot_id = ${id} ORDER BY rowid`)).getRowsJson()
        expect(a.length).toBeGreaterThan(0)
        expect(a).toEqual(b)
      }
    } finally {
      other.close()
    }
  })

  it('handles.typeSpecificInformation: one column per sparse member, NULL for handles without the group', async () => {
    const cols = ENTRY_TABLES.find((t) => t.table === 'handles')!.columns.filter((c) => c.group !== undefined)
    expect(cols.map((c) => c.name)).toEqual(expect.arrayContaining(['typeSpecificInformation_process_processId', 'typeSpecificInformation_event_signaled', 'typeSpecificInformation_process_flagsName']))
    const [[withProcess, withEvent]] = (await rows(`SELECT count(typeSpecificInformation_process_processId), count(typeSpecificInformation_event_signaled) FROM handles`)) as [[bigint, bigint]]
    let p = 0
    let e = 0
    for (const a of archives) a.handles.forEach((h) => void ((p += h.typeSpecificInformation?.process ? 1 : 0), (e += h.typeSpecificInformation?.event ? 1 : 0)))
    expect([Number(withProcess), Number(withEvent)]).toEqual([p, e])
    expect(p).toBeGreaterThan(0)
    expect(e).toBeGreaterThan(0)
  })

  it('a query naming only handles loads neither threads nor regions', async () => {
    const s = await SqlSession.open()
    try {
      await s.load(archives.map((archive, i) => ({ path: fx.paths[i]!, archive, damage: archiveDamage(archive) })), tablesNamed('SELECT typeName, count(*) FROM handles GROUP BY 1'))
      const r = await s.query('SELECT table_name FROM duckdb_tables() ORDER BY 1')
      expect(r.rows).toEqual([['handles'], ['snapshots']])
    } finally {
      s.close()
    }
  })
})

describe('inputs', () => {
  it('files, folders (every .pssnap below, sorted) and globs with *, ? and **', async () => {
    const { resolveInputs } = await import('../sql/inputs.js')
    const root = join(fx.dir, 'inputs')
    for (const f of ['a/x1.pssnap', 'a/x2.pssnap', 'a/notes.txt', 'b/c/y1.pssnap', 'b/z.pssnap']) {
      mkdirSync(join(root, f, '..'), { recursive: true })
      writeFileSync(join(root, f), '')
    }
    const rel = (l: string[]) => l.map((p) => p.slice(root.length + 1))
    expect(rel(await resolveInputs([root]))).toEqual(['a/x1.pssnap', 'a/x2.pssnap', 'b/c/y1.pssnap', 'b/z.pssnap'])
    expect(rel(await resolveInputs([join(root, 'a', 'x?.pssnap')]))).toEqual(['a/x1.pssnap', 'a/x2.pssnap'])
    expect(rel(await resolveInputs([join(root, '**', '*1.pssnap')]))).toEqual(['a/x1.pssnap', 'b/c/y1.pssnap'])
    expect(rel(await resolveInputs([join(root, 'a', 'x1.pssnap'), join(root, 'a')]))).toEqual(['a/x1.pssnap', 'a/x2.pssnap'])
    await expect(resolveInputs([join(root, 'nothing*.pssnap')])).rejects.toMatchObject({ code: 'SQL_NO_INPUT' })
    await expect(resolveInputs([join(root, 'missing.pssnap')])).rejects.toMatchObject({ code: 'SQL_NO_INPUT' })
  })
})

describe('sql limits', () => {
  it.each([
    ["SELECT * FROM read_csv('/etc/passwd')"],
    ["SELECT * FROM read_text('/etc/hostname')"],
    ["COPY handles TO '/tmp/pssnap-sql-leak.csv'"],
    ["ATTACH '/tmp/pssnap-sql-other.duckdb' AS other"],
    ['INSTALL httpfs'],
    ["LOAD '/tmp/pssnap-evil.duckdb_extension'"],
    ['SET enable_external_access = true'],
    ["SET memory_limit = '64GB'"],
  ])('refuses %s with SQL_ERROR', async (q) => {
    await expect(session.query(q)).rejects.toMatchObject({ code: 'SQL_ERROR' })
  })

  it('runs with 2 threads, the memory and spill limits, no file access and settings locked', async () => {
    const r = await session.query(`SELECT current_setting('threads'), current_setting('memory_limit'), current_setting('max_temp_directory_size'), current_setting('enable_external_access'), current_setting('lock_configuration'), current_setting('autoload_known_extensions')`)
    const [threads, memory, spill, external, locked, autoload] = r.rows[0]!
    expect(Number(threads)).toBe(2)
    expect(String(memory)).toMatch(/^(3\.7 GiB|4\.0 GB|4GB)$/)
    expect(String(spill)).toMatch(/^(14\.9 GiB|16\.0 GB|16GB)$/)
    expect([external, locked, autoload]).toEqual([false, true, false])
  })

  it('a syntax error is SQL_ERROR with DuckDB message', async () => {
    await expect(session.query('SELEC 1')).rejects.toMatchObject({ code: 'SQL_ERROR', message: expect.stringMatching(/syntax error/i) })
  })

  it('tablesNamed: only the tables a query names (snapshots always)', () => {
    expect([...tablesNamed('select count(*) from HANDLES h')].sort()).toEqual(['handles', 'snapshots'])
    expect([...tablesNamed('select * from modules')].sort()).toEqual(['modules', 'snapshots'])
  })
})
