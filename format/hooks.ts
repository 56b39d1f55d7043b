// Platform services the format needs, injectable so format/ stays free of platform code. The defaults
// use only what every modern runtime has (CompressionStream/DecompressionStream, a JS CRC-32); the Node
// entry (reader/node.ts) passes zlib-backed versions that are several times faster.
import { crc32 as jsCrc32, type Crc32 } from './crc32.js'

export interface FormatHooks {
  crc32?: Crc32
  /** zlib-format (RFC 1950) compression of one frame payload. */
  deflate?: (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>
  /**
   * Inflates a zlib stream that must produce exactly `expectedLength` bytes; must stop (throw) rather than
   * produce more, so a frame cannot inflate beyond what it declared.
   */
  inflate?: (bytes: Uint8Array, expectedLength: number) => Uint8Array | Promise<Uint8Array>
}

export interface ResolvedHooks {
  crc32: Crc32
  deflate: (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>
  inflate: (bytes: Uint8Array, expectedLength: number) => Uint8Array | Promise<Uint8Array>
}

export function resolveHooks(hooks: FormatHooks = {}): ResolvedHooks {
  return { crc32: hooks.crc32 ?? jsCrc32, deflate: hooks.deflate ?? streamDeflate, inflate: hooks.inflate ?? streamInflate }
}

async function streamDeflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

async function streamInflate(bytes: Uint8Array, expectedLength: number): Promise<Uint8Array> {
  // Pieces are kept until the end rather than copied into a buffer of the declared size: memory follows
  // what actually inflates, never what the frame claims.
  const pieces: Uint8Array[] = []
  let filled = 0
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate')).getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (filled + value.length > expectedLength) throw new RangeError(`inflates beyond the declared ${expectedLength} bytes`)
      pieces.push(value)
      filled += value.length
    }
  } finally {
    reader.cancel().catch(() => {})
  }
  if (filled !== expectedLength) throw new RangeError(`inflated to ${filled} bytes, declared ${expectedLength}`)
  if (pieces.length === 1) return pieces[0]!
  const out = new Uint8Array(expectedLength)
  let at = 0
  for (const p of pieces) {
    out.set(p, at)
    at += p.length
  }
  return out
}
