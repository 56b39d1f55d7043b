// Build: tsc emits the library (dist/, with declarations); esbuild bundles the CLI, because resolving zod's and
// yargs' hundreds of modules would double `pssnap`'s cold start (bench (f)). The bundle is split: dist/cli.js
// (argument parsing) and dist/chunks/, where each verb's code, imported when the verb runs, and the modules
// verbs share are chunks of their own, so that `pssnap info` compiles and runs only what info uses (not
// re2js, the diff, trend, redaction, capture or SQL code). The one-file executables are bundled whole
// (scripts/build-exe.mjs).
// Everything is built beside dist/ and swapped in at the end: a failing build (a type error) leaves the last
// good dist/ in place, and a test running the CLI meanwhile never finds it half-built or missing.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, renameSync, rmSync } from 'node:fs'
import { build } from 'esbuild'
import { buildViewer } from './build-viewer.mjs'
import { lazyModules } from './lazy-modules.mjs'

const staging = `dist.build-${process.pid}`
const previous = `dist.old-${process.pid}`
try {
  // Same depth as dist/, so the source maps' relative paths hold after the swap.
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', staging], { stdio: 'inherit' })

  const banner = [
    '#!/usr/bin/env node',
    // Bundled CommonJS dependencies (yargs' helpers, msgpackr's native loader) call require().
    "import { createRequire as __pssnapCreateRequire } from 'node:module'",
    'const require = __pssnapCreateRequire(import.meta.url)',
  ].join('\n')

  await build({
    entryPoints: { cli: 'cli/main.ts' },
    outdir: staging,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    sourcemap: 'linked',
    banner: { js: banner },
    // koffi (an optional peer dependency) is a native addon loaded lazily by capture/windows only;
    // msgpackr-extract is msgpackr's optional addon.
    // @duckdb/node-api (optional dependency, a native addon) is imported by `pssnap sql` only, at run time.
    external: ['koffi', 'msgpackr-extract', '@duckdb/node-api'],
    // string-width, loaded by yargs' help, only when a string needs it (scripts/lazy-modules.mjs).
    plugins: [lazyModules],
    logLevel: 'warning',
  })
  chmodSync(`${staging}/cli.js`, 0o755)
  // The viewer's bundle and static page (issue 14), read by `pssnap report` and `pssnap view`.
  await buildViewer(`${staging}/viewer`)

  if (existsSync('dist')) renameSync('dist', previous)
  renameSync(staging, 'dist')
} finally {
  rmSync(staging, { recursive: true, force: true })
  rmSync(previous, { recursive: true, force: true })
}
