// The reader side of issue 16 on the linux-lsof golden fixture (format 1.2): Linux handle tables show a
// socket as ss does, regions show their labels, `--where` reaches every new field, `info` shows the process,
// and redaction replaces every new string with keyed pseudonyms that still pair across a redacted pair.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { MemorySink, type HandleEntry } from '../format/index.js'
import { linuxProcessRows } from '../cli/linux-process-info.js'
import type { Archive } from '../reader/archive.js'
import { diffArchives } from '../reader/diff.js'
import { openArchive } from '../reader/index.js'
import { compileQuery, filterSection } from '../reader/query.js'
import { redactArchive } from '../reader/redact/redact.js'
import { selectColumns, tableCells, tableLayout } from '../reader/text.js'
import { linuxLsofSnapshot } from './synthetic/linux-lsof.js'
import { snapshotBytes } from './synthetic/generate.js'

const FIXTURE = new Uint8Array(readFileSync(new URL('../spec/fixtures/linux-lsof.pssnap', import.meta.url)))
const KEY = new TextEncoder().encode('issue-16-key')

async function redact(a: Archive, key = KEY): Promise<Archive> {
  const sink = new MemorySink()
  await redactArchive(a, sink, { key, redactedAt: '2026-12-02T00:00:00.000Z' })
  return openArchive(sink.bytes())
}

function cells(a: Archive, section: 'handles' | 'vaSpace', column: string): string[] {
  const cols = selectColumns(section, column, { platform: 'linux', forTable: true, present: a.section(section)!.fields })
  const rows = a.section(section)!.toArray() as object[]
  const layout = tableLayout(cols, rows)
  return rows.map((r) => tableCells(cols, layout, r)[0]!.trimEnd())
}

const where = (a: Archive, section: 'handles' | 'vaSpace', q: string) => filterSection(a.section(section)! as unknown as Iterable<object>, compileQuery(q, { section })).length

describe('linux-lsof fixture (format 1.2)', () => {
  it('shows sockets as ss does and regions with their labels', async () => {
    const a = await openArchive(FIXTURE)
    expect(a.version.minor).toBe(2)
    expect(cells(a, 'handles', 'objectName')).toEqual([
      '/dev/null',
      'tcp 0.0.0.0:8080 LISTEN',
      'tcp 192.0.2.10:8080 → 198.51.100.23:51234 ESTABLISHED',
      'udp [::]:5353 CLOSE',
      'unix stream /run/relay/ctl-\\uf7ff.sock LISTEN',
      'unix dgram @relay-notify UNCONNECTED',
      'unix stream CONNECTED',
      'netlink route port 51377',
      'socket:[91008]', // in no table: the link as read
      '/var/spool/relay/q-17.tmp (deleted)',
      '/var/spool/relay/named (deleted)',
      '/memfd:relay-jit (deleted)',
      'anon_inode:[eventfd]',
      'anon_inode:[timerfd]',
      'anon_inode:[signalfd]',
      'anon_inode:inotify',
    ])
    expect(cells(a, 'vaSpace', 'mappedFileName')).toEqual(['/opt/relay/bin/relay', '[heap]', '[anon:relay arena]', '/var/spool/relay/q-17.tmp (deleted)', '/memfd:relay-jit (deleted)', '[stack]', '[vdso]'])
    // CSV and JSON keep the stored values (the link), only tables describe.
    expect(selectColumns('handles', 'objectName', { platform: 'linux' })[0]!.field.get(a.handles.get(2)!)).toBe('socket:[91002]')
  })

  it('--where reaches every new field', async () => {
    const a = await openArchive(FIXTURE)
    expect(where(a, 'handles', 'linux.socket.state = LISTEN')).toBe(2)
    expect(where(a, 'handles', "linux.socket.family = unix and linux.socket.localAddress ~ /^@/")).toBe(1)
    expect(where(a, 'handles', 'linux.inet.remotePort = 51234 and linux.inet.sendQueue > 1000')).toBe(1)
    expect(where(a, 'handles', "linux.socket.remoteAddress = '198.51.100.23'")).toBe(1)
    expect(where(a, 'handles', 'linux.file.deleted = 1')).toBe(2)
    expect(where(a, 'handles', 'linux.file.deleted = 0')).toBe(2) // /dev/null and the live "named (deleted)"
    expect(where(a, 'handles', 'details ~ SIGTERM')).toBe(1)
    expect(where(a, 'vaSpace', 'mappingLabel ~ /^\\[anon:/')).toBe(1)
    expect(where(a, 'vaSpace', 'linux.file.deleted = 1')).toBe(2)
  })

  it('info shows the command line, cwd, user and limits', async () => {
    const a = await openArchive(FIXTURE)
    const rows = Object.fromEntries(linuxProcessRows(a.header.linuxProcess!))
    expect(rows['command line']).toBe('/opt/relay/bin/relay --listen=0.0.0.0:8080 --spool /var/spool/relay/caf\\uf7e9')
    expect(rows.cwd).toBe('/var/lib/relay')
    expect(rows.root).toBeUndefined() // `/` is not worth a line
    expect(rows.user).toBe('relay (998)')
    expect(rows.group).toBe('relay (997)')
    expect(rows['open files limit']).toBe('65536 (hard 524288)')
    expect(rows['address space limit']).toBe('unlimited (hard unlimited)')
    const hostile = linuxProcessRows({ commandLine: ['evil', 'a\nfake: line\u001b[31m'], userName: 'x\u0007' })
    expect(hostile.map(([, v]) => v ?? '').join('')).not.toMatch(/[\n\u0007\u001b]/)
  })

  it('redacts every new string, and a redacted pair still pairs its sockets', async () => {
    const a = await openArchive(FIXTURE)
    const r = await redact(a)
    const text = Buffer.from(await (async () => {
      const s = new MemorySink()
      await redactArchive(a, s, { key: KEY, redactedAt: '2026-12-02T00:00:00.000Z' })
      return s.bytes()
    })()).toString('latin1')
    for (const secret of ['relay', '192.0.2.10', '198.51.100.23', 'ctl-', 'relay-notify', 'q-17', '--listen', '8080', 'arena', 'system.slice', 'relay-jit']) expect(text, secret).not.toContain(secret)
    const h = r.handles.toArray()
    expect(h[2]!.linux!.socket).toMatchObject({ family: 'inet', protocol: 'tcp', state: 'ESTABLISHED', localAddress: expect.stringMatching(/^10\.\d+\.\d+\.\d+$/), remoteAddress: expect.stringMatching(/^10\.\d+\.\d+\.\d+$/) })
    expect(h[2]!.linux!.inet).toEqual(a.handles.get(2)!.linux!.inet) // ports and queues are numbers: kept
    expect(h[1]!.linux!.socket!.localAddress).toBe('0.0.0.0')
    expect(h[5]!.linux!.socket!.localAddress).toMatch(/^@n-[0-9a-f]{10}$/)
    expect(r.header.linuxProcess!.userName).toMatch(/^user-[0-9a-f]{10}$/)
    expect(r.header.linuxProcess!.limits).toEqual(a.header.linuxProcess!.limits)
    expect(r.vaSpace.toArray().map((v) => v.mappingLabel)).toEqual([undefined, '[heap]', expect.stringMatching(/^\[anon:n-[0-9a-f]{10}\]$/), undefined, undefined, '[stack]', '[vdso]'])
    expect(r.header.redaction!.fields).toEqual(expect.arrayContaining(['handles.linux.socket.localAddress', 'handles.linux.socket.remoteAddress', 'linuxProcess.commandLine', 'linuxProcess.userName']))

    // A later capture: the established connection closed, a new one from the same peer on another fd.
    const later = linuxLsofSnapshot()
    const conn = later.sections.handles.find((x) => x.handle === 4n)!
    later.sections.handles = later.sections.handles.filter((x) => x !== conn)
    const again: HandleEntry = { ...conn, handle: 18n, objectName: 'socket:[91010]', linux: { socket: { ...conn.linux!.socket! }, inet: { ...conn.linux!.inet!, remotePort: 51300 } } }
    later.sections.handles.push(again)
    later.header.handleInformation = { handlesCaptured: later.sections.handles.length }
    const b = await openArchive(await snapshotBytes(later, { compression: 'none', formatMinor: 2 }))
    const original = diffArchives(a, b)
    const rb = await redact(b)
    const redacted = diffArchives(r, rb)
    expect(redacted.handles.added.length).toBe(original.handles.added.length)
    expect(redacted.handles.removed.length).toBe(original.handles.removed.length)
    // One key: the same peer has the same pseudonym in both redacted archives.
    const peer = (x: Archive, fd: bigint) => x.handles.toArray().find((e) => e.handle === fd)!.linux!.socket!.remoteAddress
    expect(peer(rb, 18n)).toBe(peer(r, 4n))
    // Another key: another pseudonym.
    expect(peer(await redact(b, new TextEncoder().encode('other')), 18n)).not.toBe(peer(r, 4n))
  })
})
