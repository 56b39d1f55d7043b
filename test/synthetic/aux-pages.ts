// Auxiliary pages (PSS_WALK_AUXILIARY_PAGES): copies of committed private pages with the
// MEMORY_BASIC_INFORMATION of the range each came from, in ascending address order.
import type { AuxiliaryPageEntry } from '../../format/index.js'
import type { Rng } from './prng.js'
import { MEM_COMMIT, MEM_PRIVATE, PAGE_READWRITE, type VaLayout } from './va-space.js'

const PAGE = 0x1000

export function generateAuxPages(rng: Rng, count: number, layout: VaLayout, captureTicks: bigint): AuxiliaryPageEntry[] {
  const sources = layout.privateData
  const picked = new Map<number, { end: number; allocationBase: bigint }>()
  for (let attempt = 0; picked.size < count && attempt < count * 8 && sources.length > 0; attempt++) {
    const region = rng.pick(sources)
    const start = Number(region.baseAddress)
    const end = start + Number(region.regionSize)
    picked.set(start + rng.int(0, (end - start) / PAGE - 1) * PAGE, { end, allocationBase: region.allocationBase ?? 0n })
  }
  const addresses = [...picked.keys()].sort((a, b) => a - b)
  const contents = new Uint8Array(addresses.length * PAGE)
  return addresses.map((address, i) => {
    const { end, allocationBase } = picked.get(address)!
    const page = contents.subarray(i * PAGE, (i + 1) * PAGE)
    // Heap pages: a header and some live data at the start, zeros after.
    const used = rng.int(16, 1024)
    for (let b = 0; b < used; b += 4) {
      const word = rng.chance(0.4) ? 0 : rng.u32()
      page[b] = word & 0xff
      page[b + 1] = (word >>> 8) & 0xff
      page[b + 2] = (word >>> 16) & 0xff
      page[b + 3] = word >>> 24
    }
    return {
      address: BigInt(address),
      basicInformation: {
        baseAddress: BigInt(address),
        allocationBase,
        allocationProtect: PAGE_READWRITE,
        partitionId: 0,
        regionSize: BigInt(end - address),
        state: MEM_COMMIT,
        protect: PAGE_READWRITE,
        type: MEM_PRIVATE,
      },
      captureTime: captureTicks + BigInt(i * 97),
      pageSize: PAGE,
      pageContents: page,
    }
  })
}
