// File snapshots of every reading verb's output (issue 5, item 5): table, --json, --ndjson and --csv, as the
// verb offers them, through the built CLI (`node dist/cli.js`, built by `npm run build`), on the golden
// fixtures (spec/fixtures, never regenerated) and on a deterministic synthetic pair and series
// (test/helpers/snapshot-pair.ts). Anything that depends on the machine or the moment is normalised first.
// New snapshots are written with `npx vitest run test/cli-output.test.ts -u`; CI never writes them.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { addFiles, baseSnapshot, clone, injectChanges, later } from './helpers/snapshot-pair.js'
import { snapshotBytes, type Snapshot } from './synthetic/generate.js'

/** Every golden fixture (a new one needs its snapshots written with -u). */
const FIXTURES = ['minimal', 'small', 'medium', 'linux-small'] as const
/** One process's series of the Windows fixtures, for trend. */
const SERIES = ['minimal', 'small', 'medium'] as const
const fixture = (name: string) => join('spec', 'fixtures', `${name}.pssnap`)

let dir: string
const path = (name: string) => join(dir, name)
const save = async (name: string, s: Snapshot) => writeFile(path(name), await snapshotBytes(s))

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pssnap-cli-output-'))
  const a = baseSnapshot()
  const b = clone(a)
  injectChanges(b)
  await Promise.all([save('before.pssnap', a), save('after.pssnap', b)])
  await Promise.all(
    [0, 1, 2].map((i) => {
      const s = later(a, i)
      addFiles(s, 4 * i, 'leak')
      return save(`leak${i}.pssnap`, s)
    }),
  )
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** What may differ between machines or runs: the temporary directory, and durations the reader measured. */
function normalise(text: string): string {
  return text.split(dir).join('<tmp>')
}

type Format = 'table' | 'json' | 'ndjson' | 'csv'
const FLAG: Record<Format, string[]> = { table: [], json: ['--json'], ndjson: ['--ndjson'], csv: ['--csv'] }
const EXT: Record<Format, string> = { table: 'txt', json: 'json', ndjson: 'ndjson', csv: 'csv' }

/** Runs the CLI, expects exit 0 and `stderr`, and compares stdout with the file snapshot `name.<ext>`. */
async function snapshot(name: string, format: Format, args: string[], stderr: RegExp | '' = ''): Promise<void> {
  const r = await runCli(...args, ...FLAG[format])
  if (stderr === '') expect(r.stderr, `${args.join(' ')} ${FLAG[format].join(' ')}: stderr`).toBe('')
  else expect(r.stderr).toMatch(stderr)
  expect(r.code).toBe(0)
  await expect(normalise(r.stdout)).toMatchFileSnapshot(`./__snapshots__/cli-output/${name}.${EXT[format]}`)
}

const LISTS = ['handles', 'threads', 'regions', 'aux'] as const
const ALL: Format[] = ['table', 'json', 'ndjson', 'csv']

describe.each(FIXTURES)('golden fixture %s', (name) => {
  const file = fixture(name)
  it.each(['table', 'json'] as Format[])('info, validate: %s', async (format) => {
    await snapshot(`${name}/info`, format, ['info', file])
    await snapshot(`${name}/validate`, format, ['validate', file])
  })
  it.each(ALL)('handles, threads, regions, aux, query: %s', async (format) => {
    for (const verb of LISTS) await snapshot(`${name}/${verb}`, format, [verb, file])
    await snapshot(`${name}/query-handles-by-type`, format, ['query', file, 'handles', '--group-by', 'typeName'])
    await snapshot(`${name}/query-regions`, format, ['query', file, 'regions', '--where', 'state = COMMIT', '--sort', 'regionSize:desc', '--limit', '5'])
  })
  it.each(['json', 'ndjson', 'csv'] as const)('export --format %s', async (format) => {
    const section = format === 'csv' ? ['--section', 'handles'] : []
    const r = await runCli('export', file, '--format', format, ...section)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    await expect(normalise(r.stdout)).toMatchFileSnapshot(`./__snapshots__/cli-output/${name}/export.${EXT[format]}`)
  })
})

describe('diff and trend', () => {
  it.each(['table', 'json', 'csv'] as Format[])('diff of the synthetic pair: %s', async (format) => {
    await snapshot('pair/diff', format, ['diff', path('before.pssnap'), path('after.pssnap')])
    await snapshot('pair/diff-details', format, ['diff', path('before.pssnap'), path('after.pssnap'), '--details'])
  })
  it.each(['table', 'json', 'csv'] as Format[])('diff of two golden fixtures: %s', async (format) => {
    // Different synthetic processes: the warning goes to stderr with JSON and CSV, to the table's top otherwise.
    await snapshot('fixtures/diff-small-medium', format, ['diff', fixture('small'), fixture('medium'), '--limit', '10'], format === 'table' ? '' : /^warning PID_DIFFERS - /)
  })
  it.each(['table', 'json', 'csv'] as Format[])('trend of the synthetic series: %s', async (format) => {
    await snapshot('series/trend', format, ['trend', path('leak2.pssnap'), path('leak0.pssnap'), path('leak1.pssnap')])
  })
  it.each(['table', 'json', 'csv'] as Format[])('trend of the golden fixtures: %s', async (format) => {
    await snapshot('fixtures/trend', format, ['trend', ...SERIES.map(fixture)], /^warning PID_DIFFERS - small\.pssnap: /)
  })
})
