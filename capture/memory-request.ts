// What `--memory` asks for, shared by the Linux (/proc/<pid>/mem while held) and Windows (the VA clone) readers.

/** `stacks`: every thread's stack from its stack pointer; `range`: the bytes asked for. */
export type MemoryRequest = { kind: 'stacks' } | { kind: 'range'; address: bigint; size: number }

/** Bytes of each thread's stack from the stack pointer up (default) and of the whole capture. */
export const DEFAULT_STACK_LIMIT = 1 << 20
export const DEFAULT_TOTAL_LIMIT = 256 << 20
/** The largest auxiliaryPages entry: a longer range is stored as several (ARCHIVE.md §6.4). */
export const MEMORY_PIECE = 1 << 20
// The x86-64 ABI's red zone: a leaf function may keep data up to 128 bytes below the stack pointer.
export const RED_ZONE = 128n

/** Parses `stacks` or `<address>:<size>` (hex with 0x, or decimal); undefined when it is neither. */
export function parseMemoryRequest(text: string): MemoryRequest | undefined {
  const t = text.trim()
  if (t === 'stacks') return { kind: 'stacks' }
  const m = /^(0x[0-9a-f]+|\d+):(0x[0-9a-f]+|\d+)$/i.exec(t)
  if (!m) return undefined
  const address = BigInt(m[1]!)
  const size = Number(BigInt(m[2]!))
  if (size <= 0 || !Number.isSafeInteger(size) || address + BigInt(size) > 0xffffffffffffffffn) return undefined
  return { kind: 'range', address, size }
}
