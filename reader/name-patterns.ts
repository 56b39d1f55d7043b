// Object names grouped into patterns, so a summary scales: a leak of `/tmp/app/leak-1.log` … `leak-25.log`
// is one row `/tmp/app/leak-#.log ×25`, not 25. Digit runs and hex runs become `#`; names are compared in
// natural order (leak-2 before leak-10). Linear in the total length of the names. Platform-free.

/** The character that stands for a collapsed run of digits or hex digits. */
export const PATTERN_WILDCARD = '#'

/**
 * The pattern of a name: every alphanumeric token that is a number, or hex of 4+ characters holding a digit
 * (a GUID part, an address, a hash), becomes `#`; inside other tokens, digit runs become `#`
 * (`leak10` → `leak#`). `/proc/123/fd/7` → `/proc/#/fd/#`, `socket:[48213]` → `socket:[#]`.
 */
export function namePattern(name: string): string {
  return collapse(name, () => PATTERN_WILDCARD)
}

/**
 * `name` with its k-th collapsible run replaced by `replace(k, run)`. Tokens are runs of ASCII letters and
 * digits; a token of 4+ hex digits holding a digit is one run, else each digit run in it is. One scan,
 * no regular expression (a diff groups thousands of names).
 */
function collapse(name: string, replace: (k: number, run: string) => string): string {
  let out = ''
  let done = 0
  let k = 0
  const n = name.length
  let i = 0
  while (i < n) {
    if (!isAlnum(name.charCodeAt(i))) {
      i++
      continue
    }
    let end = i
    let digits = false
    let hex = true
    for (; end < n; end++) {
      const c = name.charCodeAt(end)
      if (isDigit(c)) digits = true
      else if (isAlpha(c)) hex &&= (c | 0x20) <= 0x66
      else break
    }
    if (digits && hex && end - i >= 4) {
      out += name.slice(done, i) + replace(k++, name.slice(i, end))
      done = end
    } else if (digits) {
      for (let p = i; p < end; ) {
        if (!isDigit(name.charCodeAt(p))) {
          p++
          continue
        }
        let q = p + 1
        while (q < end && isDigit(name.charCodeAt(q))) q++
        out += name.slice(done, p) + replace(k++, name.slice(p, q))
        done = q
        p = q
      }
    }
    i = end
  }
  return done === 0 ? name : out + name.slice(done)
}

const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
const isAlnum = (c: number) => isDigit(c) || isAlpha(c)

/** The runs a pattern collapses in `name`, in order. */
function runsOf(name: string): string[] {
  const runs: string[] = []
  collapse(name, (_, run) => (runs.push(run), run))
  return runs
}

/** Folder part of a name (up to its last `/` or `\`), '' when none. */
export function folderOf(name: string): string {
  const cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'))
  return cut < 0 ? '' : name.slice(0, cut + 1)
}

/** Extension of a name's last component (`.log`), '' when none. */
export function extensionOf(name: string): string {
  const base = name.slice(folderOf(name).length)
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(dot) : ''
}

/** Natural order: digit runs compare as numbers (`leak-2` < `leak-10`), the rest by code unit; null last. */
export function naturalCompare(x: string | null, y: string | null): number {
  if (x === y) return 0
  if (x === null) return 1
  if (y === null) return -1
  // Skip the common prefix (its digit runs are alike on both sides, so they compare equal), back to the start
  // of a digit run it ends in: that run is compared as a number below. Names in a diff share long folders.
  const n = Math.min(x.length, y.length)
  let i = 0
  while (i < n && x.charCodeAt(i) === y.charCodeAt(i)) i++
  while (i > 0 && isDigit(x.charCodeAt(i - 1))) i--
  let j = i
  while (i < x.length && j < y.length) {
    const a = x.charCodeAt(i)
    const b = y.charCodeAt(j)
    if (isDigit(a) && isDigit(b)) {
      const ei = digitsEnd(x, i)
      const ej = digitsEnd(y, j)
      // Compare without converting: strip leading zeros, then longer is larger, then by digits.
      const si = skipZeros(x, i, ei)
      const sj = skipZeros(y, j, ej)
      if (ei - si !== ej - sj) return ei - si < ej - sj ? -1 : 1
      for (let k = 0; k < ei - si; k++) {
        const d = x.charCodeAt(si + k) - y.charCodeAt(sj + k)
        if (d) return d < 0 ? -1 : 1
      }
      if (ei - i !== ej - j) return ei - i < ej - j ? -1 : 1
      i = ei
      j = ej
      continue
    }
    if (a !== b) return a < b ? -1 : 1
    i++
    j++
  }
  return x.length - i < y.length - j ? -1 : x.length - i > y.length - j ? 1 : 0
}

const isDigit = (c: number) => c >= 48 && c <= 57

function digitsEnd(s: string, i: number): number {
  while (i < s.length && isDigit(s.charCodeAt(i))) i++
  return i
}

function skipZeros(s: string, i: number, end: number): number {
  while (i < end - 1 && s.charCodeAt(i) === 48) i++
  return i
}

/** One pattern's names, with whatever the caller adds up for them. */
export interface PatternGroup<T> {
  /** The pattern; for a pattern holding one name, that name itself; null for the unnamed. */
  readonly pattern: string | null
  readonly folder: string
  readonly extension: string
  /** The names it holds, in natural order. */
  readonly names: readonly string[]
  readonly items: readonly T[]
}

/**
 * Groups items by the pattern of their name (null names form one group of their own, pattern null, listed
 * last). A group of one name is shown as that name. Groups in first-seen order; names inside naturally sorted.
 */
export function groupByPattern<T>(items: readonly T[], nameOf: (item: T) => string | null): PatternGroup<T>[] {
  const groups = new Map<string | null, { names: string[]; items: T[] }>()
  for (const item of items) {
    const name = nameOf(item)
    const key = name === null ? null : namePattern(name)
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { names: [], items: [] }))
    if (name !== null) g.names.push(name)
    g.items.push(item)
  }
  return [...groups].map(([key, g]) => {
    g.names.sort(naturalCompare)
    const pattern = key === null ? null : g.names.length === 1 ? g.names[0]! : shownPattern(g.names)
    const sample = g.names[0] ?? ''
    return { pattern, folder: folderOf(pattern ?? sample), extension: extensionOf(pattern ?? sample), names: g.names, items: g.items }
  })
}

/**
 * A group's pattern as shown: a run every name has alike stays literal (`HarddiskVolume3` in every name
 * keeps its 3), the others become `#`. Names of one pattern have the same number of runs.
 */
function shownPattern(names: readonly string[]): string {
  const fixed: (string | null)[] = runsOf(names[0]!)
  for (let i = 1; i < names.length; i++) {
    const runs = runsOf(names[i]!)
    for (let k = 0; k < fixed.length; k++) if (fixed[k] !== null && fixed[k] !== runs[k]) fixed[k] = null
  }
  return collapse(names[0]!, (k, run) => (fixed[k] === null ? PATTERN_WILDCARD : run))
}
