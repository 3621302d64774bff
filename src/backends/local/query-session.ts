import path from 'node:path'
import {type DuckDBConnection, DuckDBInstance} from '@duckdb/node-api'

import {LabmeshError, toLabmeshError} from '../../errors.js'
import {findTable, parseTableRef} from '../../lake/catalog/table-ref.js'
import {assertReadable} from '../../lake/delta/readable.js'
import {DeltaTable} from '../../lake/delta/table.js'
import type {Lake, TableVersion} from '../types.js'
import {quoteIdentifier, quoteLiteral} from '../../lake/duckdb.js'

export interface QuerySessionOptions {
  lake: Lake
  /** The workspace's lake folder, readable whole. */
  lakeRoot: string
  /** Where DuckDB spills what does not fit in memory. */
  tempDir: string
  asOf?: Record<string, TableVersion>
  /** The one file the session may write: an export's partial file. */
  writable?: string
}

/** A locked-down DuckDB database whose views are the catalog's tables. */
export interface QuerySession {
  readonly connection: DuckDBConnection
  /** Every catalog table as `database.table`. */
  readonly tables: string[]
  /** Tables whose view could not be made (unreadable log, unsupported features), with why: reported if a statement names them. */
  readonly unreadable: Map<string, LabmeshError>
  close(): void
}

/**
 * Opens a fresh in-memory DuckDB instance for one statement: a view per catalog table (its Delta
 * snapshot's active Parquet files, partition values as columns), then containment: DuckDB may reach
 * only the lake, the tables' own folders and `writable`, load nothing, and nobody can change that
 * afterwards (lock_configuration). DuckDB's allowed folders are writable too: statements that write
 * are kept out by the checks of query-execution.ts, not here. A separate instance, not the process-wide one of
 * duckdb.ts, because a locked configuration cannot be unlocked and Delta writers need that one.
 */
export async function openQuerySession(options: QuerySessionOptions): Promise<QuerySession> {
  const entries = await options.lake.catalog.list()
  const tables = entries.map((e) => `${e.database}.${e.table}`)
  const asOf = new Map<string, TableVersion>()
  for (const [name, version] of Object.entries(options.asOf ?? {})) {
    const ref = parseTableRef(name)
    // Unknown names fail here, with the closest ones as suggestions.
    await findTable(options.lake, ref)
    asOf.set(`${ref.database}.${ref.table}`, version)
  }
  const bodies = await Promise.all(
    entries.map(async (entry, i): Promise<{body: string} | {error: LabmeshError}> => {
      const version = asOf.get(tables[i])
      try {
        const table = new DeltaTable(options.lake.lakeStorage(entry.location))
        if (version !== undefined) await assertReadable(table.storage, await table.snapshot(version), tables[i])
        return {body: await table.scanSql(version ?? {})}
      } catch (error) {
        // A table asked for at a version must be readable there; any other one only matters if the statement names it.
        if (version !== undefined) throw error
        return {error: toLabmeshError(error)}
      }
    }),
  )

  const instance = await DuckDBInstance.create(':memory:', {temp_directory: options.tempDir})
  const connection = await instance.connect()
  const close = (): void => {
    connection.closeSync()
    instance.closeSync()
  }
  try {
    await connection.run("SET TimeZone = 'UTC'")
    const unreadable = new Map<string, LabmeshError>()
    const schemas = new Set<string>()
    for (const [i, entry] of entries.entries()) {
      const made = bodies[i]
      if ('error' in made) {
        unreadable.set(tables[i], made.error)
        continue
      }
      if (!schemas.has(entry.database)) await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(entry.database)}`)
      schemas.add(entry.database)
      await connection.run(`CREATE VIEW ${quoteIdentifier(entry.database)}.${quoteIdentifier(entry.table)} AS ${made.body}`)
    }
    // A bare table name is in database lab, as everywhere else in labmesh.
    if (schemas.has('lab')) await connection.run("SET search_path = 'lab'")
    // Progress is tracked only while DuckDB's progress bar is on; nothing is printed.
    await connection.run('SET enable_progress_bar = true')
    await connection.run('SET enable_progress_bar_print = false')
    await connection.run('SET progress_bar_time = 0')

    const readable = [...new Set([options.lakeRoot, ...entries.map((e) => e.location)])].map((dir) => path.resolve(dir) + path.sep)
    await connection.run(`SET allowed_directories = [${readable.map(quoteLiteral).join(', ')}]`)
    if (options.writable) await connection.run(`SET allowed_paths = [${quoteLiteral(options.writable)}]`)
    await connection.run('SET enable_external_access = false')
    await connection.run('SET lock_configuration = true')
    return {connection, tables, unreadable, close}
  } catch (error) {
    close()
    throw error
  }
}
