// Keyed pseudonyms: HMAC-SHA-256 of a name under the redaction key, so the same name and key always give
// the same pseudonym — in every archive, which keeps two redacted snapshots of one process comparable —
// while without the key a pseudonym cannot be turned back into the name, nor checked against a guess.
// Every pseudonym made is remembered with its original for the optional map file.
import { HmacSha256 } from './hmac.js'

/** Hex digits of a name's pseudonym: 40 bits, so ~10,000 distinct names collide with odds of 1 in 20,000. */
const HEX_DIGITS = 10
/** On a collision within one archive the later name gets this many instead. */
const LONG_HEX_DIGITS = 20

/** Domain separation: a component, a machine name and a SID's identifier part never share a pseudonym. */
export type PseudonymDomain = 'name' | 'host' | 'sid'

const encoder = new TextEncoder()

export class PseudonymMaker {
  private readonly hmac: HmacSha256
  /** `domain\0original` → hex (memoised: a name's pseudonym is computed once). */
  private readonly cache = new Map<string, string>()
  /** hex → `domain\0original`, to detect collisions. */
  private readonly taken = new Map<string, string>()
  /** Pseudonym as it appears in the archive → original, for the map file. */
  readonly parts = new Map<string, string>()
  collisions = 0

  constructor(key: Uint8Array) {
    if (key.length === 0) throw new RangeError('the redaction key is empty')
    this.hmac = new HmacSha256(key)
  }

  private mac(domain: PseudonymDomain, original: string): Uint8Array {
    return this.hmac.sign(encoder.encode(`pssnap-redact/1\0${domain}\0${original}`))
  }

  /** The hex pseudonym of `original` in `domain` (HEX_DIGITS long unless that collided). */
  hex(domain: PseudonymDomain, original: string): string {
    const id = `${domain}\0${original}`
    const known = this.cache.get(id)
    if (known !== undefined) return known
    const full = toHex(this.mac(domain, original))
    let hex = full.slice(0, HEX_DIGITS)
    const owner = this.taken.get(hex)
    if (owner !== undefined && owner !== id) {
      this.collisions++
      hex = full.slice(0, LONG_HEX_DIGITS)
    }
    this.taken.set(hex, id)
    this.cache.set(id, hex)
    return hex
  }

  /** `count` 32-bit numbers derived from `original` (a SID's sub-authorities keep their form). */
  numbers(domain: PseudonymDomain, original: string, count: number): number[] {
    const out: number[] = []
    // 8 numbers per MAC; a SID has at most 15 sub-authorities: further blocks MAC a counter too.
    for (let block = 0; out.length < count; block++) {
      const mac = this.mac(domain, block === 0 ? original : `${original}\0${block}`)
      const view = new DataView(mac.buffer, mac.byteOffset, mac.byteLength)
      for (let i = 0; i < 8 && out.length < count; i++) out.push(view.getUint32(i * 4, true))
    }
    return out
  }

  /** Remembers what a pseudonym stands for (for the map file). */
  record(pseudonym: string, original: string): void {
    if (pseudonym !== original) this.parts.set(pseudonym, original)
  }
}

/** Hex of the first bytes of a MAC: only as many as the longest pseudonym uses. */
function toHex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < LONG_HEX_DIGITS / 2; i++) s += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16)
  return s
}

/** 32 random bytes from the platform's CSPRNG (WebCrypto): pseudonyms then differ from those of every other run. */
export function randomRedactionKey(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(32))
}
