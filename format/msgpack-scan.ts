// A structural pre-scan of a MessagePack payload before format/payload.ts decodes it by its shape: exactly
// one value, no ext types (spec §1), nesting ≤ MAX_NESTING, every declared length inside the payload. After
// it passes, decoding cannot overflow the stack, allocate for lengths the bytes do not hold, or read past
// the end, and unknown values can be skipped without checks.
// Iterative (no recursion) and O(payload bytes); bins and strings are skipped in O(1).
import { MAX_NESTING } from './constants.js'

export type ScanProblem = { code: 'BAD_PAYLOAD' | 'DEPTH'; message: string; offset: number }

export function scanMessagePack(bytes: Uint8Array): ScanProblem | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const n = bytes.length
  // remaining[d] = values still expected at depth d.
  const remaining: number[] = [1]
  let pos = 0
  const need = (k: number) => pos + k <= n
  while (remaining.length > 0) {
    if (remaining[remaining.length - 1] === 0) {
      remaining.pop()
      continue
    }
    remaining[remaining.length - 1]!--
    if (!need(1)) return { code: 'BAD_PAYLOAD', message: `MessagePack value cut off at byte ${pos} of ${n}`, offset: pos }
    const b = bytes[pos]!
    const at = pos
    pos++
    let children = 0
    let skip = 0
    // Containers count toward the nesting limit even when empty (spec §2.2 counts containers, not values).
    let container = false
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
      // fixint, nil, bool
    } else if (b >= 0x80 && b <= 0x8f) {
      children = (b & 0x0f) * 2
      container = true
    } else if (b >= 0x90 && b <= 0x9f) {
      children = b & 0x0f
      container = true
    } else if (b >= 0xa0 && b <= 0xbf) skip = b & 0x1f
    else {
      switch (b) {
        case 0xcc: case 0xd0: skip = 1; break
        case 0xcd: case 0xd1: skip = 2; break
        case 0xce: case 0xd2: case 0xca: skip = 4; break
        case 0xcf: case 0xd3: case 0xcb: skip = 8; break
        case 0xc4: case 0xd9:
          if (!need(1)) return cut(at, n)
          skip = bytes[pos]!; pos += 1; break
        case 0xc5: case 0xda:
          if (!need(2)) return cut(at, n)
          skip = view.getUint16(pos); pos += 2; break
        case 0xc6: case 0xdb:
          if (!need(4)) return cut(at, n)
          skip = view.getUint32(pos); pos += 4; break
        case 0xdc:
          if (!need(2)) return cut(at, n)
          children = view.getUint16(pos); pos += 2; container = true; break
        case 0xdd:
          if (!need(4)) return cut(at, n)
          children = view.getUint32(pos); pos += 4; container = true; break
        case 0xde:
          if (!need(2)) return cut(at, n)
          children = view.getUint16(pos) * 2; pos += 2; container = true; break
        case 0xdf:
          if (!need(4)) return cut(at, n)
          children = view.getUint32(pos) * 2; pos += 4; container = true; break
        default:
          // 0xc1 (never used) and every ext type (0xc7–0xc9, 0xd4–0xd8) are outside the format.
          return { code: 'BAD_PAYLOAD', message: `MessagePack type byte 0x${b.toString(16)} at ${at} is not allowed in a pssnap payload`, offset: at }
      }
    }
    if (skip > 0) {
      if (!need(skip)) return { code: 'BAD_PAYLOAD', message: `MessagePack value at byte ${at} declares ${skip} bytes but only ${n - pos} remain`, offset: at }
      pos += skip
    }
    if (container) {
      // Each child takes at least one byte, so a count beyond the remaining bytes is a lie.
      if (children > n - pos) return { code: 'BAD_PAYLOAD', message: `MessagePack container at byte ${at} declares ${children} items but only ${n - pos} bytes remain`, offset: at }
      if (remaining.length > MAX_NESTING) return { code: 'DEPTH', message: `MessagePack nesting deeper than ${MAX_NESTING} at byte ${at}`, offset: at }
      if (children > 0) remaining.push(children)
    }
  }
  if (pos !== n) return { code: 'BAD_PAYLOAD', message: `${n - pos} bytes follow the MessagePack value (payload must be exactly one value)`, offset: pos }
  return undefined
}

function cut(at: number, n: number): ScanProblem {
  return { code: 'BAD_PAYLOAD', message: `MessagePack length field at byte ${at} runs past the end (${n} bytes)`, offset: at }
}
