// fast-check arbitraries for archive content: entries of every section with any subset of their fields,
// full-range integers (u64 above 2^63 included), any Unicode (lone surrogates included), blobs.
import fc from 'fast-check'
import { SECTIONS, type DType, type FieldSpec, type SectionName } from '../../format/index.js'

export const U64_MAX = (1n << 64n) - 1n

const edgeBigU64 = fc.constantFrom(0n, 1n, 0xffff_ffffn, 1n << 53n, (1n << 63n) - 1n, 1n << 63n, U64_MAX)
const edgeBigI64 = fc.constantFrom(0n, -1n, -(1n << 63n), (1n << 63n) - 1n, -(1n << 53n))

/** Strings as PSS gives them: anything, including empty, astral, and lone surrogates (stored as U+FFFD). */
export const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('', 'Événement', '日本語', 'Ünïcödé', '\\Device\\HarddiskVolume3\\x', '\ud800', 'a\udc00b', '😀\ud83d'),
)

/** What a string reads back as: unpaired surrogates become U+FFFD (spec §1, the only lossy step). */
export function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}

function valueOf(dtype: DType): fc.Arbitrary<unknown> {
  switch (dtype) {
    case 'u8':
      return fc.integer({ min: 0, max: 0xff })
    case 'u16':
      return fc.integer({ min: 0, max: 0xffff })
    case 'u32':
      return fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.constantFrom(0, 0xffff_ffff))
    case 'i32':
      return fc.oneof(fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), fc.constantFrom(-0x8000_0000, 0x7fff_ffff))
    case 'u64':
      return fc.oneof(fc.bigInt({ min: 0n, max: U64_MAX }), edgeBigU64)
    case 'i64':
      return fc.oneof(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), edgeBigI64)
    case 'str':
      // Absent (undefined) is a value of a str column too.
      return fc.option(anyString, { nil: undefined, freq: 4 })
    case 'bytes':
      // Empty means absent (spec §5.3), so present blobs have at least one byte.
      return fc.option(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.uint8Array({ minLength: 1232, maxLength: 1232 })), { nil: undefined, freq: 3 })
  }
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.')
  let o = target
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>
  o[parts[parts.length - 1]!] = value
}

/** Entries of one section sharing one subset of fields (a chunk stores a field for all or none of them). */
export function sectionEntries(section: SectionName, maxLength = 30): fc.Arbitrary<Record<string, unknown>[]> {
  const layout = SECTIONS[section]
  const fields = Object.entries(layout.columns as Record<string, FieldSpec>)
  const groups = Object.entries(layout.sparse as Record<string, Record<string, FieldSpec>>)
  return fc
    .record({ present: fc.subarray(fields.map(([name]) => name)), withSparse: fc.boolean() })
    .chain(({ present, withSparse }) => {
      const chosen = fields.filter(([name]) => present.includes(name))
      const entry = fc
        .tuple(
          fc.tuple(...chosen.map(([, spec]) => valueOf(spec.dtype))),
          withSparse && groups.length > 0 ? fc.option(fc.nat({ max: groups.length - 1 }), { nil: undefined }) : fc.constant(undefined),
          fc.tuple(...groups.map(([, group]) => fc.tuple(...Object.values(group).map((spec) => valueOf(spec.dtype))))),
        )
        .map(([values, member, groupValues]) => {
          const e: Record<string, unknown> = {}
          chosen.forEach(([name], i) => {
            if (values[i] !== undefined) setPath(e, name, values[i])
          })
          if (member !== undefined) {
            const [name, group] = groups[member]!
            const memberValue: Record<string, unknown> = {}
            Object.keys(group).forEach((k, i) => (memberValue[k] = groupValues[member]![i]))
            setPath(e, name, memberValue)
          }
          return e
        })
      return fc.array(entry, { maxLength })
    })
}

/** What an entry reads back as: strings made well-formed (nothing else changes). */
export function readBack(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value)
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readBack(v)]))
}
