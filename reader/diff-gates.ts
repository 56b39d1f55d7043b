// CI gates over a diff: `--fail-on handles+100`, `handles.File+10`, `threads+5`, `private+50MB`,
// `regions+20`, `modules+1`. A gate is crossed when the metric grew by at least its amount (so `modules+1`
// fails on any new module, `handles+0` on any growth). Platform-free.
import type { ArchiveDiff, DiffSection } from './diff.js'
import { counterOf } from './diff.js'
import { formatSize } from './text.js'

export class GateError extends Error {
  override name = 'GateError'
  readonly code = 'BAD_GATE'
}

export interface Gate {
  /** The text it was parsed from. */
  readonly spec: string
  /** Counter name (`handles`, `privateUsage`, …); `handles.<type>` gates carry `typeName`. */
  readonly metric: string
  readonly typeName?: string
  readonly threshold: bigint
  readonly unit: 'count' | 'bytes'
}

export interface CrossedGate {
  readonly gate: Gate
  /** How much the metric grew (after − before). */
  readonly growth: bigint
  readonly before: bigint
  readonly after: bigint
  /** Names the gate and the crossing: `handles.File grew by 12 (30 → 42), limit +10`. */
  readonly message: string
}

/** Metric names a gate accepts → counter name and unit. */
const METRICS: Readonly<Record<string, readonly [string, 'count' | 'bytes']>> = {
  handles: ['handles', 'count'],
  threads: ['threads', 'count'],
  regions: ['regions', 'count'],
  modules: ['modules', 'count'],
  private: ['privateUsage', 'bytes'],
  privateusage: ['privateUsage', 'bytes'],
  committed: ['committed', 'bytes'],
  workingset: ['workingSetSize', 'bytes'],
  workingsetsize: ['workingSetSize', 'bytes'],
  virtual: ['virtualSize', 'bytes'],
  virtualsize: ['virtualSize', 'bytes'],
  pagefile: ['pagefileUsage', 'bytes'],
  pagefileusage: ['pagefileUsage', 'bytes'],
}

// 1024-based, as the query language reads sizes.
const UNITS: Readonly<Record<string, bigint>> = { b: 1n, kb: 1n << 10n, kib: 1n << 10n, mb: 1n << 20n, mib: 1n << 20n, gb: 1n << 30n, gib: 1n << 30n, tb: 1n << 40n, tib: 1n << 40n }

const GATE = /^([A-Za-z]+)(?:\.(.+?))?\s*\+\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/

/** Parses gates; several may be given at once, comma-separated. Throws GateError naming what is wrong. */
export function parseFailOn(spec: string | readonly string[]): Gate[] {
  const parts = (typeof spec === 'string' ? [spec] : spec).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)
  return parts.map(parseGate)
}

function parseGate(text: string): Gate {
  const m = GATE.exec(text)
  const usage = 'write METRIC+AMOUNT: handles+100, handles.File+10, threads+5, private+50MB, committed+1GB, regions+20, modules+1'
  if (!m) throw new GateError(`bad --fail-on gate '${text}': ${usage}`)
  const [, rawMetric, typeName, amount, rawUnit] = m as unknown as [string, string, string | undefined, string, string]
  const known = Object.hasOwn(METRICS, rawMetric.toLowerCase()) ? METRICS[rawMetric.toLowerCase()] : undefined
  if (!known) throw new GateError(`unknown metric '${rawMetric}' in --fail-on gate '${text}': use ${Object.keys(METRICS).filter((k) => !k.endsWith('usage') && !k.endsWith('size')).join(', ')}`)
  const [metric, unit] = known
  if (typeName !== undefined && metric !== 'handles') throw new GateError(`'${rawMetric}.${typeName}' in --fail-on gate '${text}': only handles take a type (handles.File+10)`)
  let threshold: bigint
  if (unit === 'bytes') {
    const unitKey = (rawUnit || 'b').toLowerCase()
    const scale = Object.hasOwn(UNITS, unitKey) ? UNITS[unitKey] : undefined
    if (scale === undefined) throw new GateError(`unknown size unit '${rawUnit}' in --fail-on gate '${text}': use B, KB, MB, GB, TB (1024-based)`)
    threshold = decimalTimes(amount, scale)
  } else {
    if (rawUnit) throw new GateError(`'${rawMetric}' counts entries: '${rawUnit}' is not allowed in --fail-on gate '${text}'`)
    if (amount.includes('.')) throw new GateError(`'${rawMetric}' counts entries: use a whole number in --fail-on gate '${text}'`)
    threshold = BigInt(amount)
  }
  return { spec: text, metric, ...(typeName !== undefined ? { typeName } : {}), threshold, unit }
}

/** `1.5` × 2^20 exactly, rounded up to the byte. */
function decimalTimes(amount: string, scale: bigint): bigint {
  const [whole, frac = ''] = amount.split('.')
  const den = 10n ** BigInt(frac.length)
  return (BigInt(whole! + frac) * scale + den - 1n) / den
}

const show = (unit: Gate['unit'], v: bigint) => (unit === 'bytes' ? formatSize(v) : String(v))

/** A gate that could not be checked: its metric has no value on a side (damaged or not captured). */
export interface UncheckedGate {
  readonly gate: Gate
  /** Names the gate and why: `handles not comparable: damaged in the later snapshot (…) (--fail-on handles+10)`. */
  readonly message: string
}

/** Which section (or header group) a gate's metric comes from. */
function sectionOfMetric(metric: string): DiffSection | undefined {
  if (metric === 'handles') return 'handles'
  if (metric === 'threads') return 'threads'
  if (metric === 'regions' || metric === 'modules' || metric === 'committed') return 'vaSpace'
  return undefined
}

/**
 * Gates whose metric the diff cannot compare: its section is damaged or not captured on a side, or the
 * counter is absent on a side. Such a gate neither passes nor is crossed; `pssnap diff` exits 4 for it.
 */
export function uncheckedGates(diff: ArchiveDiff, gates: readonly Gate[]): UncheckedGate[] {
  const out: UncheckedGate[] = []
  for (const gate of gates) {
    const section = sectionOfMetric(gate.metric)
    const blocked = section && diff.notComparable.find((x) => x.section === section)
    if (blocked) {
      out.push({ gate, message: `${blocked.message} (--fail-on ${gate.spec})` })
      continue
    }
    if (gate.typeName !== undefined) continue
    const c = counterOf(diff, gate.metric)
    if (c?.before === undefined || c.after === undefined) {
      const why = (a: string | undefined, which: string) => (a ? `${a === 'damaged' ? 'damaged' : 'not captured'} in the ${which} snapshot` : undefined)
      const reasons = [why(c?.beforeAbsent ?? (c?.before === undefined ? 'not-captured' : undefined), 'earlier'), why(c?.afterAbsent ?? (c?.after === undefined ? 'not-captured' : undefined), 'later')].filter(Boolean)
      out.push({ gate, message: `${gate.metric} not comparable: ${reasons.join(', ')} (--fail-on ${gate.spec})` })
    }
  }
  return out
}

/** The gates the diff crosses, in the order given. A gate over a metric not comparable crosses nothing (see uncheckedGates). */
export function checkFailOn(diff: ArchiveDiff, gates: readonly Gate[]): CrossedGate[] {
  const out: CrossedGate[] = []
  for (const gate of gates) {
    let before: bigint | undefined
    let after: bigint | undefined
    let label = gate.metric
    if (gate.typeName !== undefined) {
      // Type names compare ignoring case: `handles.file` means File.
      const lower = gate.typeName.toLowerCase()
      const hits = diff.summary.byType.filter((t) => t.typeName.toLowerCase() === lower)
      before = BigInt(hits.reduce((n, t) => n + t.before, 0))
      after = BigInt(hits.reduce((n, t) => n + t.after, 0))
      label = `handles.${hits[0]?.typeName ?? gate.typeName}`
    } else {
      const c = counterOf(diff, gate.metric)
      before = c?.before
      after = c?.after
      if (gate.metric === 'privateUsage') label = 'private'
    }
    if (before === undefined || after === undefined) continue
    const growth = after - before
    // Growth only: `handles+0` means any growth, never an unchanged count.
    if (growth > 0n && growth >= gate.threshold) {
      out.push({ gate, growth, before, after, message: `${label} grew by ${show(gate.unit, growth)} (${show(gate.unit, before)} → ${show(gate.unit, after)}), limit +${show(gate.unit, gate.threshold)} (--fail-on ${gate.spec})` })
    }
  }
  return out
}
