// `npm run bench -- attacks [--cli <dist/cli.js of another build>]`: the attack classes of issue 18, each a
// valid archive with hostile content built here, read by the built CLI in a child under GNU time. Prints
// the outcome (exit code and error code), wall time and peak RSS of each, beside the reading budget
// (peak RSS ≤ 150 MB + 4 × D, time ≤ 2 s + 1 s per 50 MB of D, D = decoded payload), and the property the
// attack aimed at (raw terminal controls, formula cells, a replaced input, silent damage). With --cli, the
// same attacks run against that build too (for example one made from an older commit), so before and after
// come from one run on one machine. Figures, not assertions: test/budget.test.ts and
// test/hostile-fuzz.test.ts hold the limits.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { deflateSync } from 'node:zlib'
import { unsafeCharactersIn } from '../reader/display.js'
import { decodedBytes, longName, manyOneByteRows, manyUnknownColumns, unknownTinyMaps } from '../test/helpers/budget-attacks.js'
import { ArchiveBuilder, Kind, encode, minimalArchiveExpected as X } from '../test/helpers/build-archive.js'
import { FORMULA, hostileArchive } from '../test/helpers/hostile-strings.js'

const TIME = '/usr/bin/time'
if (!existsSync(TIME)) {
  console.error('bench attacks: needs GNU time at /usr/bin/time (apt-get install time)')
  process.exit(1)
}
const argCli = process.argv.indexOf('--cli')
const builds: [string, string][] = [['this build', resolve('dist/cli.js')]]
if (argCli > 0 && process.argv[argCli + 1]) builds.push(['--cli', resolve(process.argv[argCli + 1]!)])

const dir = mkdtempSync(join(tmpdir(), 'pssnap-attacks-'))
const file = (name: string, bytes: Uint8Array) => {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

/** `n` handles sharing one value, type and name: the diff's matcher meets one run of n equal keys. */
function equalHandles(n: number): Uint8Array {
  const handle = new Uint8Array(n * 8)
  for (let i = 0; i < n; i++) handle[i * 8] = 4
  const payload = encode({ section: 'handles', first: 0, count: n, columns: { handle: { type: 'u64', data: handle } } } as never)
  const header = { producer: X.header.producer, host: X.header.host, target: X.header.target, capture: X.header.capture }
  return new ArchiveBuilder()
    .header(header)
    .frame({ kind: Kind.CHUNK, codec: 1, payload: new Uint8Array(deflateSync(payload, { level: 9 })), decodedLength: payload.length })
    .finish({ trailer: { entryCounts: { handles: n } } })
}

interface Attack {
  readonly name: string
  readonly files: () => string[]
  readonly args: (files: string[]) => string[]
  /** What else is wrong with the output, beyond budget and outcome (empty when nothing). */
  readonly check?: (out: { stdout: string; stderr: string; code: number | null; files: string[] }) => string
}

const rawControls = (o: { stdout: string; stderr: string }) => {
  const found = unsafeCharactersIn(o.stdout + o.stderr)
  return found.length ? `raw ${found.slice(0, 4).join(' ')}` : ''
}
const medium = resolve('spec/fixtures/medium.pssnap')
let truncated: string | undefined
const truncatedFixture = () => (truncated ??= file('trunc.pssnap', readFileSync(medium).subarray(0, Math.floor(statSync(medium).size * 0.6))))

const attacks: Attack[] = [
  { name: 'terminal escapes: info', files: () => [file('hostile.pssnap', hostileArchive())], args: ([a]) => ['info', a!], check: rawControls },
  { name: 'terminal escapes: validate', files: () => [file('hostile.pssnap', hostileArchive())], args: ([a]) => ['validate', a!], check: rawControls },
  { name: 'terminal escapes: handles', files: () => [file('hostile.pssnap', hostileArchive())], args: ([a]) => ['handles', a!], check: rawControls },
  { name: 'terminal escapes: diff', files: () => [file('hostile.pssnap', hostileArchive()), file('hostile2.pssnap', hostileArchive({ objectName: 'other' }))], args: ([a, b]) => ['diff', a!, b!], check: rawControls },
  { name: 'memory: 16M tiny maps, info', files: () => [file('maps.pssnap', unknownTinyMaps(16_000_000))], args: ([a]) => ['info', a!] },
  { name: 'memory: 16M tiny maps, validate', files: () => [file('maps.pssnap', unknownTinyMaps(16_000_000))], args: ([a]) => ['validate', a!] },
  { name: 'memory: 105M one-byte rows (100 chunks), diff', files: () => [file('rows.pssnap', manyOneByteRows(100, 1_050_000)), file('rows2.pssnap', manyOneByteRows(100, 1_050_000))], args: ([a, b]) => ['diff', a!, b!] },
  { name: 'memory: 100M-char name, handles --json', files: () => [file('long.pssnap', longName(100_000_000, '\x1b'))], args: ([a]) => ['handles', a!, '--json'] },
  { name: 'memory: 100M-char name, handles', files: () => [file('long.pssnap', longName(100_000_000, '\x1b'))], args: ([a]) => ['handles', a!], check: rawControls },
  { name: 'time: 20k unknown columns, validate', files: () => [file('cols.pssnap', manyUnknownColumns(20_000))], args: ([a]) => ['validate', a!] },
  { name: 'time: diff of 60k equal keys', files: () => [file('eq.pssnap', equalHandles(60_000)), file('eq2.pssnap', equalHandles(60_000))], args: ([a, b]) => ['diff', a!, b!] },
  { name: 'time: catastrophic --where regex', files: () => [file('aaa.pssnap', longName(38, 'a'))], args: ([a]) => ['handles', a!, '--where', 'objectName ~ /^(\\/?[a-z]+)+\\.log$/'] },
  { name: 'crash: architecture "constructor", threads', files: () => [file('ctor.pssnap', hostileArchive({ architecture: 'constructor', contextArchitecture: 'constructor' }))], args: ([a]) => ['threads', a!] },
  { name: 'crash: error section "constructor", info', files: () => [file('ctor-err.pssnap', hostileArchive({ captureErrorSection: 'constructor' }))], args: ([a]) => ['info', a!], check: (o) => (/native code|function Object/.test(o.stdout) ? 'printed a function' : '') },
  {
    name: 'spreadsheets: handles --csv',
    files: () => [file('formula.pssnap', hostileArchive({ objectName: FORMULA, text: () => 'x' }))],
    args: ([a]) => ['handles', a!, '--csv'],
    check: (o) => (o.stdout.split(/\r?\n/).some((line) => /(^|,)"?[=+@\t\r]/.test(line)) ? 'formula cell unchanged' : ''),
  },
  {
    name: 'output path: export onto its input',
    files: () => {
      const path = join(dir, 'self.pssnap')
      copyFileSync(medium, path)
      return [path]
    },
    args: ([a]) => ['export', a!, '--format', 'csv', '--section', 'handles', '-o', a!],
    check: (o) => (readFileSync(o.files[0]!).subarray(0, 4).toString('latin1') === '\x89PSS' ? '' : 'input replaced'),
  },
  { name: 'silent damage: regions of a cut archive', files: () => [truncatedFixture()], args: ([a]) => ['regions', a!], check: (o) => (/damaged|incomplete/.test(o.stderr) ? '' : 'no word of the damage') },
  { name: 'silent damage: diff with a cut archive', files: () => [truncatedFixture(), medium], args: ([a, b]) => ['diff', a!, b!], check: (o) => (/damaged|incomplete|not comparable/i.test(o.stderr + o.stdout) ? '' : 'no word of the damage') },
]

const MB = 1e6
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length))
console.log(`${pad('attack', 50)}${pad('build', 12)}${pad('outcome', 26)}${pad('time', 10)}${pad('peak RSS', 12)}budget (RSS / time)   other`)
for (const attack of attacks) {
  for (const [label, cli] of builds) {
    const files = attack.files()
    const decoded = files.reduce((sum, f) => sum + (f === medium ? 0 : decodedBytes(readFileSync(f))), 0)
    const rssBudget = 150 * MB + 4 * decoded
    const timeBudget = 2 + decoded / (50 * MB)
    const started = performance.now()
    const r = spawnSync(TIME, ['-f', 'PEAK_KB=%M', process.execPath, cli, ...attack.args(files)], { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 120_000, env: { ...process.env, FORCE_COLOR: '0' } })
    const seconds = (performance.now() - started) / 1000
    const stderr = r.stderr ?? ''
    const peak = Number(/PEAK_KB=(\d+)/.exec(stderr)?.[1] ?? Number.NaN) * 1024
    const killed = /terminated by signal (\d+)/.exec(stderr)?.[1]
    const code = /^([A-Z][A-Z0-9_]+) - /m.exec(stderr)?.[1]
    const fatal = /FATAL ERROR|Reached heap limit/.test(stderr)
    const outcome = r.error ? 'killed at 120 s' : fatal ? 'V8 fatal error' : killed ? `signal ${killed}` : `exit ${r.status}${code ? ` ${code}` : ''}`
    const other = [code === 'INTERNAL' ? 'a bug, not a typed error' : '', attack.check?.({ stdout: r.stdout ?? '', stderr, code: r.status, files }) ?? ''].filter(Boolean).join('; ')
    const over = [peak > rssBudget ? 'RSS over' : '', seconds > timeBudget ? 'time over' : ''].filter(Boolean).join(', ')
    console.log(`${pad(attack.name, 50)}${pad(label, 12)}${pad(outcome, 26)}${pad(`${seconds.toFixed(2)} s`, 10)}${pad(`${(peak / MB).toFixed(0)} MB`, 12)}${pad(`${(rssBudget / MB).toFixed(0)} MB / ${timeBudget.toFixed(1)} s`, 22)}${[over, other].filter(Boolean).join('; ') || 'ok'}`)
    // The export attack replaces its input on an old build: put it back for the next build.
    if (attack.name.startsWith('output path')) copyFileSync(medium, files[0]!)
  }
}
rmSync(dir, { recursive: true, force: true })
