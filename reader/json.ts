// The stable JSON rendering of archive values (spec/JSON.md): addresses as "0x…" strings, 64-bit counts
// and sizes as decimal strings, FILETIMEs as {iso, ticks}, durations as {seconds, ticks}, blobs by length
// (bytes only on request), enums and flags as numbers. One function per concern so the CLI, export and
// golden fixtures all render the same way.
import { contextArchitectureOf, decodeRegisters, type FieldKind, type FieldSpec } from '../format/index.js'
import type { Archive } from './archive.js'
import { fieldSpecOf } from './section.js'
import { archiveMemorySummary } from './memory.js'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export interface JsonOptions {
  /** Include blob bytes (thread contexts, page contents) as base64; default: length only. */
  includeBlobs?: boolean
}

const FILETIME_UNIX_EPOCH = 116444736000000000n

/**
 * ISO-8601 of a FILETIME timestamp (spec/JSON.md): the millisecond it falls in (rounded down, before 1970 as
 * after), years after 9999 in the extended form `+010000-01-01T00:00:00.000Z`; null for 0 (never set). Every
 * u64 tick count is within Date's range (the largest is in year 60056); a value outside it (negative) is null.
 */
export function filetimeToIso(ticks: bigint): string | null {
  if (ticks === 0n) return null
  // Ticks from 1601 are never negative in a u64: the millisecond since 1601 is one BigInt division and
  // exact as a Number (at most 1.9e15), and the ISO text is built without a Date (1M table rows of times
  // took 0.65 s through BigInt arithmetic and Date#toISOString, 0.1 s this way).
  if (ticks > 0n && ticks <= U64_MAX) return isoOfMs(Number(ticks / 10000n) - MS_1601_TO_1970)
  const since1970 = ticks - FILETIME_UNIX_EPOCH
  // BigInt division truncates toward zero, which rounds a time before 1970 up to the next millisecond.
  let ms = since1970 / 10000n
  if (since1970 < 0n && ms * 10000n !== since1970) ms -= 1n
  const d = new Date(Number(ms))
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

const U64_MAX = (1n << 64n) - 1n
/** Milliseconds from 1601-01-01 to 1970-01-01. */
const MS_1601_TO_1970 = 11644473600000
const MS_PER_DAY = 86400000
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'))
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'))

/**
 * Date#toISOString of `ms` since 1970 for years 1601 and later (`+YYYYYY` past 9999, as toISOString writes
 * them): the proleptic Gregorian date from the day number (H. Hinnant's civil_from_days), whole numbers only.
 */
function isoOfMs(ms: number): string {
  const days = Math.floor(ms / MS_PER_DAY)
  let rest = ms - days * MS_PER_DAY
  // Times of one day share their date (a table's rows mostly do): it is worked out once.
  if (days !== lastDay) {
    lastDay = days
    lastDate = dateOfDay(days)
  }
  // Non-negative and below 2^31 from here: `| 0` is Math.floor.
  const hours = (rest / 3600000) | 0
  rest -= hours * 3600000
  const minutes = (rest / 60000) | 0
  rest -= minutes * 60000
  const seconds = (rest / 1000) | 0
  return `${lastDate}${TWO[hours]}:${TWO[minutes]}:${TWO[seconds]}.${THREE[rest - seconds * 1000]}Z`
}

let lastDay = Number.NaN
let lastDate = ''

/** `YYYY-MM-DDT` of a day number since 1970 (from 1601 on, so every quantity below is non-negative). */
function dateOfDay(days: number): string {
  const z = days + 719468
  const era = (z / 146097) | 0
  const doe = z - era * 146097
  const yoe = ((doe - ((doe / 1460) | 0) + ((doe / 36524) | 0) - ((doe / 146096) | 0)) / 365) | 0
  const doy = doe - (365 * yoe + ((yoe / 4) | 0) - ((yoe / 100) | 0))
  const mp = ((5 * doy + 2) / 153) | 0
  const day = doy - (((153 * mp + 2) / 5) | 0) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  const y = year <= 9999 ? String(year) : `+${String(year).padStart(6, '0')}`
  return `${y}-${TWO[month]}-${TWO[day]}T`
}

/** FILETIME ticks of +010000-01-01T00:00:00.000Z: from there ISO years take the extended form. */
const TICKS_YEAR_10000 = 2650467744000000000n

/** The length of filetimeToIso's text (0 for null) without building it: a table's layout pass needs only that. */
export function isoLength(ticks: bigint): number {
  if (ticks > 0n && ticks <= U64_MAX) return ticks < TICKS_YEAR_10000 ? 24 : 27
  return filetimeToIso(ticks)?.length ?? 0
}

export function hexAddress(v: bigint | number): string {
  return `0x${v.toString(16)}`
}

export function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}

/** Renders one value of a known kind. */
export function kindToJson(kind: FieldKind, value: unknown, options: JsonOptions = {}): Json {
  if (value === undefined || value === null) return null
  switch (kind) {
    case 'addr':
      return typeof value === 'bigint' || typeof value === 'number' ? hexAddress(value) : String(value)
    case 'time': {
      const ticks = BigInt(value as bigint)
      return { iso: filetimeToIso(ticks), ticks: ticks.toString() }
    }
    case 'dur': {
      const ticks = BigInt(value as bigint)
      return { seconds: Number(ticks) / 1e7, ticks: ticks.toString() }
    }
    case 'blob': {
      const bytes = value as Uint8Array
      return options.includeBlobs ? { length: bytes.length, base64: toBase64(bytes) } : { length: bytes.length }
    }
    default:
      return genericToJson(value)
  }
}

/** bigint → decimal string, Uint8Array → {length}, objects recursively; everything else as is. */
/**
 * `out[key] = value` that keeps a key named `__proto__` as data: plain assignment would set the output's
 * prototype instead (keys come from archives and callers).
 */
function put(out: { [key: string]: Json }, key: string, value: Json): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  else out[key] = value
}

export function genericToJson(value: unknown): Json {
  if (value === undefined || value === null) return null
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value
  if (value instanceof Uint8Array) return { length: value.length }
  if (Array.isArray(value)) return value.map(genericToJson)
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {}
    for (const [k, v] of Object.entries(value)) if (v !== undefined) put(out, k, genericToJson(v))
    return out
  }
  return String(value)
}

/** One entry of a section, rendered field by field with the section's field kinds. */
export function entryToJson(section: string, entry: object, options: JsonOptions & { contextArchitecture?: string } = {}): { [key: string]: Json } {
  const out = renderObject(section, '', entry as Record<string, unknown>, options)
  if (section === 'threads') {
    const context = (entry as { contextRecord?: Uint8Array }).contextRecord
    const regs = decodeRegisters(context, options.contextArchitecture)
    if (regs) {
      const registers: { [key: string]: Json } = {}
      for (const [name, v] of Object.entries(regs)) registers[name] = hexAddress(v)
      out.registers = registers
      // The layout the registers were decoded with: the context's own chunk's, else the caller's.
      out.contextArchitecture = contextArchitectureOf(context) ?? options.contextArchitecture ?? null
    }
  }
  return out
}

function renderObject(section: string, prefix: string, obj: Record<string, unknown>, options: JsonOptions): { [key: string]: Json } {
  const out: { [key: string]: Json } = {}
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue
    const path = prefix + k
    const spec: FieldSpec | undefined = fieldSpecOf(section, path)
    if (spec) put(out, k, kindToJson(spec.kind, v, options))
    else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) put(out, k, renderObject(section, `${path}.`, v as Record<string, unknown>, options))
    else put(out, k, genericToJson(v))
  }
  return out
}

/** Kinds of the 64-bit header fields that are not plain counts. */
const HEADER_KINDS: Readonly<Record<string, FieldKind>> = {
  pebBaseAddress: 'addr',
  affinityMask: 'addr',
  vaCloneHandle: 'addr',
  sectionHandle: 'addr',
  createTime: 'time',
  exitTime: 'time',
  kernelTime: 'dur',
  userTime: 'dur',
}

/** Header, query results and epilogue with their 64-bit values rendered by kind. */
export function headerToJson(value: unknown, key = ''): Json {
  if (value === undefined || value === null) return null
  const kind = Object.hasOwn(HEADER_KINDS, key) ? HEADER_KINDS[key] : undefined
  if (kind && (typeof value === 'bigint' || typeof value === 'number')) return kindToJson(kind, value)
  if (Array.isArray(value)) return value.map((v) => headerToJson(v))
  if (typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: { [k: string]: Json } = {}
    for (const [k, v] of Object.entries(value)) if (v !== undefined) put(out, k, headerToJson(v, k))
    return out
  }
  return genericToJson(value)
}

/**
 * `info --json` `memory` (format 1.2): the contents the archive holds (reader/memory.ts), present only when some
 * were read by pssnap (`--memory`), so the documents of older archives stay as they were.
 */
function memoryToJson(archive: Archive): { memory?: Json } {
  const m = archiveMemorySummary(archive)
  if (!m || m.sources.stack + m.sources.range + m.sources.other === 0) return {}
  return { memory: { ranges: m.ranges, bytes: m.bytes, sources: { ...m.sources }, stackThreads: m.stackThreads } }
}

/** The `pssnap info --json` document (spec/JSON.md "info"). */
export function archiveInfoToJson(archive: Archive): { [key: string]: Json } {
  const h = archive.header
  const sections: { [key: string]: Json } = {}
  for (const name of archive.sectionNames) sections[name] = { entries: archive.section(name)!.length, expected: archive.trailer?.entryCounts[name] ?? null }
  const { producer, host, target, capture, ...queries } = h
  return {
    schema: 'pssnap.info/1',
    formatVersion: `${archive.version.major}.${archive.version.minor}`,
    byteLength: archive.byteLength,
    compressed: archive.frames.some((f) => f.codec !== 0),
    frames: archive.frames.length,
    complete: archive.trailer !== undefined,
    producer: headerToJson(producer),
    host: headerToJson(host),
    target: headerToJson(target),
    capture: headerToJson(capture),
    queries: headerToJson(queries),
    contextArchitecture: archive.contextArchitecture ?? null,
    sections,
    ...memoryToJson(archive),
    timings: headerToJson(archive.epilogue?.timings ?? {}),
    finishedAt: archive.epilogue?.finishedAt ?? null,
    captureErrors: headerToJson(archive.captureErrors),
    diagnostics: archive.diagnostics.map((d) => genericToJson(d)),
    unknown: genericToJson(archive.unknown),
  }
}
