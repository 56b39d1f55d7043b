// SIGINT / SIGTERM during `pssnap capture` (and `export`, `redact`), end to end through the built CLI (dist/cli.js, `npm run build`).
// The test-only hook PSSNAP_TEST_ONLY_PAUSE (capture/test-pause.ts) holds the capture at a known stage and says
// so on stderr; the signal is sent then:
// - `capture`: the process has been read, nothing is written yet (a signal arriving while /proc is read is
//   handled at this same point: the read is synchronous, the handler runs right after it);
// - `write`: every entry is in the temporary file beside the destination, the epilogue and rename are not done.
// Expected: exit 130 (SIGINT) / 143 (SIGTERM), one `INTERRUPTED - …` line, no file at the destination (or the
// one that was there, untouched), no temporary file.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { openArchiveFile } from '../reader/node.js'
import { CLI } from './helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'pssnap-interrupt-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const SENTINEL = 'an archive that was here before\n'
/** The CLI bundle under test: dist/cli.js, or another build of it named by PSSNAP_TEST_CLI. */
const cli = process.env.PSSNAP_TEST_CLI || CLI

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
  stdout: string
  /** Files in the destination folder while the capture was paused. */
  duringPause: string[]
}

/** The Windows backend runs against the fake PSS library (PSSNAP_PSS_LIBRARY), capturing its large fixture. */
const fakePss = inject('fakePssLibrary') ?? process.env.PSSNAP_FAKE_PSS
type Backend = 'linux' | 'windows'

/** Runs `pssnap capture … -o <output>` paused at `stage`; sends `signal` once the pause is announced. */
function captureWithSignal(output: string, stage: 'capture' | 'write', signal: NodeJS.Signals | undefined, backend: Backend, pauseMs = 20_000): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, PSSNAP_TEST_ONLY_PAUSE: `${stage}:${pauseMs}` }
  delete env.FORCE_COLOR
  delete env.PSSNAP_PSS_LIBRARY
  if (backend === 'windows') env.PSSNAP_PSS_LIBRARY = fakePss
  const target = backend === 'windows' ? ['31337'] : ['--self']
  // --force: some destinations exist beforehand (and must survive the interrupt).
  const child = spawn(process.execPath, [cli, 'capture', ...target, '-o', output, '--force'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  let stdout = ''
  let duringPause: string[] = []
  let sent = false
  child.stdout.on('data', (d: Buffer) => (stdout += String(d)))
  child.stderr.on('data', (d: Buffer) => {
    stderr += String(d)
    if (signal && !sent && stderr.includes(`paused at ${stage}\n`)) {
      sent = true
      duringPause = readdirSync(dir)
      child.kill(signal)
    }
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the capture did not end: ${stderr}`))
    }, 50_000)
    child.on('exit', (code, sig) => {
      clearTimeout(timer)
      resolve({ code, signal: sig, stderr, stdout, duringPause })
    })
  })
}

const tempFiles = () => readdirSync(dir).filter((f) => f.endsWith('.tmp'))

const CASES = [
  { signal: 'SIGINT' as const, stage: 'capture' as const, exit: 130, preexisting: false },
  { signal: 'SIGTERM' as const, stage: 'capture' as const, exit: 143, preexisting: true },
  { signal: 'SIGINT' as const, stage: 'write' as const, exit: 130, preexisting: true },
  { signal: 'SIGTERM' as const, stage: 'write' as const, exit: 143, preexisting: false },
]

describe.each([
  ...CASES.map((c) => ({ ...c, backend: 'linux' as const })),
  // The Windows pipeline at the capture stage holds a live snapshot; at the write stage it is freed already.
  ...CASES.map((c) => ({ ...c, backend: 'windows' as const })),
])('$backend: $signal at the $stage stage (destination pre-existing: $preexisting)', ({ signal, stage, exit, preexisting, backend }) => {
  it(`exits ${exit} with one line; nothing at the destination, no temporary file`, async () => {
    const name = `${backend}-${signal}-${stage}.pssnap`
    const output = join(dir, name)
    if (preexisting) writeFileSync(output, SENTINEL)
    const run = await captureWithSignal(output, stage, signal, backend)
    // The signal really came in the middle: at the write stage the temporary file existed.
    if (stage === 'write') expect(run.duringPause.filter((f) => f.startsWith(`.${name}.`) && f.endsWith('.tmp'))).toHaveLength(1)
    else expect(run.duringPause.filter((f) => f.endsWith('.tmp'))).toEqual([])
    expect(run.code).toBe(exit)
    expect(run.stdout).toBe('')
    expect(run.stderr.split('\n').filter((l) => l && !l.startsWith('pssnap-test-only:'))).toEqual([`INTERRUPTED - ${signal} received: capture stopped; nothing written to '${output}'`])
    if (preexisting) expect(readFileSync(output, 'utf8')).toBe(SENTINEL)
    else expect(existsSync(output)).toBe(false)
    expect(tempFiles()).toEqual([])
  })
})

describe.each(['linux', 'windows'] as const)('%s without a signal', (backend) => {
  it('the paused capture completes: exit 0, the archive in place, no temporary file', async () => {
    const output = join(dir, `${backend}-complete.pssnap`)
    writeFileSync(output, SENTINEL)
    const run = await captureWithSignal(output, 'write', undefined, backend, 50)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^captured pid \d+: .* → /)
    const archive = await openArchiveFile(output, { strict: true })
    expect(archive.ok).toBe(true)
    expect(archive.header.host.platform).toBe(backend)
    expect(tempFiles()).toEqual([])
  })
})

describe.each([
  { verb: 'export', args: ['-f', 'json'], name: 'export.json', what: 'stopped' },
  { verb: 'redact', args: ['--key', 'k'], name: 'redacted.pssnap', what: 'redaction stopped' },
])('$verb (the same interrupt module)', ({ verb, args, name, what }) => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s while the output is being written: exit %i, one line, the destination untouched, no temporary file', async (signal, exit) => {
    const output = join(dir, `${signal}-${name}`)
    writeFileSync(output, SENTINEL)
    const fixture = fileURLToPath(new URL('../spec/fixtures/medium.pssnap', import.meta.url))
    const child = spawn(process.execPath, [cli, verb, fixture, ...args, '-o', output, '--force'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    // Signalled as soon as its temporary file exists: the output is then still being written (the abort is
    // checked at every block written and before the rename).
    let seen = false
    for (let i = 0; i < 4000 && !seen && child.exitCode === null; i++) {
      seen = tempFiles().some((f) => f.startsWith(`.${signal}-${name}.`))
      if (!seen) await new Promise((r) => setTimeout(r, 5))
    }
    expect(seen).toBe(true)
    child.kill(signal)
    expect(await exited).toBe(exit)
    expect(stderr).toBe(`INTERRUPTED - ${signal} received: ${what}; nothing written to '${output}'\n`)
    expect(readFileSync(output, 'utf8')).toBe(SENTINEL)
    expect(tempFiles()).toEqual([])
  })
})
