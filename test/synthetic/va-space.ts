// A user-mode x64 address space as PssWalkSnapshot(PSS_WALK_VA_SPACE) reports it: contiguous regions in
// ascending order from 0, free gaps at 64 KiB allocation granularity, private heaps and thread stacks low,
// mapped files among them, then the exe and the DLLs high (MEM_IMAGE, one region per section).
// Addresses are numbers while building (all < 2^47, exact in a double) and bigint in the entries.
import type { VaSpaceEntry } from '../../format/index.js'
import type { Rng } from './prng.js'
import { Weighted } from './prng.js'
import { DLLS, EXE, mappedFileName, modulePath, type Module } from './vocabulary.js'

export const MEM_COMMIT = 0x1000
export const MEM_RESERVE = 0x2000
export const MEM_FREE = 0x10000
export const MEM_PRIVATE = 0x20000
export const MEM_MAPPED = 0x40000
export const MEM_IMAGE = 0x1000000
export const PAGE_NOACCESS = 0x01
export const PAGE_READONLY = 0x02
export const PAGE_READWRITE = 0x04
export const PAGE_WRITECOPY = 0x08
export const PAGE_EXECUTE_READ = 0x20
export const PAGE_EXECUTE_READWRITE = 0x40
export const PAGE_EXECUTE_WRITECOPY = 0x80
export const PAGE_GUARD = 0x100

const PAGE = 0x1000
const GRANULARITY = 0x10000
const EXE_AREA = 0x7ff6_0000_0000
const DLL_AREA = 0x7ffb_0000_0000
const USER_END = 0x7fff_ffff_0000

export interface Range {
  start: number
  end: number
}

export interface ImageInfo {
  module: Module
  path: string
  base: number
  /** The executable (.text) region. */
  text: Range
}

export interface VaLayout {
  regions: VaSpaceEntry[]
  images: ImageInfo[]
  /** Committed parts of thread stacks, in creation order. */
  stacks: Range[]
  /** Committed read-write private regions (heaps, PEB/TEB), where auxiliary pages come from. */
  privateData: VaSpaceEntry[]
  pebBaseAddress: number
  /** TEB of thread i is tebBase + i * 0x2000. */
  tebBase: number
  /** Sum of all non-free region sizes. */
  virtualSize: number
}

type LowKind = 'heap' | 'stack' | 'mapped' | 'private'
const LOW_KINDS = new Weighted<LowKind>([
  ['heap', 30],
  ['stack', 25],
  ['mapped', 20],
  ['private', 25],
])

const alignUp = (v: number, a: number) => Math.ceil(v / a) * a

export function generateVaSpace(rng: Rng, count: number, threads: number): VaLayout {
  const regions: VaSpaceEntry[] = []
  const images: ImageInfo[] = []
  const stacks: Range[] = []
  const privateData: VaSpaceEntry[] = []
  let cursor = 0
  let virtualSize = 0
  const full = () => regions.length >= count

  const emit = (size: number, state: number, protect: number, type: number, allocationBase: number, allocationProtect: number, image?: { module: Module; path: string; base: number; stamp: number; sum: number }): VaSpaceEntry | undefined => {
    if (full()) return undefined
    const entry: VaSpaceEntry = {
      baseAddress: BigInt(cursor),
      allocationBase: BigInt(allocationBase),
      allocationProtect,
      regionSize: BigInt(size),
      state,
      protect,
      type,
      timeDateStamp: image ? image.stamp : 0,
      sizeOfImage: image ? image.module.size : 0,
      imageBase: BigInt(image ? image.base : 0),
      checkSum: image ? image.sum : 0,
      mappedFileName: image ? image.path : undefined,
    }
    regions.push(entry)
    cursor += size
    if (state !== MEM_FREE) virtualSize += size
    return entry
  }
  const free = (to: number) => {
    if (to > cursor) emit(to - cursor, MEM_FREE, PAGE_NOACCESS, 0, 0, 0)
  }
  /** A free gap up to the next allocation boundary, sometimes a few granules more. */
  const gap = () => free(alignUp(cursor, GRANULARITY) + (rng.chance(0.5) ? 0 : rng.int(1, 16) * GRANULARITY))

  const imageList = [EXE, ...DLLS]
  const imageCount = Math.min(imageList.length, Math.max(count >= 8 ? 1 : 0, Math.floor((count * 0.25) / 7)))
  // Images take ~6 regions each plus a gap; the rest of the budget goes to the low area.
  const lowBudget = count - imageCount * 7 - 2

  // Nothing is mapped below the first allocation; PEB and TEBs come first, as in a fresh process.
  free(0x0000_00d0_0000_0000 + rng.int(0, 0x3ff) * 0x1_0000_0000)
  const pebBaseAddress = cursor
  const tebBase = cursor + 0x1000
  const pebSize = alignUp(0x1000 + Math.max(1, threads) * 0x2000, GRANULARITY)
  const peb = emit(pebSize, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE, cursor, PAGE_READWRITE)
  if (peb) privateData.push(peb)

  const stacksWanted = Math.min(threads, Math.floor((Math.max(0, lowBudget) * 0.4) / 4))
  /** One allocation (preceded by its free gap): a stack, a heap, a mapped view or a small private block. */
  const allocate = () => {
    gap()
    let kind = LOW_KINDS.pick(rng)
    if (stacks.length < stacksWanted && (stacks.length === 0 || kind === 'heap')) kind = 'stack'
    else if (kind === 'stack' && stacks.length >= stacksWanted) kind = 'heap'
    const base = cursor
    switch (kind) {
      case 'stack': {
        // Reserved 1 MiB: untouched reserve, a guard page, then the committed top the thread runs in.
        const committed = rng.int(2, 16) * PAGE
        const reserve = 0x100000 - committed - PAGE
        emit(reserve, MEM_RESERVE, 0, MEM_PRIVATE, base, PAGE_READWRITE)
        emit(PAGE, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD, MEM_PRIVATE, base, PAGE_READWRITE)
        const start = cursor
        if (emit(committed, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE, base, PAGE_READWRITE)) stacks.push({ start, end: cursor })
        break
      }
      case 'heap': {
        const committed = rng.int(1, 256) * PAGE
        const reserved = rng.int(0, 3) * GRANULARITY + (rng.chance(0.7) ? rng.int(1, 15) * PAGE : 0)
        const data = emit(committed, MEM_COMMIT, PAGE_READWRITE, MEM_PRIVATE, base, PAGE_READWRITE)
        if (data) privateData.push(data)
        if (reserved > 0) emit(reserved, MEM_RESERVE, 0, MEM_PRIVATE, base, PAGE_READWRITE)
        break
      }
      case 'mapped': {
        const name = mappedFileName(rng)
        const size = rng.int(1, 64) * PAGE
        const protect = name ? rng.pick([PAGE_READONLY, PAGE_READONLY, PAGE_WRITECOPY]) : PAGE_READWRITE
        const e = emit(size, MEM_COMMIT, protect, MEM_MAPPED, base, protect)
        if (e) e.mappedFileName = name
        if (rng.chance(0.2)) emit(rng.int(1, 16) * PAGE, MEM_RESERVE, 0, MEM_MAPPED, base, protect)
        break
      }
      case 'private': {
        // Small private allocations; a few are JIT-style read-write-execute.
        const protect = rng.chance(0.03) ? PAGE_EXECUTE_READWRITE : rng.chance(0.2) ? PAGE_READONLY : PAGE_READWRITE
        const e = emit(rng.int(1, 16) * PAGE, MEM_COMMIT, protect, MEM_PRIVATE, base, protect)
        if (e && protect === PAGE_READWRITE) privateData.push(e)
        break
      }
    }
  }
  while (regions.length < lowBudget) allocate()

  for (let i = 0; i < imageCount && !full(); i++) {
    const module = imageList[i]!
    if (i === 0) free(EXE_AREA + rng.int(0x100, 0xfff) * GRANULARITY)
    else if (i === 1) free(DLL_AREA + rng.int(0x100, 0xfff) * GRANULARITY)
    else gap()
    images.push(emitImage(module, rng, emit, () => cursor))
  }
  // Whatever budget the images left over goes to allocations above them; the last region is the free
  // rest of user space.
  while (regions.length < count - 1) allocate()
  free(USER_END)
  return { regions, images, stacks, privateData, pebBaseAddress, tebBase, virtualSize }
}

type Emit = (size: number, state: number, protect: number, type: number, allocationBase: number, allocationProtect: number, image?: { module: Module; path: string; base: number; stamp: number; sum: number }) => VaSpaceEntry | undefined

/** Headers, .text, .rdata, .data, then .pdata/.rsrc/.reloc folded into one read-only region. */
function emitImage(module: Module, rng: Rng, emit: Emit, cursor: () => number): ImageInfo {
  const base = cursor()
  const image = { module, path: modulePath(module), base, stamp: rng.u32(), sum: rng.int(0x1000, module.size + 0x10000) }
  const pages = module.size / PAGE
  const text = Math.max(1, Math.floor((pages - 1) * 0.55))
  const rdata = Math.max(1, Math.floor((pages - 1) * 0.25))
  const data = Math.max(1, Math.floor((pages - 1) * 0.06))
  const rest = Math.max(0, pages - 1 - text - rdata - data)
  const at = (protect: number, n: number) => n > 0 && emit(n * PAGE, MEM_COMMIT, protect, MEM_IMAGE, base, PAGE_EXECUTE_WRITECOPY, image)
  at(PAGE_READONLY, 1)
  const textStart = cursor()
  at(PAGE_EXECUTE_READ, text)
  const textRange = { start: textStart, end: cursor() }
  at(PAGE_READONLY, rdata)
  // .data: written pages become private copies (READWRITE), the untouched rest stays WRITECOPY.
  const written = Math.max(1, Math.floor(data / 2))
  at(PAGE_READWRITE, written)
  at(PAGE_WRITECOPY, data - written)
  at(PAGE_READONLY, rest)
  return { module, path: image.path, base, text: textRange }
}
