// The per-archive tables: `snapshots` (one row per archive: who, when, counts, counters, damage) and
// `capture_errors`. A few rows per archive, so they go through the appender row by row.
import type { Archive, ArchiveDamage } from '../reader/index.js'
import type { DuckDBModules } from './duckdb.js'
import type { SqlType } from './tables.js'

type Appender = Awaited<ReturnType<InstanceType<DuckDBModules['api']['DuckDBConnection']>['createAppender']>>

export interface LoadedArchive {
  readonly path: string
  readonly archive: Archive
  readonly damage: ArchiveDamage
}

type Value = number | bigint | string | boolean | undefined

interface RowColumn {
  readonly name: string
  readonly type: SqlType
  readonly get: (a: LoadedArchive, id: number) => Value
}

const FILETIME_EPOCH = 116444736000000000n

/** FILETIME ticks → µs since 1970, rounded down as the entry tables' are (0: never set → NULL). */
export const filetimeMicros = (ticks: bigint | undefined): bigint | undefined => {
  if (ticks === undefined || ticks === 0n) return undefined
  const d = ticks - FILETIME_EPOCH
  return d >= 0n ? d / 10n : -((-d + 9n) / 10n)
}
/** An ISO-8601 text → µs since 1970; undefined when it is not a time. */
const isoMicros = (text: string | undefined): bigint | undefined => {
  const ms = text === undefined ? NaN : Date.parse(text)
  return Number.isFinite(ms) ? BigInt(ms) * 1000n : undefined
}
const seconds = (ticks: bigint | undefined) => (ticks === undefined ? undefined : Number(ticks) / 1e7)
/** Entries read, or NULL when the section was not captured (absent is not zero). */
const entries = (section: string) => (a: LoadedArchive) => (Object.hasOwn(a.damage.sections, section) ? a.damage.sections[section]!.entriesRead : undefined)

/** HEADER `captureSet` (format 1.2, ARCHIVE.md §3.4): the archives one command wrote together. */
type CaptureSetView = { readonly id?: unknown; readonly kind?: unknown; readonly index?: unknown; readonly size?: unknown }
const setOf = (a: LoadedArchive): CaptureSetView | undefined => (a.archive.header as { captureSet?: CaptureSetView }).captureSet
const text = (v: unknown) => (typeof v === 'string' ? v : undefined)
const whole = (v: unknown) => (typeof v === 'number' ? v : undefined)

const PROCESS_U64 = ['privateUsage', 'workingSetSize', 'peakWorkingSetSize', 'virtualSize', 'peakVirtualSize', 'pagefileUsage', 'peakPagefileUsage'] as const
const COUNTERS = ['totalCycleCount', 'totalWallClockPeriod', 'vaCloneCycleCount', 'vaCloneWallClockPeriod', 'vaSpaceCycleCount', 'vaSpaceWallClockPeriod', 'auxPagesCycleCount', 'auxPagesWallClockPeriod', 'handlesCycleCount', 'handlesWallClockPeriod', 'threadsCycleCount', 'threadsWallClockPeriod'] as const

export const SNAPSHOT_COLUMNS: readonly RowColumn[] = [
  { name: 'snapshot_id', type: 'UINTEGER', get: (_a, id) => id },
  { name: 'path', type: 'VARCHAR', get: (a) => a.path },
  { name: 'formatVersion', type: 'VARCHAR', get: (a) => `${a.archive.version.major}.${a.archive.version.minor}` },
  { name: 'producerTool', type: 'VARCHAR', get: (a) => a.archive.header.producer.tool },
  { name: 'producerVersion', type: 'VARCHAR', get: (a) => a.archive.header.producer.version },
  { name: 'machineName', type: 'VARCHAR', get: (a) => a.archive.header.host.machineName },
  { name: 'platform', type: 'VARCHAR', get: (a) => a.archive.header.host.platform },
  { name: 'architecture', type: 'VARCHAR', get: (a) => a.archive.header.host.architecture },
  { name: 'osVersion', type: 'VARCHAR', get: (a) => a.archive.header.host.osVersion },
  { name: 'osBuild', type: 'VARCHAR', get: (a) => a.archive.header.host.osBuild },
  { name: 'processId', type: 'UINTEGER', get: (a) => a.archive.header.target.processId },
  { name: 'imagePath', type: 'VARCHAR', get: (a) => a.archive.header.target.imagePath ?? a.archive.header.processInformation?.imageFileName },
  { name: 'targetArchitecture', type: 'VARCHAR', get: (a) => a.archive.header.target.architecture },
  { name: 'startedAt', type: 'TIMESTAMP', get: (a) => isoMicros(a.archive.header.capture.startedAt) },
  { name: 'finishedAt', type: 'TIMESTAMP', get: (a) => isoMicros(a.archive.epilogue?.finishedAt) },
  { name: 'preset', type: 'VARCHAR', get: (a) => a.archive.header.capture.preset },
  { name: 'captureSetId', type: 'VARCHAR', get: (a) => text(setOf(a)?.id) },
  { name: 'captureSetKind', type: 'VARCHAR', get: (a) => text(setOf(a)?.kind) },
  { name: 'captureSetIndex', type: 'UINTEGER', get: (a) => whole(setOf(a)?.index) },
  { name: 'captureSetSize', type: 'UINTEGER', get: (a) => whole(setOf(a)?.size) },
  { name: 'captureFlags', type: 'UINTEGER', get: (a) => a.archive.header.capture.captureFlags },
  { name: 'threadContextFlags', type: 'UINTEGER', get: (a) => a.archive.header.capture.threadContextFlags },
  { name: 'byteLength', type: 'UBIGINT', get: (a) => BigInt(a.archive.byteLength) },
  { name: 'complete', type: 'BOOLEAN', get: (a) => a.damage.complete },
  { name: 'trailer', type: 'VARCHAR', get: (a) => a.damage.trailer },
  { name: 'chunksLost', type: 'UINTEGER', get: (a) => a.damage.chunksLost },
  { name: 'diagnosticErrors', type: 'UINTEGER', get: (a) => a.damage.diagnostics.errors },
  { name: 'diagnosticWarnings', type: 'UINTEGER', get: (a) => a.damage.diagnostics.warnings },
  { name: 'damage', type: 'VARCHAR', get: (a) => JSON.stringify(a.damage) },
  { name: 'handles', type: 'UINTEGER', get: entries('handles') },
  { name: 'threads', type: 'UINTEGER', get: entries('threads') },
  { name: 'regions', type: 'UINTEGER', get: entries('vaSpace') },
  { name: 'aux', type: 'UINTEGER', get: entries('auxiliaryPages') },
  { name: 'captureErrors', type: 'UINTEGER', get: (a) => a.archive.captureErrors.length },
  { name: 'parentProcessId', type: 'UINTEGER', get: (a) => a.archive.header.processInformation?.parentProcessId },
  { name: 'createTime', type: 'TIMESTAMP', get: (a) => filetimeMicros(a.archive.header.processInformation?.createTime) },
  { name: 'createTimeTicks', type: 'UBIGINT', get: (a) => a.archive.header.processInformation?.createTime },
  { name: 'kernelTime', type: 'DOUBLE', get: (a) => seconds(a.archive.header.processInformation?.kernelTime) },
  { name: 'userTime', type: 'DOUBLE', get: (a) => seconds(a.archive.header.processInformation?.userTime) },
  ...PROCESS_U64.map((k): RowColumn => ({ name: k, type: 'UBIGINT', get: (a) => a.archive.header.processInformation?.[k] })),
  { name: 'pageFaultCount', type: 'UINTEGER', get: (a) => a.archive.header.processInformation?.pageFaultCount },
  ...COUNTERS.map((k): RowColumn => ({ name: k, type: 'UBIGINT', get: (a) => a.archive.header.performanceCounters?.[k] })),
]

export const CAPTURE_ERROR_COLUMNS = [
  { name: 'snapshot_id', type: 'UINTEGER' },
  { name: 'section', type: 'VARCHAR' },
  { name: 'operation', type: 'VARCHAR' },
  { name: 'code', type: 'UBIGINT' },
  { name: 'name', type: 'VARCHAR' },
  { name: 'message', type: 'VARCHAR' },
] as const

export function appendValue(api: DuckDBModules['api'], appender: Appender, type: SqlType, value: Value): void {
  if (value === undefined) return appender.appendNull()
  switch (type) {
    case 'UINTEGER': return appender.appendUInteger(Number(value))
    case 'INTEGER': return appender.appendInteger(Number(value))
    case 'UBIGINT': return appender.appendUBigInt(BigInt(value))
    case 'BIGINT': return appender.appendBigInt(BigInt(value))
    case 'DOUBLE': return appender.appendDouble(Number(value))
    case 'BOOLEAN': return appender.appendBoolean(Boolean(value))
    case 'TIMESTAMP': return appender.appendTimestamp(new api.DuckDBTimestampValue(BigInt(value)))
    default: return appender.appendVarchar(String(value))
  }
}

export function appendSnapshot(api: DuckDBModules['api'], appender: Appender, a: LoadedArchive, id: number): void {
  for (const c of SNAPSHOT_COLUMNS) appendValue(api, appender, c.type, c.get(a, id))
  appender.endRow()
}

export function appendCaptureErrors(api: DuckDBModules['api'], appender: Appender, a: LoadedArchive, id: number): void {
  for (const e of a.archive.captureErrors) {
    const values: Value[] = [id, e.section, e.operation, BigInt(e.code), e.name, e.message]
    CAPTURE_ERROR_COLUMNS.forEach((c, i) => appendValue(api, appender, c.type, values[i]))
    appender.endRow()
  }
}
