// `npm run bench` (archive: 1M entries), `npm run bench:capture` (Linux capture) and `npm run bench -- redact`
// (redaction's speed), `npm run bench -- viewer` (issue 14: the viewer in Chromium, report size),
// `npm run bench -- attacks [--cli <other build>]` (issue 18's attacks: outcome, time and
// peak RSS against the reading budget), `npm run bench -- sql` (issue 17: DuckDB loading, Parquet export), `npm run bench -- minidump` (issue 15: minidump
// export vs open-and-visit): builds the package,
// bundles bench/*.ts with esbuild and runs one benchmark, which measures every ratio against a baseline
// taken in the same run.
import { execFileSync } from 'node:child_process'
import { build } from 'esbuild'

const NAMED = new Set(['redact', 'attacks', 'viewer', 'sql', 'minidump', 'linux-fds', 'watch', 'trend-stats'])
const which = process.argv[2] === 'capture' ? 'capture-linux' : NAMED.has(process.argv[2]) ? process.argv[2] : 'run'
execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' })
await build({
  entryPoints: ['bench/run.ts', 'bench/stream-count.ts', 'bench/open-file.ts', 'bench/diff-files.ts', 'bench/capture-linux.ts', 'bench/redact.ts', 'bench/attacks.ts', 'bench/viewer.ts', 'bench/sql.ts', 'bench/minidump.ts', 'bench/linux-fds.ts', 'bench/watch.ts', 'bench/trend-stats.ts'],
  outdir: 'dist-bench',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
})
// `npm run bench -- linux-fds` (issue 16): a capture at lsof depth of 10k fds, 2k of them sockets.
// `npm run bench -- watch` (issue 13): watch's CPU per capture, trigger polling, the Linux executable's start.
// `npm run bench -- trend-stats` (issue 18): the trend statistics at 1k, 10k and 100k snapshots (n log n, not n²).
// `npm run bench -- diff` passes `diff` on to bench/run.ts (only the diff benchmark).
execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', `dist-bench/${which}.js`, ...process.argv.slice(which === 'run' ? 2 : 3)], { stdio: 'inherit' })
