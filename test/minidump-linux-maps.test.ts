// LinuxMaps from the format 1.3 region columns (issue 15, spec/MINIDUMP.md §2, spec/LINUX.md §11): the golden
// fixture linux-maps.pssnap gives the maps text typed out by hand in test/synthetic/linux-maps.ts, byte for
// byte; an archive without the columns (1.2 and older, or one chunk without them) gets no LinuxMaps; a hostile
// name cannot add a line. The real-process check against /proc/<pid>/maps, obj2yaml and lldb is in
// test/minidump.test.ts.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { VaSpaceEntry } from '../format/index.js'
import { writeMinidump } from '../minidump/index.js'
import { openArchive } from '../reader/index.js'
import { redactArchive } from '../reader/redact/redact.js'
import { selectColumns } from '../reader/text.js'
import { MemorySink } from '../format/index.js'
import { snapshotBytes } from './synthetic/generate.js'
import { linuxMapsSnapshot, MAPS_TEXT } from './synthetic/linux-maps.js'

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../spec/fixtures/${name}.pssnap`, import.meta.url)))

/** The stream of `type` in a minidump, read by hand from the directory (MINIDUMP_HEADER, MINIDUMP_DIRECTORY). */
function stream(dump: Uint8Array, type: number): Uint8Array | undefined {
  const v = new DataView(dump.buffer, dump.byteOffset, dump.byteLength)
  const n = v.getUint32(8, true)
  const dir = v.getUint32(12, true)
  for (let i = 0; i < n; i++) {
    if (v.getUint32(dir + 12 * i, true) !== type) continue
    const size = v.getUint32(dir + 12 * i + 4, true)
    const rva = v.getUint32(dir + 12 * i + 8, true)
    return dump.subarray(rva, rva + size)
  }
  return undefined
}
const MD_LINUX_MAPS = 0x47670009

describe('the minidump as parts (what export writes) and as one array', () => {
  it('parts, one after another, are the bytes: contexts and memory by reference, in place', async () => {
    for (const name of ['small', 'medium', 'minimal', 'linux-maps']) {
      const archive = await openArchive(fixture(name))
      const dump = writeMinidump(archive)
      const joined = Buffer.concat(dump.parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)))
      expect(joined.length).toBe(dump.length)
      expect(Buffer.compare(joined, Buffer.from(dump.bytes))).toBe(0)
      // The parts are still right after the joined array was made (it copies into its own buffer only).
      expect(Buffer.compare(Buffer.concat(dump.parts.map((p) => Buffer.from(p))), Buffer.from(writeMinidump(archive).bytes))).toBe(0)
    }
  })
})

describe('LinuxMaps (format 1.3 regions)', () => {
  it('the linux-maps fixture gives the maps text as the kernel prints it, byte for byte', async () => {
    const archive = await openArchive(fixture('linux-maps'))
    expect(archive.version).toEqual({ major: 1, minor: 3 })
    const { bytes, summary } = writeMinidump(archive)
    expect(summary.streams).toContain('LinuxMaps')
    const text = stream(bytes, MD_LINUX_MAPS)!
    // The path's byte 0xE9 (not UTF-8, stored as U+F7E9) is the byte again, as in the kernel's text.
    expect(Buffer.from(text)).toEqual(Buffer.from(MAPS_TEXT, 'latin1'))
  })

  it('redact keeps the five columns (numbers: spec/REDACTION.md §3), so a redacted archive exports LinuxMaps with its redacted paths', async () => {
    const archive = await openArchive(fixture('linux-maps'))
    const sink = new MemorySink()
    await redactArchive(archive, sink, { key: new TextEncoder().encode('k'), redactedAt: '2026-12-03T00:00:00.000Z' })
    const redacted = await openArchive(sink.bytes())
    expect(redacted.version).toEqual({ major: 1, minor: 3 })
    const text = Buffer.from(stream(writeMinidump(redacted).bytes, MD_LINUX_MAPS)!).toString('latin1')
    const lines = text.split('\n')
    const want = MAPS_TEXT.split('\n')
    expect(lines.length).toBe(want.length)
    // Every line's first 73 characters (range, perms, offset, device, inode, padding) are the original's.
    lines.forEach((l, i) => expect(l.slice(0, 73)).toBe(want[i]!.slice(0, 73)))
    expect(text).not.toContain('index.db')
    expect(text).not.toContain('mapd arena')
  })

  it('a 1.2 archive (no offset, device or inode) gets no LinuxMaps: absent is never faked', async () => {
    for (const name of ['linux-lsof', 'linux-small']) {
      const archive = await openArchive(fixture(name))
      const { bytes, summary } = writeMinidump(archive)
      expect(summary.platform).toBe('linux')
      expect(summary.streams).not.toContain('LinuxMaps')
      expect(stream(bytes, MD_LINUX_MAPS)).toBeUndefined()
    }
  })

  it('one chunk of regions without the columns: no LinuxMaps at all (no partial map)', async () => {
    const snapshot = linuxMapsSnapshot()
    const strip = ({ fileOffset: _o, deviceMajor: _ma, deviceMinor: _mi, inode: _i, mapsPermissions: _p, ...rest }: VaSpaceEntry): VaSpaceEntry => rest
    snapshot.sections.vaSpace = snapshot.sections.vaSpace.map((r, i) => (i >= 10 ? strip(r) : r))
    const archive = await openArchive(await snapshotBytes(snapshot, { compression: 'none', formatMinor: 3, chunkEntries: 10 }))
    expect(archive.vaSpace.spans('inode').length).toBe(2)
    expect(writeMinidump(archive).summary.streams).not.toContain('LinuxMaps')
  })

  it('a hostile archive whose rows repeat one long name: LinuxMaps left out before any text is made, said in the summary', async () => {
    const snapshot = linuxMapsSnapshot()
    const long = `/${'x'.repeat(200_000)}`
    const row = { ...snapshot.sections.vaSpace[0]!, mappedFileName: long }
    // 2,000 rows × 200 kB names: 400 MB of maps text from one 200 kB dictionary string (the archive stays small).
    snapshot.sections.vaSpace = Array.from({ length: 2000 }, (_, i) => ({ ...row, baseAddress: row.baseAddress! + BigInt(i) * 0x1000n }))
    const bytes = await snapshotBytes(snapshot, { compression: 'none', formatMinor: 3, chunkEntries: 4096 })
    expect(bytes.length).toBeLessThan(1 << 20)
    const started = performance.now()
    const { summary, length } = writeMinidump(await openArchive(bytes))
    expect(summary.streams).not.toContain('LinuxMaps')
    expect(summary.linuxMapsTooLarge).toBe(true)
    expect(length).toBeLessThan(4 << 20)
    expect(performance.now() - started).toBeLessThan(20_000)
  })

  it('a name holding a newline (never from the kernel, which writes \\012) stays on its line', async () => {
    const snapshot = linuxMapsSnapshot()
    snapshot.sections.vaSpace[0] = { ...snapshot.sections.vaSpace[0]!, mappedFileName: '/x\n7f0000000000-7f0000001000 rwxp 00000000 00:00 0 /forged' }
    const archive = await openArchive(await snapshotBytes(snapshot, { compression: 'none', formatMinor: 3 }))
    const text = new TextDecoder().decode(stream(writeMinidump(archive).bytes, MD_LINUX_MAPS))
    expect(text.split('\n').length).toBe(MAPS_TEXT.split('\n').length)
    expect(text).toContain('/x\\0127f0000000000-7f0000001000 rwxp')
  })
})

describe('perms in tables from mapsPermissions (format 1.3)', () => {
  it('shows the kernel\'s letters: r--s and -w-p where protect alone gives r--? and rw-p', async () => {
    const archive = await openArchive(fixture('linux-maps'))
    const [perms] = selectColumns('vaSpace', 'perms', { platform: 'linux', forTable: true })
    const shown = archive.vaSpace.toArray().map((r) => perms!.field.get(r))
    // The letters of MAPS_TEXT, column 27–30 of each line (typed out by hand).
    expect(shown).toEqual(MAPS_TEXT.split('\n').slice(0, -1).map((l) => l.split(' ')[1]))
    // Without the 1.3 column, the 1.2 rule: protect and type cannot tell r--s from r--p.
    const { mapsPermissions: _drop, ...older } = archive.vaSpace.get(6)!
    expect(perms!.field.get(older)).toBe('r--?')
  })
})

