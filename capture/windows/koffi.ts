// The one place that loads koffi. It is a native addon, so it is imported lazily and only from capture/windows:
// reader/, format/ and cli/ never import it at module top level (test/layering.test.ts guards reader/ and format/).
import type koffiDefault from 'koffi'
import type { LibraryHandle, TypeObject } from 'koffi'

/** The koffi module object (its default export). Functions here take it as a parameter so nothing loads it early. */
export type Koffi = typeof koffiDefault
/** A koffi type object (struct, union, array, pointer, prototype or primitive). */
export type KoffiType = TypeObject
export type KoffiLibrary = LibraryHandle
/** What koffi accepts where a type is expected: a type name string or a type object. */
export type KoffiTypeSpec = Parameters<Koffi['sizeof']>[0]

let loading: Promise<Koffi> | undefined

/** Imports koffi on first use. Rejects (and forgets the failure, so a later call retries) when the addon cannot load. */
export function loadKoffi(): Promise<Koffi> {
  loading ??= import('koffi').then(
    (mod) => mod.default,
    (err: unknown) => {
      loading = undefined
      throw err
    },
  )
  return loading
}
