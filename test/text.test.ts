// Text rendering for tables and CSV (reader/text.ts): each field kind, columns, table layout, CSV quoting.
import { describe, expect, it } from 'vitest'
import type { VaSpaceEntry } from '../format/fields.js'
import { resolveField } from '../reader/access.js'
import { ft } from './helpers/values.js'
import {
  csvCells,
  csvRecord,
  DEFAULT_COLUMNS,
  formatAddress,
  formatDuration,
  formatHex,
  formatNamed,
  formatSize,
  formatTime,
  formatValue,
  matchText,
  renderTable,
  selectColumns,
  tableCells,
  tableHeader,
  tableLayout,
  tableLine,
  tableRows,
} from '../reader/text.js'
import { cutCell, fitLayout } from '../reader/text.js'


describe('values by kind', () => {
  it('addresses: 0x and 16 zero-padded hex digits, or fewer on request', () => {
    expect(formatAddress(0x7ff612345678n)).toBe('0x00007ff612345678')
    expect(formatAddress(0n)).toBe('0x0000000000000000')
    expect(formatAddress(0xffffffffffffffffn)).toBe('0xffffffffffffffff')
    expect(formatAddress(0x1a8, 4)).toBe('0x01a8')
    expect(formatAddress(0x12345n, 2)).toBe('0x12345')
    expect(formatValue({ kind: 'addr' }, 0x7ff612345678n)).toBe('0x00007ff612345678')
    expect(formatValue({ kind: 'addr' }, 0x7ff612345678n, { mode: 'csv' })).toBe('0x00007ff612345678')
  })

  it('sizes: binary units in tables, exact bytes in CSV', () => {
    expect(formatSize(0)).toBe('0 B')
    expect(formatSize(512)).toBe('512 B')
    expect(formatSize(1023)).toBe('1023 B')
    expect(formatSize(1024)).toBe('1 KiB')
    expect(formatSize(65536n)).toBe('64 KiB')
    expect(formatSize(1536 * 1024)).toBe('1.5 MiB')
    expect(formatSize(0x7ffe0000n)).toBe('2 GiB')
    expect(formatSize(2n ** 40n * 3n)).toBe('3 TiB')
    expect(formatSize(2n ** 64n - 1n)).toBe('16 EiB')
    expect(formatSize(-2048)).toBe('-2 KiB')
    expect(formatValue({ kind: 'size' }, 65536n)).toBe('64 KiB')
    expect(formatValue({ kind: 'size' }, 65536n, { mode: 'csv' })).toBe('65536')
    expect(formatValue({ kind: 'size' }, 4096, { mode: 'csv' })).toBe('4096')
  })

  it('times: ISO-8601, empty for 0', () => {
    const ticks = ft('2026-11-25T12:00:00.125Z')
    expect(formatTime(ticks)).toBe('2026-11-25T12:00:00.125Z')
    expect(formatTime(0n)).toBe('')
    expect(formatValue({ kind: 'time' }, ticks)).toBe('2026-11-25T12:00:00.125Z')
    expect(formatValue({ kind: 'time' }, 0n)).toBe('')
    expect(formatValue({ kind: 'time' }, 0n, { mode: 'csv' })).toBe('')
  })

  it('durations: seconds with 3 decimals, rounded from exact ticks', () => {
    expect(formatDuration(0n)).toBe('0.000')
    expect(formatDuration(1_250_000n)).toBe('0.125')
    expect(formatDuration(10_000_000n)).toBe('1.000')
    expect(formatDuration(36_000_000_005_000n)).toBe('3600000.001')
    expect(formatDuration(4_999n)).toBe('0.000')
    expect(formatDuration(5_000n)).toBe('0.001')
    expect(formatValue({ kind: 'dur' }, 1_250_000n)).toBe('0.125s')
    expect(formatValue({ kind: 'dur' }, 1_250_000n, { mode: 'csv' })).toBe('0.125')
  })

  it('enums by short name, unknown values as their number', () => {
    expect(formatValue({ kind: 'enum', names: 'PSS_OBJECT_TYPE' }, 5)).toBe('SECTION')
    expect(formatValue({ kind: 'enum', names: 'MEM_STATE' }, 0x1000)).toBe('COMMIT')
    expect(formatValue({ kind: 'enum', names: 'MEM_TYPE' }, 0x1000000)).toBe('IMAGE')
    expect(formatValue({ kind: 'enum', names: 'PSS_OBJECT_TYPE' }, 99)).toBe('99')
    expect(formatValue({ kind: 'enum', names: 'MEM_TYPE' }, 0)).toBe('0')
    expect(formatValue({ kind: 'enum', names: 'MEM_STATE' }, 0x1000, { mode: 'csv' })).toBe('COMMIT')
  })

  it('flags in ascending bit order, leftover bits in hex, the zero name for 0', () => {
    expect(formatValue({ kind: 'flags', names: 'PAGE_PROTECTION' }, 0x104)).toBe('READWRITE|GUARD')
    expect(formatValue({ kind: 'flags', names: 'PAGE_PROTECTION' }, 0x20)).toBe('EXECUTE_READ')
    expect(formatValue({ kind: 'flags', names: 'PAGE_PROTECTION' }, 0x40000004)).toBe('READWRITE|TARGETS_INVALID')
    expect(formatValue({ kind: 'flags', names: 'PAGE_PROTECTION' }, 0x1004)).toBe('READWRITE|0x1000')
    expect(formatValue({ kind: 'flags', names: 'PAGE_PROTECTION' }, 0)).toBe('0')
    expect(formatValue({ kind: 'flags', names: 'PSS_THREAD_FLAGS' }, 0)).toBe('NONE')
    expect(formatValue({ kind: 'flags', names: 'PSS_HANDLE_FLAGS' }, 0xf)).toBe('HAVE_TYPE|HAVE_NAME|HAVE_BASIC_INFORMATION|HAVE_TYPE_SPECIFIC_INFORMATION')
    expect(formatNamed('PSS_CAPTURE_FLAGS', 0x80000085)).toBe('CAPTURE_VA_CLONE|CAPTURE_HANDLES|CAPTURE_THREADS|CREATE_RELEASE_SECTION')
  })

  it('names multi-bit CONTEXT flags that share the architecture bit', () => {
    // CONTEXT_CONTROL = CONTEXT_AMD64|1 and so on: each is named once, AMD64 is implied.
    expect(formatNamed('CONTEXT_FLAGS_X64', 0x10000b)).toBe('CONTROL|INTEGER|FLOATING_POINT')
    expect(formatNamed('CONTEXT_FLAGS_X64', 0x100000)).toBe('AMD64')
    expect(formatNamed('CONTEXT_FLAGS_X64', 0x100001)).toBe('CONTROL')
    expect(formatNamed('CONTEXT_FLAGS_X64', 0x10000b, false)).toBe('CONTEXT_CONTROL|CONTEXT_INTEGER|CONTEXT_FLOATING_POINT')
  })

  it('hex, int, text, blobs and absent values', () => {
    expect(formatValue({ kind: 'hex' }, 0x1f0003)).toBe('0x1f0003')
    expect(formatHex(-1)).toBe('0xffffffff')
    expect(formatHex(-1n)).toBe('0xffffffffffffffff')
    expect(formatValue({ kind: 'int' }, -5)).toBe('-5')
    expect(formatValue({ kind: 'int' }, 123456789012345678n)).toBe('123456789012345678')
    expect(formatValue({ kind: 'text' }, 'a, "b"')).toBe('a, "b"')
    expect(formatValue({ kind: 'blob' }, new Uint8Array(1232))).toBe('<1232 bytes>')
    expect(formatValue({ kind: 'blob' }, Uint8Array.of(1, 2, 3, 4), { mode: 'csv', includeBlobs: true })).toBe('AQIDBA==')
    expect(formatValue({ kind: 'text' }, undefined)).toBe('-')
    expect(formatValue({ kind: 'text' }, undefined, { mode: 'csv' })).toBe('')
    expect(formatValue({ kind: undefined }, 12n)).toBe('12')
  })

  it('match text: unpadded addresses and full enum names', () => {
    expect(matchText({ kind: 'addr' }, 0x7ff6n)).toBe('0x7ff6')
    expect(matchText({ kind: 'enum', names: 'MEM_STATE' }, 0x1000)).toBe('MEM_COMMIT')
    expect(matchText({ kind: 'flags', names: 'PAGE_PROTECTION' }, 0x104)).toBe('PAGE_READWRITE|PAGE_GUARD')
    expect(matchText({ kind: 'size' }, 65536n)).toBe('65536')
    expect(matchText({ kind: 'text' }, undefined)).toBe('')
  })
})

describe('columns', () => {
  it('defaults per section, limited to the fields the archive holds', () => {
    const cols = selectColumns('handles', undefined, { present: ['handle', 'typeName', 'objectName', 'grantedAccess', 'handleCount', 'pointerCount', 'flags'] })
    expect(cols.map((c) => c.label)).toEqual(['handle', 'typeName', 'objectName', 'grantedAccess', 'handleCount', 'pointerCount'])
    const some = selectColumns('handles', undefined, { present: ['handle', 'typeName'] })
    expect(some.map((c) => c.label)).toEqual(['handle', 'typeName'])
    expect(selectColumns('regions', undefined).map((c) => c.label)).toEqual([...DEFAULT_COLUMNS.vaSpace])
    expect(selectColumns('aux', undefined).map((c) => c.label)).toEqual(['address', 'pageSize', 'captureTime'])
  })

  it('shows the default header for an empty section', () => {
    expect(selectColumns('aux', undefined, { present: [] }).map((c) => c.label)).toEqual(['address', 'pageSize', 'captureTime'])
  })

  it('thread defaults use the architecture’s pc and sp registers', () => {
    const present = ['threadId', 'priority', 'basePriority', 'suspendCount', 'win32StartAddress', 'createTime', 'flags', 'contextRecord']
    expect(selectColumns('threads', undefined, { present, contextArchitecture: 'x64' }).map((c) => c.label)).toEqual(['threadId', 'priority', 'basePriority', 'suspendCount', 'win32StartAddress', 'Rip', 'Rsp', 'createTime', 'flags'])
    expect(selectColumns('threads', undefined, { present, contextArchitecture: 'arm64' }).map((c) => c.label)).toContain('Pc')
    expect(selectColumns('threads', undefined, { present: present.filter((p) => p !== 'contextRecord') }).map((c) => c.label)).not.toContain('Rip')
  })

  it('--columns a,b,c and --columns all', () => {
    expect(selectColumns('regions', 'baseAddress, state,protect').map((c) => c.field.path)).toEqual(['baseAddress', 'state', 'protect'])
    expect(selectColumns('handles', 'process.processId').map((c) => c.label)).toEqual(['typeSpecificInformation.process.processId'])
    const all = selectColumns('threads', 'all', { present: ['threadId', 'contextRecord', 'threadName'], contextArchitecture: 'x64' }).map((c) => c.label)
    expect(all).toEqual(['threadId', 'contextRecord', 'threadName', 'Rip', 'Rsp', 'Rbp', 'ContextFlags', 'SegCs', 'EFlags'])
    expect(() => selectColumns('handles', 'handle,bogus')).toThrow(/unknown field 'bogus' in handles/)
    expect(() => selectColumns('nope', undefined)).toThrow(RangeError)
  })
})

describe('tables', () => {
  const regions: VaSpaceEntry[] = [
    { baseAddress: 0x7ffe0000n, regionSize: 0x1000n, state: 0x1000, protect: 2, type: 0x20000 },
    { baseAddress: 0x7ff612341000n, regionSize: 0x1a000n, state: 0x1000, protect: 0x20, type: 0x1000000, mappedFileName: 'C:\\notepad.exe' },
    { baseAddress: 0n, regionSize: 0x7ffe0000n, state: 0x10000, protect: 1 },
  ]

  it('aligns columns, numbers right, addresses padded to the widest in the column', () => {
    const cols = selectColumns('regions', undefined, { present: ['baseAddress', 'regionSize', 'state', 'protect', 'type', 'mappedFileName'] })
    expect(renderTable(cols, tableRows(cols, regions))).toBe(
      [
        'baseAddress     regionSize  state   protect       type     mappedFileName',
        '0x00007ffe0000       4 KiB  COMMIT  READONLY      PRIVATE  -',
        '0x7ff612341000     104 KiB  COMMIT  EXECUTE_READ  IMAGE    C:\\notepad.exe',
        '0x000000000000       2 GiB  FREE    NOACCESS      -        -',
        '',
      ].join('\n'),
    )
  })

  it('escapes control characters in cells and styles the header', () => {
    const cols = selectColumns('handles', 'typeName')
    const out = renderTable(cols, tableRows(cols, [{ typeName: 'a\nb\tc\u0001' }]), { header: (s) => `<${s}>` })
    expect(out).toBe('<typeName>\na\\x0ab\\x09c\\x01\n')
  })

  it('lays out a large table in one pass, then renders it row by row', () => {
    const cols = selectColumns('regions', 'baseAddress,regionSize')
    const many = Array.from({ length: 200_000 }, (_, i) => ({ baseAddress: BigInt(i) * 4096n, regionSize: 4096n }))
    const layout = tableLayout(cols, many)
    expect(layout.digits).toEqual([8, 1])
    expect(layout.widths).toEqual([11, 10])
    expect(tableHeader(cols, layout)).toBe('baseAddress  regionSize')
    expect(tableLine(layout, tableCells(cols, layout, many[1]!))).toBe('0x00001000        4 KiB')
  })

  it('renders an empty table as its header', () => {
    const cols = selectColumns('regions', 'baseAddress,regionSize')
    expect(renderTable(cols, tableRows(cols, []))).toBe('baseAddress  regionSize\n')
  })
})

describe('CSV', () => {
  it('quotes per RFC 4180 and ends records with CRLF', () => {
    expect(csvRecord(['a', 'b c', ''])).toBe('a,b c,\r\n')
    expect(csvRecord(['x,y', 'say "hi"', 'line\nbreak', 'cr\r'])).toBe('"x,y","say ""hi""","line\nbreak","cr\r"\r\n')
  })

  it('renders exact values', () => {
    const cols = selectColumns('regions', 'baseAddress,regionSize,state,protect,mappedFileName')
    const cells = csvCells(cols, { baseAddress: 0x7ffe0000n, regionSize: 0x1000n, state: 0x1000, protect: 0x104 })
    expect(cells).toEqual(['0x000000007ffe0000', '4096', 'COMMIT', 'READWRITE|GUARD', ''])
  })

  it('renders registers and blobs', () => {
    const ctx = new Uint8Array(1232)
    new DataView(ctx.buffer).setBigUint64(248, 0x7ffb1c2d3e4fn, true)
    const field = resolveField('threads', 'Rip', { contextArchitecture: 'x64' })
    expect(csvCells([{ label: 'Rip', field }], { contextRecord: ctx })).toEqual(['0x00007ffb1c2d3e4f'])
    const blob = selectColumns('threads', 'contextRecord')
    expect(csvCells(blob, { contextRecord: Uint8Array.of(255) })).toEqual(['<1 bytes>'])
    expect(csvCells(blob, { contextRecord: Uint8Array.of(255) }, { includeBlobs: true })).toEqual(['/w=='])
  })
})

describe('tables fitted to a width', () => {
  const entries = [
    { handle: 3n, typeName: 'File', objectName: '/var/log/a-rather-long-file-name-for-a-log.log', openFlags: 0o2102001 },
    { handle: 27n, typeName: 'CharacterDevice', objectName: '/dev/null', openFlags: 0 },
  ]
  const columns = selectColumns('handles', 'handle,typeName,objectName,openFlags', { platform: 'linux', forTable: true })
  it('cuts the widest text column first, with …, never numbers; no width keeps the layout', () => {
    const layout = tableLayout(columns, entries)
    expect(fitLayout(layout, columns, undefined)).toBe(layout)
    expect(fitLayout(layout, columns, 500)).toBe(layout)
    const narrow = fitLayout(layout, columns, 60)
    const lines = [tableHeader(columns, narrow), ...entries.map((e) => tableLine(narrow, tableCells(columns, narrow, e)))]
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60)
    expect(lines[1]).toMatch(/^ 3  File +\/var\/log\/a-rath[^ ]*…  WRONLY\|/)
    expect(lines[2]).toContain('CharacterDevice')
    // Too narrow for anything: cut columns stop at their floor, the rest is left as is.
    const tiny = fitLayout(layout, columns, 10)
    expect(tiny.widths.every((w, i) => w >= Math.min(layout.widths[i]!, 12))).toBe(true)
  })
  it('renderTable fits too; cutCell counts code points', () => {
    const table = renderTable(columns, entries.map((e) => tableCells(columns, tableLayout(columns, entries), e)), { maxWidth: 50 })
    for (const l of table.trimEnd().split('\n')) expect(l.length).toBeLessThanOrEqual(50)
    expect(cutCell('😀😀😀😀', 3)).toBe('😀😀…')
    expect(cutCell('short', 12)).toBe('short')
  })
  it('a Linux handle is its fd number, in decimal, in a table column named fd (CSV, JSON and the value unchanged)', () => {
    const [fd] = columns
    expect(fd!.label).toBe('fd')
    expect(formatValue(fd!.field, 27n)).toBe('27')
    const windows = selectColumns('handles', 'handle')[0]!
    expect(windows.label).toBe('handle')
    expect(formatValue(windows.field, 27n)).toBe('0x000000000000001b')
    expect(selectColumns('handles', 'fd', { platform: 'linux' })[0]!.field.path).toBe('handle')
    // CSV: field paths as headers, addresses in hex, whatever the platform.
    const csv = selectColumns('handles', 'fd', { platform: 'linux' })[0]!
    expect([csv.label, formatValue(csv.field, 27n, { mode: 'csv' })]).toEqual(['handle', '0x000000000000001b'])
  })
})
