// A generator of VALID archives with hostile content (issue 18 item 9): every frame, length and CRC is right,
// only what the archive says is adversarial. One 32-bit seed decides a case; `variant` 1, 2… give later
// snapshots of the same shape (for diff and trend). What the format's ArchiveWriter can express is written
// with it; what it refuses (unknown columns, sections, sparse groups, frame kinds and trailer keys, column
// types, huge honest counts, unused dictionary strings) goes through the independent byte-level builder.
import { deflateSync } from 'node:zlib'
import { FORMAT_MINOR } from '../../../format/constants.js'
import { SECTIONS, type DType } from '../../../format/fields.js'
import { ArchiveWriter, MemorySink } from '../../../format/writer.js'
import { nodeHooks } from '../../../reader/node.js'
import { ArchiveBuilder, col, encode, Kind, type Column, type MpValue } from '../../helpers/build-archive.js'
import { prng } from '../mutate.js'
import { getPath, makeModel, SECTION_NAMES, type Model, type SectionName, type Shape } from './model.js'
import { chance, hostileName, hostileString, int, pick, put, type Rand } from './strings.js'

/** The large attacks; a case has at most one, so its cost stays predictable. */
export const BIG_KINDS = ['unknownNames', 'equalKeys', 'hugeCount', 'longStrings'] as const
export type BigKind = (typeof BIG_KINDS)[number]

/** The large attack a seed carries, if any: every `every`-th seed, cycling through the kinds. */
export function bigKindOf(seed: number, every: number): BigKind | undefined {
  return every > 0 && seed % every === 0 ? BIG_KINDS[Math.floor(seed / every) % BIG_KINDS.length] : undefined
}

const UNKNOWN_PLACES = ['header', 'columns', 'sections', 'timings', 'entryCounts'] as const
type UnknownPlace = (typeof UNKNOWN_PLACES)[number]

export interface CasePlan {
  seed: number
  writer: 'ArchiveWriter' | 'builder'
  compression: boolean
  big?: BigKind
  shape: Shape
  /** Builder extras, decided once so every variant of a case carries them. */
  unknownNames: number
  /** Where the unknown names go. */
  unknownWhere: UnknownPlace[]
  hugeCount: number
}

export interface HostileCase {
  plan: CasePlan
  variant: number
  bytes: Uint8Array
  /** Decoded payload bytes (preamble, frame headers, every frame at its decoded size): the budget's D. */
  decodedBytes: number
}

/** What a seed's cases look like. `big` forces one of the large attacks (the runner cycles through them). */
export function planCase(seed: number, big?: BigKind): CasePlan {
  const r = prng(seed ^ 0x9e3779b9)
  const counts: Shape['counts'] = {}
  for (const name of SECTION_NAMES) if (!chance(r, 0.1)) counts[name] = chance(r, 0.2) ? 0 : 1 + int(r, 8)
  const shape: Shape = { counts, equalKeyRun: chance(r, 0.2) ? 2 + int(r, 4) : 0, longString: 0, hostileShare: 1 }
  let unknownNames = chance(r, 0.3) ? 1 + int(r, 20) : 0
  let hugeCount = 0
  if (big === 'unknownNames') {
    unknownNames = 10_000 + int(r, 5_000)
    counts.handles = Math.max(1, counts.handles ?? 0) // unknown columns go into a handles chunk
  }
  if (big === 'equalKeys') {
    counts.handles = 20_000 + int(r, 40_000)
    shape.equalKeyRun = counts.handles
    shape.hostileShare = 0.01
    shape.sameNames = true
  }
  if (big === 'hugeCount') hugeCount = pick(r, [1 << 20, 500_000, 200_000])
  // Strings just under the format's 1 MiB limit (in UTF-8 bytes) reach every display path; 3 Mi characters are
  // above it (a typed refusal: SCHEMA, or a chunk lost).
  if (big === 'longStrings') shape.longString = pick(r, [600_000, 3 << 20, 100_000])
  const builderOnly = unknownNames > 0 || hugeCount > 0
  return {
    seed,
    writer: builderOnly || chance(r, 0.4) ? 'builder' : 'ArchiveWriter',
    compression: chance(r, 0.3),
    ...(big ? { big } : {}),
    shape,
    unknownNames,
    // The large attack puts them in two places at once (every place at once costs minutes on a slow reader).
    unknownWhere: big === 'unknownNames' ? [UNKNOWN_PLACES[seed % 5]!, UNKNOWN_PLACES[(seed + 2) % 5]!] : [pick(r, UNKNOWN_PLACES)],
    hugeCount,
  }
}

export async function generateCase(plan: CasePlan, variant = 0): Promise<HostileCase> {
  const r = prng((plan.seed * 31 + variant * 0x85ebca6b) >>> 0)
  const model = makeModel(r, plan.shape, variant)
  const bytes = plan.writer === 'ArchiveWriter' ? await writeWithWriter(model, plan) : writeWithBuilder(model, plan, r)
  return { plan, variant, bytes, decodedBytes: decodedBytesOf(bytes) }
}

// ---------------------------------------------------------------- through the format's writer

// The model fills every field the format knows, so the writer declares the current minor (the lowest holding them).

async function writeWithWriter(model: Model, plan: CasePlan): Promise<Uint8Array> {
  const sink = new MemorySink()
  const writer = new ArchiveWriter(sink, { hooks: nodeHooks, compression: plan.compression ? 'deflate' : 'none', contextArchitecture: model.contextArchitecture, formatMinor: FORMAT_MINOR, chunkEntries: 1 + (plan.seed % 3) * 7 + (plan.big ? 65_535 : 0) })
  await writer.begin(model.header as never)
  for (const name of SECTION_NAMES) {
    const entries = model.sections[name]
    if (!entries) continue
    writer.declareSection(name)
    for (const e of entries) await writer.add(name, e as never)
  }
  await writer.finish(model.epilogue as never)
  return sink.bytes()
}

// ---------------------------------------------------------------- through the independent builder

function column(dtype: DType, values: unknown[], r: Rand, architecture?: string): Column {
  switch (dtype) {
    case 'str': {
      const c = col.str(values as (string | null)[])
      // Unused dictionary strings are hostile content too (validate and redaction read whole dictionaries).
      if (chance(r, 0.3)) return { ...c, dict: [...c.dict!, hostileString(r), hostileName(r)] }
      return c
    }
    case 'bytes':
      return col.bytes(values.map((v) => (v instanceof Uint8Array && v.length > 0 ? v : null)), architecture)
    case 'u64':
    case 'i64':
      return col[dtype](values.map((v) => (typeof v === 'bigint' ? v : 0n)))
    default:
      return col[dtype](values.map((v) => (typeof v === 'number' ? v : 0)))
  }
}

/** A deflate frame of `value`, or a stored one. */
function addValue(b: ArchiveBuilder, kind: number, value: MpValue, compress: boolean): void {
  const payload = encode(value)
  if (compress) b.frame({ kind, codec: 1, payload: new Uint8Array(deflateSync(payload, { level: 1 })), decodedLength: payload.length })
  else b.frame({ kind, payload })
}

function writeWithBuilder(model: Model, plan: CasePlan, r: Rand): Uint8Array {
  // Declares 1.1 while its columns include every later minor's: a writer that declared too low a minor.
  const b = new ArchiveBuilder({ minor: 1 })
  const names = () => Array.from({ length: plan.unknownNames }, (_, i) => (i % 97 === 0 ? hostileName(r) : `unknown${i}\u202e${i % 7}`))
  const header = { ...model.header }
  if (plan.unknownWhere.includes('header')) for (const n of names()) put(header, n, 1)
  addValue(b, Kind.HEADER, header as MpValue, plan.compression)
  const counts: Record<string, number> = {}
  for (const name of SECTION_NAMES) {
    const entries = model.sections[name]
    if (!entries) continue
    counts[name] = entries.length
    if (entries.length === 0) continue
    // Several chunks per section sometimes, in order and without gaps.
    const per = chance(r, 0.5) ? entries.length : 1 + int(r, entries.length)
    for (let first = 0; first < entries.length; first += per) {
      const rows = entries.slice(first, first + per)
      const columns: Record<string, MpValue> = {}
      for (const [field, spec] of Object.entries(SECTIONS[name].columns) as [string, { dtype: DType }][]) {
        if (chance(r, 0.05)) continue // a field not captured
        columns[field] = column(spec.dtype, rows.map((e) => getPath(e, field)), r, field === 'contextRecord' ? model.contextArchitecture : undefined) as MpValue
      }
      if (plan.unknownWhere.includes('columns') && first === 0 && name === 'handles') for (const n of names()) put(columns, n, col.u8(rows.map(() => 1)) as MpValue)
      for (let i = chance(r, 0.3) ? 1 + int(r, 3) : 0; i > 0; i--) {
        // Unknown columns: a known type (kept, listed) or an unknown one (listed, dropped).
        put(columns, hostileName(r), chance(r, 0.5) ? (col.str(rows.map(() => hostileString(r))) as MpValue) : ({ type: hostileName(r), data: new Uint8Array(rows.length) } as MpValue))
      }
      const chunk: Record<string, MpValue> = { section: name, first, count: rows.length, columns }
      const sparseRows = rows.flatMap((e, i) => ((e.typeSpecificInformation as { event?: unknown } | undefined)?.event ? [i] : []))
      if (sparseRows.length > 0 || chance(r, 0.1)) {
        const sparse: Record<string, MpValue> = {}
        if (sparseRows.length > 0) sparse['typeSpecificInformation.event'] = { rows: new Uint8Array(new Uint32Array(sparseRows).buffer), columns: { manualReset: col.i32(sparseRows.map(() => 1)) as MpValue, signaled: col.i32(sparseRows.map(() => 0)) as MpValue } }
        if (chance(r, 0.3)) {
          const columns: Record<string, MpValue> = {}
          put(columns, hostileName(r), col.u32([7]) as MpValue)
          put(sparse, `typeSpecificInformation.${hostileName(r)}`, { rows: new Uint8Array(new Uint32Array([0]).buffer), columns })
        }
        chunk.sparse = sparse
      }
      if (chance(r, 0.1)) put(chunk, hostileName(r), hostileString(r))
      addValue(b, Kind.CHUNK, chunk, plan.compression && chance(r, 0.7))
    }
  }
  if (plan.hugeCount > 0) {
    // An honest huge chunk: 2^20 entries whose one column really holds 2^20 bytes.
    const section = pick(r, ['handles', 'vaSpace'] as const)
    const first = counts[section] ?? 0
    const data = new Uint8Array(plan.hugeCount)
    for (let i = 0; i < data.length; i += 4093) data[i] = int(r, 256)
    const field = section === 'handles' ? 'flags' : 'protect'
    addValue(b, Kind.CHUNK, { section, first, count: plan.hugeCount, columns: { [field]: { type: 'u32', data } } }, chance(r, 0.7))
    counts[section] = first + plan.hugeCount
  }
  // Unknown sections: kept raw and reported; their names are hostile.
  const unknownSections = plan.unknownWhere.includes('sections') ? names() : chance(r, 0.3) ? [hostileName(r)] : []
  for (const n of unknownSections) {
    const columns: Record<string, MpValue> = {}
    put(columns, hostileName(r), col.u8([1]) as MpValue)
    b.value(Kind.CHUNK, { section: n, first: 0, count: 1, columns })
    put(counts, n, 1)
  }
  // Unknown frame kinds (a later minor's, or private ones), skipped by readers.
  if (chance(r, 0.2)) {
    const value: Record<string, MpValue> = {}
    put(value, hostileName(r), hostileString(r))
    b.value(pick(r, [5, 0x7fff, 0x8001]), value)
  }
  const epilogue = { ...model.epilogue }
  if (plan.unknownWhere.includes('timings')) {
    const timings: Record<string, number> = {}
    for (const n of names()) put(timings, n, 1.5)
    epilogue.timings = timings
  }
  addValue(b, Kind.EPILOGUE, epilogue as MpValue, plan.compression && chance(r, 0.5))
  if (plan.unknownWhere.includes('entryCounts')) for (const n of names()) put(counts, n, 0)
  const t = b.computeTrailer()
  const trailer: Record<string, MpValue> = { ...t, entryCounts: counts }
  if (chance(r, 0.1)) put(trailer, hostileName(r), hostileString(r))
  return b.finish({ trailer: trailer as never })
}

/** 16 + every frame's header and payload at its decoded size (what a reader must decode). */
export function decodedBytesOf(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 16
  let total = 16
  while (at + 20 <= bytes.length) {
    const stored = view.getUint32(at + 8, true)
    total += 20 + Math.max(stored, view.getUint32(at + 12, true))
    at += 20 + stored
  }
  return total
}
