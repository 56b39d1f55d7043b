// `pssnap redact` end to end (the built CLI, `npm run build` first): files written, the map only on request,
// `info` and `validate` on the result, a redacted pair diffed against the original pair, typed failures,
// and a real Linux capture of a process holding files under the user's home.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { homedir, hostname, tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openArchiveFile } from '../reader/node.js'
import { CLI, runCli } from './helpers/cli.js'
import { baseSnapshot, clone, injectChanges } from './helpers/snapshot-pair.js'
import { snapshotBytes } from './synthetic/generate.js'

const run = runCli
let dir: string
let before: string
let after: string
let keyFile: string

/** Handles naming a user's files and a machine, added to both sides of the pair. */
const SECRETS = ['jdoe-sensitive', 'BUILD-SRV-07', 'AcmeSecretProject', '3623811015']

function utf16(s: string): Buffer {
  return Buffer.from(s, 'utf16le')
}

function hits(bytes: Buffer, needles: readonly string[]): string[] {
  return needles.filter((n) => bytes.includes(Buffer.from(n, 'utf8')) || bytes.includes(utf16(n)))
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`)
  dir = await mkdtemp(join(tmpdir(), 'pssnap-redact-'))
  const a = baseSnapshot()
  const top = a.sections.handles.reduce((m, h) => (h.handle! > m ? h.handle! : m), 0n)
  a.sections.handles.push(
    { handle: top + 4n, flags: 3, objectType: 0, typeName: 'File', objectName: 'C:\\Users\\jdoe-sensitive\\Documents\\AcmeSecretProject\\plan.docx' },
    { handle: top + 8n, flags: 3, objectType: 0, typeName: 'Key', objectName: '\\REGISTRY\\USER\\S-1-5-21-3623811015-3361044348-30300820-1013\\Software' },
  )
  const b = clone(a)
  injectChanges(b)
  before = join(dir, 'before.pssnap')
  after = join(dir, 'after.pssnap')
  await writeFile(before, await snapshotBytes(a))
  await writeFile(after, await snapshotBytes(b, { compression: 'deflate' }))
  keyFile = join(dir, 'key')
  await writeFile(keyFile, 'a shared secret\n')
})

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('pssnap redact', () => {
  it('writes a redacted archive that validates, shows its redaction in info, and holds no secret', async () => {
    const out = join(dir, 'r-before.pssnap')
    const r = await run('redact', before, '-o', out, '--key-file', keyFile)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^redacted .*before\.pssnap → .*r-before\.pssnap \(.+\): [\d,]+ names replaced by [\d,]+ pseudonyms, 2 users hidden, \d+ thread contexts dropped\n$/)
    expect(hits(await readFile(before), SECRETS)).toEqual(SECRETS)
    expect(hits(await readFile(out), SECRETS)).toEqual([])
    const info = await run('info', out)
    expect(info.code).toBe(0)
    expect(info.stdout).toMatch(/Redacted +pssnap-hmac-sha256\/1 at \d{4}-\d\d-\d\dT[\d:.]+Z: .*handles\.objectName.*\(thread contexts dropped\)/)
    const json = JSON.parse((await run('info', out, '--json')).stdout) as { queries: { redaction: { method: string; contextsDropped: boolean } } }
    expect(json.queries.redaction).toMatchObject({ method: 'pssnap-hmac-sha256/1', contextsDropped: true })
    const v = await run('validate', out)
    expect(v.code).toBe(0)
    expect(v.stdout).toContain('diagnostics      none')
    // No map unless asked for.
    expect((await readdir(dir)).filter((f) => f.endsWith('.json') || f.startsWith('.'))).toEqual([])
  })

  it('a pair redacted with one key diffs like the original pair', async () => {
    const rb = join(dir, 'pair-before.pssnap')
    const ra = join(dir, 'pair-after.pssnap')
    expect((await run('redact', before, '-o', rb, '--key', 'k1')).code).toBe(0)
    expect((await run('redact', after, '-o', ra, '--key', 'k1')).code).toBe(0)
    const original = JSON.parse((await run('diff', before, after, '--json')).stdout) as Record<string, unknown>
    const redacted = JSON.parse((await run('diff', rb, ra, '--json')).stdout) as Record<string, unknown>
    expect(redacted.counters).toEqual(original.counters)
    expect((redacted.summary as { byType: unknown }).byType).toEqual((original.summary as { byType: unknown }).byType)
    expect(redacted.counts ?? null).toEqual(original.counts ?? null)
    // The compressed input stays compressed.
    const a = await openArchiveFile(ra)
    expect(a.frames.some((f) => f.kind === 2 && f.codec === 1)).toBe(true)
  })

  it('writes the map only with --map, and says what it is', async () => {
    const out = join(dir, 'mapped.pssnap')
    const mapFile = join(dir, 'mapped.map.json')
    const r = await run('redact', before, '-o', out, '--key', 'k1', '--map', mapFile)
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/mapped\.map\.json' maps every pseudonym back to its original: keep it private/)
    const map = JSON.parse(await readFile(mapFile, 'utf8')) as { schema: string; warning: string; names: Record<string, string>; parts: Record<string, string> }
    expect(map.schema).toBe('pssnap.redaction-map/1')
    expect(map.warning).toMatch(/undoes the redaction/)
    expect(Object.values(map.names)).toContain('C:\\Users\\jdoe-sensitive\\Documents\\AcmeSecretProject\\plan.docx')
    expect(Object.values(map.parts)).toContain('BUILD-SRV-07')
    await rm(mapFile)
  })

  it('without a key, says the pseudonyms are random and they differ per run', async () => {
    const x = join(dir, 'x.pssnap')
    const y = join(dir, 'y.pssnap')
    const r = await run('redact', before, '-o', x)
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/note: no --key given: a random key was used/)
    expect((await run('redact', before, '-o', y)).code).toBe(0)
    const [hx, hy] = [(await openArchiveFile(x)).header, (await openArchiveFile(y)).header]
    expect(hx.redaction!.method).toBe('pssnap-hmac-sha256/1+random-key')
    expect(hx.host.machineName).not.toBe(hy.host.machineName)
  })

  it('keeps contexts with --keep-contexts', async () => {
    const out = join(dir, 'contexts.pssnap')
    expect((await run('redact', before, '-o', out, '--key', 'k', '--keep-contexts')).code).toBe(0)
    const a = await openArchiveFile(out)
    expect(a.threads.toArray().some((t) => t.contextRecord)).toBe(true)
    expect(a.header.redaction!.contextsDropped).toBe(false)
  })

  it('fails typed: same file, damaged input, empty key, both key options, missing output', async () => {
    const same = await run('redact', before, '-o', before)
    expect(same).toMatchObject({ code: 1, stdout: '' })
    expect(same.stderr).toMatch(/^SAME_FILE - the output '.*before\.pssnap' is the input/)
    const damaged = join(dir, 'damaged.pssnap')
    const bytes = await readFile(before)
    await writeFile(damaged, bytes.subarray(0, bytes.length - 40))
    const d = await run('redact', damaged, '-o', join(dir, 'never.pssnap'))
    expect(d.code).toBe(1)
    // First the damage line every reading verb prints, then the refusal.
    expect(d.stderr).toMatch(/^warning: .*damaged\.pssnap is damaged: .*trailer missing; results below are partial\nREDACT_INPUT_DAMAGED - the archive is damaged \(TRUNCATED: /)
    expect(existsSync(join(dir, 'never.pssnap'))).toBe(false)
    expect((await run('redact', before, '-o', join(dir, 'never.pssnap'), '--key', '')).stderr).toMatch(/^REDACT_KEY - /)
    const both = await run('redact', before, '-o', join(dir, 'never.pssnap'), '--key', 'a', '--key-file', keyFile)
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/mutually exclusive/)
    const missing = await run('redact', before)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/Missing required argument: o/)
    await rm(damaged)
  })
})

const CHILD = `
import { openSync } from 'node:fs'
const keep = process.argv.slice(2).map((p) => openSync(p, 'w'))
process.stdout.write('ready\\n')
process.stdin.on('data', () => {})
setInterval(() => {}, 1000)
`

describe.skipIf(process.platform !== 'linux')('a real Linux capture, redacted', () => {
  let home: string | undefined
  let child: ChildProcessWithoutNullStreams | undefined

  afterAll(async () => {
    child?.kill()
    if (home) await rm(home, { recursive: true, force: true })
  })

  it('keeps none of the user name, the host name or the home path', async () => {
    const user = userInfo().username
    const host = hostname()
    const homePath = realpathSync(homedir())
    // A process holding files under the home folder (and one named after the user elsewhere).
    home = await mkdtemp(join(homePath, '.pssnap-redact-'))
    const script = join(home, 'child.mjs')
    await writeFile(script, CHILD)
    const files = [join(home, `notes-of-${user}.txt`), join(dir, `${user}-cache.bin`)]
    child = spawn(process.execPath, [script, ...files], { stdio: 'pipe' })
    await new Promise<void>((resolve, reject) => {
      child!.stdout.once('data', () => resolve())
      child!.once('exit', (code) => reject(new Error(`child exited (${code})`)))
    })
    const captured = join(dir, 'linux.pssnap')
    const c = await run('capture', String(child.pid), '-o', captured)
    expect(c.code).toBe(0)
    const original = await readFile(captured)
    // The search can find them: the capture holds the home path and the user name.
    expect(hits(original, [homePath, `notes-of-${user}`])).toEqual([homePath, `notes-of-${user}`])
    const out = join(dir, 'linux-redacted.pssnap')
    const r = await run('redact', captured, '-o', out, '--key', 'k')
    expect(r.code).toBe(0)
    const redacted = await readFile(out)
    // Short names (a host called "vm") occur by chance in binary columns: search those as whole names instead.
    // The user `root` (CI) is also a word of the format's own key `linuxProcess.rootDirectory` (1.2): that user's
    // name is checked as a value (userName below) rather than searched as bytes.
    const needles = [homePath, user, host, `notes-of-${user}`].filter((n) => n.length >= 4 && n !== 'root')
    expect(hits(redacted, needles)).toEqual([])
    const a = await openArchiveFile(out)
    expect(a.header.host.machineName).toMatch(/^host-[0-9a-f]{10}$/)
    expect(a.header.linuxProcess?.userName).toMatch(/^user-[0-9a-f]{10}$/)
    const words = new Set<string>()
    const add = (s: string | undefined) => s?.split(/[\\/ .:_\-[\]()]+/).forEach((w) => words.add(w.toLowerCase()))
    a.handles.forEach((h) => add(h.objectName))
    a.vaSpace.forEach((v) => add(v.mappedFileName))
    a.threads.forEach((t) => add(t.threadName))
    add(a.header.target.imagePath)
    expect(words.has(host.toLowerCase())).toBe(false)
    expect(words.has(user.toLowerCase())).toBe(false)
    // The fds still show what they are: the two files, by shape.
    const names = a.handles.toArray().map((h) => h.objectName ?? '')
    expect(names.some((n) => /\/user-[0-9a-f]{10}\/n-[0-9a-f]{10}\/n-[0-9a-f]{10}\.txt$/.test(n))).toBe(true)
    expect(a.vaSpace.toArray().some((v) => v.mappedFileName?.endsWith('/node'))).toBe(true)
    expect((await run('validate', out)).code).toBe(0)
  })
})
