// pssnap's own version, from the package.json above this file: the same search works from the sources
// (vitest), from dist/capture/linux/ (the library) and from dist/cli.js (the bundled CLI).
import { readFileSync } from 'node:fs'

let cached: string | undefined
/** Set by scripts/build-exe.mjs in the one-file executables, which have no package.json beside them. */
declare const __PSSNAP_VERSION__: string | undefined

export function pssnapVersion(): string {
  if (cached) return cached
  if (typeof __PSSNAP_VERSION__ === 'string') return (cached = __PSSNAP_VERSION__)
  let url = new URL('./', import.meta.url)
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'pssnap' && pkg.version) return (cached = pkg.version)
    } catch {
      // not here: one folder up
    }
    url = new URL('../', url)
  }
  return (cached = 'unknown')
}
