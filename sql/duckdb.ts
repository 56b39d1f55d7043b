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

export function loadDuckDB(): Promise<DuckDBModules> {
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
