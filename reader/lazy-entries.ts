// A read-only array of a section's entries at given indices, built only when read: the diff lists what was
// added and removed, and a table shows 20 of them or JSON a --limit, so a million added regions cost a
// million indices, not a million row objects. It is a real Array to its callers (Array.isArray, length,
// indexing, iteration, map, slice, JSON.stringify), through one Proxy per list. Platform-free.
import type { Section } from './section.js'

function indexOf(prop: string | symbol, length: number): number | undefined {
  if (typeof prop !== 'string' || prop === '' || prop.length > 10) return undefined
  const k = Number(prop)
  return Number.isInteger(k) && k >= 0 && k < length && String(k) === prop ? k : undefined
}

/** Entries `indices` of `section`, each built from the columns when read (never cached: callers keep what they need). */
export function lazyEntries<T extends object>(section: Section<T>, indices: readonly number[]): readonly T[] {
  const n = indices.length
  // A holey array of the right length: Array.isArray holds and the prototype's methods apply.
  const target: T[] = new Array<T>(n)
  const at = (k: number) => section.get(indices[k]!)!
  return new Proxy(target, {
    get(t, prop, receiver) {
      const k = indexOf(prop, n)
      return k === undefined ? Reflect.get(t, prop, receiver) : at(k)
    },
    has(t, prop) {
      return indexOf(prop, n) !== undefined || Reflect.has(t, prop)
    },
    getOwnPropertyDescriptor(t, prop) {
      const k = indexOf(prop, n)
      return k === undefined ? Reflect.getOwnPropertyDescriptor(t, prop) : { value: at(k), writable: false, enumerable: true, configurable: true }
    },
    ownKeys(t) {
      const keys: (string | symbol)[] = []
      for (let k = 0; k < n; k++) keys.push(String(k))
      return [...keys, ...Reflect.ownKeys(t)]
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  })
}
