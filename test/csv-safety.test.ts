// CSV formula injection (issue 18 item 2): a cell a spreadsheet would evaluate (first character = + - @ TAB
// CR, and not a plain number) gets a leading ' in every CSV output by default; --csv-raw keeps exact text.
// Unit tests of the rule (reader/text.ts), a property over any string, and every CSV path of the CLI.
import fc from 'fast-check'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { unsafeCharactersIn } from '../reader/display.js'
import { csvRecord, neutralizeCsvCell } from '../reader/text.js'
import { CLI, runCli } from './helpers/cli.js'
import { hostileArchive } from './helpers/hostile-strings.js'

const HYPERLINK = '=HYPERLINK("http://example.invalid/?leak","click")'
const CMD = "+cmd|' /C calc'!A0"
const SUM = '@SUM(1+1)*cmd|" /C calc"!A0'
const TAB = '\t=1+1'
const CR = '\r=1+1'
const DASH = '-2+3+cmd|" /C calc"!A0'

describe('neutralizeCsvCell', () => {
  it.each([HYPERLINK, CMD, SUM, TAB, CR, DASH, '=1', '+', '-', '@', '-x', '+0x10', '-1e3e'])('prefixes %j with a quote', (cell) => {
    expect(neutralizeCsvCell(cell)).toBe(`'${cell}`)
  })

  it.each(['-12', '+3.5', '-1e3', '-0.250', '+.5', '-7.', '1e-3', '0', '12', 'x=1', ' =1', "'=1", '', 'C:\\Windows', '0x7ff6'])('leaves %j as it is', (cell) => {
    expect(neutralizeCsvCell(cell)).toBe(cell)
  })

  it('either leaves a cell alone or adds one quote, and what it leaves cannot start a formula', () => {
    const trigger = /^[=+\-@\t\r]/
    const number = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `=${s}`), fc.string().map((s) => `-${s}`), fc.double({ noNaN: true }).map(String)), (cell) => {
        const out = neutralizeCsvCell(cell)
        expect(out === cell || out === `'${cell}`).toBe(true)
        if (trigger.test(out)) expect(out).toMatch(number)
      }),
      { seed: 18, numRuns: 2000 },
    )
  })

  it('csvRecord neutralises by default, keeps exact text with raw, and quotes what RFC 4180 needs', () => {
    expect(csvRecord([HYPERLINK, '-12', CR])).toBe(`"'=HYPERLINK(""http://example.invalid/?leak"",""click"")",-12,"'\r=1+1"\r\n`)
    expect(csvRecord([HYPERLINK, '-12', CR], { raw: true })).toBe(`"=HYPERLINK(""http://example.invalid/?leak"",""click"")",-12,"\r=1+1"\r\n`)
  })
})

describe('CSV on a terminal', () => {
  it('csvRecord escapes controls and bidi for a terminal, after neutralising, and never cuts', () => {
    const long = 'x'.repeat(5000)
    expect(csvRecord(['=\x1b[2J\u202e', long], { terminal: true })).toBe(`'=\\x1b[2J\\u202e,${long}\r\n`)
    expect(csvRecord(['=\x1b[2J'], { terminal: true, raw: true })).toBe('=\\x1b[2J\r\n')
  })

  it.runIf(spawnSync('script', ['--version']).status === 0)('pssnap handles --csv to a terminal shows escapes, to a pipe exact text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pssnap-csv-tty-'))
    try {
      const file = join(dir, 'evil.pssnap')
      writeFileSync(file, hostileArchive())
      // script(1) gives the CLI a pseudo-terminal as stdout.
      const tty = spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} handles ${JSON.stringify(file)} --csv`, '/dev/null'], { encoding: 'utf8' })
      expect(tty.status, tty.stderr).toBe(0)
      expect(unsafeCharactersIn(tty.stdout.replace(/\r/g, ''))).toEqual([])
      expect(tty.stdout).toContain('objectName\\x1b]52')
      const piped = await runCli('handles', file, '--csv')
      expect(piped.stdout).toContain('objectName\x1b]52')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('every CSV output of the CLI', () => {
  let dir: string
  let file: string
  let other: string
  // Field → the formula it holds (every other string field holds its own name).
  const cells: Record<string, string> = { objectName: HYPERLINK, typeName: CMD, threadName: SUM, mappedFileName: TAB, imagePath: DASH }
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pssnap-csv-safety-'))
    file = join(dir, 'formulas.pssnap')
    other = join(dir, 'other.pssnap')
    writeFileSync(file, hostileArchive({ text: (f) => cells[f] ?? f, architecture: 'x64', contextArchitecture: 'x64' }))
    writeFileSync(other, hostileArchive({ text: (f) => (f === 'objectName' ? '@other' : (cells[f] ?? f)), architecture: 'x64', contextArchitecture: 'x64' }))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** Cells of a CSV document (RFC 4180 quoting undone), every row. */
  function parseCsv(text: string): string[][] {
    const rows: string[][] = []
    let row: string[] = []
    let cell = ''
    let quoted = false
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') (cell += '"'), i++
        else if (c === '"') quoted = false
        else cell += c
      } else if (c === '"') quoted = true
      else if (c === ',') row.push(cell), (cell = '')
      else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++
      else cell += c
    }
    return rows
  }

  function expectNeutral(csv: string, what: string, expected: string[]): void {
    const flat = parseCsv(csv).flat()
    for (const f of expected) {
      expect(flat, `${what}: ${JSON.stringify(f)} neutralised`).toContain(`'${f}`)
      expect(flat, `${what}: ${JSON.stringify(f)} never raw`).not.toContain(f)
    }
    for (const c of flat) if (/^[=+@\t\r]/.test(c)) throw new Error(`${what}: a live formula cell ${JSON.stringify(c)}`)
  }
  function expectRaw(csv: string, what: string, expected: string[]): void {
    const flat = parseCsv(csv).flat()
    for (const f of expected) expect(flat, `${what}: ${JSON.stringify(f)} exact with --csv-raw`).toContain(f)
  }

  const lists: [string, string[], string[]][] = [
    ['handles --csv', ['handles', '--csv'], [HYPERLINK, CMD]],
    ['handles --group-by typeName --csv', ['handles', '--group-by', 'typeName', '--csv'], [CMD]],
    ['threads --csv', ['threads', '--csv'], [SUM]],
    ['regions --csv', ['regions', '--csv'], [TAB]],
    ['query handles --where --csv', ['query', '<file>', 'handles', '--where', 'handle = 4', '--csv'], [HYPERLINK, CMD]],
  ]
  it.each(lists)('%s', async (what, args, expected) => {
    const argv = args[0] === 'query' ? args.map((a) => (a === '<file>' ? file : a)) : [args[0]!, file, ...args.slice(1)]
    const safe = await runCli(...argv)
    expect(safe.code, safe.stderr).toBe(0)
    expectNeutral(safe.stdout, what, expected)
    const raw = await runCli(...argv, '--csv-raw')
    expect(raw.code, raw.stderr).toBe(0)
    expectRaw(raw.stdout, `${what} --csv-raw`, expected)
  })

  it('export --format csv, to stdout and to a file', async () => {
    const safe = await runCli('export', file, '--format', 'csv', '--section', 'handles')
    expect(safe.code, safe.stderr).toBe(0)
    expectNeutral(safe.stdout, 'export', [HYPERLINK, CMD])
    const out = join(dir, 'handles.csv')
    expect((await runCli('export', file, '--format', 'csv', '--section', 'regions', '-o', out)).code).toBe(0)
    expectNeutral(readFileSync(out, 'utf8'), 'export -o', [TAB])
    const raw = await runCli('export', file, '--format', 'csv', '--section', 'handles', '--csv-raw')
    expectRaw(raw.stdout, 'export --csv-raw', [HYPERLINK, CMD])
  })

  it('negative numbers stay numbers', async () => {
    const r = await runCli('threads', file, '--csv', '--columns', 'threadId,priority')
    expect(r.code, r.stderr).toBe(0)
    expect(parseCsv(r.stdout)).toEqual([['threadId', 'priority'], ['5001', '-2'], ['5002', '10']])
  })

  // diff and trend CSV are rendered by cli/diff.ts through the shared csvRecord (the verdicts engineer's code).
  it('diff --csv and trend --csv', async () => {
    const diff = await runCli('diff', file, other, '--csv')
    expect(diff.code, diff.stderr).toBe(0)
    // The handle whose name differs is removed and added: its name is a cell.
    expectNeutral(diff.stdout, 'diff --csv', ['@other', HYPERLINK])
    for (const c of parseCsv(diff.stdout).flat()) expect(c, 'diff --csv: no live formula').not.toMatch(/^[=+@\t\r]/)
    const rawDiff = await runCli('diff', file, other, '--csv', '--csv-raw')
    expect(rawDiff.code, rawDiff.stderr).toBe(0)
    expectRaw(rawDiff.stdout, 'diff --csv --csv-raw', ['@other', HYPERLINK])
    const trend = await runCli('trend', file, other, '--csv')
    expect(trend.code, trend.stderr).toBe(0)
    for (const c of parseCsv(trend.stdout).flat()) expect(c, 'trend --csv: no live formula').not.toMatch(/^[=+@\t\r]/)
  })
})
