// The diff's lists of added and removed entries build an entry only when it is read (reader/lazy-entries.ts):
// an array to every caller (isArray, indexing, iteration, map, slice, JSON, toEqual), read-only, and a table
// of 20 rows out of 100k added builds 20 entries.
import { describe, expect, it, vi } from 'vitest'
import { lazyEntries } from '../reader/lazy-entries.js'
import { baseSnapshot, open } from './helpers/snapshot-pair.js'

describe('lazyEntries', () => {
  it('behaves as the array of those entries', async () => {
    const a = await open(baseSnapshot())
    const indices = [5, 0, 399, 17]
    const list = lazyEntries(a.handles, indices)
    const eager = indices.map((i) => a.handles.get(i)!)
    expect(Array.isArray(list)).toBe(true)
    expect(list).toHaveLength(4)
    expect(list).toEqual(eager)
    expect(list[2]).toEqual(a.handles.get(399))
    expect(list[4]).toBeUndefined()
    expect([...list]).toEqual(eager)
    expect(list.slice(1, 3)).toEqual(eager.slice(1, 3))
    expect(list.map((h) => h.handle)).toEqual(eager.map((h) => h.handle))
    expect(JSON.stringify(list, (_, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(JSON.stringify(eager, (_, v) => (typeof v === 'bigint' ? v.toString() : v)))
    expect(Object.keys(list)).toEqual(['0', '1', '2', '3'])
    expect(() => ((list as unknown as object[])[0] = {})).toThrow(TypeError)
    expect(lazyEntries(a.handles, [])).toEqual([])
  })

  it('builds only the entries read', async () => {
    const a = await open(baseSnapshot())
    const get = vi.spyOn(a.handles, 'get')
    const list = lazyEntries(a.handles, Array.from({ length: 100_000 }, (_, k) => k % 400))
    expect(list.length).toBe(100_000)
    expect(list.slice(0, 20)).toHaveLength(20)
    expect(get).toHaveBeenCalledTimes(20)
  })
})
