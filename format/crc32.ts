// CRC-32 (IEEE 802.3, reflected; zlib/PNG/gzip), spec/ARCHIVE.md §2.2.
// Pure TypeScript slicing-by-8 so the reader runs anywhere; the Node entry swaps in zlib.crc32 (native,
// ~4x faster) through FormatHooks.

export type Crc32 = (data: Uint8Array, previous?: number) => number

let tables: Uint32Array | undefined

function buildTables(): Uint32Array {
  const t = new Uint32Array(8 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!
    for (let s = 1; s < 8; s++) {
      c = t[c & 255]! ^ (c >>> 8)
      t[s * 256 + n] = c >>> 0
    }
  }
  return t
}

/** CRC-32 of `data`, continuing from `previous` (the CRC of the bytes before it) when given. */
export const crc32: Crc32 = (data, previous = 0) => {
  const t = (tables ??= buildTables())
  let c = ~previous
  let i = 0
  const n = data.length
  // Unaligned starts are handled byte by byte until 4-byte alignment, then 8 bytes per step.
  while (i < n && ((data.byteOffset + i) & 3) !== 0) c = t[(c ^ data[i++]!) & 255]! ^ (c >>> 8)
  const words = (n - i) >>> 3
  if (words > 0) {
    const w = new Uint32Array(data.buffer, data.byteOffset + i, words * 2)
    for (let j = 0; j < w.length; j += 2) {
      const a = w[j]! ^ c
      const b = w[j + 1]!
      c =
        t[1792 + (a & 255)]! ^ t[1536 + ((a >>> 8) & 255)]! ^ t[1280 + ((a >>> 16) & 255)]! ^ t[1024 + (a >>> 24)]! ^
        t[768 + (b & 255)]! ^ t[512 + ((b >>> 8) & 255)]! ^ t[256 + ((b >>> 16) & 255)]! ^ t[b >>> 24]!
    }
    i += words * 8
  }
  while (i < n) c = t[(c ^ data[i++]!) & 255]! ^ (c >>> 8)
  return ~c >>> 0
}

/** x^(2^k) modulo the CRC polynomial, k = 0..31 (reflected), for crc32Combine. */
let powers: Uint32Array | undefined

/** a × b modulo the CRC polynomial (both reflected). */
function multiplyModP(a: number, b: number): number {
  let product = 0
  for (let bit = 0x80000000; bit !== 0; bit >>>= 1) {
    if (a & bit) product ^= b
    b = b & 1 ? (b >>> 1) ^ 0xedb88320 : b >>> 1
  }
  return product >>> 0
}

/**
 * The CRC-32 of A followed by B from the CRC of A, the CRC of B and B's length (zlib's crc32_combine), so
 * parts of a buffer checksummed apart, in any order, give the CRC of the whole.
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return crc32Combiner(lengthB)(crcA, crcB)
}

/** crc32Combine for parts B of one length, with the shift for that length computed once. */
export function crc32Combiner(lengthB: number): (crcA: number, crcB: number) => number {
  if (!powers) {
    powers = new Uint32Array(32)
    let p = 0x40000000 // x^1
    for (let k = 0; k < 32; k++, p = multiplyModP(p, p)) powers[k] = p
  }
  // x^(8 × lengthB): the shift of A's CRC past B's bytes.
  let shift = 0x80000000 // x^0
  for (let n = lengthB, k = 3; n > 0; n = Math.floor(n / 2), k++) if (n % 2) shift = multiplyModP(powers[k % 32]!, shift)
  return (crcA, crcB) => (multiplyModP(shift, crcA) ^ crcB) >>> 0
}
