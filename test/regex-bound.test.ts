// `--where field ~ /regex/` runs on a linear-time engine (reader/linear-regex.ts): patterns that make a
// backtracking engine run for minutes complete on long hostile names, what the engine cannot do is a typed
// QueryError at the pattern's column, and ordinary patterns match as before.
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HandleEntry } from '../format/fields.js'
import { compileQuery, filterSection, QueryError } from '../reader/query.js'
import { CLI, runCli } from './helpers/cli.js'
import { baseSnapshot } from './helpers/snapshot-pair.js'
import { snapshotBytes } from './synthetic/generate.js'

const named = (objectName: string, handle = 4n): HandleEntry => ({ handle, objectType: 0, flags: 3, typeName: 'File', objectName })
const matching = (query: string, names: readonly string[]) =>
  filterSection(
    names.map((n, i) => named(n, BigInt(4 * (i + 1)))),
    compileQuery<HandleEntry>(query, { section: 'handles' }),
  ).map((e) => e.objectName)

function refusal(query: string): QueryError {
  try {
    compileQuery(query, { section: 'handles' })
  } catch (e) {
    expect(e).toBeInstanceOf(QueryError)
    return e as QueryError
  }
  throw new Error(`no error for ${query}`)
}

describe('catastrophic patterns on long names complete', () => {
  // Each of these backtracks exponentially (or polynomially with a high degree) in a backtracking engine on
  // the input next to it; a backtracking engine would not finish any of them within the test's timeout.
  const cases: [string, string, boolean][] = [
    ['objectName ~ /^(\\/?[a-z]+)+\\.log$/', `/${'a'.repeat(5_000)}!`, false],
    ['objectName ~ /^(a|a)*$/', `${'a'.repeat(20_000)}!`, false],
    ['objectName ~ /^(a+)+$/', `${'a'.repeat(100_000)}!`, false],
    ['objectName ~ /(a|aa)+b/', 'a'.repeat(50_000), false],
    ['objectName ~ /^(\\w+\\s?)*$/', `${'word '.repeat(10_000)}!`, false],
    ['objectName ~ /^(a+)+$/', 'a'.repeat(100_000), true],
  ]
  it.each(cases)('%s', (query, name, expected) => {
    expect(matching(query, [name])).toEqual(expected ? [name] : [])
  }, 20_000)

  it('the pattern of the issue on its 38-character name, and on a million-character one', () => {
    const query = 'objectName ~ /^(\\/?[a-z]+)+\\.log$/'
    const short = '/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'
    expect(short).toHaveLength(39)
    const long = `/${'abc/'.repeat(250_000)}x.log`
    expect(matching(query, [short, long, '/var/log/app.log'])).toEqual([long, '/var/log/app.log'])
  }, 20_000)
})

describe('what the linear-time engine cannot do is refused, typed, at the pattern', () => {
  it.each([
    ['objectName ~ /(a)\\1/', /backreferences, lookahead and lookbehind are not supported/],
    ['objectName ~ /a(?=b)/', /backreferences, lookahead and lookbehind are not supported/],
    ['objectName ~ /a(?!b)/', /backreferences, lookahead and lookbehind are not supported/],
    ['objectName ~ /(?<=a)b/', /backreferences, lookahead and lookbehind are not supported/],
    ['objectName ~ /(?<!a)b/', /backreferences, lookahead and lookbehind are not supported/],
    ['objectName ~ /a{2000}/', /too large for the linear-time engine/],
    ['objectName ~ /((a{500}){500}){500}/', /too large|repeat/],
    ['objectName ~ /x/q', /flags among i, m, s/],
    ['objectName ~ /(/', /^expected a valid regular expression/],
  ])('%s', (query, message) => {
    const e = refusal(query)
    expect(e.code).toBe('BAD_QUERY')
    expect(e.column).toBe(14)
    expect(e.message).toMatch(message)
  })
})

describe('ordinary patterns match as before', () => {
  const names = ['C:\\app\\server.log', 'C:\\app\\SERVER.LOG', '\\Device\\HarddiskVolume3\\x.mui', 'line one\nline two', 'café', '/a/b']
  it.each([
    ['objectName ~ /\\.log$/', ['C:\\app\\server.log']],
    ['objectName ~ /\\.log$/i', ['C:\\app\\server.log', 'C:\\app\\SERVER.LOG']],
    ['objectName !~ /\\.log$/i', ['\\Device\\HarddiskVolume3\\x.mui', 'line one\nline two', 'café', '/a/b']],
    ['objectName ~ /^\\\\Device\\\\/', ['\\Device\\HarddiskVolume3\\x.mui']],
    ['objectName ~ /^line two$/m', ['line one\nline two']],
    ['objectName ~ /one.line/', []],
    ['objectName ~ /one.line/s', ['line one\nline two']],
    ['objectName ~ /caf\\u00e9/', ['café']],
    ['objectName ~ /^(?<drive>[A-Z]):/', ['C:\\app\\server.log', 'C:\\app\\SERVER.LOG']],
    ['objectName ~ /\\/a\\/b/', ['/a/b']],
    ['objectName ~ /e/gyu', ['C:\\app\\server.log', '\\Device\\HarddiskVolume3\\x.mui', 'line one\nline two']],
  ])('%s', (query, expected) => {
    expect(matching(query, names)).toEqual(expected)
  })
})

describe('pssnap query --where with a catastrophic pattern (built CLI)', () => {
  let dir: string
  let archive: string
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`)
    dir = await mkdtemp(join(tmpdir(), 'pssnap-regex-'))
    const s = baseSnapshot()
    s.sections.handles.push(named(`/${'a'.repeat(37)}!`, 0x10000n), named('/var/log/app.log', 0x10004n))
    archive = join(dir, 'hostile.pssnap')
    await writeFile(archive, await snapshotBytes(s))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('finishes, finding only the real log', async () => {
    const r = await runCli('handles', archive, '--where', 'objectName ~ /^(\\/?[a-z]+)+\\.log$/', '--json')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const names = (JSON.parse(r.stdout) as { entries: { objectName?: string }[] }).entries.map((e) => e.objectName)
    expect(names).toEqual(['/var/log/app.log'])
  }, 30_000)

  it('refuses a backreference with BAD_QUERY, exit 1', async () => {
    const r = await runCli('handles', archive, '--where', 'objectName ~ /(a)\\1/')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^BAD_QUERY - .*backreferences, lookahead and lookbehind are not supported/)
  }, 30_000)
})
