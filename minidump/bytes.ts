// A growable little-endian byte buffer for the minidump writer: append records, patch fields at known offsets.
// Offsets are minidump RVAs (u32), so the file is refused past 4 GiB rather than wrapped.

export class MinidumpTooLargeError extends Error {
  override name = 'MinidumpTooLargeError'
  readonly code = 'MINIDUMP_TOO_LARGE'
}

const MAX_RVA = 0xffffffff

export class ByteSink {
  private bytes = new Uint8Array(1 << 16)
  private view = new DataView(this.bytes.buffer)
  length = 0

  /** Reserves n zero bytes at the end and returns their offset. */
  reserve(n: number): number {
    const at = this.length
    this.ensure(at + n)
    this.bytes.fill(0, at, at + n)
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

  u8(at: number, v: number): void {
    this.view.setUint8(at, v)
  }
  u16(at: number, v: number): void {
    this.view.setUint16(at, v, true)
  }
  u32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true)
  }
  u64(at: number, v: bigint): void {
    this.view.setBigUint64(at, BigInt.asUintN(64, v), true)
  }

  /** The written bytes (a view, valid until the next write). */
  result(): Uint8Array {
    return this.bytes.subarray(0, this.length)
  }

  private ensure(size: number): void {
    if (size > MAX_RVA) throw new MinidumpTooLargeError(`the minidump would exceed 4 GiB (RVAs are 32-bit): ${size} bytes`)
    if (size <= this.bytes.length) return
    let cap = this.bytes.length
    while (cap < size) cap *= 2
    const next = new Uint8Array(Math.min(cap, MAX_RVA + 1))
    next.set(this.bytes.subarray(0, this.length))
    this.bytes = next
    this.view = new DataView(next.buffer)
  }
}
