// Sparse per-key counts of a trend (reader/trend-keyed.ts): the same first, last, net, changed and
// monotonic as the dense per-point values (property), and linear work when every snapshot holds new
// unique names (300 snapshots × 1,000 names: dense per-name values would be 90 million slots).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { collectKeyed, valuesOfKeys } from '../reader/trend-keyed.js'

describe('collectKeyed', () => {
  it('agrees with the dense values (property)', () => {
    const point = fc.option(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 1, max: 3 })), { nil: null, freq: 5 })
    fc.assert(
      fc.property(fc.array(point, { minLength: 1, maxLength: 8 }), (points) => {
        const maps = points.map((p) => (p === null ? null : new Map(Object.entries(p))))
        for (const k of collectKeyed(maps)) {
          const values = valuesOfKeys([k], maps)
          const present = values.filter((v): v is number => v !== null)
          expect(k.first).toBe(present[0] ?? null)
          expect(k.last).toBe(present.length ? present[present.length - 1] : null)
          expect(k.net).toBe((present[present.length - 1] ?? 0) - (present[0] ?? 0))
          expect(k.changed).toBe(new Set(present).size > 1)
          expect(k.monotonic).toBe(present.every((v, i) => i === 0 || v >= present[i - 1]!) && k.net > 0)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('300 snapshots of 1,000 new names each: linear in the pairs', () => {
    const maps = Array.from({ length: 300 }, (_, i) => new Map(Array.from({ length: 1_000 }, (_, j) => [`/tmp/app/s${i}-leak-${j}.log`, 1] as const)))
    const started = performance.now()
    const keys = collectKeyed(maps)
    expect(performance.now() - started).toBeLessThan(15_000) // a hang guard only: the work is 300k pairs, not 90M slots
    expect(keys).toHaveLength(300_000)
    expect(keys.every((k) => k.at.length === 1 && k.changed)).toBe(true)
    expect(valuesOfKeys(keys.slice(0, 1_000), maps).slice(0, 2)).toEqual([1_000, 0])
  })
})
