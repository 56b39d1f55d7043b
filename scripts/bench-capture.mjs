// `npm run bench:capture` (Linux): bundles bench/capture-linux.ts and runs the capture benchmark, which
// prints each ratio against a baseline measured in the same run.
import { execFileSync } from 'node:child_process'
import { build } from 'esbuild'

await build({
  entryPoints: ['bench/capture-linux.ts'],
  outdir: 'dist-bench',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
})
execFileSync(process.execPath, ['--expose-gc', 'dist-bench/capture-linux.js'], { stdio: 'inherit' })
