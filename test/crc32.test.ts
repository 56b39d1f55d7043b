// CRC-32 (format/crc32.ts, spec §2.2): IEEE 802.3 reflected, zlib's crc32; continuation and unaligned
// input must give the same value as one call over aligned bytes.
import * as zlib from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32 } from '../format/index.js'

const ascii = (s: string) => new TextEncoder().encode(s)
const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32

describe('crc32', () => {
  it('has the check value 0xCBF43926 and known values', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array(0))).toBe(0)
    expect(crc32(ascii('a'))).toBe(0xe8b7be43)
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339)
    expect(crc32(new Uint8Array(32))).toBe(0x190a55ad)
  })

  it('continues from a previous value', () => {
    const data = ascii('The quick brown fox jumps over the lazy dog')
    for (let cut = 0; cut <= data.length; cut++) expect(crc32(data.subarray(cut), crc32(data.subarray(0, cut)))).toBe(0x414fa339)
  })

  it('gives the same value at every alignment and length around the 8-byte steps', () => {
    const buffer = new Uint8Array(80)
    for (let i = 0; i < buffer.length; i++) buffer[i] = (i * 131 + 7) & 0xff
    for (let offset = 0; offset < 8; offset++) {
      for (let length = 0; length <= 40; length++) {
        const view = buffer.subarray(offset, offset + length)
        const copy = view.slice()
        expect(crc32(view), `offset ${offset} length ${length}`).toBe(crc32(copy))
      }
    }
  })

  it.skipIf(!zlibCrc32)('equals zlib.crc32 on random input, split anywhere', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (data, split, pad) => {
        const padded = new Uint8Array(data.length + pad)
        padded.set(data, pad)
        const view = padded.subarray(pad)
        const cut = data.length === 0 ? 0 : split % data.length
        expect(crc32(view)).toBe(zlibCrc32!(data))
        expect(crc32(view.subarray(cut), crc32(view.subarray(0, cut)))).toBe(zlibCrc32!(data))
        expect(crc32(data, 0x12345678)).toBe(zlibCrc32!(data, 0x12345678))
      }),
      { seed: 32, numRuns: 500 },
    )
  })
})
