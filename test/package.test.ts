// Package invariants a publisher would otherwise find out about from users (STYLE.md §6.15).
import { execFile, execFileSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { CLI } from './helpers/cli.js'

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  name: string
  type: string
  bin: Record<string, string>
  exports: Record<string, string | Record<string, string>>
  engines: { node: string }
  files: string[]
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  repository?: { type: string; url: string }
  homepage?: string
  bugs?: { url: string }
}

describe('package.json', () => {
  it('is an ESM package named pssnap with its bin', () => {
    expect(pkg.name).toBe('pssnap')
    expect(pkg.type).toBe('module')
    expect(Object.keys(pkg.bin)).toEqual(['pssnap'])
    expect(pkg.engines.node).toBe('>=20')
  })

  it('lists types first in every export condition, and every target exists after the build', () => {
    for (const [entry, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue
      expect(Object.keys(target)[0], entry).toBe('types')
      for (const file of Object.values(target)) expect(existsSync(file), `${entry} → ${file}`).toBe(true)
    }
    expect(existsSync(pkg.bin.pssnap!)).toBe(true)
  })

  it('exports the platform-free reader at ".", file helpers at "./node", capture at "./capture"', () => {
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './node', './capture']))
  })

  it('keeps runtime dependencies to the chosen ones, and pins dev dependencies exactly', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@noble/hashes', 'hyparquet-writer', 're2js', 'yargs', 'zod'])
    // Exact versions (a prerelease tag included: postject has only 1.0.0-alpha.6), never ranges; the optional
    // DuckDB binding is pinned the same way.
    for (const [name, range] of Object.entries({ ...pkg.devDependencies, ...pkg.optionalDependencies })) expect(range, name).toMatch(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$/)
  })

  it('koffi (Windows capture only) is an optional peer dependency, installed for development', () => {
    expect(pkg.peerDependencies).toEqual({ koffi: expect.any(String) })
    expect(pkg.peerDependenciesMeta).toEqual({ koffi: { optional: true } })
    expect(pkg.devDependencies.koffi).toBeDefined()
  })

  it('names its repository, home page and issue tracker', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\/[\w-]+\/[\w-]+\.git$/) })
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\//)
    expect(pkg.bugs?.url).toMatch(/^https:\/\/github\.com\/.*\/issues$/)
  })

  it('ships the spec with the code', () => {
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'spec/ARCHIVE.md', 'spec/JSON.md']))
  })
})

describe('the packed package', () => {
  // --ignore-scripts: `prepare` would rebuild dist/ under the other tests' feet.
  const packed = () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    return new Set((JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path))
  }

  it('holds every file README links to, the CLI and the library, and no tests', () => {
    const files = packed()
    const readme = readFileSync('README.md', 'utf8')
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!.replace(/#.*$/, '')).filter((l) => l && !/^[a-z]+:/.test(l))
    expect(links.length).toBeGreaterThan(0)
    for (const link of new Set(links)) expect(files.has(link.replace(/^\.\//, '')), `README links ${link}`).toBe(true)
    for (const file of ['README.md', 'package.json', 'dist/cli.js', 'dist/reader/index.js', 'dist/reader/node.js', 'dist/capture/index.js']) expect(files.has(file), file).toBe(true)
    // The CLI's chunks (scripts/build.mjs): every one that dist/cli.js and its chunks import is packed.
    const chunkImports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/from\s*"\.\.?\/(?:chunks\/)?([\w-]+\.js)"|import\("\.\.?\/(?:chunks\/)?([\w-]+\.js)"\)/g)].map((m) => `dist/chunks/${m[1] ?? m[2]}`)
    const wanted = new Set(chunkImports(CLI))
    for (const chunk of wanted) for (const more of chunkImports(chunk)) wanted.add(more)
    expect(wanted.size).toBeGreaterThan(0)
    for (const chunk of wanted) expect(files.has(chunk), chunk).toBe(true)
    expect([...files].filter((f) => f.startsWith('test/') || f.startsWith('bench/'))).toEqual([])
  }, 60_000)
})

describe('installing and bundling without koffi', () => {
  it('bundling the reader for a browser pulls in no koffi (and no capture code)', async () => {
    const result = await build({ entryPoints: ['reader/index.ts'], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' })
    const inputs = Object.keys(result.metafile.inputs)
    expect(inputs.filter((f) => /koffi|capture\//.test(f))).toEqual([])
  })

  it('the CLI without koffi reads archives, and a Windows capture says what to install', async () => {
    // The bundled CLI (cli.js and the chunks it imports) alone in a folder with no node_modules: nothing can
    // resolve 'koffi'.
    const dir = mkdtempSync(join(tmpdir(), 'pssnap-nokoffi-'))
    try {
      copyFileSync(CLI, join(dir, 'cli.js'))
      cpSync(join(dirname(CLI), 'chunks'), join(dir, 'chunks'), { recursive: true })
      const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
          execFile(process.execPath, [join(dir, 'cli.js'), ...args], { cwd: dir, env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
          ),
        )
      const info = await run(['info', join(process.cwd(), 'spec/fixtures/small.pssnap')])
      expect(info.code).toBe(0)
      expect(info.stdout).toMatch(/pssnap archive, format 1\.0/)
      // PSSNAP_PSS_LIBRARY selects the Windows backend on any OS: the one that needs koffi.
      const capture = await run(['capture', '31337', '-o', 'x.pssnap'], { PSSNAP_PSS_LIBRARY: join(dir, 'no-such-library') })
      expect(capture.code).toBe(1)
      expect(capture.stderr).toMatch(/^CAPTURE_DEPENDENCY_MISSING - Windows capture needs the package 'koffi'.*npm install koffi/)
      expect(existsSync(join(dir, 'x.pssnap'))).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
