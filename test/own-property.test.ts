// Names read from an archive (or typed by a user) index tables by own property only (issue 18 item 4):
// every Object.prototype member name (`constructor`, `__proto__`, `toString`, `valueOf`, …) is fed into every
// place a name is looked up — the header's and the context column's architecture, a capture error's section,
// section names (chunks and trailer counts), column names, header keys and string values — and, as user
// input, into --where enum values and field names, --columns, --sort, --group-by and export --section.
// Every verb must end with a typed outcome: exit 0, or 1 with `CODE - message`; never INTERNAL, never a
// JavaScript function's source in the output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { archiveDamage, decodeArchive, registerNames, resolveField, sectionId } from '../reader/index.js'
import { contextLayout, decodeRegisters } from '../format/context.js'
import { PSS_OBJECT_TYPE, parseFlags } from '../format/names.js'
import { runCli, type CliResult } from './helpers/cli.js'
import { hostileArchive } from './helpers/hostile-strings.js'

const MEMBERS = Object.getOwnPropertyNames(Object.prototype)

let dir: string
const files = new Map<string, string>()

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pssnap-own-property-'))
  for (const name of MEMBERS) {
    const file = join(dir, `${name}.pssnap`)
    // Every string field, the architectures, the capture error's section, an unknown section, column and key.
    writeFileSync(file, hostileArchive({ text: () => name, architecture: name, contextArchitecture: name, captureErrorSection: name, unknownSection: name, unknownColumn: name, unknownKey: name }))
    files.set(name, file)
  }
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function expectTyped(r: CliResult, what: string): void {
  expect(r.stderr, `${what}: never INTERNAL`).not.toContain('INTERNAL')
  expect([0, 1], `${what}: exit ${r.code}, stderr ${r.stderr.slice(0, 300)}`).toContain(r.code)
  if (r.code === 1 && !r.stderr.includes('is damaged')) expect(r.stderr, `${what}: a typed error`).toMatch(/^[A-Z][A-Z0-9_]* - /m)
  for (const out of [r.stdout, r.stderr]) {
    expect(out, `${what}: no function source`).not.toContain('[native code]')
    expect(out, `${what}: no function source`).not.toMatch(/function \w*\(/)
  }
}

/** Runs the commands two at a time (the machine has two cores) and checks each. */
async function runAll(commands: string[][]): Promise<void> {
  const queue = [...commands]
  const worker = async () => {
    for (let args = queue.shift(); args; args = queue.shift()) expectTyped(await runCli(...args), args.join(' '))
  }
  await Promise.all([worker(), worker()])
}

describe.each(MEMBERS)('the name %s', (name) => {
  it('in an archive: every reading verb, every mode', async () => {
    const f = files.get(name)!
    const out = join(dir, `${name}.out`)
    await runAll([
      ['info', f],
      ['info', f, '--json'],
      ['validate', f],
      ['handles', f, '--group-by', 'typeName'],
      ['threads', f, '--columns', 'all'],
      ['threads', f, '--json'],
      ['threads', f, '--csv'],
      ['regions', f, '--group-by', 'mappedFileName', '--csv'],
      ['aux', f, '--ndjson'],
      ['query', f, 'threads', '--where', 'threadName = x', '--sort', 'threadId'],
      ['export', f, '--format', 'json'],
      ['export', f, '--format', 'csv', '--section', 'threads'],
      ['redact', f, '-o', `${out}.pssnap`, '--key', 'k'],
      // cli/diff.ts and reader/diff*.ts, trend.ts: the verdicts engineer's code, held to the same rule.
      ['diff', f, f],
      ['trend', f, f],
    ])
  })

  it('as user input: enum values, field names, columns, sort, group-by, export section', async () => {
    const f = files.get(name)!
    await runAll([
      ['handles', f, '--where', `objectType = ${name}`],
      ['regions', f, '--where', `protect has ${name}`],
      ['handles', f, '--where', `${name} = 1`],
      ['handles', f, '--columns', name],
      ['threads', f, '--sort', name],
      ['regions', f, '--group-by', name],
      ['export', f, '--format', 'json', '--section', name],
    ])
  })

  it('in the library: lookups miss, never reach the prototype', async () => {
    expect(contextLayout(name)).toBeUndefined()
    expect(registerNames(name)).toEqual([])
    expect(decodeRegisters(new Uint8Array(2048), name)).toBeUndefined()
    expect(sectionId(name)).toBeUndefined()
    expect(() => resolveField('threads', `registers.${name}`, { contextArchitecture: name })).toThrow(/unknown field/)
    expect(() => parseFlags(PSS_OBJECT_TYPE, name)).toThrow(RangeError)
    const archive = await decodeArchive(hostileArchive({ text: () => name, architecture: name, contextArchitecture: name, captureErrorSection: name, unknownSection: name }))
    const damage = archiveDamage(archive)
    expect(damage.complete, JSON.stringify(damage)).toBe(true)
    expect(Object.keys(damage.sections)).toEqual(['handles', 'threads', 'vaSpace', 'auxiliaryPages'])
  })
})

describe('the known bugs of issue 18', () => {
  it('an architecture named constructor no longer makes threads and export fail with INTERNAL', async () => {
    const f = files.get('constructor')!
    for (const args of [['threads', f], ['export', f, '--format', 'json']]) {
      const r = await runCli(...args)
      expect(r.code, r.stderr).toBe(0)
    }
  })

  it("a capture-error section named constructor is shown as its name in info, not as Object's source", async () => {
    const r = await runCli('info', files.get('constructor')!)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^ {2}constructor: constructor failed with constructor \(5\): constructor$/m)
  })
})
