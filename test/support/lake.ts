import type {CatalogEntry, Lake} from '../../src/backends/types.js'
import {schemaOf} from '../../src/lake/catalog/table-schema.js'
import {withConnection} from '../../src/lake/duckdb.js'
import {LocalLakeStorage} from '../../src/lake/delta/local-storage.js'
import {DeltaTable} from '../../src/lake/delta/table.js'

/** Runs SQL over Delta table folders with DuckDB, the way any reader would: `select` gets each table as a subquery. */
export async function queryTables<K extends string>(
  locations: Record<K, string>,
  select: (from: Record<K, string>) => string,
): Promise<Record<string, unknown>[]> {
  const from = {} as Record<K, string>
  for (const [name, location] of Object.entries(locations) as [K, string][])
    from[name] = `(${await new DeltaTable(new LocalLakeStorage(location)).scanSql()})`
  return withConnection(
    async (connection) => (await connection.runAndReadAll(select(from))).getRowObjectsJson() as Record<string, unknown>[],
  )
}

export function queryTable(location: string, select: (from: string) => string): Promise<Record<string, unknown>[]> {
  return queryTables({t: location}, ({t}) => select(t))
}

/** Registers a Delta table in a backend's catalog with the schema its log holds. */
export async function registerTable(lake: Lake, entry: Omit<CatalogEntry, 'registeredAt'>): Promise<CatalogEntry> {
  const snapshot = await new DeltaTable(lake.lakeStorage(entry.location)).snapshot()
  return lake.catalog.register(entry, schemaOf(snapshot))
}
