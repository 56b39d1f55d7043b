// The content of one hostile case, before it is written: a header, entries of every section and an
// epilogue, with a hostile string in every string slot and numbers across their whole range (times before
// 1970 and after 9999, addresses near 2^64). generate.ts writes it through ArchiveWriter or the independent
// builder.
import { SECTIONS, type DType } from '../../../format/fields.js'
import { chance, hostileName, hostileString, int, pick, PROTO_NAMES, put, type Rand } from './strings.js'

export type SectionName = keyof typeof SECTIONS
export const SECTION_NAMES = Object.keys(SECTIONS) as SectionName[]
export type Entry = Record<string, unknown>

export interface Model {
  header: Record<string, unknown>
  epilogue: Record<string, unknown>
  sections: Partial<Record<SectionName, Entry[]>>
  /** The architecture tag of the contextRecord column (a hostile name often). */
  contextArchitecture: string
}

/** How big each part is; the generator picks it once per case, so the variants of a case agree. */
export interface Shape {
  counts: Partial<Record<SectionName, number>>
  /** Every handle in a run of this many shares one handle value (diff matches equal keys). */
  equalKeyRun: number
  /** Length of the long strings placed in some string slots (0: none). */
  longString: number
  /** Share of entries whose strings are hostile (the rest are plain, to make long tables cheap). */
  hostileShare: number
  /** Plain strings are all the same (with equalKeyRun: whole runs of handles with one identity). */
  sameNames?: boolean
}

const FILETIME_1970 = 116_444_736_000_000_000n
const TIMES = [0n, 1n, FILETIME_1970 - 1n, FILETIME_1970 - 12_345n, FILETIME_1970 + 17_000_000_000_000_000n, 0x7fff_ffff_ffff_ffffn, 0xffff_ffff_ffff_ffffn, 2_650_467_743_990_000_000n]

function u64(r: Rand): bigint {
  const k = int(r, 5)
  if (k === 0) return 0n
  if (k === 1) return 0xffff_ffff_ffff_ffffn - BigInt(int(r, 4096))
  if (k === 2) return BigInt(int(r, 1 << 30)) * 4096n
  return (BigInt(int(r, 2 ** 31)) << 32n) | BigInt(int(r, 2 ** 32))
}

const MAX: Record<string, number> = { u8: 0xff, u16: 0xffff, u32: 0xffff_ffff }

function value(r: Rand, dtype: DType, kind: string): unknown {
  switch (dtype) {
    case 'u64':
    case 'i64':
      if (kind === 'time' || kind === 'dur') return chance(r, 0.5) ? pick(r, TIMES) & (dtype === 'i64' ? 0x7fff_ffff_ffff_ffffn : 0xffff_ffff_ffff_ffffn) : FILETIME_1970 + BigInt(int(r, 2 ** 31)) * 10_000_000n
      return dtype === 'i64' ? u64(r) & 0x7fff_ffff_ffff_ffffn : u64(r)
    case 'i32':
      return chance(r, 0.3) ? pick(r, [-0x8000_0000, 0x7fff_ffff, -1]) : int(r, 64) - 32
    case 'str':
      return undefined // filled by the caller
    case 'bytes':
      return undefined
    default:
      return chance(r, 0.3) ? MAX[dtype]! : int(r, Math.min(MAX[dtype]!, 0x1_0000))
  }
}

/** A string for a slot: hostile in `hostileShare` of the entries, and long in a few slots when asked. */
function text(r: Rand, shape: Shape, hostile: boolean): string | null {
  if (!hostile) return shape.sameNames ? 'File' : chance(r, 0.1) ? null : `name-${int(r, 50)}`
  if (shape.longString > 0 && chance(r, 0.05)) return hostileString(r, shape.longString)
  return chance(r, 0.05) ? null : hostileString(r)
}

function contextRecord(r: Rand, arch: string): Uint8Array | null {
  if (chance(r, 0.2)) return null
  const length = pick(r, [1232, 716, 912, 1, 64, 1232 + int(r, 64)])
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i += 7) bytes[i] = int(r, 256)
  void arch
  return bytes
}

function entryOf(r: Rand, section: SectionName, shape: Shape, index: number, arch: string): Entry {
  const hostile = r() < shape.hostileShare
  const entry: Entry = {}
  for (const [field, spec] of Object.entries(SECTIONS[section].columns) as [string, { dtype: DType; kind: string }][]) {
    let v: unknown
    if (spec.dtype === 'str') v = field === 'schedulerState' ? (hostile ? hostileString(r) : pick(r, ['R', 'S', 'D'])) : text(r, shape, hostile)
    else if (spec.dtype === 'bytes') v = field === 'contextRecord' ? contextRecord(r, arch) : chance(r, 0.5) ? null : new Uint8Array(int(r, 4) === 0 ? 4096 : 16).fill(0x41)
    else v = value(r, spec.dtype, spec.kind)
    setPath(entry, field, v)
  }
  if (section === 'handles') {
    if (shape.equalKeyRun > 0) entry.handle = 0x4n + BigInt(Math.floor(index / shape.equalKeyRun)) * 4n
    entry.objectType = int(r, 12)
    if (entry.objectType === 4) entry.typeSpecificInformation = { event: { manualReset: int(r, 2), signaled: int(r, 2) } }
    if (entry.objectType === 1) entry.typeSpecificInformation = { process: { exitStatus: 259, pebBaseAddress: u64(r), affinityMask: 0xffn, basePriority: 8, processId: int(r, 1 << 20), parentProcessId: 4, flags: 0 } }
  }
  if (section === 'threads') entry.sizeOfContextRecord = (entry.contextRecord as Uint8Array | null)?.length ?? 0
  return entry
}

export function setPath(entry: Entry, dotted: string, v: unknown): void {
  const parts = dotted.split('.')
  let at = entry
  for (const p of parts.slice(0, -1)) at = (at[p] ??= {}) as Entry
  at[parts.at(-1)!] = v
}

export function getPath(entry: Entry, dotted: string): unknown {
  let at: unknown = entry
  for (const p of dotted.split('.')) at = at === null || typeof at !== 'object' ? undefined : (at as Entry)[p]
  return at
}

/** `a` or a hostile string, for header and epilogue slots that must hold something. */
const slot = (r: Rand, shape: Shape, plain: string) => (chance(r, 0.8) ? (shape.longString > 0 && chance(r, 0.2) ? hostileString(r, shape.longString) : hostileString(r)) : plain)

export function makeModel(r: Rand, shape: Shape, variant: number): Model {
  const archPool = ['x64', 'x86', 'arm64', ...PROTO_NAMES]
  const contextArchitecture = chance(r, 0.5) ? pick(r, archPool) : slot(r, shape, 'x64')
  const hostArch = chance(r, 0.5) ? pick(r, archPool) : slot(r, shape, 'x64')
  const header: Record<string, unknown> = {
    producer: { tool: slot(r, shape, 'pssnap'), version: slot(r, shape, '0.1.0') },
    host: { platform: slot(r, shape, 'windows'), architecture: hostArch, osVersion: slot(r, shape, '10.0.22631'), osBuild: slot(r, shape, '22631'), machineName: slot(r, shape, 'HOST') },
    target: { processId: 4242 + (variant === 0 ? 0 : int(r, 2)), imagePath: slot(r, shape, 'C:\\app.exe'), ...(chance(r, 0.7) ? { architecture: chance(r, 0.5) ? pick(r, archPool) : slot(r, shape, 'x64') } : {}) },
    capture: { captureFlags: int(r, 2 ** 31), threadContextFlags: pick(r, [0x0010_001f, 0, 0xffff_ffff]), startedAt: chance(r, 0.5) ? `2026-01-0${1 + variant}T03:04:05.000Z` : slot(r, shape, '2026-01-01T00:00:00.000Z'), preset: slot(r, shape, 'default') },
    processInformation: { processId: 4242, parentProcessId: 4, createTime: pick(r, TIMES), privateUsage: u64(r), virtualSize: u64(r), workingSetSize: BigInt(int(r, 2 ** 31)) * BigInt(1 + variant), priorityClass: pick(r, [0x20, 0x40, 7]), imageFileName: slot(r, shape, 'app.exe') },
  }
  for (const [key, section] of [['handleInformation', 'handles'], ['vaSpaceInformation', 'vaSpace'], ['threadInformation', 'threads'], ['auxiliaryPagesInformation', 'auxiliaryPages']] as const) {
    const n = shape.counts[section] ?? 0
    // Sometimes the header's query counts disagree with what is in the archive.
    const declared = chance(r, 0.8) ? n : int(r, 2 ** 31)
    header[key] = key === 'threadInformation' ? { threadsCaptured: declared, contextLength: 1232 } : key === 'handleInformation' ? { handlesCaptured: declared } : key === 'vaSpaceInformation' ? { regionCount: declared } : { auxPagesCaptured: declared }
  }
  if (chance(r, 0.2)) header.redaction = { method: slot(r, shape, 'hmac-sha256'), redactedAt: slot(r, shape, '2026-01-01T00:00:00.000Z'), fields: [slot(r, shape, 'objectName'), hostileName(r)], contextsDropped: chance(r, 0.5) }
  // Unknown header keys (the writer passes them through): names and string values both hostile.
  for (let i = int(r, 4); i > 0; i--) {
    const nested: Record<string, unknown> = {}
    put(nested, hostileName(r), slot(r, shape, 'y'))
    put(header, hostileName(r), chance(r, 0.5) ? slot(r, shape, 'x') : nested)
  }

  const timings: Record<string, number> = { captureMs: 12.5, walkMs: 3 }
  for (let i = int(r, 3); i > 0; i--) put(timings, hostileName(r), r() * 1000)
  const captureErrors = Array.from({ length: int(r, 4) }, () => ({
    section: chance(r, 0.5) ? pick(r, [...PROTO_NAMES, 'handles', 'threads', 'capture', 'processInformation']) : hostileName(r),
    operation: slot(r, shape, 'PssWalkSnapshot'),
    code: pick(r, [5, 50, 1168, 0, 0xffff_ffff]),
    ...(chance(r, 0.7) ? { name: slot(r, shape, 'ERROR_ACCESS_DENIED') } : {}),
    message: slot(r, shape, 'Access is denied.'),
  }))
  const epilogue: Record<string, unknown> = { finishedAt: chance(r, 0.5) ? `2026-01-0${1 + variant}T03:04:06.000Z` : slot(r, shape, '2026-01-01T00:00:01.000Z'), timings, captureErrors }
  for (let i = int(r, 3); i > 0; i--) put(epilogue, hostileName(r), slot(r, shape, 'z'))

  const sections: Model['sections'] = {}
  for (const name of SECTION_NAMES) {
    const n = shape.counts[name]
    if (n === undefined) continue
    // A later variant drops or adds a few entries, so diff and trend have something to report.
    const count = variant === 0 ? n : Math.max(0, n + int(r, 5) - 2)
    sections[name] = Array.from({ length: count }, (_, i) => entryOf(r, name, shape, i, contextArchitecture))
  }
  return { header, epilogue, sections, contextArchitecture }
}
