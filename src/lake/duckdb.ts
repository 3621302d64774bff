import os from 'node:os'
import path from 'node:path'
import {type DuckDBConnection, DuckDBInstance} from '@duckdb/node-api'

import {LabmeshError} from '../errors.js'

let instance: Promise<DuckDBInstance> | undefined

/** The process-wide in-memory DuckDB: one instance shares its buffer pool and threads among all callers. */
export function duckdb(): Promise<DuckDBInstance> {
  // Spill to the system temp folder, not DuckDB's default of `.tmp` in whatever the working directory is.
  instance ??= DuckDBInstance.create(':memory:', {temp_directory: path.join(os.tmpdir(), 'labmesh-duckdb')}).catch((error: unknown) => {
    instance = undefined
    throw error
  })
  return instance
}

/**
 * Runs `fn` on a fresh connection and closes it afterwards, whatever happens. Each session uses
 * UTC: Delta timestamps are UTC instants, and Parquet INT96 timestamps read as naive TIMESTAMP are
 * converted with the session zone, so a machine's local zone must not shift them.
 */
export async function withConnection<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const connection = await (await duckdb()).connect()
  try {
    await connection.run("SET TimeZone = 'UTC'")
    return await fn(connection)
  } finally {
    connection.closeSync()
  }
}

/**
 * An identifier quoted for SQL text. Values are always bound as parameters; identifiers, and the
 * file lists of view bodies that later run without parameters, cannot be, so they are quoted here.
 */
export function quoteIdentifier(name: string): string {
  assertNoNul(name)
  return `"${name.replaceAll('"', '""')}"`
}

/** A string literal for SQL text that cannot take parameters (view bodies). DuckDB has no backslash escapes. */
export function quoteLiteral(value: string): string {
  assertNoNul(value)
  return `'${value.replaceAll("'", "''")}'`
}

function assertNoNul(text: string): void {
  if (text.includes('\0')) throw new LabmeshError('INVALID_DATA', `a name or path contains a NUL character: ${JSON.stringify(text)}`)
}
