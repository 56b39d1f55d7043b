// The diff's one-pass match of sides listed in key order (reader/diff-merge.ts, diff-lanes.ts) against the
// general matcher (reader/diff-matcher.ts, checked against a naive reference in diff-matcher.test.ts): the
// same diff, field for field, on random pairs of archives cut into small chunks (the two sides' chunk
// boundaries differ), with values, names and states changed, entries added, removed, repeated and
// reordered; and the scan that groups names into patterns against the regular expressions it replaced.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { HandleEntry, VaSpaceEntry } from '../format/index.js'
import { decodeArchive } from '../reader/archive.js'
import { diffArchives, type ArchiveDiff } from '../reader/diff.js'
import { keyOrdered } from '../reader/diff-merge.js'
import { LazyStrings } from '../format/payload.js'
import { groupByPattern, namePattern, naturalCompare } from '../reader/name-patterns.js'
import { differInts, IntLane } from '../reader/diff-lanes.js'
import { snapshotBytes, type Snapshot } from './synthetic/generate.js'
import { baseSnapshot, clone, MEM_COMMIT, MEM_IMAGE } from './helpers/snapshot-pair.js'

const json = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))

/** Everything a diff says, as plain data (lists are read whole). */
function plain(d: ArchiveDiff): string {
  return json({
    summary: d.summary,
    handles: { added: [...d.handles.added], removed: [...d.handles.removed], unchanged: d.handles.unchanged },
    threads: { added: [...d.threads.added], removed: [...d.threads.removed], unchanged: d.threads.unchanged },
    regions: { added: [...d.regions.added], removed: [...d.regions.removed], changed: d.regions.changed, unchanged: d.regions.unchanged },
    modules: d.modules,
    counters: d.counters,
    notComparable: d.notComparable,
  })
}

const BASE = baseSnapshot(11)
const MEM_RESERVE = 0x2000
const NAMES = ['\\Device\\A', '\\Device\\B', '\\Device\\HarddiskVolume3\\x.dll', 'é ü', '']

/** Edits one side: each drawn number picks an entry and what happens to it. */
const edit = fc.record({
  handles: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 6 }), fc.nat()), { maxLength: 40 }),
  regions: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 6 }), fc.nat()), { maxLength: 40 }),
  threads: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 })), { maxLength: 10 }),
  /** 0: keys in order on both sides; 1: later side reversed; 2: earlier side has a repeated key. */
  order: fc.constantFrom(0, 0, 0, 1, 2),
  chunkEntries: fc.constantFrom(7, 16, 50, 1000),
  laterChunkEntries: fc.constantFrom(5, 16, 64, 1000),
})

function edited(base: Snapshot, e: { handles: [number, number, number][]; regions: [number, number, number][]; threads: [number, number][]; order: number }): Snapshot {
  const s = clone(base)
  const handles: HandleEntry[] = s.sections.handles
  const regions: VaSpaceEntry[] = s.sections.vaSpace
  for (const [at, what, v] of e.handles) {
    const i = at % handles.length
    const h = handles[i]!
    if (what === 0) handles.splice(i, 1)
    else if (what === 1) h.objectName = NAMES[v % NAMES.length]!
    else if (what === 2) h.typeName = v % 2 ? 'File' : 'Key'
    else if (what === 3) h.objectType = v % 40
    else if (what === 4) handles.splice(i + 1, 0, { ...structuredClone(h), objectName: `${h.objectName ?? ''}+` })
    else if (what === 5) handles.splice(i + 1, 0, { ...structuredClone(h) })
    else delete h.objectName
  }
  for (const [at, what, v] of e.regions) {
    const i = at % regions.length
    const r = regions[i]!
    if (what === 0) regions.splice(i, 1)
    else if (what === 1) r.protect = [0x01, 0x02, 0x04, 0x20][v % 4]!
    else if (what === 2) r.state = v % 2 ? MEM_COMMIT : MEM_RESERVE
    else if (what === 3) r.regionSize = BigInt(0x1000 * (1 + (v % 9)))
    else if (what === 4) r.mappedFileName = NAMES[v % NAMES.length]!
    else if (what === 5) Object.assign(r, { type: MEM_IMAGE, mappedFileName: NAMES[v % 3]!, sizeOfImage: v % 3 ? 0x4000 : 0, timeDateStamp: v })
    else r.baseAddress = 0xffff_ffff_ff60_0000n + BigInt(v % 4) * 0x1000n
  }
  for (const [at, what] of e.threads) {
    const i = at % s.sections.threads.length
    if (what === 0) s.sections.threads.splice(i, 1)
    else s.sections.threads[i]!.createTime = BigInt(what)
  }
  return s
}

const sortHandles = (s: Snapshot) => s.sections.handles.sort((x, y) => (x.handle! < y.handle! ? -1 : x.handle! > y.handle! ? 1 : 0))
const sortRegions = (s: Snapshot) => s.sections.vaSpace.sort((x, y) => (x.baseAddress! < y.baseAddress! ? -1 : x.baseAddress! > y.baseAddress! ? 1 : 0))

describe('diff by one pass over sides in key order', () => {
  it('gives the general matcher’s diff on random pairs (property)', async () => {
    let merged = 0
    await fc.assert(
      fc.asyncProperty(edit, edit, async (ea, eb) => {
        const a = edited(BASE, ea)
        const b = edited(BASE, eb)
        for (const s of [a, b]) {
          sortHandles(s)
          sortRegions(s)
        }
        if (eb.order === 1) b.sections.handles.reverse()
        if (ea.order === 2) a.sections.vaSpace.splice(1, 0, structuredClone(a.sections.vaSpace[1]!))
        const x = await decodeArchive(await snapshotBytes(a, { chunkEntries: ea.chunkEntries }))
        const y = await decodeArchive(await snapshotBytes(b, { chunkEntries: eb.laterChunkEntries }))
        if (keyOrdered(x.vaSpace, y.vaSpace, 'baseAddress')) merged++
        expect(plain(diffArchives(x, y))).toBe(plain(diffArchives(x, y, { generalMatcher: true })))
      }),
      { numRuns: 120 },
    )
    // Most draws take the one-pass path (the others check that declining it changes nothing).
    expect(merged).toBeGreaterThan(40)
  })

  it('gives the general matcher’s diff when both sides hold the same keys out of order or repeated (a run of equal keys stops where order breaks)', async () => {
    const s = clone(BASE)
    sortHandles(s)
    sortRegions(s)
    const hs = s.sections.handles
    ;[hs[5], hs[6]] = [hs[6]!, hs[5]!]
    hs.splice(9, 0, structuredClone(hs[9]!))
    const rs = s.sections.vaSpace
    ;[rs[3], rs[4]] = [rs[4]!, rs[3]!]
    const later = clone(s)
    later.sections.handles[20]!.objectName = 'changed'
    later.sections.vaSpace[30]!.protect = 0x40
    // One value held by two handles of different names, listed in the other order later: matched by name.
    hs[40]!.objectName = 'A'
    hs.splice(41, 0, { ...structuredClone(hs[40]!), objectName: 'B' })
    later.sections.handles.splice(41, 0, { ...structuredClone(later.sections.handles[40]!), objectName: 'A' })
    later.sections.handles[40]!.objectName = 'B'
    for (const chunkEntries of [4, 1000]) {
      const x = await decodeArchive(await snapshotBytes(s, { chunkEntries }))
      const y = await decodeArchive(await snapshotBytes(later, { chunkEntries }))
      expect(keyOrdered(x.handles, y.handles, 'handle')).toBe(false)
      expect(plain(diffArchives(x, y))).toBe(plain(diffArchives(x, y, { generalMatcher: true })))
    }
  })

  it('declines sides whose keys are out of order, repeated on the earlier side, or absent', async () => {
    const s = clone(BASE)
    sortHandles(s)
    const open = async (x: Snapshot) => decodeArchive(await snapshotBytes(x, { chunkEntries: 50 }))
    const sorted = await open(s)
    expect(keyOrdered(sorted.handles, sorted.handles, 'handle')).toBe(true)
    const later = clone(s)
    later.sections.handles.splice(3, 0, structuredClone(later.sections.handles[3]!))
    // The later side may repeat a key; the earlier may not.
    const repeated = await open(later)
    expect(keyOrdered(sorted.handles, repeated.handles, 'handle')).toBe(true)
    expect(keyOrdered(repeated.handles, sorted.handles, 'handle')).toBe(false)
    const swapped = clone(s)
    const hs = swapped.sections.handles
    ;[hs[hs.length - 1], hs[hs.length - 2]] = [hs[hs.length - 2]!, hs[hs.length - 1]!]
    const late = await open(swapped)
    const short = clone(s)
    short.sections.handles = short.sections.handles.slice(0, 10)
    // Out of order in the earlier side's last chunk, after the later side has ended: still declined.
    expect(keyOrdered(late.handles, (await open(short)).handles, 'handle')).toBe(false)
    expect(keyOrdered(sorted.handles, late.handles, 'handle')).toBe(false)
    const keyless = clone(s)
    delete keyless.sections.handles[60]!.handle
    expect(keyOrdered(sorted.handles, (await open(keyless)).handles, 'handle')).toBe(false)
  })
})

describe('runs of values compared lane against lane', () => {
  // A lane as IntLane.load leaves it: 64-bit values as word pairs (stride 2), u32 values one word each
  // (stride 1), or absent (every word 0).
  const lane = (values: (bigint | undefined)[], wide: boolean): IntLane => {
    const l = new IntLane()
    if (values.every((v) => v === undefined)) {
      l.load({ words: undefined, narrow: undefined }, values.length)
      return l
    }
    if (wide) l.load({ words: new Uint32Array(BigUint64Array.from(values, (v) => v ?? 0n).buffer), narrow: undefined }, values.length)
    else l.load({ words: undefined, narrow: Uint32Array.from(values, (v) => Number(v ?? 0n)) }, values.length)
    return l
  }
  const value = fc.oneof(fc.constantFrom(0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 0x1_0000_0001n), fc.bigInt({ min: 0n, max: 0xffff_ffffn }))

  it('marks exactly the pairs whose values differ, for every pair of widths and absence (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 12 }), fc.boolean(), fc.boolean(), fc.constantFrom('both', 'x', 'y', 'none'), fc.nat(3), fc.nat(3), (pairs, wx, wy, present, e, o) => {
        // Narrow lanes hold u32 values only; absent lanes none.
        const xs: (bigint | undefined)[] = pairs.map(([v]) => (present === 'both' || present === 'x' ? (wx ? v : v & 0xffff_ffffn) : undefined))
        const ys: (bigint | undefined)[] = pairs.map(([, v]) => (present === 'both' || present === 'y' ? (wy ? v : v & 0xffff_ffffn) : undefined))
        const pad = <T>(n: number, list: T[], fill: T) => [...Array<T>(n).fill(fill), ...list]
        const x = lane(pad(e, xs, xs[0]), wx)
        const y = lane(pad(o, ys, ys[0]), wy)
        const mask = new Uint8Array(pairs.length).fill(4)
        differInts(x, e, y, o, pairs.length, mask, 2)
        pairs.forEach((_, t) => expect(mask[t], `pair ${t}`).toBe(xs[t] === ys[t] ? 4 : 6))
      }),
      { numRuns: 400 },
    )
  })
})

describe('natural order, the common prefix skipped', () => {
  // Natural order spelled out on tokens (digit runs and single other characters): runs compare as
  // numbers, then the shorter run (fewer leading zeros) first; anything else by code unit; a string that
  // ends first is less.
  const reference = (x: string, y: string): number => {
    const tx = x.match(/[0-9]+|[^0-9]/gu) ?? []
    const ty = y.match(/[0-9]+|[^0-9]/gu) ?? []
    const sign = (d: number | bigint) => (d < 0 ? -1 : d > 0 ? 1 : 0)
    for (let k = 0; k < Math.min(tx.length, ty.length); k++) {
      const [a, b] = [tx[k]!, ty[k]!]
      if (/^[0-9]/.test(a) && /^[0-9]/.test(b)) {
        const d = sign(BigInt(a) - BigInt(b)) || sign(a.length - b.length)
        if (d) return d
      } else if (a !== b) {
        // Tokens of one code point or a run: the first code units decide (a surrogate pair is two).
        for (let i = 0; i < Math.min(a.length, b.length); i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return sign(a.charCodeAt(i) - b.charCodeAt(i))
        return sign(a.length - b.length)
      }
    }
    return sign(tx.length - ty.length)
  }
  const name = fc.array(fc.constantFrom('0', '00', '1', '7', '12', '9', 'a', 'b', '-', '/', '\\Device\\', 'é'), { maxLength: 10 }).map((p) => p.join(''))

  it('orders every pair as natural order on tokens does (property)', () => {
    fc.assert(
      fc.property(name, name, name, (prefix, x, y) => {
        expect(naturalCompare(prefix + x, prefix + y)).toBe(reference(prefix + x, prefix + y))
        expect(naturalCompare(x, y)).toBe(reference(x, y))
      }),
      { numRuns: 3000 },
    )
  })
})

describe('names compared by their stored bytes', () => {
  it('LazyStrings.sameAs agrees with comparing the decoded strings, BOM, invalid UTF-8 and str8 headers included', () => {
    // Dictionaries as a payload stores them: each string's MessagePack header and bytes, back to back.
    const dictionary = (strings: number[][]) => {
      const parts = strings.map((b) => (b.length < 32 && !(b as { str8?: boolean }).str8 ? [0xa0 | b.length, ...b] : [0xd9, b.length, ...b]))
      const bounds = [0]
      for (const p of parts) bounds.push(bounds[bounds.length - 1]! + p.length)
      return new LazyStrings(Uint8Array.from(parts.flat()), Uint32Array.from([0, ...bounds]))
    }
    const str8 = Object.assign([0x61, 0x62, 0x63], { str8: true })
    const bytes = [[0x61, 0x62, 0x63], [0xef, 0xbb, 0xbf, 0x61, 0x62, 0x63], str8, [0xff, 0x61], [0xfe, 0x61], [0xc3, 0xa9], [], Array.from({ length: 40 }, () => 0x78)]
    const x = dictionary(bytes)
    const y = dictionary([...bytes].reverse())
    const dx = x.decode()
    const dy = y.decode()
    for (let k = 1; k <= bytes.length; k++) {
      expect(x.at(k)).toBe(dx[k - 1])
      for (let j = 1; j <= bytes.length; j++) expect(x.sameAs(k, y, j), `${k} ${j}`).toBe(dx[k - 1] === dy[j - 1])
    }
    // Different bytes, one string: the BOM is not part of the decoded string; two invalid bytes are both U+FFFD.
    expect(x.sameAs(1, x, 2)).toBe(true)
    expect(x.sameAs(4, x, 5)).toBe(true)
  })
})

// The regular expressions the scan replaced (reader/name-patterns.ts before 2026-12-03).
const ALNUM_RUN = /[0-9A-Za-z]+/g
const DIGIT_RUN = /[0-9]+/g
const HEX_TOKEN = /^(?=.*[0-9])[0-9A-Fa-f]{4,}$/
const collapseByRegExp = (name: string, replace: (k: number, run: string) => string) => {
  let k = 0
  return name.replace(ALNUM_RUN, (token) => (HEX_TOKEN.test(token) ? replace(k++, token) : token.replace(DIGIT_RUN, (run) => replace(k++, run))))
}
const runsByRegExp = (name: string) => {
  const runs: string[] = []
  collapseByRegExp(name, (_, run) => (runs.push(run), run))
  return runs
}

describe('name patterns by one scan', () => {
  const name = fc.array(fc.constantFrom('0', '7', '12', 'a', 'F', 'g', 'Z', 'x', '/', '\\', '.', '-', ':', '[', ' ', 'é', '\u{1F600}', '\n', '$&', 'dead', 'BEEF1'), { maxLength: 14 }).map((p) => p.join(''))

  it('collapses exactly the runs the regular expressions did (property)', () => {
    fc.assert(
      fc.property(name, (n) => {
        expect(namePattern(n)).toBe(collapseByRegExp(n, () => '#'))
      }),
      { numRuns: 3000 },
    )
  })

  it('shows the same group patterns (property)', () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 8 }), (names) => {
        for (const g of groupByPattern(names, (n) => n)) {
          if (g.names.length < 2) continue
          // A run alike in every name stays literal.
          const fixed: (string | null)[] = runsByRegExp(g.names[0]!)
          for (const n of g.names.slice(1)) runsByRegExp(n).forEach((r, k) => fixed[k] !== r && (fixed[k] = null))
          expect(g.pattern).toBe(collapseByRegExp(g.names[0]!, (k, run) => (fixed[k] === null ? '#' : run)))
        }
      }),
      { numRuns: 1000 },
    )
  })
})
