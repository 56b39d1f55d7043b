// `@duckdb/node-bindings` inside the Linux one-file executable (scripts/build-exe.mjs): its duckdb.node and the
// libduckdb.so that duckdb.node links through its $ORIGIN runpath are embedded as assets, written once into a
// folder of the user's cache named by their hash (./asset-cache.cjs) and loaded from there with
// process.dlopen. The binding is also left where sql/duckdb.ts finds it (@duckdb/node-api's own copy).
'use strict'
const { join } = require('node:path')
const { cachedAssets } = require('./asset-cache.cjs')

const dir = cachedAssets('duckdb', ['duckdb.node', 'libduckdb.so'])
const m = { exports: {} }
process.dlopen(m, join(dir, 'duckdb.node'))
globalThis[Symbol.for('pssnap.duckdb-bindings')] = m.exports
module.exports = m.exports
