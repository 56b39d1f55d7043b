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
    reset: control.func('FakePssReset', 'void', []) as () => void,
  }
  return { library, koffi, pss, control, fake }
}

export type FakePss = Awaited<ReturnType<typeof openFakePss>>
