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
  /** A SELECT producing the table's columns by name; it runs once, into a temporary table. */
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
  const indexed = Number(request.configuration['delta.dataSkippingNumIndexedCols'] ?? DEFAULT_INDEXED_COLUMNS)
  const staged = quoteIdentifier(`labmesh_stage_${randomUUID().replaceAll('-', '')}`)
  await connection.run(`CREATE TEMP TABLE ${staged} AS SELECT * FROM (${request.source})`, request.params ?? {})
  try {
    const adds: AddAction[] = []
    for (const values of await partitionsOf(connection, staged, partitions)) {
      const filter = partitions.map((p, i) => `${partitionValueSql(quoteIdentifier(p.name), p.type)} IS NOT DISTINCT FROM $p${i}`)
      const params: Record<string, DuckDBValue> = Object.fromEntries(values.map((v, i) => [`p${i}`, v]))
      const relative = newDataFilePath(partitionDirectory(partitions.map((p, i) => [p.name, values[i]])))
      const output = await request.storage.engine.stage(relative)
      let stored: StoredObject
      let stats: string
      try {
        const select = `SELECT ${dataColumns.map((c) => quoteIdentifier(c.name)).join(', ')} FROM ${staged}${filter.length > 0 ? ` WHERE ${filter.join(' AND ')}` : ''}`
        await connection.run(`COPY (${select}) TO $target (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupSize})`, {
          ...params,
          target: output.localPath,
        })
        stats = await fileStats(connection, {sql: select, params}, dataColumns, indexed)
        stored = await output.publish()
      } catch (error) {
        await output.abort()
        throw error
      }
      adds.push({
        path: encodeDataPath(relative),
        partitionValues: Object.fromEntries(partitions.map((p, i) => [p.name, values[i]])),
        size: stored.size,
        modificationTime: Math.floor(stored.mtime),
        dataChange: request.dataChange,
        stats,
      })
    }
    return adds
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${staged}`)
  }
}

/** The distinct partition value tuples of the staged rows (one empty tuple for an unpartitioned table with rows). */
async function partitionsOf(connection: DuckDBConnection, staged: string, partitions: StructField[]): Promise<Array<Array<string | null>>> {
  if (partitions.length === 0) {
    const [[count]] = (await connection.runAndReadAll(`SELECT count(*) FROM ${staged}`)).getRows()
    return Number(count) === 0 ? [] : [[]]
  }
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
