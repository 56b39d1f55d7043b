// `koffi` inside a one-file executable (scripts/build-exe.mjs): a native addon cannot be required from the
// executable, so its .node file is embedded as the asset `koffi.node`, written once into a folder of the user's
// cache named by its content's hash (./asset-cache.cjs) and loaded from there with process.dlopen. A new
// temporary file each run would not do: on Windows a loaded .node cannot be deleted.
'use strict'
const { join } = require('node:path')
const { cachedAssets } = require('./asset-cache.cjs')

const m = { exports: {} }
process.dlopen(m, join(cachedAssets('koffi', ['koffi.node']), 'koffi.node'))
module.exports = m.exports
