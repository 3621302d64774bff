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
 * A string column of ids that count up under a few prefixes (flatten.ts's row uuids: a hash of
 * the file, then the row's position as 12 hex digits): staged as the prefix (an ENUM) and the
 * counter (a double, exact below 2^53), and joined again by DuckDB. Those ids are unique per row,
 * so as text each would cost a call into DuckDB of its own.
 */
interface CounterIds {
  prefixes: Set<string>
}

const COUNTER_DIGITS = 12
const COUNTER = /^[0-9a-f]{12}$/

interface StagedColumn {
  name: string
  type: DeltaType
  asText: boolean
  dictionary?: Set<string>
  counter?: CounterIds
}

/**
 * Copies rows (already checked against the schema by validateRows) into a DuckDB temp table,
 * column by column through data chunks: numbers go over as typed arrays, repeating strings and
 * counted ids as small codes, other strings one call each, with no JSON in between to write,
 * read and parse again.
 */
export async function stageRows(connection: DuckDBConnection, rows: Row[], schema: StructType): Promise<StagedRows> {
  const table = `labmesh_rows_${randomUUID().replaceAll('-', '')}`
  const staged: StagedColumn[] = schema.fields.map((column) => {
    const asText = isPrimitive(column.type) && CAST_FROM_TEXT.test(column.type)
    if (column.type !== 'string') return {name: column.name, type: column.type, asText}
    const dictionary = fewValues(rows, column.name)
    return {name: column.name, type: column.type, asText, dictionary, counter: dictionary ? undefined : counterIds(rows, column.name)}
  })
  // Staged under positional names: a counted column takes two, which no table column can clash with.
  const stagedColumns = staged.flatMap((c, i) =>
    c.counter
      ? [`c${i} ${enumSql(c.counter.prefixes)}`, `c${i}_n DOUBLE`]
      : [`c${i} ${c.dictionary ? enumSql(c.dictionary) : c.asText ? 'VARCHAR' : duckdbType(c.type)}`],
  )
  await connection.run(`CREATE TEMP TABLE ${quoteIdentifier(table)} (${stagedColumns.join(', ')})`)
  const appender = await connection.createAppender(table, 'main', 'temp')
  try {
    const types = stagedColumns.map((_, i) => appender.columnType(i))
    const writers = columnWriters(staged, types)
    // One chunk for every full slice of rows: building one per slice rebuilds each ENUM type's members.
    let chunk: DuckDBDataChunk | undefined
    for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, rows.length - start)
      if (!chunk || chunk.rowCount !== count) chunk = DuckDBDataChunk.create(types, count)
      for (const write of writers) write(chunk, rows, start, count)
      appender.appendDataChunk(chunk)
    }
    appender.flushSync()
  } finally {
    appender.closeSync()
  }
  const select = staged
    .map((c, i) => {
      const as = quoteIdentifier(c.name)
      if (c.counter) return `CAST(c${i} AS VARCHAR) || printf('%0${COUNTER_DIGITS}x', CAST(c${i}_n AS UBIGINT)) AS ${as}`
      return c.asText || c.dictionary ? `CAST(c${i} AS ${duckdbType(c.type)}) AS ${as}` : `c${i} AS ${as}`
    })
    .join(', ')
  return {table, select: `SELECT ${select} FROM ${quoteIdentifier(table)}`}
}

type ColumnWriter = (chunk: DuckDBDataChunk, rows: Row[], start: number, count: number) => void

/** Per staged column, what fills its vectors of a chunk from a slice of the rows (every item is set: chunks are reused). */
function columnWriters(staged: StagedColumn[], types: DuckDBType[]): ColumnWriter[] {
  const writers: ColumnWriter[] = []
  let index = 0
  for (const column of staged) {
    const at = index
    if (column.counter) {
      writers.push((chunk, rows, start, count) => {
        const prefixes = new Array<DuckDBValue>(count)
        const counters = new Array<DuckDBValue>(count)
        for (let i = 0; i < count; i++) {
          const value = rows[start + i][column.name] as string | null | undefined
          if (value === null || value === undefined) {
            prefixes[i] = counters[i] = null
          } else {
            prefixes[i] = value.slice(0, -COUNTER_DIGITS)
            counters[i] = parseInt(value.slice(-COUNTER_DIGITS), 16)
          }
        }
        chunk.setColumnValues(at, prefixes)
        chunk.setColumnValues(at + 1, counters)
      })
      index += 2
      continue
    }
    const convert = column.asText ? textOf(column.type as string) : converterFor(column.type, types[at])
    writers.push((chunk, rows, start, count) => {
      const values = new Array<DuckDBValue>(count)
      for (let i = 0; i < count; i++) {
        const value = rows[start + i][column.name]
        values[i] = value === null || value === undefined ? null : convert(value)
      }
      chunk.setColumnValues(at, values)
    })
    index += 1
  }
  return writers
}

function enumSql(members: Set<string>): string {
  return `ENUM(${[...members].map(quoteLiteral).join(', ')})`
}

/** The prefixes of a column whose every value is a prefix and a 12-hex-digit counter, the prefixes few; else undefined. */
function counterIds(rows: Row[], column: string): CounterIds | undefined {
  const limit = Math.min(MAX_DICTIONARY, rows.length / 8)
  const prefixes = new Set<string>()
  let last: string | undefined
  for (const row of rows) {
    const value = row[column]
    if (value === null || value === undefined) continue
    if (typeof value !== 'string' || value.length <= COUNTER_DIGITS || !COUNTER.test(value.slice(-COUNTER_DIGITS))) return undefined
    const prefix = value.slice(0, -COUNTER_DIGITS)
    if (prefix === last) continue
    last = prefix
    if (prefixes.has(prefix)) continue
    if (prefixes.size >= limit) return undefined
    prefixes.add(prefix)
  }
  return prefixes.size > 0 ? {prefixes} : undefined
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
