// Capture faults on Linux, with the discipline of the Windows table (capture-faults.test.ts): the real /proc
// reader runs against a real child process, and node:fs is wrapped so that the reads of one kind of /proc
// entry (`open /status`, `scandir /fd`, `readlink /fd/N`, …) fail with a chosen errno — EACCES (unreadable)
// or ENOENT (gone: the process or the entry exited mid-capture). The kinds are not hand-picked: they are the
// ones a clean capture of the child reads. After each: either a typed or errno error naming the process or
// path, with nothing at the destination (or the file that was there, untouched), or a complete archive whose
// captureErrors name the path and errno, with every other section kept. No temporary file in either case.
// A last case kills the child for real in the middle of the capture.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CaptureFailedError } from '../capture/errors.js'
import type { Archive } from '../reader/index.js'
import { openArchiveFile } from '../reader/node.js'

/** Shared with the node:fs wrapper (hoisted above the imports by vitest). */
const state = vi.hoisted(() => ({
  pid: 0,
  seen: new Set<string>(),
  fail: undefined as undefined | { kind: string; code: 'EACCES' | 'ENOENT' },
  /** Called once when a kind is first read (the mid-capture kill). */
  onRead: undefined as undefined | { kind: string; run: () => void },
}))

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const ERRNO = { EACCES: [13, 'permission denied'], ENOENT: [2, 'no such file or directory'] } as const
  const kindOf = (syscall: string, path: string): string | undefined => {
    const root = `/proc/${state.pid}`
    if (!state.pid || (path !== root && !path.startsWith(`${root}/`))) return undefined
    const rest = path.slice(root.length) || '/'
    // Numbered entries (fds, threads) are one kind; files opened through root/ are one kind.
    if (rest.startsWith('/root/')) return `${syscall} /root/*`
    if (rest.startsWith('/map_files/')) return `${syscall} /map_files/*`
    return `${syscall} ${rest.replace(/\/\d+(?=\/|$)/g, '/N')}`
  }
  const wrap = <F extends (...args: never[]) => unknown>(fn: F, syscall: string): F =>
    ((...args: Parameters<F>) => {
      const path = String(args[0])
      const kind = kindOf(syscall, path)
      if (kind) {
        state.seen.add(kind)
        if (state.onRead?.kind === kind) {
          const hook = state.onRead
          state.onRead = undefined
          hook.run()
        }
        if (state.fail?.kind === kind) {
          const [errno, text] = ERRNO[state.fail.code]
          throw Object.assign(new Error(`${state.fail.code}: ${text}, ${syscall} '${path}'`), { errno: -errno, code: state.fail.code, syscall, path })
        }
      }
      return fn(...args)
    }) as F
  const wrapped = {
    readFileSync: wrap(fs.readFileSync, 'open'),
    readlinkSync: wrap(fs.readlinkSync, 'readlink'),
    readdirSync: wrap(fs.readdirSync, 'scandir'),
    statSync: wrap(fs.statSync, 'stat'),
    openSync: wrap(fs.openSync, 'open'),
  }
  return { ...fs, ...wrapped, default: { ...fs, ...wrapped } }
})

const { captureLinuxToFile } = await import('../capture/linux/index.js')

const dir = mkdtempSync(join(tmpdir(), 'pssnap-faults-linux-'))
const SENTINEL = 'an archive that was here before\n'
let n = 0

/** A child with a few descriptors and threads of its own, alive until killed. */
function startChild(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', `const fs = require('node:fs'); const keep = [fs.openSync('/dev/null', 'r'), fs.openSync(${JSON.stringify(process.execPath)}, 'r')]; setInterval(() => keep, 1000); process.stdout.write('ready\\n')`], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve) => child.stdout!.once('data', () => resolve(child)))
}

let child: ChildProcess
beforeAll(async () => {
  child = await startChild()
  state.pid = child.pid!
})
afterAll(() => {
  child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

type Outcome = { error: unknown; archive?: undefined } | { error?: undefined; archive: Archive }

async function capture(pid: number, preexisting: boolean): Promise<Outcome & { output: string }> {
  const output = join(dir, `capture-${++n}.pssnap`)
  if (preexisting) writeFileSync(output, SENTINEL)
  try {
    await captureLinuxToFile(pid, output)
  } catch (error) {
    if (preexisting) expect(readFileSync(output, 'utf8')).toBe(SENTINEL)
    else expect(existsSync(output)).toBe(false)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    return { error, output }
  } finally {
    state.fail = undefined
  }
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  const archive = await openArchiveFile(output, { strict: true })
  expect(archive.ok).toBe(true)
  return { archive, output }
}

/** The section a kind of entry belongs to; undefined for the process as a whole. */
function sectionOf(kind: string): 'handles' | 'threads' | 'vaSpace' | 'process' | undefined {
  const path = kind.slice(kind.indexOf(' ') + 1)
  // Format 1.2: the socket tables belong to the handles; linuxProcess's files are soft errors of `process`.
  if (/^\/(fd|fdinfo|net)(\/|$)/.test(path)) return 'handles'
  if (/^\/(cmdline|cwd|root|limits|cgroup|ns\/.*)$/.test(path)) return 'process'
  if (/^\/task(\/|$)/.test(path)) return 'threads'
  if (/^\/(s?maps|root\/|map_files)/.test(path)) return 'vaSpace'
  return undefined
}

/**
 * Reads that may fail without a soft error, and why: each only refines an optional field or a choice.
 * - the executable's ELF header: target.architecture is omitted;
 * - a mapped image's header through map_files/ or root/: the next way is tried, then the fields stay absent;
 * - the exe link answering ENOENT while the process is there: a kernel thread, which has no image path;
 * - mountinfo: it only says which file systems answer from memory; without it every path target is stat'ed
 *   in the bounded helper (spec/LINUX.md §5.1) and typed all the same, and ELF headers are not read.
 */
const SILENT: readonly ((kind: string, code: string) => boolean)[] = [
  (k) => k === 'open /exe',
  // - the executable's stat: linuxProcess.executableDeleted is omitted (format 1.2);
  (k) => k === 'stat /exe',
  (k) => k === 'open /root/*',
  (k) => k === 'open /map_files/*',
  (k) => k === 'open /mountinfo',
  (k, code) => k === 'readlink /exe' && code === 'ENOENT',
  // A net table or namespace link the kernel does not have (no IPv6, no time namespace): nothing of it is held.
  (k, code) => (k.startsWith('open /net/') || k.startsWith('readlink /ns/')) && code === 'ENOENT',
]

let baseline: { kinds: string[]; archive: Archive }

describe('the clean capture the table is built from', () => {
  it('reads the process, its descriptors, threads and regions, with no soft error', async () => {
    state.seen.clear()
    const clean = await capture(state.pid, false)
    expect(clean.error).toBeUndefined()
    baseline = { kinds: [...state.seen].sort(), archive: clean.archive! }
    expect(baseline.archive.captureErrors).toEqual([])
    expect(baseline.archive.sectionNames.sort()).toEqual(['handles', 'threads', 'vaSpace'])
    // The process as a whole and every section were read through the wrapper (the table below is not empty).
    expect(baseline.kinds).toEqual(expect.arrayContaining(['open /stat', 'open /status', 'readlink /exe', 'scandir /fd', 'readlink /fd/N', 'scandir /task', 'open /task/N/stat']))
  })
})

describe.each(['EACCES', 'ENOENT'] as const)('every kind of /proc read failing with %s', (code) => {
  it('a typed error for the process as a whole, a soft error naming the path for a part of it', async () => {
    expect(baseline).toBeDefined()
    const rows: string[] = []
    for (const [i, kind] of baseline.kinds.entries()) {
      state.fail = { kind, code }
      const preexisting = i % 2 === 1
      const outcome = await capture(state.pid, preexisting)
      const section = sectionOf(kind)
      // The soft error names the entry read: its path starts with the kind's, up to the first numbered part.
      const path = `/proc/${state.pid}${kind.slice(kind.indexOf(' ') + 1).split('/N')[0]}`
      if (outcome.archive === undefined) {
        rows.push(`${kind}: ${(outcome.error as Error).message}`)
        // Only the process as a whole may stop the capture.
        expect(section, `${kind} stopped the capture: ${String(outcome.error)}`).toBeUndefined()
        const e: unknown = outcome.error
        if (e instanceof CaptureFailedError) {
          expect(e.code).toBe(code === 'ENOENT' ? 'NO_SUCH_PROCESS' : 'ACCESS_DENIED')
          expect(e.processId).toBe(state.pid)
          expect(e.message).toContain(String(state.pid))
        } else {
          expect((e as NodeJS.ErrnoException).code, kind).toBe(code)
          expect((e as NodeJS.ErrnoException).path, kind).toMatch(new RegExp(`^/proc/${state.pid}(/|$)`))
        }
        continue
      }
      const archive = outcome.archive
      rows.push(`${kind}: ${archive.captureErrors.map((x) => `${x.section}/${x.operation}/${x.name}`).join(', ') || 'complete, silent'}`)
      if (SILENT.some((rule) => rule(kind, code))) continue
      // A part failed: recorded with its path and errno, and the other sections are all there.
      expect(section, `${kind} completed: ${JSON.stringify(archive.captureErrors)}`).toBeDefined()
      expect(archive.captureErrors.length, kind).toBeGreaterThan(0)
      for (const e of archive.captureErrors) {
        expect(e, kind).toMatchObject({ section, name: code, code: code === 'EACCES' ? 13 : 2 })
        expect(e.message.startsWith(path), `${kind}: ${e.message}`).toBe(true)
      }
      for (const other of ['handles', 'threads', 'vaSpace'] as const) if (other !== section) expect(archive.sectionNames, kind).toContain(other)
    }
    // Every process-level read is in the table, and the table is what the report shows.
    expect(rows.length).toBe(baseline.kinds.length)
  })
})

describe('a process that exits for real in the middle of a capture', () => {
  it('killed when its descriptors are listed: a typed error or a complete archive with soft errors; never a partial file', async () => {
    const victim = await startChild()
    const pid = victim.pid!
    state.pid = pid
    const exited = new Promise((resolve) => victim.once('exit', resolve))
    try {
      state.onRead = {
        kind: 'scandir /fd',
        run: () => {
          process.kill(pid, 'SIGKILL')
          // Until the kernel has torn it down (a zombie, state Z, or gone): the rest of the capture sees that.
          for (let i = 0; i < 1e6; i++) {
            let stat = ''
            try {
              stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
            } catch {
              break
            }
            if (/\) [ZX] /.test(stat)) break
          }
        },
      }
      const outcome = await capture(pid, true)
      if (outcome.archive === undefined) {
        expect(outcome.error).toBeInstanceOf(CaptureFailedError)
        expect(outcome.error).toMatchObject({ code: 'NO_SUCH_PROCESS', processId: pid })
      } else {
        // What was read before the exit is kept, and the archive says the process exited while it was read
        // (its descriptor and thread lists may be empty: they must not read as a live process's).
        expect(outcome.archive.header.target.processId).toBe(pid)
        expect(outcome.archive.captureErrors).toContainEqual({ section: 'process', operation: 'read', code: 3, name: 'ESRCH', message: expect.stringMatching(new RegExp(`^/proc/${pid}/stat: the process exited during the capture`)) })
      }
    } finally {
      state.pid = child.pid!
      state.onRead = undefined
      victim.kill('SIGKILL')
      await exited
    }
  })
})
