// The --where language (reader/query.ts): parsing, error columns, typed values, names, exact 64-bit
// comparisons, and sortEntries / groupEntries / filterSection.
import { describe, expect, it } from 'vitest'
import type { HandleEntry, ThreadEntry, VaSpaceEntry, AuxiliaryPageEntry } from '../format/fields.js'
import { compareValues, compileQuery, filterSection, groupEntries, parseGroupSortKeys, parseQuery, parseSortKeys, QueryError, sortEntries, sortGroups } from '../reader/query.js'
import { FieldError, resolveField, sectionId } from '../reader/access.js'
import { suggest } from '../reader/suggest.js'
import { context, ft } from './helpers/values.js'



const handles: HandleEntry[] = [
  { handle: 0x4n, objectType: 4, flags: 0xf, typeName: 'Event', objectName: '\\BaseNamedObjects\\Ready', grantedAccess: 0x1f0003, handleCount: 1, pointerCount: 32769, typeSpecificInformation: { event: { manualReset: 1, signaled: 0 } } },
  { handle: 0x8n, objectType: 5, flags: 0xf, typeName: 'Section', objectName: '\\Sessions\\1\\Shared', grantedAccess: 0xf001f, handleCount: 3, pointerCount: 5, typeSpecificInformation: { section: { baseAddress: 0n, allocationAttributes: 0x8000000, maximumSize: 65536n } } },
  { handle: 0x1a8n, objectType: 1, flags: 0xf, typeName: 'Process', grantedAccess: 0x1fffff, handleCount: 7, pointerCount: 200, typeSpecificInformation: { process: { processId: 1234, parentProcessId: 4 } } },
  { handle: 0x1acn, objectType: 0, flags: 0x3, typeName: 'File', objectName: '\\Device\\HarddiskVolume3\\x.mui', grantedAccess: 0x12019f, handleCount: 1, pointerCount: 1 },
  { handle: 0x1b0n, objectType: 2, flags: 0xf, typeName: 'Thread', grantedAccess: 0x1fffff, handleCount: 2, pointerCount: 3, typeSpecificInformation: { thread: { processId: 4242, threadId: 5001 } } },
]

const regions: VaSpaceEntry[] = [
  { baseAddress: 0n, regionSize: 0x7ffe0000n, state: 0x10000, protect: 1, type: 0 },
  { baseAddress: 0x7ffe0000n, regionSize: 0x1000n, state: 0x1000, protect: 2, type: 0x20000 },
  { baseAddress: 0x3f1a4f0000n, regionSize: 0x10000n, state: 0x1000, protect: 0x104, type: 0x20000 },
  { baseAddress: 0x7ff612340000n, regionSize: 0x1000n, state: 0x1000, protect: 2, type: 0x1000000, mappedFileName: 'C:\\Windows\\notepad.exe' },
  { baseAddress: 0x7ff612341000n, regionSize: 0x1a000n, state: 0x1000, protect: 0x20, type: 0x1000000, mappedFileName: 'C:\\Windows\\notepad.exe' },
  { baseAddress: 0xfffff80000000000n, regionSize: 0x200000n, state: 0x2000, protect: 0, type: 0x40000 },
]

const threads: ThreadEntry[] = [
  { threadId: 5001, priority: 10, kernelTime: 1_000_000n, createTime: ft('2026-11-25T11:00:00.125Z'), flags: 0, contextRecord: context(0x7ffb1c2d3e4fn, 0x3f1a4ffa28n), threadName: 'main' },
  { threadId: 5002, priority: 8, kernelTime: 30_000n, createTime: ft('2026-11-25T11:00:01Z'), flags: 0, contextRecord: context(0x7ffb1c2d0000n, 0x3f1a6ff000n) },
  { threadId: 5003, priority: 15, kernelTime: 0n, createTime: ft('2026-11-25T11:00:02Z'), flags: 1 },
]

const aux: AuxiliaryPageEntry[] = [
  { address: 0x1000n, pageSize: 4096, basicInformation: { state: 0x1000, protect: 4, regionSize: 0x10000n } },
  { address: 0x2000n, pageSize: 4096, basicInformation: { state: 0x2000, protect: 0, regionSize: 0x1000n } },
]

const h = (q: string) => filterSection(handles, compileQuery<HandleEntry>(q, { section: 'handles' })).map((e) => Number(e.handle))
const r = (q: string) => filterSection(regions, compileQuery<VaSpaceEntry>(q, { section: 'regions' })).map((e) => e.baseAddress)
const t = (q: string) => filterSection(threads, compileQuery<ThreadEntry>(q, { section: 'threads', contextArchitecture: 'x64' })).map((e) => e.threadId)
const a = (q: string) => filterSection(aux, compileQuery<AuxiliaryPageEntry>(q, { section: 'aux' })).map((e) => e.address)

function queryError(q: string, section = 'handles'): QueryError {
  try {
    compileQuery(q, { section })
  } catch (e) {
    expect(e).toBeInstanceOf(QueryError)
    const err = e as QueryError
    expect(err.code).toBe('BAD_QUERY')
    return err
  }
  throw new Error(`no error for ${q}`)
}

describe('comparisons', () => {
  it('compares numbers with every operator', () => {
    expect(h('handleCount = 1')).toEqual([0x4, 0x1ac])
    expect(h('handleCount == 1')).toEqual([0x4, 0x1ac])
    expect(h('handleCount != 1')).toEqual([0x8, 0x1a8, 0x1b0])
    expect(h('handleCount <> 1')).toEqual([0x8, 0x1a8, 0x1b0])
    expect(h('handleCount < 3')).toEqual([0x4, 0x1ac, 0x1b0])
    expect(h('handleCount <= 3')).toEqual([0x4, 0x8, 0x1ac, 0x1b0])
    expect(h('handleCount > 3')).toEqual([0x1a8])
    expect(h('handleCount >= 3')).toEqual([0x8, 0x1a8])
    expect(h('handleCount>=3')).toEqual([0x8, 0x1a8])
  })

  it('reads hex, binary, underscores and negative numbers', () => {
    expect(h('grantedAccess = 0x1fffff')).toEqual([0x1a8, 0x1b0])
    expect(h('grantedAccess = 0X1FFFFF')).toEqual([0x1a8, 0x1b0])
    expect(h('handle = 0b1000')).toEqual([0x8])
    expect(h('pointerCount = 32_769')).toEqual([0x4])
    expect(t('priority > -1')).toEqual([5001, 5002, 5003])
    expect(t('priority>-1')).toEqual([5001, 5002, 5003])
  })

  it('compares 64-bit values exactly, as BigInt', () => {
    expect(r('baseAddress = 0x7ff612341000')).toEqual([0x7ff612341000n])
    expect(r('baseAddress >= 0xfffff80000000000')).toEqual([0xfffff80000000000n])
    // 2^53 + 1 is not representable as a double: a float comparison would match 2^53 too.
    const big: VaSpaceEntry[] = [{ baseAddress: 2n ** 53n }, { baseAddress: 2n ** 53n + 1n }]
    expect(filterSection(big, compileQuery<VaSpaceEntry>('baseAddress = 9007199254740993', { section: 'regions' })).map((e) => e.baseAddress)).toEqual([2n ** 53n + 1n])
    expect(filterSection(big, compileQuery<VaSpaceEntry>('baseAddress > 9007199254740992', { section: 'regions' })).map((e) => e.baseAddress)).toEqual([2n ** 53n + 1n])
    expect(r('regionSize = 4096')).toEqual([0x7ffe0000n, 0x7ff612340000n])
  })

  it('compares bigint with fractional numbers exactly', () => {
    expect(compareValues(4n, 4.5)).toBe(-1)
    expect(compareValues(5n, 4.5)).toBe(1)
    expect(compareValues(4.5, 4n)).toBe(1)
    expect(compareValues(4n, 4)).toBe(0)
    expect(compareValues(2n ** 64n, Infinity)).toBe(-1)
    expect(compareValues(-(2n ** 64n), -Infinity)).toBe(1)
    expect(compareValues(1n, NaN)).toBeUndefined()
    expect(compareValues('a', 1)).toBeUndefined()
    expect(r('regionSize > 4095.5')).toHaveLength(6)
    expect(r('regionSize < 4096.5 and regionSize > 4095.5')).toEqual([0x7ffe0000n, 0x7ff612340000n])
  })

  it('reads sizes, 1024-based, with or without the i', () => {
    expect(r('regionSize = 4KB')).toEqual([0x7ffe0000n, 0x7ff612340000n])
    expect(r('regionSize = 4KiB')).toEqual([0x7ffe0000n, 0x7ff612340000n])
    expect(r('regionSize = 4k')).toEqual([0x7ffe0000n, 0x7ff612340000n])
    expect(r('regionSize = 64KB')).toEqual([0x3f1a4f0000n])
    expect(r('regionSize >= 1MB')).toEqual([0n, 0xfffff80000000000n])
    expect(r('regionSize = 2MiB')).toEqual([0xfffff80000000000n])
    expect(r('regionSize = 0.5MB')).toEqual([])
    expect(r('regionSize > 1.5MB')).toEqual([0n, 0xfffff80000000000n])
    expect(r('regionSize < 2GiB')).toHaveLength(6)
    expect(r('regionSize > 1GB')).toEqual([0n])
    expect(r('regionSize = 4096B')).toEqual([0x7ffe0000n, 0x7ff612340000n])
  })

  it('reads durations for duration fields', () => {
    expect(t('kernelTime = 100ms')).toEqual([5001])
    expect(t('kernelTime >= 3ms')).toEqual([5001, 5002])
    expect(t('kernelTime > 0.1s')).toEqual([])
    expect(t('kernelTime >= 0.1s')).toEqual([5001])
    expect(t('kernelTime = 1000000')).toEqual([5001])
    expect(t('kernelTime < 1us')).toEqual([5003])
  })

  it('reads dates for time fields, quoted or not, UTC without a zone', () => {
    expect(t('createTime > 2026-11-25T11:00:00.5Z')).toEqual([5002, 5003])
    expect(t("createTime >= '2026-11-25T11:00:01Z'")).toEqual([5002, 5003])
    expect(t('createTime < 2026-11-25T11:00:01')).toEqual([5001])
    expect(t('createTime > 2026-11-24')).toEqual([5001, 5002, 5003])
    expect(t('createTime > 2026-11-26')).toEqual([])
  })

  it('compares text exactly, and in order', () => {
    expect(h("typeName = 'Event'")).toEqual([0x4])
    expect(h('typeName = "Event"')).toEqual([0x4])
    expect(h('typeName = Event')).toEqual([0x4])
    expect(h('typeName = event')).toEqual([])
    expect(h('typeName < F')).toEqual([0x4])
    expect(h("objectName = '\\\\BaseNamedObjects\\\\Ready'")).toEqual([0x4])
  })
})

describe('names', () => {
  it('resolves enum names, short or full, in any case', () => {
    expect(h('objectType = SECTION')).toEqual([0x8])
    expect(h('objectType = PSS_OBJECT_TYPE_SECTION')).toEqual([0x8])
    expect(h('objectType = section')).toEqual([0x8])
    expect(h("objectType = 'SECTION'")).toEqual([0x8])
    expect(h('objectType = 5')).toEqual([0x8])
    expect(r('state = MEM_COMMIT')).toHaveLength(4)
    expect(r('state = COMMIT')).toHaveLength(4)
    expect(r('state != COMMIT')).toEqual([0n, 0xfffff80000000000n])
    expect(r('type = IMAGE')).toEqual([0x7ff612340000n, 0x7ff612341000n])
  })

  it('resolves flag combinations', () => {
    expect(r('protect = READWRITE|GUARD')).toEqual([0x3f1a4f0000n])
    expect(r('protect = PAGE_READWRITE | PAGE_GUARD')).toEqual([0x3f1a4f0000n])
    expect(r('protect = READWRITE|0x100')).toEqual([0x3f1a4f0000n])
    expect(r('protect has GUARD')).toEqual([0x3f1a4f0000n])
    expect(r('protect has READWRITE')).toEqual([0x3f1a4f0000n])
    expect(h('flags has HAVE_TYPE_SPECIFIC_INFORMATION')).toEqual([0x4, 0x8, 0x1a8, 0x1b0])
    expect(h('flags has 0x3')).toEqual([0x4, 0x8, 0x1a8, 0x1ac, 0x1b0])
    expect(h('not flags has HAVE_TYPE_SPECIFIC_INFORMATION')).toEqual([0x1ac])
  })

  it('matches names with ~ against the full names', () => {
    expect(r('protect ~ EXECUTE')).toEqual([0x7ff612341000n])
    expect(r('protect ~ execute_read')).toEqual([0x7ff612341000n])
    expect(r('protect ~ PAGE_GUARD')).toEqual([0x3f1a4f0000n])
    expect(r('state ~ /^MEM_(RESERVE|FREE)$/')).toEqual([0n, 0xfffff80000000000n])
    expect(h('objectType ~ THREAD')).toEqual([0x1b0])
  })

  it('uses the name table of nested fields', () => {
    expect(a('basicInformation.state = COMMIT')).toEqual([0x1000n])
    expect(a('state = RESERVE')).toEqual([0x2000n])
    expect(a('basicInformation.protect = READWRITE')).toEqual([0x1000n])
  })

  it('rejects unknown names with the column and the known ones', () => {
    const e = queryError('state = COMIT', 'regions')
    expect(e.column).toBe(9)
    expect(e.message).toBe("expected a MEM_STATE name for 'state', found 'COMIT' at column 9; known: COMMIT, RESERVE, FREE")
    const f = queryError('protect = READWRITE|GAURD', 'regions')
    expect(f.column).toBe(11)
    expect(f.message).toContain("found 'GAURD'")
    expect(queryError('objectType in (SECTION, MUTEX)').column).toBe(25)
  })
})

describe('matching', () => {
  it('finds substrings ignoring case', () => {
    expect(h('objectName ~ basenamedobjects')).toEqual([0x4])
    expect(h("objectName ~ 'SHARED'")).toEqual([0x8])
    expect(h('objectName !~ shared')).toEqual([0x4, 0x1a8, 0x1ac, 0x1b0])
    expect(h('typeName ~ e')).toEqual([0x4, 0x8, 0x1a8, 0x1ac, 0x1b0])
  })

  it('matches regular expressions with flags', () => {
    expect(h('objectName ~ /ready$/i')).toEqual([0x4])
    expect(h('objectName ~ /ready$/')).toEqual([])
    expect(h('objectName ~ /^\\\\Device\\\\/')).toEqual([0x1ac])
    expect(h('objectName ~ /[/]/')).toEqual([])
    // g would make RegExp.test stateful: it is dropped.
    expect(h('typeName ~ /e/g')).toEqual([0x4, 0x8, 0x1a8, 0x1ac, 0x1b0])
  })

  it('matches addresses by their unpadded hex', () => {
    expect(r('baseAddress ~ /^0x7ff6/')).toEqual([0x7ff612340000n, 0x7ff612341000n])
    expect(h('handle ~ 1a')).toEqual([0x1a8, 0x1ac])
  })

  it('never matches a missing value with ~, always with !~', () => {
    expect(h('objectName ~ /.*/')).toEqual([0x4, 0x8, 0x1ac])
    expect(h('objectName !~ /.*/')).toEqual([0x1a8, 0x1b0])
  })

  it('rejects a bad regular expression at its column', () => {
    const e = queryError('objectName ~ /(/')
    expect(e.column).toBe(14)
    expect(e.message).toMatch(/^expected a valid regular expression/)
  })
})

describe('logic', () => {
  it('combines with and, or, not, &&, ||, ! and parentheses', () => {
    expect(h('handleCount = 1 and typeName = File')).toEqual([0x1ac])
    expect(h('handleCount = 1 AND typeName = File')).toEqual([0x1ac])
    expect(h('handleCount = 1 && typeName = File')).toEqual([0x1ac])
    expect(h('typeName = File or typeName = Event')).toEqual([0x4, 0x1ac])
    expect(h('typeName = File || typeName = Event')).toEqual([0x4, 0x1ac])
    expect(h('not typeName = File')).toEqual([0x4, 0x8, 0x1a8, 0x1b0])
    expect(h('! typeName = File')).toEqual([0x4, 0x8, 0x1a8, 0x1b0])
    expect(h('not not typeName = File')).toEqual([0x1ac])
    // and binds tighter than or.
    expect(h('typeName = Event or typeName = File and handleCount = 7')).toEqual([0x4])
    expect(h('(typeName = Event or typeName = File) and handleCount = 1')).toEqual([0x4, 0x1ac])
    expect(h('((handleCount = 7))')).toEqual([0x1a8])
  })

  it('tests lists with in and not in', () => {
    expect(h('objectType in (PROCESS, THREAD)')).toEqual([0x1a8, 0x1b0])
    expect(h('objectType not in (PROCESS, THREAD)')).toEqual([0x4, 0x8, 0x1ac])
    expect(h('handleCount in (1, 0x7)')).toEqual([0x4, 0x1a8, 0x1ac])
    expect(h("typeName IN ('File', Event)")).toEqual([0x4, 0x1ac])
    expect(h('handleCount in (99)')).toEqual([])
  })

  it('treats missing values: every test fails except !=, not in and = null', () => {
    expect(h('objectName = null')).toEqual([0x1a8, 0x1b0])
    expect(h('objectName != null')).toEqual([0x4, 0x8, 0x1ac])
    expect(h("objectName != 'x'")).toEqual([0x4, 0x8, 0x1a8, 0x1ac, 0x1b0])
    expect(h("objectName < 'zzz'")).toEqual([0x4, 0x8, 0x1ac])
    expect(h('typeSpecificInformation.process.processId = 1234')).toEqual([0x1a8])
    expect(h('typeSpecificInformation.process.processId != 1234')).toEqual([0x4, 0x8, 0x1ac, 0x1b0])
    expect(h('process.processId not in (1)')).toEqual([0x4, 0x8, 0x1a8, 0x1ac, 0x1b0])
    expect(h('typeSpecificInformation.thread.threadId >= 0')).toEqual([0x1b0])
  })
})

describe('fields', () => {
  it('resolves dotted paths, case and unique suffixes', () => {
    expect(h('process.processId = 1234')).toEqual([0x1a8])
    expect(h('HANDLECOUNT = 7')).toEqual([0x1a8])
    expect(h('section.maximumSize = 64KB')).toEqual([0x8])
    expect(resolveField('threads', 'rip', { contextArchitecture: 'x64' }).path).toBe('registers.Rip')
    expect(resolveField('aux', 'regionSize').path).toBe('basicInformation.regionSize')
    expect(resolveField('regions', 'regionSize').path).toBe('regionSize')
    expect(resolveField(undefined, 'anything.at.all').path).toBe('anything.at.all')
  })

  it('reads registers decoded from the thread contexts', () => {
    expect(t('Rip = 0x7ffb1c2d3e4f')).toEqual([5001])
    expect(t('registers.Rsp > 0x3f1a500000')).toEqual([5002])
    expect(t('Rip = null')).toEqual([5003])
    expect(t('ContextFlags has CONTROL|INTEGER')).toEqual([5001, 5002])
    // Another architecture has other registers.
    expect(() => compileQuery('Rip = 1', { section: 'threads', contextArchitecture: 'arm64' })).toThrow(QueryError)
    expect(() => compileQuery('Pc = 1', { section: 'threads', contextArchitecture: 'arm64' })).not.toThrow()
  })

  it('rejects unknown and ambiguous fields with the column', () => {
    const e = queryError('handleCount = 1 and bogus = 2')
    expect(e.column).toBe(21)
    expect(e.message).toMatch(/^unknown field 'bogus' in handles at column 21; fields: handle, flags/)
    const amb = queryError('processId = 4')
    expect(amb.column).toBe(1)
    expect(amb.message).toBe("'processId' is ambiguous in handles at column 1; write one of typeSpecificInformation.process.processId, typeSpecificInformation.thread.processId")
    expect(() => resolveField('handles', 'processId')).toThrow(FieldError)
  })

  it('rejects values that do not fit the field', () => {
    expect(queryError('handleCount = many').message).toBe("expected a number for 'handleCount', found 'many' at column 15")
    expect(queryError('handleCount = 12abc').message).toMatch(/^expected a size unit .* in '12abc', found 'abc' at column 15$/)
    expect(queryError('contextRecord = 1', 'threads').message).toMatch(/holds bytes/)
    expect(queryError('kernelTime > 5KB', 'threads').message).toMatch(/^expected a duration unit/)
    expect(queryError('handleCount > 2026-11-25').message).toMatch(/only compares with a time field/)
    expect(queryError("createTime > 'yesterday'", 'threads').message).toMatch(/^expected a date like/)
    expect(queryError('handleCount < null').message).toBe("only '=' and '!=' compare with null at column 15")
    expect(queryError('typeName has 1').message).toMatch(/'has' tests bits of a number/)
    expect(queryError('handleCount = /x/').message).toMatch(/only goes after '~'/)
  })

  it('keeps both readings of a value when the section is not known', () => {
    const rows = [{ a: 1 }, { a: 2n }, { a: '1' }, { b: { c: 'x' } }]
    const q = (s: string) => filterSection(rows, compileQuery(s)).map((e) => rows.indexOf(e))
    expect(q('a = 1')).toEqual([0, 2])
    expect(q('a >= 2')).toEqual([1])
    expect(q('b.c ~ X')).toEqual([3])
    expect(q('__proto__ = null')).toEqual([0, 1, 2, 3])
  })
})

describe('syntax errors', () => {
  const cases: [string, number, string][] = [
    ['handleCount >', 14, "expected a value after '>' at column 14"],
    ['', 1, 'expected a condition at column 1'],
    ['   ', 4, 'expected a condition at column 4'],
    ['handleCount', 12, "expected an operator (=, !=, <, <=, >, >=, ~, !~, in, has) after 'handleCount' at column 12"],
    ['handleCount 1', 13, "expected an operator (=, !=, <, <=, >, >=, ~, !~, in, has) after 'handleCount', found '1' at column 13"],
    ['= 1', 1, "expected a field name, found '=' at column 1"],
    ['handleCount = 1 and', 20, "expected a condition after 'and' at column 20"],
    ['handleCount = 1 or', 19, "expected a condition after 'or' at column 19"],
    ['handleCount = 1 typeName = x', 17, "expected 'and', 'or' or the end of the query, found 'typeName' at column 17"],
    ['(handleCount = 1', 17, "expected ')' to close the '(' from column 1 at column 17"],
    ['handleCount = 1)', 16, "expected 'and', 'or' or the end of the query, found ')' at column 16"],
    ['()', 2, "expected a condition after '(', found ')' at column 2"],
    ['not', 4, "expected a condition after 'not' at column 4"],
    ["typeName = 'abc", 12, "expected a closing ' for the string that starts at column 12"],
    ['objectName ~ /abc', 14, 'expected a closing / for the regular expression that starts at column 14'],
    ['handleCount = 1 $ 2', 17, "unexpected character '$' at column 17"],
    ['objectType in SECTION', 15, "expected '(' after 'in', found 'SECTION' at column 15"],
    ['objectType in (SECTION', 23, "expected ',' or ')' to close the list of 'in' from column 12 at column 23"],
    ['objectType in (SECTION,)', 24, "expected a value after ',', found ')' at column 24"],
    ['protect = READWRITE|', 21, "expected a flag name after '|' at column 21"],
    ['handleCount = and', 15, "expected a value after '=', found 'and' at column 15"],
    ['handleCount ~', 14, "expected a value after '~' at column 14"],
  ]
  it.each(cases)('%j → column %i', (q, column, message) => {
    let error: unknown
    try {
      parseQuery(q)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(QueryError)
    expect((error as QueryError).column).toBe(column)
    expect((error as QueryError).message).toBe(message)
    expect((error as QueryError).query).toBe(q)
  })

  it('parses into a tree with columns', () => {
    expect(parseQuery('a = 1 or not b ~ /x/i')).toEqual({
      type: 'or',
      left: { type: 'compare', field: 'a', column: 1, op: '=', value: { type: 'number', text: '1', column: 5 } },
      right: { type: 'not', expr: { type: 'match', field: 'b', column: 14, negate: false, value: { type: 'regex', source: 'x', flags: 'i', column: 18 } } },
    })
  })
})

describe('sortEntries', () => {
  it('sorts by one key, ascending or descending, bigint-aware', () => {
    const byBase = sortEntries(regions, [{ path: 'baseAddress', descending: true }], { section: 'regions' }).map((e) => e.baseAddress)
    expect(byBase).toEqual([0xfffff80000000000n, 0x7ff612341000n, 0x7ff612340000n, 0x3f1a4f0000n, 0x7ffe0000n, 0n])
  })

  it('is stable and applies keys in turn', () => {
    const sorted = sortEntries(regions, [{ path: 'regionSize' }, { path: 'baseAddress', descending: true }], { section: 'regions' }).map((e) => e.baseAddress)
    expect(sorted).toEqual([0x7ff612340000n, 0x7ffe0000n, 0x3f1a4f0000n, 0x7ff612341000n, 0xfffff80000000000n, 0n])
    const stable = sortEntries(regions, [{ path: 'state' }], { section: 'regions' }).map((e) => e.baseAddress)
    expect(stable).toEqual([0x7ffe0000n, 0x3f1a4f0000n, 0x7ff612340000n, 0x7ff612341000n, 0xfffff80000000000n, 0n])
  })

  it('puts undefined last in both directions', () => {
    const asc = sortEntries(handles, [{ path: 'objectName' }], { section: 'handles' }).map((e) => Number(e.handle))
    expect(asc).toEqual([0x4, 0x1ac, 0x8, 0x1a8, 0x1b0])
    const desc = sortEntries(handles, [{ path: 'objectName', descending: true }], { section: 'handles' }).map((e) => Number(e.handle))
    expect(desc).toEqual([0x8, 0x1ac, 0x4, 0x1a8, 0x1b0])
  })

  it('sorts by registers and leaves the input alone', () => {
    const input = [...threads]
    const out = sortEntries(input, [{ path: 'Rsp', descending: true }], { section: 'threads', contextArchitecture: 'x64' }).map((e) => e.threadId)
    expect(out).toEqual([5002, 5001, 5003])
    expect(input.map((e) => e.threadId)).toEqual([5001, 5002, 5003])
  })

  it('mixes number and bigint values exactly', () => {
    const rows = [{ v: 3 }, { v: 2n ** 60n }, { v: 1n }, { v: 2.5 }]
    expect(sortEntries(rows, [{ path: 'v' }]).map((e) => e.v)).toEqual([1n, 2.5, 3, 2n ** 60n])
  })

  it('parses sort keys', () => {
    expect(parseSortKeys('regionSize:desc, baseAddress')).toEqual([
      { path: 'regionSize', descending: true },
      { path: 'baseAddress', descending: false },
    ])
    expect(parseSortKeys('-regionSize,state:ASC')).toEqual([
      { path: 'regionSize', descending: true },
      { path: 'state', descending: false },
    ])
    expect(() => sortEntries(regions, [{ path: 'nope' }], { section: 'regions' })).toThrow(FieldError)
  })
})

describe('groupEntries', () => {
  it('counts per value, largest group first, ties by key', () => {
    expect(groupEntries(regions, 'type', { section: 'regions' })).toEqual([
      { key: 0x20000, count: 2 },
      { key: 0x1000000, count: 2 },
      { key: 0, count: 1 },
      { key: 0x40000, count: 1 },
    ])
  })

  it('sums a field, as bigint for 64-bit fields', () => {
    const g = groupEntries(regions, 'state', { section: 'regions', sumPath: 'regionSize' })
    expect(g[0]).toEqual({ key: 0x1000, count: 4, sum: 0x1000n + 0x10000n + 0x1000n + 0x1a000n })
    const n = groupEntries(handles, 'handleCount', { section: 'handles', sumPath: 'pointerCount' })
    expect(n[0]).toEqual({ key: 1, count: 2, sum: 32770 })
  })

  it('groups missing values under undefined, last among equals', () => {
    const g = groupEntries(handles, 'objectName', { section: 'handles' })
    expect(g[0]).toEqual({ key: undefined, count: 2 })
    const t1 = groupEntries(threads, 'threadName', { section: 'threads' })
    expect(t1).toEqual([
      { key: undefined, count: 2 },
      { key: 'main', count: 1 },
    ])
    const even = groupEntries([{ a: 1 }, {}, { a: 2 }], 'a')
    expect(even.map((x) => x.key)).toEqual([1, 2, undefined])
  })

  it('groups by a derived register', () => {
    expect(groupEntries(threads, 'Rip', { section: 'threads', contextArchitecture: 'x64' }).map((g) => g.count)).toEqual([1, 1, 1])
  })
})

describe('filterSection', () => {
  it('stops after limit matches', () => {
    let visited = 0
    const counting = {
      *[Symbol.iterator]() {
        for (const e of handles) {
          visited++
          yield e
        }
      },
    }
    expect(filterSection(counting, compileQuery('handleCount = 1', { section: 'handles' }), 1)).toHaveLength(1)
    expect(visited).toBe(1)
    expect(filterSection(handles, undefined, 2)).toHaveLength(2)
    expect(filterSection(handles, undefined, 0)).toEqual([])
    expect(filterSection(handles, undefined)).toHaveLength(5)
  })
})

describe('sorting groups (--group-by with --sort)', () => {
  const groups = groupEntries(handles, 'typeName', { section: 'handles', sumPath: 'handleCount' })
  it('count, sum and key, each ascending or descending; the grouped field names the key', () => {
    const counts = (keys: string) => sortGroups(groups, parseGroupSortKeys(keys, 'typeName', true))
    expect(counts('count:desc').map((g) => g.count)).toEqual([...groups.map((g) => g.count)].sort((a, b) => b - a))
    expect(counts('sum:desc').map((g) => Number(g.sum))).toEqual([...groups.map((g) => Number(g.sum))].sort((a, b) => b - a))
    expect(counts('typename').map((g) => g.key)).toEqual([...groups.map((g) => g.key as string)].sort())
    expect(counts('key:desc').map((g) => g.key)).toEqual([...groups.map((g) => g.key as string)].sort().reverse())
  })
  it('any other field is refused rather than ignored; sum needs --sum', () => {
    expect(() => parseGroupSortKeys('handleCount', 'typeName', true)).toThrow(/with --group-by, --sort orders the groups: 'count', 'sum', 'key' or 'typeName', not 'handleCount'/)
    expect(() => parseGroupSortKeys('sum', 'typeName', false)).toThrow(/--sort sum needs --sum/)
  })
})

describe('suggestions and names in any case', () => {
  it('a misspelt field is suggested in --where and --sort alike (edit distance, containment, shared start)', () => {
    expect(() => compileQuery('typname = File', { section: 'handles' })).toThrow(/unknown field 'typname' in handles \(did you mean typeName\?\)/)
    expect(() => resolveField('handles', 'objetName')).toThrow(/did you mean objectName\?/)
    expect(suggest('threads', ['processId', 'threadCount', 'name'])).toEqual(['threadCount'])
    expect(suggest('zzzzzz', ['processId', 'threadCount'])).toEqual([])
    // Bounded: a megabyte of name costs what 64 characters cost.
    expect(suggest('x'.repeat(1 << 20), ['name'])).toEqual([])
  })
  it('section names ignore case; own names only', () => {
    expect(['vaspace', 'VASPACE', 'Regions', 'AUX', 'auxiliarypages'].map(sectionId)).toEqual(['vaSpace', 'vaSpace', 'vaSpace', 'auxiliaryPages', 'auxiliaryPages'])
    expect(sectionId('constructor')).toBeUndefined()
    expect(sectionId('__proto__')).toBeUndefined()
  })
  it('records outside sections (ps) resolve their own field names, any case, with suggestions', () => {
    const options = { fieldNames: ['processId', 'name', 'threadCount'] }
    const rows = [{ processId: 1, name: 'init', threadCount: 1 }, { processId: 7, name: 'node', threadCount: 11 }]
    expect(rows.filter(compileQuery('NAME = node and threadcount > 4', options))).toEqual([rows[1]])
    expect(() => compileQuery('nme = x', options)).toThrow(/unknown field 'nme' \(did you mean name\?\)/)
    expect(() => compileQuery('constructor = x', options)).toThrow(/unknown field 'constructor'/)
  })
})

describe('bare text after ~', () => {
  it('a path or extension needs no quotes; quotes, regexes and null keep their meaning', () => {
    const names = (q: string) => handles.filter(compileQuery(q, { section: 'handles' })).map((h) => h.objectName)
    expect(names('objectName ~ .mui')).toEqual(['\\Device\\HarddiskVolume3\\x.mui'])
    expect(names("typeName = File and objectName ~ .mui")).toEqual(['\\Device\\HarddiskVolume3\\x.mui'])
    expect(names('(objectName ~ .mui)')).toEqual(['\\Device\\HarddiskVolume3\\x.mui'])
    expect(names("objectName ~ '.mui'")).toEqual(names('objectName ~ .mui'))
    expect(names('objectName ~ /\\.mui$/')).toEqual(names('objectName ~ .mui'))
    expect(names('objectName !~ .mui').length).toBe(handles.length - 1)
    expect(() => compileQuery('objectName ~ null', { section: 'handles' })).toThrow(/expected text or \/regex\/ after '~'/)
  })
})
