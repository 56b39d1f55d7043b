// Build: tsc emits the library (dist/, with declarations); esbuild bundles the CLI into one file, because
// resolving zod's and yargs' hundreds of modules would double `pssnap`'s cold start (bench (f)).
import { execFileSync } from 'node:child_process'
import { chmodSync, rmSync } from 'node:fs'
import { build } from 'esbuild'

rmSync('dist', { recursive: true, force: true })
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })

const banner = [
  '#!/usr/bin/env node',
  // Bundled CommonJS dependencies (yargs' helpers, msgpackr's native loader) call require().
  "import { createRequire as __pssnapCreateRequire } from 'node:module'",
  'const require = __pssnapCreateRequire(import.meta.url)',
].join('\n')

await build({
  entryPoints: ['cli/main.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  banner: { js: banner },
  // koffi is a native addon loaded lazily by capture/ only; msgpackr-extract is msgpackr's optional addon.
  external: ['koffi', 'msgpackr-extract'],
  logLevel: 'warning',
})
chmodSync('dist/cli.js', 0o755)
