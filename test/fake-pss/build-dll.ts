// The fake PSS library built as a Windows x64 DLL with mingw-w64, from the same C sources as the Linux .so
// (build.ts), for the Wine run (test/wine.test.ts). Not part of the vitest global setup: only the Wine test
// needs it, and a machine without mingw can still run everything else.
import { execFileSync } from 'node:child_process'
import { mkdirSync, renameSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { FAKE_PSS_SOURCES } from './build.js'

export const MINGW_GCC = 'x86_64-w64-mingw32-gcc'
const BUILD_DIR = fileURLToPath(new URL('./build/', import.meta.url))

/** Compiles every fake C file into build/fakepss.dll and returns its (Linux) path. */
export function buildFakePssDll(): string {
  mkdirSync(BUILD_DIR, { recursive: true })
  const target = `${BUILD_DIR}fakepss.dll`
  // Build to a private name and rename: several vitest runs may share this checkout.
  const temp = `${target}.${process.pid}.tmp`
  const args = ['-std=c11', '-shared', '-O1', '-Wall', '-Wextra', '-Werror', '-o', temp, ...FAKE_PSS_SOURCES]
  try {
    execFileSync(MINGW_GCC, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (cause) {
    const err = cause as NodeJS.ErrnoException & { stderr?: Buffer }
    const detail = err.code === 'ENOENT' ? `${MINGW_GCC} was not found on PATH (apt-get install gcc-mingw-w64-x86-64)` : (err.stderr?.toString() ?? err.message)
    throw new Error(`building the fake PSS DLL failed: ${MINGW_GCC} ${args.join(' ')}\n${detail}`, { cause })
  }
  renameSync(temp, target)
  return target
}
