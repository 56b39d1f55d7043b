// Every path meant for people shows archive and process strings through safeText (reader/display.ts), end
// to end through the built CLI: a valid archive whose every string field carries an OSC 52 clipboard write,
// a screen clear, an 8-bit CSI, a bidi override, U+2028 and a zero-width space is read by every verb in
// every human mode, and no raw control, bidi or format character may reach stdout or stderr. Each case also
// checks the payload was shown (escaped), so a verb that printed nothing could not pass. Machine formats
// (JSON, NDJSON, CSV) keep exact values and are not run here (test/csv-safety.test.ts covers CSV).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { unsafeCharactersIn } from '../reader/display.js'
import { minimalArchive } from './helpers/build-archive.js'
import { runCli } from './helpers/cli.js'
import { hostile, hostileArchive } from './helpers/hostile-strings.js'

let dir: string
let evil: string
let evil2: string
let plain: string
/** A truncated hostile archive whose file name itself holds an escape: the damage line quotes it. */
let evilName: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pssnap-output-safety-'))
  evil = join(dir, 'evil.pssnap')
  evil2 = join(dir, 'evil2.pssnap')
  plain = join(dir, 'plain.pssnap')
  evilName = join(dir, 'trunc\x1b[2J\u202e.pssnap')
  writeFileSync(evil, hostileArchive())
  writeFileSync(evil2, hostileArchive({ text: (f) => hostile(`${f}-2`) }))
  writeFileSync(plain, minimalArchive())
  const cut = hostileArchive({ noTrailer: true })
  writeFileSync(evilName, cut.subarray(0, cut.length - 40))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The escaped form of the payload's ESC: proof the hostile string was shown rather than dropped. */
const SHOWN = '\\x1b]52'

function expectSafe(r: { code: number; stdout: string; stderr: string }, what: string): void {
  expect(unsafeCharactersIn(r.stdout), `${what}: stdout`).toEqual([])
  expect(unsafeCharactersIn(r.stderr), `${what}: stderr`).toEqual([])
  expect(r.stderr, `${what}: no INTERNAL`).not.toContain('INTERNAL')
}

describe('no raw control, C1, bidi or format character reaches a person', () => {
  const cases: [string, () => string[], { shows?: boolean; code?: number }][] = [
    ['info', () => ['info', evil], {}],
    ['validate', () => ['validate', evil], {}],
    ['handles', () => ['handles', evil], {}],
    ['handles --columns all', () => ['handles', evil, '--columns', 'all'], {}],
    ['handles --group-by typeName', () => ['handles', evil, '--group-by', 'typeName'], {}],
    ['handles --group-by objectName', () => ['handles', evil, '--group-by', 'objectName'], {}],
    ['threads', () => ['threads', evil], {}],
    ['threads --columns all', () => ['threads', evil, '--columns', 'all'], {}],
    ['threads --group-by threadName', () => ['threads', evil, '--group-by', 'threadName'], {}],
    ['regions', () => ['regions', evil], {}],
    ['regions --group-by mappedFileName --sum regionSize', () => ['regions', evil, '--group-by', 'mappedFileName', '--sum', 'regionSize'], {}],
    ['aux (no strings of its own: the damage-free table must stay clean)', () => ['aux', evil], { shows: false }],
    ['aux --columns all', () => ['aux', evil, '--columns', 'all'], { shows: false }],
    ['query handles --where', () => ['query', evil, 'handles', '--where', 'objectName ~ evil'], {}],
    ['query regions --group-by', () => ['query', evil, 'regions', '--group-by', 'mappedFileName'], {}],
    // A QueryError quotes the user's text: still escaped on stderr.
    ['a QueryError quoting an escape', () => ['handles', evil, '--where', 'objectType = \x1b]52;c;x\x07'], { code: 1 }],
    // The damage line names the file: its name carries an escape too.
    ['a damaged archive with a hostile file name', () => ['handles', evilName], {}],
    ['info of a damaged archive with a hostile file name', () => ['info', evilName], {}],
    ['export to a file (its note on stderr)', () => ['export', evil, '--format', 'json', '-o', join(dir, 'out.json')], { shows: false }],
    ['redact (notes on stderr)', () => ['redact', evil, '-o', join(dir, 'redacted.pssnap'), '--key', 'k', '--map', join(dir, 'map.json')], {}],
    // diff and trend are cli/diff.ts's (the verdicts engineer's), held to the same rule here.
    ['diff', () => ['diff', evil, evil2], {}],
    ['diff --details', () => ['diff', evil, evil2, '--details'], {}],
    ['diff against a plain archive', () => ['diff', plain, evil, '--details'], {}],
    ['trend', () => ['trend', evil, evil2, plain], {}],
  ]
  it.each(cases)('%s', async (what, args, o) => {
    const r = await runCli(...args())
    expectSafe(r, what)
    expect(r.code, `${what}: exit status (stderr: ${r.stderr.slice(0, 300)})`).toBe(o.code ?? 0)
    if (o.shows !== false) expect(r.stdout + r.stderr, `${what}: the hostile text is shown, escaped`).toContain(SHOWN)
  })
})

describe('pssnap ps', () => {
  // Linux: the child renames itself through /proc/self/comm (Windows lists image names, which it cannot forge so).
  it.runIf(process.platform === 'linux')('shows a process whose name holds ESC and a bidi override escaped', async () => {
    // Any local user names their own process: the child sets its comm (15 bytes at most) and waits.
    const name = 'pw\x1b[2J\u202ex'
    const child = spawn(process.execPath, ['-e', `require('fs').writeFileSync('/proc/self/comm', ${JSON.stringify(name)}); process.stdout.write('ready\\n'); setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve())
        child.once('exit', (code) => reject(new Error(`child exited with ${code}`)))
      })
      const r = await runCli('ps')
      expect(r.code).toBe(0)
      expectSafe(r, 'ps')
      const row = r.stdout.split('\n').find((l) => new RegExp(`^\\s*${child.pid}\\s`).test(l))
      expect(row, 'the child is listed').toBeDefined()
      expect(row).toContain('pw\\x1b[2J\\u202ex')
    } finally {
      child.kill()
    }
  })
})
