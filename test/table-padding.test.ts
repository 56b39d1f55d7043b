// Tables pad each column to its widest cell, except when that makes the table huge (reader/text.ts
// tableLayout, PAD_LIMIT): one 2,000-character name among a million rows would pad every row to it (2.4 GB
// from a 2.5 KB archive). Then a column is as wide as all but its widest 1 in 1,000 cells, which print whole.
import { describe, expect, it } from 'vitest'
import { selectColumns, tableCells, tableLayout, tableLine } from '../reader/text.js'

const columns = selectColumns('handles', 'typeName,objectName')
const rows = (n: number, wide: number) => Array.from({ length: n }, (_, i) => ({ typeName: i < wide ? `${'W'.repeat(200)}${i}` : 'File', objectName: `name-${i}` }))
const lines = (entries: object[], padLimit?: number) => {
  const layout = tableLayout(columns, entries, padLimit === undefined ? {} : { padLimit })
  return entries.map((e) => tableLine(layout, tableCells(columns, layout, e)))
}

describe('table padding', () => {
  it('pads to the widest cell below the limit (every line aligned)', () => {
    const out = lines(rows(2000, 2))
    expect(out[5]!.indexOf('name-5')).toBe(out[0]!.indexOf('name-0'))
    expect(out[5]!.length).toBeGreaterThan(200)
  })
  it('above it, pads to the width all but the widest 1 in 1,000 cells have; those print whole', () => {
    const out = lines(rows(2000, 2), 0)
    expect(out[5]).toBe('File      name-5')
    expect(out[0]).toBe(`${'W'.repeat(200)}0  name-0`)
    expect(out[1]).toBe(`${'W'.repeat(200)}1  name-1`)
    // 3 wide cells in 2,000 are more than 1 in 1,000: the column stays as wide as they are.
    const three = lines(rows(2000, 3), 0)
    expect(three[5]!.indexOf('name-5')).toBe(three[0]!.indexOf('name-0'))
  })
})
