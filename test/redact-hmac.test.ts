// The HMAC-SHA-256 of reader/redact/hmac.ts (@noble/hashes) against node:crypto and WebCrypto: every message
// length around the 55/56/64-byte padding boundaries, empty, long, and keys shorter and longer than a block.
import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { HmacSha256, sha256 } from '../reader/redact/hmac.js'

/** Deterministic bytes (no Math.random: a failure must reproduce). */
function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed * 2654435761 + 1
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const LENGTHS = [...Array.from({ length: 140 }, (_, i) => i), 1000, 4096, 100_003]

describe('sha256 and HMAC-SHA-256', () => {
  it('match node:crypto for every length around the block boundaries', () => {
    for (const n of LENGTHS) {
      const m = bytes(n, n)
      expect(hex(sha256(m)), `sha256 of ${n} bytes`).toBe(createHash('sha256').update(m).digest('hex'))
    }
    expect(hex(sha256(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('HMAC matches node:crypto for keys of 0 to 200 bytes', () => {
    for (const k of [1, 16, 32, 63, 64, 65, 200]) {
      const key = bytes(k, 7 * k)
      const h = new HmacSha256(key)
      for (const n of [0, 1, 55, 56, 64, 100, 1000]) {
        const m = bytes(n, n + k)
        expect(hex(h.sign(m)), `key ${k}, message ${n}`).toBe(createHmac('sha256', key).update(m).digest('hex'))
      }
    }
  })

  it('HMAC matches WebCrypto', async () => {
    const key = bytes(32, 3)
    const m = new TextEncoder().encode('pssnap-redact/1\0name\0C:\\Users\\Ünïcödé')
    const k = await crypto.subtle.importKey('raw', new Uint8Array(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    expect(hex(new HmacSha256(key).sign(m))).toBe(hex(new Uint8Array(await crypto.subtle.sign('HMAC', k, new Uint8Array(m)))))
  })
})
