// Every example a `--help` shows is run (issue 11 item 5): parsed out of the built CLI's help for the whole
// program and for each verb, archive names replaced by the golden fixtures (an example whose description starts
// with "Linux" by the Linux one), run from a temporary directory (outputs land there), and held to exit 0.
// Capture and ps examples run against the fake PSS library (Windows code path, PSSNAP_PSS_LIBRARY) when they
// name its processes (4242, notepad), else on Linux for real, the named process being a child started here.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import { CLI } from './helpers/cli.js'

// `view` is left out: it serves until stopped (test/viewer.test.ts runs it with --no-open and a stand-in xdg-open).
const VERBS = ['', 'info', 'handles', 'threads', 'regions', 'aux', 'query', 'validate', 'export', 'diff', 'trend', 'redact', 'report', 'sql', 'capture', 'ps', 'selftest']
const fixture = (name: string) => resolve('spec', 'fixtures', `${name}.pssnap`)
const linux = process.platform === 'linux'

function run(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env }
  delete env.FORCE_COLOR
  delete env.NO_COLOR
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd: options.cwd, env, timeout: 120_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

/** Words of a shell command line: '…' and "…" quoting, no expansion (the examples need none after substitution). */
export function shellWords(line: string): string[] {
  const words: string[] = []
  let word: string | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (c === ' ') {
      if (word !== undefined) words.push(word)
      word = undefined
    } else if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1)
      if (end < 0) throw new Error(`unclosed ${c} in ${line}`)
      word = (word ?? '') + line.slice(i + 1, end)
      i = end
    } else word = (word ?? '') + c
  }
  if (word !== undefined) words.push(word)
  return words
}

interface Example {
  verb: string
  command: string
  description: string
}

/** `  pssnap handles x --where '…'   description` lines under `Examples:`. */
function examplesOf(help: string, verb: string): Example[] {
  const section = help.split('\nExamples:\n')[1]?.split('\n\n')[0] ?? ''
  return section
    .split('\n')
    .filter((l) => l.startsWith('  pssnap'))
    .map((l) => {
      const m = /^ {2}(pssnap .*?\S)\s{2,}(\S.*)$/.exec(l)
      if (!m) throw new Error(`cannot read the example line: ${l}`)
      return { verb, command: m[1]!, description: m[2]! }
    })
}

let dir: string
let examples: Example[] = []
/** Verbs whose own --help shows at least one example. */
const verbsWithExamples = new Set<string>()
let child: ChildProcess | undefined
/** The Linux process the `capture nginx` example names: a copy of sleep under a name nobody else uses. */
let childName = ''

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pssnap-help-examples-'))
  writeFileSync(join(dir, 'pssnap-key'), 'a key for the examples\n')
  const helps = await Promise.all(VERBS.map((verb) => run(verb ? [verb, '--help'] : ['--help'], { cwd: dir })))
  helps.forEach((r, i) => {
    expect(r.code).toBe(0)
    examples.push(...examplesOf(r.stdout, VERBS[i]!))
  })
  for (const e of examples) verbsWithExamples.add(e.verb)
  // One example per line, not repeated between the top-level help and a verb's.
  examples = examples.filter((e, i) => examples.findIndex((x) => x.command === e.command) === i)
  if (linux) {
    childName = `pssex${process.pid % 100000}`
    copyFileSync('/bin/sleep', join(dir, childName))
    child = spawn(join(dir, childName), ['120'], { stdio: 'ignore' })
    await new Promise((r) => setTimeout(r, 200))
  }
}, 120_000)

afterAll(() => {
  child?.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

/** The argument lists an example stands for (an `a && b` example is two), with fixtures and paths put in. */
function invocations(example: Example): string[][] {
  const archive = /^Linux/.test(example.description) ? fixture('linux-small') : fixture('small')
  return example.command.split(' && ').map((part) => {
    let words = shellWords(part).slice(1) // without `pssnap`
    const redirect = words.indexOf('>')
    if (redirect >= 0) words = words.slice(0, redirect) // stdout is captured by the test instead
    const out: string[] = []
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!
      const previous = words[i - 1]
      if (previous === '-o' || previous === '--output') out.push(w) // relative: lands in the temporary directory
      else if (w === 'snap-*.pssnap') out.push(fixture('minimal'), fixture('small'), fixture('medium'))
      else if (w === 'before.pssnap' || w === 'after.pssnap') out.push(fixture('small'))
      else if (w.endsWith('.pssnap') && words[0] !== 'capture') out.push(archive)
      else if (w === '~/.pssnap-key') out.push(join(dir, 'pssnap-key'))
      else if (words[0] === 'capture' && w === 'nginx') out.push(childName)
      else out.push(w)
    }
    return out
  })
}

/** Windows examples (the fake's processes) run against the fake PSS library; the rest on this OS. */
function environment(example: Example): Record<string, string> | 'skip' {
  const fakeProcess = / (4242|notepad)\b/.test(example.command)
  if (fakeProcess) {
    const library = inject('fakePssLibrary') ?? process.env.PSSNAP_FAKE_PSS
    return library ? { PSSNAP_PSS_LIBRARY: library } : 'skip'
  }
  if ((example.verb === 'capture' || example.verb === 'ps' || example.verb === 'selftest') && !linux) return 'skip'
  return {}
}

describe('every --help example runs and exits 0', () => {
  it('finds the examples of every verb', () => {
    for (const verb of VERBS.filter(Boolean)) expect(verbsWithExamples.has(verb), verb).toBe(true)
    // Both platforms are shown where they differ.
    expect(examples.some((e) => /^Linux/.test(e.description))).toBe(true)
    expect(examples.some((e) => /^Windows/.test(e.description))).toBe(true)
  })

  it('runs each one', { timeout: 600_000 }, async () => {
    const failures: string[] = []
    let ran = 0
    for (const example of examples) {
      const env = environment(example)
      if (env === 'skip') continue
      for (const args of invocations(example)) {
        const r = await run(args, { cwd: dir, env })
        ran++
        if (r.code !== 0) failures.push(`${example.command}\n  ran: pssnap ${args.join(' ')}\n  exit ${r.code}: ${r.stderr.trim().split('\n').slice(0, 3).join(' | ')}`)
      }
    }
    expect(failures).toEqual([])
    expect(ran).toBeGreaterThanOrEqual(examples.length)
  })
})
