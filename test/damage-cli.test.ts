// Damage is never silent (issue 18 item 7, the one-archive verbs): a truncated archive, or one whose chunk
// fails its checksum, makes every reading verb print one stderr line naming what is missing, every JSON
// document carry `damage`, and --strict exit 1; an intact archive gives no line and exits 0 with --strict.
// Absent is not zero (issue 11 item 3): a section the capture did not ask for is "not captured", not 0.
// Expected counts come from the uncut archive's frames (decodeArchiveEvents), not from the code under test.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { archiveDamage, damageLine, decodeArchive, decodeArchiveEvents } from '../reader/index.js'
import { ArchiveBuilder, col, filetime } from './helpers/build-archive.js'
import { runCli } from './helpers/cli.js'

interface ChunkFrame {
  offset: number
  end: number
  section: string
  count: number
}

/** Every chunk frame of an intact archive: where it is, its section and entry count. */
async function chunkFrames(bytes: Uint8Array): Promise<ChunkFrame[]> {
  const frames: { offset: number; end: number }[] = []
  const chunks: ChunkFrame[] = []
  for await (const e of decodeArchiveEvents(bytes)) {
    if (e.type === 'frame') frames.push({ offset: e.frame.offset, end: e.frame.offset + 20 + e.frame.storedLength })
    if (e.type === 'chunk') chunks.push({ ...frames[e.chunk.frame]!, section: e.chunk.section, count: e.chunk.count })
  }
  return chunks
}

const SECTION_WORD: Record<string, string> = { handles: 'handles', threads: 'threads', vaSpace: 'regions', auxiliaryPages: 'aux pages' }

let dir: string
let intact: string
let truncated: string
let badCrc: string
let memoryOnly: string
/** Entries per section in the intact file, and what survives each damage. */
let total: Record<string, number>
let afterCut: Record<string, number>
let lostChunk: ChunkFrame

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pssnap-damage-cli-'))
  const bytes = new Uint8Array(readFileSync('spec/fixtures/medium.pssnap'))
  const chunks = await chunkFrames(bytes)
  total = {}
  for (const c of chunks) total[c.section] = (total[c.section] ?? 0) + c.count
  // Cut one byte short of the end of the second vaSpace chunk: its first chunk survives.
  const regions = chunks.filter((c) => c.section === 'vaSpace')
  expect(regions.length, 'the fixture has several region chunks').toBeGreaterThan(1)
  const cut = regions[1]!.end - 1
  afterCut = {}
  for (const c of chunks) if (c.end <= cut) afterCut[c.section] = (afterCut[c.section] ?? 0) + c.count
  intact = join(dir, 'intact.pssnap')
  truncated = join(dir, 'trunc.pssnap')
  writeFileSync(intact, bytes)
  writeFileSync(truncated, bytes.subarray(0, cut))
  // One flipped payload byte in a handles chunk: the frame fails its CRC and is skipped; the trailer survives.
  lostChunk = chunks.find((c) => c.section === 'handles')!
  const flipped = bytes.slice()
  flipped[lostChunk.offset + 40]! ^= 0xff
  badCrc = join(dir, 'badcrc.pssnap')
  writeFileSync(badCrc, flipped)
  // A regions-only capture (like `--preset memory`): no handles or threads were asked for.
  const started = '2026-01-02T03:04:05.000Z'
  const memory = new ArchiveBuilder()
    .header({
      producer: { tool: 'pssnap', version: 'test' },
      host: { platform: 'linux', architecture: 'x64' },
      target: { processId: 7 },
      capture: { captureFlags: 0x1800, threadContextFlags: 0, startedAt: started, preset: 'memory' },
      processInformation: { processId: 7, createTime: filetime(started) },
      vaSpaceInformation: { regionCount: 1 },
    })
    .chunk({ section: 'vaSpace', first: 0, count: 1, columns: { baseAddress: col.u64([0x1000n]), regionSize: col.u64([0x1000n]) } })
    .epilogue({ finishedAt: started })
    .finish()
  memoryOnly = join(dir, 'memory.pssnap')
  writeFileSync(memoryOnly, memory)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const READING_VERBS: [string, (file: string) => string[]][] = [
  ['info', (f) => ['info', f]],
  ['info --json', (f) => ['info', f, '--json']],
  ['handles', (f) => ['handles', f]],
  ['handles --json', (f) => ['handles', f, '--json']],
  ['threads --ndjson', (f) => ['threads', f, '--ndjson']],
  ['regions', (f) => ['regions', f]],
  ['regions --csv', (f) => ['regions', f, '--csv']],
  ['regions --group-by type --json', (f) => ['regions', f, '--group-by', 'type', '--json']],
  ['aux', (f) => ['aux', f]],
  ['query regions --where', (f) => ['query', f, 'regions', '--where', 'regionSize > 0']],
  ['export --format json', (f) => ['export', f, '--format', 'json']],
  ['export --format ndjson', (f) => ['export', f, '--format', 'ndjson']],
  ['export --format csv', (f) => ['export', f, '--format', 'csv', '--section', 'regions']],
]

describe('a truncated archive', () => {
  it.each(READING_VERBS)('%s: one stderr line naming what is missing; exit 0, or 1 with --strict', async (what, args) => {
    const r = await runCli(...args(truncated))
    expect(r.code, `${what}: ${r.stderr}`).toBe(0)
    const lines = r.stderr.split('\n').filter((l) => l.includes('is damaged'))
    expect(lines, what).toHaveLength(1)
    const line = lines[0]!
    expect(line).toContain(`${truncated} is damaged`)
    expect(line).toContain('trailer missing')
    expect(line).toContain(`regions incomplete (${afterCut.vaSpace ?? 0} of ${total.vaSpace} entries)`)
    expect(line).toContain('results below are partial')
    const strict = await runCli(...args(truncated), '--strict')
    expect(strict.code, `${what} --strict`).toBe(1)
    expect(strict.stdout, `${what} --strict still writes its output`).toBe(r.stdout)
  })

  it('regions says how many of how many it shows, instead of a bare count', async () => {
    const r = await runCli('regions', truncated)
    const shown = afterCut.vaSpace ?? 0
    expect(r.stdout).toContain(`(incomplete: ${shown.toLocaleString('en-US')} of ${total.vaSpace!.toLocaleString('en-US')} entries read)`)
  })

  it('JSON documents carry damage, the sections incomplete with their counts', async () => {
    for (const args of [['info', truncated, '--json'], ['regions', truncated, '--json'], ['export', truncated, '--format', 'json'], ['regions', truncated, '--group-by', 'type', '--json']]) {
      const doc = JSON.parse((await runCli(...args)).stdout) as { damage: { complete: boolean; trailer: string; sections: Record<string, { complete: boolean; entriesRead: number; entriesExpected: number | null }> } }
      expect(doc.damage.complete, args.join(' ')).toBe(false)
      expect(doc.damage.trailer).toBe('missing')
      for (const [section, n] of Object.entries(total)) {
        const read = afterCut[section] ?? 0
        expect(doc.damage.sections[section], `${args.join(' ')}: ${section}`).toEqual({ complete: read === n, entriesRead: read, entriesExpected: n, chunksLost: 0 })
      }
      expect(doc.damage.sections.vaSpace!.complete).toBe(false)
    }
  })

  it('export --format csv to a file: written, warned, and --strict fails', async () => {
    const out = join(dir, 'regions.csv')
    const r = await runCli('export', truncated, '--format', 'csv', '--section', 'regions', '-o', out, '--strict')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('is damaged')
    expect(readFileSync(out, 'utf8').split('\r\n').filter(Boolean)).toHaveLength(1 + (afterCut.vaSpace ?? 0))
  })

  it('redact names the damage before refusing it', async () => {
    const r = await runCli('redact', truncated, '-o', join(dir, 'r.pssnap'), '--key', 'k')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('is damaged')
    expect(r.stderr).toContain('REDACT_INPUT_DAMAGED')
  })
})

describe('a chunk with a bad checksum', () => {
  it('is named: the lost chunk, and its section short of the trailer count', async () => {
    const r = await runCli('handles', badCrc, '--json')
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('1 chunk lost')
    expect(r.stderr).toContain(`handles incomplete (${total.handles! - lostChunk.count} of ${total.handles} entries)`)
    const doc = JSON.parse(r.stdout) as { count: number; damage: { complete: boolean; trailer: string; chunksLost: number } }
    expect(doc.count).toBe(total.handles! - lostChunk.count)
    expect(doc.damage).toMatchObject({ complete: false, trailer: 'present', chunksLost: 1 })
    expect((await runCli('handles', badCrc, '--strict')).code).toBe(1)
  })
})

describe('an intact archive', () => {
  it.each(READING_VERBS)('%s: no damage line, exit 0 even with --strict', async (what, args) => {
    const r = await runCli(...args(intact), '--strict')
    expect(r.code, `${what}: ${r.stderr}`).toBe(0)
    expect(r.stderr).not.toContain('damaged')
  })

  it('damage is complete in JSON', async () => {
    const doc = JSON.parse((await runCli('handles', intact, '--json')).stdout) as { damage: { complete: boolean } }
    expect(doc.damage.complete).toBe(true)
  })
})

describe('absent is not zero', () => {
  it('info says handles and threads were not captured, and lists regions', async () => {
    const r = await runCli('info', memoryOnly)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/(handles|fds) \/ threads +not captured \/ not captured/) // a Linux archive says fds
    expect(r.stderr).toBe('')
  })

  it('handles says the section was not captured: not "0 handles", not damage', async () => {
    const table = await runCli('handles', memoryOnly, '--strict')
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/^(handles|fds) not captured in this archive/) // a Linux archive says fds
    expect(table.stdout).not.toMatch(/\b0 (handles|fds)\b/)
    expect(table.stderr).toBe('')
    const json = JSON.parse((await runCli('handles', memoryOnly, '--json')).stdout) as { captured: boolean; count: number; damage: { complete: boolean } }
    expect(json).toMatchObject({ captured: false, count: 0, damage: { complete: true } })
    const csv = await runCli('threads', memoryOnly, '--csv')
    expect(csv.code).toBe(0)
    expect(csv.stderr).toContain('not captured')
    expect(csv.stdout.split('\r\n').filter(Boolean)).toHaveLength(1) // the header only
    const exported = await runCli('export', memoryOnly, '--format', 'csv', '--section', 'handles')
    expect(exported.code).toBe(0)
    expect(exported.stderr).toContain('holds no handles: they were not captured')
    const regions = JSON.parse((await runCli('regions', memoryOnly, '--json')).stdout) as { captured: boolean; count: number }
    expect(regions).toMatchObject({ captured: true, count: 1 })
  })
})

describe('archiveDamage and damageLine (library)', () => {
  it('agree with the CLI on the truncated file and say nothing of an intact one', async () => {
    const whole = archiveDamage(await decodeArchive(new Uint8Array(readFileSync(intact))))
    expect(whole.complete).toBe(true)
    expect(damageLine(whole, 'x')).toBeUndefined()
    const cut = archiveDamage(await decodeArchive(new Uint8Array(readFileSync(truncated))))
    expect(cut).toMatchObject({ complete: false, trailer: 'missing' })
    expect(damageLine(cut, 'trunc.pssnap')).toMatch(/^warning: trunc\.pssnap is damaged: .*trailer missing; results below are partial$/)
    for (const [section, n] of Object.entries(total)) {
      expect(cut.sections[section]?.entriesExpected, section).toBe(n)
      expect(cut.sections[section]?.entriesRead, section).toBe(afterCut[section] ?? 0)
      const word = SECTION_WORD[section]!
      if ((afterCut[section] ?? 0) < n) expect(damageLine(cut, 'f')).toContain(`${word} incomplete`)
    }
  })
})
