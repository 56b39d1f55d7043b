// A growable little-endian byte buffer for the minidump writer: append records, patch fields at known offsets.
// Offsets are minidump RVAs (u32), so the file is refused past 4 GiB rather than wrapped.

export class MinidumpTooLargeError extends Error {
  override name = 'MinidumpTooLargeError'
  readonly code = 'MINIDUMP_TOO_LARGE'
}

const MAX_RVA = 0xffffffff
/** Records written column by column at a time: 1024 × 48 bytes stay in a core's L2 cache. */
export const BLOCK_ROWS = 1024
// UTF-16 is written through a Uint16Array view where the host is little-endian (every platform Node runs on
// today), else one DataView call per code unit.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

export class ByteSink {
  private bytes = new Uint8Array(1 << 16)
  private view = new DataView(this.bytes.buffer)
  /** The same bytes as host-order words: used for aligned u32s on little-endian hosts (no DataView call). */
  private words = new Uint32Array(this.bytes.buffer)
  /** And as host-order UTF-16 units, for strings at even offsets (one view, not one per string). */
  private halves = new Uint16Array(this.bytes.buffer)
  /**
   * Bytes placed by reference (`appendRef`): their range of `bytes` stays zero and untouched (a fresh
   * allocation's pages are not even mapped until written), and `parts()` yields the data itself there.
   */
  private refs: { at: number; data: Uint8Array }[] = []
  length = 0

  /** Room for `n` more bytes without growing (a writer that knows its size copies nothing). */
  expect(n: number): void {
    this.ensure(this.length + n)
  }

  /** Reserves n zero bytes at the end and returns their offset (bytes past `length` are always zero). */
  reserve(n: number): number {
    const at = this.length
    this.ensure(at + n)
    this.length = at + n
    return at
  }

  /** Pads with zeros to a multiple of `to`. */
  align(to: number): void {
    const rem = this.length % to
    if (rem) this.reserve(to - rem)
  }

  append(data: Uint8Array): number {
    const at = this.reserve(data.length)
    this.bytes.set(data, at)
    return at
  }

  /**
   * Like `append`, without copying: `data` (which must not change until the output is written) is the file's
   * bytes at the returned offset. Nothing may be written into that range afterwards.
   */
  appendRef(data: Uint8Array): number {
    const at = this.reserve(data.length)
    if (data.length > 0) this.refs.push({ at, data })
    return at
  }

  /** The file as consecutive pieces (owned bytes and referenced data, in order): write them one after another. */
  parts(): Uint8Array[] {
    const out: Uint8Array[] = []
    let from = 0
    for (const { at, data } of this.refs) {
      if (at > from) out.push(this.bytes.subarray(from, at))
      out.push(data)
      from = at + data.length
    }
    if (this.length > from) out.push(this.bytes.subarray(from, this.length))
    return out
  }

  u8(at: number, v: number): void {
    this.view.setUint8(at, v)
  }
  u16(at: number, v: number): void {
    this.view.setUint16(at, v, true)
  }
  u32(at: number, v: number): void {
    if (LITTLE_ENDIAN && (at & 3) === 0) this.words[at >>> 2] = v >>> 0
    else this.view.setUint32(at, v >>> 0, true)
  }
  u64(at: number, v: bigint): void {
    this.view.setBigUint64(at, BigInt.asUintN(64, v), true)
  }
  /** A u64 given as a bigint or as a number (a narrow column's value, below 2³²; a negative one sign-extends). */
  u64v(at: number, v: bigint | number): void {
    if (typeof v === 'bigint') this.view.setBigUint64(at, BigInt.asUintN(64, v), true)
    else {
      this.u32(at, v)
      this.u32(at + 4, v < 0 ? 0xffffffff : Math.floor(v / 0x100000000))
    }
  }

  /** Row i of a wide u64 column given as its raw words (lo at 2i, hi at 2i + 1: the file's little-endian bytes). */
  copy64(at: number, words: Uint32Array, i: number): void {
    if (LITTLE_ENDIAN && (at & 3) === 0) {
      this.words[at >>> 2] = words[2 * i]!
      this.words[(at >>> 2) + 1] = words[2 * i + 1]!
    } else {
      // On a big-endian host the words read the file's bytes swapped: go through bytes.
      const b = new Uint8Array(words.buffer, words.byteOffset + 8 * i, 8)
      this.bytes.set(b, at)
    }
  }

  /**
   * A u8…i32 column into a field of `count` records `stride` bytes apart, the first at `at` (u32 in the file; an
   * i32 as its two's complement), from `values[from]` on. One tight loop per column: a million records cost a
   * few milliseconds. Callers go block by block (BLOCK_ROWS records), so every column of a block is written
   * while its records are in the cache, not in one pass over the whole list per column.
   */
  column32(at: number, stride: number, count: number, values: ArrayLike<number>, from = 0): void {
    if (LITTLE_ENDIAN && (at & 3) === 0 && (stride & 3) === 0) {
      const w = this.words
      for (let i = from, end = from + count, o = at >>> 2, step = stride >>> 2; i < end; i++, o += step) w[o] = values[i]! >>> 0
    } else for (let i = 0; i < count; i++) this.view.setUint32(at + i * stride, values[from + i]! >>> 0, true)
  }

  /** A u64/i64 column the same way: `wide` its raw words (stored 8 bytes wide), else `narrow` values below 2³². */
  column64(at: number, stride: number, count: number, wide: Uint32Array | undefined, narrow: ArrayLike<number> | undefined, from = 0): void {
    if (!LITTLE_ENDIAN || (at & 3) !== 0 || (stride & 3) !== 0) {
      for (let i = 0; i < count; i++) {
        if (wide) this.copy64(at + i * stride, wide, from + i)
        else if (narrow) this.u64v(at + i * stride, narrow[from + i]!)
      }
      return
    }
    const w = this.words
    const step = stride >>> 2
    const end = from + count
    if (wide) {
      for (let i = from, o = at >>> 2; i < end; i++, o += step) {
        w[o] = wide[2 * i]!
        w[o + 1] = wide[2 * i + 1]!
      }
    } else if (narrow) {
      for (let i = from, o = at >>> 2; i < end; i++, o += step) {
        const v = narrow[i]!
        w[o] = v >>> 0
        w[o + 1] = v < 0 ? 0xffffffff : 0
      }
    }
  }

  /** `text`'s UTF-16 code units, little-endian, at an even offset. */
  utf16(at: number, text: string): void {
    if (LITTLE_ENDIAN && at % 2 === 0) {
      const units = this.halves
      for (let i = 0, o = at >>> 1; i < text.length; i++, o++) units[o] = text.charCodeAt(i)
    } else for (let i = 0; i < text.length; i++) this.view.setUint16(at + i * 2, text.charCodeAt(i), true)
  }

  /** The written bytes in one array (a view, valid until the next write): referenced data is copied in. */
  result(): Uint8Array {
    for (const { at, data } of this.refs) this.bytes.set(data, at)
    this.refs = []
    return this.bytes.subarray(0, this.length)
  }

  private ensure(size: number): void {
    if (size > MAX_RVA) throw new MinidumpTooLargeError(`the minidump would exceed 4 GiB (RVAs are 32-bit): ${size} bytes`)
    if (size <= this.bytes.length) return
    let cap = this.bytes.length
    while (cap < size) cap *= 2
    // A multiple of 4, so the word view covers every byte.
    const next = new Uint8Array(Math.min(cap, MAX_RVA + 1) & ~3)
    next.set(this.bytes.subarray(0, this.length))
    this.bytes = next
    this.view = new DataView(next.buffer)
    this.words = new Uint32Array(next.buffer)
    this.halves = new Uint16Array(next.buffer)
  }
}
