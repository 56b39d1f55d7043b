// Matching the later snapshot's entries to the earlier one's by a primary key (handle value, thread id, base
// address), read from the key's column in place. Linear in the entries (n·log n when the earlier archive's
// keys are out of order), whatever the keys: a run of equal keys (a reused thread id, a hostile archive
// with 60k handles of one value) is indexed once by the entries' secondary identity, never rescanned.
// Platform-free.
import { ChunkCursor, chunkColumns, hiAt, loAt, unsignedLess, type IntColumn } from './column-views.js'
import type { Section } from './section.js'

interface KeyChunk {
  readonly start: number
  readonly count: number
  readonly key: IntColumn
}

/** A run of equal keys, in sorted positions [start, end): who is still unmatched, by secondary identity. */
interface Run {
  readonly end: number
  /** Without a secondary identity: the first position not yet handed out (the run is matched in order). */
  next: number
  /** With one: positions by identity, each list consumed from its head. */
  byIdentity?: Map<string, { readonly positions: number[]; head: number }>
}

/**
 * The earlier snapshot's entries by key, each matched at most once. Lookups are binary searches over the
 * key's 32-bit halves in ascending order, starting from where the last match was: archives list handles and
 * regions by ascending key, so a lookup is usually one comparison, and neither a Map of a million entries
 * nor a copy of the keys is built. Only an archive whose keys are out of order gets a sorted permutation.
 * An entry whose key is unique is accepted by `same`; within a run of equal keys, an entry is matched by its
 * secondary identity (`earlierIdentity`, which must agree with `same`), so both paths match the same pairs.
 * An absent key never matches.
 */
export class Matcher {
  private readonly matched: Uint8Array
  /** Indices in key order; undefined when the archive order already is. */
  private readonly order: Uint32Array | undefined
  private readonly cursor: ChunkCursor<KeyChunk>
  private readonly runs = new Map<number, Run>()
  private hint = 0
  /** Key of the last match (none yet: hi -2, which no key has). */
  private lastHi = -2
  private lastLo = 0
  /** Start of the run of equal keys the last match came from; -1 when its key was unique. */
  private lastRun = -1
  /** Key comparisons and identity lookups so far: bounded work, checked by the tests. */
  operations = 0

  constructor(
    section: Section<object>,
    field: string,
    private readonly earlierIdentity?: (index: number) => string,
  ) {
    const chunks = chunkColumns(section, [field], []).map((c) => ({ start: c.start, count: c.count, key: c.int[field]! }))
    this.cursor = new ChunkCursor(chunks)
    const n = section.length
    this.matched = new Uint8Array(n)
    let ascending = true
    let ph = -1
    let pl = 0
    for (const { count, key } of chunks) {
      for (let o = 0; o < count && ascending; o++) {
        const h = hiAt(key, o)
        const l = loAt(key, o)
        if (h < ph || (h === ph && unsignedLess(l, pl))) ascending = false
        ph = h
        pl = l
      }
    }
    if (!ascending) {
      const his = new Float64Array(n)
      const los = new Float64Array(n)
      for (const { start, count, key } of chunks) {
        for (let o = 0; o < count; o++) {
          his[start + o] = hiAt(key, o)
          los[start + o] = loAt(key, o) >>> 0
        }
      }
      const order = new Uint32Array(n)
      for (let i = 0; i < n; i++) order[i] = i
      // Absent keys (hi -1) first, where no search lands; equal keys in archive order.
      order.sort((x, y) => his[x]! - his[y]! || los[x]! - los[y]! || x - y)
      this.order = order
    }
  }

  /**
   * The earlier entry matching key (hi, lo), now matched; -1 when none (hi -1: no key). `same(i)` decides for
   * a unique key; `laterIdentity()` (the later entry's secondary identity) within a run of equal keys.
   */
  take(hi: number, lo: number, same?: (i: number) => boolean, laterIdentity?: () => string): number {
    if (hi < 0) return -1
    const n = this.matched.length
    const again = hi === this.lastHi && lo === this.lastLo
    let s = again && this.lastRun >= 0 ? this.lastRun : this.hint
    // The hint (just after the last match) is right when it holds the key and is the first of its run: the
    // entry before it is the last match, so that is when the last match had another key. The same key again
    // is the run matched last time, whose start is known.
    if (!(again && this.lastRun >= 0) && !(s < n && !again && this.compare(s, hi, lo) === 0)) {
      let low = 0
      let high = n
      while (low < high) {
        const mid = (low + high) >>> 1
        if (this.compare(mid, hi, lo) < 0) low = mid + 1
        else high = mid
      }
      s = low
      if (s >= n || this.compare(s, hi, lo) !== 0) return -1
    }
    const single = s + 1 >= n || this.compare(s + 1, hi, lo) !== 0
    let pos = -1
    if (single) {
      const i = this.indexAt(s)
      if (!this.matched[i] && (!same || same(i))) pos = s
    } else pos = this.takeFromRun(s, hi, lo, laterIdentity)
    if (pos < 0) return -1
    const i = this.indexAt(pos)
    this.matched[i] = 1
    this.hint = s + 1
    this.lastRun = single ? -1 : s
    this.lastHi = hi
    this.lastLo = lo
    return i
  }

  private takeFromRun(start: number, hi: number, lo: number, laterIdentity: (() => string) | undefined): number {
    let run = this.runs.get(start)
    if (!run) {
      // Found once per run, by galloping then bisecting: O(log length) comparisons.
      let step = 1
      let low = start + 1
      while (low + step < this.matched.length && this.compare(low + step, hi, lo) === 0) {
        low += step
        step *= 2
      }
      let high = Math.min(low + step, this.matched.length)
      while (low < high) {
        const mid = (low + high) >>> 1
        if (this.compare(mid, hi, lo) === 0) low = mid + 1
        else high = mid
      }
      run = { end: low, next: start }
      if (this.earlierIdentity) {
        const byIdentity = new Map<string, { positions: number[]; head: number }>()
        for (let p = start; p < run.end; p++) {
          this.operations++
          const id = this.earlierIdentity(this.indexAt(p))
          const list = byIdentity.get(id)
          if (list) list.positions.push(p)
          else byIdentity.set(id, { positions: [p], head: 0 })
        }
        run.byIdentity = byIdentity
      }
      this.runs.set(start, run)
    }
    this.operations++
    if (!run.byIdentity) return run.next < run.end ? run.next++ : -1
    const list = laterIdentity ? run.byIdentity.get(laterIdentity()) : undefined
    return list && list.head < list.positions.length ? list.positions[list.head++]! : -1
  }

  private indexAt(s: number): number {
    return this.order === undefined ? s : this.order[s]!
  }

  /** Sign of (key at sorted position s) − (hi, lo). */
  private compare(s: number, hi: number, lo: number): number {
    this.operations++
    const i = this.indexAt(s)
    const c = this.cursor.at(i)
    const h = hiAt(c.key, i - c.start)
    if (h !== hi) return h < hi ? -1 : 1
    const l = loAt(c.key, i - c.start)
    return l === lo ? 0 : unsignedLess(l, lo) ? -1 : 1
  }

  /** Indices never matched, ascending (archive order). */
  unmatched(): number[] {
    const out: number[] = []
    for (let i = 0; i < this.matched.length; i++) if (!this.matched[i]) out.push(i)
    return out
  }
}
