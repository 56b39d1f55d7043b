// The MessagePack pre-scan (format/msgpack-scan.ts, spec §1, §2.2): exactly one value, only the allowed
// types, every length inside the payload, at most 16 nested containers (the top-level map is the first).
import fc from 'fast-check'
import { Unpackr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { scanMessagePack } from '../format/index.js'
import { encode, mp, type MpValue } from './helpers/msgpack-writer.js'

const bytes = (...b: number[]) => Uint8Array.from(b)
const code = (b: Uint8Array) => scanMessagePack(b)?.code

describe('scanMessagePack', () => {
  it.each<[string, MpValue]>([
    ['nil', null],
    ['booleans', [true, false]],
    ['every integer width', [0, 127, -1, -32, 200, -100, 40000, -40000, 2 ** 31, -(2 ** 31), 2n ** 64n - 1n, -(2n ** 63n), mp.int(1, 'u64'), mp.int(-1, 'i64')]],
    ['float64', mp.f64(1.5)],
    ['strings of every header', ['', 'a'.repeat(31), 'a'.repeat(32), 'a'.repeat(300), mp.str('x', 'str32'), 'Événement 日本語']],
    ['bins of every header', [new Uint8Array(0), new Uint8Array(300), mp.bin(Uint8Array.of(1), 'bin32')]],
    ['arrays and maps of every header', [mp.array([1], 'array16'), mp.array([], 'array32'), mp.map([['a', 1]], 'map16'), mp.map([], 'map32'), { a: { b: [1, 2, { c: null }] } }]],
  ])('accepts %s', (_name, value) => {
    expect(scanMessagePack(encode(value))).toBeUndefined()
  })

  it('rejects every ext type and the never-used 0xC1', () => {
    for (const tag of [0xc1, 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8]) {
      // Enough bytes after the tag for any ext header, so only the type byte can be the problem.
      expect(scanMessagePack(bytes(0x91, tag, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), tag.toString(16)).toMatchObject({ code: 'BAD_PAYLOAD', offset: 1 })
    }
    expect(code(encode([mp.ext(-1, new Uint8Array(8))]))).toBe('BAD_PAYLOAD')
  })

  it('rejects an empty payload, trailing bytes and a second value', () => {
    expect(code(new Uint8Array(0))).toBe('BAD_PAYLOAD')
    expect(scanMessagePack(bytes(0x80, 0xc0))).toMatchObject({ code: 'BAD_PAYLOAD', offset: 1 })
    expect(code(bytes(0x01, 0x02))).toBe('BAD_PAYLOAD')
  })

  it('rejects values cut short and lengths beyond the payload', () => {
    const cuts: number[][] = [
      [0xcd, 0x01], // u16 with one byte
      [0xcf, 0, 0, 0], // u64 with three
      [0xcb, 0, 0], // float64 with two
      [0xd9], // str8 without its length
      [0xda, 0x00], // str16 with half a length
      [0xdb, 0, 0, 0], // str32 with 3/4 of a length
      [0xd9, 0x05, 0x61], // str8 declaring 5 bytes, 1 present
      [0xc6, 0xff, 0xff, 0xff, 0xff], // bin32 declaring 4 GiB
      [0xdc, 0x00], // array16 without a whole count
      [0xdd, 0x00, 0x00, 0x10, 0x00, 0xc0], // array32 of 4096 items, 1 byte present
      [0xdf, 0xff, 0xff, 0xff, 0xff], // map32 of 4G entries
      [0x92, 0xc0], // fixarray of 2, one present
      [0x81, 0xa1, 0x61], // fixmap missing its value
    ]
    for (const c of cuts) expect(code(Uint8Array.from(c)), c.map((b) => b.toString(16)).join(' ')).toBe('BAD_PAYLOAD')
  })

  it('allows exactly 16 nested containers and reports DEPTH at 17, counting empty ones', () => {
    // The payload's top-level map is the first container (spec §2.2).
    const inMap = (inner: MpValue) => encode({ deep: inner })
    expect(scanMessagePack(inMap(mp.nested(15)))).toBeUndefined()
    expect(code(inMap(mp.nested(16)))).toBe('DEPTH')
    expect(scanMessagePack(inMap(mp.nested(14, [])))).toBeUndefined()
    expect(code(inMap(mp.nested(15, [])))).toBe('DEPTH')
    expect(code(inMap(mp.nested(15, {})))).toBe('DEPTH')
    expect(code(inMap(mp.nested(15, 1, 'map')))).toBeUndefined()
    expect(code(inMap(mp.nested(16, 1, 'map')))).toBe('DEPTH')
    expect(scanMessagePack(mp.nested(16).bytes)).toBeUndefined()
    expect(code(mp.nested(17).bytes)).toBe('DEPTH')
  })

  it('stays linear on deep and wide input', () => {
    const wide = encode(Array.from({ length: 100_000 }, (_, i) => i))
    const deep = mp.nested(100_000).bytes
    const start = performance.now()
    expect(scanMessagePack(wide)).toBeUndefined()
    expect(code(deep)).toBe('DEPTH')
    expect(performance.now() - start).toBeLessThan(500)
  })

  it('passes nothing msgpackr cannot decode into exactly one value', () => {
    // Random bytes, biased towards MessagePack structure: whenever the scan passes them, msgpackr must
    // decode them without error and without leftover bytes.
    const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as 'bigint', moreTypes: false })
    const token = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x80, 0x81, 0x90, 0x91, 0x92, 0xa1, 0xc0, 0xc4, 0xd9, 0xdc, 0xde))
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (list) => {
        const b = Uint8Array.from(list)
        if (scanMessagePack(b) !== undefined) return
        expect(() => unpackr.unpack(b)).not.toThrow()
      }),
      { seed: 7, numRuns: 3000 },
    )
  })
})
