// The format 1.1 fields a Linux capture fills (spec/LINUX.md, ARCHIVE.md §10.1): fd open flags and position
// from fdinfo, the scheduler state of each thread, resident / proportional / swapped sizes from smaps. The
// parsers on fixed text, then a real child whose descriptors have known flags and offsets.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { realpathSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureToFile } from '../capture/index.js'
import { formatMinorOf } from '../capture/linux/capture.js'
import { parseFdinfo } from '../capture/linux/handles.js'
import { parseMaps, parseSmaps } from '../capture/linux/regions.js'
import { NAME_TABLES, flagNames } from '../format/index.js'
import { openArchiveFile } from '../reader/node.js'

const SMAPS = `00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/dbus-daemon
Size:                328 kB
KernelPageSize:        4 kB
Rss:                 300 kB
Pss:                 150 kB
Shared_Clean:        300 kB
Swap:                  0 kB
VmFlags: rd ex mr mw me dw
7f0000000000-7f0000021000 rw-p 00000000 00:00 0 
Size:                132 kB
Rss:                   8 kB
Pss:                   8 kB
Swap:                 16 kB
7f0000100000-7f0000101000 rw-s 00000000 00:05 42      /dev/shm/a: b (deleted)
Rss:                   4 kB
`

describe('parsers', () => {
  it('smaps: each mapping with its Rss, Pss and Swap in bytes; paths with colons and spaces kept', () => {
    const m = parseSmaps(SMAPS)
    expect(m).toHaveLength(3)
    expect(m[0]).toMatchObject({ start: 0x400000n, end: 0x452000n, perms: 'r-xp', path: '/usr/bin/dbus-daemon', residentSize: 300n * 1024n, proportionalSize: 150n * 1024n, swappedSize: 0n })
    expect(m[1]).toMatchObject({ path: undefined, residentSize: 8192n, proportionalSize: 8192n, swappedSize: 16n * 1024n })
    expect(m[2]).toMatchObject({ path: '/dev/shm/a: b (deleted)', residentSize: 4096n })
    expect(m[2]!.swappedSize).toBeUndefined()
    // The same mappings as maps gives, sizes aside.
    const plain = parseMaps(SMAPS)
    expect(plain.map((x) => [x.start, x.end, x.path])).toEqual(m.map((x) => [x.start, x.end, x.path]))
  })

  it('fdinfo: octal flags, decimal position and mount id; other lines ignored; nothing invented when absent', () => {
    expect(parseFdinfo('pos:\t4096\nflags:\t02102002\nmnt_id:\t29\nino:\t1234\n')).toEqual({ filePosition: 4096n, openFlags: 0o2102002, mountId: 29 })
    expect(parseFdinfo('pos:\t0\nflags:\t02\n')).toEqual({ filePosition: 0n, openFlags: 0o2 })
    expect(parseFdinfo('eventfd-count: 0\n')).toEqual({})
  })

  it('declares format 1.1 only when an entry holds a 1.1 field', () => {
    expect(formatMinorOf({})).toBe(0)
    expect(formatMinorOf({ handles: [{ handle: 3n, objectName: '/x' }], threads: [{ threadId: 1 }] })).toBe(0)
    expect(formatMinorOf({ threads: [{ threadId: 1, schedulerState: 'S' }] })).toBe(1)
    expect(formatMinorOf({ vaSpace: [{ baseAddress: 0n, residentSize: 0n }] })).toBe(1)
  })
})

// The child opens one file read-write for appending and writes 10 bytes, one read-only and reads 3 bytes:
// fdinfo must show exactly those flags and offsets.
const CHILD = `
import { openSync, readSync, writeSync, writeFileSync } from 'node:fs'
const dir = process.argv[2]
writeFileSync(dir + '/read.txt', 'abcdefgh')
const appended = openSync(dir + '/append.txt', 'a+')
writeSync(appended, '0123456789')
const read = openSync(dir + '/read.txt', 'r')
readSync(read, Buffer.alloc(3), 0, 3, null)
process.stdout.write('ready\\n')
setInterval(() => {}, 1000)
`

describe.skipIf(process.platform !== 'linux')('a real capture fills the 1.1 fields', () => {
  let dir: string
  let child: ChildProcessWithoutNullStreams

  beforeAll(async () => {
    dir = realpathSync(await mkdtemp(join(tmpdir(), 'pssnap-11-')))
    await writeFile(join(dir, 'child.mjs'), CHILD)
    child = spawn(process.execPath, [join(dir, 'child.mjs'), dir], { stdio: 'pipe' })
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve())
      child.on('exit', (code) => reject(new Error(`child exited with ${code}`)))
    })
  })

  const captured = async (preset: string) => {
    const out = join(dir, `${preset}.pssnap`)
    await captureToFile(child.pid!, out, { preset })
    return out
  }

  afterAll(async () => {
    child?.kill()
    await rm(dir, { recursive: true, force: true })
  })

  it('writes a 1.1 archive with the descriptors\' flags and offsets, thread states and (preset full) region sizes', async () => {
    const out = join(dir, 'child.pssnap')
    await captureToFile(child.pid!, out, { preset: 'full' })
    const archive = await openArchiveFile(out)
    // Since format 1.2 every Linux capture holds the HEADER's linuxProcess (spec/LINUX.md §7, §9.5); since 1.3
    // one that reads the regions holds the whole maps line (§11).
    expect(archive.version).toEqual({ major: 1, minor: 3 })
    expect(archive.diagnostics).toEqual([])
    const handles = archive.handles.toArray()
    const byName = (suffix: string) => handles.find((h) => h.objectName?.endsWith(suffix))
    const flags = NAME_TABLES.LINUX_OPEN_FLAGS
    const appended = byName('/append.txt')!
    // O_CREAT acts at open only: the kernel keeps no trace of it.
    expect(flagNames(flags, appended.openFlags!).split('|')).toEqual(expect.arrayContaining(['RDWR', 'APPEND', 'CLOEXEC']))
    expect(appended.filePosition).toBe(10n)
    const read = byName('/read.txt')!
    expect(read.openFlags! & 0o3).toBe(0) // O_RDONLY
    expect(read.filePosition).toBe(3n)
    // Every descriptor of a live process has fdinfo.
    for (const h of handles) expect(h.openFlags, String(h.objectName)).toBeTypeOf('number')

    const threads = archive.threads.toArray()
    expect(threads.length).toBeGreaterThan(0)
    for (const t of threads) expect(t.schedulerState).toMatch(/^[RSDTtZXIPKWx]$/)

    const regions = archive.vaSpace.toArray()
    const node = regions.filter((r) => r.mappedFileName === realpathSync(process.execPath))
    expect(node.length).toBeGreaterThan(0)
    // The node binary's code is being executed, so some of it is resident; Pss never exceeds Rss.
    expect(node.reduce((sum, r) => sum + (r.residentSize ?? 0n), 0n)).toBeGreaterThan(0n)
    for (const r of regions) {
      expect(r.residentSize, r.mappedFileName).toBeTypeOf('bigint')
      expect(r.residentSize!).toBeLessThanOrEqual(r.regionSize!)
      expect(r.proportionalSize!).toBeLessThanOrEqual(r.residentSize!)
      expect(r.swappedSize).toBeTypeOf('bigint')
    }
  })

  it('default reads maps (no sizes) but fdinfo and states; memory adds sizes; regions and minimal hold no 1.1 field (1.2 for linuxProcess, 1.3 with regions)', async () => {
    const plain = await openArchiveFile(await captured('default'))
    expect(plain.version.minor).toBe(3)
    expect(plain.vaSpace.toArray().every((r) => r.residentSize === undefined)).toBe(true)
    expect(plain.handles.toArray().every((h) => typeof h.openFlags === 'number')).toBe(true)
    const memory = await openArchiveFile(await captured('memory'))
    expect(memory.version.minor).toBe(3)
    expect(memory.vaSpace.toArray().every((r) => typeof r.residentSize === 'bigint')).toBe(true)
    const regions = await openArchiveFile(await captured('regions'))
    expect(regions.version.minor).toBe(3)
    expect(regions.vaSpace.fields.filter((f) => ['residentSize', 'proportionalSize', 'swappedSize'].includes(f))).toEqual([])
    const minimal = join(dir, 'minimal.pssnap')
    await captureToFile(child.pid!, minimal, { preset: 'minimal' })
    const m = await openArchiveFile(minimal)
    expect(m.version.minor).toBe(2) // no regions read: no 1.3 column
    expect(m.header.linuxProcess?.commandLine?.length).toBeGreaterThan(0)
  })
})
