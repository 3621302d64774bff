import {quoteIdentifier, withConnection} from '../duckdb.js'
import type {Backend, CatalogEntry, QueryValue, TableRef} from '../../backends/types.js'
import {uniqueNames} from '../../output/unique-names.js'
import {readerFeatures} from '../delta/protocol.js'
import {typeName} from '../delta/schema.js'
import type {DeltaTable} from '../delta/table.js'

export interface TableSummary {
  database: string
  table: string
  location: string
  managed: boolean
  version: number
  /** When the current version was committed (ISO 8601). */
  updatedAt: string
  files: number
  bytes: number
  /** From the files' statistics; null when a file has none (count with `labmesh query`). */
  rows: number | null
  columns: {name: string; type: string; nullable: boolean}[]
  partitionColumns: string[]
  readerFeatures: string[]
}

/** What a table holds at its current version, from the Delta log alone (no data is read). */
export async function summarizeTable(entry: CatalogEntry, table: DeltaTable): Promise<TableSummary> {
  const snapshot = await table.snapshot()
  let rows: number | null = 0
  for (const file of snapshot.files) {
    const count = file.stats ? (JSON.parse(file.stats) as {numRecords?: number}).numRecords : undefined
    rows = count === undefined || rows === null ? null : rows + count
  }
  return {
    database: entry.database,
    table: entry.table,
    location: entry.location,
    managed: entry.managed,
    version: snapshot.version,
    updatedAt: new Date(snapshot.timestamp).toISOString(),
    files: snapshot.files.length,
    bytes: snapshot.files.reduce((sum, f) => sum + f.size, 0),
    rows,
    columns: snapshot.schema.fields.map((f) => ({name: f.name, type: typeName(f.type), nullable: f.nullable})),
    partitionColumns: snapshot.partitionColumns,
    readerFeatures: readerFeatures(snapshot.protocol),
  }
}

/**
 * The first rows of a table, read by the backend's DuckDB engine where it has one (a sample reads a
 * few rows of the snapshot's files: on aws that costs no Athena scan), else its query engine: under
 * the same containment as any query, and with values JSON-safe as `query --json` gives them. A
 * backend without either reads them from the files its lake storage resolves, kept inside the table.
 */
export async function sampleRows(backend: Backend, ref: TableRef, table: DeltaTable, limit: number): Promise<Record<string, QueryValue>[]> {
  const rows = Math.max(0, Math.trunc(limit))
  const engine = backend.queryEngines?.duckdb ?? backend.query
  if (!engine) {
    const scan = await table.scanSql()
    return withConnection(async (connection) => {
      const reader = await connection.runAndReadAll(`SELECT * FROM (${scan}) LIMIT ${rows}`)
      return reader.getRowObjectsJson() as Record<string, QueryValue>[]
    })
  }
  const sql = `SELECT * FROM ${quoteIdentifier(ref.database)}.${quoteIdentifier(ref.table)} LIMIT ${rows}`
  return engine.query({sql}, async (result) => {
    const keys = uniqueNames(result.columns.map((c) => c.name))
    const rows: Record<string, QueryValue>[] = []
    for await (const page of result) for (const row of page) rows.push(Object.fromEntries(keys.map((key, i) => [key, row[i]])))
    return rows
  })
}
