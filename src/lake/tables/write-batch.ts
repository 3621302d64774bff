import type {Catalog, FileRecord, TableRef} from '../../backends/types.js'
import type {EngineeredDocument} from '../../converters/types.js'
import type {Row} from '../delta/rows.js'
import {field, type StructField} from '../delta/schema.js'
import {DeltaTable} from '../delta/table.js'
import {FILES_COLUMNS, FILES_TABLE, filesRow} from './files-table.js'
import {flattenDocument, ROW_KEYS} from './flatten.js'

/** The database convert writes engineered tables into. */
export const LAB_DATABASE = 'lab'

export interface ConvertedDocument {
  raw: FileRecord
  engineeredFileId: string
  /** The converter that made the document: lab.files.instrument. */
  converter: string
  technique: string
  document: EngineeredDocument
}

export interface TableWrite {
  table: string
  version: number
  rows: number
}

export interface BatchWrite {
  tables: TableWrite[]
  /** Each document's rows per table (`lab.<table>` -> rows), by engineered file id. */
  rowsByDocument: Map<string, Record<string, number>>
}

const KEY_COLUMNS: StructField[] = ROW_KEYS.map((name) => field(name, 'string'))

/**
 * Writes a batch of converted files into the lab tables: one commit per table per batch. A
 * file's earlier rows are replaced (copy-on-write), never duplicated.
 */
export async function writeConvertedBatch(
  catalog: Catalog,
  batch: ConvertedDocument[],
  options: {reconvert?: boolean} = {},
): Promise<BatchWrite> {
  const flattened = batch.map((item) => ({
    item,
    tables: flattenDocument(item.document, {
      technique: item.technique,
      fileId: item.raw.fileId,
      traceId: item.raw.traceId,
      rootColumns: {engineered_file_id: item.engineeredFileId},
    }),
  }))

  const types = new ColumnTypes()
  const tableNames = new Set(flattened.flatMap((f) => [...f.tables.keys()]))
  for (const name of tableNames) await types.load(catalog, {database: LAB_DATABASE, table: name})
  for (const {tables} of flattened) types.settle(tables)

  const rowsByTable = new Map<string, Row[]>()
  for (const {tables} of flattened) {
    for (const [name, rows] of tables) {
      let list = rowsByTable.get(name)
      if (!list) rowsByTable.set(name, (list = []))
      for (const row of rows) list.push(row)
    }
  }
  rowsByTable.set(
    FILES_TABLE,
    flattened.map(({item}) => filesRow(item.raw, item.engineeredFileId, {instrument: item.converter, technique: item.technique})),
  )

  const fileIds = flattened.map(({item}) => item.raw.fileId)
  const predicate = fileIdPredicate(fileIds)
  const written: TableWrite[] = []
  for (const [name, rows] of rowsByTable) {
    const table = await openManagedTable(catalog, name, name === FILES_TABLE ? FILES_COLUMNS : KEY_COLUMNS)
    const result = await table.replaceWhere(predicate, rows)
    written.push({table: name, version: result.version, rows: rows.length})
  }
  // A file converted again may no longer produce rows for a table it wrote before.
  if (options.reconvert && fileIds.length > 0) {
    for (const entry of await catalog.list(LAB_DATABASE)) {
      if (!entry.managed || rowsByTable.has(entry.table)) continue
      await new DeltaTable(catalog.storage(entry.location)).deleteWhere(predicate)
    }
  }
  const rowsByDocument = new Map(
    flattened.map(({item, tables}) => [
      item.engineeredFileId,
      Object.fromEntries([
        ...[...tables].map(([name, rows]) => [`${LAB_DATABASE}.${name}`, rows.length]),
        [`${LAB_DATABASE}.${FILES_TABLE}`, 1],
      ]),
    ]),
  )
  return {tables: written, rowsByDocument}
}

async function openManagedTable(catalog: Catalog, name: string, columns: StructField[]): Promise<DeltaTable> {
  const ref = {database: LAB_DATABASE, table: name}
  const entry = await catalog.get(ref)
  const location = entry?.location ?? catalog.managedLocation(ref)
  const table = await DeltaTable.openOrCreate(catalog.storage(location), {columns, name})
  if (!entry) await catalog.register({...ref, location, managed: true})
  return table
}

/** `file_id IN ($file_0, ...)` with each id bound, never pasted. */
export function fileIdPredicate(fileIds: string[]): {sql: string; params: Record<string, string>} {
  if (fileIds.length === 0) return {sql: 'false', params: {}}
  const params = Object.fromEntries(fileIds.map((id, i) => [`file_${i}`, id]))
  return {sql: `file_id IN (${fileIds.map((_, i) => `$file_${i}`).join(', ')})`, params}
}

type Kind = 'number' | 'string' | 'boolean'

/** Where a value goes when its column already holds another kind: beside it, never lost, never a failed file. */
const KIND_SUFFIX: Record<Kind, string> = {number: '_number', string: '_text', boolean: '_flag'}

/**
 * Column kinds per table: from the tables as stored, then from the files admitted so far.
 * Instruments disagree on types (a gain of 35 here, "Medium" there), so a value whose kind
 * differs from its column's moves to `<column>_text` (or `_number`, `_flag`) in its row.
 */
class ColumnTypes {
  private readonly kinds = new Map<string, Map<string, Kind>>()

  async load(catalog: Catalog, ref: TableRef): Promise<void> {
    const columns = new Map<string, Kind>()
    this.kinds.set(ref.table, columns)
    const entry = await catalog.get(ref)
    if (!entry) return
    const table = new DeltaTable(catalog.storage(entry.location))
    if (!(await table.exists())) return
    for (const column of (await table.snapshot()).schema.fields) {
      const kind = kindOfDeltaType(column.type)
      if (kind) columns.set(column.name, kind)
    }
  }

  /** Moves values of another kind beside their column, and remembers new columns for the next file. */
  settle(tables: Map<string, Row[]>): void {
    for (const [table, rows] of tables) {
      const columns = this.kinds.get(table)!
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          const found = kindOf(value)
          if (!found) continue
          const expected = columns.get(column)
          if (!expected) columns.set(column, found)
          else if (expected !== found) {
            delete row[column]
            let moved = `${column}${KIND_SUFFIX[found]}`
            while (moved in row || (columns.get(moved) ?? found) !== found) moved += KIND_SUFFIX[found]
            row[moved] = value
            columns.set(moved, found)
          }
        }
      }
    }
  }
}

function kindOf(value: unknown): Kind | undefined {
  if (typeof value === 'number') return 'number'
  if (typeof value === 'string') return 'string'
  if (typeof value === 'boolean') return 'boolean'
  return undefined
}

function kindOfDeltaType(type: unknown): Kind | undefined {
  if (typeof type !== 'string') return undefined
  if (type === 'string') return 'string'
  if (type === 'boolean') return 'boolean'
  if (['double', 'float', 'long', 'integer', 'short', 'byte'].includes(type) || type.startsWith('decimal')) return 'number'
  return undefined
}
