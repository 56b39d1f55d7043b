// Loading DuckDB: an optional dependency, imported only when a SQL verb runs, so the rest of pssnap works
// (and installs) without its 68 MB binary.
import { createRequire } from 'node:module'
import { SqlError } from './errors.js'

export type DuckDB = typeof import('@duckdb/node-api')
export type Bindings = typeof import('@duckdb/node-bindings')

export interface DuckDBModules {
  readonly api: DuckDB
  /** The C API binding under node-api: raw vectors, for copying typed arrays into data chunks. */
  readonly bindings: Bindings
}

let loaded: Promise<DuckDBModules> | undefined

const HOW = 'install it with `npm install @duckdb/node-api` (an optional dependency of pssnap; its binary ships in the npm package)'

/** Defined only by scripts/build-exe.mjs. The Linux executable embeds DuckDB (scripts/exe/duckdb-sea.cjs); the Windows one does not. */
declare const __PSSNAP_EXE__: boolean | undefined
const EXE_HOW = 'this executable has no SQL engine (DuckDB\'s native library is embedded in pssnap-linux-x64 only: no Windows build of it is at hand where the executables are built). Run `pssnap-linux-x64 sql`, or `npx pssnap sql` on a machine with Node (with the optional dependency @duckdb/node-api), on a copy of the archives, or use `pssnap export --format parquet|csv|json` here'

/** In an executable: DuckDB from the bundle, its binding from the embedded assets (the one node-api loaded). */
async function loadEmbedded(): Promise<DuckDBModules> {
  const sea = process.getBuiltinModule('node:sea') as typeof import('node:sea')
  try {
    sea.getRawAsset('duckdb.node')
  } catch {
    throw new SqlError('SQL_UNAVAILABLE', EXE_HOW)
  }
  const api = (await import('@duckdb/node-api')) as DuckDB
  const bindings = (globalThis as Record<symbol, unknown>)[Symbol.for('pssnap.duckdb-bindings')] as Bindings | undefined
  if (!bindings) throw new SqlError('SQL_UNAVAILABLE', 'the embedded DuckDB binding did not load')
  return { api: ((api as unknown as { default?: DuckDB }).default ?? api) as DuckDB, bindings }
}

export function loadDuckDB(): Promise<DuckDBModules> {
  if (typeof __PSSNAP_EXE__ === 'boolean' && __PSSNAP_EXE__) {
    loaded ??= loadEmbedded().catch((e: unknown) => {
      loaded = undefined
      throw e
    })
    return loaded
  }
  loaded ??= (async () => {
    let api: DuckDB
    try {
      api = (await import('@duckdb/node-api')) as DuckDB
    } catch (e) {
      loaded = undefined
      throw new SqlError('SQL_UNAVAILABLE', `DuckDB is not available (${(e as Error).message.split('\n')[0]}): ${HOW}`)
    }
    // node-api depends on the bindings at its exact version: resolve them from there, not from pssnap.
    const requireFromApi = createRequire(createRequire(import.meta.url).resolve('@duckdb/node-api'))
    const bindings = requireFromApi('@duckdb/node-bindings') as Bindings
    return { api: ((api as unknown as { default?: DuckDB }).default ?? api) as DuckDB, bindings }
  })()
  return loaded
}
