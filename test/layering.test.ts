// The library's promise: reader/ and format/ run in any JavaScript runtime. These checks fail the build
// when platform code leaks in (DESIGN.md §2).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

const IMPORT = /(?:from|import\()\s*['"]([^'"]+)['"]/g

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []))
}

describe('layering', () => {
  // The Node entry: node.ts re-exports the reader and node-files.ts (its Node code, which the CLI imports alone).
  const nodeEntry = [join('reader', 'node.ts'), join('reader', 'node-files.ts')]
  const platformFree = [...sources('format'), ...sources('reader')].filter((f) => !nodeEntry.includes(f))

  it.each(platformFree)('%s imports no platform code', (file) => {
    const imports = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1]!)
    for (const spec of imports) {
      expect(spec, `${file} imports ${spec}`).not.toMatch(/^node:|^(fs|path|os|zlib|crypto|child_process|worker_threads)$|^koffi|capture\//)
    }
  })

  // The minidump writer (DESIGN §8) is platform-free too, and is built on the reader, never the other way round.
  it.each(sources('minidump'))('%s imports only the reader and format', (file) => {
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      expect(m[1], file).not.toMatch(/^node:|^(fs|path|os|zlib|crypto|child_process|worker_threads)$|^koffi|capture\/|cli\/|sql\//)
    }
  })

  it('reader/ and format/ import nothing from minidump/', () => {
    for (const file of platformFree) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) expect(m[1], file).not.toMatch(/minidump\//)
    }
  })

  it('nothing in reader/, format/ or capture/ imports sql/; sql/ imports neither cli/ nor capture/ (DESIGN.md §8)', () => {
    for (const file of [...platformFree, ...sources('capture')]) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) expect(m[1], file).not.toMatch(/sql\//)
    }
    for (const file of sources('sql')) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) expect(m[1], file).not.toMatch(/cli\/|capture\/|^koffi/)
    }
  })

  it('format/ imports nothing from reader/ or cli/', () => {
    for (const file of sources('format')) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) expect(m[1], file).not.toMatch(/reader\/|cli\//)
    }
  })

  it('the platform-free entry bundles for a browser', async () => {
    const result = await build({ entryPoints: ['reader/index.ts'], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' })
    expect(result.errors).toEqual([])
    const code = result.outputFiles[0]!.text
    expect(code).not.toMatch(/require\(["']node:/)
  })
})
