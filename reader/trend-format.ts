// Figures of a trend for people: rounded to what the data supports, byte figures of one sentence or table in
// one unit, rates per the largest time unit the series actually spans (a 3-minute series gets "per minute",
// never "per hour"). Platform-free.

export type RateUnitName = 'second' | 'minute' | 'hour' | 'day'

export interface RateUnit {
  readonly name: RateUnitName
  readonly seconds: number
}

const RATE_UNITS: readonly RateUnit[] = [
  { name: 'day', seconds: 86_400 },
  { name: 'hour', seconds: 3_600 },
  { name: 'minute', seconds: 60 },
  { name: 'second', seconds: 1 },
]

/** The largest time unit no longer than the span observed (at least the second). */
export function rateUnitFor(spanSeconds: number): RateUnit {
  return RATE_UNITS.find((u) => spanSeconds >= u.seconds) ?? RATE_UNITS[RATE_UNITS.length - 1]!
}

/** Three significant digits, no exponent, thousands separated: 9475.61 → "9,480", 0.04213 → "0.0421". */
export function roundForPeople(x: number): string {
  if (!Number.isFinite(x)) return String(x)
  if (x === 0) return '0'
  const abs = Math.abs(x)
  const magnitude = Math.floor(Math.log10(abs))
  const decimals = Math.min(20, Math.max(0, 2 - magnitude))
  const step = 10 ** Math.max(0, magnitude - 2)
  const text = decimals > 0 ? abs.toFixed(decimals).replace(/\.?0+$/, '') : String(Math.round(abs / step) * step)
  const [whole, frac] = text.split('.')
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${x < 0 ? '−' : ''}${grouped}${frac ? `.${frac}` : ''}`
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const

export interface ByteScale {
  readonly unit: (typeof BYTE_UNITS)[number]
  readonly divisor: number
}

/** The binary unit in which the largest of `values` reads between 1 and 1024. */
export function byteScaleFor(values: readonly number[]): ByteScale {
  const max = values.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0)
  let k = 0
  while (k < BYTE_UNITS.length - 1 && max >= 1024 ** (k + 1)) k++
  return { unit: BYTE_UNITS[k]!, divisor: 1024 ** k }
}

export type QuantityUnit = 'count' | 'bytes'

/** A quantity: counts rounded for people, bytes in `scale` (default: its own) with the unit named. */
export function formatQuantity(unit: QuantityUnit, value: number, scale?: ByteScale): string {
  if (unit === 'count') return Number.isInteger(value) ? groupDigits(value) : roundForPeople(value)
  const s = scale ?? byteScaleFor([value])
  return `${roundForPeople(value / s.divisor)} ${s.unit}`
}

/** As formatQuantity, with a sign: `+35`, `−1.2 MiB`, `0`. */
export function formatSigned(unit: QuantityUnit, value: number, scale?: ByteScale): string {
  const text = formatQuantity(unit, Math.abs(value), scale)
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : text
}

/** A rate given per second, in `rate`'s unit: `+1.02 per second`, `+9.1 MiB per minute`. */
export function formatRate(unit: QuantityUnit, perSecond: number, rate: RateUnit, scale?: ByteScale): string {
  const v = perSecond * rate.seconds
  const text = unit === 'count' ? roundForPeople(Math.abs(v)) : formatQuantity('bytes', Math.abs(v), scale)
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${text} per ${rate.name}`
}

/** A range of rates given per second, one unit for both ends: `+0.93 to +1.1 per second`, `−2 to +12 MiB per minute`. */
export function formatRateRange(unit: QuantityUnit, low: number, high: number, rate: RateUnit, scale?: ByteScale): string {
  const s = unit === 'bytes' ? (scale ?? byteScaleFor([low * rate.seconds, high * rate.seconds])) : undefined
  const end = (perSecond: number) => {
    const v = (perSecond * rate.seconds) / (s?.divisor ?? 1)
    return `${v > 0 ? '+' : v < 0 ? '−' : ''}${roundForPeople(Math.abs(v))}`
  }
  return `${end(low)} to ${end(high)}${s ? ` ${s.unit}` : ''} per ${rate.name}`
}

/** `3.0 s`, `35 s`, `3.5 min`, `2.0 h`, `3.2 days`. */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`
  if (seconds < 120) return `${Math.round(seconds)} s`
  if (seconds < 7_200) return `${roundForPeople(seconds / 60)} min`
  if (seconds < 172_800) return `${roundForPeople(seconds / 3_600)} h`
  return `${roundForPeople(seconds / 86_400)} days`
}

/** `p < 0.0001`, `p = 0.012`, `p = 0.25`. */
export function formatP(p: number): string {
  if (p < 0.0001) return 'p < 0.0001'
  return `p = ${Number(p.toPrecision(2))}`
}

function groupDigits(n: number): string {
  const s = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return n < 0 ? `−${s}` : s
}
