// Host and target machines (capture/windows/architecture.ts) from stubbed kernel32 answers: IsWow64Process2 where
// it exists, and the IsWow64Process fallback (Windows before 10 1511), which the fake library cannot show because
// it always exports IsWow64Process2. The fake-backed cases are in test/pipeline-cases.ts ("architectures").
import { describe, expect, it } from 'vitest'
import { readMachines, refuseNarrowerCaller } from '../capture/windows/architecture.js'

const SELF = -1n
const TARGET = 0x44n

/** kernel32 answers: which handles run under WOW64, and IsWow64Process2's machines (omitted: the function is missing). */
function calls(wow64: Set<bigint>, machines?: { process: (h: bigint) => number; native: number }) {
  return {
    currentProcess: () => SELF,
    isWow64Process: (h: bigint) => wow64.has(h),
    isWow64Process2: machines ? (h: bigint) => ({ processMachine: machines.process(h), nativeMachine: machines.native }) : undefined,
  }
}

describe('readMachines', () => {
  it('IsWow64Process2: the native machine is the host; a WOW64 guest machine, or else the host, is the target', () => {
    const arm64 = calls(new Set(), { process: (h) => (h === TARGET ? 0x14c : 0), native: 0xaa64 })
    expect(readMachines(arm64, TARGET, 'x64')).toEqual({ host: 'arm64', target: 'x86' })
    expect(readMachines(arm64, SELF, 'x64')).toEqual({ host: 'arm64', target: 'arm64' })
    const x64 = calls(new Set(), { process: () => 0x1c4, native: 0x8664 })
    expect(readMachines(x64, TARGET, 'x64')).toEqual({ host: 'x64', target: 'arm' })
    const odd = calls(new Set(), { process: () => 0x5032, native: 0x8664 })
    expect(readMachines(odd, TARGET, 'x64').target).toBe('machine 0x5032')
  })

  it('IsWow64Process only: a 64-bit OS means x64; the target is x86 under WOW64, else the host', () => {
    // 32-bit pssnap under WOW64 on x64, 64-bit target
    expect(readMachines(calls(new Set([SELF])), TARGET, 'x86')).toEqual({ host: 'x64', target: 'x64' })
    // 32-bit pssnap on 32-bit Windows
    expect(readMachines(calls(new Set()), TARGET, 'x86')).toEqual({ host: 'x86', target: 'x86' })
    // 64-bit pssnap, WOW64 target
    expect(readMachines(calls(new Set([TARGET])), TARGET, 'x64')).toEqual({ host: 'x64', target: 'x86' })
  })
})

describe('refuseNarrowerCaller', () => {
  it('a 32-bit pssnap refuses a 64-bit target, and only that', () => {
    expect(() => refuseNarrowerCaller('x86', { host: 'x64', target: 'x64' }, 7)).toThrow(expect.objectContaining({ code: 'ARCHITECTURE_MISMATCH', processId: 7 }))
    expect(() => refuseNarrowerCaller('x86', { host: 'arm64', target: 'arm64' }, 7)).toThrow(/32-bit x86 and process 7 is 64-bit arm64/)
    expect(() => refuseNarrowerCaller('x86', { host: 'x64', target: 'x86' }, 7)).not.toThrow()
    expect(() => refuseNarrowerCaller('x86', { host: 'x64', target: undefined }, 7)).not.toThrow()
    expect(() => refuseNarrowerCaller('x64', { host: 'x64', target: 'x86' }, 7)).not.toThrow()
    expect(() => refuseNarrowerCaller('arm64', { host: 'arm64', target: 'x64' }, 7)).not.toThrow()
  })
})
