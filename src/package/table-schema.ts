import type {QueryColumn} from '../backends/types.js'

export const TABLE_SCHEMA_PROFILE = 'https://datapackage.org/profiles/2.0/tableschema.json'

/** The Table Schema (v2) field types labmesh writes. */
export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'time' | 'datetime' | 'array' | 'object' | 'any'

export interface TableSchemaField {
  name: string
  type: FieldType
  /** `binary` for base64 bytes, `uuid` for UUIDs. */
  format?: 'binary' | 'uuid'
}

export interface TableSchema {
  $schema: string
  fields: TableSchemaField[]
  /** Empty cells are nulls. */
  missingValues: string[]
}

// Integer type names of DuckDB and Athena (Trino).
const INTEGER =
  /^(tinyint|smallint|integer|int|bigint|hugeint|utinyint|usmallint|uinteger|ubigint|uhugeint|int1|int2|int4|int8|long|short|byte|bignum)$/
const NUMBER = /^(float|float4|float8|real|double|double precision|decimal|numeric)\b/

/**
 * The Table Schema field for a result column, from its SQL type as DuckDB or Athena names it.
 * The values follow the encoding of QueryValue (ISO 8601 times, base64 bytes, JSON for nested
 * values in CSV), so each field type reads back as declared.
 */
export function fieldFor(column: QueryColumn): TableSchemaField {
  const type = column.type.trim().toLowerCase()
  const field = (fieldType: FieldType, format?: TableSchemaField['format']): TableSchemaField => ({
    name: column.name,
    type: fieldType,
    ...(format ? {format} : {}),
  })
  // Lists and arrays: INTEGER[], VARCHAR[3], array(varchar), array<string>.
  if (type.endsWith(']') || /^(array|list)\b/.test(type)) return field('array')
  if (/^(struct|map|row|json|union)\b/.test(type)) return field('object')
  if (type === 'boolean' || type === 'bool') return field('boolean')
  if (INTEGER.test(type)) return field('integer')
  if (NUMBER.test(type)) return field('number')
  if (type === 'date') return field('date')
  if (type.startsWith('timestamp') || type === 'datetime') return field('datetime')
  if (type.startsWith('time')) return field('time')
  if (type === 'blob' || type === 'bytea' || type === 'varbinary' || type === 'binary') return field('string', 'binary')
  if (type === 'uuid') return field('string', 'uuid')
  if (/^(varchar|char|text|string|bpchar|enum)\b/.test(type)) return field('string')
  return field('any')
}

export function tableSchemaFor(columns: QueryColumn[]): TableSchema {
  return {$schema: TABLE_SCHEMA_PROFILE, fields: columns.map(fieldFor), missingValues: ['']}
}
