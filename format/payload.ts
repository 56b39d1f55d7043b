// Decoding a frame payload by the shape the format gives it (spec/ARCHIVE.md §1–2.2, §3–8): known keys are
// decoded and type-checked as they are read, unknown keys are skipped without building anything and their
// paths listed. A whole-payload decoder (msgpackr's unpack) would materialise every unknown value first: a
// few KiB of deflate holding millions of tiny maps under an unknown key cost gigabytes that way.
// Callers run scanMessagePack over the payload first, so every length here is known to lie inside it and
// nesting is bounded: this code does not re-check structure, only types.
import type { ZodMiniType } from 'zod/mini'
import { MAX_STRING_BYTES } from './constants.js'
import { keepShape } from './kept-shapes.js'

/** What a position in a payload must hold. `num` takes an integer or a float, `int` only an integer. */
export type Shape =
  | 'str'
  | 'int'
  | 'num'
  | 'bool'
  | 'bin'
  /**
   * A map with named members, those in `required` never absent (spec §1); `extra` says whether other keys
   * are listed as unknown or ignored.
   */
  | { readonly map: Readonly<Record<string, Shape>>; readonly extra: 'report' | 'ignore'; readonly required?: readonly string[] }
  /**
   * A map whose keys are names from the file, each value of the shape `record` gives for its key (a
   * function: undefined means the key is unknown, listed and skipped).
   */
  | { readonly record: Shape | ((key: string) => Shape | undefined) }
  | { readonly array: Shape }
  /** An array of strings read as a LazyStrings: checked now, decoded when first used (a dictionary). */
  | { readonly lazyStrings: true }

/**
 * A list of strings checked in the payload but decoded only when `decode()` is first called: opening and
 * validating an archive do not pay for its dictionaries' strings, and 4 bytes per string are held until
 * then (a payload byte or more each).
 */
export class LazyStrings {
  private decoded: string[] | undefined
  constructor(
    private readonly bytes: Uint8Array,
    /**
     * Where the strings lie in `bytes`, n + 2 offsets for n strings: the first string's start twice, each
     * string's MessagePack header after it, then the end of the last string. The k-th string (1-based, as a
     * str column's index counts) is bounds[k]..bounds[k + 1], and index 0 (absent) spans bounds[0]..bounds[1]:
     * nothing. So a row's stored size is bounds[k + 1] - bounds[k] for every k, absent included.
     */
    private readonly bounds: Uint32Array,
  ) {}
  get length(): number {
    return this.bounds.length - 2
  }
  /** Stored bytes of the whole dictionary (each string with its header). */
  get storedBytes(): number {
    return this.bounds[this.bounds.length - 1]! - this.bounds[0]!
  }
  /**
   * Bytes the rows of `index` (0 absent, k the k-th string) spell out when each row's string is written in
   * full, counting each string with its header: what a row-by-row output (JSON, CSV) of this column costs.
   * Every index must be at most `length` (checkIndex checks, and remembers the sum for this call).
   */
  expandedBytes(index: ArrayLike<number>): number {
    if (this.checked?.index === index) return this.checked.bytes
    const total = this.checkIndex(index)
    if (total < 0) throw new RangeError(`str column index ${index[-1 - total]} at row ${-1 - total} exceeds the dictionary (${this.length})`)
    return total
  }
  /**
   * Checks a str column's index against this dictionary and sums its expandedBytes in the same pass: the
   * sum, or -1 - row for the first row whose index is past the dictionary. Every open of a large archive runs
   * this over every row of every str column: one pass instead of two, each row's size read from `bounds` (no
   * table of sizes: a hostile dictionary of millions of empty strings would double its memory), in a loop that
   * sees one kind of array (an index column is 1, 2 or 4 bytes wide; one loop for all three ran at a third of
   * the speed).
   */
  checkIndex(index: ArrayLike<number>): number {
    const bounds = this.bounds
    const n = bounds.length - 2
    const total = index instanceof Uint8Array ? sumSizes8(index, bounds, n) : index instanceof Uint16Array ? sumSizes16(index, bounds, n) : index instanceof Uint32Array ? sumSizes32(index, bounds, n) : sumSizes(index, bounds, n)
    if (total >= 0) this.checked = { index, bytes: total }
    return total
  }
  private checked: { readonly index: ArrayLike<number>; readonly bytes: number } | undefined
  /** String k (1 ≤ k ≤ length, as a str column's index counts), decoded alone. */
  at(k: number): string {
    const reader = (this.reader ??= new PayloadReader(this.bytes))
    reader.pos = this.bounds[k]!
    return reader.readString()
  }
  private reader: PayloadReader | undefined
  /**
   * Whether string k of this dictionary and string j of `other` (1-based) are the same string: equal stored
   * bytes are; other bytes are decoded and compared (invalid UTF-8 and a byte order mark decode alike from
   * different bytes). What the diff compares names by, without decoding a dictionary of unchanged names.
   */
  sameAs(k: number, other: LazyStrings, j: number): boolean {
    const x = this.bytes
    const y = other.bytes
    const s = this.bounds[k]!
    const t = other.bounds[j]!
    const n = this.bounds[k + 1]! - s
    if (n === other.bounds[j + 1]! - t) {
      let i = 0
      while (i < n && x[s + i] === y[t + i]) i++
      if (i === n) return true
    }
    return this.at(k) === other.at(j)
  }
  /**
   * The strings. With `used` (a str column's index: 0 absent, k the k-th string), only the strings some
   * row refers to are decoded and the others read as '' (a dictionary may list strings no row uses; a
   * hostile one lists millions to cost a reader their memory).
   */
  decode(used?: ArrayLike<number>): string[] {
    if (this.decoded) return this.decoded
    const n = this.length
    let wanted: Uint8Array | undefined
    if (used) {
      wanted = new Uint8Array(n + 1)
      for (let i = 0; i < used.length; i++) wanted[used[i]!] = 1
    }
    const reader = new PayloadReader(this.bytes)
    const out = new Array<string>(n)
    for (let i = 0; i < n; i++) {
      if (wanted && !wanted[i + 1]) {
        out[i] = ''
        continue
      }
      reader.pos = this.bounds[i + 1]!
      out[i] = reader.readString()
    }
    return (this.decoded = out)
  }
}

// LazyStrings.checkIndex: the sum of each row's stored size from the bounds, or -1 - i at the first index
// past n; one function per index array type, so that each loop sees one.
function sumSizes8(index: Uint8Array, bounds: Uint32Array, n: number): number {
  let total = 0
  for (let i = 0; i < index.length; i++) {
    const k = index[i]!
    if (k > n) return -1 - i
    total += bounds[k + 1]! - bounds[k]!
  }
  return total
}
function sumSizes16(index: Uint16Array, bounds: Uint32Array, n: number): number {
  let total = 0
  for (let i = 0; i < index.length; i++) {
    const k = index[i]!
    if (k > n) return -1 - i
    total += bounds[k + 1]! - bounds[k]!
  }
  return total
}
function sumSizes32(index: Uint32Array, bounds: Uint32Array, n: number): number {
  let total = 0
  for (let i = 0; i < index.length; i++) {
    const k = index[i]!
    if (k > n) return -1 - i
    total += bounds[k + 1]! - bounds[k]!
  }
  return total
}
function sumSizes(index: ArrayLike<number>, bounds: Uint32Array, n: number): number {
  let total = 0
  for (let i = 0; i < index.length; i++) {
    const k = index[i]!
    if (!(k <= n)) return -1 - i
    total += bounds[k + 1]! - bounds[k]!
  }
  return total
}

/** A payload that does not have the shape the format gives it (spec §9 SCHEMA). */
export class ShapeError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path || '(root)'}: ${message}`)
  }
}

/** Keys that have no meaning anywhere in the format (spec §1): always unknown, never object machinery. */
const MEANINGLESS_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

const TYPE_NAMES: Readonly<Record<string, string>> = { str: 'a string', int: 'an integer', num: 'a number', bool: 'a boolean', bin: 'a bin' }

const utf8 = new TextDecoder('utf-8')

export class PayloadReader {
  /** One empty reader kept (format/kept-shapes.ts): the decoder's and LazyStrings.at's code read its class. */
  static readonly kept: PayloadReader = keepShape(new PayloadReader(new Uint8Array(0)))
  pos = 0
  private readonly view: DataView
  private readonly bytes: Uint8Array
  constructor(
    bytes: Uint8Array,
    /** Unknown keys found, as dotted paths from the payload's root. */
    readonly unknown: string[] = [],
  ) {
    // A plain Uint8Array view: a Node Buffer's subarray() (bins, strings) costs several times more.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** Decodes the value at `pos` as `shape`; throws ShapeError naming `path` when it does not fit. */
  read(shape: Shape, path: string): unknown {
    if (typeof shape === 'string') return this.leaf(shape, path)
    if ('lazyStrings' in shape) {
      const n = this.containerLength(false, path, 'an array')
      const element = `${path}[]`
      // LazyStrings' bounds: the first start twice, each start, the end (n + 2 offsets: 4 bytes per string,
      // and a string takes at least 1).
      const bounds = new Uint32Array(n + 2)
      bounds[0] = this.pos
      for (let i = 1; i <= n; i++) {
        if (!this.isString()) throw new ShapeError(element, `expected a string, found ${typeName(this.bytes[this.pos]!)}`)
        bounds[i] = this.pos
        this.skipString(element)
      }
      bounds[n + 1] = this.pos
      return new LazyStrings(this.bytes, bounds)
    }
    if ('array' in shape) {
      const n = this.containerLength(false, path, 'an array')
      const out = new Array<unknown>(n)
      // Elements share one path (`list[]`), so an unknown key is listed once however many elements hold it.
      const element = `${path}[]`
      const elementShape = shape.array
      if (elementShape === 'str') {
        // A dictionary: tens of thousands of strings, the one large array of the format.
        for (let i = 0; i < n; i++) {
          if (!this.isString()) throw new ShapeError(element, `expected a string, found ${typeName(this.bytes[this.pos]!)}`)
          out[i] = this.string(element)
        }
      } else for (let i = 0; i < n; i++) out[i] = this.read(elementShape, element)
      return out
    }
    const n = this.containerLength(true, path, 'a map')
    if ('map' in shape) {
      const out: Record<string, unknown> = {}
      for (let i = 0; i < n; i++) {
        const key = this.key(path)
        const child = Object.hasOwn(shape.map, key) ? shape.map[key] : undefined
        if (child === undefined) {
          if (shape.extra === 'report') this.unknown.push(join(path, key))
          this.skip()
        } else out[key] = this.read(child, join(path, key))
      }
      for (const key of shape.required ?? []) if (!Object.hasOwn(out, key)) throw new ShapeError(join(path, key), 'required, absent')
      return out
    }
    // Null prototype: keys come from the file.
    const out: Record<string, unknown> = Object.create(null)
    const valueShape = shape.record
    for (let i = 0; i < n; i++) {
      const key = this.key(path)
      const child = MEANINGLESS_KEYS.has(key) ? undefined : typeof valueShape === 'function' ? valueShape(key) : valueShape
      if (child === undefined) {
        this.unknown.push(join(path, key))
        this.skip()
      } else out[key] = this.read(child, join(path, key))
    }
    return out
  }

  /**
   * Finds the string value of `key` in the map at `pos` without moving; undefined if absent or not a
   * string. `firstOnly`: stop at the first occurrence (writers put it first; a repeated key, whose last
   * value wins, is the caller's to check).
   */
  peekString(key: string, firstOnly = false): string | undefined {
    const start = this.pos
    try {
      const b = this.bytes[this.pos]!
      if (!(b >= 0x80 && b <= 0x8f) && b !== 0xde && b !== 0xdf) return undefined
      const n = this.containerLength(true, '', 'a map')
      let found: string | undefined
      for (let i = 0; i < n; i++) {
        const k = this.isString() ? this.string() : (this.skip(), undefined)
        if (k === key && this.isString()) {
          found = this.string()
          if (firstOnly) return found
        } else this.skip()
      }
      return found
    } catch (e) {
      if (e instanceof ShapeError) return undefined
      throw e
    } finally {
      this.pos = start
    }
  }

  /** Skips one value (structure already checked by scanMessagePack). */
  skip(): void {
    let pending = 1
    while (pending > 0) {
      pending--
      const b = this.bytes[this.pos++]!
      if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) continue
      if (b <= 0x8f) pending += (b & 0x0f) * 2
      else if (b <= 0x9f) pending += b & 0x0f
      else if (b <= 0xbf) this.pos += b & 0x1f
      else {
        switch (b) {
          case 0xcc: case 0xd0: this.pos += 1; break
          case 0xcd: case 0xd1: this.pos += 2; break
          case 0xce: case 0xd2: case 0xca: this.pos += 4; break
          case 0xcf: case 0xd3: case 0xcb: this.pos += 8; break
          case 0xc4: case 0xd9: this.pos += 1 + this.bytes[this.pos]!; break
          case 0xc5: case 0xda: this.pos += 2 + this.view.getUint16(this.pos); break
          case 0xc6: case 0xdb: this.pos += 4 + this.view.getUint32(this.pos); break
          case 0xdc: pending += this.view.getUint16(this.pos); this.pos += 2; break
          case 0xdd: pending += this.view.getUint32(this.pos); this.pos += 4; break
          case 0xde: pending += this.view.getUint16(this.pos) * 2; this.pos += 2; break
          case 0xdf: pending += this.view.getUint32(this.pos) * 2; this.pos += 4; break
          default: throw new ShapeError('', `MessagePack type byte 0x${b.toString(16)} is not allowed`)
        }
      }
    }
  }

  private leaf(shape: 'str' | 'int' | 'num' | 'bool' | 'bin', path: string): unknown {
    const b = this.bytes[this.pos]!
    switch (shape) {
      case 'str':
        if (this.isString()) return this.string(path)
        break
      case 'bool':
        if (b === 0xc2 || b === 0xc3) {
          this.pos++
          return b === 0xc3
        }
        break
      case 'bin': {
        let n = -1
        if (b === 0xc4) n = this.bytes[this.pos + 1]!, this.pos += 2
        else if (b === 0xc5) n = this.view.getUint16(this.pos + 1), this.pos += 3
        else if (b === 0xc6) n = this.view.getUint32(this.pos + 1), this.pos += 5
        if (n < 0) break
        const out = this.bytes.subarray(this.pos, this.pos + n)
        this.pos += n
        return out
      }
      case 'num': {
        if (b === 0xca) return (this.pos += 5), this.view.getFloat32(this.pos - 4)
        if (b === 0xcb) return (this.pos += 9), this.view.getFloat64(this.pos - 8)
        // An integer is a valid number (spec §2.2).
        const v = this.integer()
        if (v !== undefined) return v
        break
      }
      case 'int': {
        // A float is not, even an integral one (spec §2.2): `3.0` where a count belongs is SCHEMA.
        const v = this.integer()
        if (v !== undefined) return v
        break
      }
    }
    throw new ShapeError(path, `expected ${TYPE_NAMES[shape]}, found ${typeName(b)}`)
  }

  private integer(): number | bigint | undefined {
    const b = this.bytes[this.pos]!
    const v = this.view
    const p = this.pos + 1
    let out: number | bigint
    if (b <= 0x7f) out = b
    else if (b >= 0xe0) out = b - 0x100
    else {
      switch (b) {
        case 0xcc: out = v.getUint8(p); this.pos += 1; break
        case 0xcd: out = v.getUint16(p); this.pos += 2; break
        case 0xce: out = v.getUint32(p); this.pos += 4; break
        case 0xcf: out = safe(v.getBigUint64(p)); this.pos += 8; break
        case 0xd0: out = v.getInt8(p); this.pos += 1; break
        case 0xd1: out = v.getInt16(p); this.pos += 2; break
        case 0xd2: out = v.getInt32(p); this.pos += 4; break
        case 0xd3: out = safe(v.getBigInt64(p)); this.pos += 8; break
        default: return undefined
      }
    }
    this.pos++
    return out
  }

  /** The string at `pos` (a LazyStrings entry, already checked). */
  readString(): string {
    return this.string()
  }

  /** Moves past the string at `pos`, checking its length against the limit. */
  private skipString(path: string): void {
    const n = this.stringLength(path) // moves pos past the header first: `this.pos += …` would read pos before
    this.pos += n
  }

  /** Reads a str header at `pos` (fixstr, str8/16/32), checks its length against the limit, moves past it. */
  private stringLength(path: string): number {
    const b = this.bytes[this.pos]!
    let n: number
    if (b <= 0xbf) n = b & 0x1f, this.pos += 1
    else if (b === 0xd9) n = this.bytes[this.pos + 1]!, this.pos += 2
    else if (b === 0xda) n = this.view.getUint16(this.pos + 1), this.pos += 3
    else n = this.view.getUint32(this.pos + 1), this.pos += 5
    if (n > MAX_STRING_BYTES) throw new ShapeError(path, `a string of ${n} bytes, above the ${MAX_STRING_BYTES}-byte limit`)
    return n
  }

  private isString(): boolean {
    const b = this.bytes[this.pos]!
    return (b >= 0xa0 && b <= 0xbf) || b === 0xd9 || b === 0xda || b === 0xdb
  }

  private string(path = ''): string {
    const n = this.stringLength(path)
    const start = this.pos
    this.pos += n
    return decodeUtf8(this.bytes, start, this.pos)
  }

  private key(path: string): string {
    if (!this.isString()) throw new ShapeError(path, `map key is ${typeName(this.bytes[this.pos]!)}, not a string`)
    return this.string(path)
  }

  private containerLength(map: boolean, path: string, what: string): number {
    const b = this.bytes[this.pos]!
    if (map) {
      if (b >= 0x80 && b <= 0x8f) return this.pos++, b & 0x0f
      if (b === 0xde) return (this.pos += 3), this.view.getUint16(this.pos - 2)
      if (b === 0xdf) return (this.pos += 5), this.view.getUint32(this.pos - 4)
    } else {
      if (b >= 0x90 && b <= 0x9f) return this.pos++, b & 0x0f
      if (b === 0xdc) return (this.pos += 3), this.view.getUint16(this.pos - 2)
      if (b === 0xdd) return (this.pos += 5), this.view.getUint32(this.pos - 4)
    }
    throw new ShapeError(path, `expected ${what}, found ${typeName(b)}`)
  }
}

/** 64-bit integers: a number when it is exact as one, else a bigint. */
function safe(v: bigint): number | bigint {
  return v <= 9007199254740991n && v >= -9007199254740991n ? Number(v) : v
}

/**
 * UTF-8 with U+FFFD for invalid sequences (spec §2.2). Strings of up to 12 ASCII bytes are built by
 * concatenation, which V8 keeps flat below 13 characters and which beats a TextDecoder call there; longer
 * ones go to TextDecoder (concatenation would build a rope of small strings, several times their size).
 */
function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 12) {
    let s = ''
    for (let i = start; i < end; i++) {
      const c = bytes[i]!
      if (c >= 0x80) return utf8.decode(bytes.subarray(start, end))
      s += String.fromCharCode(c)
    }
    return s
  }
  return utf8.decode(bytes.subarray(start, end))
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key
}

function typeName(b: number): string {
  if (b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3)) return 'an integer'
  if (b <= 0x8f || b === 0xde || b === 0xdf) return 'a map'
  if (b <= 0x9f || b === 0xdc || b === 0xdd) return 'an array'
  if (b <= 0xbf || (b >= 0xd9 && b <= 0xdb)) return 'a string'
  if (b === 0xc0) return 'nil'
  if (b === 0xc2 || b === 0xc3) return 'a boolean'
  if (b === 0xca || b === 0xcb) return 'a float'
  if (b >= 0xc4 && b <= 0xc6) return 'a bin'
  return `type byte 0x${b.toString(16)}`
}

type Def = { type: string; shape?: Record<string, ZodMiniType>; innerType?: ZodMiniType; in?: ZodMiniType; options?: ZodMiniType[]; valueType?: ZodMiniType; element?: ZodMiniType; format?: string }

/**
 * The shape of a zod schema of spec/schemas.ts, so the schema stays the one description of each map.
 * `custom` leaves (a bin, a list of strings) are given by the caller in `customs`.
 */
export function shapeOf(schema: ZodMiniType, customs: ReadonlyMap<ZodMiniType, Shape> = new Map()): Shape {
  const custom = customs.get(schema)
  if (custom) return custom
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def
  switch (def.type) {
    case 'object': {
      const map: Record<string, Shape> = {}
      const required: string[] = []
      for (const [k, v] of Object.entries(def.shape!)) {
        map[k] = shapeOf(v, customs)
        if ((v as unknown as { _zod: { def: Def } })._zod.def.type !== 'optional') required.push(k)
      }
      return { map, extra: 'report', required }
    }
    case 'optional': return shapeOf(def.innerType!, customs)
    case 'pipe': return shapeOf(def.in!, customs)
    // The format's unions are "a u64 as bigint or as a safe integer": an integer either way.
    case 'union': return def.options!.every((o) => ['int', 'str'].includes(shapeOf(o, customs) as string)) ? shapeOf(def.options![0]!, customs) : fail(def.type)
    case 'record': return { record: shapeOf(def.valueType!, customs) }
    case 'array': return { array: shapeOf(def.element!, customs) }
    case 'string': return 'str'
    case 'boolean': return 'bool'
    case 'bigint': return 'int'
    case 'number': return def.format === 'safeint' || def.format === 'int32' || def.format === 'uint32' ? 'int' : 'num'
    default: return fail(def.type)
  }
}

function fail(type: string): never {
  throw new Error(`format/payload: no payload shape for a zod '${type}' schema`)
}
