// The fake PSS library loaded twice, with no test runner involved (the same code runs under vitest on Linux and
// in the Windows build of Node under Wine): through the binding under test, and directly for the fake's
// control functions (fixtures, fault injection, live counters).
import { loadKoffi } from '../../capture/windows/koffi.js'
import { openPss } from '../../capture/windows/pss.js'

export async function openFakePss(library: string) {
  const koffi = await loadKoffi()
  const pss = await openPss({ library })
  const control = koffi.load(library)
  const fake = {
    setFixture: control.func('FakePssSetFixture', 'uint32_t', ['int32_t']) as (id: number) => number,
    setCaptureError: control.func('FakePssSetCaptureError', 'void', ['uint32_t']) as (error: number) => void,
    setMissingQueryClasses: control.func('FakePssSetMissingQueryClasses', 'void', ['uint32_t']) as (mask: number) => void,
    setWalkFault: control.func('FakePssSetWalkFault', 'void', ['uint32_t', 'uint32_t', 'uint32_t']) as (cls: number, after: number, error: number) => void,
    setAllocFailure: control.func('FakePssSetAllocFailure', 'void', ['uint32_t']) as (mask: number) => void,
    setOpenProcessError: control.func('FakePssSetOpenProcessError', 'void', ['uint32_t']) as (error: number) => void,
    lastOpenAccess: control.func('FakePssLastOpenAccess', 'uint32_t', []) as () => number,
    liveProcessHandles: control.func('FakePssLiveProcessHandles', 'uint32_t', []) as () => number,
    liveSnapshots: control.func('FakePssLiveSnapshots', 'uint32_t', []) as () => number,
    liveMarkers: control.func('FakePssLiveMarkers', 'uint32_t', []) as () => number,
    liveClones: control.func('FakePssLiveClones', 'uint32_t', []) as () => number,
    doubleReleases: control.func('FakePssDoubleReleases', 'uint32_t', []) as () => number,
    setCallerArchitecture: control.func('FakePssSetCallerArchitecture', 'uint32_t', ['uint32_t']) as (arch: number) => number,
    setNativeMachine: control.func('FakePssSetNativeMachine', 'void', ['uint32_t']) as (machine: number) => void,
    hangCall: control.func('FakePssHangCall', 'uint32_t', ['str', 'uint32_t']) as (name: string, nth: number) => number,
    hanging: control.func('FakePssHanging', 'uint32_t', []) as () => number,
    releaseHangs: control.func('FakePssReleaseHangs', 'void', []) as () => void,
    failCalls: control.func('FakePssFailCalls', 'uint32_t', ['str', 'uint32_t', 'uint32_t', 'uint32_t']) as (name: string, first: number, count: number, error: number) => number,
    callCount: control.func('FakePssCallCount', 'uint32_t', ['str']) as (name: string) => number,
    reset: control.func('FakePssReset', 'void', []) as () => void,
  }
  return { library, koffi, pss, control, fake }
}

export type FakePss = Awaited<ReturnType<typeof openFakePss>>

/** What the fake still holds: every count must be zero after a test (leaks, clones left running, double frees). */
export function fakeLeftovers(fake: FakePss['fake']) {
  return { snapshots: fake.liveSnapshots(), markers: fake.liveMarkers(), processHandles: fake.liveProcessHandles(), clones: fake.liveClones(), doubleReleases: fake.doubleReleases() }
}

/** The caller architectures FakePssSetCallerArchitecture takes. */
export const FAKE_CALLER_ARCH = { x64: 0, x86: 1, arm64: 2 } as const
