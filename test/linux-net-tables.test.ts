// The /proc/<pid>/net table parser on hostile and huge input (spec/LINUX.md §9.1): a unix path can hold a
// newline and forge a line for another socket's inode; a table past the bound is cut and the cut counted;
// path bytes that are not UTF-8 survive; addresses print as ss prints them. Linux-free: tables are files in
// a temporary directory.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { endianness, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { HandleEntry } from '../format/index.js'
import { ipv4OfHex, ipv6OfHex, joinSockets, parseNetLine } from '../capture/linux/net-tables.js'
import { SoftErrors } from '../capture/linux/soft-errors.js'
import { parseCommandLine, parseLimits } from '../capture/linux/process-info.js'
import { detailsOf, signalNames } from '../capture/linux/fdinfo.js'
import { parseIdFile } from '../capture/linux/users.js'

const LE = endianness() === 'LE'
/** An IPv4 address as the kernel prints it (the __be32 as a host-order hex integer). */
const hex4 = (a: string) => {
  const b = a.split('.').map(Number)
  const v = LE ? ((b[3]! << 24) | (b[2]! << 16) | (b[1]! << 8) | b[0]!) >>> 0 : ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0
  return v.toString(16).toUpperCase().padStart(8, '0')
}
const dir = mkdtempSync(join(tmpdir(), 'pssnap-net-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const UNIX_HEAD = 'Num       RefCount Protocol Flags    Type St Inode Path\n'
const unixLine = (inode: number, path: string, flags = '00000000', type = '0001', st = '03') => `0000000000000000: 00000002 00000000 ${flags} ${type} ${st} ${String(inode).padStart(5)} ${path}`
const sockets = (...inodes: number[]) => new Map(inodes.map((i) => [String(i), { objectName: `socket:[${i}]` } as HandleEntry]))

describe('net tables', () => {
  it('prints addresses as ss does', () => {
    expect(ipv4OfHex(hex4('127.0.0.1'))).toBe('127.0.0.1')
    expect(ipv4OfHex(hex4('10.20.30.40'))).toBe('10.20.30.40')
    // ::1 as four host-order words: the last word holds the 1 in its last byte.
    const word = (bytes: number[]) => (LE ? [...bytes].reverse() : bytes).map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase()
    const v6 = (bytes: number[]) => [0, 4, 8, 12].map((i) => word(bytes.slice(i, i + 4))).join('')
    expect(ipv6OfHex(v6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))).toBe('::1')
    expect(ipv6OfHex(v6(new Array(16).fill(0)))).toBe('::')
    expect(ipv6OfHex(v6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]))).toBe('2001:db8::1:0:0:1')
    expect(ipv6OfHex(v6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]))).toBe('::ffff:127.0.0.1')
  })

  it('joins tcp lines by inode, peer absent when all zeros', () => {
    const line = `   0: ${hex4('127.0.0.1')}:1F90 00000000:0000 0A 00000000:00000002 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0`
    expect(parseNetLine('tcp', line)).toEqual(['4242', { socket: { family: 'inet', protocol: 'tcp', localAddress: '127.0.0.1', state: 'LISTEN' }, inet: { localPort: 8080, remotePort: 0, sendQueue: 0, receiveQueue: 2 } }])
    expect(parseNetLine('tcp', '  sl  local_address rem_address   st tx_queue')).toBeUndefined()
  })

  it('a path that forges a line for another inode leaves both ambiguous, with a soft error', () => {
    const d = join(dir, 'forged')
    freshDir(d)
    // Socket 100's path holds a newline followed by a line claiming socket 200 is a listening /etc/victim.
    const forged = `/tmp/evil\n${unixLine(200, '/etc/victim', '00010000')}`
    writeFileSync(join(d, 'unix'), UNIX_HEAD + [unixLine(100, forged), unixLine(200, '/tmp/real', '00000000', '0002', '01')].join('\n') + '\n')
    const map = sockets(100, 200)
    const errors = new SoftErrors()
    joinSockets(0, map, errors, { dir: d })
    // The forger's own path was cut at its newline: not trusted either (it precedes the forged line).
    expect(map.get('100')!.linux?.socket).toEqual({ family: 'unix', protocol: 'stream', state: 'CONNECTED' })
    expect(map.get('200')!.linux).toBeUndefined()
    expect(errors.list).toHaveLength(2)
    expect(errors.list.every((e) => e.section === 'handles' && e.operation === 'read' && e.name === 'EBADMSG')).toBe(true)
    expect(errors.list[0]!.message).toContain('socket inode 200 is listed more than once')
    expect(errors.list[1]!.message).toContain('socket inode 100 comes just before a repeated inode')
  })

  it('a path whose newline leaves a line that does not parse is not trusted either', () => {
    const d = join(dir, 'broken')
    freshDir(d)
    writeFileSync(join(d, 'unix'), UNIX_HEAD + [unixLine(300, '@f\nno table line here'), unixLine(301, '/tmp/fine')].join('\n') + '\n')
    const map = sockets(300, 301)
    const errors = new SoftErrors()
    joinSockets(0, map, errors, { dir: d })
    expect(map.get('300')!.linux?.socket).toEqual({ family: 'unix', protocol: 'stream', state: 'CONNECTED' })
    expect(map.get('301')!.linux?.socket?.localAddress).toBe('/tmp/fine')
    expect(errors.list.map((e) => e.message)).toEqual([expect.stringContaining('socket inode 300 comes just before a line that does not parse')])
  })

  it('keeps path bytes that are not UTF-8 and abstract names as ss writes them', () => {
    const d = join(dir, 'bytes')
    freshDir(d)
    const bytes = Buffer.concat([Buffer.from(UNIX_HEAD + unixLine(7, '')), Buffer.from([0x2f, 0x74, 0xff, 0xfe]), Buffer.from('\n' + unixLine(8, '@abs@x') + '\n')])
    writeFileSync(join(d, 'unix'), bytes)
    const map = sockets(7, 8)
    joinSockets(0, map, new SoftErrors(), { dir: d })
    expect(map.get('7')!.linux?.socket?.localAddress).toBe('/t\uf7ff\uf7fe')
    expect(map.get('8')!.linux?.socket?.localAddress).toBe('@abs@x')
  })

  it('cuts a table past the bound, counts what was not parsed, and reads no table once every inode is found', () => {
    const d = join(dir, 'huge')
    freshDir(d)
    const lines = Array.from({ length: 20000 }, (_, i) => unixLine(1000 + i, `/s/${i}`))
    writeFileSync(join(d, 'unix'), UNIX_HEAD + lines.join('\n') + '\n')
    const map = sockets(1001, 19999)
    const errors = new SoftErrors()
    joinSockets(0, map, errors, { dir: d, maxBytes: 100_000 })
    expect(map.get('1001')!.linux?.socket?.localAddress).toBe('/s/1')
    expect(map.get('19999')!.linux).toBeUndefined() // beyond the bound
    expect(errors.list).toHaveLength(1)
    expect(errors.list[0]).toMatchObject({ name: 'EFBIG' })
    const total = Buffer.byteLength(UNIX_HEAD + lines.join('\n') + '\n')
    expect(errors.list[0]!.message).toContain(`${total - 100_000} bytes after it not parsed`)
  })
})

describe('process files and fdinfo', () => {
  it('parses limits, with unlimited as RLIM_INFINITY', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 524288               files     \nMax address space         unlimited            unlimited            bytes     \n'
    expect(parseLimits(text)).toEqual({ openFiles: { soft: 1024n, hard: 524288n }, addressSpace: { soft: (1n << 64n) - 1n, hard: (1n << 64n) - 1n } })
  })
  it('splits the command line at NUL, keeps bytes, and says when it was cut', () => {
    expect(parseCommandLine(Buffer.from('a\0b c\0\xff\0', 'latin1'))).toEqual({ args: ['a', 'b c', '\uf7ff'], complete: true })
    expect(parseCommandLine(Buffer.from('setproctitle without nul'))).toEqual({ args: ['setproctitle without nul'], complete: true })
    expect(parseCommandLine(Buffer.from('x\0'.repeat(5000))).complete).toBe(false)
  })
  it('names users by the first line of an id, skipping NIS and comments', () => {
    const m = parseIdFile(Buffer.from('#x:x:0:\nroot:x:0:0::/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\n+nis:x:5:\ncaf\xe9:x:1000:1000::/:/bin/sh\nbad:x:-1:\n', 'latin1'))
    expect([...m]).toEqual([
      [0, 'root'],
      [1000, 'caf\uf7e9'],
    ])
  })
  it('describes eventfd, timerfd, signalfd, inotify and memfd from fdinfo', () => {
    expect(detailsOf('EventFd', 'pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t1\neventfd-count:                a\neventfd-id: 3\neventfd-semaphore: 1\n', '')).toBe('count 10, id 3, semaphore')
    expect(detailsOf('TimerFd', 'clockid: 1\nticks: 2\nsettime flags: 01\nit_value: (0, 5)\nit_interval: (1, 0)\n', '')).toBe('clock monotonic, ticks 2, value 0.000000005s, interval 1.000000000s')
    expect(signalNames('0000000000004200')).toBe('SIGUSR1|SIGTERM')
    expect(signalNames('0000000200000000')).toBe('SIGRTMIN+0')
    const watches = Array.from({ length: 20 }, (_, i) => `inotify wd:${i + 1} ino:a sdev:800013 mask:300 ignored_mask:0`).join('\n')
    const d = detailsOf('Inotify', `pos:\t0\n${watches}\n`, '')!
    expect(d.startsWith('watches 20, wd 1 ino a dev 800013 mask 0x300')).toBe(true)
    expect(d.endsWith('… 4 more')).toBe(true)
    expect(detailsOf('Memfd', '', '/memfd:my name (deleted)')).toBe('my name')
    expect(detailsOf('File', 'eventfd-count: 1', '/x')).toBeUndefined()
  })
})

function freshDir(d: string): void {
  rmSync(d, { recursive: true, force: true })
  mkdirSync(d, { recursive: true })
}
