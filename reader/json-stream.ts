// A JSON document whose long lists are rendered one item at a time: `pssnap diff --json` of 60k added
// handles held every entry as an object tree and then the whole pretty-printed text (a two-byte string
// when any name is not Latin-1) at once, 230 MB of peak RSS against a 168 MB budget. Here a list is an
// iterable, each item built, stringified and dropped in turn, and the text comes out in pieces that are
// exactly `JSON.stringify(materialized, null, 2)`. Platform-free.
import type { Json } from './json.js'

/** A list rendered item by item (each item built when reached, never kept). */
export class JsonList {
  constructor(readonly items: Iterable<LazyJson>) {}
}

export type LazyJson = Json | JsonList | LazyJson[] | { [key: string]: LazyJson }

/** The document with every list built: what `JSON.stringify` is given when nothing is streamed. */
export function materialize(value: LazyJson): Json {
  if (value instanceof JsonList) return Array.from(value.items, (item) => materialize(item))
  if (Array.isArray(value)) return value.map(materialize)
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {}
    for (const [k, v] of Object.entries(value)) {
      if (k === '__proto__') Object.defineProperty(out, k, { value: materialize(v), enumerable: true, writable: true, configurable: true })
      else out[k] = materialize(v)
    }
    return out
  }
  return value
}

/**
 * `JSON.stringify(materialize(value), null, 2)` in pieces. A subtree without a list is one piece (its own
 * JSON.stringify, re-indented: JSON strings never hold a raw newline, so every newline is indentation).
 */
export function* prettyJson(value: LazyJson, indent = ''): Generator<string> {
  if (!holdsList(value)) {
    const text = JSON.stringify(value, null, 2)
    yield indent ? text.replaceAll('\n', `\n${indent}`) : text
    return
  }
  const inner = `${indent}  `
  if (value instanceof JsonList || Array.isArray(value)) {
    let first = true
    for (const item of value instanceof JsonList ? value.items : value) {
      yield `${first ? '[' : ','}\n${inner}`
      first = false
      yield* prettyJson(item, inner)
    }
    yield first ? '[]' : `\n${indent}]`
    return
  }
  const entries = Object.entries(value as { [key: string]: LazyJson })
  if (entries.length === 0) {
    yield '{}'
    return
  }
  let first = true
  for (const [k, v] of entries) {
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(k)}: `
    first = false
    yield* prettyJson(v, inner)
  }
  yield `\n${indent}}`
}

function holdsList(value: LazyJson): boolean {
  if (value instanceof JsonList) return true
  if (value === null || typeof value !== 'object') return false
  // Only the document's skeleton is walked: its lists are the JsonLists, never entered here.
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (v !== null && typeof v === 'object' && holdsList(v)) return true
  return false
}
