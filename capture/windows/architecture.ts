// Which machine the OS runs and which the target runs as, for the archive header (host.architecture,
// target.architecture), and the one combination pssnap refuses. "Not WOW64" does not mean "the same as the
// caller": a 32-bit pssnap on 64-bit Windows, or an x64 pssnap emulated on ARM64, runs as another machine than
// the OS. IsWow64Process2 tells the OS's native machine and a WOW64 process's guest machine; where it is
// missing (before Windows 10 1511, so no ARM64 Windows) IsWow64Process answers yes or no, and the machines
// follow from the caller's own architecture.
// Not detectable here: an x64 process emulated on ARM64 is not a WOW64 process (IsWow64Process2 answers
// "unknown" for it), so such a target is recorded as arm64.
import { CaptureFailedError } from '../errors.js'
import type { ProcessCalls } from './process.js'
import type { ProcessHandle } from './pss.js'
import type { PssArch } from './types.js'

/** IMAGE_FILE_MACHINE_* values (winnt.h) and the architecture names the archive uses (Node's vocabulary). */
const MACHINES: ReadonlyMap<number, string> = new Map([
  [0x014c, 'x86'], // I386
  [0x8664, 'x64'], // AMD64
  [0xaa64, 'arm64'], // ARM64
  [0x01c4, 'arm'], // ARMNT
])
const IMAGE_FILE_MACHINE_UNKNOWN = 0
const SIXTY_FOUR_BIT = new Set(['x64', 'arm64'])
const POINTER_BITS: Readonly<Record<PssArch, 32 | 64>> = { x64: 64, x86: 32, arm64: 64 }

export interface Machines {
  /** The OS's native machine (the header's host.architecture). */
  host: string
  /** The machine the target runs as; undefined when it could not be told. */
  target: string | undefined
}

const machineName = (machine: number): string => MACHINES.get(machine) ?? `machine 0x${machine.toString(16)}`

/**
 * The host's and the target's machines. `caller` is the architecture pssnap runs as; `target` the handle of
 * the process to capture (the caller's own pseudo handle for `self`). Throws Win32Error when the calls fail.
 */
export function readMachines(calls: Pick<ProcessCalls, 'isWow64Process2' | 'isWow64Process' | 'currentProcess'>, target: ProcessHandle, caller: PssArch): Machines {
  if (calls.isWow64Process2) {
    const { processMachine, nativeMachine } = calls.isWow64Process2(target)
    const host = machineName(nativeMachine)
    return { host, target: processMachine === IMAGE_FILE_MACHINE_UNKNOWN ? host : machineName(processMachine) }
  }
  // IsWow64Process only: Windows older than 10 1511, where a 64-bit OS means x64.
  const callerUnderWow64 = calls.isWow64Process(calls.currentProcess())
  const host = POINTER_BITS[caller] === 32 && callerUnderWow64 ? 'x64' : caller
  const targetUnderWow64 = calls.isWow64Process(target)
  return { host, target: targetUnderWow64 ? 'x86' : host }
}

/** Refuses a 32-bit pssnap capturing a 64-bit process: PSS would hand it 64-bit addresses in 32-bit fields. */
export function refuseNarrowerCaller(caller: PssArch, machines: Machines, processId: number): void {
  if (POINTER_BITS[caller] === 32 && machines.target !== undefined && SIXTY_FOUR_BIT.has(machines.target)) {
    throw new CaptureFailedError(
      'ARCHITECTURE_MISMATCH',
      `pssnap runs as 32-bit ${caller} and process ${processId} is 64-bit ${machines.target}: its addresses would be cut to 32 bits; run pssnap with a 64-bit Node`,
      processId,
    )
  }
}
