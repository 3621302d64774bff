import type {DuckDBConnection, DuckDBValue} from '@duckdb/node-api'

import {quoteIdentifier} from '../duckdb.js'
import {isPrimitive, type StructField} from './schema.js'

/**
 * Per-file statistics (PROTOCOL.md "Per-file Statistics") as the JSON string an add action
 * carries: numRecords, and minValues, maxValues, nullCount per column, keyed by column name.
 */

/** Spark's default for `delta.dataSkippingNumIndexedCols`: statistics for the first 32 columns only. */
export const DEFAULT_INDEXED_COLUMNS = 32

/** Spark's prefix length for string bounds. */
const STRING_PREFIX = 32

type Bound = 'number' | 'string' | 'date' | 'timestamp' | 'timestamp_ntz' | 'none'

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/

/**
 * The stats JSON of a data file, for `columns` (the data columns, in schema order), computed over
 * `rows`: a SELECT of exactly the rows written to it (the staged rows, cheaper to scan than the
 * compressed file read back).
 */
export async function fileStats(
  connection: DuckDBConnection,
  rows: {sql: string; params: Record<string, DuckDBValue>},
  columns: StructField[],
  indexedColumns = DEFAULT_INDEXED_COLUMNS,
): Promise<string> {
  const indexed = (indexedColumns < 0 ? columns : columns.slice(0, indexedColumns)).filter((c) => isPrimitive(c.type))
  const selects = ['count(*) AS n']
  for (const [i, column] of indexed.entries()) {
    const name = quoteIdentifier(column.name)
    selects.push(`count(*) - count(${name}) AS null${i}`)
    const bound = boundKind(column.type as string)
    if (bound !== 'none') selects.push(`${boundSql(`min(${name})`, bound)} AS min${i}`, `${boundSql(`max(${name})`, bound)} AS max${i}`)
  }
  const reader = await connection.runAndReadAll(`SELECT ${selects.join(', ')} FROM (${rows.sql})`, rows.params)
  const row = reader.getRowObjectsJson()[0]
  const minValues: string[] = []
  const maxValues: string[] = []
  const nullCount: string[] = []
  for (const [i, column] of indexed.entries()) {
    const key = JSON.stringify(column.name)
    nullCount.push(`${key}:${Number(row[`null${i}`])}`)
    const bound = boundKind(column.type as string)
    const min = jsonBound(row[`min${i}`], bound, 'min')
    const max = jsonBound(row[`max${i}`], bound, 'max')
    if (min !== undefined) minValues.push(`${key}:${min}`)
    if (max !== undefined) maxValues.push(`${key}:${max}`)
  }
  // Built as text so that longs and decimals keep every digit (JSON.parse would round them).
  return `{"numRecords":${Number(row.n)},"minValues":{${minValues.join(',')}},"maxValues":{${maxValues.join(',')}},"nullCount":{${nullCount.join(',')}}}`
}

function boundKind(type: string): Bound {
  if (['long', 'integer', 'short', 'byte', 'float', 'double'].includes(type) || type.startsWith('decimal')) return 'number'
  if (type === 'string' || type === 'date' || type === 'timestamp' || type === 'timestamp_ntz') return type
  return 'none'
}

function boundSql(aggregate: string, bound: Bound): string {
  switch (bound) {
    case 'date':
      return `strftime(${aggregate}, '%Y-%m-%d')`
    // Timestamp bounds are written to the millisecond, as the protocol says readers expect.
    case 'timestamp':
      return `strftime(${aggregate}, '%Y-%m-%dT%H:%M:%S.%gZ')`
    case 'timestamp_ntz':
      return `strftime(${aggregate}, '%Y-%m-%dT%H:%M:%S.%g')`
    default:
      return `CAST(${aggregate} AS VARCHAR)`
  }
}

/** A bound as JSON text, or undefined when the file has no usable one (all null, NaN, a long string max). */
function jsonBound(value: unknown, bound: Bound, side: 'min' | 'max'): string | undefined {
  if (typeof value !== 'string') return undefined
  switch (bound) {
    case 'number':
      return JSON_NUMBER.test(value) ? value : undefined
    case 'string': {
      const chars = [...value]
      if (chars.length <= STRING_PREFIX) return JSON.stringify(value)
      // A prefix is still a lower bound; it is not an upper one, so a long maximum is left out.
      return side === 'min' ? JSON.stringify(chars.slice(0, STRING_PREFIX).join('')) : undefined
    }
    default:
      return JSON.stringify(value)
  }
}
