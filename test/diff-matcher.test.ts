// The diff's matcher with many equal keys (issue 18 item 3): 60k–200k entries sharing one handle value once
// took 17 s (each lookup rescanned its run from the start). Bounded work is asserted by counting the
// matcher's key comparisons and identity lookups, and the matches are checked against a naive reference.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { HandleEntry } from '../format/index.js'
import { diffArchives } from '../reader/diff.js'
import { Matcher } from '../reader/diff-matcher.js'
import { hiAt, loAt, chunkColumns } from '../reader/column-views.js'
import { baseSnapshot, clone, open } from './helpers/snapshot-pair.js'

const handle = (value: bigint, name: string, typeName = 'File'): HandleEntry => ({ handle: value, flags: 0, objectType: 0, grantedAccess: 0x12019f, handleCount: 1, pointerCount: 1, typeName, objectName: name })

async function pairOf(before: HandleEntry[], after: HandleEntry[]) {
  const a = baseSnapshot(3)
  a.sections.vaSpace = a.sections.vaSpace.slice(0, 4)
  a.sections.threads = a.sections.threads.slice(0, 2)
  const b = clone(a)
  a.sections.handles = before
  b.sections.handles = after
  return [await open(a), await open(b)] as const
}

describe('Matcher with runs of equal keys', () => {
  it('matches 200k handles of one value in linear work', async () => {
    const n = 200_000
    const list = Array.from({ length: n }, () => handle(4n, '/tmp/same'))
    const [a, b] = await pairOf(list, list)
    const matcher = new Matcher(a.handles, 'handle', () => 'same')
    for (const c of chunkColumns(b.handles, ['handle'], [])) {
      for (let o = 0; o < c.count; o++) expect.soft(matcher.take(hiAt(c.int.handle, o), loAt(c.int.handle, o), undefined, () => 'same')).toBeGreaterThanOrEqual(0)
    }
    expect(matcher.unmatched()).toEqual([])
    // One identity per earlier entry, one lookup per later entry, a few comparisons per run.
    expect(matcher.operations).toBeLessThan(4 * n)
    const diff = diffArchives(a, b)
    expect(diff.handles.unchanged).toBe(n)
  })

  it('60k handles of one value with distinct names, later side reversed: every one matched, bounded work', async () => {
    const n = 60_000
    const before = Array.from({ length: n }, (_, i) => handle(8n, `/tmp/app/leak-${i}.log`))
    const after = [...before].reverse()
    after.push(handle(8n, '/tmp/app/new.log'))
    const [a, b] = await pairOf(before, after)
    const started = performance.now()
    const diff = diffArchives(a, b)
    // A hang guard only (the quadratic version took 17 s on 60k); the bound is the operation count above.
    expect(performance.now() - started).toBeLessThan(10_000)
    expect(diff.handles.unchanged).toBe(n)
    expect(diff.handles.added.map((h) => h.objectName)).toEqual(['/tmp/app/new.log'])
    expect(diff.handles.removed).toEqual([])
  })

  it('agrees with a naive matcher on small lists full of repeated values (property)', async () => {
    const entry = fc.record({ value: fc.integer({ min: 0, max: 3 }), name: fc.constantFrom('a', 'b', 'c'), type: fc.constantFrom('File', 'Key') })
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 30 }), fc.array(entry, { maxLength: 30 }), async (xs, ys) => {
        const toHandles = (list: typeof xs) => list.map((e) => handle(BigInt(e.value * 4), e.name, e.type))
        const [a, b] = await pairOf(toHandles(xs), toHandles(ys))
        const diff = diffArchives(a, b)
        // Reference: multiset intersection by (value, type, name).
        const key = (e: { value: number; name: string; type: string }) => `${e.value}|${e.type}|${e.name}`
        const pool = new Map<string, number>()
        for (const x of xs) pool.set(key(x), (pool.get(key(x)) ?? 0) + 1)
        let matched = 0
        for (const y of ys) {
          const left = pool.get(key(y)) ?? 0
          if (left > 0) {
            pool.set(key(y), left - 1)
            matched++
          }
        }
        expect(diff.handles.unchanged).toBe(matched)
        expect(diff.handles.added.length).toBe(ys.length - matched)
        expect(diff.handles.removed.length).toBe(xs.length - matched)
      }),
      { numRuns: 60 },
    )
  })
})
