// Counts per key (a handle type, an object name) over the points of a trend, kept sparse: each key holds
// only the points where it appears, so the work is linear in the (key, snapshot) pairs the archives hold,
// however many snapshots and unique names there are. Full per-point values are built only for the few
// series a report shows. Platform-free.

/** One key's counts at the points where it appears, ascending. */
export interface KeyedCounts {
  readonly key: string
  readonly at: readonly number[]
  readonly counts: readonly number[]
}

/** What a report needs to rank a key without its full values. */
export interface KeyedSummary extends KeyedCounts {
  /** Its count at the first and last comparable point (0 where absent); null when no point is comparable. */
  readonly first: number | null
  readonly last: number | null
  readonly net: number
  /** Not the same count at every comparable point. */
  readonly changed: boolean
  /** Never decreased from one comparable point to the next (absent counts 0), and grew overall. */
  readonly monotonic: boolean
}

/**
 * Per key, its counts from the per-point maps; `null` marks a point whose section is not comparable there
 * (the key has no value at that point, rather than 0).
 */
export function collectKeyed(maps: readonly (ReadonlyMap<string, number> | null)[]): KeyedSummary[] {
  const byKey = new Map<string, { at: number[]; counts: number[] }>()
  const comparable: number[] = []
  maps.forEach((m, i) => {
    if (!m) return
    comparable.push(i)
    for (const [key, n] of m) {
      let e = byKey.get(key)
      if (!e) byKey.set(key, (e = { at: [], counts: [] }))
      e.at.push(i)
      e.counts.push(n)
    }
  })
  const firstPoint = comparable[0]
  const lastPoint = comparable[comparable.length - 1]
  const out: KeyedSummary[] = []
  for (const [key, { at, counts }] of byKey) {
    const first = at[0] === firstPoint ? counts[0]! : 0
    const last = at[at.length - 1] === lastPoint ? counts[counts.length - 1]! : 0
    let equal = at.length === comparable.length
    let nonDecreasing = true
    // Present at a suffix of the comparable points (absent before counts 0, so appearing is a rise).
    const offset = comparable.length - at.length
    for (let j = 0; j < at.length; j++) {
      if (counts[j] !== counts[0]) equal = false
      if (j > 0 && counts[j]! < counts[j - 1]!) nonDecreasing = false
      if (at[j] !== comparable[offset + j]) nonDecreasing = false
    }
    const net = last - first
    out.push({ key, at, counts, first: firstPoint === undefined ? null : first, last: lastPoint === undefined ? null : last, net, changed: !equal, monotonic: nonDecreasing && net > 0 })
  }
  return out
}

/** Full per-point values of keys summed (one key, or every name of a pattern): null where not comparable. */
export function valuesOfKeys(keys: readonly KeyedCounts[], maps: readonly (ReadonlyMap<string, number> | null)[]): (number | null)[] {
  const values: (number | null)[] = maps.map((m) => (m ? 0 : null))
  for (const k of keys) for (let j = 0; j < k.at.length; j++) values[k.at[j]!] = (values[k.at[j]!] as number) + k.counts[j]!
  return values
}
