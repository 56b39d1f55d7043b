// Keyed pseudonyms: HMAC-SHA-256 (WebCrypto, in Node ≥ 20 and every browser) of a name under the
// redaction key, so the same name and key always give the same pseudonym — in every archive, which keeps
// two redacted snapshots of one process comparable — while without the key a pseudonym cannot be turned
// back into the name, nor checked against a guess. Every pseudonym made is remembered with its original
// for the optional map file.

/** Hex digits of a name's pseudonym: 40 bits, so ~10,000 distinct names collide with odds of 1 in 20,000. */
const HEX_DIGITS = 10
/** On a collision within one archive the later name gets this many instead (and the map says so). */
const LONG_HEX_DIGITS = 20

/** Domain separation: a component, a machine name and a SID's identifier part never share a pseudonym. */
export type PseudonymDomain = 'name' | 'host' | 'sid'

const encoder = new TextEncoder()

export class PseudonymMaker {
  /** `domain\0original` → hex (memoised: a name's pseudonym is computed once). */
  private readonly cache = new Map<string, string>()
  /** hex → `domain\0original`, to detect collisions. */
  private readonly taken = new Map<string, string>()
  /** Pseudonym as it appears in the archive → original, for the map file. */
  readonly parts = new Map<string, string>()
  collisions = 0

  private constructor(private readonly key: CryptoKey) {}

  static async create(key: Uint8Array): Promise<PseudonymMaker> {
    if (key.length === 0) throw new RangeError('the redaction key is empty')
    const subtle = globalThis.crypto?.subtle
    if (!subtle) throw new Error('WebCrypto (globalThis.crypto.subtle) is not available in this runtime')
    const cryptoKey = await subtle.importKey('raw', new Uint8Array(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    return new PseudonymMaker(cryptoKey)
  }

  /** The hex pseudonym of `original` in `domain` (HEX_DIGITS long unless that collided). */
  async hex(domain: PseudonymDomain, original: string): Promise<string> {
    const id = `${domain}\0${original}`
    const known = this.cache.get(id)
    if (known !== undefined) return known
    const mac = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', this.key, encoder.encode(`pssnap-redact/1\0${id}`)))
    const full = toHex(mac)
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
  async numbers(domain: PseudonymDomain, original: string, count: number): Promise<number[]> {
    const mac = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', this.key, encoder.encode(`pssnap-redact/1\0${domain}\0${original}`)))
    const view = new DataView(mac.buffer)
    const out: number[] = []
    // 8 numbers fit in one MAC; a SID has at most 15 sub-authorities, so chain a second block if needed.
    for (let i = 0; i < count; i++) out.push(i < 8 ? view.getUint32(i * 4, true) : (await this.numbers(domain, `${original}\0${i >> 3}`, 8))[i & 7]!)
    return out
  }

  /** Remembers what a pseudonym stands for (for the map file). */
  record(pseudonym: string, original: string): void {
    if (pseudonym !== original) this.parts.set(pseudonym, original)
  }
}

function toHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

/** 32 random bytes from the platform's CSPRNG: pseudonyms then differ from those of every other run. */
export function randomRedactionKey(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(32))
}
