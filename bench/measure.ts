// Timing helpers: median of warm runs with a GC before each, so one slow run or leftover garbage does not
// decide a ratio.
export function gc(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

export async function median(runs: number, fn: () => unknown | Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    gc()
    const t = performance.now()
    await fn()
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

export interface Result {
  id: string
  what: string
  ours: number
  baseline: number
  unit: string
  target: number
}

export function ratioLine(r: Result): string {
  const ratio = r.ours / r.baseline
  const verdict = ratio <= r.target ? 'ok  ' : 'MISS'
  // An infinite target means "report the ratio": the issue names a ratio but no bound for it.
  const target = Number.isFinite(r.target) ? `target ≤ ${r.target}×` : 'no target, reported'
  return `${verdict} (${r.id}) ${r.what}: ${fmt(r.ours)} ${r.unit} vs ${fmt(r.baseline)} ${r.unit} = ${ratio.toFixed(3)}× (${target})`
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1)
}
