// A CLI that fits the hand (issue 11 item 5), through the built CLI: short usage errors with a did-you-mean,
// --sort on groups, section names in any case, field suggestions in --where, tables fitted to the terminal,
// --verbose stacks in the TypeScript sources, ps through the query engine, kernel threads refused.
import { spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from './helpers/cli.js'
import { runCliWith } from './helpers/fake-process.js'

const small = join('spec', 'fixtures', 'small.pssnap')
const linuxSmall = join('spec', 'fixtures', 'linux-small.pssnap')
const dir = mkdtempSync(join(tmpdir(), 'pssnap-cli-usage-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe.concurrent('usage errors: the problem, a did-you-mean and the --help hint, exit 2', () => {
  it.for([
    [['hadles', 'x'], "pssnap: unknown command 'hadles'\ndid you mean 'pssnap handles'?\nRun 'pssnap --help' for the commands.\n"],
    [['handles', 'x', '--limt', '3'], "pssnap handles: unknown option --limt\ndid you mean --limit?\nRun 'pssnap handles --help' for its options and examples.\n"],
    [['ps', 'node'], 'pssnap ps: unexpected argument \'node\': ps lists every process and takes no name\nto filter: pssnap ps --where "name ~ node"\nRun \'pssnap ps --help\' for its options and examples.\n'],
    [['query', 'x', 'vaspcae'], "pssnap query: unknown section 'vaspcae' (did you mean vaSpace?): use handles, threads, regions or aux\nRun 'pssnap query --help' for its options and examples.\n"],
    [['info', 'a', 'b'], "pssnap info: unexpected argument 'b': info takes <archive>\nRun 'pssnap info --help' for its options and examples.\n"],
  ] as const)('%j', async ([args, stderr], { expect }) => {
    const r = await runCli(...args)
    expect(r).toEqual({ code: 2, stdout: '', stderr })
  })
})

describe.concurrent('query options', () => {
  it('--sort count:desc, sum:desc and key order groups; another field is refused, not ignored', async ({ expect }) => {
    const byCount = await runCli('handles', small, '--group-by', 'typeName', '--sort', 'count:desc', '--json')
    expect(byCount.code).toBe(0)
    const counts = (JSON.parse(byCount.stdout) as { groups: { count: number }[] }).groups.map((g) => g.count)
    expect(counts).toEqual([...counts].sort((a, b) => b - a))
    const ascending = await runCli('handles', small, '--group-by', 'typeName', '--sort', 'count', '--json')
    expect((JSON.parse(ascending.stdout) as { groups: { count: number }[] }).groups.map((g) => g.count)).toEqual([...counts].sort((a, b) => a - b))

    const bySum = await runCli('regions', small, '--group-by', 'type', '--sum', 'regionSize', '--sort', 'sum:desc', '--json')
    const sums = (JSON.parse(bySum.stdout) as { groups: { sum: string }[] }).groups.map((g) => BigInt(g.sum))
    expect(sums.length).toBeGreaterThan(1)
    expect(sums).toEqual([...sums].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)))

    const byKey = await runCli('handles', small, '--group-by', 'typeName', '--sort', 'typeName', '--json')
    const keys = (JSON.parse(byKey.stdout) as { groups: { key: string }[] }).groups.map((g) => g.key)
    expect(keys).toEqual([...keys].sort())

    const other = await runCli('handles', small, '--group-by', 'typeName', '--sort', 'handleCount')
    expect(other.code).toBe(1)
    expect(other.stderr).toMatch(/^UNKNOWN_FIELD - with --group-by, --sort orders the groups: 'count', 'key' or 'typeName', not 'handleCount'/)
    const noSum = await runCli('handles', small, '--group-by', 'typeName', '--sort', 'sum:desc')
    expect(noSum.stderr).toMatch(/^UNKNOWN_FIELD - --sort sum needs --sum <field>/)
  })

  it('section names ignore case: vaspace, VASPACE, Regions', async ({ expect }) => {
    const reference = await runCli('query', small, 'vaSpace', '--json')
    expect(reference.code).toBe(0)
    for (const name of ['vaspace', 'VASPACE', 'Regions', 'AUX', 'Handles']) {
      const r = await runCli('query', small, name, '--limit', '1')
      expect(r.code, name).toBe(0)
    }
    expect((await runCli('query', small, 'VASPACE', '--json')).stdout).toBe(reference.stdout)
  })

  it('a misspelt --where field gets a suggestion, like --sort', async ({ expect }) => {
    const where = await runCli('handles', small, '--where', 'typname = File')
    expect(where.code).toBe(1)
    expect(where.stderr).toMatch(/^BAD_QUERY - unknown field 'typname' in handles \(did you mean typeName\?\) at column 1/)
    const sort = await runCli('handles', small, '--sort', 'typname')
    expect(sort.stderr).toMatch(/^UNKNOWN_FIELD - unknown field 'typname' in handles \(did you mean typeName\?\)/)
  })
})

describe.concurrent('tables fit the terminal', () => {
  it('COLUMNS cuts the widest text column with …; --wide and piped output without COLUMNS do not', async ({ expect }) => {
    const piped = await runCliWith({ COLUMNS: undefined }, 'handles', linuxSmall)
    const widest = Math.max(...piped.stdout.split('\n').map((l) => l.length))
    expect(widest).toBeGreaterThan(70)
    expect(piped.stdout).not.toContain('…')

    const narrow = await runCliWith({ COLUMNS: '70' }, 'handles', linuxSmall)
    expect(narrow.code).toBe(0)
    const lines = narrow.stdout.trimEnd().split('\n')
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(70)
    // The widest columns (open flags, then object names) gave way; short ones (fd, type) kept their width.
    expect(narrow.stdout).toMatch(/\n 3  File +\/var\/log\/[^ ]*…  WRONLY\|[^ ]*… +1048576\n/)
    expect(narrow.stdout).toContain('CharacterDevice')
    expect(lines.length).toBe(piped.stdout.trimEnd().split('\n').length)

    const wide = await runCliWith({ COLUMNS: '70' }, 'handles', linuxSmall, '--wide')
    expect(wide.stdout).toBe(piped.stdout)
    // Machine formats are never cut.
    const csv = await runCliWith({ COLUMNS: '20' }, 'handles', linuxSmall, '--csv')
    expect(csv.stdout).not.toContain('…')
  })
})

describe.concurrent('--verbose', () => {
  it('stack traces name the TypeScript source files and lines (through dist/cli.js.map)', async ({ expect }) => {
    const text = join(dir, 'text.txt')
    writeFileSync(text, 'not an archive\n')
    const r = await runCli('handles', text, '--verbose')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/\n\s+at .*\/(format|reader|cli)\/[\w-]+\.ts:\d+:\d+/)
    expect(r.stderr).not.toMatch(/cli\.js:\d+:\d+/)
  })
})

describe.runIf(process.platform === 'linux')('ps and capture targets on Linux', () => {
  it('--where, --sort and --json through the query engine; kernel threads and zombies marked', async () => {
    const json = await runCli('ps', '--json', '--where', 'kernelThread = true', '--sort', 'processId:desc')
    expect(json.code).toBe(0)
    const listed = (JSON.parse(json.stdout) as { processes: { processId: number; kernelThread: boolean; name: string }[] }).processes
    expect(listed.length).toBeGreaterThan(0)
    expect(listed.every((p) => p.kernelThread)).toBe(true)
    expect(listed.map((p) => p.processId)).toEqual([...listed.map((p) => p.processId)].sort((a, b) => b - a))

    const table = await runCli('ps', '--where', 'processId = 2')
    expect(table.stdout).toMatch(/^ *pid +ppid +state +fds +threads +name +command\n +2 +0 +\S +\d+ +1 +\[kthreadd\]\n1 of \d+ processes match\n$/)

    // A zombie: a child that exited and was not waited for (its parent, a shell, sleeps).
    const parent = spawn('/bin/sh', ['-c', 'sleep 0 & exec sleep 30'], { stdio: 'ignore' })
    try {
      await new Promise((r) => setTimeout(r, 500))
      const zombies = await runCli('ps', '--where', `parentProcessId = ${parent.pid} and state = Z`)
      expect(zombies.stdout).toMatch(/ sleep <defunct>/)
    } finally {
      parent.kill('SIGKILL')
    }

    const misspelt = await runCli('ps', '--sort', 'threads')
    expect(misspelt.code).toBe(1)
    expect(misspelt.stderr).toMatch(/^UNKNOWN_FIELD - unknown field 'threads' \(did you mean threadCount/)
  })

  it('an ambiguous name lists pid and command line; a kernel thread is refused', async () => {
    const name = `pssamb${process.pid % 10000}`
    copyFileSync('/bin/sleep', join(dir, name))
    const children = [spawn(join(dir, name), ['30']), spawn(join(dir, name), ['31'])]
    try {
      await new Promise((r) => setTimeout(r, 300))
      const r = await runCli('capture', name, '-o', join(dir, 'never.pssnap'))
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`AMBIGUOUS_NAME - 2 processes are named '${name}'; capture one by its pid:`)
      expect(r.stderr).toContain(`  ${children[0]!.pid}  ${join(dir, name)} 30\n`)
      expect(r.stderr).toContain(`  ${children[1]!.pid}  ${join(dir, name)} 31\n`)
    } finally {
      for (const c of children) c.kill('SIGKILL')
    }
    const kernel = await runCli('capture', '2', '-o', join(dir, 'kthreadd.pssnap'))
    expect(kernel).toEqual({ code: 1, stdout: '', stderr: 'KERNEL_THREAD - process 2 (kthreadd) is a kernel thread: it has no memory maps, file descriptors or executable to capture\n' })
  })

  it.skipIf(process.getuid?.() !== 0)('as root, a refused pid 1 is not answered with "run as root"', async () => {
    const r = await runCli('capture', '1', '-o', join(dir, 'init.pssnap'))
    if (r.code === 0) return // this machine lets root read pid 1: nothing to explain
    expect(r.stderr).toMatch(/^ACCESS_DENIED - cannot inspect process 1: /)
    expect(r.stderr).not.toMatch(/run pssnap as root/)
  })
})
