import {
  arrayFromArrayValue,
  arrayFromListValue,
  createDuckDBValueConverter,
  DuckDBBlobValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  type DuckDBValueConverter,
  JsonDuckDBValueConverter,
  objectFromStructValue,
} from '@duckdb/node-api'

import {uniqueNames} from '../../output/unique-names.js'
import type {ExportFormat, QueryValue} from '../types.js'
import {quoteIdentifier} from '../../lake/duckdb.js'

/**
 * How DuckDB values become QueryValues (types.ts), and the same encoding done by DuckDB itself
 * for files written with COPY: timestamps as ISO 8601 (UTC with Z for TIMESTAMPTZ), bytes as
 * base64, nested values as JSON in CSV, non-finite floats as null. Rows shown or streamed by
 * Node and files written by DuckDB then say the same thing the same way.
 */

const MICROS_PER_SECOND = 1_000_000n

/** `2024-01-02T03:04:05.123456`, as DuckDB's strftime('%Y-%m-%dT%H:%M:%S.%f') writes it. */
function isoFromMicros(micros: bigint): string {
  const seconds = micros >= 0n ? micros / MICROS_PER_SECOND : -((-micros + MICROS_PER_SECOND - 1n) / MICROS_PER_SECOND)
  const fraction = micros - seconds * MICROS_PER_SECOND
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction.toString().padStart(6, '0')}`
}

type TimestampLike = {isFinite: boolean; toString(): string}

function timestampConverter(toMicros: (value: DuckDBValue) => bigint, suffix: string): DuckDBValueConverter<QueryValue> {
  return (value) => ((value as unknown as TimestampLike).isFinite ? isoFromMicros(toMicros(value)) + suffix : String(value))
}

function integerFromValue(value: DuckDBValue): number | string {
  const number = Number(value)
  return Number.isSafeInteger(number) ? number : String(value)
}

function finiteNumber(value: DuckDBValue): number | null {
  const number = Number(value)
  return Number.isFinite(number) ? number : null
}

const asString = (value: DuckDBValue): string => String(value)

const CONVERTERS: Partial<Record<DuckDBTypeId, DuckDBValueConverter<QueryValue>>> = {
  [DuckDBTypeId.BIGINT]: integerFromValue,
  [DuckDBTypeId.UBIGINT]: integerFromValue,
  [DuckDBTypeId.HUGEINT]: integerFromValue,
  [DuckDBTypeId.UHUGEINT]: integerFromValue,
  [DuckDBTypeId.BIGNUM]: integerFromValue,
  [DuckDBTypeId.FLOAT]: finiteNumber,
  [DuckDBTypeId.DOUBLE]: finiteNumber,
  [DuckDBTypeId.DECIMAL]: finiteNumber,
  [DuckDBTypeId.TIMESTAMP]: timestampConverter((v) => (v as unknown as {micros: bigint}).micros, ''),
  [DuckDBTypeId.TIMESTAMP_TZ]: timestampConverter((v) => (v as unknown as {micros: bigint}).micros, 'Z'),
  [DuckDBTypeId.TIMESTAMP_S]: timestampConverter((v) => (v as unknown as {seconds: bigint}).seconds * MICROS_PER_SECOND, ''),
  [DuckDBTypeId.TIMESTAMP_MS]: timestampConverter((v) => (v as unknown as {millis: bigint}).millis * 1000n, ''),
  [DuckDBTypeId.TIMESTAMP_NS]: timestampConverter((v) => (v as unknown as {nanos: bigint}).nanos / 1000n, ''),
  [DuckDBTypeId.INTERVAL]: asString,
  [DuckDBTypeId.BLOB]: (value) => Buffer.from((value as DuckDBBlobValue).bytes).toString('base64'),
  [DuckDBTypeId.LIST]: arrayFromListValue,
  [DuckDBTypeId.ARRAY]: arrayFromArrayValue,
  [DuckDBTypeId.STRUCT]: objectFromStructValue,
  // An object, as DuckDB's to_json writes a map, rather than a list of {key, value}.
  [DuckDBTypeId.MAP]: (value, type, converter) => {
    const {entries} = value as unknown as {entries: {key: DuckDBValue; value: DuckDBValue}[]}
    const mapType = type as unknown as {keyType: DuckDBType; valueType: DuckDBType}
    return Object.fromEntries(
      entries.map((e) => [String(converter(e.key, mapType.keyType, converter)), converter(e.value, mapType.valueType, converter)]),
    )
  },
  [DuckDBTypeId.UNION]: (value, type, converter) => {
    const union = value as unknown as {tag: string; value: DuckDBValue}
    const member = (type as unknown as {memberTypeForTag(tag: string): DuckDBType}).memberTypeForTag(union.tag)
    return converter(union.value, member, converter)
  },
}

/** DuckDB values to QueryValues; types not listed convert as the client's JSON converter does. */
export const queryValueConverter: DuckDBValueConverter<QueryValue> = createDuckDBValueConverter<QueryValue>(
  Object.fromEntries(
    Object.values(DuckDBTypeId)
      .filter((id): id is DuckDBTypeId => typeof id === 'number')
      .map((id) => [id, CONVERTERS[id] ?? (JsonDuckDBValueConverter as DuckDBValueConverter<QueryValue>)]),
  ) as Record<DuckDBTypeId, DuckDBValueConverter<QueryValue>>,
)

const NESTED = new Set([DuckDBTypeId.LIST, DuckDBTypeId.ARRAY, DuckDBTypeId.STRUCT, DuckDBTypeId.MAP, DuckDBTypeId.UNION])
const TIMESTAMPS = new Set([DuckDBTypeId.TIMESTAMP, DuckDBTypeId.TIMESTAMP_S, DuckDBTypeId.TIMESTAMP_MS, DuckDBTypeId.TIMESTAMP_NS])

/**
 * The SQL that writes column `position` (1-based, of the statement's result) in `format` with the
 * encoding above, or undefined when DuckDB's own rendering already is that encoding.
 */
function encodedColumnSql(position: number, typeId: DuckDBTypeId, format: ExportFormat): string | undefined {
  if (format === 'parquet') return undefined
  const column = `#${position}`
  if (TIMESTAMPS.has(typeId)) return `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%f')`
  // The session runs in UTC, so the wall-clock time strftime prints is UTC.
  if (typeId === DuckDBTypeId.TIMESTAMP_TZ) return `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%fZ')`
  if (typeId === DuckDBTypeId.BLOB) return `to_base64(${column})`
  if (typeId === DuckDBTypeId.FLOAT || typeId === DuckDBTypeId.DOUBLE) return `CASE WHEN isfinite(${column}) THEN ${column} END`
  if ((format === 'csv' || format === 'tsv') && NESTED.has(typeId)) return `CAST(to_json(${column}) AS VARCHAR)`
  return undefined
}

/**
 * A SELECT over `inner` (a query) that encodes its columns for `format`, under names made unique
 * (a JSON object cannot hold two `a`s). Nesting also lets COPY write what it cannot take as it
 * is (DESCRIBE, SHOW, SUMMARIZE).
 */
export function encodedSelect(
  inner: string,
  columns: {name: string; typeId: DuckDBTypeId}[],
  format: ExportFormat,
): {sql: string; names: string[]} {
  const names = uniqueNames(columns.map((c) => c.name))
  const list = names.map((name, i) => `${encodedColumnSql(i + 1, columns[i].typeId, format) ?? `#${i + 1}`} AS ${quoteIdentifier(name)}`)
  return {sql: `SELECT ${list.join(', ')} FROM (\n${inner}\n)`, names}
}
