// An entry's JSON text written directly: exactly `JSON.stringify(entryToJson(section, entry, options))`
// (reader/json.ts, spec/JSON.md), without building the intermediate object first. The list verbs and
// export write one line per entry; for a million entries the object tree and its second walk by
// JSON.stringify were most of the time (threads --json of a 1M-entry chunk: ~3 s of ~4.7 s CPU).
// test/json-text.test.ts holds the two equal over the fixtures, the corpus and hostile fuzz cases.
// Platform-free.
import { contextArchitectureOf, decodeRegisters, type FieldKind, type FieldSpec } from '../format/index.js'
import { filetimeToIso, genericToJson, hexAddress, toBase64, type JsonOptions } from './json.js'
import { fieldSpecOf } from './section.js'

/** `JSON.stringify(entryToJson(section, entry, options))`. */
export function entryJsonText(section: string, entry: object, options: JsonOptions & { contextArchitecture?: string } = {}): string {
  let body = objectBody(section, '', entry as Record<string, unknown>, options)
  if (section === 'threads') {
    const context = (entry as { contextRecord?: Uint8Array }).contextRecord
    const regs = decodeRegisters(context, options.contextArchitecture)
    if (regs) {
      let registers = ''
      for (const [name, v] of Object.entries(regs)) registers += `${registers ? ',' : ''}${JSON.stringify(name)}:"${hexAddress(v)}"`
      // The layout the registers were decoded with: the context's own chunk's, else the caller's.
      const arch = contextArchitectureOf(context) ?? options.contextArchitecture ?? null
      body += `${body ? ',' : ''}"registers":{${registers}},"contextArchitecture":${JSON.stringify(arch)}`
    }
  }
  return `{${body}}`
}

/** The members of renderObject's output, as JSON text without the braces. */
function objectBody(section: string, prefix: string, obj: Record<string, unknown>, options: JsonOptions): string {
  let body = ''
  for (const k of Object.keys(obj)) {
    const v = obj[k]
    if (v === undefined) continue
    const path = prefix === '' ? k : prefix + k
    const { spec, key } = memberOf(section, path, k)
    const text = spec ? kindText(spec.kind, v, options) : v !== null && typeof v === 'object' && !(v instanceof Uint8Array) ? `{${objectBody(section, `${path}.`, v as Record<string, unknown>, options)}}` : genericText(v)
    body += body ? `,${key}:${text}` : `${key}:${text}`
  }
  return body
}

/** kindToJson's value as JSON text. */
function kindText(kind: FieldKind, value: unknown, options: JsonOptions): string {
  if (value === null) return 'null'
  switch (kind) {
    case 'addr':
      // hexAddress writes `0x`, hex digits and at most a sign: nothing JSON escapes.
      return typeof value === 'bigint' || typeof value === 'number' ? `"${hexAddress(value)}"` : JSON.stringify(String(value))
    case 'time': {
      const ticks = BigInt(value as bigint)
      const iso = filetimeToIso(ticks)
      return `{"iso":${iso === null ? 'null' : `"${iso}"`},"ticks":"${ticks}"}`
    }
    case 'dur': {
      const ticks = BigInt(value as bigint)
      return `{"seconds":${JSON.stringify(Number(ticks) / 1e7)},"ticks":"${ticks}"}`
    }
    case 'blob': {
      const bytes = value as Uint8Array
      return options.includeBlobs ? `{"length":${bytes.length},"base64":"${toBase64(bytes)}"}` : `{"length":${bytes.length}}`
    }
    default:
      return genericText(value)
  }
}

/** genericToJson's value as JSON text, the common scalars without building anything. */
function genericText(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return `"${value}"`
    case 'number':
      // What JSON.stringify writes for a number: its ToString when finite (-0 too: "0"), else null.
      return Number.isFinite(value) ? String(value) : 'null'
    case 'string':
      return stringText(value)
    case 'boolean':
      return value ? 'true' : 'false'
    default:
      return JSON.stringify(genericToJson(value))
  }
}

/** Strings quoted for JSON, remembered: a dictionary column repeats its few strings on every row. */
const quoted = new Map<string, string>()

function stringText(s: string): string {
  if (s.length > 256) return JSON.stringify(s)
  let t = quoted.get(s)
  if (t === undefined) {
    t = JSON.stringify(s)
    if (quoted.size < 4096) quoted.set(s, t)
  }
  return t
}

/** A member's field spec (by section and path) and its key as JSON text, each worked out once. */
interface Member {
  readonly spec: FieldSpec | undefined
  readonly key: string
}

const members = new Map<string, Map<string, Member>>()

function memberOf(section: string, path: string, key: string): Member {
  let bySection = members.get(section)
  if (bySection === undefined) members.set(section, (bySection = new Map()))
  let m = bySection.get(path)
  if (m === undefined) {
    m = { spec: fieldSpecOf(section, path), key: JSON.stringify(key) }
    // Paths are the row builder's own keys (known fields), a bounded set; stop remembering past it anyway.
    if (bySection.size < 4096) bySection.set(path, m)
  }
  return m
}
