// Structure-aware hostile fuzzing (issue 18 item 9): VALID archives (frames, lengths and CRCs right) whose
// content is adversarial — terminal escapes, C1 and bidi characters in every string slot, Object.prototype
// names in every name slot, spreadsheet formulas, MB-long strings, 10k+ unknown names, 60k handles sharing
// one identity, honest 2^20-entry chunks — run through every reading verb of the CLI (test/fuzz/hostile/).
// Each verb must end in a typed outcome, show no raw control or bidi character to a person, write neutral CSV
// and stay within issue 18's budget. CI runs 2,000 cases (in two child processes behind the watchdog of
// `npm run fuzz -- --hostile`, most verbs in process through cli/main.ts's `main`, a sample through the built
// dist/cli.js) and replays the kept failing seeds of test/fuzz/regressions-hostile/.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { openArchive, validateArchive } from '../reader/index.js'
import { crc32 } from './helpers/build-archive.js'
import { checkVerb, csvCellsOf, formulaCells, rssBudget, timeBudgetMs, type VerbResult } from './fuzz/hostile/check.js'
import { BIG_KINDS, bigKindOf, generateCase, planCase } from './fuzz/hostile/generate.js'
import { CONTROL, FORMULA, PROTO_NAMES } from './fuzz/hostile/strings.js'
import { verbsFor, type Verb } from './fuzz/hostile/verbs.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const SEED = 20261202
const COUNT = 2000

/** Frames walked from the preamble: each one's CRC as stored and as computed over its bytes. */
function frameChecks(bytes: Uint8Array): { kind: number; stored: number; computed: number }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = []
  for (let at = 16; at < bytes.length; ) {
    const length = view.getUint32(at + 8, true)
    out.push({ kind: view.getUint16(at + 4, true), stored: view.getUint32(at + 16, true), computed: crc32(bytes.subarray(at + 4, at + 16), bytes.subarray(at + 20, at + 20 + length)) })
    at += 20 + length
  }
  return out
}

describe('the hostile case generator', () => {
  it('is deterministic: a seed and variant give the same bytes', async () => {
    for (const [seed, big] of [[1], [2], [3], [4, 'unknownNames'], [5, 'hugeCount']] as const) {
      expect((await generateCase(planCase(seed, big), 1)).bytes).toEqual((await generateCase(planCase(seed, big), 1)).bytes)
    }
    expect((await generateCase(planCase(1), 0)).bytes).not.toEqual((await generateCase(planCase(1), 1)).bytes)
  })

  it('writes valid archives: every frame checks out, and a reader finds nothing wrong but unknown names', async () => {
    const writers = new Set<string>()
    for (let seed = 1; seed <= 30; seed++) {
      const plan = planCase(seed, seed === 7 ? 'unknownNames' : seed === 8 ? 'hugeCount' : undefined)
      writers.add(plan.writer)
      const c = await generateCase(plan, seed % 3)
      const frames = frameChecks(c.bytes)
      expect(frames[0]!.kind, `seed ${seed}`).toBe(1)
      expect(frames.at(-1)!.kind, `seed ${seed}`).toBe(4)
      for (const f of frames) expect(f.stored, `seed ${seed}`).toBe(f.computed)
      const report = await validateArchive(c.bytes)
      expect(report.ok, `seed ${seed}`).toBe(true)
      expect(new Set(report.diagnostics.map((d) => `${d.severity} ${d.code}`)), `seed ${seed}`).toEqual(new Set(report.diagnostics.length ? ['info UNKNOWN'] : []))
    }
    // Both ways of writing: the format's ArchiveWriter and the independent builder.
    expect(writers).toEqual(new Set(['ArchiveWriter', 'builder']))
  })

  it('puts hostile strings and names where a reader shows or looks them up', async () => {
    const seen = { control: 0, protoArchitecture: 0, protoErrorSection: 0, formula: 0, protoTypeName: 0 }
    const isControl = (s: unknown) => typeof s === 'string' && CONTROL.some((c) => c.length > 0 && s.includes(c) && c !== '\n' && c !== '\t')
    for (let seed = 1; seed <= 40; seed++) {
      const archive = await openArchive((await generateCase(planCase(seed), 0)).bytes)
      const h = archive.header
      if ([h.producer.tool, h.host.machineName, h.target.imagePath, h.capture.preset].some(isControl)) seen.control++
      if (PROTO_NAMES.includes(h.host.architecture) || PROTO_NAMES.includes(archive.contextArchitecture ?? '')) seen.protoArchitecture++
      if ((archive.epilogue?.captureErrors ?? []).some((e) => PROTO_NAMES.includes(e.section))) seen.protoErrorSection++
      const names = Array.from({ length: archive.handles.length }, (_, i) => archive.handles.get(i)!)
      if (names.some((e) => FORMULA.includes(e.objectName ?? '') || FORMULA.includes(e.typeName ?? ''))) seen.formula++
      if (names.some((e) => PROTO_NAMES.includes(e.typeName ?? ''))) seen.protoTypeName++
    }
    for (const [what, n] of Object.entries(seen)) expect(n, what).toBeGreaterThan(2)
  })

  it('cycles the large attacks over the seeds', () => {
    expect(Array.from({ length: 4 }, (_, i) => bigKindOf((SEED - (SEED % 500)) + 500 * (i + 1), 500)).sort()).toEqual([...BIG_KINDS].sort())
    expect(bigKindOf(SEED + 1, 500)).toBeUndefined()
  })

  it('runs every reading verb on every case, and every output mode over five seeds', () => {
    const files = { a: 'a', b: 'b', c: 'c', redacted: 'r', map: 'm', dump: 'd', parquet: 'p' }
    const verbOf = (v: Verb) => v.argv[0]
    for (let seed = 0; seed < 4; seed++) expect(new Set(verbsFor(files, seed).map(verbOf))).toEqual(new Set(['info', 'validate', 'handles', 'threads', 'regions', 'aux', 'query', 'export', 'diff', 'trend', 'redact']))
    const labels = new Set([5, 6, 7, 8, 9].flatMap((seed) => verbsFor(files, seed).map((v) => v.label)))
    expect(labels).toEqual(new Set(verbsFor(files, 0, true).map((v) => v.label)))
    expect(labels.size).toBe(37)
  })
})

describe('the contract check', () => {
  const verb = (output: Verb['output'], gate = false): Verb => ({ label: 'x', argv: [], output, reads: ['a'], ...(gate ? { gate } : {}) })
  const ok: VerbResult = { code: 0, stdout: '', stderr: '', ms: 5, cpuMs: 5, peakRss: 60 << 20 }
  const properties = (v: Verb, r: Partial<VerbResult>, decoded = 1000) => checkVerb(v, { ...ok, ...r }, decoded).map((p) => p.property)

  it('accepts a clean run, colour codes, escaped text and typed failures', () => {
    expect(properties(verb('human'), { stdout: '\x1b[1mhandle\x1b[22m  C:\\x\\x1b\\u202e\n\tok\r\n' })).toEqual([])
    expect(properties(verb('human'), { code: 1, stderr: 'SCHEMA - bad column \\x1b\n' })).toEqual([])
    expect(properties(verb('human'), { code: 1, stdout: 'error CHECKSUM - frame 3\n' })).toEqual([])
    expect(properties(verb('json', true), { code: 3, stdout: '{"a":"\\u001b"}' })).toEqual([])
    expect(properties(verb('json', true), { code: 4, stdout: '{}', stderr: 'NOT_COMPARABLE - handles\n' })).toEqual([])
    expect(properties(verb('csv'), { stdout: "a,b\n-12,'=1+1\n3.5e-3,\"x,\"\"y\"\"\"\n" })).toEqual([])
  })

  it('catches what hostile archives do today', () => {
    expect(properties(verb('human'), { stdout: 'name \x1b]52;c;aGk=\x07\n' })).toEqual(['unsafe-output'])
    expect(properties(verb('human'), { stdout: 'a\u202eb \x9b \u200b' })).toEqual(['unsafe-output'])
    expect(properties(verb('json'), { stdout: '{}', stderr: 'warning X - \x85' })).toEqual(['unsafe-output'])
    expect(properties(verb('human'), { code: 1, stderr: 'INTERNAL - Cannot convert undefined or null to object\n' })).toEqual(['INTERNAL'])
    expect(properties(verb('human'), { code: 1, stderr: 'TypeError: x\n' })).toEqual(['untyped'])
    // validate --json names an unreadable archive's code in its document (seed 1500: a 4 MB producer.tool).
    expect(properties(verb('json'), { code: 1, stdout: JSON.stringify({ ok: false, diagnostics: [{ code: 'SCHEMA', severity: 'error' }] }) })).toEqual([])
    expect(properties(verb('json'), { code: 1, stdout: JSON.stringify({ ok: false, diagnostics: [{ code: 'SCHEMA', severity: 'warning' }] }) })).toEqual(['untyped'])
    expect(properties(verb('human'), { code: 3 })).toEqual(['exit'])
    expect(properties(verb('human'), { code: null, signal: 'SIGABRT', stderr: 'FATAL ERROR: Reached heap limit Allocation failed' })).toEqual(['fatal', 'exit'])
    expect(properties(verb('json'), { stdout: '{"a":' })).toEqual(['bad-json'])
    expect(properties(verb('ndjson'), { stdout: '{}\n{\n' })).toEqual(['bad-json'])
    for (const cell of ['=HYPERLINK("x")', "+cmd|' /C calc'!A0", '@SUM(1)', '-2+3', '"\t=1"', '"\r=1"', '+030828-09-14T02:48:05.477Z']) expect(properties(verb('csv'), { stdout: `a\n${cell}\n` }), cell).toEqual(['csv-formula'])
    expect(properties(verb('human'), { ms: timeBudgetMs(1000) + 1, cpuMs: timeBudgetMs(1000) + 1 })).toEqual(['time'])
    expect(properties(verb('human'), { ms: timeBudgetMs(1000) + 1, cpuMs: 10 })).toEqual([]) // waiting on a busy machine is not work
    expect(properties(verb('human'), { peakRss: rssBudget(1000) + 1 })).toEqual(['memory'])
    expect(properties(verb('human'), { peakRss: rssBudget(100 << 20) - 1 }, 100 << 20)).toEqual([])
  })

  it('reads CSV cells as RFC 4180 does', () => {
    expect([...csvCellsOf('a,"b,c","d\n""e"""\r\n,\n')]).toEqual(['a', 'b,c', 'd\n"e"', '', ''])
    expect(formulaCells('x,"=1"\n-1,+2.5,@\n')).toEqual(['=1', '@'])
  })
})

interface Tally {
  cases: number
  verbRuns: number
  exitCodes: Record<string, number>
  cliCases: number
  big: Record<string, number>
  classes: { key: string; cases: number; example: { id: string; detail: string } }[]
}

describe(`${COUNT} hostile cases through every reading verb`, () => {
  it('typed outcomes, no raw control or bidi character for people, neutral CSV, within the budget; kept seeds replayed', async () => {
    expect(existsSync(join(ROOT, 'dist/cli.js')), 'build the CLI first (npm run build)').toBe(true)
    const dir = mkdtempSync(join(tmpdir(), 'pssnap-hostile-fuzz-'))
    const summaryFile = join(dir, 'summary.json')
    try {
      const run = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
        const args = ['scripts/fuzz.mjs', '--hostile', '--seed', String(SEED), '--count', String(COUNT), '--jobs', '2', '--cli-every', '1000', '--hang-ms', '20000', '--no-keep', '--summary', summaryFile]
        const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
        let output = ''
        child.stdout.on('data', (d: Buffer) => (output += d))
        child.stderr.on('data', (d: Buffer) => (output += d))
        child.on('error', reject)
        child.on('close', (code) => resolve({ code, output }))
      })
      console.log(run.output)
      const { main, replay } = JSON.parse(readFileSync(summaryFile, 'utf8')) as { main: Tally; replay?: Tally }
      // The run itself was what it claims: every case, every verb, a real-binary sample, every large attack.
      expect(main.cases).toBe(COUNT)
      expect(main.verbRuns).toBeGreaterThanOrEqual(COUNT * 12)
      // Valid archives: most verb runs read them through (a generator whose cases were refused would test little).
      expect(main.exitCodes['0'] ?? 0).toBeGreaterThan(main.verbRuns / 2)
      expect(main.cliCases).toBeGreaterThanOrEqual(2)
      expect(Object.keys(main.big).sort()).toEqual([...BIG_KINDS].sort())
      const kept = existsSync(join(ROOT, 'test/fuzz/regressions-hostile')) ? readdirSync(join(ROOT, 'test/fuzz/regressions-hostile')).filter((f) => f.endsWith('.json')).length : 0
      expect(replay?.cases ?? 0).toBe(kept)
      const failures = (t: Tally | undefined) => (t?.classes ?? []).map((c) => `${c.key}: ${c.cases} cases, e.g. ${c.example.id}: ${c.example.detail}`)
      expect(failures(replay), run.output).toEqual([])
      expect(failures(main), run.output).toEqual([])
      expect(run.code, run.output).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    // About 60 s on two idle cores; generous for a loaded machine. Not a speed assertion.
  }, 900_000)
})
