// The small tables of the Parquet export (snapshots, capture_errors, modules): a few rows per archive, kept
// as values until the file's one row group is written. `modules` is computed here as sql/session.ts computes
// it in DuckDB (spec/SQL.md §5), from the regions' columns.
import type { Archive } from '../reader/index.js'
import { hiAt, intColumn, loAt, strColumn, unsignedLess } from '../reader/column-views.js'
import { PAGE_ROWS, plainByteArrays, type ChunkSource, type PageParts } from './parquet-file.js'
import type { SqlType } from './tables.js'

export type Value = number | bigint | string | boolean | undefined | null

const encoder = new TextEncoder()

/** A column's values as PLAIN pages; undefined and null are NULL. */
export function valuesSource(type: SqlType, values: readonly Value[]): ChunkSource {
  return {
    pages(emit) {
      for (let from = 0; from < values.length; from += PAGE_ROWS) emit(plainPage(type, values.slice(from, from + PAGE_ROWS)))
    },
  }
}

function plainPage(type: SqlType, values: readonly Value[]): PageParts {
  const n = values.length
  const present = new Uint8Array((n + 7) >> 3)
  const kept: Exclude<Value, undefined | null>[] = []
  values.forEach((v, i) => {
    if (v === undefined || v === null) return
    present[i >> 3]! |= 1 << (i & 7)
    kept.push(v)
  })
  let plain: Uint8Array
  if (type === 'VARCHAR') {
    plain = plainByteArrays(kept.map((v) => encoder.encode(String(v))))
  } else if (type === 'BOOLEAN') {
    plain = new Uint8Array((kept.length + 7) >> 3)
    kept.forEach((v, i) => void (v ? (plain[i >> 3]! |= 1 << (i & 7)) : 0))
  } else {
    const wide = type === 'UBIGINT' || type === 'BIGINT' || type === 'TIMESTAMP' || type === 'DOUBLE'
    plain = new Uint8Array(kept.length * (wide ? 8 : 4))
    const view = new DataView(plain.buffer)
    kept.forEach((v, i) => {
      if (type === 'DOUBLE') view.setFloat64(i * 8, Number(v), true)
      else if (type === 'UBIGINT') view.setBigUint64(i * 8, BigInt(v), true)
      else if (wide) view.setBigInt64(i * 8, BigInt(v), true)
      else if (type === 'INTEGER') view.setInt32(i * 4, Number(v), true)
      else view.setUint32(i * 4, Number(v), true)
    })
  }
  return { rows: n, present: kept.length === n ? true : kept.length === 0 ? false : present, plain }
}

const MEM_IMAGE = 0x1000000

export const MODULE_COLUMNS: readonly { readonly name: string; readonly type: SqlType }[] = [
  { name: 'snapshot_id', type: 'UINTEGER' },
  { name: 'path', type: 'VARCHAR' },
  { name: 'imageBase', type: 'UBIGINT' },
  { name: 'sizeOfImage', type: 'UINTEGER' },
  { name: 'timeDateStamp', type: 'UINTEGER' },
  { name: 'regions', type: 'UINTEGER' },
  { name: 'bytes', type: 'UBIGINT' },
]

/** The lowest base address seen with a value of one field, and that value (DuckDB's arg_min skips NULLs). */
interface ArgMin {
  hi: number
  lo: number
  value: number | bigint | undefined
}

interface Module {
  readonly path: string
  readonly first: number
  /** min(baseAddress); hi -1 while none. */
  minHi: number
  minLo: number
  imageBase: ArgMin
  sizeOfImage: ArgMin
  timeDateStamp: ArgMin
  maxSize: number | undefined
  maxStamp: number | undefined
  regions: number
  bytesHi: number
  bytesLo: number
  hasBytes: boolean
}

const TWO_32 = 4294967296
/** Value i of a u32 column; undefined where the chunk lacks it. */
const u32 = (c: ReturnType<typeof intColumn>, i: number) => (c.narrow ? c.narrow[i]! >>> 0 : c.words ? c.words[2 * i]! : undefined)

const lower = (hi: number, lo: number, than: { hi: number; lo: number }) => than.hi === -1 || (hi >>> 0) < (than.hi >>> 0) || (hi === than.hi && unsignedLess(lo, than.lo))

/**
 * MEM_IMAGE regions with a mapped file, grouped by file: image fields of the lowest region with a value
 * (sizeOfImage and timeDateStamp: the largest when that one is 0), region count, summed size; ordered by
 * lowest base address (NULL last), then first appearance. Rows in MODULE_COLUMNS order.
 */
export function moduleRows(archive: Archive, snapshotId: number): Value[][] {
  const section = archive.section('vaSpace')
  if (!section) return []
  const span = (f: string) => section.spans(f)
  const [types, files, bases, images, sizes, stamps, regionSizes] = ['type', 'mappedFileName', 'baseAddress', 'imageBase', 'sizeOfImage', 'timeDateStamp', 'regionSize'].map(span)
  const modules = new Map<string, Module>()
  for (let k = 0; k < types!.length; k++) {
    const type = intColumn(types![k]!.column)
    const file = strColumn(files![k]!.column)
    if (!file || (!type.words && !type.narrow)) continue
    const base = intColumn(bases![k]!.column)
    const image = intColumn(images![k]!.column)
    const size = intColumn(sizes![k]!.column)
    const stamp = intColumn(stamps![k]!.column)
    const regionSize = intColumn(regionSizes![k]!.column)
    const hasSize = !!(regionSize.words || regionSize.narrow)
    const hasBase = !!(base.words || base.narrow)
    const hasImage = !!(image.words || image.narrow)
    // The chunk's dictionary index → its module, looked up once per file name, not per region.
    const byIndex: (Module | undefined)[] = new Array(file.dict.length + 1)
    const narrowType = type.narrow
    for (let i = 0; i < types![k]!.count; i++) {
      if (narrowType ? narrowType[i] !== MEM_IMAGE : hiAt(type, i) !== 0 || loAt(type, i) !== MEM_IMAGE) continue
      const f = file.index[i]!
      if (f === 0) continue
      let m = byIndex[f]
      if (!m) {
        const path = file.dict[f - 1]!
        m = modules.get(path)
        if (!m) {
          const none = (): ArgMin => ({ hi: -1, lo: 0, value: undefined })
          m = { path, first: modules.size, minHi: -1, minLo: 0, imageBase: none(), sizeOfImage: none(), timeDateStamp: none(), maxSize: undefined, maxStamp: undefined, regions: 0, bytesHi: 0, bytesLo: 0, hasBytes: false }
          modules.set(path, m)
        }
        byIndex[f] = m
      }
      m.regions++
      if (hasSize) {
        // Summed in two exact doubles (high and low words), carried before the low one could lose a bit.
        m.hasBytes = true
        m.bytesHi += hiAt(regionSize, i) >>> 0
        m.bytesLo += loAt(regionSize, i) >>> 0
        if (m.bytesLo >= 2 ** 52) {
          const carry = Math.floor(m.bytesLo / TWO_32)
          m.bytesHi += carry
          m.bytesLo -= carry * TWO_32
        }
      }
      const sz = u32(size, i)
      const st = u32(stamp, i)
      if (sz !== undefined && (m.maxSize === undefined || sz > m.maxSize)) m.maxSize = sz
      if (st !== undefined && (m.maxStamp === undefined || st > m.maxStamp)) m.maxStamp = st
      if (!hasBase) continue
      const hi = hiAt(base, i)
      const lo = loAt(base, i)
      if (lower(hi, lo, { hi: m.minHi, lo: m.minLo })) {
        m.minHi = hi
        m.minLo = lo
      }
      if (hasImage && lower(hi, lo, m.imageBase)) m.imageBase = { hi, lo, value: (BigInt(hiAt(image, i) >>> 0) << 32n) | BigInt(loAt(image, i) >>> 0) }
      if (sz !== undefined && lower(hi, lo, m.sizeOfImage)) m.sizeOfImage = { hi, lo, value: sz }
      if (st !== undefined && lower(hi, lo, m.timeDateStamp)) m.timeDateStamp = { hi, lo, value: st }
    }
  }
  const ordered = [...modules.values()].sort((x, y) => {
    if (x.minHi === -1 || y.minHi === -1) return x.minHi === y.minHi ? x.first - y.first : x.minHi === -1 ? 1 : -1
    if (x.minHi !== y.minHi) return (x.minHi >>> 0) - (y.minHi >>> 0)
    if (x.minLo !== y.minLo) return unsignedLess(x.minLo, y.minLo) ? -1 : 1
    return x.first - y.first
  })
  // coalesce(nullif(<of the lowest region>, 0), max(…))
  const orMax = (v: number | bigint | undefined, max: number | undefined) => (v === undefined || v === 0 ? max : v)
  // A sum past 64 bits cannot be stored as UBIGINT: NULL rather than a wrapped number.
  const bytes = (m: Module) => {
    if (!m.hasBytes) return undefined
    const b = (BigInt(m.bytesHi) << 32n) + BigInt(m.bytesLo)
    return b >= 1n << 64n ? undefined : b
  }
  return ordered.map((m) => [snapshotId, m.path, m.imageBase.value, orMax(m.sizeOfImage.value, m.maxSize), orMax(m.timeDateStamp.value, m.maxStamp), m.regions, bytes(m)])
}
