import {randomUUID} from 'node:crypto'
import type {DuckDBConnection, DuckDBValue} from '@duckdb/node-api'

import {quoteIdentifier} from '../duckdb.js'
import {LabmeshError} from '../../errors.js'
import type {AddAction} from './actions.js'
import {encodeDataPath, newDataFilePath, partitionDirectory} from './paths.js'
import {type DeltaType, type StructField, type StructType} from './schema.js'
import {DEFAULT_INDEXED_COLUMNS, fileStats} from './stats.js'
import type {LakeStorage, StoredObject} from './storage.js'

/** Writing Parquet data files with DuckDB, one per partition, and the add actions that name them. */

/** DuckDB's own default: a multiple of its 2048-row vectors that keeps row groups near 100k rows. */
export const DEFAULT_ROW_GROUP_SIZE = 122_880

export interface DataFilesRequest {
  storage: LakeStorage
  schema: StructType
  partitionColumns: string[]
  configuration: Record<string, string>
  /** A SELECT producing the table's columns by name; it runs once. */
  source: string
  params?: Record<string, DuckDBValue>
  /** False for rewrites that do not change the table's rows (optimize). */
  dataChange: boolean
  rowGroupSize?: number
}

/**
 * Writes the source's rows as zstd Parquet files (partition columns live in the log and the
 * directory names, not in the files) and returns their add actions with statistics. Files are
 * written before any commit names them; a writer that dies leaves only unreferenced files.
 */
export async function writeDataFiles(connection: DuckDBConnection, request: DataFilesRequest): Promise<AddAction[]> {
  const rowGroupSize = request.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1)
    throw new LabmeshError('INVALID_INPUT', `row group size must be a positive integer, not ${rowGroupSize}`)
  const partitions = request.partitionColumns.map((name) => {
    const column = request.schema.fields.find((f) => f.name === name)
    if (!column) throw new LabmeshError('INVALID_DATA', `partition column "${name}" is not in the schema`, {subject: name})
    return column
  })
  const dataColumns = request.schema.fields.filter((f) => !request.partitionColumns.includes(f.name))
  // Unpartitioned: one file, written straight from the source. Partitioned: the source runs once,
  // into a temporary table each partition's file is then selected from.
  if (partitions.length === 0) {
    const select = `SELECT ${dataColumns.map((c) => quoteIdentifier(c.name)).join(', ')} FROM (${request.source})`
    const relative = newDataFilePath(partitionDirectory([]))
    const add = await writeDataFile(connection, request, {relative, select, params: request.params ?? {}, partitions: []})
    return add ? [add] : []
  }
  const staged = quoteIdentifier(`labmesh_stage_${randomUUID().replaceAll('-', '')}`)
  await connection.run(`CREATE TEMP TABLE ${staged} AS SELECT * FROM (${request.source})`, request.params ?? {})
  try {
    const adds: AddAction[] = []
    for (const values of await partitionsOf(connection, staged, partitions)) {
      const filter = partitions.map((p, i) => `${partitionValueSql(quoteIdentifier(p.name), p.type)} IS NOT DISTINCT FROM $p${i}`)
      const params: Record<string, DuckDBValue> = Object.fromEntries(values.map((v, i) => [`p${i}`, v]))
      const select = `SELECT ${dataColumns.map((c) => quoteIdentifier(c.name)).join(', ')} FROM ${staged} WHERE ${filter.join(' AND ')}`
      const relative = newDataFilePath(partitionDirectory(partitions.map((p, i) => [p.name, values[i]])))
      const add = await writeDataFile(connection, request, {
        relative,
        select,
        params,
        partitions: partitions.map((p, i) => [p.name, values[i]]),
      })
      if (add) adds.push(add)
    }
    return adds
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${staged}`)
  }
}

/** Writes the rows of `select` as one data file with its statistics; nothing (and undefined) when it has no rows. */
async function writeDataFile(
  connection: DuckDBConnection,
  request: DataFilesRequest,
  file: {relative: string; select: string; params: Record<string, DuckDBValue>; partitions: Array<[string, string | null]>},
): Promise<AddAction | undefined> {
  const rowGroupSize = request.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE
  const dataColumns = request.schema.fields.filter((f) => !request.partitionColumns.includes(f.name))
  const indexed = Number(request.configuration['delta.dataSkippingNumIndexedCols'] ?? DEFAULT_INDEXED_COLUMNS)
  const output = await request.storage.engine.stage(file.relative)
  let stored: StoredObject
  let stats: string
  try {
    await connection.run(`COPY (${file.select}) TO $target (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupSize})`, {
      ...file.params,
      target: output.localPath,
    })
    // From the file just written: the source is not run a second time (it may read a table's old files).
    stats = await fileStats(connection, {sql: 'SELECT * FROM read_parquet($file)', params: {file: output.localPath}}, dataColumns, indexed)
    if ((JSON.parse(stats) as {numRecords: number}).numRecords === 0) {
      await output.abort()
      return undefined
    }
    stored = await output.publish()
  } catch (error) {
    await output.abort()
    throw error
  }
  return {
    path: encodeDataPath(file.relative),
    partitionValues: Object.fromEntries(file.partitions),
    size: stored.size,
    modificationTime: Math.floor(stored.mtime),
    dataChange: request.dataChange,
    stats,
  }
}

/** The distinct partition value tuples of the staged rows. */
async function partitionsOf(connection: DuckDBConnection, staged: string, partitions: StructField[]): Promise<Array<Array<string | null>>> {
  const serialized = partitions.map((p, i) => `${partitionValueSql(quoteIdentifier(p.name), p.type)} AS p${i}`)
  const reader = await connection.runAndReadAll(`SELECT DISTINCT ${serialized.join(', ')} FROM ${staged}`)
  return reader.getRowObjectsJson().map((row) => partitions.map((_, i) => row[`p${i}`] as string | null))
}

/** Whether a column can partition a table: a primitive type with a partition value serialization. */
export function isPartitionable(type: DeltaType): boolean {
  return typeof type === 'string' && type !== 'binary'
}

/** A value as the partition string of PROTOCOL.md "Partition Value Serialization"; null and '' are null. */
function partitionValueSql(expression: string, type: DeltaType): string {
  switch (type) {
    case 'string':
      return `NULLIF(${expression}, '')`
    case 'date':
      return `strftime(${expression}, '%Y-%m-%d')`
    // Timestamps as ISO 8601 in UTC, the form the protocol recommends.
    case 'timestamp':
      return `strftime(${expression}, '%Y-%m-%dT%H:%M:%S.%fZ')`
    case 'timestamp_ntz':
      return `strftime(${expression}, '%Y-%m-%d %H:%M:%S.%f')`
    default:
      return `CAST(${expression} AS VARCHAR)`
  }
}
