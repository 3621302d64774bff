import {randomUUID} from 'node:crypto'
import type {DuckDBConnection, DuckDBValue} from '@duckdb/node-api'

import {quoteIdentifier, quoteLiteral, withConnection} from '../duckdb.js'
import {LabmeshError} from '../../errors.js'
import type {AddAction, MetadataAction} from './actions.js'
import {type CheckpointOptions, writeCheckpoint} from './checkpoint.js'
import {isPartitionable, writeDataFiles} from './data-files.js'
import {type CommitRecord, history} from './history.js'
import {type LastCheckpoint, listLog} from './log-reader.js'
import {optimize, type OptimizeOptions, type OptimizeResult} from './optimize.js'
import {type ManifestResult, writeManifests} from './manifest.js'
import {decodeDataPath} from './paths.js'
import {mayHoldAny} from './prune.js'
import {assertCanRemoveRows, assertWritable, protocolForSchema, upgradeProtocol} from './protocol.js'
import {inferNewColumns, type Row, validateRows} from './rows.js'
import {type ScanOptions, scanSql} from './scan.js'
import {stageRows} from './stage-rows.js'
import {duckdbType, mergeSchemas, serializeSchema, type StructField} from './schema.js'
import {loadSnapshot, type Snapshot, type SnapshotOptions} from './snapshot.js'
import type {LakeStorage} from './storage.js'
import {type CommitOptions, type CommitResult, type Predicate, Transaction} from './transaction.js'
import {vacuum, type VacuumOptions, type VacuumResult} from './vacuum.js'

export interface CreateTableOptions {
  columns: StructField[]
  partitionColumns?: string[]
  /** Table properties, e.g. delta.checkpointInterval, delta.appendOnly. */
  configuration?: Record<string, string>
  name?: string
  description?: string
}

export interface WriteOptions {
  /** Types for new columns, instead of guessing them from the values. */
  columns?: StructField[]
  /** Add columns the rows have and the table lacks (default true); false makes them an error. */
  mergeSchema?: boolean
  rowGroupSize?: number
  maxAttempts?: number
}

export interface WriteResult {
  /** False when there was nothing to write; `version` is then the version read. */
  committed: boolean
  version: number
  commit?: CommitResult
  filesAdded: number
  filesRemoved: number
  rowsWritten: number
  rowsDeleted: number
  addedColumns: string[]
}

// Characters Parquet and Spark do not accept in column names without column mapping.
const INVALID_NAME = /[ ,;{}()\n\t=]/

/** One Delta table: reads at any version, and writes, each an optimistic transaction. */
export class DeltaTable {
  constructor(readonly storage: LakeStorage) {}

  /** Creates the table (version 0); CONFLICT when one already exists there. */
  static async create(storage: LakeStorage, options: CreateTableOptions): Promise<DeltaTable> {
    const partitionColumns = options.partitionColumns ?? []
    checkColumns(options.columns)
    for (const name of partitionColumns) {
      const column = options.columns.find((c) => c.name === name)
      if (!column) throw new LabmeshError('INVALID_INPUT', `partition column "${name}" is not one of the columns`, {subject: name})
      if (!isPartitionable(column.type))
        throw new LabmeshError('INVALID_INPUT', `column "${name}" cannot partition a table: its type is not a primitive one`, {
          subject: name,
        })
    }
    if (partitionColumns.length >= options.columns.length)
      throw new LabmeshError('INVALID_INPUT', 'a table needs at least one column that is not a partition column')
    const schema = {type: 'struct' as const, fields: options.columns}
    const metadata: MetadataAction = {
      id: randomUUID(),
      ...(options.name ? {name: options.name} : {}),
      ...(options.description ? {description: options.description} : {}),
      format: {provider: 'parquet', options: {}},
      schemaString: serializeSchema(schema),
      partitionColumns,
      configuration: options.configuration ?? {},
      createdTime: Date.now(),
    }
    const transaction = new Transaction(storage, undefined)
    transaction.setProtocol(protocolForSchema(schema))
    transaction.setMetadata(metadata)
    await transaction.commit({
      operation: 'CREATE TABLE',
      operationParameters: {partitionBy: JSON.stringify(partitionColumns), properties: JSON.stringify(metadata.configuration)},
    })
    return new DeltaTable(storage)
  }

  /** The table at `storage`, created with `options` unless it exists (also when another process creates it first). */
  static async openOrCreate(storage: LakeStorage, options: CreateTableOptions): Promise<DeltaTable> {
    const table = new DeltaTable(storage)
    if (await table.exists()) return table
    try {
      return await DeltaTable.create(storage, options)
    } catch (error) {
      if (error instanceof LabmeshError && error.code === 'CONFLICT' && (await table.exists())) return table
      throw error
    }
  }

  /** Whether there is a Delta log with at least one commit or checkpoint. */
  async exists(): Promise<boolean> {
    const {commits, checkpoints} = await listLog(this.storage)
    return commits.length > 0 || checkpoints.length > 0
  }

  snapshot(options: SnapshotOptions = {}): Promise<Snapshot> {
    return loadSnapshot(this.storage, options)
  }

  /** A DuckDB SELECT over the table at the latest (or a given) version, for use as a view body. */
  async scanSql(options: SnapshotOptions & ScanOptions = {}): Promise<string> {
    return scanSql(this.storage, await this.snapshot(options), options)
  }

  /** How many rows match `predicate` in a snapshot (files its statistics rule out are not read: on S3, not downloaded). */
  async countWhere(predicate: Predicate, snapshot?: Snapshot): Promise<number> {
    const read = snapshot ?? (await this.snapshot())
    return withConnection(async (connection) => (await matchingFiles(connection, this.storage, read, predicate)).rows)
  }

  history(): Promise<CommitRecord[]> {
    return history(this.storage)
  }

  /** Appends rows: data files first, then one commit naming them. */
  append(rows: Row[], options: WriteOptions = {}): Promise<WriteResult> {
    return this.write(rows, undefined, options)
  }

  /** Replaces the rows matching `predicate` by `rows`, copy-on-write: files holding matches are rewritten without them. */
  replaceWhere(predicate: Predicate, rows: Row[], options: WriteOptions = {}): Promise<WriteResult> {
    return this.write(rows, predicate, options)
  }

  deleteWhere(predicate: Predicate, options: WriteOptions = {}): Promise<WriteResult> {
    return this.write([], predicate, options)
  }

  optimize(options: OptimizeOptions = {}): Promise<OptimizeResult> {
    return optimize(this.storage, options)
  }

  vacuum(options: VacuumOptions = {}): Promise<VacuumResult> {
    return vacuum(this.storage, options)
  }

  /**
   * Sets table properties (one commit, no data change); a property set to the value it has is no
   * commit at all. Setting the manifest property writes every manifest with the commit.
   */
  async setProperties(properties: Record<string, string>): Promise<CommitResult | undefined> {
    const read = await this.snapshot()
    if (Object.entries(properties).every(([name, value]) => read.configuration[name] === value)) return undefined
    const transaction = new Transaction(this.storage, read)
    transaction.setMetadata({...read.metadata, configuration: {...read.configuration, ...properties}})
    return transaction.commit({operation: 'SET TBLPROPERTIES', operationParameters: {properties: JSON.stringify(properties)}})
  }

  /** Rewrites every symlink manifest from the latest version and deletes those of vanished partitions. */
  manifests(): Promise<ManifestResult> {
    return writeManifests(this.storage)
  }

  /** Writes a checkpoint of the latest version now, whatever the interval. */
  async checkpoint(options: CheckpointOptions = {}): Promise<LastCheckpoint> {
    const snapshot = await this.snapshot()
    assertWritable(snapshot.protocol, snapshot.metadata, snapshot.schema, snapshot.location)
    return writeCheckpoint(this.storage, snapshot, options)
  }

  private async write(rows: Row[], predicate: Predicate | undefined, options: WriteOptions): Promise<WriteResult> {
    const read = await this.snapshot()
    const transaction = new Transaction(this.storage, read)
    if (predicate) assertCanRemoveRows(read.metadata, read.location)
    const merge = mergeSchemas(read.schema, [...(options.columns ?? []), ...inferNewColumns(rows, read.schema, options.columns)])
    if (merge.added.length > 0) {
      if (options.mergeSchema === false) {
        throw new LabmeshError('INVALID_DATA', `the rows have columns the table does not: ${merge.added.join(', ')}`, {
          subject: merge.added[0],
          suggestions: ['allow schema evolution (mergeSchema) to add them'],
        })
      }
      checkColumns(merge.schema.fields)
      transaction.setMetadata({...read.metadata, schemaString: serializeSchema(merge.schema)})
      const protocol = upgradeProtocol(read.protocol, merge.schema)
      if (protocol) transaction.setProtocol(protocol)
    }
    validateRows(rows, merge.schema)
    // The table as this write leaves it: the same files, read with the evolved schema.
    const view = read.withMetadata({...read.metadata, schemaString: serializeSchema(merge.schema)})

    const written = await withConnection((connection) => this.writeFiles(connection, view, rows, predicate, options))
    if (predicate) transaction.readWhere(predicate)
    transaction.removeFiles(written.touched, true)
    transaction.addFiles(written.adds)
    const result = {
      filesAdded: written.adds.length,
      filesRemoved: written.touched.length,
      rowsWritten: rows.length,
      rowsDeleted: written.rowsDeleted,
      addedColumns: merge.added,
    }
    if (transaction.isEmpty) return {committed: false, version: read.version, ...result}
    const commit = await transaction.commit({...operationOf(predicate, rows, read.partitionColumns), maxAttempts: options.maxAttempts})
    return {committed: true, version: commit.version, commit, ...result}
  }

  /** Writes the new rows, and the kept rows of files holding matches of `predicate`, as new data files. */
  private async writeFiles(
    connection: DuckDBConnection,
    view: Snapshot,
    rows: Row[],
    predicate: Predicate | undefined,
    options: WriteOptions,
  ): Promise<{adds: AddAction[]; touched: AddAction[]; rowsDeleted: number}> {
    const sources: string[] = []
    const params: Record<string, DuckDBValue> = {}
    const matched = predicate ? await matchingFiles(connection, this.storage, view, predicate) : {files: [], rows: 0}
    if (predicate && matched.files.length > 0) {
      sources.push(`SELECT * FROM (${await scanSql(this.storage, view, {files: matched.files})}) WHERE (${predicate.sql}) IS NOT TRUE`)
      Object.assign(params, predicate.params)
    }
    const staged = rows.length > 0 ? await stageRows(connection, rows, view.schema) : undefined
    if (staged) sources.push(staged.select)
    if (sources.length === 0) return {adds: [], touched: [], rowsDeleted: 0}
    try {
      const adds = await writeDataFiles(connection, {
        storage: this.storage,
        schema: view.schema,
        partitionColumns: view.partitionColumns,
        configuration: view.configuration,
        source: sources.join(' UNION ALL BY NAME '),
        params,
        dataChange: true,
        rowGroupSize: options.rowGroupSize,
      })
      return {adds, touched: matched.files, rowsDeleted: matched.rows}
    } finally {
      if (staged) await connection.run(`DROP TABLE IF EXISTS ${quoteIdentifier(staged.table)}`)
    }
  }
}

/** commitInfo's operation and parameters, named as Spark names them. */
function operationOf(predicate: Predicate | undefined, rows: Row[], partitionColumns: string[]): CommitOptions {
  const partitionBy = JSON.stringify(partitionColumns)
  if (!predicate) return {operation: 'WRITE', operationParameters: {mode: 'Append', partitionBy}}
  if (rows.length === 0) return {operation: 'DELETE', operationParameters: {predicate: predicateText(predicate)}}
  return {operation: 'WRITE', operationParameters: {mode: 'Overwrite', predicate: predicateText(predicate), partitionBy}}
}

/**
 * A predicate as the log records it, with its parameters' values written in (as Spark records
 * them), so the history says which rows a commit replaced. Only a record: the predicate itself
 * always runs with its values bound.
 */
export function predicateText(predicate: Predicate): string {
  const params = predicate.params ?? {}
  return predicate.sql.replace(/\$([A-Za-z_]\w*)/g, (whole, name: string) => {
    if (!(name in params)) return whole
    const value = params[name]
    if (value === null) return 'NULL'
    return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean'
      ? String(value)
      : quoteLiteral(String(value))
  })
}

/** The files holding rows that match `predicate`, and how many rows match. */
async function matchingFiles(
  connection: DuckDBConnection,
  storage: LakeStorage,
  snapshot: Snapshot,
  predicate: Predicate,
): Promise<{files: AddAction[]; rows: number}> {
  // Files whose statistics rule the predicate out are not read (on S3: not even downloaded).
  const candidates = predicate.columnIn ? snapshot.files.filter((f) => mayHoldAny(f, predicate.columnIn!)) : snapshot.files
  if (candidates.length === 0) return {files: [], rows: 0}
  const fileColumn = '__labmesh_matched_file'
  const sql = await scanSql(storage, snapshot, {fileColumn, files: candidates})
  let found: Array<Record<string, unknown>>
  try {
    const reader = await connection.runAndReadAll(
      `SELECT ${quoteIdentifier(fileColumn)} AS file, count(*) AS n FROM (${sql}) WHERE (${predicate.sql}) GROUP BY ALL`,
      predicate.params ?? {},
    )
    found = reader.getRowObjectsJson()
  } catch (error) {
    throw new LabmeshError(
      'INVALID_INPUT',
      `the predicate "${predicate.sql}" cannot be evaluated: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    )
  }
  const byPath = new Map(
    await Promise.all(candidates.map(async (f) => [await storage.engine.localPath(decodeDataPath(f.path, snapshot.location)), f] as const)),
  )
  return {
    files: found.map((row) => byPath.get(String(row.file))).filter((f): f is AddAction => f !== undefined),
    rows: found.reduce((sum, row) => sum + Number(row.n), 0),
  }
}

/** Column names Parquet accepts, unique regardless of case, with types DuckDB can store. */
function checkColumns(columns: StructField[]): void {
  if (columns.length === 0) throw new LabmeshError('INVALID_INPUT', 'a table needs at least one column')
  const seen = new Set<string>()
  for (const column of columns) {
    if (column.name === '' || INVALID_NAME.test(column.name)) {
      throw new LabmeshError(
        'INVALID_INPUT',
        `column name ${JSON.stringify(column.name)} is empty or has one of the characters " ,;{}()\\n\\t="`,
        {
          subject: column.name,
        },
      )
    }
    if (seen.has(column.name.toLowerCase()))
      throw new LabmeshError('INVALID_INPUT', `column "${column.name}" appears twice (names ignore case)`, {subject: column.name})
    seen.add(column.name.toLowerCase())
    duckdbType(column.type)
  }
}
