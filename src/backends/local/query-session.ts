import {randomUUID} from 'node:crypto'
import {rmSync} from 'node:fs'
import path from 'node:path'
import {type DuckDBConnection, DuckDBInstance} from '@duckdb/node-api'

import {LabmeshError, toLabmeshError} from '../../errors.js'
import {findTable, parseTableRef} from '../../lake/catalog/table-ref.js'
import {assertReadable} from '../../lake/delta/readable.js'
import {DeltaTable} from '../../lake/delta/table.js'
import type {GrantStore, Lake, TableVersion} from '../types.js'
import {quoteIdentifier, quoteLiteral} from '../../lake/duckdb.js'
import {tableAllowed} from '../../keys/keys.js'
import {grantedCatalog} from './granted-catalog.js'
import {workspaceExposure, type WorkspaceFolders} from './workspace-folders.js'

export interface QuerySessionOptions {
  lake: Lake
  /** The workspace's lake folder, readable whole. */
  lakeRoot: string
  /** Where DuckDB spills what does not fit in memory. */
  tempDir: string
  asOf?: Record<string, TableVersion>
  /** The one file the session may write: an export's partial file. */
  writable?: string
  /** Only these tables (`db.table`, `db.*`) exist, and only their folders are readable (QueryRequest.tables). */
  tables?: string[]
  /** Build the session for this principal: only what its grants allow (granted-catalog.ts). */
  principal?: string
  grants?: GrantStore
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
  // The lake is the workspace's lake folder (layout of index.ts).
  const workspace: WorkspaceFolders = {home: path.dirname(options.lakeRoot), lake: options.lakeRoot}
  const granted =
    options.principal === undefined ? undefined : await grantedCatalog(options.lake.catalog, options.grants, options.principal, workspace)
  const lake: Lake = granted ? {catalog: granted.catalog, lakeStorage: options.lake.lakeStorage} : options.lake
  // An API key's tables (QueryRequest.tables) narrow what the catalog, or the principal's grants, show.
  const only = options.tables
  const entries = (await lake.catalog.list()).filter((e) => only === undefined || tableAllowed(only, e.database, e.table))
  const tables = entries.map((e) => `${e.database}.${e.table}`)
  const asOf = new Map<string, TableVersion>()
  for (const [name, version] of Object.entries(options.asOf ?? {})) {
    const ref = parseTableRef(name)
    // Unknown names fail here, with the closest ones as suggestions.
    if (only === undefined) await findTable(lake, ref)
    else if (!tables.includes(`${ref.database}.${ref.table}`))
      throw new LabmeshError('NOT_FOUND', `no table ${name} among the tables this query may read`, {subject: name})
    asOf.set(`${ref.database}.${ref.table}`, version)
  }
  const bodies = await Promise.all(
    entries.map(async (entry, i): Promise<{body: string} | {error: LabmeshError}> => {
      const version = asOf.get(tables[i])
      // A principal's session materialises such a table instead (granted-catalog.ts); the owner's reads folders.
      const exposure = granted ? undefined : workspaceExposure(entry.location, workspace)
      if (exposure) return {error: exposedTable(tables[i], exposure)}
      try {
        const table = new DeltaTable(lake.lakeStorage(entry.location))
        if (version !== undefined) await assertReadable(table.storage, await table.snapshot(version), tables[i])
        return {body: await table.scanSql(version ?? {})}
      } catch (error) {
        // A table asked for at a version must be readable there; any other one only matters if the statement names it.
        if (version !== undefined) throw error
        return {error: toLabmeshError(error)}
      }
    }),
  )

  // DuckDB may always read its own temporary folder: a principal's session gets one of its own, so
  // it cannot read what other sessions spill there.
  const tempDir = granted ? path.join(options.tempDir, `as-${randomUUID()}`) : options.tempDir
  const instance = await DuckDBInstance.create(':memory:', {temp_directory: tempDir})
  const connection = await instance.connect()
  const close = (): void => {
    connection.closeSync()
    instance.closeSync()
    if (granted) rmSync(tempDir, {recursive: true, force: true})
  }
  try {
    await connection.run("SET TimeZone = 'UTC'")
    const unreadable = new Map<string, LabmeshError>()
    // Every database is a schema, even one whose tables are all unreadable: a statement naming one
    // of them then fails as a missing table, which is reported with the table's own reason.
    const schemas = new Set(entries.map((entry) => entry.database))
    for (const schema of schemas) await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`)
    for (const [i, entry] of entries.entries()) {
      const made = bodies[i]
      if ('error' in made) {
        unreadable.set(tables[i], made.error)
        continue
      }
      if (!granted) await connection.run(`CREATE VIEW ${quoteIdentifier(entry.database)}.${quoteIdentifier(entry.table)} AS ${made.body}`)
      else await granted.create(connection, entry, made.body).catch((error: unknown) => unreadable.set(tables[i], toLabmeshError(error)))
    }
    granted?.prune()
    // A bare table name is in database lab, as everywhere else in labmesh.
    if (schemas.has('lab')) await connection.run("SET search_path = 'lab'")
    // Progress is tracked only while DuckDB's progress bar is on; nothing is printed.
    await connection.run('SET enable_progress_bar = true')
    await connection.run('SET enable_progress_bar_print = false')
    await connection.run('SET progress_bar_time = 0')

    // Restricted to some tables, the session may read their folders and nothing else of the lake:
    // the folders their files are read from (on S3, the tables' folders in the cache).
    const folders = (only === undefined ? [options.lakeRoot] : []).concat(
      entries.filter((_, i) => !('error' in bodies[i])).map((e) => lake.lakeStorage(e.location).engine.localFolder),
    )
    const resolved = [...new Set(folders)].map((dir) => path.resolve(dir) + path.sep)
    const readable = granted ? granted.readableFolders() : resolved
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

/** A table registered (by an older labmesh) at a folder that would open the workspace to queries. */
function exposedTable(name: string, exposure: string): LabmeshError {
  return new LabmeshError('FORBIDDEN', `${name} cannot be read: ${exposure}`, {
    subject: name,
    suggestions: [`register the table's own folder instead: labmesh catalog register ${name} FOLDER --replace`],
  })
}
