import {randomUUID} from 'node:crypto'
import {blobValue, type DuckDBConnection, DuckDBDataChunk, type DuckDBType, type DuckDBValue, jsToDuckDBValue} from '@duckdb/node-api'

import {quoteIdentifier, quoteLiteral} from '../duckdb.js'
import type {Row, RowValue} from './rows.js'
import {duckdbType, type DeltaType, isPrimitive, type StructType} from './schema.js'

/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048

/** The most members a staging ENUM gets (its codes stay 16-bit). */
const MAX_DICTIONARY = 65_535

/**
 * Types whose JS values DuckDB should parse itself: staged as text and cast, so a time written as
 * a string keeps its zone and every digit of its fraction, and a decimal every digit.
 */
const CAST_FROM_TEXT = /^(date|timestamp|timestamp_ntz|decimal.*)$/

export interface StagedRows {
  /** A temp table holding the rows; drop it when done. */
  table: string
  /** A SELECT of the rows with the schema's column names and types. */
  select: string
}

/**
 * Copies rows (already checked against the schema by validateRows) into a DuckDB temp table,
 * column by column through data chunks: numbers go over as typed arrays and strings one call
 * each, with no JSON in between to write, read and parse again.
 */
export async function stageRows(connection: DuckDBConnection, rows: Row[], schema: StructType): Promise<StagedRows> {
  const table = `labmesh_rows_${randomUUID().replaceAll('-', '')}`
  const staged = schema.fields.map((column) => ({
    name: column.name,
    type: column.type,
    asText: isPrimitive(column.type) && CAST_FROM_TEXT.test(column.type),
    dictionary: column.type === 'string' ? fewValues(rows, column.name) : undefined,
  }))
  const stagedType = (c: (typeof staged)[number]): string => {
    if (c.dictionary) return `ENUM(${[...c.dictionary].map(quoteLiteral).join(', ')})`
    return c.asText ? 'VARCHAR' : duckdbType(c.type)
  }
  await connection.run(
    `CREATE TEMP TABLE ${quoteIdentifier(table)} (${staged.map((c) => `${quoteIdentifier(c.name)} ${stagedType(c)}`).join(', ')})`,
  )
  const appender = await connection.createAppender(table, 'main', 'temp')
  try {
    const types = staged.map((_, i) => appender.columnType(i))
    const converters = staged.map((c, i) => (c.asText ? textOf(c.type as string) : converterFor(c.type, types[i])))
    for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, rows.length - start)
      const chunk = DuckDBDataChunk.create(types, count)
      for (const [index, column] of staged.entries()) {
        const convert = converters[index]
        const values = new Array<DuckDBValue>(count)
        for (let i = 0; i < count; i++) {
          const value = rows[start + i][column.name]
          values[i] = value === null || value === undefined ? null : convert(value)
        }
        chunk.setColumnValues(index, values)
      }
      appender.appendDataChunk(chunk)
    }
    appender.flushSync()
  } finally {
    appender.closeSync()
  }
  const select = staged
    .map((c) =>
      c.asText || c.dictionary
        ? `CAST(${quoteIdentifier(c.name)} AS ${duckdbType(c.type)}) AS ${quoteIdentifier(c.name)}`
        : quoteIdentifier(c.name),
    )
    .join(', ')
  return {table, select: `SELECT ${select} FROM ${quoteIdentifier(table)}`}
}

/**
 * The distinct values of a string column that repeats a few values over many rows (file ids,
 * units, wells), or undefined. Such a column is staged as an ENUM: each value travels as a small
 * integer in a typed array instead of one call per string, which is most of the cost of staging.
 */
function fewValues(rows: Row[], column: string): Set<string> | undefined {
  const limit = Math.min(MAX_DICTIONARY, rows.length / 8)
  const values = new Set<string>()
  for (const row of rows) {
    const value = row[column]
    if (typeof value === 'string' && !values.has(value)) {
      // An empty string cannot be an ENUM member.
      if (value === '' || values.size >= limit) return undefined
      values.add(value)
    }
  }
  return values.size > 0 ? values : undefined
}

type Converter = (value: Exclude<RowValue, null | undefined>) => DuckDBValue

/** A value as text DuckDB casts back: times as ISO 8601 in UTC (dates as the day), numbers as written. */
function textOf(type: string): Converter {
  return (value) => {
    if (value instanceof Date) return type === 'date' ? value.toISOString().slice(0, 10) : value.toISOString()
    return String(value)
  }
}

function converterFor(type: DeltaType, duckType: DuckDBType): Converter {
  if (isPrimitive(type)) {
    switch (type) {
      case 'long':
        return (value) => (typeof value === 'bigint' ? value : BigInt(value as number))
      case 'integer':
      case 'short':
      case 'byte':
        return (value) => Number(value)
      case 'binary':
        return (value) => blobValue(value as Uint8Array)
      default:
        // Strings, doubles, floats and booleans are DuckDB values as they are.
        return (value) => value as DuckDBValue
    }
  }
  return (value) => jsToDuckDBValue(nested(value, type) as never, duckType)
}

/** A nested value in the shape jsToDuckDBValue takes: maps as key/value entries, every struct field present, times as Dates. */
function nested(value: RowValue, type: DeltaType): unknown {
  if (value === null || value === undefined) return null
  if (isPrimitive(type)) {
    // A time without a zone is UTC here, as DuckDB reads one, not the machine's local time.
    if ((type === 'timestamp' || type === 'timestamp_ntz' || type === 'date') && typeof value === 'string')
      return new Date(/T.*(Z|[+-]\d\d:?\d\d)$|^[^T]*$/i.test(value) ? value : `${value}Z`)
    return value
  }
  switch (type.type) {
    case 'array':
      return (value as RowValue[]).map((item) => nested(item, type.elementType))
    case 'struct': {
      const record = value as Record<string, RowValue>
      return Object.fromEntries(type.fields.map((f) => [f.name, nested(record[f.name], f.type)]))
    }
    case 'map':
      return Object.entries(value as Record<string, RowValue>).map(([key, item]) => ({key, value: nested(item, type.valueType)}))
  }
}
