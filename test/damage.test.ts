// reader/damage.ts: what counts as damage. The trailer counts what was written, so a section it does not list
// had nothing written: a header query result saying PSS captured more is not damage (the hostile fuzzer found
// intact archives reported as damaged for this). Without a trailer, the header's count is all there is.
import { describe, expect, it } from 'vitest'
import { archiveDamage, damageLine } from '../reader/damage.js'
import { openArchive } from '../reader/index.js'
import { ArchiveBuilder, minimalArchiveExpected as X } from './helpers/build-archive.js'

const header = { producer: X.header.producer, host: X.header.host, target: X.header.target, capture: X.header.capture, vaSpaceInformation: { regionCount: 5 } }

describe('archiveDamage', () => {
  it('takes a section the trailer does not list as written empty: complete, no warning', async () => {
    const archive = await openArchive(new ArchiveBuilder().header(header).finish({ trailer: { entryCounts: {} } }))
    const damage = archiveDamage(archive)
    expect(damage.sections.vaSpace).toEqual({ complete: true, entriesRead: 0, entriesExpected: 0, chunksLost: 0 })
    expect(damage.complete).toBe(true)
    expect(damageLine(damage, 'x.pssnap')).toBeUndefined()
  })

  it('without a trailer, expects what the header says was captured', async () => {
    const archive = await openArchive(new ArchiveBuilder().header(header).finish({ trailer: false }))
    const damage = archiveDamage(archive)
    expect(damage.sections.vaSpace).toMatchObject({ complete: false, entriesRead: 0, entriesExpected: 5 })
    expect(damageLine(damage, 'x.pssnap')).toMatch(/^warning: x\.pssnap is damaged: .*regions incomplete \(0 of 5 entries\).*, trailer missing; results below are partial$/)
  })
})
