import type {Lake} from '../backends/types.js'
import {DeltaTable} from '../lake/delta/table.js'
import {fileIdPredicate} from '../lake/tables/write-batch.js'

/** Rows a table holds for some files (by the `file_id` every lab row carries). */
export interface TableRows {
  table: string
  rows: number
  /** False for tables registered from elsewhere: labmesh reads them but never changes them. */
  managed: boolean
}

/**
 * How many rows each catalog table with a string `file_id` column holds for the given raw files,
 * read from the Delta tables themselves (so on every backend), skipping data files whose
 * statistics rule the ids out. A managed table that cannot be read is an error (a delete must not
 * leave its rows behind); one registered from elsewhere is left out (labmesh never changes it).
 */
export async function traceRows(lake: Lake, fileIds: string[]): Promise<TableRows[]> {
  if (fileIds.length === 0) return []
  const predicate = fileIdPredicate(fileIds)
  const found: TableRows[] = []
  for (const entry of await lake.catalog.list()) {
    let rows: number
    try {
      const table = new DeltaTable(lake.lakeStorage(entry.location))
      const snapshot = await table.snapshot()
      if (!snapshot.schema.fields.some((f) => f.name === 'file_id' && f.type === 'string')) continue
      rows = await table.countWhere(predicate, snapshot)
    } catch (error) {
      if (entry.managed) throw error
      continue
    }
    if (rows > 0) found.push({table: `${entry.database}.${entry.table}`, rows, managed: entry.managed})
  }
  return found
}
