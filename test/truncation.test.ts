// Truncation at and inside every frame (spec §2.3, §9 TRUNCATED): for every prefix of a small archive
// (and sampled prefixes of the large fixture),
// the reader either refuses it (EMPTY, or TRUNCATED while the preamble or HEADER frame is cut) or opens
// it with exactly one TRUNCATED diagnostic and exactly the entries of every whole chunk frame before the
// cut.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ArchiveError, decodeArchiveEvents, openArchive, type Archive } from '../reader/index.js'
import { minimalArchive } from './helpers/build-archive.js'

interface Layout {
  headerEnd: number
  epilogueEnd: number | undefined
  /** End offset of each chunk frame, with its section and entry count. */
  chunks: { end: number; section: string; count: number }[]
}

/** Frame ends and chunk contents of the whole archive, from one full decode. */
async function layoutOf(bytes: Uint8Array): Promise<Layout> {
  const ends = new Map<number, number>()
  const layout: Layout = { headerEnd: 0, epilogueEnd: undefined, chunks: [] }
  for await (const e of decodeArchiveEvents(bytes)) {
    if (e.type === 'frame') {
      const end = e.frame.offset + 20 + e.frame.storedLength
      ends.set(e.frame.index, end)
      if (e.frame.kind === 1) layout.headerEnd = end
      if (e.frame.kind === 3) layout.epilogueEnd = end
    }
    if (e.type === 'chunk') layout.chunks.push({ end: ends.get(e.chunk.frame)!, section: e.chunk.section, count: e.chunk.count })
    if (e.type === 'diagnostic') throw new Error(`the uncut archive has a diagnostic: ${e.diagnostic.message}`)
  }
  return layout
}

function expectedCounts(layout: Layout, cut: number): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const c of layout.chunks) if (c.end <= cut) counts[c.section] = (counts[c.section] ?? 0) + c.count
  return counts
}

const countsOf = (a: Archive) => Object.fromEntries(a.sectionNames.map((n) => [n, a.section(n)!.length]))
/** Order-independent text of a counts map, for cheap comparison in the sweep. */
const canonical = (counts: Record<string, number>) => JSON.stringify(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)))

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size)
}

/** Every prefix length of a small archive. */
const everyCut = (bytes: Uint8Array) => Array.from({ length: bytes.length }, (_, i) => i)

/**
 * A large archive's prefixes, sampled: every frame end and one byte either side, the first bytes, and 12
 * seeded random cuts (a full sweep of a 400 KiB deflate archive would take minutes).
 */
async function sampledCuts(bytes: Uint8Array): Promise<number[]> {
  const layout = await layoutOf(bytes)
  const cuts = new Set([0, 1, 8, 15, 16, 17, 35, 36])
  for (const end of [layout.headerEnd, ...layout.chunks.map((c) => c.end), layout.epilogueEnd ?? 0]) for (const d of [-1, 0, 1]) cuts.add(end + d)
  let x = 0x2545f491
  for (let i = 0; i < 12; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    cuts.add(x % bytes.length)
  }
  return [...cuts].filter((c) => c >= 0 && c < bytes.length).sort((a, b) => a - b)
}

const fixture = (name: string) => () => new Uint8Array(readFileSync(new URL(`../spec/fixtures/${name}`, import.meta.url)))
const archives: [string, () => Uint8Array, (bytes: Uint8Array) => number[] | Promise<number[]>][] = [
  ['minimalArchive()', minimalArchive, everyCut],
  ['spec/fixtures/small.pssnap', fixture('small.pssnap'), everyCut],
  ['spec/fixtures/medium.pssnap (sampled)', fixture('medium.pssnap'), sampledCuts],
]

describe.each(archives)('every prefix of %s', (_name, load, cutsOf) => {
  const bytes = load()

  it('is refused or opens with exactly the whole chunks before the cut', async () => {
    const layout = await layoutOf(bytes)
    const full = await openArchive(bytes)
    const failures: string[] = []
    const fail = (cut: number, what: string) => failures.length < 20 && failures.push(`cut at ${cut}: ${what}`)
    for (const cut of await cutsOf(bytes)) {
      const prefix = bytes.subarray(0, cut)
      let archive: Archive
      try {
        archive = await openArchive(prefix)
      } catch (e) {
        if (!(e instanceof ArchiveError)) fail(cut, `threw ${String(e)}`)
        else if (cut >= layout.headerEnd) fail(cut, `refused (${e.code}) although the header frame is whole`)
        else if (e.code !== (cut === 0 ? 'EMPTY' : 'TRUNCATED')) fail(cut, `refused with ${e.code}`)
        continue
      }
      if (cut < layout.headerEnd) fail(cut, 'opened although the header frame is cut')
      const codes = archive.diagnostics.map((d) => d.code).join()
      if (codes !== 'TRUNCATED') fail(cut, `diagnostics ${codes}`)
      const want = expectedCounts(layout, cut)
      if (canonical(countsOf(archive)) !== canonical(want)) fail(cut, `entries ${JSON.stringify(countsOf(archive))}, expected ${JSON.stringify(want)}`)
      if ((archive.epilogue !== undefined) !== (layout.epilogueEnd !== undefined && cut >= layout.epilogueEnd)) fail(cut, 'epilogue presence')
      if (archive.trailer !== undefined) fail(cut, 'has a trailer')
      // The surviving entries are the uncut archive's first entries, value for value (checked once per
      // chunk boundary: between boundaries the same chunks survive).
      if (layout.chunks.some((c) => c.end === cut)) {
        for (const name of archive.sectionNames) expect(archive.section(name)!.toArray()).toEqual(full.section(name)!.toArray().slice(0, archive.section(name)!.length))
      }
    }
    expect(failures).toEqual([])
  }, 180_000)

  it('gives the same outcome from a stream of small pieces at every frame boundary and one byte either side', async () => {
    const layout = await layoutOf(bytes)
    const cuts = new Set<number>()
    for (const end of [layout.headerEnd, ...layout.chunks.map((c) => c.end), layout.epilogueEnd ?? 0]) for (const d of [-1, 0, 1]) cuts.add(end + d)
    for (const cut of [...cuts].filter((c) => c > 0 && c < bytes.length)) {
      const prefix = bytes.subarray(0, cut)
      const direct = await openArchive(prefix).then(countsOf, (e: ArchiveError) => e.code)
      const streamed = await openArchive(pieces(prefix, 5)).then(countsOf, (e: ArchiveError) => e.code)
      expect(streamed, `cut at ${cut}`).toEqual(direct)
    }
  })
})
