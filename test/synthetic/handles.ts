// The handle table as PssWalkSnapshot(PSS_WALK_HANDLES) reports it with name, basic and type-specific
// information captured: handle values ascending in steps of 4 (with holes where handles were closed),
// types weighted like a busy service, and the TypeSpecificInformation member that ObjectType selects.
import type { HandleEntry } from '../../format/index.js'
import { Weighted, type Rng } from './prng.js'
import { HANDLE_TYPES, ObjectType, type HandleType, type NameContext } from './vocabulary.js'

/** PSS_HANDLE_FLAGS (spec/abi/abi-x64.json). */
export const HAVE_TYPE = 0x1
export const HAVE_NAME = 0x2
export const HAVE_BASIC_INFORMATION = 0x4
export const HAVE_TYPE_SPECIFIC_INFORMATION = 0x8

/** What the handle generator needs to know about the rest of the snapshot, for consistent references. */
export interface HandleContext extends NameContext {
  parentPid: number
  pebBaseAddress: bigint
  captureTicks: bigint
  processCreateTicks: bigint
  threadIds: readonly number[]
  tebOf: (i: number) => bigint
  startAddressOf: (i: number) => bigint
}

const TYPES = new Weighted<HandleType>(HANDLE_TYPES.map((t) => [t, t.weight] as const))
const TICKS_PER_SECOND = 10_000_000n
const STILL_ACTIVE = 259
const SEC_COMMIT = 0x8000000
const SEC_IMAGE = 0x1000000
const SEC_RESERVE = 0x4000000

export function generateHandles(rng: Rng, count: number, ctx: HandleContext): HandleEntry[] {
  const out: HandleEntry[] = new Array(count)
  let value = 4
  for (let i = 0; i < count; i++) {
    const type = TYPES.pick(rng)
    const name = type.name(rng, ctx)
    const handleCount = rng.geometric(0.7, 40)
    const typeSpecific = type.objectType !== ObjectType.UNKNOWN && rng.chance(0.97) ? typeSpecificOf(type.objectType, rng, ctx) : undefined
    // Created some time between the process start and the capture; a few objects report no time.
    const age = BigInt(rng.int(0, 86_400)) * TICKS_PER_SECOND + BigInt(rng.int(0, 9_999_999))
    const created = ctx.captureTicks - age < ctx.processCreateTicks ? ctx.processCreateTicks : ctx.captureTicks - age
    const entry: HandleEntry = {
      handle: BigInt(value),
      flags: HAVE_TYPE | HAVE_BASIC_INFORMATION | (name ? HAVE_NAME : 0) | (typeSpecific ? HAVE_TYPE_SPECIFIC_INFORMATION : 0),
      objectType: type.objectType,
      // The walk takes a few microseconds per handle.
      captureTime: ctx.captureTicks + BigInt(Math.floor(i * 23.7)),
      attributes: rng.chance(0.03) ? 0x2 : 0,
      grantedAccess: rng.pick(type.access),
      handleCount,
      // Windows 8+ biases pointer counts by 32768 per handle reference.
      pointerCount: handleCount * 32768 + rng.int(0, 3),
      pagedPoolCharge: type.pagedPoolCharge,
      nonPagedPoolCharge: type.nonPagedPoolCharge,
      creationTime: rng.chance(0.15) ? 0n : created,
      typeName: type.typeName,
      objectName: name,
    }
    if (typeSpecific) entry.typeSpecificInformation = typeSpecific
    out[i] = entry
    value += 4 * (rng.chance(0.85) ? 1 : rng.int(2, 12))
  }
  return out
}

function typeSpecificOf(objectType: number, rng: Rng, ctx: HandleContext): HandleEntry['typeSpecificInformation'] {
  switch (objectType) {
    case ObjectType.PROCESS: {
      // Mostly handles to itself (GetCurrentProcess duplicated) or a child process.
      const self = rng.chance(0.6)
      return {
        process: {
          exitStatus: rng.chance(0.9) ? STILL_ACTIVE : rng.pick([0, 1, 0xc0000005]),
          pebBaseAddress: self ? ctx.pebBaseAddress : 0x0000_0000_0000_1000n * BigInt(rng.int(0x100000, 0x3ffffff)),
          affinityMask: 0xffn,
          basePriority: 8,
          processId: self ? ctx.pid : 4 * rng.int(100, 16000),
          parentProcessId: self ? ctx.parentPid : ctx.pid,
          flags: rng.chance(0.05) ? 0x2 : 0,
        },
      }
    }
    case ObjectType.THREAD: {
      const n = ctx.threadIds.length
      const t = n > 0 && rng.chance(0.9) ? rng.int(0, n - 1) : -1
      return {
        thread: {
          exitStatus: STILL_ACTIVE,
          tebBaseAddress: t >= 0 ? ctx.tebOf(t) : 0n,
          processId: ctx.pid,
          threadId: t >= 0 ? ctx.threadIds[t]! : 4 * rng.int(100, 50000),
          affinityMask: 0xffn,
          priority: rng.pick([8, 8, 9, 10, 15, 6]),
          basePriority: 8,
          win32StartAddress: t >= 0 ? ctx.startAddressOf(t) : 0n,
        },
      }
    }
    case ObjectType.MUTANT: {
      const owned = rng.chance(0.2)
      return {
        mutant: {
          currentCount: owned ? 0 : 1,
          abandoned: owned && rng.chance(0.05) ? 1 : 0,
          ownerProcessId: owned ? ctx.pid : 0,
          ownerThreadId: owned && ctx.threadIds.length > 0 ? rng.pick(ctx.threadIds) : 0,
        },
      }
    }
    case ObjectType.EVENT:
      return { event: { manualReset: rng.chance(0.4) ? 1 : 0, signaled: rng.chance(0.3) ? 1 : 0 } }
    case ObjectType.SECTION: {
      const kind = rng.next()
      return {
        section: {
          baseAddress: 0n,
          allocationAttributes: kind < 0.7 ? SEC_COMMIT : kind < 0.9 ? SEC_RESERVE : SEC_IMAGE,
          maximumSize: BigInt(rng.int(1, 4096) * 0x1000),
        },
      }
    }
    case ObjectType.SEMAPHORE: {
      const maximumCount = rng.pick([1, 2, 16, 0x7fffffff])
      return { semaphore: { currentCount: rng.int(0, Math.min(maximumCount, 4)), maximumCount } }
    }
    default:
      return undefined
  }
}
