/**
 * A tiny hand-written MessagePack encoder for tests (2017 spec, big-endian numbers).
 *
 * It deliberately shares no code with `format/` or any MessagePack library: archives built with it check
 * the project's decoder against the spec text, not against the project's own encoder.
 *
 * Deterministic rules of `encode()`:
 * - null → nil; booleans → C2/C3; integral numbers and bigints → the smallest int format that holds them
 *   (non-negative → positive fixint/uint*, negative → negative fixint/int*); other numbers → float64.
 * - string → str (smallest header), Uint8Array → bin (smallest header), arrays → array.
 * - plain objects → map in `Object.keys` order, skipping `undefined` values (JS puts integer-like keys first;
 *   use a `Map` or `mp.map` when the order or keys like `__proto__` matter).
 * - `MpRaw` values are spliced verbatim: that is how every forced format and hostile construct is built.
 */

/** Already-encoded bytes, copied into the output as they are. */
export class MpRaw {
  constructor(readonly bytes: Uint8Array) {}
}

export type MpValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | MpRaw
  | readonly MpValue[]
  | ReadonlyMap<string, MpValue>
  | MpObject;

export interface MpObject {
  readonly [key: string]: MpValue | undefined;
}

export type IntFormat = 'fixint' | 'u8' | 'u16' | 'u32' | 'u64' | 'i8' | 'i16' | 'i32' | 'i64';
export type StrFormat = 'fixstr' | 'str8' | 'str16' | 'str32';
export type BinFormat = 'bin8' | 'bin16' | 'bin32';
export type ArrayFormat = 'fixarray' | 'array16' | 'array32';
export type MapFormat = 'fixmap' | 'map16' | 'map32';

const INT_RANGES: Record<IntFormat, readonly [bigint, bigint, number]> = {
  // [min, max, type byte]; fixint has no type byte (the value is the byte).
  fixint: [-32n, 127n, -1],
  u8: [0n, 0xffn, 0xcc],
  u16: [0n, 0xffffn, 0xcd],
  u32: [0n, 0xffff_ffffn, 0xce],
  u64: [0n, 0xffff_ffff_ffff_ffffn, 0xcf],
  i8: [-0x80n, 0x7fn, 0xd0],
  i16: [-0x8000n, 0x7fffn, 0xd1],
  i32: [-0x8000_0000n, 0x7fff_ffffn, 0xd2],
  i64: [-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0xd3],
};

function toBigInt(v: number | bigint): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isInteger(v)) throw new RangeError(`not an integer: ${v}`);
  return BigInt(v);
}

function smallestIntFormat(n: bigint): IntFormat {
  if (n >= -32n && n <= 127n) return 'fixint';
  const order: IntFormat[] = n >= 0n ? ['u8', 'u16', 'u32', 'u64'] : ['i8', 'i16', 'i32', 'i64'];
  for (const f of order) {
    const [min, max] = INT_RANGES[f];
    if (n >= min && n <= max) return f;
  }
  throw new RangeError(`integer ${n} does not fit in 64 bits (use mp.f64 for a float)`);
}

/** Encodes an integer, in `format` when given (it must hold the value), else in the smallest format. */
export function encodeInt(value: number | bigint, format?: IntFormat): Uint8Array {
  const n = toBigInt(value);
  const f = format ?? smallestIntFormat(n);
  const [min, max, tag] = INT_RANGES[f];
  if (n < min || n > max) throw new RangeError(`${n} does not fit ${f}`);
  if (f === 'fixint') return Uint8Array.of(Number(BigInt.asUintN(8, n)));
  const width = f === 'u8' || f === 'i8' ? 1 : f === 'u16' || f === 'i16' ? 2 : f === 'u32' || f === 'i32' ? 4 : 8;
  const out = new Uint8Array(1 + width);
  out[0] = tag;
  // Two's complement of the value in `width` bytes, big-endian, covers signed and unsigned alike.
  let u = BigInt.asUintN(width * 8, n);
  for (let i = width; i >= 1; i--) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}

export function encodeFloat64(v: number): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = 0xcb;
  new DataView(out.buffer).setFloat64(1, v, false);
  return out;
}

/** Writes a type byte followed by a big-endian length of `width` bytes. */
function lengthHeader(tag: number, width: 1 | 2 | 4, n: number): Uint8Array {
  const max = width === 1 ? 0xff : width === 2 ? 0xffff : 0xffff_ffff;
  if (!Number.isInteger(n) || n < 0 || n > max) throw new RangeError(`length ${n} does not fit ${width} bytes`);
  const out = new Uint8Array(1 + width);
  out[0] = tag;
  for (let i = width, v = n; i >= 1; i--, v = Math.floor(v / 256)) out[i] = v & 0xff;
  return out;
}

/** Header of a str of `n` UTF-8 bytes. Useful alone to lie about a length. */
export function strHeader(n: number, format?: StrFormat): Uint8Array {
  const f = format ?? (n < 32 ? 'fixstr' : n <= 0xff ? 'str8' : n <= 0xffff ? 'str16' : 'str32');
  if (f === 'fixstr') {
    if (n > 31) throw new RangeError(`fixstr cannot hold ${n} bytes`);
    return Uint8Array.of(0xa0 | n);
  }
  return f === 'str8' ? lengthHeader(0xd9, 1, n) : f === 'str16' ? lengthHeader(0xda, 2, n) : lengthHeader(0xdb, 4, n);
}

export function binHeader(n: number, format?: BinFormat): Uint8Array {
  const f = format ?? (n <= 0xff ? 'bin8' : n <= 0xffff ? 'bin16' : 'bin32');
  return f === 'bin8' ? lengthHeader(0xc4, 1, n) : f === 'bin16' ? lengthHeader(0xc5, 2, n) : lengthHeader(0xc6, 4, n);
}

export function arrayHeader(n: number, format?: ArrayFormat): Uint8Array {
  const f = format ?? (n < 16 ? 'fixarray' : n <= 0xffff ? 'array16' : 'array32');
  if (f === 'fixarray') {
    if (n > 15) throw new RangeError(`fixarray cannot hold ${n} items`);
    return Uint8Array.of(0x90 | n);
  }
  return f === 'array16' ? lengthHeader(0xdc, 2, n) : lengthHeader(0xdd, 4, n);
}

export function mapHeader(n: number, format?: MapFormat): Uint8Array {
  const f = format ?? (n < 16 ? 'fixmap' : n <= 0xffff ? 'map16' : 'map32');
  if (f === 'fixmap') {
    if (n > 15) throw new RangeError(`fixmap cannot hold ${n} entries`);
    return Uint8Array.of(0x80 | n);
  }
  return f === 'map16' ? lengthHeader(0xde, 2, n) : lengthHeader(0xdf, 4, n);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const utf8 = new TextEncoder(); // lone surrogates become U+FFFD, as the spec requires

function isPlainObject(v: object): v is MpObject {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function write(v: MpValue, out: Uint8Array[]): void {
  if (v === null) out.push(Uint8Array.of(0xc0));
  else if (v === true) out.push(Uint8Array.of(0xc3));
  else if (v === false) out.push(Uint8Array.of(0xc2));
  else if (typeof v === 'bigint') out.push(encodeInt(v));
  else if (typeof v === 'number') out.push(Number.isInteger(v) ? encodeInt(v) : encodeFloat64(v));
  else if (typeof v === 'string') {
    const b = utf8.encode(v);
    out.push(strHeader(b.length), b);
  } else if (v instanceof MpRaw) out.push(v.bytes);
  else if (v instanceof Uint8Array) out.push(binHeader(v.length), v);
  else if (Array.isArray(v)) {
    const items: readonly MpValue[] = v;
    out.push(arrayHeader(items.length));
    for (const item of items) write(item, out);
  } else if (v instanceof Map) {
    const m: ReadonlyMap<string, MpValue> = v;
    out.push(mapHeader(m.size));
    for (const [k, item] of m) {
      write(k, out);
      write(item, out);
    }
  } else if (typeof v === 'object' && isPlainObject(v)) {
    const entries = Object.entries(v).filter((e): e is [string, MpValue] => e[1] !== undefined);
    out.push(mapHeader(entries.length));
    for (const [k, item] of entries) {
      write(k, out);
      write(item, out);
    }
  } else {
    throw new TypeError(`cannot encode ${Object.prototype.toString.call(v)} as MessagePack`);
  }
}

/** Encodes one value to its MessagePack bytes. */
export function encode(v: MpValue): Uint8Array {
  const out: Uint8Array[] = [];
  write(v, out);
  return concatBytes(out);
}

/**
 * Forced formats and hostile constructs. Each returns an `MpRaw`, usable anywhere inside a value.
 */
export const mp = {
  /** Splices arbitrary bytes (e.g. a truncated value, a reserved byte 0xC1, a lying length header). */
  raw: (...parts: Uint8Array[]): MpRaw => new MpRaw(concatBytes(parts)),
  /** An integer in a chosen format, e.g. `mp.int(5, 'u64')` → CF 00 00 00 00 00 00 00 05. */
  int: (v: number | bigint, format: IntFormat): MpRaw => new MpRaw(encodeInt(v, format)),
  /** Always float64, even for integral numbers (the spec's `timings` are float64). */
  f64: (v: number): MpRaw => new MpRaw(encodeFloat64(v)),
  /** float32: valid MessagePack the spec does not allow in payloads. */
  f32: (v: number): MpRaw => {
    const out = new Uint8Array(5);
    out[0] = 0xca;
    new DataView(out.buffer).setFloat32(1, v, false);
    return new MpRaw(out);
  },
  str: (s: string, format?: StrFormat): MpRaw => {
    const b = utf8.encode(s);
    return new MpRaw(concatBytes([strHeader(b.length, format), b]));
  },
  /** A str whose payload is arbitrary bytes (e.g. invalid UTF-8). */
  strBytes: (b: Uint8Array, format?: StrFormat): MpRaw => new MpRaw(concatBytes([strHeader(b.length, format), b])),
  bin: (b: Uint8Array, format?: BinFormat): MpRaw => new MpRaw(concatBytes([binHeader(b.length, format), b])),
  array: (items: readonly MpValue[], format?: ArrayFormat): MpRaw =>
    new MpRaw(concatBytes([arrayHeader(items.length, format), ...items.map(encode)])),
  /** A map with entries in the given order: duplicate keys, `__proto__`, non-str keys all allowed. */
  map: (entries: readonly (readonly [MpValue, MpValue])[], format?: MapFormat): MpRaw =>
    new MpRaw(concatBytes([mapHeader(entries.length, format), ...entries.flatMap(([k, v]) => [encode(k), encode(v)])])),
  /** An ext value: valid MessagePack the spec does not allow in payloads. */
  ext: (type: number, data: Uint8Array): MpRaw => {
    const fixed: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
    const tag = fixed[data.length];
    const head = tag !== undefined ? Uint8Array.of(tag) : lengthHeader(0xc7, 1, data.length);
    return new MpRaw(concatBytes([head, Uint8Array.of(type & 0xff), data]));
  },
  /**
   * `levels` nested containers around `leaf`: `nested(3)` is `[[[nil]]]` (91 91 91 C0) and
   * `nested(2, 1, 'map')` is `{a: {a: 1}}`. Built iteratively, so any depth is cheap.
   */
  nested: (levels: number, leaf: MpValue = null, kind: 'array' | 'map' = 'array'): MpRaw => {
    const open = kind === 'array' ? Uint8Array.of(0x91) : Uint8Array.of(0x81, 0xa1, 0x61);
    const out = new Uint8Array(open.length * levels + encode(leaf).length);
    for (let i = 0; i < levels; i++) out.set(open, i * open.length);
    out.set(encode(leaf), open.length * levels);
    return new MpRaw(out);
  },
};
