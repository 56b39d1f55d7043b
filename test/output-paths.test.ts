// Where the writing verbs (export, redact and its --map, capture) may write (reader/node.ts checkDestination,
// cli/io.ts): only a regular file is replaced, and only with --force; a device, FIFO, socket, directory or a
// symbolic link to one is refused (NOT_A_REGULAR_FILE) and left as it was; an output that is an input (same
// inode: the same name, a hard link or a symbolic link) is refused (SAME_FILE); files are created 0600;
// `-o -` is stdout for export. Through the built CLI, with the umask at 022.
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, lstatSync, statSync } from 'node:fs'
import { chmod, link, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkDestination, OutputPathError } from '../reader/node.js'
import { captureFileName } from '../cli/io.js'
import { CLI, type CliResult } from './helpers/cli.js'

let dir: string
let archive: string
let archiveBytes: Buffer

/** Runs the built CLI under `umask 022` in `cwd` (default: the test's folder). */
function run(args: string[], cwd = dir): Promise<CliResult> {
  const env = { ...process.env }
  delete env.FORCE_COLOR
  delete env.NO_COLOR
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', 'umask 022 && exec "$0" "$@"', process.execPath, CLI, ...args], { cwd, env, timeout: 60_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({ code, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

const mode = (path: string) => statSync(path).mode & 0o777
/** Files left behind in `folder` by a refused write (temporary files included). */
const leftovers = async (folder: string) => (await readdir(folder)).filter((n) => n.endsWith('.tmp'))

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`)
  dir = await mkdtemp(join(tmpdir(), 'pssnap-out-'))
  archive = join(dir, 'in.pssnap')
  archiveBytes = await readFile('spec/fixtures/small.pssnap')
  await writeFile(archive, archiveBytes)
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('only a regular file or a missing name is written', () => {
  it('-o /dev/null is refused and /dev/null stays the character device', async () => {
    const r = await run(['export', archive, '--format', 'json', '-o', '/dev/null', '--force'])
    const still = lstatSync('/dev/null')
    if (!still.isCharacterDevice()) {
      // A regression replaced the system's /dev/null with a file: put the device back before failing.
      await rm('/dev/null', { force: true })
      execFileSync('mknod', ['-m', '666', '/dev/null', 'c', '1', '3'])
    }
    expect(still.isCharacterDevice()).toBe(true)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^NOT_A_REGULAR_FILE - '\/dev\/null' is a character device: only a regular file is replaced/)
    expect((await readdir('/dev')).filter((n) => n.startsWith('.null.'))).toEqual([])
  })

  it('a FIFO is refused (never opened: the command does not block) and stays a FIFO', async () => {
    const fifo = join(dir, 'fifo')
    execFileSync('mkfifo', [fifo])
    for (const args of [
      ['export', archive, '--format', 'ndjson', '-o', fifo, '--force'],
      ['redact', archive, '-o', fifo, '--key', 'k', '--force'],
      ['redact', archive, '-o', join(dir, 'r-fifo.pssnap'), '--map', fifo, '--key', 'k', '--force'],
      // Checked before anything is captured: the same refusal on every platform.
      ['capture', '--self', '-o', fifo, '--force'],
    ]) {
      const r = await run(args)
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(/^NOT_A_REGULAR_FILE - .* is a FIFO \(named pipe\)/)
    }
    expect(lstatSync(fifo).isFIFO()).toBe(true)
    expect(existsSync(join(dir, 'r-fifo.pssnap'))).toBe(false)
    expect(await leftovers(dir)).toEqual([])
  })

  it('a socket is refused', async () => {
    const path = join(dir, 'sock')
    const server: Server = createServer()
    await new Promise<void>((resolve) => server.listen(path, resolve))
    try {
      const r = await run(['export', archive, '--format', 'json', '-o', path, '--force'])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^NOT_A_REGULAR_FILE - .* is a socket/)
      expect(lstatSync(path).isSocket()).toBe(true)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('a directory is refused', async () => {
    const sub = join(dir, 'sub')
    await mkdir(sub)
    const r = await run(['export', archive, '--format', 'json', '-o', sub, '--force'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^NOT_A_REGULAR_FILE - .* is a directory/)
    expect(lstatSync(sub).isDirectory()).toBe(true)
  })

  it('a symbolic link to /proc/self/fd/1 (stdout) is refused and stays a link', async () => {
    const fd1 = join(dir, 'stdout-link')
    await symlink('/proc/self/fd/1', fd1)
    for (const args of [
      ['export', archive, '--format', 'csv', '--section', 'handles', '-o', fd1, '--force'],
      ['redact', archive, '-o', fd1, '--key', 'k', '--force'],
    ]) {
      const r = await run(args)
      expect(r.code, args.join(' ')).toBe(1)
      // Node gives a child a socket pair, a shell a pipe: either way not a regular file.
      expect(r.stderr).toMatch(/^NOT_A_REGULAR_FILE - .* is (a FIFO \(named pipe\)|a socket) through a symbolic link/)
      expect(r.stdout).toBe('')
    }
    expect(await readlink(fd1)).toBe('/proc/self/fd/1')
  })

  it('a symbolic link to nothing is not written through', async () => {
    const dangling = join(dir, 'dangling')
    await symlink(join(dir, 'nowhere.json'), dangling)
    const r = await run(['export', archive, '--format', 'json', '-o', dangling])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^NOT_A_REGULAR_FILE - .* symbolic link to a missing file/)
    expect(existsSync(join(dir, 'nowhere.json'))).toBe(false)
  })

  it('a symbolic link to a regular file is written through with --force: the file is replaced, the link stays', async () => {
    const real = join(dir, 'real.json')
    const alias = join(dir, 'alias.json')
    await writeFile(real, 'old')
    await symlink(real, alias)
    const refused = await run(['export', archive, '--format', 'json', '-o', alias])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^FILE_EXISTS - .*alias\.json' already exists: add --force to replace it/)
    expect(await readFile(real, 'utf8')).toBe('old')
    const r = await run(['export', archive, '--format', 'json', '-o', alias, '--force'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect((await lstat(alias)).isSymbolicLink()).toBe(true)
    expect(JSON.parse(await readFile(real, 'utf8')).schema).toBe('pssnap.export/1')
    expect(mode(real)).toBe(0o600)
  })
})

describe('an output that is an input is refused, --force or not', () => {
  it('export onto its own archive: by name, by hard link, by symbolic link', async () => {
    const hard = join(dir, 'hard.pssnap')
    const soft = join(dir, 'soft.pssnap')
    await link(archive, hard)
    await symlink(archive, soft)
    for (const out of [archive, hard, soft]) {
      const r = await run(['export', archive, '--format', 'csv', '--section', 'handles', '-o', out, '--force'])
      expect(r.code, out).toBe(1)
      expect(r.stderr).toMatch(/^SAME_FILE - /)
    }
    expect(await readFile(archive)).toEqual(archiveBytes)
  })

  it('redact onto its input by hard link, and a --map onto the input by symbolic link', async () => {
    const hard = join(dir, 'hard2.pssnap')
    const soft = join(dir, 'soft2.pssnap')
    await link(archive, hard)
    await symlink(archive, soft)
    const a = await run(['redact', archive, '-o', hard, '--key', 'k', '--force'])
    expect(a.code).toBe(1)
    expect(a.stderr).toMatch(/^SAME_FILE - /)
    const b = await run(['redact', archive, '-o', join(dir, 'r.pssnap'), '--map', soft, '--key', 'k', '--force'])
    expect(b.code).toBe(1)
    expect(b.stderr).toMatch(/^SAME_FILE - /)
    expect(existsSync(join(dir, 'r.pssnap'))).toBe(false)
    expect(await readFile(archive)).toEqual(archiveBytes)
  })
})

describe('existing files need --force; new files are 0600', () => {
  it('export: FILE_EXISTS with the hint, the file unchanged; replaced with --force; 0600', async () => {
    const out = join(dir, 'handles.csv')
    await writeFile(out, 'keep me')
    await chmod(out, 0o644)
    const r = await run(['export', archive, '--format', 'csv', '--section', 'handles', '-o', out])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`FILE_EXISTS - '${out}' already exists: add --force to replace it\n`)
    expect(await readFile(out, 'utf8')).toBe('keep me')
    const forced = await run(['export', archive, '--format', 'csv', '--section', 'handles', '-o', out, '--force'])
    expect(forced.code).toBe(0)
    expect((await readFile(out, 'utf8')).split('\n')[0]).toMatch(/^handle,/)
    expect(mode(out)).toBe(0o600)
    const fresh = join(dir, 'fresh.ndjson')
    expect((await run(['export', archive, '--format', 'ndjson', '-o', fresh])).code).toBe(0)
    expect(mode(fresh)).toBe(0o600)
    expect(await leftovers(dir)).toEqual([])
  })

  it('redact: output and map created 0600; an existing one of either is refused without --force', async () => {
    const out = join(dir, 'red.pssnap')
    const map = join(dir, 'red.map.json')
    const first = await run(['redact', archive, '-o', out, '--map', map, '--key', 'k'])
    expect(first.code).toBe(0)
    expect(mode(out)).toBe(0o600)
    expect(mode(map)).toBe(0o600)
    const again = await run(['redact', archive, '-o', out, '--key', 'k'])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^FILE_EXISTS - .*red\.pssnap' already exists: add --force/)
    const other = join(dir, 'red2.pssnap')
    const mapExists = await run(['redact', archive, '-o', other, '--map', map, '--key', 'k'])
    expect(mapExists.code).toBe(1)
    expect(mapExists.stderr).toMatch(/^FILE_EXISTS - .*red\.map\.json' already exists/)
    expect(existsSync(other)).toBe(false)
    const forced = await run(['redact', archive, '-o', out, '--map', map, '--key', 'k', '--force'])
    expect(forced.code).toBe(0)
    expect(mode(out)).toBe(0o600)
  })

  it.runIf(process.platform === 'linux')('capture: the archive is 0600, an existing -o needs --force, the default name is <image>_<pid>_<time>', async () => {
    const cwd = join(dir, 'captures')
    await mkdir(cwd)
    const r = await run(['capture', '--self', '--preset', 'minimal'], cwd)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const [name, ...rest] = await readdir(cwd)
    expect(rest).toEqual([])
    // <image>_<pid>_<YYYYMMDD_HHMMSS>: the image is node's executable, whatever it is called here.
    expect(name).toMatch(/^[A-Za-z0-9+-][A-Za-z0-9._+-]*_\d+_\d{8}_\d{6}\.pssnap$/)
    expect(r.stdout).toContain(`→ ${name}`)
    expect(mode(join(cwd, name!))).toBe(0o600)
    const refused = await run(['capture', '--self', '--preset', 'minimal', '-o', name!], cwd)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^FILE_EXISTS - .* already exists: add --force/)
    const forced = await run(['capture', '--self', '--preset', 'minimal', '-o', name!, '--force'], cwd)
    expect(forced.code).toBe(0)
    expect(await leftovers(cwd)).toEqual([])
  })
})

describe('-o -', () => {
  it('export writes to stdout', async () => {
    const r = await run(['export', archive, '--format', 'ndjson', '--section', 'threads', '-o', '-'])
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines.length).toBeGreaterThan(0)
    expect(JSON.parse(lines[0]!).section).toBe('threads')
    expect(existsSync(join(dir, '-'))).toBe(false)
  })

  it('redact and its map are files: - is refused', async () => {
    const a = await run(['redact', archive, '-o', '-', '--key', 'k'])
    expect(a.code).toBe(1)
    expect(a.stderr).toMatch(/^NOT_A_REGULAR_FILE - '-' \(stdout\) is not a place for an archive/)
    expect(a.stdout).toBe('')
    const b = await run(['redact', archive, '-o', join(dir, 'x.pssnap'), '--map', '-', '--key', 'k'])
    expect(b.code).toBe(1)
    expect(existsSync(join(dir, 'x.pssnap'))).toBe(false)
  })
})

describe('checkDestination and captureFileName (library)', () => {
  it('returns the path for a missing name, the real file for a link to one, and types every refusal', async () => {
    const missing = join(dir, 'lib-missing')
    expect(await checkDestination(missing)).toBe(missing)
    const real = join(dir, 'lib-real')
    await writeFile(real, '')
    const alias = join(dir, 'lib-alias')
    await symlink(real, alias)
    expect(await checkDestination(alias)).toBe(real)
    const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof OutputPathError ? e.code : e))
    expect(await refusal(checkDestination(alias, { overwrite: false }))).toBe('FILE_EXISTS')
    expect(await refusal(checkDestination(alias, { inputs: [real] }))).toBe('SAME_FILE')
    expect(await refusal(checkDestination('/dev/null'))).toBe('NOT_A_REGULAR_FILE')
    expect(await refusal(checkDestination(dir))).toBe('NOT_A_REGULAR_FILE')
  })

  it('makes a safe file name of any image name, and numbers it rather than replace a file', async () => {
    const at = new Date(2026, 11, 2, 9, 5, 7)
    const cwd = process.cwd()
    const folder = join(dir, 'names')
    await mkdir(folder)
    process.chdir(folder)
    try {
      expect(await captureFileName('C:\\Program Files\\My App\\svc.EXE', 42, at)).toBe('svc_42_20261202_090507.pssnap')
      expect(await captureFileName('/usr/bin/node', 7, at)).toBe('node_7_20261202_090507.pssnap')
      expect(await captureFileName('../../etc/pass wd', 7, at)).toBe('pass_wd_7_20261202_090507.pssnap')
      expect(await captureFileName('\u202egnp.exe\x1b]52;c;', 7, at)).toBe('gnp.exe_52_c_7_20261202_090507.pssnap')
      expect(await captureFileName('.hidden', 7, at)).toBe('hidden_7_20261202_090507.pssnap')
      expect(await captureFileName(undefined, 7, at)).toBe('process_7_20261202_090507.pssnap')
      expect(await captureFileName('x'.repeat(500), 7, at)).toBe(`${'x'.repeat(64)}_7_20261202_090507.pssnap`)
      await writeFile('node_7_20261202_090507.pssnap', '')
      await writeFile('node_7_20261202_090507_2.pssnap', '')
      expect(await captureFileName('node', 7, at)).toBe('node_7_20261202_090507_3.pssnap')
    } finally {
      process.chdir(cwd)
    }
  })
})
