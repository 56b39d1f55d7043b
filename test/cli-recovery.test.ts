// What `pssnap validate` and `pssnap info` tell a user about damaged and newer archives (issue 6, items 2
// and 4), end to end through the built CLI:
// - a truncated archive: both say how much was recovered — intact frames, entries per section, bytes —
//   with numbers computed here from the uncut archive's frame layout, not from the reader under test;
// - a newer minor: read, and every unknown field, section and frame kind listed by both;
// - a newer major: refused, naming the file's version and the reader's.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FORMAT_MAJOR, FORMAT_MINOR, decodeArchiveEvents } from '../reader/index.js'
import { runCli } from './helpers/cli.js'

const CLI_NAME: Record<string, string> = { handles: 'handles', threads: 'threads', vaSpace: 'regions', auxiliaryPages: 'aux' }
const n = (x: number) => x.toLocaleString('en-US')

interface FrameEnd {
  end: number
  section?: string
  count?: number
}

/** Every frame's end offset, with the section and entry count of chunk frames, from the uncut archive. */
async function frameEnds(bytes: Uint8Array): Promise<FrameEnd[]> {
  const frames: FrameEnd[] = []
  for await (const e of decodeArchiveEvents(bytes)) {
    if (e.type === 'frame') frames.push({ end: e.frame.offset + 20 + e.frame.storedLength })
    if (e.type === 'chunk') Object.assign(frames[e.chunk.frame]!, { section: e.chunk.section, count: e.chunk.count })
  }
  return frames
}

/** What a prefix of `cut` bytes holds: whole frames, their bytes with the preamble, entries per section. */
function recoverable(frames: FrameEnd[], cut: number): { frames: number; bytes: number; entries: Record<string, number> } {
  const whole = frames.filter((f) => f.end <= cut)
  const entries: Record<string, number> = {}
  for (const f of whole) if (f.section) entries[f.section] = (entries[f.section] ?? 0) + f.count!
  return { frames: whole.length, bytes: whole.at(-1)?.end ?? 16, entries }
}

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pssnap-recovery-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe.each([
  ['small', 'spec/fixtures/small.pssnap'],
  ['medium', 'spec/fixtures/medium.pssnap'],
])('a truncated %s fixture through the CLI', (name, path) => {
  const bytes = new Uint8Array(readFileSync(path))

  it('validate and info say how many frames, entries and bytes were recovered (sampled cuts)', async () => {
    const frames = await frameEnds(bytes)
    const header = frames[0]!.end
    const full = recoverable(frames, bytes.length)
    // Cuts: just after the header, at and one byte either side of two chunk ends, inside the last frames.
    const chunkEnds = frames.filter((f) => f.section).map((f) => f.end)
    const cuts = [header, chunkEnds[0]! + 1, chunkEnds[1]! - 1, chunkEnds.at(-1)!, frames.at(-2)!.end - 7, bytes.length - 1]
    for (const cut of cuts) {
      const file = join(dir, `${name}-${cut}.pssnap`)
      writeFileSync(file, bytes.subarray(0, cut))
      const want = recoverable(frames, cut)
      const what = `cut at ${cut}`

      const json = await runCli('validate', file, '--json')
      expect(json.code, what).toBe(1)
      const report = JSON.parse(json.stdout) as { ok: boolean; complete: boolean; recoveredBytes: number; byteLength: number; entries: Record<string, number>; frames: { ok: boolean }[]; diagnostics: { code: string }[] }
      expect(report.diagnostics.map((d) => d.code), what).toEqual(['TRUNCATED'])
      expect(report.complete, what).toBe(false)
      expect(report.recoveredBytes, what).toBe(want.bytes)
      expect(report.byteLength, what).toBe(cut)
      expect(report.frames.filter((f) => f.ok).length, what).toBe(want.frames)
      for (const [section, count] of Object.entries(want.entries)) expect(report.entries[section], `${what}: ${section}`).toBe(count)

      const text = await runCli('validate', file)
      expect(text.code, what).toBe(1)
      expect(text.stdout, what).toContain('DAMAGED')
      expect(text.stdout, what).toMatch(new RegExp(`frames checked +${n(want.frames)}, no trailer`))
      expect(text.stdout, what).toMatch(new RegExp(`recovered bytes +${n(want.bytes)} of ${n(cut)} `))
      const listed = Object.entries(want.entries).map(([s, c]) => `${CLI_NAME[s]} ${n(c)}`)
      for (const item of listed) expect(text.stdout, what).toContain(item)

      const info = await runCli('info', file)
      expect(info.code, `${what}: ${info.stderr}`).toBe(0)
      expect(info.stdout, what).toContain('incomplete (no trailer)')
      expect(info.stdout, what).toContain(`recovered ${n(want.bytes)} of ${n(cut)} bytes`)
      expect(info.stdout, what).toContain(`in ${n(want.frames)} intact frame`)
      // Entries read per section, each against what the header's query results say there should be.
      const read = info.stdout.split('\n').find((l) => l.includes('entries read:'))!
      for (const [section, total] of Object.entries(full.entries)) expect(read, `${what}: ${section}`).toContain(`${CLI_NAME[section]} ${n(want.entries[section] ?? 0)} of ${n(total)}`)
    }
  }, 180_000)
})

describe('compatibility through the CLI (spec/STABILITY.md)', () => {
  const newerMinor = 'test/corpus/newer-minor.pssnap'
  const unknownFields = ['header.moduleInformation', 'chunk.handles.columns.integrityLevel', 'chunk.handles.sparse.typeSpecificInformation.job']

  it('a newer minor: validate reads it (exit 0) and lists every unknown field, section and frame kind', async () => {
    const text = await runCli('validate', newerMinor)
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('OK, format 1.32767')
    expect(text.stdout).toContain('NEWER_MINOR')
    const unknown = text.stdout.split('\n').find((l) => l.trim().startsWith('unknown'))!
    expect(unknown).toContain('sections modules')
    expect(unknown).toContain('frame kinds 5 (1 frame)')
    for (const f of unknownFields) expect(unknown).toContain(f)
    // The unknown section is not offered as recoverable, and its intact frame is not counted as bad.
    expect(text.stdout).toMatch(/recoverable +handles 3\n/)
    expect(text.stdout).toMatch(/frames checked +5, trailer present/)

    const json = JSON.parse((await runCli('validate', newerMinor, '--json')).stdout) as { ok: boolean; formatVersion: string; recoveredBytes: number; byteLength: number; unknown: { frameKinds: Record<string, number>; sections: string[]; fields: string[] } }
    expect(json.ok).toBe(true)
    expect(json.formatVersion).toBe('1.32767')
    expect(json.recoveredBytes).toBe(json.byteLength)
    expect(json.unknown.frameKinds).toEqual({ 5: 1 })
    expect(json.unknown.sections).toEqual(['modules'])
    expect(json.unknown.fields).toEqual(expect.arrayContaining(unknownFields))
  })

  it('a newer minor: info reads it and lists the unknowns', async () => {
    const text = await runCli('info', newerMinor)
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('format 1.32767')
    expect(text.stdout).toContain('Unknown content')
    expect(text.stdout).toContain('sections: modules')
    expect(text.stdout).toContain('frame kinds: 5 (1)')
    for (const f of unknownFields) expect(text.stdout).toContain(f)
    const json = JSON.parse((await runCli('info', newerMinor, '--json')).stdout) as { formatVersion: string; unknown: { frameKinds: Record<string, number>; sections: string[]; fields: string[] } }
    expect(json.formatVersion).toBe('1.32767')
    expect(json.unknown).toEqual({ frameKinds: { 5: 1 }, sections: ['modules'], fields: expect.arrayContaining(unknownFields) })
  })

  it.each(['info', 'validate'])('a newer major: %s refuses it with UNSUPPORTED_VERSION, naming both versions', async (verb) => {
    const r = await runCli(verb, 'test/corpus/newer-major.pssnap')
    expect(r.code).toBe(1)
    const said = r.stdout + r.stderr
    expect(said).toContain('UNSUPPORTED_VERSION')
    expect(said).toContain('2.0')
    expect(said).toContain(`${FORMAT_MAJOR}.${FORMAT_MINOR}`)
  })
})
