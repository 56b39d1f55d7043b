// HMAC-SHA-256 for redaction's keyed pseudonyms, from @noble/hashes: audited, dependency-free, synchronous
// and platform-free (browsers too). Redaction is a privacy promise, so its cryptography is not hand-written.
// WebCrypto would also do, but each `crypto.subtle.sign` is an asynchronous job costing ~100 µs in Node
// (100,000 distinct names took over 10 s) and would make the redaction code asynchronous. Checked against
// node:crypto and WebCrypto in test/redact-hmac.test.ts.
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = nobleSha256.create()
  for (const p of parts) h.update(p)
  return h.digest()
}

/** HMAC-SHA-256 with a key prepared once: each message continues a copy of the keyed state. */
export class HmacSha256 {
  private readonly keyed: ReturnType<typeof hmac.create>

  constructor(key: Uint8Array) {
    this.keyed = hmac.create(nobleSha256, key)
  }

  sign(message: Uint8Array): Uint8Array {
    // A copy of the state after the key's padded blocks: the key is absorbed once, not once per name.
    const h = this.keyed.clone()
    h.update(message)
    return h.digest()
  }
}
