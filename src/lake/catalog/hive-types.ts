import {LabmeshError} from '../../errors.js'
import {quoteIdentifier} from '../duckdb.js'
import {type DeltaType, isPrimitive} from '../delta/schema.js'

const PRIMITIVES: Record<string, string> = {
  string: 'string',
  long: 'bigint',
  integer: 'int',
  short: 'smallint',
  byte: 'tinyint',
  float: 'float',
  double: 'double',
  boolean: 'boolean',
  binary: 'binary',
  date: 'date',
  timestamp: 'timestamp',
  timestamp_ntz: 'timestamp',
}

/**
 * A Delta type as the Hive type name Glue keeps in a table's StorageDescriptor (what Athena,
 * Spark and Lake Formation column grants read): long -> bigint, struct<a:int,...>,
 * array<string>, map<string,string>, decimal(p,s).
 */
export function hiveType(type: DeltaType): string {
  if (isPrimitive(type)) {
    const name = PRIMITIVES[type]
    if (name) return name
    if (/^decimal\(\s*\d+\s*,\s*\d+\s*\)$/.test(type)) return type.replace(/\s+/g, '')
    throw new LabmeshError('UNSUPPORTED', `Delta type ${type} has no Hive type for the Glue catalog`, {subject: type})
  }
  switch (type.type) {
    case 'array':
      return `array<${hiveType(type.elementType)}>`
    case 'map':
      return `map<${hiveType(type.keyType)},${hiveType(type.valueType)}>`
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}:${hiveType(f.type)}`).join(',')}>`
  }
}

const DUCKDB_PRIMITIVES: Record<string, string> = {
  string: 'VARCHAR',
  varchar: 'VARCHAR',
  char: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  integer: 'INTEGER',
  smallint: 'SMALLINT',
  tinyint: 'TINYINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  binary: 'BLOB',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  decimal: 'DECIMAL',
}

/**
 * A Glue (Hive) column type as DuckDB's, for checking SQL against a Glue table's columns:
 * `array<struct<a:int>>` -> `STRUCT("a" INTEGER)[]`, `decimal(10,2)`, `varchar(20)` -> VARCHAR.
 * INVALID_DATA for a type it cannot read.
 */
export function duckdbTypeOfHive(type: string): string {
  let at = 0
  const bad = (): LabmeshError =>
    new LabmeshError('INVALID_DATA', `the Glue column type "${type}" is not a Hive type labmesh reads`, {subject: type})
  const skip = (): void => {
    while (type[at] === ' ') at++
  }
  const take = (pattern: RegExp): string => {
    skip()
    const found = pattern.exec(type.slice(at))
    if (!found) throw bad()
    at += found[0].length
    return found[0]
  }
  const expect = (char: string): void => {
    skip()
    if (type[at] !== char) throw bad()
    at++
  }
  const parse = (): string => {
    const name = take(/^[a-z]+/i).toLowerCase()
    skip()
    if (name === 'array') {
      expect('<')
      const element = parse()
      expect('>')
      return `${element}[]`
    }
    if (name === 'map') {
      expect('<')
      const key = parse()
      expect(',')
      const value = parse()
      expect('>')
      return `MAP(${key}, ${value})`
    }
    if (name === 'struct') {
      expect('<')
      const fields: string[] = []
      for (;;) {
        const field = take(/^[^:<>,]+/).trim()
        expect(':')
        fields.push(`${quoteIdentifier(field)} ${parse()}`)
        skip()
        if (type[at] !== ',') break
        at++
      }
      expect('>')
      return `STRUCT(${fields.join(', ')})`
    }
    const primitive = DUCKDB_PRIMITIVES[name]
    if (!primitive) throw bad()
    const size = type[at] === '(' ? take(/^\(\s*\d+\s*(,\s*\d+\s*)?\)/).replace(/\s+/g, '') : ''
    return primitive === 'DECIMAL' ? `DECIMAL${size || '(10,0)'}` : primitive
  }
  const parsed = parse()
  skip()
  if (at !== type.length) throw bad()
  return parsed
}
