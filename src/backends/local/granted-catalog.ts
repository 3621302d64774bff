import path from 'node:path'
import type {DuckDBConnection} from '@duckdb/node-api'

import {LabmeshError} from '../../errors.js'
import {quoteIdentifier} from '../../lake/duckdb.js'
import {restrictedSelect, type TableAccess, tableAccess} from '../../sharing/access.js'
import {tableTags} from '../../sharing/tags.js'
import type {Catalog, CatalogEntry, GrantStore} from '../types.js'
import {copySelect, grantCopies} from './grant-copies.js'
import {workspaceExposure, type WorkspaceFolders} from './workspace-folders.js'

/**
 * What a query session run as a principal (`query --as`) is made of. Enforcement is by
 * construction: the session is built from the principal's part of the catalog only, and each
 * table in it already applies the grants. A table the principal reads whole is a view over its
 * files, and its folder is readable; a table read in part is a view over its granted copy
 * (grant-copies.ts: only the granted rows and columns, made once per table version and grant),
 * whose folder alone is readable while the table's files stay out of reach, so neither a direct
 * read of its Parquet files, nor time travel, nor the catalog's views can show more; a table with
 * DESCRIBE only is an empty table of its schema.
 */
export interface GrantedCatalog {
  /** The catalog as the principal sees it: the other tables do not exist. */
  catalog: Catalog
  /** Makes `database.table` in the session as the grants allow, from `body` (the SELECT over its snapshot). */
  create(connection: DuckDBConnection, entry: CatalogEntry, body: string): Promise<void>
  /**
   * The folders the session may read, of the tables made so far: those read whole whose folders
   * nothing else shares, and the granted copies the others read.
   */
  readableFolders(): string[]
  /** Removes the principal's granted copies no session used for a while (after `create`, which marks those in use). */
  prune(): void
}

/**
 * A table folder that would open the workspace (workspace-folders.ts: a table registered at /data
 * by an older labmesh, with the workspace in /data/labmesh) is never readable: such a table is
 * read through a granted copy like a restricted one.
 */
export async function grantedCatalog(
  catalog: Catalog,
  grants: GrantStore | undefined,
  principal: string,
  workspace: WorkspaceFolders,
): Promise<GrantedCatalog> {
  if (!grants) throw new LabmeshError('UNSUPPORTED', 'this query engine has no grants to run a query as a principal')
  const [entries, granted, tagged] = await Promise.all([catalog.list(), grants.list({principal}), grants.listTags()])
  if (granted.length === 0)
    throw new LabmeshError('NOT_FOUND', `${principal} has no grants in this workspace`, {
      subject: principal,
      suggestions: [
        'see who has grants with `labmesh catalog grants`',
        `share a table: labmesh catalog share lab.TABLE --principal ${principal} --permissions SELECT`,
      ],
    })
  const access = new Map<string, TableAccess>()
  for (const entry of entries) {
    const found = tableAccess(granted, entry, tableTags(tagged, entry))
    if (found) access.set(nameOf(entry), found)
  }
  const visible = entries.filter((e) => access.has(nameOf(e)))
  const shared = (entry: CatalogEntry): boolean => {
    // A folder is readable only when no table read in part (or hidden) lies in it or around it.
    const folder = path.resolve(entry.location) + path.sep
    if (workspaceExposure(entry.location, workspace)) return false
    return entries.every((other) => {
      if (other === entry || access.get(nameOf(other))?.select === 'all') return true
      const inner = path.resolve(other.location) + path.sep
      return !inner.startsWith(folder) && !folder.startsWith(inner)
    })
  }
  const wholeViews = visible.filter((e) => access.get(nameOf(e))!.select === 'all' && shared(e))
  const copies = grantCopies(path.join(workspace.home, 'grant-copies'), principal)
  const readable: string[] = []
  const viewOfCopy = async (connection: DuckDBConnection, name: string, select: string): Promise<void> => {
    const entry = await copies.copy(connection, select)
    readable.push(path.resolve(entry) + path.sep)
    await connection.run(`CREATE VIEW ${name} AS ${copySelect(entry)}`)
  }

  return {
    catalog: {
      register: (entry, schema, options) => catalog.register(entry, schema, options),
      unregister: (ref) => catalog.unregister(ref),
      updateSchema: (ref, schema) => catalog.updateSchema(ref, schema),
      checkNames: (ref, schema) => catalog.checkNames(ref, schema),
      managedLocation: (ref) => catalog.managedLocation(ref),
      list: async (database) => visible.filter((e) => database === undefined || e.database === database),
      get: async (ref) => visible.find((e) => e.database === ref.database && e.table === ref.table),
    },
    async create(connection, entry, body) {
      const name = `${quoteIdentifier(entry.database)}.${quoteIdentifier(entry.table)}`
      const granted = access.get(nameOf(entry))!
      if (wholeViews.includes(entry)) {
        await connection.run(`CREATE VIEW ${name} AS ${body}`)
        return void readable.push(path.resolve(entry.location) + path.sep)
      }
      if (granted.select === 'all') return viewOfCopy(connection, name, body)
      if (granted.select === 'none') return void (await connection.run(`CREATE TABLE ${name} AS SELECT * FROM (${body}) LIMIT 0`))
      const described = await connection.runAndReadAll(`DESCRIBE ${body}`)
      const columns = described.getRowObjectsJS().map((row) => String(row.column_name))
      const select = restrictedSelect(body, columns, granted.select)
      if (select === undefined)
        throw new LabmeshError('NOT_FOUND', `${principal}'s grants on ${nameOf(entry)} name none of its columns`, {
          subject: nameOf(entry),
          suggestions: [`see the grants with \`labmesh catalog grants --principal ${principal}\``],
        })
      await viewOfCopy(connection, name, select)
    },
    readableFolders: () => readable,
    prune: () => copies.prune(),
  }
}

const nameOf = (entry: {database: string; table: string}): string => `${entry.database}.${entry.table}`
