// Preamble and frame headers (spec/ARCHIVE.md §2.1–2.2): fixed little-endian fields, checked before any
// payload byte is decoded.
import { FRAME_HEADER_LENGTH, FRAME_SYNC, MAGIC, PREAMBLE_LENGTH } from './constants.js'
import type { Crc32 } from './crc32.js'

export interface FrameHeader {
  kind: number
  codec: number
  flags: number
  storedLength: number
  decodedLength: number
  crc: number
}

export function encodePreamble(major: number, minor: number, crc32: Crc32): Uint8Array {
  const out = new Uint8Array(PREAMBLE_LENGTH)
  out.set(MAGIC, 0)
  const view = new DataView(out.buffer)
  view.setUint16(8, major, true)
  view.setUint16(10, minor, true)
  view.setUint32(12, crc32(out.subarray(0, 12)), true)
  return out
}

export function hasMagic(bytes: Uint8Array): boolean {
  if (bytes.length < MAGIC.length) return false
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return false
  return true
}

export function isSyncAt(bytes: Uint8Array, offset: number): boolean {
  return (
    offset + 4 <= bytes.length &&
    bytes[offset] === FRAME_SYNC[0] &&
    bytes[offset + 1] === FRAME_SYNC[1] &&
    bytes[offset + 2] === FRAME_SYNC[2] &&
    bytes[offset + 3] === FRAME_SYNC[3]
  )
}

/** Reads the 20-byte header at `offset` (caller guarantees the bytes exist and the sync matches). */
export function readFrameHeader(bytes: Uint8Array, offset: number): FrameHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_HEADER_LENGTH)
  return {
    kind: view.getUint16(4, true),
    codec: view.getUint8(6),
    flags: view.getUint8(7),
    storedLength: view.getUint32(8, true),
    decodedLength: view.getUint32(12, true),
    crc: view.getUint32(16, true),
  }
}

/** CRC of a frame: header bytes 4..15, then the stored payload. */
export function frameCrc(headerBytes: Uint8Array, payload: Uint8Array, crc32: Crc32): number {
  return crc32(payload, crc32(headerBytes.subarray(4, 16)))
}

/**
 * Fills in the 20-byte header of `frame` (header room followed by the stored payload) and returns the
 * frame's CRC.
 */
export function sealFrame(frame: Uint8Array, kind: number, codec: number, decodedLength: number, crc32: Crc32): number {
  const view = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_LENGTH)
  frame.set(FRAME_SYNC, 0)
  view.setUint16(4, kind, true)
  view.setUint8(6, codec)
  view.setUint8(7, 0)
  view.setUint32(8, frame.length - FRAME_HEADER_LENGTH, true)
  view.setUint32(12, decodedLength, true)
  const crc = frameCrc(frame, frame.subarray(FRAME_HEADER_LENGTH), crc32)
  view.setUint32(16, crc, true)
  return crc
}

/** Names what a non-pssnap file probably is, for NOT_PSSNAP messages (spec §2.1, §9). */
export function sniffFormat(bytes: Uint8Array): string {
  const at = (i: number) => bytes[i] ?? -1
  const ascii = (s: string) => [...s].every((ch, i) => at(i) === ch.charCodeAt(0))
  if (ascii('MDMP')) return 'a Windows minidump (MDMP)'
  if (ascii('PK\u0003\u0004') || ascii('PK\u0005\u0006')) return 'a zip archive'
  if (at(0) === 0x1f && at(1) === 0x8b) return 'a gzip file'
  if (ascii('MZ')) return 'a Windows executable (PE)'
  if (ascii('\u007fELF')) return 'an ELF binary'
  if (ascii('PAGEDU64') || ascii('PAGEDUMP')) return 'a Windows kernel dump'
  if (ascii('\u0089PNG')) return 'a PNG image'
  const head = bytes.subarray(0, Math.min(bytes.length, 512))
  let printable = 0
  for (const b of head) if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0xc2) printable++
  if (head.length > 0 && printable === head.length) {
    let i = 0
    while (i < head.length && (head[i] === 32 || head[i] === 9 || head[i] === 10 || head[i] === 13 || head[i] === 0xef || head[i] === 0xbb || head[i] === 0xbf)) i++
    if (head[i] === 0x7b || head[i] === 0x5b) return 'JSON or other text (perhaps pssnap --json output)'
    return 'a text file'
  }
  return 'unrecognised binary content'
}
