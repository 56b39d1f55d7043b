// Threads as PssWalkSnapshot(PSS_WALK_THREADS) reports them: thread ids in steps of 4, TEBs next to the
// PEB, start addresses inside loaded images, and for a given share of them the CONTEXT captured with
// CONTEXT_ALL, its Rip in an image's code and its Rsp/Rbp in the thread's committed stack.
import type { ThreadEntry } from '../../format/index.js'
import type { Rng } from './prng.js'
import type { ImageInfo, Range, VaLayout } from './va-space.js'
import { THREAD_NAMES } from './vocabulary.js'
import { X64_CONTEXT_SIZE, writeX64Context } from './x64-context.js'

export interface ThreadContextInput {
  pid: number
  captureTicks: bigint
  processCreateTicks: bigint
  contextRatio: number
  layout: VaLayout
}

export interface GeneratedThreads {
  threads: ThreadEntry[]
  threadIds: number[]
  startAddresses: bigint[]
}

const STILL_ACTIVE = 259
const TERMINATED = 0x1
// Wait-type system calls threads of a service sit in (Windows 11 numbers).
const SYSCALLS = [0x4, 0x5b, 0x9, 0x1d4, 0x34, 0x7f, 0x19, 0x6]
// Only used when the address space is too small (a handful of regions) to hold an image or a stack.
const FALLBACK_TEXT: Range = { start: 0x7ffb_1000_1000, end: 0x7ffb_1010_0000 }
const FALLBACK_STACK: Range = { start: 0x0000_00d2_0000_f000, end: 0x0000_00d2_0001_0000 }

const min = (a: bigint, b: bigint) => (a < b ? a : b)

/** An address inside `range`, aligned to `align`, at least `align` below its end. */
function inside(rng: Rng, range: Range, align: number): bigint {
  const slots = Math.max(1, Math.floor((range.end - range.start) / align) - 1)
  return BigInt(range.start + rng.int(0, slots - 1) * align)
}

export function generateThreads(rng: Rng, count: number, input: ThreadContextInput): GeneratedThreads {
  const { layout, captureTicks, processCreateTicks } = input
  const images = layout.images
  const exe: ImageInfo | undefined = images[0]
  // With too few regions for DLLs, the exe stands in for ntdll so addresses still land in an image.
  const ntdll: ImageInfo | undefined = images[1] ?? images[0]
  const textOf = (img: ImageInfo | undefined) => img?.text ?? FALLBACK_TEXT
  const anyImage = () => (images.length > 0 ? rng.pick(images) : undefined)
  // ntdll!TppWorkerThread, where every thread-pool worker starts.
  const poolStart = (text: Range) => BigInt(text.end - text.start > 0x2a0 ? text.start + 0x2a0 : text.start)
  // Exactly round(count * ratio) threads carry a context, spread evenly (floor steps), never terminated ones.
  const ratio = Math.min(1, Math.max(0, input.contextRatio))
  const withContext = (i: number) => Math.floor((i + 1) * ratio) > Math.floor(i * ratio)
  let contextCount = 0
  for (let i = 0; i < count; i++) if (withContext(i)) contextCount++
  const contexts = new Uint8Array(contextCount * X64_CONTEXT_SIZE)
  let nextContext = 0

  const threads: ThreadEntry[] = new Array(count)
  const threadIds: number[] = new Array(count)
  const startAddresses: bigint[] = new Array(count)
  let tid = 4 * rng.int(200, 20000)
  const lifetime = Number(captureTicks - processCreateTicks)
  for (let i = 0; i < count; i++) {
    // The main thread starts at the exe's entry point, pool workers in ntdll, the rest anywhere.
    const start = i === 0 ? inside(rng, textOf(exe), 16) : rng.chance(0.6) ? poolStart(textOf(ntdll)) : inside(rng, textOf(anyImage()), 16)
    const hasContext = withContext(i)
    const terminated = !hasContext && i > 0 && rng.chance(0.03)
    const created = processCreateTicks + BigInt(i === 0 ? 0 : rng.int(0, Math.max(0, lifetime - 1)))
    let contextRecord: Uint8Array | undefined
    if (hasContext) {
      contextRecord = contexts.subarray(nextContext * X64_CONTEXT_SIZE, (nextContext + 1) * X64_CONTEXT_SIZE)
      nextContext++
      const stack = layout.stacks.length > 0 ? layout.stacks[i % layout.stacks.length]! : FALLBACK_STACK
      // Rsp in the lower part of the committed stack so that Rbp, a few frames up, is still inside it.
      const rsp = inside(rng, { start: stack.start, end: stack.end - 0x400 }, 8) | 0x8n
      const rbp = rng.chance(0.3) ? 0n : rsp + BigInt(rng.int(1, 32) * 16)
      // Threads mostly wait inside ntdll's system call stubs (just after the syscall instruction).
      const rip = inside(rng, textOf(rng.chance(0.8) ? ntdll : anyImage()), 16) + 0x14n
      writeX64Context(contextRecord, rng, { rip, rsp, rbp })
    }
    threads[i] = {
      exitStatus: terminated ? 0 : STILL_ACTIVE,
      tebBaseAddress: BigInt(layout.tebBase + i * 0x2000),
      processId: input.pid,
      threadId: tid,
      affinityMask: 0xffn,
      priority: terminated ? 0 : rng.pick([8, 8, 8, 9, 10, 7, 15, 6]),
      basePriority: 8,
      lastSyscallFirstArgument: rng.chance(0.7) ? BigInt(4 * rng.int(1, 4000)) : BigInt(layout.tebBase) + BigInt(rng.int(0, 0xffff) * 8),
      lastSyscallNumber: rng.pick(SYSCALLS),
      createTime: created,
      exitTime: terminated ? created + BigInt(rng.int(1, 10_000_000)) : 0n,
      // CPU time in 15.625 ms scheduler ticks, never more than the thread has existed.
      kernelTime: min(BigInt(rng.int(0, 50_000) * 156_250), (captureTicks - created) / 4n),
      userTime: min(BigInt(rng.int(0, 80_000) * 156_250), (captureTicks - created) / 2n),
      win32StartAddress: start,
      captureTime: captureTicks + BigInt(i * 41),
      flags: terminated ? TERMINATED : 0,
      suspendCount: rng.chance(0.01) ? 1 : 0,
      sizeOfContextRecord: hasContext ? X64_CONTEXT_SIZE : 0,
      contextRecord,
      threadName: i === 0 ? 'main' : rng.chance(0.3) ? rng.pick(THREAD_NAMES) : undefined,
    }
    threadIds[i] = tid
    startAddresses[i] = start
    tid += 4 * rng.int(1, 40)
  }
  return { threads, threadIds, startAddresses }
}
