// `--registers` and `--memory` on Linux (spec/LINUX.md §10): hold the process (hold.ts), read every held
// thread's register set (NT_PRSTATUS) and the memory asked for, release, and fold the results into the
// threads (contextRecord with its architecture, heldTime) and the auxiliaryPages section.
import type { AuxiliaryPageEntry, ThreadEntry, VaSpaceEntry } from '../../format/index.js'
import { holdProcess, type Hold, type RegisterArchitecture } from './hold.js'
import { readMemory, type MemoryLimits, type MemoryRequest } from './memory.js'
import { procRoot } from './proc.js'
import { testOnlyPause } from '../test-pause.js'
import type { SoftErrors } from './soft-errors.js'

export interface HeldReadOptions extends MemoryLimits {
  registers?: boolean
  memory?: readonly MemoryRequest[]
}

export interface HeldRead {
  /** The contextRecord column's architecture (ARCHIVE.md §6.2): `linux-x64` or `linux-arm64`. */
  contextArchitecture: string | undefined
  registers: Map<number, Uint8Array>
  /** 100 ns ticks each thread was held. */
  heldTime: Map<number, bigint>
  memory: AuxiliaryPageEntry[]
}

/** Where the stack pointer sits in each NT_PRSTATUS layout. */
const SP_OFFSET: Record<RegisterArchitecture, number> = { x64: 152, arm64: 248 }

/**
 * Holds pid, reads registers and memory, releases. With `within` (a hold already taken, e.g. by --freeze around
 * the whole capture) it reads through that one instead: a thread has one tracer, so a second hold would fail.
 */
export async function readHeld(pid: number, options: HeldReadOptions, regions: () => readonly VaSpaceEntry[], errors: SoftErrors, within?: Hold): Promise<HeldRead> {
  const registers = new Map<number, Uint8Array>()
  const stackPointers = new Map<number, bigint>()
  let architecture: RegisterArchitecture | undefined
  let memory: AuxiliaryPageEntry[] = []
  const read = async (hold: Hold) => {
    await testOnlyPause('hold')
    for (const t of hold.threads) {
      const regs = hold.readRegisters(t.tid)
      if (!regs) {
        errors.add('threads', 'PTRACE_GETREGSET', `${procRoot(pid)}/task/${t.tid}`, Object.assign(new Error('the kernel returned no registers (the thread exited)'), { code: 'ESRCH', errno: -3 }), 'no context for it')
        continue
      }
      architecture = regs.architecture
      registers.set(t.tid, regs.bytes)
      const off = SP_OFFSET[regs.architecture]
      if (regs.bytes.length >= off + 8) stackPointers.set(t.tid, new DataView(regs.bytes.buffer, regs.bytes.byteOffset, regs.bytes.byteLength).getBigUint64(off, true))
    }
    if (options.memory?.length) memory = readMemory(pid, options.memory, regions(), stackPointers, errors, options)
  }
  if (within) {
    // The outer hold records how long each thread was held when it releases.
    await read(within)
    return { contextArchitecture: architecture === undefined ? undefined : `linux-${architecture}`, registers: options.registers ? registers : new Map(), heldTime: new Map(), memory }
  }
  const held = await holdProcess(pid, read)
  for (const tid of held.notStopped) {
    errors.add('threads', 'PTRACE_INTERRUPT', `${procRoot(pid)}/task/${tid}`, Object.assign(new Error('the thread did not stop within 2 s (uninterruptible sleep?)'), { code: 'ETIMEDOUT', errno: -110 }), 'not held: no context or stack for it')
  }
  const heldTime = new Map<number, bigint>()
  for (const r of held.threads) heldTime.set(r.tid, BigInt(Math.ceil(r.heldNs / 100)))
  return {
    contextArchitecture: architecture === undefined ? undefined : `linux-${architecture}`,
    registers: options.registers ? registers : new Map(),
    heldTime,
    memory,
  }
}

/** Adds each thread's register set and hold time to its entry (threads the hold did not see stay as read). */
export function foldHeld(threads: ThreadEntry[] | undefined, read: HeldRead): void {
  for (const t of threads ?? []) {
    const id = t.threadId
    if (id === undefined) continue
    const regs = read.registers.get(id)
    if (regs) {
      t.contextRecord = regs
      t.sizeOfContextRecord = regs.length
    }
    const held = read.heldTime.get(id)
    if (held !== undefined) t.heldTime = held
  }
}
