import {LabmeshError} from '../../errors.js'
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
