// No fd access of the Linux capture can block forever (spec/LINUX.md §5.1). Without FUSE: the mount table,
// the deadline helper against a helper whose "stat" really blocks in the kernel (an open of a FIFO nobody
// writes), and real captures of a child holding a FIFO (read-write), a file and a directory whose mount the
// test makes look like FUSE (mountinfo rewritten under a node:fs wrapper that also records every stat and
// open): the targets are never opened, never stat'ed in this process, typed by the helper, and kept without a
// type, with one soft error each, when the helper never answers. test/linux-hung-fuse.test.ts does the same
// against a real FUSE mount whose daemon never answers.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync as realReadFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { boundedStat } from '../capture/linux/bounded-stat.js'
import { typeNameOfLink, typeNameOfMode } from '../capture/linux/handles.js'
import { answersFromMemory, deviceOfMaps, MountTable, parseMountinfo } from '../capture/linux/mounts.js'

const state = vi.hoisted(() => ({
  /** mountinfo of this pid is rewritten: mount `mountId` becomes `fsType`. */
  pid: 0,
  mountId: -1,
  fsType: 'fuse.pssnap-test',
  calls: [] as string[],
}))

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const record = <F extends (...args: never[]) => unknown>(fn: F, name: string): F =>
    ((...args: Parameters<F>) => {
      state.calls.push(`${name} ${String(args[0])}`)
      return fn(...args)
    }) as F
  const readFileSync = ((...args: Parameters<typeof fs.readFileSync>) => {
    const result = fs.readFileSync(...args)
    if (state.pid && String(args[0]) === `/proc/${state.pid}/mountinfo`) {
      const text = String(result).replace(new RegExp(`^(${state.mountId} .* - )(\\S+)`, 'm'), `$1${state.fsType}`)
      return typeof result === 'string' ? text : Buffer.from(text)
    }
    return result
  }) as typeof fs.readFileSync
  const wrapped = { readFileSync: record(readFileSync, 'read'), statSync: record(fs.statSync, 'stat'), openSync: record(fs.openSync, 'open') }
  return { ...fs, ...wrapped, default: { ...fs, ...wrapped } }
})

const { captureLinuxToFile } = await import('../capture/linux/index.js')
const { openArchiveFile } = await import('../reader/node.js')

const dir = mkdtempSync(join(tmpdir(), 'pssnap-nonblocking-'))
/** A FIFO nobody opens: opening it blocks in the kernel, killably, like a stat on a hung FUSE mount. */
const NEVER = join(dir, 'never-opened-fifo')
execFileSync('mkfifo', [NEVER])

/** A helper that blocks on paths containing `hang`, and stats the others as the real one does. */
const helperHangingOn = (marker: string) => `
const fs = require('node:fs')
const paths = fs.readFileSync(0, 'latin1').split('\\n').filter(Boolean)
paths.forEach((path, i) => {
  if (path.includes(${JSON.stringify(marker)})) fs.openSync(${JSON.stringify(NEVER)}, 'r')
  fs.writeSync(1, i + ' ' + fs.statSync(path).mode + '\\n')
})
`

describe('the mount table', () => {
  const INFO = [
    '22 27 0:21 / /proc rw,relatime - proc proc rw',
    '27 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw',
    '40 27 0:45 / /home/a\\040b rw,nosuid shared:2 master:7 - fuse.sshfs host:/ rw,user_id=0',
    '41 40 0:46 / /home/a\\040b/inner rw - nfs4 srv:/x rw',
    '42 27 0:47 / /mnt rw - tmpfs tmpfs rw',
    '43 27 0:48 / /mnt rw - 9p share rw',
    'garbage line',
  ].join('\n')

  it('parses ids, devices, escaped mount points and the type after the optional fields', () => {
    const mounts = parseMountinfo(INFO)
    expect(mounts.map((m) => [m.id, m.device, m.mountPoint, m.fsType])).toEqual([
      [22, '0:21', '/proc', 'proc'],
      [27, '253:1', '/', 'ext4'],
      [40, '0:45', '/home/a b', 'fuse.sshfs'],
      [41, '0:46', '/home/a b/inner', 'nfs4'],
      [42, '0:47', '/mnt', 'tmpfs'],
      [43, '0:48', '/mnt', '9p'],
    ])
  })

  it('finds a mount by id, by the device a maps line names, and by the longest, latest mount point', () => {
    const table = new MountTable(parseMountinfo(INFO))
    expect(table.ofId(40)?.fsType).toBe('fuse.sshfs')
    expect(table.ofId(99)).toBeUndefined()
    expect(table.ofDevice(deviceOfMaps('fd:01'))?.fsType).toBe('ext4')
    expect(table.ofPath('/home/a b/x.txt')?.fsType).toBe('fuse.sshfs')
    expect(table.ofPath('/home/a b/inner/y (deleted)')?.fsType).toBe('nfs4')
    expect(table.ofPath('/home/a bc')?.fsType).toBe('ext4') // a prefix of the name, not of the path
    expect(table.ofPath('/mnt/z')?.fsType).toBe('9p') // mounted over the tmpfs
  })

  it('stats directly only on file systems that answer from memory', () => {
    for (const local of ['ext4', 'xfs', 'btrfs', 'tmpfs', 'devtmpfs', 'proc', 'overlay']) expect(answersFromMemory(local), local).toBe(true)
    for (const remote of ['fuse', 'fuse.sshfs', 'nfs', 'nfs4', 'cifs', 'smb3', '9p', 'ceph', 'autofs', 'made-up', undefined]) expect(answersFromMemory(remote), remote).toBe(false)
  })
})

describe('types that need no stat', () => {
  it('come from the link for everything but a path; a path waits for the mode', () => {
    expect(typeNameOfLink('socket:[123]')).toBe('Socket')
    expect(typeNameOfLink('anon_inode:[eventfd]')).toBe('EventFd')
    expect(typeNameOfLink('anon_inode:constructor')).toBe('AnonInode') // own properties only
    expect(typeNameOfLink('anon_inode:[__proto__]')).toBe('AnonInode')
    expect(typeNameOfLink('net:[4026531840]')).toBe('Namespace')
    expect(typeNameOfLink('/memfd:x (deleted)')).toBe('Memfd')
    expect(typeNameOfLink('/tmp/fifo')).toBeUndefined()
    expect([0o010644, 0o040755, 0o100600, 0o020666, 0o060660, 0o140777, 0o120777].map(typeNameOfMode)).toEqual(['Pipe', 'Directory', 'File', 'CharacterDevice', 'BlockDevice', 'Socket', 'Other'])
  })
})

describe('boundedStat: a helper killed at the deadline', () => {
  const files = ['a', 'b-hang', 'c', 'd'].map((n) => join(dir, n))
  beforeAll(() => {
    for (const f of files) writeFileSync(f, '')
  })

  it('keeps answers given before a hang, gives up the hung group and asks the other groups again', async () => {
    const group = (path: string) => (path.endsWith('d') ? 'B' : 'A')
    const answers = await boundedStat(files, group, { timeoutMs: 1500, helper: helperHangingOn('hang') })
    expect(answers.get(files[0]!)).toEqual({ mode: expect.any(Number) })
    expect(answers.get(files[1]!)).toEqual({ timedOut: true })
    expect(answers.get(files[2]!)).toEqual({ timedOut: true }) // same mount as the hung one: not asked
    expect(answers.get(files[3]!)).toEqual({ mode: expect.any(Number) }) // asked again in a new helper
  })

  it('reports a stat error per path, and a helper that fails for every path it did not answer', async () => {
    const missing = join(dir, 'missing')
    expect((await boundedStat([files[0]!, missing], () => 'A')).get(missing)).toEqual({ errno: 2, code: 'ENOENT' })
    const crashing = await boundedStat([files[0]!, files[2]!], () => 'A', { helper: 'process.exit(3)' })
    expect([...crashing.values()]).toEqual([{ errno: 5, code: 'EIO' }, { errno: 5, code: 'EIO' }])
  })
})

describe('a capture of a child whose files look like they are on FUSE', () => {
  let child: ChildProcess
  beforeAll(async () => {
    execFileSync('mkfifo', [join(dir, 'fifo')])
    mkdirSync(join(dir, 'sub'))
    // The mount the files are on, as this process (same namespace) sees it through fdinfo.
    const probe = openSync(join(dir, 'a'), 'r')
    state.mountId = Number(/^mnt_id:\s*(\d+)$/m.exec(realReadFileSync(`/proc/self/fdinfo/${probe}`, 'latin1'))![1])
    closeSync(probe)
    const script = `const fs = require('node:fs'); const d = ${JSON.stringify(dir)}; const keep = [fs.openSync(d + '/fifo', 'r+'), fs.openSync(d + '/a', 'r'), fs.openSync(d + '/sub', 'r')]; setInterval(() => keep, 1000); process.stdout.write('ready\\n')`
    child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise((resolve) => child.stdout!.once('data', resolve))
    state.pid = child.pid!
  })
  afterAll(() => {
    child?.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  const targets = () => ({ fifo: join(dir, 'fifo'), file: join(dir, 'a'), sub: join(dir, 'sub') })

  it('types them in the helper: nothing is opened, nothing stat\'ed here', async () => {
    state.calls = []
    const out = join(dir, 'typed.pssnap')
    await captureLinuxToFile(child.pid!, out)
    const archive = await openArchiveFile(out, { strict: true })
    const byName = new Map(archive.handles.toArray().map((h) => [h.objectName, h]))
    const t = targets()
    expect(byName.get(t.fifo)).toMatchObject({ typeName: 'Pipe', flags: 3 })
    expect(byName.get(t.file)).toMatchObject({ typeName: 'File', flags: 3 })
    expect(byName.get(t.sub)).toMatchObject({ typeName: 'Directory', flags: 3 })
    expect(archive.captureErrors).toEqual([])
    const fds = [...byName.entries()].filter(([name]) => name?.startsWith(dir)).map(([, h]) => `/proc/${child.pid}/fd/${h.handle}`)
    expect(fds).toHaveLength(3)
    const touched = state.calls.filter((c) => /^(stat|open) /.test(c))
    for (const path of [...fds, ...Object.values(t)]) expect(touched.filter((c) => c.endsWith(` ${path}`)), path).toEqual([])
    // The mount table was read, once.
    expect(state.calls.filter((c) => c === `read /proc/${child.pid}/mountinfo`)).toHaveLength(1)
  })

  it('keeps them without a type, one ETIMEDOUT soft error each, when the helper never answers', async () => {
    const out = join(dir, 'hung.pssnap')
    const started = Date.now()
    await captureLinuxToFile(child.pid!, out, { statTimeoutMs: 1000, statHelper: helperHangingOn('/fd/') })
    // Bounded: one deadline for the one hung mount (and far from forever).
    expect(Date.now() - started).toBeLessThan(20_000)
    const archive = await openArchiveFile(out, { strict: true })
    const hung = archive.handles.toArray().filter((h) => h.objectName?.startsWith(dir))
    expect(hung.map((h) => h.objectName).sort()).toEqual(Object.values(targets()).sort())
    for (const h of hung) {
      expect(h.typeName).toBeUndefined()
      expect(h.flags).toBe(2) // HAVE_NAME only
    }
    const errors = archive.captureErrors.filter((e) => e.name === 'ETIMEDOUT')
    expect(errors.map((e) => e.message.slice(0, e.message.indexOf(':'))).sort()).toEqual(hung.map((h) => `/proc/${child.pid}/fd/${h.handle}`).sort())
    for (const e of errors) expect(e).toMatchObject({ section: 'handles', operation: 'stat', code: 110, message: expect.stringContaining('fuse.pssnap-test file system') })
    // Everything else was captured as usual.
    expect(archive.sectionNames.sort()).toEqual(['handles', 'threads', 'vaSpace'])
    expect(archive.handles.toArray().find((h) => h.objectName === '/dev/null')?.typeName).toBe('CharacterDevice')
  })

  it('an abort (the CLI\'s Ctrl-C) while the helper hangs kills it and rejects at once: no file, no helper left', async () => {
    const out = join(dir, 'aborted.pssnap')
    const controller = new AbortController()
    const stop = new Error('stopped by the test')
    setTimeout(() => controller.abort(stop), 500)
    // A deadline far beyond the test's own timeout: only the abort can end this capture in time.
    await expect(captureLinuxToFile(child.pid!, out, { statTimeoutMs: 600_000, statHelper: helperHangingOn('/fd/'), signal: controller.signal })).rejects.toBe(stop)
    expect(existsSync(out)).toBe(false)
    const helpers = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && cmdlineOf(p).includes(NEVER))
    expect(helpers).toEqual([])
  })
})

function cmdlineOf(pid: string): string {
  try {
    return realReadFileSync(`/proc/${pid}/cmdline`, 'latin1')
  } catch {
    return ''
  }
}
