// A Linux mapping's protection as `maps` prints it (`r-xp`, `rw-p`, `---p`), rebuilt from the PAGE_* value,
// type and state the Linux capture stored (spec/LINUX.md §4, "perms"). For tables; the stored value, CSV
// and JSON stay PAGE_*. Platform-free.
import { isPrivateWritable } from './committed.js'

const MEM_RESERVE = 0x2000
const MEM_PRIVATE = 0x20000
const MEM_IMAGE = 0x1000000

/** rwx by PAGE_* value (the capture stores write-only as read-write: x86 cannot map write-only). */
const RWX: Readonly<Record<number, string>> = { 0x01: '---', 0x02: 'r--', 0x04: 'rw-', 0x08: 'rw-', 0x10: '--x', 0x20: 'r-x', 0x40: 'rwx', 0x80: 'rwx' }

/**
 * `p` (private) or `s` (shared) where the columns tell: a writable mapping by its PAGE_* value and type;
 * anonymous memory is private; an ELF image's mappings are private (loaders map them so); a `---p` mapping is
 * MEM_RESERVE since 2026-12-02. `?` where they cannot: a file mapping without write access that is not an
 * image, or a file mapping without access stored MEM_COMMIT (shared, or private in an older archive).
 */
function sharing(protect: number, type: number | undefined, state: number | undefined): string {
  const p = protect & 0xff
  const writable = p === 0x04 || p === 0x08 || p === 0x40 || p === 0x80
  if (writable) return type !== undefined && isPrivateWritable(p, type) ? 'p' : type === undefined ? '?' : 's'
  if (type === MEM_PRIVATE) return 'p'
  if (p === 0x01) return state === MEM_RESERVE ? 'p' : '?'
  return type === MEM_IMAGE ? 'p' : '?'
}

/**
 * `rwxp` form of a stored Linux region, or undefined when its protection is not one the capture writes. With
 * the format 1.3 `mapsPermissions` (the kernel's own letters as bits, spec/LINUX.md §11) exactly those letters:
 * no `?`, and a write-only mapping is `-w-p`.
 */
export function linuxPerms(protect: unknown, type: unknown, state: unknown, mapsPermissions?: unknown): string | undefined {
  if (typeof mapsPermissions === 'number' && mapsPermissions >= 0 && mapsPermissions <= 0xf && Number.isInteger(mapsPermissions)) {
    const p = mapsPermissions
    return `${p & 1 ? 'r' : '-'}${p & 2 ? 'w' : '-'}${p & 4 ? 'x' : '-'}${p & 8 ? 's' : 'p'}`
  }
  if (typeof protect !== 'number' || !Object.hasOwn(RWX, protect & 0xff) || protect >>> 8 !== 0) return undefined
  return RWX[protect]! + sharing(protect, typeof type === 'number' ? type : undefined, typeof state === 'number' ? state : undefined)
}
