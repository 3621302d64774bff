import {createHash} from 'node:crypto'

import {LabmeshError} from '../../errors.js'
import type {Row} from '../delta/rows.js'
import {memberName, techniqueTable} from './names.js'

export interface FlattenContext {
  technique: string
  fileId: string
  traceId: string
  /** Extra columns on the root row (e.g. the engineered document's own file id). */
  rootColumns?: Row
  /** Refuse the document beyond these (default MAX_TABLE_COLUMNS and MAX_FILE_CELLS). */
  limits?: {columns?: number; cells?: number}
}

/** Rows per table name, in document order. */
export type FlatTables = Map<string, Row[]>

/** Columns every row carries. */
export const ROW_KEYS = ['uuid', 'parent_uuid', 'file_id', 'trace_id'] as const

/**
 * The widest table labmesh makes: Parquet, DuckDB and Athena stay fast well below this, and a
 * file asking for more is a matrix exported sideways, not columns anyone queries by name.
 */
export const MAX_TABLE_COLUMNS = 4096
/** Values one file may bring into the tables: bounds the memory a conversion takes, whatever its input. */
export const MAX_FILE_CELLS = 10_000_000

/**
 * Flattens an engineered document into rows, deterministically (PRODUCT.md, "Engineered
 * documents and tables"): the document root is one row of `<technique>`; nested objects fold
 * into their row with prefixed column names; every array of objects becomes rows of
 * `<technique>_<child>` linked by `parent_uuid`; a `{value, unit}` quantity becomes `<name>`
 * and `<name>_unit`; arrays of scalars (and datacube arrays) stay one column, as JSON text.
 */
export function flattenDocument(document: Record<string, unknown>, context: FlattenContext): FlatTables {
  const tables: FlatTables = new Map()
  const root = techniqueTable(context.technique)
  const limits = new Limits(context.limits?.columns ?? MAX_TABLE_COLUMNS, context.limits?.cells ?? MAX_FILE_CELLS)
  const newRow = rowFactory(context, limits)
  const rootRow = newRow(null)
  Object.assign(rootRow, context.rootColumns)
  push(tables, root, rootRow)
  flattenInto(unwrapAggregate(document), rootRow, '', {root, tables, newRow, limits, table: root})
  return tables
}

/**
 * Counts columns per table and values as rows are built, so an input that would make too wide a
 * table or too many values is refused (INVALID_DATA) as soon as it goes over, before the rows fill memory.
 */
class Limits {
  private readonly columns = new Map<string, Set<string>>()
  private cells = 0

  constructor(
    private readonly maxColumns: number,
    private readonly maxCells: number,
  ) {}

  column(table: string, column: string): void {
    let columns = this.columns.get(table)
    if (!columns) this.columns.set(table, (columns = new Set(ROW_KEYS)))
    columns.add(column)
    if (columns.size > this.maxColumns) {
      throw new LabmeshError(
        'INVALID_DATA',
        `the document makes table ${table} wider than ${this.maxColumns} columns: labmesh does not store a table that wide`,
        {subject: table, suggestions: ['export the data in long form (one row per measurement), or convert it with a converter that does']},
      )
    }
    this.count(1)
  }

  count(cells: number): void {
    this.cells += cells
    if (this.cells > this.maxCells) {
      throw new LabmeshError(
        'INVALID_DATA',
        `the document holds more than ${this.maxCells.toLocaleString('en-US')} values: labmesh does not store that many from one file`,
        {suggestions: ['split the export into several files']},
      )
    }
  }
}

/** `{"$asm.manifest", "<technique> aggregate document": {...}}`: the aggregate's members belong on the root row. */
function unwrapAggregate(document: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(document)
  const aggregates = keys.filter((k) => / aggregate document$/.test(k) && isPlainObject(document[k]))
  if (aggregates.length !== 1) return document
  const [aggregate] = aggregates
  const rest = Object.fromEntries(keys.filter((k) => k !== aggregate).map((k) => [k, document[k]]))
  return {...rest, ...(document[aggregate] as Record<string, unknown>)}
}

type NewRow = (parent: string | null) => Row

/** Where rows go while flattening: the root table's name, every table's rows, and the table of the row being filled. */
interface Target {
  root: string
  tables: FlatTables
  newRow: NewRow
  limits: Limits
  table: string
}

/** Column names by prefix and member key: a batch flattens the same few hundred keys millions of times. */
const columnNames = new Map<string, Map<string, string>>()

function columnName(prefix: string, key: string): string {
  let byKey = columnNames.get(prefix)
  if (!byKey) columnNames.set(prefix, (byKey = new Map()))
  let column = byKey.get(key)
  if (column === undefined) {
    const name = memberName(key)
    // "sample document"/"sample identifier" reads better as sample_identifier than sample_sample_identifier.
    column = !prefix || name.startsWith(`${prefix}_`) ? name : `${prefix}_${name}`
    if (byKey.size < 10_000) byKey.set(key, column)
  }
  return column
}

function flattenInto(object: Record<string, unknown>, row: Row, prefix: string, target: Target): void {
  const {root, tables, newRow} = target
  const setColumn = (column: string, value: Row[string]): void => target.limits.column(target.table, putColumn(row, column, value))
  // for...in, not Object.entries: documents are plain JSON objects, and each entries array would be garbage.
  for (const key in object) {
    const value = object[key]
    if (value === null || value === undefined) continue
    const column = columnName(prefix, key)
    const name = memberName(key)
    if (Array.isArray(value)) {
      if (value.some(isPlainObject)) {
        const table = name === root ? `${root}_document` : `${root}_${name}`
        for (const item of value) {
          if (!isPlainObject(item)) continue
          const child = newRow(row.uuid as string)
          push(tables, table, child)
          flattenInto(item, child, '', {...target, table})
        }
      } else {
        setColumn(column, JSON.stringify(value))
      }
    } else if (isQuantity(value)) {
      setColumn(column, value.value)
      setColumn(`${column}_unit`, value.unit)
    } else if (isPlainObject(value)) {
      flattenInto(value, row, column, target)
    } else if (typeof value === 'number') {
      // NaN and infinities have no JSON or Parquet-statistics form that every reader agrees on.
      setColumn(column, Number.isFinite(value) ? value : null)
    } else if (typeof value === 'string' || typeof value === 'boolean') {
      setColumn(column, value)
    }
  }
}

/** A second member with the same column name (after snake_case) gets _2, _3: nothing is overwritten. Returns the name used. */
function putColumn(row: Row, column: string, value: Row[string]): string {
  let name = column
  for (let n = 2; name in row; n++) name = `${column}_${n}`
  row[name] = value
  return name
}

/**
 * Rows with stable ids: a hash of the file id, then the row's position in document order, so
 * the same file converted again gives the same ids (one hash per document, not per row).
 */
function rowFactory(context: FlattenContext, limits: Limits): NewRow {
  const h = createHash('sha256').update(context.fileId).digest('hex')
  const prefix = `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-`
  let ordinal = 0
  return (parent) => {
    limits.count(ROW_KEYS.length)
    return {
      uuid: prefix + (ordinal++).toString(16).padStart(12, '0'),
      parent_uuid: parent,
      file_id: context.fileId,
      trace_id: context.traceId,
    }
  }
}

function push(tables: FlatTables, table: string, row: Row): void {
  let rows = tables.get(table)
  if (!rows) tables.set(table, (rows = []))
  rows.push(row)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isQuantity(value: unknown): value is {value: number; unit: string} {
  if (!isPlainObject(value) || typeof value.value !== 'number' || typeof value.unit !== 'string') return false
  let keys = 0
  for (const key in value) if (key && ++keys > 2) return false
  return keys === 2
}
