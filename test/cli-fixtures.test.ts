// Every golden fixture through the CLI as a user would run it: info, validate and handles --json succeed
// and agree with the archive (issue 3's "done when").
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openArchiveFile } from '../reader/node.js'
import { runCli } from './helpers/cli.js'

const DIR = 'spec/fixtures'
const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.pssnap'))

describe.each(fixtures)('%s through the CLI', (name) => {
  const path = join(DIR, name)

  it('info --json: pssnap.info/1, complete, with the archive’s section counts', async () => {
    const archive = await openArchiveFile(path)
    const r = await runCli('info', path, '--json')
    expect(r.code, r.stderr).toBe(0)
    const info = JSON.parse(r.stdout) as { schema: string; complete: boolean; sections: Record<string, { entries: number }> }
    expect(info.schema).toBe('pssnap.info/1')
    expect(info.complete).toBe(true)
    for (const s of archive.sectionNames) expect(info.sections[s]?.entries).toBe(archive.section(s)!.length)
  })

  it('validate: exit 0, nothing reported as an error', async () => {
    const r = await runCli('validate', path, '--json')
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as { schema: string; ok: boolean }
    expect(report.schema).toBe('pssnap.validate/1')
    expect(report.ok).toBe(true)
  })

  it('handles --json: every handle, in archive order', async () => {
    const archive = await openArchiveFile(path)
    const r = await runCli('handles', path, '--json')
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout) as { schema: string; count: number; entries: { handle: string }[] }
    expect(doc.schema).toBe('pssnap.entries/1')
    expect(doc.count).toBe(archive.handles.length)
    expect(doc.entries.map((e) => e.handle)).toEqual(archive.handles.toArray().map((h) => `0x${h.handle!.toString(16)}`))
  })
})
