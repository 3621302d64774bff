import {LabmeshError} from '../../errors.js'
import {type DeltaType, duckdbType, field, isPrimitive, type StructField, type StructType} from './schema.js'

/** Rows handed in by callers: checked against the schema, typed when new, staged as JSON lines for DuckDB. */

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
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) {
      if (known.has(name) || (found.has(name) && !untyped.has(name))) continue
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
  for (const [index, row] of rows.entries()) {
    for (const [name, value] of Object.entries(row)) {
      const column = columns.get(name)
      if (!column)
        throw new LabmeshError('INVALID_DATA', `row ${index + 1} has column "${name}", which the table does not have`, {subject: name})
      const problem = checkValue(value, column.type, false)
      if (problem) throw new LabmeshError('INVALID_DATA', `row ${index + 1}, column "${name}": ${problem}`, {subject: name})
    }
    for (const column of schema.fields) {
      if (!column.nullable && (row[column.name] === null || row[column.name] === undefined)) {
        throw new LabmeshError('INVALID_DATA', `row ${index + 1} has no value for column "${column.name}", which cannot be null`, {
          subject: column.name,
        })
      }
    }
  }
}

/** The rows as JSON lines that DuckDB's read_json parses back with `stagedColumns`. */
export function stageRows(rows: Row[]): string {
  // The holder's own property is the value before toJSON (a Buffer would otherwise arrive as {type, data}).
  const replacer = function (this: Record<string, unknown>, key: string): unknown {
    return toJson(this[key])
  }
  const lines = new Array<string>(rows.length)
  // Rows of plain strings, finite numbers and booleans (nearly all) skip the replacer, which costs more than the rest.
  for (let i = 0; i < rows.length; i++) lines[i] = isPlainRow(rows[i]) ? JSON.stringify(rows[i]) : JSON.stringify(rows[i], replacer)
  return lines.join('\n') + '\n'
}

function isPlainRow(row: Row): boolean {
  for (const key in row) {
    const value = row[key]
    if (typeof value === 'object' ? value !== null : typeof value === 'bigint' || (typeof value === 'number' && !Number.isFinite(value)))
      return false
  }
  return true
}

/** read_json's `columns` types and the SELECT list that turns the staged JSON into table columns. */
export function stagedColumns(schema: StructType): {types: Array<[string, string]>; select: string[]} {
  const types: Array<[string, string]> = []
  const select: string[] = []
  for (const column of schema.fields) {
    const quoted = `"${column.name.replaceAll('"', '""')}"`
    // Binary values travel as base64 text: JSON has no bytes.
    if (column.type === 'binary') {
      types.push([column.name, 'VARCHAR'])
      select.push(`from_base64(${quoted}) AS ${quoted}`)
    } else {
      types.push([column.name, duckdbType(column.type)])
      select.push(quoted)
    }
  }
  return {types, select}
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

function checkValue(value: RowValue, type: DeltaType, nested: boolean): string | undefined {
  if (value === null || value === undefined) return undefined
  // Staged JSON carries bytes as base64 text, which only top-level columns decode.
  if (nested && type === 'binary') return 'binary values inside arrays, structs or maps cannot be written'
  if (isPrimitive(type)) return checkPrimitive(value, type)
  switch (type.type) {
    case 'array': {
      if (!Array.isArray(value)) return `expected an array, got ${describe(value)}`
      for (const item of value) {
        const problem = checkValue(item, type.elementType, true)
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
        const problem = checkValue(item, itemType, true)
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

function toJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  return value
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
