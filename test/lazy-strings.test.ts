// A dictionary read from a payload (LazyStrings): checkIndex checks a str column's index and sums its expanded
// bytes in one pass (bench (a): every open runs it over every row), for each index width, against the sum
// written out row by row from the MessagePack bytes (msgpackr encodes the dictionary, not our encoder).
import { Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { LazyStrings, PayloadReader } from '../format/payload.js'
import { decodeColumn } from '../format/columns.js'

const packr = new Packr({ useRecords: false })

function dictionary(strings: string[]): LazyStrings {
  return new PayloadReader(packr.pack(strings)).read({ lazyStrings: true }, 'dict') as LazyStrings
}

/** Bytes of each string as stored (header included), by index k (1-based; 0 absent). */
const storedSize = (s: string) => packr.pack(s).length

describe('LazyStrings.checkIndex', () => {
  const strings = ['', 'a', 'x'.repeat(31), 'y'.repeat(32), 'é'.repeat(200), 'z'.repeat(70_000)]
  const naive = (index: ArrayLike<number>) => Array.from(index).reduce((sum, k) => sum + (k === 0 ? 0 : storedSize(strings[k - 1]!)), 0)

  it.each([Uint8Array, Uint16Array, Uint32Array, Array])('sums what the rows spell out (%o index)', (Kind) => {
    const rows = Array.from({ length: 5000 }, (_, i) => (i * 7) % (strings.length + 1))
    const index = Kind === Array ? rows : new (Kind as Uint8ArrayConstructor)(rows)
    const dict = dictionary(strings)
    expect(dict.checkIndex(index)).toBe(naive(rows))
    expect(dict.expandedBytes(index)).toBe(naive(rows))
    // Another index of the same dictionary is summed again, not taken from the last call.
    expect(dict.expandedBytes(rows.slice(0, 10))).toBe(naive(rows.slice(0, 10)))
    expect([dict.length, dict.storedBytes]).toEqual([strings.length, strings.reduce((sum, s) => sum + storedSize(s), 0)])
    // Only the strings a row uses are decoded; the others read as ''.
    expect(dictionary(strings).decode([0, 2, 6])).toEqual(['', 'a', '', '', '', strings[5]])
    expect(dict.decode()).toEqual(strings)
  })

  it('gives -1 - row for the first index past the dictionary, and decodeColumn reports that row', () => {
    const dict = dictionary(strings)
    const index = new Uint16Array([1, 6, 0, 7, 9])
    expect(dict.checkIndex(index)).toBe(-1 - 3)
    expect(() => dict.expandedBytes(index)).toThrow(/index 7 at row 3/)
    const data = new Uint8Array(index.buffer)
    expect(decodeColumn({ type: 'str', data, dict } as never, 5)).toBe('str column index 7 at row 3 exceeds the dictionary (6)')
    expect(decodeColumn({ type: 'str', data, dict: strings } as never, 5)).toBe('str column index 7 at row 3 exceeds the dictionary (6)')
  })

  it('an empty dictionary takes only absent rows', () => {
    const dict = dictionary([])
    expect([dict.length, dict.storedBytes, dict.decode()]).toEqual([0, 0, []])
    expect(dict.checkIndex(new Uint8Array([0, 0, 0]))).toBe(0)
    expect(dict.checkIndex(new Uint8Array([0, 1]))).toBe(-1 - 1)
  })
})
