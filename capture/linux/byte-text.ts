// Linux names are bytes (file names, link targets, comm), archive strings are UTF-8 (MessagePack str). The
// lossless rule of spec/ARCHIVE.md §1.1: well-formed UTF-8 is kept as it is; every byte that is not part of a
// well-formed character becomes U+F700 + byte (U+F780–U+F7FF, private use), and so do the three bytes of a
// real U+F780–U+F7FF character, so that the escape range means one thing only. Two different byte strings
// therefore never give the same text (diff and redaction keep them apart), and `bytesFromText` gives the
// bytes back. A character cut by the kernel (comm is 15 bytes) keeps its bytes the same way.
import { isUtf8 } from 'node:buffer'

/** Byte b (0x80–0xFF) is stored as the code point RAW_BYTE_BASE + b. */
export const RAW_BYTE_BASE = 0xf700
export const RAW_BYTE_FIRST = RAW_BYTE_BASE + 0x80
export const RAW_BYTE_LAST = RAW_BYTE_BASE + 0xff

/** The archive text of a Linux byte string (spec/ARCHIVE.md §1.1). */
export function textFromBytes(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // Nearly every name is well-formed and holds no escape-range character: one native check, one decode.
  if (isUtf8(buffer) && !holdsRawByteRange(buffer)) return buffer.toString('utf8')
  return escapedText(buffer)
}

/** U+F780–U+F7FF are EF 9E 80 … EF 9F BF in UTF-8. */
function holdsRawByteRange(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(0xef); at >= 0 && at + 1 < bytes.length; at = bytes.indexOf(0xef, at + 1)) {
    const next = bytes[at + 1]!
    if (next === 0x9e || next === 0x9f) return true
  }
  return false
}

/** Length of the well-formed UTF-8 character at `at` (Unicode table 3-7), or 0 when there is none. */
function wellFormedLength(bytes: Uint8Array, at: number): number {
  const b0 = bytes[at]!
  if (b0 < 0x80) return 1
  const cont = (i: number, low = 0x80, high = 0xbf) => at + i < bytes.length && bytes[at + i]! >= low && bytes[at + i]! <= high
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const [low, high] = b0 === 0xe0 ? [0xa0, 0xbf] : b0 === 0xed ? [0x80, 0x9f] : [0x80, 0xbf]
    return cont(1, low, high) && cont(2) ? 3 : 0
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const [low, high] = b0 === 0xf0 ? [0x90, 0xbf] : b0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf]
    return cont(1, low, high) && cont(2) && cont(3) ? 4 : 0
  }
  return 0
}

const rawByte = (b: number) => String.fromCharCode(RAW_BYTE_BASE + b)

function escapedText(bytes: Buffer): string {
  let out = ''
  let runStart = 0 // start of the current run of kept characters, decoded in one go
  let at = 0
  while (at < bytes.length) {
    const length = wellFormedLength(bytes, at)
    // A well-formed U+F780–U+F7FF (EF 9E xx / EF 9F xx) is escaped byte by byte, like an invalid sequence.
    const kept = length > 0 && !(length === 3 && bytes[at] === 0xef && (bytes[at + 1] === 0x9e || bytes[at + 1] === 0x9f))
    if (kept) {
      at += length
      continue
    }
    out += bytes.toString('utf8', runStart, at)
    const end = length || 1
    for (let i = at; i < at + end; i++) out += rawByte(bytes[i]!)
    at += end
    runStart = at
  }
  return out + bytes.toString('utf8', runStart, at)
}

/**
 * The bytes a Linux capture's text stands for: U+F780–U+F7FF back to single bytes, everything else as UTF-8
 * (a lone surrogate, which a capture never writes, as U+FFFD). The inverse of textFromBytes.
 */
export function bytesFromText(text: string): Uint8Array {
  const encoder = new TextEncoder()
  const parts: Uint8Array[] = []
  let runStart = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < RAW_BYTE_FIRST || c > RAW_BYTE_LAST) continue
    if (runStart < i) parts.push(encoder.encode(text.slice(runStart, i)))
    parts.push(Uint8Array.of(c - RAW_BYTE_BASE))
    runStart = i + 1
  }
  if (runStart < text.length || parts.length === 0) parts.push(encoder.encode(text.slice(runStart)))
  if (parts.length === 1) return parts[0]!
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
