import type {Backend, CatalogEntry, QueryValue} from '../backends/types.js'
import {DeltaTable} from '../lake/delta/table.js'
import {quoteIdentifier, quoteLiteral} from '../lake/duckdb.js'

/** Rows a table holds for some files (by the `file_id` every lab row carries). */
export interface TableRows {
  table: string
  rows: number
  /** False for tables registered from elsewhere: labmesh reads them but never changes them. */
  managed: boolean
}

/**
 * How many rows each catalog table with a string `file_id` column holds for the given raw files: one
 * read-only query over every such table. Tables whose log cannot be read are left out (the query
 * command reports them); a backend without a query engine has nothing to count with.
 */
export async function traceRows(backend: Backend, fileIds: string[]): Promise<TableRows[]> {
  if (!backend.query || fileIds.length === 0) return []
  const withFileId: CatalogEntry[] = []
  for (const entry of await backend.catalog.list()) {
    try {
      const {schema} = await new DeltaTable(backend.catalog.storage(entry.location)).snapshot()
      if (schema.fields.some((f) => f.name === 'file_id' && f.type === 'string')) withFileId.push(entry)
    } catch {
      // An unreadable table holds nothing labmesh can count or change.
    }
  }
  if (withFileId.length === 0) return []
  // The ids travel as one bound comma-joined value: UUIDs hold no commas.
  const sql = withFileId
    .map(
      (e) =>
        `SELECT ${quoteLiteral(`${e.database}.${e.table}`)} AS name, count(*) AS n FROM ${quoteIdentifier(e.database)}.${quoteIdentifier(e.table)}` +
        ` WHERE file_id IN (SELECT unnest(string_split($ids, ',')))`,
    )
    .join('\nUNION ALL\n')
  const counts = await backend.query.query({sql, params: {ids: fileIds.join(',')}}, async (rows) => {
    const found = new Map<string, number>()
    for await (const page of rows) for (const [name, n] of page as [QueryValue, QueryValue][]) found.set(String(name), Number(n))
    return found
  })
  return withFileId
    .map((e) => ({table: `${e.database}.${e.table}`, rows: counts.get(`${e.database}.${e.table}`) ?? 0, managed: e.managed}))
    .filter((t) => t.rows > 0)
}
