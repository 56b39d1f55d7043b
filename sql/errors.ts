// Typed failures of the SQL layer, reported by the CLI as `CODE - message` (cli/main.ts).
export type SqlErrorCode =
  /** @duckdb/node-api (an optional dependency) is not installed or its binary does not load. */
  | 'SQL_UNAVAILABLE'
  /** DuckDB refused or failed the user's query (syntax, unknown column, a refused file access, a limit). */
  | 'SQL_ERROR'
  /** An input is not an archive, a folder or a glob that names archives. */
  | 'SQL_NO_INPUT'
  /** The Parquet output folder exists or cannot be made. */
  | 'SQL_OUTPUT'

export class SqlError extends Error {
  override name = 'SqlError'
  constructor(
    readonly code: SqlErrorCode,
    message: string,
  ) {
    super(message)
  }
}
