// Seeded PRNG for the synthetic snapshot generator: mulberry32 (32-bit state, fast, good enough for test
// data), never Math.random, so the same seed always gives the same snapshot and the same archive bytes.

export class Rng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** An independent stream for one concern, so changing one section's size never shifts another's data. */
  static derive(seed: number, label: string): Rng {
    // FNV-1a of the label, mixed with the seed.
    let h = 0x811c9dc5 ^ (seed >>> 0)
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193)
    return new Rng(h >>> 0)
  }

  /** Uniform u32. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return (t ^ (t >>> 14)) >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296
  }

  /** Uniform integer in [min, max] (inclusive; both within ±2^53). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }

  /** Lower-case hex of `digits` random digits. */
  hex(digits: number): string {
    let s = ''
    while (s.length < digits) s += this.u32().toString(16).padStart(8, '0')
    return s.slice(0, digits)
  }

  /** A `{8-4-4-4-12}` GUID in upper case, as the registry and COM spell them. */
  guid(): string {
    const h = this.hex(32).toUpperCase()
    return `{${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}}`
  }

  /** Small counts with a long tail: 1 most of the time, sometimes a few more. */
  geometric(p: number, max: number): number {
    let n = 1
    while (n < max && this.next() > p) n++
    return n
  }
}

/** Picks from a fixed weighted table; weights need not sum to anything in particular. */
export class Weighted<T> {
  private readonly cumulative: number[] = []
  private readonly total: number
  constructor(private readonly items: readonly (readonly [T, number])[]) {
    let sum = 0
    for (const [, w] of items) this.cumulative.push((sum += w))
    this.total = sum
  }
  pick(rng: Rng): T {
    const x = rng.next() * this.total
    let i = 0
    while (i < this.cumulative.length - 1 && this.cumulative[i]! <= x) i++
    return this.items[i]![0]
  }
}
