// vitest globalSetup: compiles the fake PSS library (every *.c here) into test/fake-pss/build/ and hands its path to
// the tests (inject('fakePssLibrary'), and PSSNAP_FAKE_PSS for child processes). gcc is required: a missing
// compiler fails the run rather than silently skipping the binding's tests.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, renameSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    fakePssLibrary: string
  }
}

const SOURCE_DIR = fileURLToPath(new URL('./', import.meta.url))
/** Every C file beside this one is part of the fake (PSS exports, process helpers, ...). */
export const FAKE_PSS_SOURCES = readdirSync(SOURCE_DIR)
  .filter((name) => name.endsWith('.c'))
  .sort()
  .map((name) => `${SOURCE_DIR}${name}`)
const BUILD_DIR = fileURLToPath(new URL('./build/', import.meta.url))

/** Compiles the fake for the host (Linux x86-64 .so) and returns its path. */
export function buildFakePss(): string {
  mkdirSync(BUILD_DIR, { recursive: true })
  const target = `${BUILD_DIR}libfakepss.so`
  // Build to a private name and rename: several vitest runs may share this checkout.
  const temp = `${target}.${process.pid}.tmp`
  const args = ['-std=c11', '-shared', '-fPIC', '-O1', '-Wall', '-Wextra', '-Werror', '-o', temp, ...FAKE_PSS_SOURCES]
  try {
    execFileSync('gcc', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (cause) {
    const err = cause as NodeJS.ErrnoException & { stderr?: Buffer }
    const detail = err.code === 'ENOENT' ? 'gcc was not found on PATH (install gcc: the PSS binding tests need it)' : (err.stderr?.toString() ?? err.message)
    throw new Error(`building the fake PSS library failed: gcc ${args.join(' ')}\n${detail}`, { cause })
  }
  renameSync(temp, target)
  return target
}

export default function setup(project: TestProject): void {
  const path = buildFakePss()
  process.env.PSSNAP_FAKE_PSS = path
  project.provide('fakePssLibrary', path)
}
