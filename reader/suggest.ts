// "Did you mean …?": the known names closest to a misspelt one (a field, a section, a command, an option).
// Platform-free. Bounded work: names are cut to MAX_COMPARED code units before comparing, so a hostile
// 1 MiB name costs no more than a short one.

/** Longest prefix of a name compared; beyond it nobody is misspelling a field name. */
const MAX_COMPARED = 64

/** Edit distance (insert, delete, substitute, swap of two neighbours), ignoring case. */
export function editDistance(a: string, b: string): number {
  const s = a.slice(0, MAX_COMPARED).toLowerCase()
  const t = b.slice(0, MAX_COMPARED).toLowerCase()
  // Three rows of the optimal-string-alignment table.
  let prev2 = new Array<number>(t.length + 1).fill(0)
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j)
  for (let i = 1; i <= s.length; i++) {
    const row = new Array<number>(t.length + 1)
    row[0] = i
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, prev2[j - 2]! + 1)
      row[j] = d
    }
    prev2 = prev
    prev = row
  }
  return prev[t.length]!
}

/**
 * The candidates a misspelt `name` most likely meant, best first (at most `max`): within an edit distance of
 * about a third of the name's length, or containing it (`count` → `handleCount`), or sharing most of its start
 * (`threads` → `threadCount`).
 */
export function suggest(name: string, candidates: readonly string[], max = 3): string[] {
  const lower = name.toLowerCase()
  if (!lower) return []
  const limit = Math.max(1, Math.floor(Math.min(lower.length, MAX_COMPARED) / 3))
  const scored: { c: string; d: number }[] = []
  for (const c of candidates) {
    const last = c.slice(c.lastIndexOf('.') + 1)
    const d = Math.min(editDistance(lower, c), editDistance(lower, last))
    if (d <= limit) scored.push({ c, d })
    else if (lower.length >= 3 && c.toLowerCase().includes(lower)) scored.push({ c, d: limit + 1 })
    else if (commonPrefix(lower, last.toLowerCase()) >= Math.max(4, Math.ceil(lower.length * 0.6))) scored.push({ c, d: limit + 2 }) // threads → threadCount
  }
  scored.sort((x, y) => x.d - y.d || x.c.length - y.c.length)
  return [...new Set(scored.map((x) => x.c))].slice(0, max)
}

function commonPrefix(a: string, b: string): number {
  let n = 0
  while (n < a.length && n < b.length && n < MAX_COMPARED && a[n] === b[n]) n++
  return n
}
