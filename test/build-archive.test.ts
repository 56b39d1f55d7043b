// Checks the hand-written archive builder against hand-computed bytes and against itself.
// CRC literals below were computed outside this project (Python's zlib.crc32).
import { describe, it, expect } from 'vitest';
import {
  ArchiveBuilder, CRC32_CHECK_VALUE, Kind, col, crc32, crc32SelfCheck, encode, frame, minimalArchive,
  minimalArchiveExpected, mp, preamble,
} from './helpers/build-archive.js';

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
const bytesOf = (s: string): Uint8Array => Uint8Array.from(s.split(/\s+/).filter(Boolean).map((h) => parseInt(h, 16)));
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const le32 = (v: number): string => hex(Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24));

interface WalkedFrame {
  offset: number;
  kind: number;
  crc: number;
  covered: Uint8Array; // header bytes 4..15 + payload: what the crc must cover
  payload: Uint8Array;
}

/** Walks frames by their headers alone (no builder code), stopping at the end or at a bad sync. */
function walk(bytes: Uint8Array): { frames: WalkedFrame[]; end: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: WalkedFrame[] = [];
  let at = 16;
  while (at + 20 <= bytes.length && hex(bytes.subarray(at, at + 4)) === '50 53 46 52') {
    const stored = dv.getUint32(at + 8, true);
    const payload = bytes.subarray(at + 20, at + 20 + stored);
    const covered = new Uint8Array(12 + payload.length);
    covered.set(bytes.subarray(at + 4, at + 16));
    covered.set(payload, 12);
    frames.push({ offset: at, kind: dv.getUint16(at + 4, true), crc: dv.getUint32(at + 16, true), covered, payload });
    at += 20 + stored;
  }
  return { frames, end: at };
}

/** Trailer checksum recomputed independently: one running CRC over each crc field's 4 LE bytes. */
function checksumOf(crcs: number[]): number {
  const buf = new Uint8Array(crcs.length * 4);
  crcs.forEach((c, i) => buf.set(bytesOf(le32(c)), i * 4));
  return crc32(buf);
}

/** Skips one MessagePack value; returns its end and its nesting depth (scalars 0). Throws on anything odd. */
function skip(b: Uint8Array, at: number): { end: number; depth: number } {
  const t = b[at];
  if (t === undefined) throw new Error(`truncated at ${at}`);
  const be = (n: number) => {
    let v = 0;
    for (let i = 1; i <= n; i++) v = v * 256 + (b[at + i] ?? NaN);
    return v;
  };
  const container = (n: number, head: number, perItem: number) => {
    let end = at + head;
    let depth = 0;
    for (let i = 0; i < n * perItem; i++) {
      const r = skip(b, end);
      end = r.end;
      depth = Math.max(depth, r.depth);
    }
    return { end, depth: depth + 1 };
  };
  if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) return { end: at + 1, depth: 0 };
  if (t >= 0xa0 && t <= 0xbf) return { end: at + 1 + (t & 0x1f), depth: 0 };
  if (t >= 0x90 && t <= 0x9f) return container(t & 0x0f, 1, 1);
  if (t >= 0x80 && t <= 0x8f) return container(t & 0x0f, 1, 2);
  const fixed: Record<number, number> = { 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xcb: 8 };
  const f = fixed[t];
  if (f !== undefined) return { end: at + 1 + f, depth: 0 };
  const sized: Record<number, number> = { 0xd9: 1, 0xda: 2, 0xdb: 4, 0xc4: 1, 0xc5: 2, 0xc6: 4 };
  const s = sized[t];
  if (s !== undefined) return { end: at + 1 + s + be(s), depth: 0 };
  if (t === 0xdc || t === 0xdd) return container(be(t === 0xdc ? 2 : 4), t === 0xdc ? 3 : 5, 1);
  if (t === 0xde || t === 0xdf) return container(be(t === 0xde ? 2 : 4), t === 0xde ? 3 : 5, 2);
  throw new Error(`type byte ${t.toString(16)} not allowed in payloads`);
}

describe('crc32', () => {
  it('has the standard check value', () => {
    expect(CRC32_CHECK_VALUE).toBe(0xcbf43926);
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32SelfCheck()).toBe(true);
  });
  it('matches zlib on other inputs and over split parts', () => {
    expect(crc32()).toBe(0);
    expect(crc32(ascii('a'))).toBe(0xe8b7be43);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    expect(crc32(ascii('The quick brown '), ascii('fox jumps over the lazy dog'))).toBe(0x414fa339);
  });
});

describe('msgpack writer', () => {
  it.each<[string, Parameters<typeof encode>[0], string]>([
    ['{a:1}', { a: 1 }, '81 a1 61 01'],
    ['nil', null, 'c0'],
    ['false', false, 'c2'],
    ['true', true, 'c3'],
    ['0', 0, '00'],
    ['127', 127, '7f'],
    ['128', 128, 'cc 80'],
    ['256', 256, 'cd 01 00'],
    ['65536', 65536, 'ce 00 01 00 00'],
    ['2^32-1', 2 ** 32 - 1, 'ce ff ff ff ff'],
    ['2^32', 2 ** 32, 'cf 00 00 00 01 00 00 00 00'],
    ['2n^32', 2n ** 32n, 'cf 00 00 00 01 00 00 00 00'],
    ['2^64-1', 2n ** 64n - 1n, 'cf ff ff ff ff ff ff ff ff'],
    ['-1', -1, 'ff'],
    ['-32', -32, 'e0'],
    ['-33', -33, 'd0 df'],
    ['-129', -129, 'd1 ff 7f'],
    ['-32769', -32769, 'd2 ff ff 7f ff'],
    ['-2^31-1', -(2 ** 31) - 1, 'd3 ff ff ff ff 7f ff ff ff'],
    ['-2^63', -(2n ** 63n), 'd3 80 00 00 00 00 00 00 00'],
    ['1.5', 1.5, 'cb 3f f8 00 00 00 00 00 00'],
    ['empty str', '', 'a0'],
    ['é', 'é', 'a2 c3 a9'],
    ['lone surrogate → U+FFFD', '\ud800', 'a3 ef bf bd'],
    ['empty bin', new Uint8Array(0), 'c4 00'],
    ['empty array', [], '90'],
    ['empty map', {}, '80'],
    ['undefined skipped', { a: undefined, b: null }, '81 a1 62 c0'],
    ['Map keeps order', new Map<string, number>([['b', 1], ['a', 2]]), '82 a1 62 01 a1 61 02'],
  ])('encodes %s', (_name, value, bytes) => {
    expect(hex(encode(value))).toBe(bytes);
  });

  it('picks header widths at the boundaries', () => {
    expect(hex(encode('x'.repeat(31)).subarray(0, 1))).toBe('bf');
    expect(hex(encode('x'.repeat(32)).subarray(0, 2))).toBe('d9 20');
    expect(hex(encode('x'.repeat(256)).subarray(0, 3))).toBe('da 01 00');
    const bin = encode(new Uint8Array(300));
    expect(bin.length).toBe(303);
    expect(hex(bin.subarray(0, 3))).toBe('c5 01 2c');
    expect(hex(encode(new Uint8Array(255)).subarray(0, 2))).toBe('c4 ff');
    expect(hex(encode(new Uint8Array(65536)).subarray(0, 5))).toBe('c6 00 01 00 00');
    expect(hex(encode(new Array<null>(15).fill(null)).subarray(0, 1))).toBe('9f');
    expect(hex(encode(new Array<null>(16).fill(null)).subarray(0, 3))).toBe('dc 00 10');
    const big = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i]));
    expect(hex(encode(big).subarray(0, 3))).toBe('de 00 10');
  });

  it('forces formats and builds hostile values', () => {
    expect(hex(encode(mp.int(5, 'u64')))).toBe('cf 00 00 00 00 00 00 00 05');
    expect(hex(encode(mp.int(-1, 'i8')))).toBe('d0 ff');
    expect(hex(encode(mp.int(1, 'i64')))).toBe('d3 00 00 00 00 00 00 00 01');
    expect(() => mp.int(300, 'u8')).toThrow(RangeError);
    expect(() => mp.int(-1, 'u32')).toThrow(RangeError);
    expect(() => encode(2 ** 64)).toThrow(RangeError);
    expect(hex(encode(mp.str('a', 'str8')))).toBe('d9 01 61');
    expect(hex(encode(mp.strBytes(Uint8Array.of(0xff))))).toBe('a1 ff');
    expect(hex(encode(mp.bin(Uint8Array.of(9), 'bin32')))).toBe('c6 00 00 00 01 09');
    expect(hex(encode(mp.f64(3)))).toBe('cb 40 08 00 00 00 00 00 00');
    expect(hex(encode(mp.f32(1.5)))).toBe('ca 3f c0 00 00');
    expect(hex(encode(mp.ext(1, Uint8Array.of(1, 2, 3, 4))))).toBe('d6 01 01 02 03 04');
    expect(hex(encode(mp.array([1], 'array16')))).toBe('dc 00 01 01');
    expect(hex(encode([mp.raw(Uint8Array.of(0xc1))]))).toBe('91 c1');
    expect(hex(encode(mp.nested(3)))).toBe('91 91 91 c0');
    expect(hex(encode(mp.nested(2, 1, 'map')))).toBe('81 a1 61 81 a1 61 01');
    expect(skip(encode(mp.nested(17)), 0).depth).toBe(17);
    expect(() => encode(new Date(0) as never)).toThrow(TypeError);
  });

  it('writes __proto__ and duplicate keys as plain str keys', () => {
    const proto = 'a9 5f 5f 70 72 6f 74 6f 5f 5f';
    expect(hex(encode(mp.map([['__proto__', 1], ['a', 2], ['a', 3]])))).toBe(`83 ${proto} 01 a1 61 02 a1 61 03`);
    expect(hex(encode(new Map([['__proto__', 1]])))).toBe(`81 ${proto} 01`);
    expect(hex(encode(JSON.parse('{"__proto__":{"x":1}}') as never))).toBe(`81 ${proto} 81 a1 78 01`);
    expect(hex(encode(mp.map([[1, 2]])))).toBe('81 01 02');
  });
});

describe('preamble', () => {
  it('is the magic, version 1.0 and the CRC of bytes 0..11', () => {
    expect(hex(preamble())).toBe(`89 50 53 53 4e 41 50 0a 01 00 00 00 ${le32(0xc710d7e3)}`);
  });
  it('takes overrides', () => {
    expect(hex(preamble({ major: 2 }))).toBe(`89 50 53 53 4e 41 50 0a 02 00 00 00 ${le32(0xd5a5780d)}`);
    expect(hex(preamble({ crc: 0xdeadbeef }).subarray(12))).toBe('ef be ad de');
    expect(hex(preamble({ minor: 0x0102 }).subarray(8, 12))).toBe('01 00 02 01');
    expect(hex(preamble({ magic: bytesOf('4d 44 4d 50 93 a7 00 00') }).subarray(0, 4))).toBe('4d 44 4d 50');
  });
});

describe('frame', () => {
  it('lays out sync, kind, codec, flags, lengths, crc, payload', () => {
    const f = frame({ kind: Kind.CHUNK, payload: encode({ a: 1 }) });
    expect(hex(f)).toBe(`50 53 46 52 02 00 00 00 04 00 00 00 04 00 00 00 ${le32(0x6ae9d7ca)} 81 a1 61 01`);
  });
  it('computes the crc over the header as written, overrides included', () => {
    const payload = Uint8Array.of(1, 2, 3);
    const f = frame({ kind: 0x8001, codec: 1, flags: 0x80, payload, decodedLength: 70000, storedLength: 99 });
    expect(hex(f.subarray(4, 16))).toBe('01 80 01 80 63 00 00 00 70 11 01 00');
    expect(f.length).toBe(23);
    const covered = new Uint8Array(15);
    covered.set(f.subarray(4, 16));
    covered.set(payload, 12);
    expect(hex(f.subarray(16, 20))).toBe(le32(crc32(covered)));
    expect(hex(frame({ kind: 1, payload, crc: 1, sync: ascii('XXXX') }).subarray(0, 20))).toBe(
      '58 58 58 58 01 00 00 00 03 00 00 00 03 00 00 00 01 00 00 00',
    );
    expect(() => frame({ kind: 2, codec: 1, payload })).toThrow();
  });
});

describe('columns', () => {
  it('writes little-endian numeric data', () => {
    expect(hex(col.u16([1, 0x1234]).data)).toBe('01 00 34 12');
    expect(hex(col.i32([-1, 2]).data)).toBe('ff ff ff ff 02 00 00 00');
    expect(hex(col.u64([0x0102030405060708n]).data)).toBe('08 07 06 05 04 03 02 01');
    expect(hex(col.i64([-2n]).data)).toBe('fe ff ff ff ff ff ff ff');
    expect(() => col.u8([256])).toThrow(RangeError);
    expect(() => col.u64([-1n])).toThrow(RangeError);
  });
  it('encodes a column map', () => {
    // {type: "u8", data: bin [7]}
    expect(hex(encode(col.u8([7])))).toBe('82 a4 74 79 70 65 a2 75 38 a4 64 61 74 61 c4 01 07');
  });
  it('dictionary-encodes strings with 0 for null', () => {
    const c = col.str(['a', null, 'a', 'b']);
    expect(c.dict).toEqual(['a', 'b']);
    expect(hex(c.data)).toBe('01 00 00 00 00 00 00 00 01 00 00 00 02 00 00 00');
  });
  it('writes bytes with count+1 offsets', () => {
    const c = col.bytes([Uint8Array.of(1, 2), null, Uint8Array.of(3)], 'x64');
    expect(hex(c.data)).toBe('01 02 03');
    expect(hex(c.offsets!)).toBe('00 00 00 00 02 00 00 00 02 00 00 00 03 00 00 00');
    expect(c.architecture).toBe('x64');
    expect(col.bytes([]).offsets!.length).toBe(4);
  });
});

describe('ArchiveBuilder', () => {
  const build = () =>
    new ArchiveBuilder()
      .header({ producer: { tool: 't', version: '1' } })
      .chunk({ section: 'handles', first: 0, count: 2, columns: { handle: col.u64([4n, 8n]) } })
      .value(0x8001, { private: true })
      .chunk({ section: 'handles', first: 2, count: 1, columns: { handle: col.u64([12n]) } })
      .declareSection('threads')
      .epilogue({ timings: { walkMs: 3 } });

  it('appends a trailer computed per §2.3', () => {
    const bytes = build().finish();
    const { frames, end } = walk(bytes);
    expect(end).toBe(bytes.length);
    expect(frames.map((f) => f.kind)).toEqual([1, 2, 0x8001, 2, 3, 4]);
    for (const f of frames) expect(f.crc).toBe(crc32(f.covered));
    for (const f of frames) expect(skip(f.payload, 0).end).toBe(f.payload.length);
    const last = frames[frames.length - 1]!;
    const before = frames.slice(0, -1);
    const expected = new Map<string, unknown>([
      ['frameCount', 5],
      ['byteLength', last.offset],
      ['frameChecksum', checksumOf(before.map((f) => f.crc))],
      ['entryCounts', new Map([['handles', 3], ['threads', 0]])],
    ]);
    expect(hex(last.payload)).toBe(hex(encode(expected as never)));
  });

  it('writes timings as float64', () => {
    const { frames } = walk(build().finish());
    const epi = frames[4]!.payload;
    // {timings: {walkMs: 3.0}}
    expect(hex(epi)).toBe('81 a7 74 69 6d 69 6e 67 73 81 a6 77 61 6c 6b 4d 73 cb 40 08 00 00 00 00 00 00');
  });

  it('builds deliberately wrong archives', () => {
    const noTrailer = walk(build().finish({ trailer: false }));
    expect(noTrailer.frames.map((f) => f.kind)).toEqual([1, 2, 0x8001, 2, 3]);

    const trailing = build().finish({ append: ascii('junk') });
    expect(hex(trailing.subarray(-4))).toBe(hex(ascii('junk')));
    expect(walk(trailing).end).toBe(trailing.length - 4);

    const b = build();
    const lying = b.finish({ trailer: { frameCount: 99, entryCounts: undefined }, trailerFrame: { crc: 7 } });
    const t = walk(lying).frames[5]!;
    expect(t.crc).toBe(7);
    expect(hex(t.payload.subarray(0, 13))).toBe('83 aa 66 72 61 6d 65 43 6f 75 6e 74 63'); // 3 keys, frameCount 99
    expect(b.trailerWritten?.frameCount).toBe(99);

    // raw bytes shift byteLength but are not frames
    const r = new ArchiveBuilder().header({}).raw(ascii('gap!'));
    expect(r.computeTrailer()).toMatchObject({ frameCount: 1, byteLength: 16 + 20 + 1 + 4 });
    r.finish();
    expect(() => r.raw(ascii('x'))).toThrow();
  });
});

describe('minimalArchive', () => {
  const bytes = minimalArchive();
  const { frames, end } = walk(bytes);
  const x = minimalArchiveExpected;

  it('is deterministic', () => {
    expect(hex(minimalArchive())).toBe(hex(bytes));
  });

  it('is a preamble, well-formed frames and a correct trailer', () => {
    expect(hex(bytes.subarray(0, 16))).toBe(hex(preamble()));
    expect(end).toBe(bytes.length);
    expect(frames.map((f) => f.kind)).toEqual([1, 2, 2, 2, 2, 3, 4]);
    expect(x.frameKinds).toEqual([1, 2, 2, 2, 2, 3, 4]);
    for (const f of frames) {
      expect(f.crc).toBe(crc32(f.covered));
      const r = skip(f.payload, 0);
      expect(r.end).toBe(f.payload.length);
      expect(r.depth).toBeLessThanOrEqual(16);
    }
    const last = frames[6]!;
    expect(x.trailer).toEqual({
      frameCount: 6,
      byteLength: BigInt(last.offset),
      frameChecksum: checksumOf(frames.slice(0, 6).map((f) => f.crc)),
      entryCounts: { handles: 3, threads: 2, vaSpace: 2, auxiliaryPages: 1 },
    });
  });

  it('carries the x64 context with Rip and Rsp at their offsets', () => {
    const ctx = x.sections.threads[0]!.contextRecord!;
    expect(ctx.length).toBe(1232);
    const dv = new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength);
    expect(dv.getBigUint64(248, true)).toBe(0x00007ff6_1234_5678n);
    expect(dv.getBigUint64(152, true)).not.toBe(0n);
    expect(x.sections.threads[1]!.contextRecord).toBeNull();
    // bin16 of 1232 bytes (C5 04 D0) followed by the context, inside the threads chunk
    expect(hex(frames[2]!.payload)).toContain(`c5 04 d0 ${hex(ctx)}`);
  });

  it('matches its expected values where they are visible in the bytes', () => {
    expect(x.sections.handles.length).toBe(x.header.handleInformation.handlesCaptured);
    expect(x.sections.threads.length).toBe(x.header.threadInformation.threadsCaptured);
    const head = hex(frames[0]!.payload);
    // imagePath: 17 UTF-8 bytes, so fixstr B1, with é as C3 A9
    expect(head).toContain(`b1 ${hex(ascii('C:\\Apps\\démo.exe'))}`);
    expect(head).toContain(`${hex(ascii('peakVirtualSize'))} cf 00 00 02 01 23 45 00 00`);
    expect(head).toContain(`${hex(ascii('affinityMask'))} cc ff`);
    const handles = hex(frames[1]!.payload);
    expect(handles).toContain(hex(ascii('typeSpecificInformation.event')));
    expect(handles).toContain(hex(ascii('Événement-日本')));
    expect(hex(frames[5]!.payload)).toContain(`${hex(ascii('captureMs'))} cb 40 29 00 00 00 00 00 00`);
  });
});
