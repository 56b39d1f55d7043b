// Breakpad's LinuxMaps stream (MD_LINUX_MAPS): the text of /proc/<pid>/maps, rebuilt from the format 1.3 region
// columns (spec/MINIDUMP.md §2, spec/LINUX.md §11) exactly as the kernel prints it (fs/proc/task_mmu.c,
// show_map_vma). Written only when every region has every field a line needs: an archive without them (1.2 and
// older, or not from Linux) gets no LinuxMaps rather than a line with invented offsets, devices or inodes.
import type { Archive } from '../reader/archive.js'
import * as C from './columns.js'
import { chunksOf } from './columns.js'

const NEEDED = ['baseAddress', 'regionSize', 'mapsPermissions', 'fileOffset', 'deviceMajor', 'deviceMinor', 'inode'] as const
const NAMES = ['mappedFileName', 'mappingLabel'] as const

/** Kernels of 32-bit architectures pad the name column to 25 + 4 × 6 − 1 characters, 64-bit ones to 25 + 8 × 6 − 1. */
const NARROW_KERNELS = new Set(['x86', 'ia32', 'arm', 'mips', 'mipsel', 'ppc'])

const hex = (v: bigint | number, width: number) => v.toString(16).padStart(width, '0')

/**
 * The most text LinuxMaps may hold. Each line repeats its name, which the archive stores once (dictionary), so
 * a hostile archive of a million rows naming one 1 MiB string would spell out a terabyte; real maps text is
 * about 100 bytes a line (a million mappings: ~100 MiB, 16 times the kernel's default vm.max_map_count).
 */
export const MAX_LINUX_MAPS_BYTES = 256 * 1024 * 1024
/** Longest line before its name: two 16-digit addresses, perms, a 16-digit offset, 8-digit device numbers, a 20-digit inode, padding. */
const MAX_HEAD = 128

export type LinuxMapsOutcome = { text: Uint8Array } | { leftOut: 'columns' | 'too-large' }

/** The maps text, or why there is none: a region without a field a line needs, or text past MAX_LINUX_MAPS_BYTES. */
export function linuxMaps(archive: Archive): LinuxMapsOutcome {
  if (!archive.sectionNames.includes('vaSpace') || archive.vaSpace.length === 0) return { leftOut: 'columns' }
  const chunks = chunksOf(archive.vaSpace, [...NEEDED, ...NAMES])
  // Absent is never faked: every chunk must hold every numeric column (a column present holds a value per entry).
  for (const { cols } of chunks) if (NEEDED.some((_, k) => cols[k] === undefined)) return { leftOut: 'columns' }
  // The size first, from the rows and each name's length (4 bytes a UTF-16 unit bound what it becomes), before any text is made.
  let bound = 0
  for (const { count, cols } of chunks) {
    bound += count * MAX_HEAD
    for (const col of [cols[NEEDED.length], cols[NEEDED.length + 1]]) {
      if (col?.dtype !== 'str') continue
      const dict = col.dict
      const units = new Float64Array(dict.length + 1)
      for (let k = 1; k <= dict.length; k++) units[k] = dict[k - 1]!.length * 4 + 1 // UTF-8: ≤ 3 bytes a unit; a newline written `\012`: 4
      const index = col.index
      for (let i = 0; i < count; i++) bound += units[index[i]!]!
    }
    if (bound > MAX_LINUX_MAPS_BYTES) return { leftOut: 'too-large' }
  }
  const architecture = archive.header.host.architecture
  const width = architecture !== undefined && NARROW_KERNELS.has(architecture) ? 48 : 72
  const lines: string[] = []
  for (const { count, cols } of chunks) {
    const [base, size, perms, offset, major, minor, inode, file, label] = cols
    for (let i = 0; i < count; i++) {
      const start = BigInt(C.big(base, i))
      const end = start + BigInt(C.big(size, i))
      const p = C.num(perms, i)
      const head = `${hex(start, 8)}-${hex(end, 8)} ${p & 1 ? 'r' : '-'}${p & 2 ? 'w' : '-'}${p & 4 ? 'x' : '-'}${p & 8 ? 's' : 'p'} ${hex(C.big(offset, i), 8)} ${hex(C.num(major, i) >>> 0, 2)}:${hex(C.num(minor, i) >>> 0, 2)} ${BigInt.asUintN(64, BigInt(C.big(inode, i)))} `
      const name = C.str(file, i) ?? C.str(label, i)
      // seq_pad: spaces up to the column, then one more; seq_path writes a newline in a name as \012, which a
      // capture already stored so (a hostile archive's raw newline cannot add a line).
      lines.push(name === undefined ? head : `${head.padEnd(width)} ${name.replaceAll('\n', '\\012')}`)
    }
  }
  return { text: linuxBytes(lines.join('\n') + '\n') }
}

/**
 * The bytes of archive text (spec/ARCHIVE.md §1.1): U+F780–U+F7FF are the raw bytes 0x80–0xFF that were not
 * UTF-8 in the kernel's text; everything else is UTF-8.
 */
export function linuxBytes(text: string): Uint8Array {
  const utf8 = new TextEncoder().encode(text)
  // Nearly always no escape (EF 9E xx / EF 9F xx in UTF-8): the encoding is the answer.
  let escaped = false
  for (let i = utf8.indexOf(0xef); i >= 0 && i + 1 < utf8.length; i = utf8.indexOf(0xef, i + 1)) {
    if (utf8[i + 1] === 0x9e || utf8[i + 1] === 0x9f) {
      escaped = true
      break
    }
  }
  if (!escaped) return utf8
  const out = new Uint8Array(utf8.length)
  let n = 0
  for (let i = 0; i < utf8.length; ) {
    if (utf8[i] === 0xef && (utf8[i + 1] === 0x9e || utf8[i + 1] === 0x9f) && i + 2 < utf8.length) {
      // U+F780 + b → b: EF 9E/9F xx encodes 0xF780–0xF7FF.
      const cp = ((utf8[i]! & 0x0f) << 12) | ((utf8[i + 1]! & 0x3f) << 6) | (utf8[i + 2]! & 0x3f)
      out[n++] = cp - 0xf700
      i += 3
    } else out[n++] = utf8[i++]!
  }
  return out.subarray(0, n)
}
