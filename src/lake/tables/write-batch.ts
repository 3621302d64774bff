import type {FileRecord, Lake, TableRef} from '../../backends/types.js'
import {LabmeshError} from '../../errors.js'
import type {EngineeredDocument} from '../../converters/types.js'
import {schemaOf} from '../catalog/table-schema.js'
import type {Row} from '../delta/rows.js'
import {field, type StructField} from '../delta/schema.js'
import {DeltaTable, type WriteResult} from '../delta/table.js'
import type {Predicate} from '../delta/transaction.js'
import {FILES_TABLE} from './files-table.js'
import {type FlatTables, flattenDocument, MAX_TABLE_COLUMNS, ROW_KEYS} from './flatten.js'

/** The database convert writes engineered tables into. */
export const LAB_DATABASE = 'lab'

interface ConvertedFile {
  raw: FileRecord
  engineeredFileId: string
  technique: string
}

/** A converted file: its document, or the document's rows as flattenConverted made them (the document itself then need not be held). */
export type ConvertedDocument = ConvertedFile & ({document: EngineeredDocument} | {tables: FlatTables})

/** A converted document's rows per table, as writeConvertedBatch writes them. */
export function flattenConverted(item: ConvertedFile & {document: EngineeredDocument}): FlatTables {
  return flattenDocument(item.document, {
    technique: item.technique,
    fileId: item.raw.fileId,
    traceId: item.raw.traceId,
    rootColumns: {engineered_file_id: item.engineeredFileId},
  })
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
 * file's earlier rows are replaced (copy-on-write), never duplicated. (`lab.files` follows the
 * file records instead: files-sync.ts.) The rows of items given as `tables` are consumed: each
 * table's rows are let go once written, so a batch's memory shrinks as it is written.
 */
export async function writeConvertedBatch(
  lake: Lake,
  batch: ConvertedDocument[],
  options: {reconvert?: boolean} = {},
): Promise<BatchWrite> {
  const flattened = batch.map((item) => ({item, tables: 'tables' in item ? item.tables : flattenConverted(item)}))
  const rowsByDocument = new Map(
    flattened.map(({item, tables}) => [
      item.engineeredFileId,
      Object.fromEntries([
        ...[...tables].map(([name, rows]) => [`${LAB_DATABASE}.${name}`, rows.length]),
        [`${LAB_DATABASE}.${FILES_TABLE}`, 1],
      ]),
    ]),
  )

  const types = new ColumnTypes()
  const tableNames = new Set(flattened.flatMap((f) => [...f.tables.keys()]))
  for (const name of tableNames) await types.load(lake, {database: LAB_DATABASE, table: name})
  for (const {tables} of flattened) types.settle(tables)
  types.assertWithinWidth()

  const rowsByTable = new Map<string, Row[]>()
  for (const {tables} of flattened) {
    for (const [name, rows] of tables) {
      let list = rowsByTable.get(name)
      if (!list) rowsByTable.set(name, (list = []))
      for (const row of rows) list.push(row)
    }
    tables.clear()
  }

  const fileIds = flattened.map(({item}) => item.raw.fileId)
  const predicate = fileIdPredicate(fileIds)
  const written: TableWrite[] = []
  const writtenTables = new Set(rowsByTable.keys())
  for (const [name, rows] of rowsByTable) {
    const result = await replaceRows(lake, {database: LAB_DATABASE, table: name}, KEY_COLUMNS, predicate, rows)
    written.push({table: name, version: result.version, rows: rows.length})
    rowsByTable.delete(name)
  }
  // A file converted again may no longer produce rows for a table it wrote before.
  if (options.reconvert && fileIds.length > 0) {
    for (const entry of await lake.catalog.list(LAB_DATABASE)) {
      if (!entry.managed || writtenTables.has(entry.table) || entry.table === FILES_TABLE) continue
      await new DeltaTable(lake.lakeStorage(entry.location)).deleteWhere(predicate)
    }
  }
  return {tables: written, rowsByDocument}
}

/**
 * Replaces the rows matching `predicate` in a managed table, creating and registering the table
 * first when it is new; the catalog learns the columns a write adds.
 */
export async function replaceRows(
  lake: Lake,
  ref: TableRef,
  columns: StructField[],
  predicate: Predicate,
  rows: Row[],
): Promise<WriteResult> {
  const entry = await lake.catalog.get(ref)
  const location = entry?.location ?? lake.catalog.managedLocation(ref)
  if (!entry) lake.catalog.checkNames(ref, {columns, partitionColumns: []})
  const table = await DeltaTable.openOrCreate(lake.lakeStorage(location), {columns, name: ref.table})
  const result = await table.replaceWhere(predicate, rows)
  if (!entry || result.addedColumns.length > 0) {
    const schema = schemaOf(await table.snapshot())
    if (entry) await lake.catalog.updateSchema(ref, schema)
    else await lake.catalog.register({...ref, location, managed: true}, schema)
  }
  return result
}

/** `file_id IN (...)`, its ids bound as parameters; `false` for none. */
export function fileIdPredicate(fileIds: string[]): Predicate & {params: Record<string, string>} {
  if (fileIds.length === 0) return {sql: 'false', params: {}}
  const params = Object.fromEntries(fileIds.map((id, i) => [`file_${i}`, id]))
  return {sql: `file_id IN (${fileIds.map((_, i) => `$file_${i}`).join(', ')})`, params, columnIn: {column: 'file_id', values: fileIds}}
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

  async load(lake: Lake, ref: TableRef): Promise<void> {
    const columns = new Map<string, Kind>()
    this.kinds.set(ref.table, columns)
    const entry = await lake.catalog.get(ref)
    if (!entry) return
    const table = new DeltaTable(lake.lakeStorage(entry.location))
    if (!(await table.exists())) return
    for (const column of (await table.snapshot()).schema.fields) {
      const kind = kindOfDeltaType(column.type)
      if (kind) columns.set(column.name, kind)
    }
  }

  /** Refuses (INVALID_DATA) a batch that would make a table wider than MAX_TABLE_COLUMNS, counting the columns it has. */
  assertWithinWidth(): void {
    for (const [table, columns] of this.kinds) {
      if (columns.size > MAX_TABLE_COLUMNS)
        throw new LabmeshError('INVALID_DATA', `these files would make ${LAB_DATABASE}.${table} wider than ${MAX_TABLE_COLUMNS} columns`, {
          subject: `${LAB_DATABASE}.${table}`,
          suggestions: ['convert files whose fields differ this much into tables of their own (another technique or converter)'],
        })
    }
  }

  /** Moves values of another kind beside their column, and remembers new columns for the next file. */
  settle(tables: Map<string, Row[]>): void {
    for (const [table, rows] of tables) {
      const columns = this.kinds.get(table)!
      for (const row of rows) {
        for (const column in row) {
          const value = row[column]
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
