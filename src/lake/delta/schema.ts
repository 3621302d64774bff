import {quoteIdentifier} from '../duckdb.js'
import {LabmeshError} from '../../errors.js'

/**
 * Table schemas in Spark's JSON schema format, the `schemaString` of a Delta metaData action
 * (PROTOCOL.md "Schema Serialization Format"), and their DuckDB types.
 */

/** A primitive type name: string, long, integer, short, byte, float, double, boolean, binary, date, timestamp, timestamp_ntz, decimal(p,s). */
export type PrimitiveType = string
export type DeltaType = PrimitiveType | StructType | ArrayType | MapType

export interface StructField {
  name: string
  type: DeltaType
  nullable: boolean
  metadata: Record<string, unknown>
}

export interface StructType {
  type: 'struct'
  fields: StructField[]
}

export interface ArrayType {
  type: 'array'
  elementType: DeltaType
  containsNull: boolean
}

export interface MapType {
  type: 'map'
  keyType: DeltaType
  valueType: DeltaType
  valueContainsNull: boolean
}

const PRIMITIVE_DUCKDB_TYPES: Record<string, string> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  integer: 'INTEGER',
  short: 'SMALLINT',
  byte: 'TINYINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  binary: 'BLOB',
  date: 'DATE',
  // Delta timestamps are instants (Parquet isAdjustedToUTC=true); timestamp_ntz are wall-clock times.
  timestamp: 'TIMESTAMPTZ',
  timestamp_ntz: 'TIMESTAMP',
}

const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/

/** A column of a new table: a nullable field with no metadata unless given. */
export function field(name: string, type: DeltaType, nullable = true): StructField {
  return {name, type, nullable, metadata: {}}
}

/** Parses and checks a schemaString; `subject` names the table in errors. */
export function parseSchema(schemaString: string, subject = 'table'): StructType {
  let parsed: unknown
  try {
    parsed = JSON.parse(schemaString)
  } catch (error) {
    throw new LabmeshError('INVALID_DATA', `the schema of ${subject} is not JSON`, {cause: error, subject})
  }
  const type = checkType(parsed, subject)
  if (typeof type === 'string' || type.type !== 'struct') {
    throw new LabmeshError('INVALID_DATA', `the schema of ${subject} is not a struct`, {subject})
  }
  return type
}

export function serializeSchema(schema: StructType): string {
  return JSON.stringify(schema)
}

export function isPrimitive(type: DeltaType): type is PrimitiveType {
  return typeof type === 'string'
}

/** The DuckDB type of a Delta type. `nameOf` picks struct field names (physical names under column mapping). */
export function duckdbType(type: DeltaType, nameOf: (field: StructField) => string = (f) => f.name): string {
  if (typeof type === 'string') {
    const simple = PRIMITIVE_DUCKDB_TYPES[type]
    if (simple) return simple
    if (type === 'decimal') return 'DECIMAL(10,0)'
    const decimal = DECIMAL.exec(type)
    if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`
    throw new LabmeshError('UNSUPPORTED', `the Delta type "${type}" cannot be read`, {subject: type})
  }
  switch (type.type) {
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `${quoteIdentifier(nameOf(f))} ${duckdbType(f.type, nameOf)}`).join(', ')})`
    case 'array':
      return `${duckdbType(type.elementType, nameOf)}[]`
    case 'map':
      return `MAP(${duckdbType(type.keyType, nameOf)}, ${duckdbType(type.valueType, nameOf)})`
  }
}

/** Whether two types are the same, ignoring field metadata and nullability. */
export function sameType(a: DeltaType, b: DeltaType): boolean {
  if (typeof a === 'string' || typeof b === 'string')
    return typeof a === 'string' && typeof b === 'string' && normalizePrimitive(a) === normalizePrimitive(b)
  if (a.type === 'struct' && b.type === 'struct') {
    return (
      a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i].name && sameType(f.type, b.fields[i].type))
    )
  }
  if (a.type === 'array' && b.type === 'array') return sameType(a.elementType, b.elementType)
  if (a.type === 'map' && b.type === 'map') return sameType(a.keyType, b.keyType) && sameType(a.valueType, b.valueType)
  return false
}

/** A type as Spark prints it, for messages. */
export function typeName(type: DeltaType): string {
  if (typeof type === 'string') return type
  switch (type.type) {
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}:${typeName(f.type)}`).join(',')}>`
    case 'array':
      return `array<${typeName(type.elementType)}>`
    case 'map':
      return `map<${typeName(type.keyType)},${typeName(type.valueType)}>`
  }
}

export interface SchemaMerge {
  schema: StructType
  /** Names of the columns `incoming` added. */
  added: string[]
}

/**
 * Schema evolution: `incoming` columns missing from `current` are appended as nullable columns
 * (files written before them read as null); a column present in both must keep its type.
 */
export function mergeSchemas(current: StructType, incoming: StructField[]): SchemaMerge {
  const fields = [...current.fields]
  const added: string[] = []
  // By lower-cased name: one lookup per column, so a wide merge stays linear.
  const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]))
  for (const column of incoming) {
    const existing = byName.get(column.name.toLowerCase())
    if (!existing) {
      const field = {...column, nullable: true}
      fields.push(field)
      byName.set(column.name.toLowerCase(), field)
      added.push(column.name)
    } else if (existing.name !== column.name) {
      throw new LabmeshError('CONFLICT', `column "${column.name}" differs only in case from the table's column "${existing.name}"`, {
        subject: column.name,
      })
    } else if (!sameType(existing.type, column.type)) {
      throw new LabmeshError(
        'CONFLICT',
        `column "${column.name}" is ${typeName(existing.type)} in the table, not ${typeName(column.type)}`,
        {
          subject: column.name,
          suggestions: ['write the column with its existing type, or use a new column name'],
        },
      )
    }
  }
  return {schema: {type: 'struct', fields}, added}
}

function normalizePrimitive(type: string): string {
  if (type === 'decimal') return 'decimal(10,0)'
  const decimal = DECIMAL.exec(type)
  return decimal ? `decimal(${decimal[1]},${decimal[2]})` : type
}

function checkType(value: unknown, subject: string): DeltaType {
  if (typeof value === 'string') return value
  const object = value as Record<string, unknown> | null
  const invalid = (): never => {
    throw new LabmeshError('INVALID_DATA', `the schema of ${subject} has an invalid type: ${JSON.stringify(value)}`, {subject})
  }
  if (typeof object !== 'object' || object === null) return invalid()
  switch (object.type) {
    case 'struct': {
      if (!Array.isArray(object.fields)) return invalid()
      const fields = object.fields.map((raw: unknown): StructField => {
        const f = raw as Record<string, unknown> | null
        if (typeof f !== 'object' || f === null || typeof f.name !== 'string') return invalid()
        return {
          name: f.name,
          type: checkType(f.type, subject),
          nullable: f.nullable !== false,
          metadata: typeof f.metadata === 'object' && f.metadata !== null ? (f.metadata as Record<string, unknown>) : {},
        }
      })
      return {type: 'struct', fields}
    }
    case 'array':
      return {type: 'array', elementType: checkType(object.elementType, subject), containsNull: object.containsNull !== false}
    case 'map':
      return {
        type: 'map',
        keyType: checkType(object.keyType, subject),
        valueType: checkType(object.valueType, subject),
        valueContainsNull: object.valueContainsNull !== false,
      }
    default:
      return invalid()
  }
}
