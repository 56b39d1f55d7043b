// A seeded mutation engine for archives: one 32-bit seed picks the base input and 1–4 operations (bit
// flips, byte runs, splices from another input, truncation, frame length fields or MessagePack length
// fields set huge), then leaves the frame CRCs broken or repairs them. Repairing matters: with broken CRCs
// almost every mutation stops at the checksum layer, repaired ones reach the payload and column decoders.
// Deterministic: the same seed and inputs give the same bytes, so a failure is reproduced from its seed.
import { deflateSync, inflateSync } from 'node:zlib'
import { crc32 } from '../helpers/build-archive.js'

export interface FuzzInput {
  name: string
  bytes: Uint8Array
}

export interface Mutant {
  seed: number
  base: string
  /** What was done, in order (for reports and regression files). */
  ops: string[]
  repaired: boolean
  bytes: Uint8Array
}

/** mulberry32: small, fast, good enough to spread mutations; not for anything secret. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Rand = ReturnType<typeof prng>
const int = (r: Rand, n: number) => Math.floor(r() * n)
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!

const PREAMBLE = 16
const FRAME_HEADER = 20
/** Values a 32-bit length is set to: the limits of the format (256 MiB) and of the field. */
const HUGE_U32 = [0xffffffff, 0x7fffffff, 0x10000000, 0x10000001, 0x0fffffff, 0x100000, 0x100001] as const

export interface FrameSpan {
  offset: number
  kind: number
  codec: number
  storedLength: number
}

/** Frames reachable by walking declared lengths from the preamble (stops at the first inconsistency). */
export function framesOf(bytes: Uint8Array): FrameSpan[] {
  const out: FrameSpan[] = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = PREAMBLE
  while (at + FRAME_HEADER <= bytes.length && bytes[at] === 0x50 && bytes[at + 1] === 0x53 && bytes[at + 2] === 0x46 && bytes[at + 3] === 0x52) {
    const storedLength = view.getUint32(at + 8, true)
    if (at + FRAME_HEADER + storedLength > bytes.length) break
    out.push({ offset: at, kind: view.getUint16(at + 4, true), codec: bytes[at + 6]!, storedLength })
    at += FRAME_HEADER + storedLength
  }
  return out
}

/** Recomputes the preamble's and every reachable frame's CRC, so a mutation reaches the payload decoders. */
export function repairChecksums(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice()
  const view = new DataView(out.buffer)
  if (out.length >= PREAMBLE) view.setUint32(12, crc32(out.subarray(0, 12)), true)
  for (const f of framesOf(out)) view.setUint32(f.offset + 16, crc32(out.subarray(f.offset + 4, f.offset + 16), out.subarray(f.offset + FRAME_HEADER, f.offset + FRAME_HEADER + f.storedLength)), true)
  return out
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

// ---- MessagePack length fields ----

/** Offsets and widths of every length-bearing MessagePack header (str, bin, array, map: 8/16/32-bit). */
function lengthFields(payload: Uint8Array): { at: number; width: 1 | 2 | 4 }[] {
  const out: { at: number; width: 1 | 2 | 4 }[] = []
  // A byte-wise scan, not a parse: finds real headers and some look-alikes inside data, both worth mutating.
  for (let i = 0; i < payload.length && out.length < 4096; i++) {
    const b = payload[i]!
    const width = b === 0xc4 || b === 0xd9 ? 1 : b === 0xc5 || b === 0xda || b === 0xdc || b === 0xde ? 2 : b === 0xc6 || b === 0xdb || b === 0xdd || b === 0xdf ? 4 : 0
    if (width && i + 1 + width <= payload.length) out.push({ at: i + 1, width })
  }
  return out
}

function setHugeLength(payload: Uint8Array, r: Rand): string | undefined {
  const fields = lengthFields(payload)
  if (fields.length === 0) return undefined
  const f = pick(r, fields)
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  const old = f.width === 1 ? view.getUint8(f.at) : f.width === 2 ? view.getUint16(f.at) : view.getUint32(f.at)
  const value = f.width === 1 ? pick(r, [0xff, old + 1]) : f.width === 2 ? pick(r, [0xffff, old + 1]) : pick(r, [...HUGE_U32, old + 1])
  if (f.width === 1) view.setUint8(f.at, value & 0xff)
  else if (f.width === 2) view.setUint16(f.at, value & 0xffff)
  else view.setUint32(f.at, value >>> 0)
  return `msgpack length at payload+${f.at} (${f.width * 8}-bit) ${old} -> ${value >>> 0}`
}

/** Sets a MessagePack length field inside one frame's payload huge; a deflate frame is inflated, edited
 *  and deflated again with its header lengths updated, so the edit survives the codec layer. */
function hugeMsgpackLength(bytes: Uint8Array, r: Rand): { bytes: Uint8Array; op: string } | undefined {
  const frames = framesOf(bytes).filter((f) => f.codec === 0 || f.codec === 1)
  if (frames.length === 0) return undefined
  const f = pick(r, frames)
  const start = f.offset + FRAME_HEADER
  const stored = bytes.subarray(start, start + f.storedLength)
  if (f.codec === 0) {
    const out = bytes.slice()
    const op = setHugeLength(out.subarray(start, start + f.storedLength), r)
    return op ? { bytes: out, op: `frame at ${f.offset}: ${op}` } : undefined
  }
  let payload: Uint8Array
  try {
    payload = new Uint8Array(inflateSync(stored))
  } catch {
    return undefined
  }
  const op = setHugeLength(payload, r)
  if (!op) return undefined
  const packed = new Uint8Array(deflateSync(payload, { level: 1 }))
  const head = bytes.slice(f.offset, start)
  const view = new DataView(head.buffer)
  view.setUint32(8, packed.length, true)
  view.setUint32(12, payload.length, true)
  return { bytes: concat([bytes.subarray(0, f.offset), head, packed, bytes.subarray(start + f.storedLength)]), op: `deflate frame at ${f.offset}: ${op}` }
}

// ---- the operations ----

type Op = (bytes: Uint8Array, r: Rand, others: readonly FuzzInput[]) => { bytes: Uint8Array; op: string } | undefined

const bitFlips: Op = (bytes, r) => {
  if (bytes.length === 0) return undefined
  const out = bytes.slice()
  const n = 1 + int(r, 8)
  const at: number[] = []
  for (let i = 0; i < n; i++) {
    const p = int(r, out.length)
    out[p]! ^= 1 << int(r, 8)
    at.push(p)
  }
  return { bytes: out, op: `flip ${n} bits at ${at.join(',')}` }
}

const byteRun: Op = (bytes, r) => {
  if (bytes.length === 0) return undefined
  const out = bytes.slice()
  const at = int(r, out.length)
  const length = Math.min(out.length - at, 1 + int(r, 64))
  const fill = pick(r, [0x00, 0xff, 0x7f, 0x80, -1])
  for (let i = 0; i < length; i++) out[at + i] = fill < 0 ? int(r, 256) : fill
  return { bytes: out, op: `run of ${length} ${fill < 0 ? 'random bytes' : `0x${fill.toString(16)}`} at ${at}` }
}

const insertOrDelete: Op = (bytes, r) => {
  const at = int(r, bytes.length + 1)
  if (r() < 0.5) {
    const length = 1 + int(r, 32)
    return { bytes: concat([bytes.subarray(0, at), bytes.subarray(at + length)]), op: `delete ${length} bytes at ${at}` }
  }
  const insert = Uint8Array.from({ length: 1 + int(r, 32) }, () => int(r, 256))
  return { bytes: concat([bytes.subarray(0, at), insert, bytes.subarray(at)]), op: `insert ${insert.length} random bytes at ${at}` }
}

/** A piece of another input: anywhere (replacing or inserted), or a whole frame of it moved in. */
const splice: Op = (bytes, r, others) => {
  if (others.length === 0) return undefined
  const other = pick(r, others)
  const frames = framesOf(other.bytes)
  const at = int(r, bytes.length + 1)
  if (frames.length > 0 && r() < 0.5) {
    const f = pick(r, frames)
    const piece = other.bytes.subarray(f.offset, f.offset + FRAME_HEADER + f.storedLength)
    const mine = framesOf(bytes)
    // At a frame boundary of this input when it has frames: a frame from another archive slotted in.
    const where = mine.length > 0 ? pick(r, [...mine.map((m) => m.offset), bytes.length]) : at
    return { bytes: concat([bytes.subarray(0, where), piece, bytes.subarray(where)]), op: `insert frame at ${f.offset} of ${other.name} at ${where}` }
  }
  const from = int(r, other.bytes.length)
  const length = Math.min(other.bytes.length - from, 1 + int(r, 512))
  const piece = other.bytes.subarray(from, from + length)
  if (r() < 0.5) return { bytes: concat([bytes.subarray(0, at), piece, bytes.subarray(at)]), op: `insert ${length} bytes of ${other.name} at ${at}` }
  return { bytes: concat([bytes.subarray(0, at), piece, bytes.subarray(at + length)]), op: `overwrite ${length} bytes at ${at} with ${other.name}+${from}` }
}

const truncate: Op = (bytes, r) => {
  const at = int(r, bytes.length)
  return { bytes: bytes.subarray(0, at), op: `truncate to ${at}` }
}

/** A frame's stored or decoded length set to a limit, a limit ± 1, or its neighbour value. */
const hugeFrameLength: Op = (bytes, r) => {
  const frames = framesOf(bytes)
  if (frames.length === 0) return undefined
  const f = pick(r, frames)
  const field = pick(r, [8, 12] as const)
  const out = bytes.slice()
  const view = new DataView(out.buffer)
  const old = view.getUint32(f.offset + field, true)
  const value = pick(r, [...HUGE_U32, old + 1, Math.max(0, old - 1), 0]) >>> 0
  view.setUint32(f.offset + field, value, true)
  return { bytes: out, op: `frame at ${f.offset}: ${field === 8 ? 'storedLength' : 'decodedLength'} ${old} -> ${value}` }
}

const OPS: readonly (readonly [string, Op, number])[] = [
  ['bitFlips', bitFlips, 4],
  ['byteRun', byteRun, 3],
  ['insertOrDelete', insertOrDelete, 1],
  ['splice', splice, 2],
  ['truncate', truncate, 1],
  ['hugeFrameLength', hugeFrameLength, 2],
  ['hugeMsgpackLength', (b, r) => hugeMsgpackLength(b, r), 3],
]
const TOTAL_WEIGHT = OPS.reduce((n, [, , w]) => n + w, 0)

function pickOp(r: Rand): Op {
  let x = r() * TOTAL_WEIGHT
  for (const [, op, w] of OPS) if ((x -= w) < 0) return op
  return OPS[0]![1]
}

/**
 * The mutant of `seed`. `weights` (one per input, default 1) make large inputs rarer, so a run spends its
 * time evenly rather than mostly decoding the biggest file.
 */
export function mutate(seed: number, inputs: readonly FuzzInput[], weights?: readonly number[]): Mutant {
  const r = prng(seed)
  const w = weights ?? inputs.map(() => 1)
  let x = r() * w.reduce((a, b) => a + b, 0)
  let index = 0
  while (index < inputs.length - 1 && (x -= w[index]!) >= 0) index++
  const base = inputs[index]!
  let bytes = base.bytes
  const ops: string[] = []
  const n = 1 + int(r, 4)
  const others = inputs.filter((_, i) => i !== index)
  for (let i = 0; i < n; i++) {
    const done = pickOp(r)(bytes, r, others)
    if (done) {
      bytes = done.bytes
      ops.push(done.op)
    }
  }
  // Half the mutants keep their broken CRCs (exercising the checksum layer and resync), half are repaired.
  const repaired = r() < 0.5
  if (repaired) bytes = repairChecksums(bytes)
  if (bytes === base.bytes) bytes = bytes.slice()
  return { seed: seed >>> 0, base: base.name, ops, repaired, bytes }
}
