// The one place that loads koffi. It is a native addon, so it is imported lazily and only from capture/windows:
// reader/, format/ and cli/ never import it at module top level (test/layering.test.ts guards reader/ and format/).
import type koffiDefault from 'koffi'
import type { LibraryHandle, TypeObject } from 'koffi'
import { CaptureUnavailableError } from '../errors.js'

/** The koffi module object (its default export). Functions here take it as a parameter so nothing loads it early. */
export type Koffi = typeof koffiDefault
/** A koffi type object (struct, union, array, pointer, prototype or primitive). */
export type KoffiType = TypeObject
export type KoffiLibrary = LibraryHandle
/** What koffi accepts where a type is expected: a type name string or a type object. */
export type KoffiTypeSpec = Parameters<Koffi['sizeof']>[0]

let loading: Promise<Koffi> | undefined

/**
 * Imports koffi on first use. Rejects (and forgets the failure, so a later call retries) when the addon cannot
 * load; CAPTURE_DEPENDENCY_MISSING when it is not installed (an optional peer dependency: only Windows capture
 * needs it, so readers and Linux capture install without it).
 */
export function loadKoffi(): Promise<Koffi> {
  loading ??= import('koffi').then(
    (mod) => mod.default,
    (err: unknown) => {
      loading = undefined
      const e = err as { code?: unknown; message?: unknown }
      if ((e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && String(e.message).includes('koffi')) {
        throw new CaptureUnavailableError('CAPTURE_DEPENDENCY_MISSING', "Windows capture needs the package 'koffi' (its FFI to kernel32), which is not installed: run 'npm install koffi' where pssnap is installed (reading archives and Linux capture do not need it)")
      }
      throw err
    },
  )
  return loading
}
