// The executables' main script (scripts/build-exe.mjs): small on purpose. `--version` is answered at once; any
// other command runs the CLI, a CommonJS bundle embedded as the asset `cli.cjs`, compiled here with the V8
// code cache the build made for it (asset `cli.cache`, Linux only: a cache is valid only for the binary that
// made it; V8 rejects a stale one and compiles from source). Keeping the CLI out of the main script means a
// start that does not need it does not parse it.
'use strict'
const args = process.argv.slice(2)
if (args.length === 1 && args[0] === '--version') process.stdout.write(`${__PSSNAP_VERSION__}\n`)
else {
  const sea = require('node:sea')
  const { compileFunction } = require('node:vm')
  let cachedData
  try {
    cachedData = new Uint8Array(sea.getRawAsset('cli.cache'))
  } catch {
    // no cache in this executable
  }
  const run = compileFunction(sea.getAsset('cli.cjs', 'utf8'), ['require', 'module', 'exports'], { filename: 'pssnap-cli.cjs', ...(cachedData ? { cachedData } : {}) })
  const m = { exports: {} }
  run(require, m, m.exports)
}
