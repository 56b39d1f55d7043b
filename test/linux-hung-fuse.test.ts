// The Linux capture against a real FUSE mount whose daemon never answers (test/helpers/hung-fuse.ts; root
// only, skipped elsewhere: test/linux-nonblocking.test.ts covers the same paths without FUSE). A child holds
// the mount's root with O_PATH; a stat through /proc/<child>/fd/N would wait forever (it did: the capture
// before spec/LINUX.md §5.1 never returned). Now: the library and the CLI finish, the descriptor is kept
// without a type with an ETIMEDOUT soft error, and Ctrl-C (SIGINT to the CLI's process group, as a terminal
// sends it) stops the CLI while the helper is stuck: exit 130, nothing written.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureLinuxToFile } from '../capture/linux/index.js'
import { openArchiveFile } from '../reader/node.js'
import { CLI } from './helpers/cli.js'
import { mountHungFuse, O_PATH } from './helpers/hung-fuse.js'

const dir = mkdtempSync(join(tmpdir(), 'pssnap-hung-fuse-'))
const fuse = mountHungFuse(join(dir, 'mnt'))
if (typeof fuse === 'string') console.log(`linux-hung-fuse: skipped (${fuse})`)

/** Pids whose parent is `pid` (from /proc/<n>/stat field 4). */
function childrenOf(pid: number): number[] {
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name))
    } catch {
      // exited meanwhile
    }
  }
  return out
}

describe.skipIf(typeof fuse === 'string')('a descriptor on a FUSE mount whose daemon never answers', () => {
  const mnt = typeof fuse === 'string' ? '' : fuse.mountPoint
  let child: ChildProcess
  let fd = -1
  beforeAll(async () => {
    const script = `const fd = require('node:fs').openSync(${JSON.stringify(mnt)}, ${O_PATH}); setInterval(() => fd, 1000); process.stdout.write(fd + '\\n')`
    child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    fd = Number(await new Promise<string>((resolve) => child.stdout!.once('data', (b: Buffer) => resolve(String(b).trim()))))
  })
  afterAll(() => {
    child?.kill('SIGKILL')
    if (typeof fuse !== 'string') fuse.release()
    rmSync(dir, { recursive: true, force: true })
  })

  const expectKeptWithoutType = async (path: string, deadlineMs: number) => {
    const archive = await openArchiveFile(path, { strict: true })
    const entry = archive.handles.toArray().find((h) => h.handle === BigInt(fd))
    expect(entry).toMatchObject({ objectName: mnt, flags: 2 })
    expect(entry!.typeName).toBeUndefined()
    expect(archive.captureErrors).toContainEqual({
      section: 'handles',
      operation: 'stat',
      code: 110,
      name: 'ETIMEDOUT',
      message: `/proc/${child.pid}/fd/${fd}: no answer within ${deadlineMs} ms from the fuse file system at ${mnt}; kept without a type`,
    })
    // The other descriptors are typed as usual.
    expect(archive.handles.toArray().filter((h) => h.handle !== BigInt(fd) && h.typeName === undefined)).toEqual([])
  }

  it('the library finishes at the deadline and keeps the descriptor without a type', async () => {
    const out = join(dir, 'library.pssnap')
    await captureLinuxToFile(child.pid!, out, { statTimeoutMs: 1500 })
    await expectKeptWithoutType(out, 1500)
  })

  it('the CLI finishes with the default deadline', async () => {
    const out = join(dir, 'cli.pssnap')
    const run = spawn(process.execPath, [CLI, 'capture', String(child.pid), '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] })
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve))
    expect(code).toBe(0)
    await expectKeptWithoutType(out, 5000)
  })

  it('Ctrl-C stops the CLI while the helper is stuck: exit 130, nothing written', async () => {
    const out = join(dir, 'interrupted.pssnap')
    // Its own process group, as a shell's foreground job: the terminal's SIGINT goes to every process in it.
    const run = spawn(process.execPath, [CLI, 'capture', String(child.pid), '-o', out], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let stderr = ''
    run.stderr!.on('data', (b: Buffer) => (stderr += String(b)))
    const exited = new Promise<number | null>((resolve) => run.once('exit', resolve))
    // Wait until the stat helper exists (then the capture is stuck in it), and a little more for its stat.
    for (let i = 0; i < 400 && childrenOf(run.pid!).length === 0; i++) await new Promise((r) => setTimeout(r, 25))
    expect(childrenOf(run.pid!)).toHaveLength(1)
    await new Promise((r) => setTimeout(r, 300))
    const signalledAt = Date.now()
    process.kill(-run.pid!, 'SIGINT')
    expect(await exited).toBe(130)
    // Stopped by the signal, not by the 5 s deadline.
    expect(Date.now() - signalledAt).toBeLessThan(4000)
    expect(stderr).toMatch(/INTERRUPTED/)
    expect(existsSync(out)).toBe(false)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})
