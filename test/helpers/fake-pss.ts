// The fake PSS library (test/fake-pss/, built by the vitest global setup) for vitest files: the path from the
// setup, then test/fake-pss/control.ts, which the Wine run uses too (no runner involved there).
import { inject } from 'vitest'
import { openFakePss } from '../fake-pss/control.js'

export async function loadFakePss() {
  const library = inject('fakePssLibrary') ?? process.env.PSSNAP_FAKE_PSS
  if (!library) throw new Error('the fake PSS library was not built (test/fake-pss/build.ts is the globalSetup)')
  return openFakePss(library)
}
