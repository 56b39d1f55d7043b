// `npm run bench`: builds the package, bundles bench/*.ts with esbuild and runs the benchmark, which
// measures every ratio against a baseline taken in the same run (bench/README.md).
import { execFileSync } from 'node:child_process'
import { build } from 'esbuild'

execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' })
await build({
  entryPoints: ['bench/run.ts', 'bench/stream-count.ts', 'bench/open-file.ts'],
  outdir: 'dist-bench',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
})
execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', 'dist-bench/run.js', ...process.argv.slice(2)], { stdio: 'inherit' })
