// The descriptor walk's lean reads (issue 16's bench): fdinfo is parsed from its bytes, read into one reused
// buffer. The byte parser must say what the text parser says (open flags, position, mount) for any ASCII text,
// and the reader must return whole files, also those longer than its buffer.
import { execFileSync, spawn } from 'node:child_process'
import { openSync, closeSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { parseFdinfo, parseFdinfoBytes, readHandles } from '../capture/linux/handles.js'
import { SoftErrors } from '../capture/linux/soft-errors.js'
import { heldBytes, readSmall, readSmallLength, textOf } from '../capture/linux/small-read.js'
import { fieldAt } from '../capture/linux/net-tables.js'

const dir = mkdtempSync(join(tmpdir(), 'pssnap-fdinfo-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const bytes = (text: string) => Buffer.from(text, 'latin1')
const head = (text: string) => {
  const { inode: _, ...rest } = parseFdinfoBytes(bytes(text))
  return rest
}

describe('parseFdinfoBytes', () => {
  it('reads what the kernel writes, ino included', () => {
    expect(parseFdinfoBytes(bytes('pos:\t4096\nflags:\t02102002\nmnt_id:\t29\nino:\t1234\n'))).toEqual({ filePosition: 4096n, openFlags: 0o2102002, mountId: 29, inode: 1234 })
    expect(parseFdinfoBytes(bytes('pos:\t0\nflags:\t02000002\nmnt_id:\t10\nino:\t2487898\nscm_fds: 0\n'))).toEqual({ filePosition: 0n, openFlags: 0o2000002, mountId: 10, inode: 2487898 })
    // Before Linux 5.14 there is no ino line; a huge one is not kept (it names no inode exactly as a double).
    expect(parseFdinfoBytes(bytes('pos:\t0\nflags:\t02\nmnt_id:\t29\neventfd-count: 0\n'))).toEqual({ filePosition: 0n, openFlags: 0o2, mountId: 29 })
    expect(parseFdinfoBytes(bytes('pos:\t0\nflags:\t02\nmnt_id:\t29\nino:\t18446744073709551615\n'))).toEqual({ filePosition: 0n, openFlags: 0o2, mountId: 29 })
    // Positions past 2^53 stay exact.
    expect(parseFdinfoBytes(bytes('pos:\t9223372036854775807\n')).filePosition).toBe(9223372036854775807n)
  })

  it('agrees with parseFdinfo on any ASCII text', () => {
    const key = fc.constantFrom('pos', 'flags', 'mnt_id', 'ino', 'po', 'posx', 'flag', 'mnt_idx', 'eventfd-count', '')
    const value = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String),
      fc.bigInt({ min: 0n, max: 2n ** 40n }).map((v) => `0${v.toString(8)}`),
      fc.stringMatching(/^[ \t\r\v\f0-9a-z:-]{0,24}$/),
    )
    const line = fc.oneof(
      fc.tuple(key, fc.constantFrom(':', ':\t', ': ', ''), value, fc.constantFrom('', ' ', '\t', '\r')).map(([k, c, v, t]) => `${k}${c}${v}${t}`),
      fc.stringMatching(/^[\x20-\x7e\t]{0,30}$/),
    )
    const text = fc.tuple(fc.array(line, { maxLength: 8 }), fc.boolean()).map(([lines, nl]) => lines.join('\n') + (nl ? '\n' : ''))
    fc.assert(
      fc.property(text, (t) => {
        expect(head(t)).toEqual(parseFdinfo(t))
      }),
      { numRuns: 1500 },
    )
  })
})

describe('fieldAt (net tables: the inode looked at before a line is parsed)', () => {
  it('is the field trim and split(/\\s+/) give, on any Latin-1 line', () => {
    const ch = fc.constantFrom(' ', '\t', '\n', '\v', '\f', '\r', '\xa0', '\x85', '\x00', 'a', '0', ':', 'F', '\xff')
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 40 }).map((a) => a.join('')), fc.nat(12), (line, n) => {
        expect(fieldAt(line, n)).toBe(line.trim() === '' ? undefined : line.trim().split(/\s+/)[n])
      }),
      { numRuns: 2000 },
    )
    expect(fieldAt('   0: 0100007F:A4A3 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 27159 1 0000', 9)).toBe('27159')
  })
})

describe('readSmall', () => {
  it('returns whole files, short and longer than its buffer, and textOf decodes as readText does', () => {
    const big = Buffer.alloc(200_000)
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 9)) & 0xff
    writeFileSync(join(dir, 'big'), big)
    writeFileSync(join(dir, 'small'), 'pos:\t0\n')
    expect(Buffer.compare(readSmall(join(dir, 'big')), big)).toBe(0)
    expect(readSmall(join(dir, 'small')).toString('latin1')).toBe('pos:\t0\n')
    // The kept buffer is reused after a long file: still the short file only.
    expect(readSmall(join(dir, 'small')).length).toBe(7)
    const fd = openSync(join(dir, 'small'), 'r')
    try {
      expect(readSmall(`/proc/self/fdinfo/${fd}`).toString('latin1')).toBe(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'))
    } finally {
      closeSync(fd)
    }
    expect(textOf(Buffer.from('caf\xe9 \xff', 'latin1'))).toBe('caf\uf7e9 \uf7ff')
    expect(textOf(Buffer.from('café', 'utf8'))).toBe('café')
    expect(() => readSmall(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'ENOENT' }))
  })

  it('readSmallLength gives the length and leaves the bytes in heldBytes; parseFdinfoBytes reads only that length', () => {
    writeFileSync(join(dir, 'long-info'), 'pos:\t4096\nflags:\t02\nmnt_id:\t29\nino:\t77\n')
    writeFileSync(join(dir, 'short-info'), 'pos:\t5\n')
    expect(readSmallLength(join(dir, 'long-info'))).toBe(39)
    // The short file leaves the long one's tail in the buffer: only its own length is parsed.
    const n = readSmallLength(join(dir, 'short-info'))
    expect(n).toBe(7)
    expect(heldBytes().toString('latin1', 0, n)).toBe('pos:\t5\n')
    expect(parseFdinfoBytes(heldBytes(), n)).toEqual({ filePosition: 5n })
    expect(parseFdinfoBytes(heldBytes())).toMatchObject({ openFlags: 2, mountId: 29 })
  })
})

// Descriptors of one open file are stat'ed once (same live name, mount and inode): every descriptor must still
// get the type coreutils' stat gives it, also a name now naming another file (the old one shows as deleted).
const HOLDER = `
import os, sys
d = sys.argv[1]
keep = [os.open('/dev/null', os.O_RDONLY) for _ in range(5)]
keep += [os.open(d, os.O_RDONLY) for _ in range(3)]
open(d + '/f', 'w').close()
keep += [os.open(d + '/f', os.O_RDONLY) for _ in range(3)]
os.unlink(d + '/f'); os.mkdir(d + '/f')
keep += [os.open(d + '/f', os.O_RDONLY) for _ in range(2)]
r, w = os.pipe(); keep += [r, w]
print('ready', flush=True)
sys.stdin.read()
`
const KIND: Record<string, string> = { 'character special file': 'CharacterDevice', directory: 'Directory', 'regular file': 'File', 'regular empty file': 'File', fifo: 'Pipe', socket: 'Socket' }

describe.skipIf(process.platform !== 'linux')('the walk on a real process', () => {
  it('types each descriptor as stat(1) does, many sharing one file', async () => {
    const child = spawn('python3', ['-c', HOLDER, dir], { stdio: ['pipe', 'pipe', 'inherit'] })
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve())
        child.once('exit', (code) => reject(new Error(`holder exited (${code})`)))
      })
      const pid = child.pid!
      const errors = new SoftErrors()
      const walk = readHandles(pid, errors)
      expect(errors.list).toEqual([])
      expect(walk.untyped).toEqual([])
      const fds = readdirSync(`/proc/${pid}/fd`)
      const kinds = execFileSync('stat', ['-L', '-c', '%F', ...fds.map((fd) => `/proc/${pid}/fd/${fd}`)], { encoding: 'utf8' }).trim().split('\n')
      const ours = new Map(walk.handles.map((h) => [String(h.handle), h]))
      // Ascending (Node lists 0, 1, 10, 11, …, 2, …), each entry read from its own descriptor.
      expect(walk.handles.map((h) => Number(h.handle))).toEqual(fds.map(Number).sort((a, b) => a - b))
      expect(fds.length).toBeGreaterThan(10)
      for (const h of walk.handles) expect(h.objectName).toBe(readlinkSync(`/proc/${pid}/fd/${h.handle}`))
      fds.forEach((fd, i) => expect([fd, ours.get(fd)?.typeName]).toEqual([fd, KIND[kinds[i]!]]))
      const named = (suffix: string) => walk.handles.filter((h) => h.objectName?.endsWith(suffix)).map((h) => h.typeName)
      expect(named('/dev/null')).toEqual(Array(5).fill('CharacterDevice'))
      expect(named('/f (deleted)')).toEqual(Array(3).fill('File'))
      expect(named('/f')).toEqual(Array(2).fill('Directory'))
    } finally {
      child.kill()
    }
  }, 30_000)
})
