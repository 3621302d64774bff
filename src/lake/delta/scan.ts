import {quoteIdentifier, quoteLiteral, withConnection} from '../duckdb.js'
import {LabmeshError} from '../../errors.js'
import type {AddAction} from './actions.js'
import {decodeDataPath} from './paths.js'
import {assertReadable} from './protocol.js'
import {type DeltaType, duckdbType, isPrimitive, type StructField} from './schema.js'
import type {Snapshot} from './snapshot.js'
import type {LakeStorage} from './storage.js'

/** A DuckDB SELECT over a snapshot's data: the body of the views later stages query. */

export interface ScanOptions {
  /** Scan only these files of the snapshot (default: all active files). */
  files?: AddAction[]
  /** Adds a column of this name holding each row's data file, as the local path DuckDB read. */
  fileColumn?: string
}

// The file name column read_parquet adds; joined to the partition values of each file.
const FILE = '__labmesh_data_file'

/**
 * A self-contained SELECT (paths inlined as escaped literals, so it works as a view body) with the
 * table's columns under their logical names, in schema order: data columns read from Parquet by
 * name (physical names under column mapping), partition columns from the log cast to their types.
 * Columns missing from older files read as null.
 */
export async function scanSql(storage: LakeStorage, snapshot: Snapshot, options: ScanOptions = {}): Promise<string> {
  assertReadable(snapshot.protocol, snapshot.metadata, snapshot.location)
  const files = options.files ?? snapshot.files
  const withVector = files.find((f) => f.deletionVector)
  if (withVector) {
    throw new LabmeshError(
      'UNSUPPORTED',
      `${snapshot.location} has deletion vectors (feature deletionVectors), which this version cannot read`,
      {
        subject: withVector.path,
      },
    )
  }
  const mapped =
    snapshot.configuration['delta.columnMapping.mode'] === 'name' || snapshot.configuration['delta.columnMapping.mode'] === 'id'
  const nameOf = (field: StructField): string => (mapped ? physicalName(field) : field.name)
  const partitionColumns = new Set(snapshot.partitionColumns)
  const fields = snapshot.schema.fields
  const partitionFields = fields.filter((f) => partitionColumns.has(f.name))
  const fileColumn = options.fileColumn ? [`${quoteIdentifier(FILE)} AS ${quoteIdentifier(options.fileColumn)}`] : []

  if (files.length === 0) {
    const empty = fields.map((f) => `CAST(NULL AS ${duckdbType(f.type)}) AS ${quoteIdentifier(f.name)}`)
    return `SELECT ${[...empty, ...(options.fileColumn ? [`CAST(NULL AS VARCHAR) AS ${quoteIdentifier(options.fileColumn)}`] : [])].join(', ')} WHERE false`
  }

  const paths = await Promise.all(files.map((f) => storage.engine.localPath(decodeDataPath(f.path, snapshot.location))))
  const needsFile = partitionFields.length > 0 || options.fileColumn !== undefined
  // Hive partitioning off: `k=v` folders (of the table's location, or left by earlier partitionings) must not
  // override data columns; partition values come from the log only.
  const read = `read_parquet([${paths.map(quoteLiteral).join(', ')}], union_by_name = true, hive_partitioning = false${needsFile ? `, filename = ${quoteLiteral(FILE)}` : ''})`
  // The files' own columns (footers only): a column no file has yet reads as a typed null, one stored
  // with another type is cast. Selecting straight from read_parquet keeps the scan as fast as DuckDB's own.
  const stored = await withConnection(async (connection) => {
    const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${read}`)
    return new Map(reader.getRowObjectsJson().map((row) => [String(row.column_name), String(row.column_type)]))
  })
  const dataSql = (f: StructField): string => {
    const type = duckdbType(f.type, nameOf)
    const found = stored.get(nameOf(f))
    if (found === undefined) return `CAST(NULL AS ${type})`
    const column = `data.${quoteIdentifier(nameOf(f))}`
    return sameDuckdbType(found, type) ? column : `CAST(${column} AS ${type})`
  }
  let from = `${read} AS data`
  if (partitionFields.length > 0) {
    const rows = files.map((file, i) => {
      const values = partitionFields.map((f) => {
        const value = file.partitionValues[nameOf(f)]
        return value === null || value === undefined ? 'NULL' : quoteLiteral(value)
      })
      return `(${[quoteLiteral(paths[i]), ...values].join(', ')})`
    })
    const names = [quoteIdentifier(FILE), ...partitionFields.map((_, i) => `p${i}`)]
    from += ` JOIN (VALUES ${rows.join(', ')}) AS partitions(${names.join(', ')}) USING (${quoteIdentifier(FILE)})`
  }
  const columns = fields.map((f) => {
    const index = partitionFields.indexOf(f)
    const expression = index >= 0 ? partitionValueSql(`partitions.p${index}`, f.type) : logicalSql(dataSql(f), f.type, mapped, 1)
    return `${expression} AS ${quoteIdentifier(f.name)}`
  })
  return `SELECT ${[...columns, ...fileColumn].join(', ')} FROM ${from}`
}

/** DuckDB spells some types two ways (TIMESTAMPTZ, TIMESTAMP WITH TIME ZONE); compare them alike. */
function sameDuckdbType(a: string, b: string): boolean {
  const normal = (t: string): string =>
    t.toUpperCase().replace(/\s+/g, ' ').replace('TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ').replace(/"/g, '')
  return normal(a) === normal(b)
}

/** A column's name in the data files: its physical name under column mapping. */
export function physicalName(field: StructField): string {
  const physical = field.metadata['delta.columnMapping.physicalName']
  return typeof physical === 'string' && physical !== '' ? physical : field.name
}

/** A partition value string (PROTOCOL.md "Partition Value Serialization") as a typed value; '' is null. */
function partitionValueSql(expression: string, type: DeltaType): string {
  const value = `NULLIF(${expression}, '')`
  if (type === 'string') return value
  if (type === 'binary') return `encode(${value})`
  return `CAST(${value} AS ${duckdbType(type)})`
}

/** Renames nested struct fields from physical to logical names; plain columns pass through. */
function logicalSql(expression: string, type: DeltaType, mapped: boolean, depth: number): string {
  if (!mapped || !renamesInside(type)) return expression
  if (isPrimitive(type)) return expression
  switch (type.type) {
    case 'struct': {
      const members = type.fields.map(
        (f) =>
          `${quoteIdentifier(f.name)} := ${logicalSql(`${expression}.${quoteIdentifier(physicalName(f))}`, f.type, mapped, depth + 1)}`,
      )
      return `CASE WHEN ${expression} IS NULL THEN NULL ELSE struct_pack(${members.join(', ')}) END`
    }
    case 'array': {
      const item = `x${depth}`
      return `list_transform(${expression}, lambda ${item}: ${logicalSql(item, type.elementType, mapped, depth + 1)})`
    }
    case 'map': {
      const entry = `e${depth}`
      const key = logicalSql(`${entry}.key`, type.keyType, mapped, depth + 1)
      const value = logicalSql(`${entry}.value`, type.valueType, mapped, depth + 1)
      return `map_from_entries(list_transform(map_entries(${expression}), lambda ${entry}: struct_pack(key := ${key}, value := ${value})))`
    }
  }
}

function renamesInside(type: DeltaType): boolean {
  if (isPrimitive(type)) return false
  switch (type.type) {
    case 'struct':
      return type.fields.some((f) => physicalName(f) !== f.name || renamesInside(f.type))
    case 'array':
      return renamesInside(type.elementType)
    case 'map':
      return renamesInside(type.keyType) || renamesInside(type.valueType)
  }
}
