// What "committed" means for an archive, by the platform that captured it. Windows: bytes of MEM_COMMIT
// regions (the commit charge as VirtualQuery shows it). Linux: bytes of private writable mappings, what the
// kernel's commit accounting charges (accountable_mapping() in mm/mmap.c; spec/LINUX.md §4.1). Read from
// protection and type, never from the state column alone: Linux archives before 2026-12-02 stored every
// mapping, PROT_NONE reservations included, as MEM_COMMIT. Platform-free.
import type { Archive } from './archive.js'
import { u32At, type IntColumn } from './column-views.js'

/** `mem-commit`: MEM_COMMIT regions (Windows, and any platform but Linux); `private-writable`: Linux. */
export type CommittedMeaning = 'mem-commit' | 'private-writable'

const MEM_COMMIT = 0x1000
const MEM_PRIVATE = 0x20000
const PAGE_READWRITE = 0x04
const PAGE_WRITECOPY = 0x08
const PAGE_EXECUTE_READWRITE = 0x40
const PAGE_EXECUTE_WRITECOPY = 0x80

export function committedMeaningOf(archive: Archive): CommittedMeaning {
  return archive.header.host.platform === 'linux' ? 'private-writable' : 'mem-commit'
}

/** How reports name the counter: Linux's in its own terms. */
export function committedLabel(meaning: CommittedMeaning): string {
  return meaning === 'private-writable' ? 'committed (private writable)' : 'committed'
}

/**
 * Whether a Linux mapping is private and writable, from the PAGE_* value the capture made of its `rwxp`
 * (spec/LINUX.md §4): WRITECOPY is a private writable file mapping; READWRITE is private only without a
 * file (MEM_PRIVATE: anonymous memory, heap, stack), a writable file mapping being shared (`rw-s`; shared
 * anonymous memory is a file too, `/dev/zero (deleted)`, so MEM_MAPPED).
 */
export function isPrivateWritable(protect: number, type: number): boolean {
  const p = protect & 0xff
  if (p === PAGE_WRITECOPY || p === PAGE_EXECUTE_WRITECOPY) return true
  return (p === PAGE_READWRITE || p === PAGE_EXECUTE_READWRITE) && type === MEM_PRIVATE
}

/** Whether region o of a chunk counts as committed under `meaning`. */
export function committedAt(meaning: CommittedMeaning, state: IntColumn, protect: IntColumn, type: IntColumn, o: number): boolean {
  if (meaning === 'mem-commit') return u32At(state, o, -1) === MEM_COMMIT
  const p = u32At(protect, o, -1)
  return p >= 0 && isPrivateWritable(p, u32At(type, o, -1))
}
