// `npm run bench -- trend-stats`: how a trend's statistics scale with the number of snapshots (issue 18: no
// quadratic step). One series of n points (a slow leak under noise, ties in values, a few equal times) is
// assessed (Mann–Kendall, Theil–Sen with its interval, the shape and its plateau test) at n = 1k, 10k and
// 100k; the time per 10× more points should be about 10–15× (n log n), not 100×. For scale, the O(n²)
// definitions (every pair visited, every slope sorted) run in the same process at 1k and 4k. Then the whole
// of trendArchives (sorting by time, counting, keyed series, every assessment, the verdict) over 200, 2,000
// and 20,000 small synthetic archives (20 handles, 12 regions, 2 threads: the same size each, so the input
// grows linearly; private bytes grow by 4 KiB a snapshot under noise), opened beforehand.
import { decodeArchive, type Archive } from '../reader/archive.js'
import { trendArchives } from '../reader/trend.js'
import { assessSeries, normalQuantile } from '../reader/trend-stats.js'
import { later } from '../test/helpers/snapshot-pair.js'
import { generateSnapshot, snapshotBytes } from '../test/synthetic/generate.js'
import { median } from './measure.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const T0 = 1_764_700_000_000

/** A slow leak under noise: about +1 per 10 points, noise ±50, every 97th time repeated. */
function series(n: number): { t: number[]; v: number[] } {
  let s = 12345
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32)
  const t = Array.from({ length: n }, (_, i) => T0 + (i - (i % 97 === 1 ? 1 : 0)) * 60_000)
  const v = t.map((_, i) => 5000 + Math.floor(i / 10) + Math.floor(rnd() * 100) - 50)
  return { t, v }
}

/** Mann–Kendall's S and Theil–Sen's median and bounds by their definitions: O(n²) time, n²/2 slopes held. */
function quadratic(t: readonly number[], v: readonly number[]): number {
  let s = 0
  const slopes: number[] = []
  for (let i = 0; i < v.length; i++) {
    for (let j = i + 1; j < v.length; j++) {
      s += Math.sign(t[j]! - t[i]!) * Math.sign(v[j]! - v[i]!)
      if (t[j] !== t[i]) slopes.push(((v[j]! - v[i]!) / (t[j]! - t[i]!)) * 1000)
    }
  }
  slopes.sort((a, b) => a - b)
  const c = normalQuantile(0.975) * Math.sqrt((v.length * (v.length - 1) * (2 * v.length + 5)) / 18)
  return s + slopes[slopes.length >> 1]! + slopes[Math.max(0, Math.floor((slopes.length - c) / 2))]! + slopes[Math.min(slopes.length - 1, Math.ceil((slopes.length + c) / 2))]!
}

console.log(`pssnap bench trend-stats — Node ${process.version}, median of ${RUNS} warm runs (100k: of ${Math.min(RUNS, 3)})`)
const warm = series(2000)
assessSeries(warm.t, warm.v) // the JIT has seen every path
const times = new Map<number, number>()
for (const n of [1000, 10_000, 100_000]) {
  const { t, v } = series(n)
  let pattern = ''
  const ms = await median(n >= 100_000 ? Math.min(RUNS, 3) : RUNS, () => {
    pattern = assessSeries(t, v).pattern
  })
  times.set(n, ms)
  const prev = times.get(n / 10)
  const step = prev === undefined ? '' : `; ×${(ms / prev).toFixed(1)} for 10× the points (${ms / prev <= 15 ? 'ok' : 'MISS'}: n log n gives ≈ 10–15×)`
  console.log(`assessSeries, n = ${n.toLocaleString('en')} (${((n * (n - 1)) / 2).toExponential(1)} pairs): ${ms.toFixed(1)} ms, ${pattern}${step}`)
}
for (const n of [1000, 4000]) {
  const { t, v } = series(n)
  const ms = await median(n >= 4000 ? 1 : RUNS, () => quadratic(t, v))
  console.log(`O(n²) definitions, n = ${n.toLocaleString('en')}: ${ms.toFixed(1)} ms${n === 1000 ? ` (assessSeries: ${times.get(1000)!.toFixed(1)} ms)` : ''}`)
}

const first = generateSnapshot({ seed: 3, handles: 20, regions: 12, threads: 2, contextRatio: 0 })
const archives: Archive[] = []
const whole = new Map<number, number>()
for (const n of [200, 2000, 20_000]) {
  // A minute apart, given in reverse order; a handle now and then changes type name (two series move).
  while (archives.length < n) {
    const i = archives.length
    const s = later(first, i / 60)
    const p = s.header.processInformation!
    p.privateUsage = BigInt(p.privateUsage!) + BigInt(i * 4096 + ((i * 7919) % 64) * 65536)
    if (i % 3 === 0) s.sections.handles[i % 20]!.typeName = 'Event'
    archives.push(await decodeArchive(await snapshotBytes(s)))
  }
  const inputs = archives.slice(0, n).reverse()
  let verdict = ''
  const ms = await median(n >= 20_000 ? 1 : Math.min(RUNS, 3), () => {
    verdict = trendArchives(inputs).verdict.verdict
  })
  whole.set(n, ms)
  const prev = whole.get(n / 10)
  const step = prev === undefined ? '' : `; ×${(ms / prev).toFixed(1)} for 10× the archives (${ms / prev <= 15 ? 'ok' : 'MISS'}: n log n gives ≈ 10–15×)`
  console.log(`trendArchives, ${n.toLocaleString('en')} archives: ${ms.toFixed(1)} ms, ${verdict}${step}`)
}
