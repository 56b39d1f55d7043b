// "committed" on Linux (issue 11 item 2, spec/LINUX.md §4.1) on a real process: a node child holding a
// WebAssembly.Memory, for which V8 reserves about 10 GiB of PROT_NONE address space. The oracle is the
// kernel's own /proc/<pid>/smaps, summed here: diff and trend must report close to its private writable total
// (`rw-p` and `rwxp` mappings), far below the mapped total; every `---p` mapping is stored as MEM_RESERVE;
// and an archive written with the meaning of before 2026-12-02 (every mapping MEM_COMMIT) gives the same
// committed bytes and no region changes against the new one. Linux only.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatMinorOf, readLinuxCapture } from '../capture/linux/capture.js'
import { diffArchives, counterOf } from '../reader/diff.js'
import { openArchiveFile, writeArchiveFile } from '../reader/node.js'
import { trendArchives } from '../reader/trend.js'
import { runCli } from './helpers/cli.js'

const linux = process.platform === 'linux'
const MiB = 1 << 20
const MEM_COMMIT = 0x1000
const MEM_RESERVE = 0x2000
const PAGE_NOACCESS = 0x01

// A wasm memory of one page: V8 reserves its whole 8 GiB range plus guard regions, PROT_NONE, up front.
const HOLDER = `
globalThis.memory = new WebAssembly.Memory({ initial: 1, maximum: 100 })
setInterval(() => {}, 1000)
process.stdout.write('ready\\n')
`

interface SmapsSums {
  mapped: number
  privateWritable: number
  protNonePrivate: number
}

/** The oracle: sizes of the mappings as the kernel lists them in smaps (start-end perms … per mapping). */
function smapsSums(pid: number): SmapsSums {
  const sums = { mapped: 0, privateWritable: 0, protNonePrivate: 0 }
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'latin1').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) /.exec(line)
    if (!m) continue
    const size = Number(BigInt(`0x${m[2]}`) - BigInt(`0x${m[1]}`))
    const perms = m[3]!
    sums.mapped += size
    if (perms[1] === 'w' && perms[3] === 'p') sums.privateWritable += size
    if (perms === '---p') sums.protNonePrivate += size
  }
  return sums
}

function start(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', HOLDER], { stdio: ['pipe', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child))
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before it was ready`)))
  })
}

describe.skipIf(!linux)('committed on Linux: private writable mappings (real process)', () => {
  let dir: string
  let child: ChildProcess
  const oracle: SmapsSums[] = []
  const files: string[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pssnap-committed-'))
    child = await start()
    for (let k = 0; k < 2; k++) {
      const out = join(dir, `holder-${k}.pssnap`)
      oracle.push(smapsSums(child.pid!))
      const r = await runCli('capture', String(child.pid), '--preset', 'regions', '-o', out)
      expect(r.code, r.stderr).toBe(0)
      oracle.push(smapsSums(child.pid!))
      files.push(out)
    }
  }, 60_000)

  afterAll(async () => {
    child?.kill()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** Within the private writable totals smaps showed around the captures (V8 may map or unmap meanwhile). */
  function expectNearOracle(committed: number): void {
    const low = Math.min(...oracle.map((o) => o.privateWritable))
    const high = Math.max(...oracle.map((o) => o.privateWritable))
    expect(committed).toBeGreaterThanOrEqual(low - 4 * MiB)
    expect(committed).toBeLessThanOrEqual(high + 4 * MiB)
    // Far below what is mapped: the reservation is gigabytes, the committed memory tens of MiB.
    expect(committed * 20).toBeLessThan(Math.min(...oracle.map((o) => o.mapped)))
  }

  it('the child really reserves gigabytes of PROT_NONE address space (else the test proves nothing)', () => {
    for (const o of oracle) expect(o.protNonePrivate).toBeGreaterThan(4 * 1024 * MiB)
  })

  it('diff --json: committed is the private writable total, not the mapped total', async () => {
    const r = await runCli('diff', files[0]!, files[1]!, '--json')
    expect(r.code, r.stderr).toBe(0)
    const c = (JSON.parse(r.stdout).counters as { name: string; before: string; after: string }[]).find((x) => x.name === 'committed')!
    expectNearOracle(Number(c.before))
    expectNearOracle(Number(c.after))
  })

  it('diff text labels it in Linux terms; a gate of 1 GB is not crossed', async () => {
    const r = await runCli('diff', files[0]!, files[1]!, '--fail-on', 'committed+1GB')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/\n\s*committed \(private writable\)\s+\d/)
    expect(r.stdout).toMatch(/\n\s*private \(VmData\)\s+\d/)
    expect(r.stdout).not.toMatch(/\n\s*(privateUsage|pagefileUsage)\s/)
  })

  it('trend text labels both memory series in Linux terms', async () => {
    const r = await runCli('trend', ...files)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/private \(VmData\)\s+committed \(private writable\)\n/)
    expect(r.stdout).toMatch(/\ncommitted \(private writable\)\s+\d/)
  })

  it('trend --json: every point is the private writable total', async () => {
    const r = await runCli('trend', ...files, '--json')
    expect(r.code, r.stderr).toBe(0)
    const totals = JSON.parse(r.stdout).totals as { metric: string; values: (string | number | null)[] }[]
    const committed = totals.find((t) => t.metric === 'committed')!
    expect(committed.values).toHaveLength(2)
    for (const v of committed.values) expectNearOracle(Number(v))
  })

  it('every ---p mapping is stored as MEM_RESERVE, and their bytes are the PROT_NONE reservation', async () => {
    const archive = await openArchiveFile(files[1]!)
    let reserved = 0
    for (const r of archive.vaSpace) {
      if (r.state === MEM_RESERVE) {
        expect(r.protect).toBe(PAGE_NOACCESS)
        reserved += Number(r.regionSize)
      } else expect(r.state).toBe(MEM_COMMIT)
    }
    const around = oracle.slice(2).map((o) => o.protNonePrivate)
    expect(reserved).toBeGreaterThanOrEqual(Math.min(...around) - 4 * MiB)
    expect(reserved).toBeLessThanOrEqual(Math.max(...around) + 4 * MiB)
  })

  it('an archive with the old meaning (every mapping MEM_COMMIT) gives the same committed bytes and no region changes', async () => {
    const capture = await readLinuxCapture(child.pid!, { preset: 'regions' })
    const write = (path: string, allCommit: boolean) =>
      writeArchiveFile(path, capture.header, (w) => {
        w.declareSection('vaSpace')
        for (const e of capture.vaSpace!) w.add('vaSpace', allCommit ? { ...e, state: MEM_COMMIT } : e)
      }, undefined, { formatMinor: formatMinorOf(capture) })
    const [oldPath, newPath] = [join(dir, 'old-meaning.pssnap'), join(dir, 'new-meaning.pssnap')]
    await write(oldPath, true)
    await write(newPath, false)
    const [older, newer] = [await openArchiveFile(oldPath), await openArchiveFile(newPath)]
    expect([...older.vaSpace].some((r) => r.protect === PAGE_NOACCESS && r.state === MEM_COMMIT)).toBe(true)
    const d = diffArchives(older, newer)
    const c = counterOf(d, 'committed')!
    expect(c.before).toBe(c.after)
    expect(d.regions.changed).toHaveLength(0)
    expect(d.committedMeaning).toEqual({ before: 'private-writable', after: 'private-writable' })
    const t = trendArchives([older, newer])
    const series = t.totals.find((s) => s.metric === 'committed')!
    expect(series.values[0]).toBe(series.values[1])
    expect(t.committedMeaning).toBe('private-writable')
  })

  it('a private writable region turned PROT_NONE: a change in maps terms, and committed falls by its size', async () => {
    const capture = await readLinuxCapture(child.pid!, { preset: 'regions' })
    const target = capture.vaSpace!.find((e) => e.protect === 0x04 && e.type === 0x20000 && e.mappedFileName === undefined)!
    const write = (path: string, release: boolean) =>
      writeArchiveFile(path, capture.header, (w) => {
        w.declareSection('vaSpace')
        for (const e of capture.vaSpace!) w.add('vaSpace', release && e === target ? { ...e, protect: PAGE_NOACCESS, state: MEM_RESERVE } : e)
      }, undefined, { formatMinor: formatMinorOf(capture) })
    const [before, after] = [join(dir, 'before-release.pssnap'), join(dir, 'after-release.pssnap')]
    await write(before, false)
    await write(after, true)
    const r = await runCli('diff', before, after)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/\n\s*protect\s+rw-p\s+---p\n/)
    expect(r.stdout).toMatch(/ state +COMMIT +RESERVE\n/)
    const json = await runCli('diff', before, after, '--json')
    const c = (JSON.parse(json.stdout).counters as { name: string; delta: string }[]).find((x) => x.name === 'committed')!
    expect(BigInt(c.delta)).toBe(-target.regionSize!)
  })
})
