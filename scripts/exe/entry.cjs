// The executables' main script (scripts/build-exe.mjs bundles it with the CLI). `--version` is answered before
// the CLI is evaluated: the CLI's modules (yargs, the command table) are what a cold start spends its time on,
// and a version check is what scripts run most. Everything else is the CLI itself (cli/main.ts), loaded here.
'use strict'
const args = process.argv.slice(2)
if (args.length === 1 && args[0] === '--version') process.stdout.write(`${__PSSNAP_VERSION__}\n`)
else require('../../cli/main.ts')
