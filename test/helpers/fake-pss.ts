// The fake PSS library (test/fake-pss/, built by the vitest global setup) loaded twice: through the
// binding under test, and directly for its control functions (fixtures, fault injection, live counters).
import { inject } from 'vitest'
import { loadKoffi } from '../../capture/windows/koffi.js'
import { openPss } from '../../capture/windows/pss.js'

export async function loadFakePss() {
  const library = inject('fakePssLibrary') ?? process.env.PSSNAP_FAKE_PSS
  if (!library) throw new Error('the fake PSS library was not built (test/fake-pss/build.ts is the globalSetup)')
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
