// A MessagePack encoder for the writer's own, trusted values (maps with string keys, strings, integers,
// bigints, floats, booleans, nil, arrays, Uint8Array as bin). It sizes the value first and writes it into
// one buffer with room for the frame header in front, so a chunk's column bytes are copied exactly once;
// with msgpackr's pack the columns were copied three times into fresh memory, which made writing 1M
// entries 2–3× slower (bench (c)). Untrusted bytes are decoded by format/payload.ts.

const encoder = new TextEncoder()

type Value = unknown

/**
 * Placed as a map value (key starting with `_`, spec §5), it becomes a bin of 0–7 zero bytes chosen so
 * that the *next* entry's bin data starts 8-byte aligned: readers can then view columns in place.
 */
export const ALIGN = Object.freeze({ align: 8 })

/**
 * A bin whose bytes are written straight into the output (a column narrowed on the way, spec §5.1), so they
 * are neither built in a buffer of their own nor copied a second time. Placed after ALIGN, its start is
 * 8-byte aligned in the output's ArrayBuffer as in the file.
 */
export abstract class LazyBin {
  abstract readonly byteLength: number
  abstract writeTo(out: Uint8Array, at: number): void
}

interface Plan {
  /** UTF-8 byte length of each string, in write order. */
  strings: number[]
  pads: number[]
  /** Absolute position (mod 8) of the output's first byte. */
  origin: number
  pos: number
}

/**
 * Encodes `value` after `headroom` zero bytes (for the frame header); returns the whole buffer. `origin`
 * is where the buffer's first byte will sit in the file (or decoded payload), modulo 8, for ALIGN.
 */
export function encodeMessagePack(value: Value, headroom = 0, origin = 0): Uint8Array {
  const plan: Plan = { strings: [], pads: [], origin, pos: headroom }
  measure(value, plan)
  // Placed `origin` bytes into its ArrayBuffer, so what ALIGN aligns in the file is aligned in memory too
  // and a LazyBin can write through a typed view.
  const out = new Uint8Array(new ArrayBuffer(origin + plan.pos), origin, plan.pos)
  const view = new DataView(out.buffer, out.byteOffset, out.length)
  const state = { pos: headroom, str: 0, pad: 0 }
  write(value, out, view, state, plan)
  if (state.pos !== out.length) throw new Error(`msgpack encoder wrote ${state.pos} of ${out.length} bytes`)
  return out
}

function entries(obj: object): [string, unknown][] {
  return Object.entries(obj).filter(([, v]) => v !== undefined)
}

function intSize(v: number): number {
  if (v >= 0) return v < 0x80 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : v <= 0xffffffff ? 5 : 9
  return v >= -32 ? 1 : v >= -0x80 ? 2 : v >= -0x8000 ? 3 : v >= -0x80000000 ? 5 : 9
}

function lengthHeader(n: number, small: number): number {
  return n < small ? 1 : n < 0x10000 ? 3 : 5
}

const NON_ASCII = /[^\x00-\x7f]/

/**
 * The length of `v` in UTF-8 as TextEncoder writes it: a lone surrogate becomes U+FFFD (3 bytes). Computed
 * rather than encoded, so each string is encoded once, straight into the output.
 */
function utf8Length(v: string): number {
  // Most strings are ASCII: one native scan instead of a loop over code units.
  if (!NON_ASCII.test(v)) return v.length
  const n = v.length
  let bytes = n
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) bytes += 1
    else if ((c & 0xfc00) === 0xd800 && i + 1 < n && (v.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2 // a pair: 2 code units, 4 bytes
      i++
    } else bytes += 2
  }
  return bytes
}

/** Byte length of a bin value, or -1 when `v` is not one. */
function binLength(v: unknown): number {
  return v instanceof Uint8Array ? v.length : v instanceof LazyBin ? v.byteLength : -1
}

function strHeader(n: number): number {
  return n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5
}

function binHeader(n: number): number {
  return n < 0x100 ? 2 : n < 0x10000 ? 3 : 5
}

/** Advances plan.pos over `v`, recording string bytes and pad sizes in write order. */
function measure(v: Value, plan: Plan): void {
  if (v === null || v === undefined || typeof v === 'boolean') plan.pos += 1
  else if (typeof v === 'number') plan.pos += Number.isSafeInteger(v) ? intSize(v) : 9
  else if (typeof v === 'bigint') plan.pos += 9
  else if (typeof v === 'string') {
    const n = utf8Length(v)
    plan.strings.push(n)
    plan.pos += strHeader(n) + n
  } else if (v instanceof Uint8Array) plan.pos += binHeader(v.length) + v.length
  else if (v instanceof LazyBin) plan.pos += binHeader(v.byteLength) + v.byteLength
  else if (Array.isArray(v)) {
    plan.pos += lengthHeader(v.length, 16)
    for (const item of v) measure(item, plan)
  } else if (typeof v === 'object') {
    const list = entries(v)
    plan.pos += lengthHeader(list.length, 16)
    for (let i = 0; i < list.length; i++) {
      const [k, item] = list[i]!
      measure(k, plan)
      if (item === ALIGN) {
        const next = list[i + 1]
        let pad = 0
        const nextLength = next ? binLength(next[1]) : -1
        if (next && nextLength >= 0) {
          const keyLen = utf8Length(next[0])
          const dataStart = plan.origin + plan.pos + 2 + strHeader(keyLen) + keyLen + binHeader(nextLength)
          pad = (8 - (dataStart % 8)) % 8
        }
        plan.pads.push(pad)
        plan.pos += 2 + pad
      } else measure(item, plan)
    }
  } else throw new TypeError(`cannot encode a ${typeof v} as MessagePack`)
}

interface State {
  pos: number
  str: number
  pad: number
}

function write(v: Value, out: Uint8Array, view: DataView, s: State, plan: Plan): void {
  if (v === null || v === undefined) {
    out[s.pos++] = 0xc0
  } else if (typeof v === 'boolean') {
    out[s.pos++] = v ? 0xc3 : 0xc2
  } else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) {
      out[s.pos++] = 0xcb
      view.setFloat64(s.pos, v)
      s.pos += 8
    } else writeInt(v, out, view, s)
  } else if (typeof v === 'bigint') {
    if (v >= 0n) {
      out[s.pos++] = 0xcf
      view.setBigUint64(s.pos, v)
    } else {
      out[s.pos++] = 0xd3
      view.setBigInt64(s.pos, v)
    }
    s.pos += 8
  } else if (typeof v === 'string') {
    const n = plan.strings[s.str++]!
    writeHeader(n, 32, 0xa0, 0xd9, 0xda, out, view, s)
    writeString(v, n, out, s.pos)
    s.pos += n
  } else if (v instanceof Uint8Array) {
    writeHeader(v.length, 0, 0, 0xc4, 0xc5, out, view, s)
    out.set(v, s.pos)
    s.pos += v.length
  } else if (v instanceof LazyBin) {
    writeHeader(v.byteLength, 0, 0, 0xc4, 0xc5, out, view, s)
    v.writeTo(out, s.pos)
    s.pos += v.byteLength
  } else if (Array.isArray(v)) {
    writeHeader(v.length, 16, 0x90, 0, 0xdc, out, view, s)
    for (const item of v) write(item, out, view, s, plan)
  } else {
    const list = entries(v as object)
    writeHeader(list.length, 16, 0x80, 0, 0xde, out, view, s)
    for (const [k, item] of list) {
      write(k, out, view, s, plan)
      if (item === ALIGN) {
        const pad = plan.pads[s.pad++]!
        out[s.pos++] = 0xc4
        out[s.pos++] = pad
        s.pos += pad // zero bytes: the buffer is fresh
      } else write(item, out, view, s, plan)
    }
  }
}

/** Writes `v`, `n` bytes in UTF-8, at `at`: short ASCII by hand (cheaper than a call into the encoder), the rest by encodeInto. */
function writeString(v: string, n: number, out: Uint8Array, at: number): void {
  if (n === v.length && n <= 64) {
    for (let i = 0; i < n; i++) out[at + i] = v.charCodeAt(i)
    return
  }
  const done = encoder.encodeInto(v, out.subarray(at, at + n))
  if (done.written !== n || done.read !== v.length) throw new Error(`msgpack encoder: a string took ${done.written} bytes, measured ${n}`)
}

/**
 * A str/bin/array/map length header: the fix form below `fixLimit` (0: none), then the 8-bit form (`code8`,
 * 0: none), then `code16` and `code16 + 1` for 16- and 32-bit lengths, as MessagePack numbers them.
 */
function writeHeader(n: number, fixLimit: number, fix: number, code8: number, code16: number, out: Uint8Array, view: DataView, s: State): void {
  if (n < fixLimit) out[s.pos++] = fix | n
  else if (code8 !== 0 && n < 0x100) {
    out[s.pos++] = code8
    out[s.pos++] = n
  } else if (n < 0x10000) {
    out[s.pos++] = code16
    view.setUint16(s.pos, n)
    s.pos += 2
  } else {
    out[s.pos++] = code16 + 1
    view.setUint32(s.pos, n)
    s.pos += 4
  }
}

function writeInt(v: number, out: Uint8Array, view: DataView, s: State): void {
  if (v >= 0) {
    if (v < 0x80) out[s.pos++] = v
    else if (v < 0x100) {
      out[s.pos++] = 0xcc
      out[s.pos++] = v
    } else if (v < 0x10000) {
      out[s.pos++] = 0xcd
      view.setUint16(s.pos, v)
      s.pos += 2
    } else if (v <= 0xffffffff) {
      out[s.pos++] = 0xce
      view.setUint32(s.pos, v)
      s.pos += 4
    } else {
      out[s.pos++] = 0xcf
      view.setBigUint64(s.pos, BigInt(v))
      s.pos += 8
    }
  } else if (v >= -32) out[s.pos++] = v & 0xff
  else if (v >= -0x80) {
    out[s.pos++] = 0xd0
    view.setInt8(s.pos++, v)
  } else if (v >= -0x8000) {
    out[s.pos++] = 0xd1
    view.setInt16(s.pos, v)
    s.pos += 2
  } else if (v >= -0x80000000) {
    out[s.pos++] = 0xd2
    view.setInt32(s.pos, v)
    s.pos += 4
  } else {
    out[s.pos++] = 0xd3
    view.setBigInt64(s.pos, BigInt(v))
    s.pos += 8
  }
}
