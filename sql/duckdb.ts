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

/** Defined only by scripts/build-exe.mjs: the one-file executables do not embed DuckDB's native library. */
declare const __PSSNAP_EXE__: boolean | undefined
const EXE_HOW = 'this one-file executable has no SQL engine (DuckDB\'s 70 MB native library is not embedded). Copy the archives to a machine with Node and run `npx pssnap sql` there (with the optional dependency @duckdb/node-api), or use `pssnap export --format csv|json` here'

export function loadDuckDB(): Promise<DuckDBModules> {
  if (typeof __PSSNAP_EXE__ === 'boolean' && __PSSNAP_EXE__) return Promise.reject(new SqlError('SQL_UNAVAILABLE', EXE_HOW))
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
