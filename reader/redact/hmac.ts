// HMAC-SHA-256 (FIPS 180-4, RFC 2104), synchronous and platform-free. WebCrypto would do the same, but
// each `crypto.subtle.sign` is an asynchronous job costing ~100 µs in Node, so 100,000 distinct names took
// over 10 s; this costs ~2 µs per name and keeps the redaction code synchronous. Checked against
// node:crypto and WebCrypto in test/redact-hmac.test.ts.

/** Round constants: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = new Uint32Array(64)
/** Initial hash: the same of the square roots of the first 8 primes. */
const H0 = new Uint32Array(8)
{
  const primes: number[] = []
  for (let n = 2; primes.length < 64; n++) if (primes.every((p) => n % p !== 0)) primes.push(n)
  const frac32 = (x: number) => Math.floor((x - Math.floor(x)) * 0x100000000) >>> 0
  primes.forEach((p, i) => (K[i] = frac32(Math.cbrt(p))))
  for (let i = 0; i < 8; i++) H0[i] = frac32(Math.sqrt(primes[i]!))
}

const W = new Uint32Array(64)

function compress(h: Uint32Array, block: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++) W[i] = ((block[at + 4 * i]! << 24) | (block[at + 4 * i + 1]! << 16) | (block[at + 4 * i + 2]! << 8) | block[at + 4 * i + 3]!) >>> 0
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15]!
    const b = W[i - 2]!
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3)
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10)
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) >>> 0
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, k = h[7]!
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
    const ch = (e & f) ^ (~e & g)
    const t1 = (k + S1 + ch + K[i]! + W[i]!) >>> 0
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
    const maj = (a & b) ^ (a & c) ^ (b & c)
    const t2 = (S0 + maj) >>> 0
    k = g
    g = f
    f = e
    e = (d + t1) >>> 0
    d = c
    c = b
    b = a
    a = (t1 + t2) >>> 0
  }
  h[0] = (h[0]! + a) >>> 0
  h[1] = (h[1]! + b) >>> 0
  h[2] = (h[2]! + c) >>> 0
  h[3] = (h[3]! + d) >>> 0
  h[4] = (h[4]! + e) >>> 0
  h[5] = (h[5]! + f) >>> 0
  h[6] = (h[6]! + g) >>> 0
  h[7] = (h[7]! + k) >>> 0
}

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  // Message, 0x80, zeros, then the bit length as a 64-bit big-endian number: a multiple of 64 bytes.
  const padded = new Uint8Array((((length + 8) >> 6) + 1) << 6)
  let at = 0
  for (const p of parts) {
    padded.set(p, at)
    at += p.length
  }
  padded[length] = 0x80
  const view = new DataView(padded.buffer)
  view.setUint32(padded.length - 8, Math.floor(length / 0x20000000))
  view.setUint32(padded.length - 4, (length << 3) >>> 0)
  const h = H0.slice()
  for (let i = 0; i < padded.length; i += 64) compress(h, padded, i)
  const out = new Uint8Array(32)
  const outView = new DataView(out.buffer)
  for (let i = 0; i < 8; i++) outView.setUint32(i * 4, h[i]!)
  return out
}

/** HMAC-SHA-256 with a key prepared once (its padded inner and outer blocks). */
export class HmacSha256 {
  private readonly inner = new Uint8Array(64)
  private readonly outer = new Uint8Array(64)

  constructor(key: Uint8Array) {
    const k = key.length > 64 ? sha256(key) : key
    for (let i = 0; i < 64; i++) {
      const b = k[i] ?? 0
      this.inner[i] = b ^ 0x36
      this.outer[i] = b ^ 0x5c
    }
  }

  sign(message: Uint8Array): Uint8Array {
    return sha256(this.outer, sha256(this.inner, message))
  }
}
