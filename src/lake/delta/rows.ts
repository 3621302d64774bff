import {LabmeshError} from '../../errors.js'
import {type DeltaType, field, isPrimitive, type StructField, type StructType} from './schema.js'

/** Rows handed in by callers: checked against the schema and typed when new (stage-rows.ts hands them to DuckDB). */

export type RowValue = string | number | boolean | bigint | Date | Uint8Array | null | undefined | RowValue[] | {[key: string]: RowValue}
export type Row = Record<string, RowValue>

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  byte: [-(2n ** 7n), 2n ** 7n - 1n],
  short: [-(2n ** 15n), 2n ** 15n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
}

/**
 * Types for columns the rows have and the schema lacks, from their first non-null value. Numbers
 * become double: a column of 1, 2 may hold 2.5 in the next file. `declared` overrides the guess.
 */
export function inferNewColumns(rows: Row[], schema: StructType, declared: StructField[] = []): StructField[] {
  const known = new Set(schema.fields.map((f) => f.name))
  const found = new Map<string, StructField>()
  for (const column of declared) if (!known.has(column.name)) found.set(column.name, column)
  const untyped = new Set<string>()
  // for...in, not Object.entries: a batch has millions of values, and each entries array is garbage.
  for (const row of rows) {
    for (const name in row) {
      if (known.has(name) || (found.has(name) && !untyped.has(name))) continue
      const value = row[name]
      if (value === null || value === undefined) {
        untyped.add(name)
        // A column null in every row has no type to learn; string keeps later values readable.
        found.set(name, field(name, 'string'))
      } else {
        untyped.delete(name)
        found.set(name, field(name, inferType(value)))
      }
    }
  }
  return [...found.values()]
}

/** INVALID_DATA naming the column and row when a value does not fit its column's type. */
export function validateRows(rows: Row[], schema: StructType): void {
  const columns = new Map(schema.fields.map((f) => [f.name, f]))
  const required = schema.fields.filter((f) => !f.nullable)
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]
    for (const name in row) {
      const column = columns.get(name)
      if (!column)
        throw new LabmeshError('INVALID_DATA', `row ${index + 1} has column "${name}", which the table does not have`, {subject: name})
      const problem = checkValue(row[name], column.type)
      if (problem) throw new LabmeshError('INVALID_DATA', `row ${index + 1}, column "${name}": ${problem}`, {subject: name})
    }
    for (const column of required) {
      if (!column.nullable && (row[column.name] === null || row[column.name] === undefined)) {
        throw new LabmeshError('INVALID_DATA', `row ${index + 1} has no value for column "${column.name}", which cannot be null`, {
          subject: column.name,
        })
      }
    }
  }
}

function inferType(value: Exclude<RowValue, null | undefined>): DeltaType {
  if (typeof value === 'string') return 'string'
  if (typeof value === 'number') return 'double'
  if (typeof value === 'bigint') return 'long'
  if (typeof value === 'boolean') return 'boolean'
  if (value instanceof Date) return 'timestamp'
  if (value instanceof Uint8Array) return 'binary'
  if (Array.isArray(value)) {
    const sample = value.find((v) => v !== null && v !== undefined)
    return {type: 'array', elementType: sample === undefined || sample === null ? 'string' : inferType(sample), containsNull: true}
  }
  return {
    type: 'struct',
    fields: Object.entries(value).map(([name, v]) => field(name, v === null || v === undefined ? 'string' : inferType(v))),
  }
}

function checkValue(value: RowValue, type: DeltaType): string | undefined {
  if (value === null || value === undefined) return undefined
  if (isPrimitive(type)) return checkPrimitive(value, type)
  switch (type.type) {
    case 'array': {
      if (!Array.isArray(value)) return `expected an array, got ${describe(value)}`
      for (const item of value) {
        const problem = checkValue(item, type.elementType)
        if (problem) return `array element: ${problem}`
      }
      return undefined
    }
    case 'struct':
    case 'map': {
      if (!isPlainObject(value)) return `expected an object, got ${describe(value)}`
      for (const [key, item] of Object.entries(value)) {
        const itemType = type.type === 'map' ? type.valueType : type.fields.find((f) => f.name === key)?.type
        if (itemType === undefined) return `field "${key}" is not in the column's struct type`
        const problem = checkValue(item, itemType)
        if (problem) return `field "${key}": ${problem}`
      }
      return undefined
    }
  }
}

function checkPrimitive(value: Exclude<RowValue, null | undefined>, type: string): string | undefined {
  const range = INTEGER_RANGES[type]
  if (range) {
    const integer = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : undefined
    if (integer === undefined) return `expected an integer (${type}), got ${describe(value)}`
    return integer < range[0] || integer > range[1] ? `${integer} is out of range for ${type}` : undefined
  }
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : `expected a string, got ${describe(value)}`
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected a boolean, got ${describe(value)}`
    case 'float':
    case 'double':
      return typeof value === 'number' ? undefined : `expected a number, got ${describe(value)}`
    case 'binary':
      return value instanceof Uint8Array ? undefined : `expected bytes, got ${describe(value)}`
    case 'date':
    case 'timestamp':
    case 'timestamp_ntz':
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid date' : undefined
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? undefined : `expected a date or time, got ${describe(value)}`
    default:
      if (type.startsWith('decimal')) {
        return typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))
          ? undefined
          : `expected a decimal number, got ${describe(value)}`
      }
      return `values of type ${type} cannot be written`
  }
}

function isPlainObject(value: unknown): value is Record<string, RowValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array)
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Date) return 'a date'
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`
}
