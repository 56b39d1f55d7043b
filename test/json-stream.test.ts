// prettyJson (reader/json-stream.ts) writes a document whose lists are iterables in pieces; joined, the pieces
// must be exactly JSON.stringify(materialize(doc), null, 2), the text diff --json printed before it streamed.
// Random documents (fast-check, seeded) with lists at random places, empty ones, strings with newlines,
// quotes and controls, integer-like and __proto__ keys.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { JsonList, materialize, prettyJson, type LazyJson } from '../reader/json-stream.js'

const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', '0', '10', 'constructor', 'a\nb', '"'))
const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.integer(), fc.string({ maxLength: 8 }), fc.constantFrom('\n', '\u2028', '\x1b[2J', '\\"'))

/** A random lazy document: some arrays become JsonLists. */
const lazyDoc: fc.Arbitrary<LazyJson> = fc.letrec<{ doc: LazyJson }>((tie) => ({
  doc: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('doc'), { maxLength: 4 }),
    fc.array(tie('doc'), { maxLength: 4 }).map((items) => new JsonList(items)),
    fc.array(fc.tuple(key, tie('doc')), { maxLength: 4 }).map((pairs) => {
      const o: { [k: string]: LazyJson } = {}
      for (const [k, v] of pairs) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
      return o
    }),
  ),
})).doc

describe('prettyJson', () => {
  it('is JSON.stringify(materialize(doc), null, 2) in pieces', () => {
    fc.assert(
      fc.property(lazyDoc, (doc) => {
        expect([...prettyJson(doc)].join('')).toBe(JSON.stringify(materialize(doc), null, 2))
      }),
      { seed: 1202, numRuns: 3000 },
    )
  })
  it('renders a list item by item: one item exists at a time', () => {
    let live = 0
    let most = 0
    const items = {
      *[Symbol.iterator]() {
        for (let i = 0; i < 1000; i++) {
          live++
          most = Math.max(most, live)
          yield { i, name: `entry ${i}` }
          live--
        }
      },
    }
    let n = 0
    for (const piece of prettyJson({ schema: 'x', entries: new JsonList(items) })) n += piece.length
    expect(most).toBe(1)
    expect(n).toBe(JSON.stringify({ schema: 'x', entries: [...items] }, null, 2).length)
  })
})
