// `--freeze` (issue 16, spec/LINUX.md §9.6): every thread held (capture/linux/hold.ts, the one holding
// mechanism, shared with --registers and --memory) for the whole capture, so the process, its fds, threads
// and regions are read at one instant, as PSS's snapshot is. Opt-in: the default never stops the target.
// The hold is always released (hold.ts: also when the capture throws; the kernel detaches if pssnap dies).
import { holdProcess, type Hold } from './hold.js'
import { procRoot } from './proc.js'
import type { SoftErrors } from './soft-errors.js'

export interface Frozen<T> {
  value: T
  /** From the first thread's interrupt request to the last detach, in ms: how long the process was held. */
  heldMs: number
  /** Per thread, 100 ns ticks from its interrupt request to its detach. */
  heldTime: Map<number, bigint>
}

/** Runs `read` with every thread of `pid` held; threads that did not stop are soft errors of `threads`. */
export async function readFrozen<T extends { errors: SoftErrors }>(pid: number, read: (hold: Hold) => Promise<T>): Promise<Frozen<T>> {
  const held = await holdProcess(pid, read)
  for (const tid of held.notStopped) {
    const e = Object.assign(new Error('the thread did not stop within 2 s (uninterruptible sleep?)'), { code: 'ETIMEDOUT', errno: -110 })
    held.value.errors.add('threads', 'PTRACE_INTERRUPT', `${procRoot(pid)}/task/${tid}`, e, 'not held: read while it ran')
  }
  const heldTime = new Map<number, bigint>()
  let maxNs = 0
  for (const r of held.threads) {
    heldTime.set(r.tid, BigInt(Math.ceil(r.heldNs / 100)))
    if (r.heldNs > maxNs) maxNs = r.heldNs
  }
  return { value: held.value, heldMs: maxNs / 1e6, heldTime }
}
