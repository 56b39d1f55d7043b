// A FUSE mount whose daemon never answers, without libfuse: open /dev/fuse, let mount(8) mount it with that
// descriptor, and never read it. The mount's root inode exists without asking the daemon, so a process can
// hold it open with O_PATH (no FUSE request); any stat or open through that descriptor then waits for the
// daemon's INIT reply forever (killably). Closing our /dev/fuse descriptor aborts the connection (every waiter
// gets ENOTCONN) and `umount -l` removes the mount. Needs root (or CAP_SYS_ADMIN) and /dev/fuse.
import { spawnSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs'

/** O_PATH on Linux x86-64, arm64, riscv64 (asm-generic): a descriptor of the inode without opening it. */
export const O_PATH = 0o10000000

/**
 * The thread sleeps in a FUSE request (its kernel wait channel, or else its kernel stack, names fuse). State D
 * alone is not enough: on a cold page cache a freshly started process is in D while its executable is read
 * from disk, before it reaches the mount (a fresh CI machine held such a stat, which then had not blocked).
 */
export function waitingOnFuse(pid: number, tid = pid): boolean {
  const read = (name: string) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/${name}`, 'latin1')
    } catch {
      return ''
    }
  }
  const stat = read('stat')
  if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'D') return false
  return read('wchan').includes('fuse') || read('stack').includes('fuse')
}

export interface HungFuse {
  mountPoint: string
  /** Aborts the connection and removes the mount. */
  release(): void
}

/** The mount, or why it is not available here (not root, no /dev/fuse, mount refused). */
export function mountHungFuse(mountPoint: string): HungFuse | string {
  if (process.platform !== 'linux' || process.arch === 'ia32') return 'Linux x64/arm64 only'
  if (process.getuid?.() !== 0) return 'needs root to mount FUSE without fusermount'
  let fd: number
  try {
    fd = openSync('/dev/fuse', 'r+')
  } catch (error) {
    return `cannot open /dev/fuse: ${(error as Error).message}`
  }
  mkdirSync(mountPoint, { recursive: true })
  const options = `fd=3,rootmode=40000,user_id=0,group_id=0`
  const run = spawnSync('mount', ['-t', 'fuse', '-o', options, 'pssnap-hung', mountPoint], { stdio: ['ignore', 'pipe', 'pipe', fd], timeout: 10_000, encoding: 'utf8' })
  if (run.status !== 0) {
    closeSync(fd)
    return `mount -t fuse failed: ${run.error?.message ?? run.stderr.trim()}`
  }
  let released = false
  return {
    mountPoint,
    release() {
      if (released) return
      released = true
      closeSync(fd)
      spawnSync('umount', ['-l', mountPoint], { stdio: 'ignore', timeout: 10_000 })
    },
  }
}
