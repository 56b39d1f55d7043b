// The Linux tools the Wine run needs: wine (Debian's wine64 package; /usr/bin/wine comes from the `wine`
// package it recommends, /usr/lib/wine/wine64 is the fallback), wineserver, and the mingw-w64 compiler for the
// fake DLL. Found on PATH only, never installed from here (.ci/run installs them).
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { MINGW_GCC } from '../fake-pss/build-dll.js'

export interface WineTools {
  wine: string
  wineserver: string
  mingw: string
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name)
  }
  return undefined
}

/** The tools, or the list of what is missing (with the Debian package that provides it). */
export function findWineTools(): { tools: WineTools; missing: [] } | { tools: undefined; missing: string[] } {
  const wine = onPath('wine') ?? ['/usr/lib/wine/wine64'].find(executable)
  const wineserver = onPath('wineserver') ?? ['/usr/lib/wine/wineserver64'].find(executable)
  const mingw = onPath(MINGW_GCC)
  const missing = [!wine && 'wine (apt-get install wine64)', !wineserver && 'wineserver (apt-get install wine64)', !mingw && `${MINGW_GCC} (apt-get install gcc-mingw-w64-x86-64)`].filter(
    (x): x is string => typeof x === 'string',
  )
  if (wine && wineserver && mingw) return { tools: { wine, wineserver, mingw }, missing: [] }
  return { tools: undefined, missing }
}

/** A Linux path as Wine's Windows programs see it: drive Z: is the Linux root in every new prefix. */
export const windowsPath = (linuxPath: string) => `Z:${linuxPath.replaceAll('/', '\\')}`
