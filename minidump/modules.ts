// The ModuleList's modules, from the image regions (spec/MINIDUMP.md §5).
import type { Archive } from '../reader/archive.js'
import * as C from './columns.js'
import { chunksOf } from './columns.js'
import * as L from './layout.js'

export interface Module {
  base: bigint
  size: number
  name: string
  checkSum?: number
  timeDateStamp?: number
}

/**
 * Modules from image regions. Windows: one per allocation base (the image's), with SizeOfImage, CheckSum and
 * TimeDateStamp when the archive has them, else the extent of its regions. Linux: one per mapped file of
 * type MEM_IMAGE, from its lowest to its highest mapped address.
 */
export function imageModules(archive: Archive, linux: boolean): Module[] {
  const byKey = new Map<string | bigint, Module & { end: bigint }>()
  const names = ['type', 'baseAddress', 'regionSize', 'mappedFileName', 'imageBase', 'allocationBase', 'sizeOfImage', 'checkSum', 'timeDateStamp']
  for (const { count, cols } of chunksOf(archive.vaSpace, names)) {
    const [type, baseAddress, regionSize, mappedFileName, imageBase, allocationBase, sizeOfImage, checkSum, timeDateStamp] = cols
    const types = C.ints(type)
    if (!types || !baseAddress || !regionSize || !mappedFileName) continue
    for (let i = 0; i < count; i++) {
      if (types[i] !== L.MEM_IMAGE) continue
      const name = C.str(mappedFileName, i)
      if (name === undefined) continue
      const start = BigInt(C.big(baseAddress, i))
      const end = start + BigInt(C.big(regionSize, i))
      // Windows: the image's base (PSS's imageBase, else the allocation's); Linux: the file, whose lowest mapping is its base.
      const base = linux ? start : BigInt((imageBase ? C.big(imageBase, i) : 0) || (allocationBase ? C.big(allocationBase, i) : 0) || start)
      // Bigints are Map keys by value.
      const key = linux ? name : base
      const m = byKey.get(key)
      const size = C.num(sizeOfImage, i)
      if (!m) {
        const fresh: Module & { end: bigint } = { base, end, size, name }
        if (checkSum) fresh.checkSum = C.num(checkSum, i)
        if (timeDateStamp) fresh.timeDateStamp = C.num(timeDateStamp, i)
        byKey.set(key, fresh)
        continue
      }
      if (linux && start < m.base) m.base = start
      if (end > m.end) m.end = end
      if (size && !m.size) m.size = size
    }
  }
  const out: Module[] = []
  for (const m of byKey.values()) {
    const extent = m.end - m.base
    const size = m.size || (extent > 0n && extent <= 0xffffffffn ? Number(extent) : 0)
    const mod: Module = { base: m.base, size, name: m.name }
    if (m.checkSum !== undefined) mod.checkSum = m.checkSum
    if (m.timeDateStamp !== undefined) mod.timeDateStamp = m.timeDateStamp
    out.push(mod)
  }
  return out.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0))
}
