import {randomUUID} from 'node:crypto'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'

import type {QueryColumn, QueryEngine, QueryRequest, QueryStatistics} from '../backends/types.js'
import type {SafeOutput} from '../output/safe-output.js'
import {formatTableVersion, MEDIA_TYPES, type PackageFormat} from './formats.js'
import {
  DATAPACKAGE_PROFILE,
  type DataPackage,
  type DataResource,
  DESCRIPTOR,
  digestFiles,
  type PackageProvenance,
  TABLE_DIALECT_PROFILE,
} from './descriptor.js'
import {tableSchemaFor} from './table-schema.js'

export interface WritePackageOptions {
  /** The package folder: created, or an empty one. */
  dir: string
  /** Where outputs may go (never into the workspace or a table's folder). */
  safeOutput: SafeOutput
  format: PackageFormat
  /** The resource's name and its file's base name (lowercase letters, digits, `-`, `_`, `.`). */
  resource: string
  title?: string
  request: QueryRequest
  /** Where the query ran, recorded in the descriptor. */
  origin: Pick<PackageProvenance, 'backend' | 'profile' | 'generator'>
}

export interface PackageSummary {
  dir: string
  descriptor: string
  columns: QueryColumn[]
  rows: number
  resources: {name: string; path: string; format: string; bytes: number; hash: string}[]
  /** What the engine reported about the statement (Athena: its execution id, bytes scanned, cost estimate). */
  statistics?: QueryStatistics
}

/**
 * Runs the query into a Frictionless Data Package v2: the result as one CSV or Parquet resource
 * with its Table Schema, size and sha256, and the query that made it. The package is built in a
 * staging folder and renamed into place, so `dir` holds a whole package or nothing.
 */
export async function writeDataPackage(engine: QueryEngine, options: WritePackageOptions): Promise<PackageSummary> {
  const file = `${options.resource}.${options.format}`
  const written = await options.safeOutput.writeFolder(options.dir, async (staging) => {
    const started = process.hrtime.bigint()
    const result = await engine.export(options.request, {path: path.join(staging, file), format: options.format})
    const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9
    const {bytes, hex} = await digestFiles([path.join(staging, file)], 'sha256')
    const resource: DataResource = {
      name: options.resource,
      type: 'table',
      path: file,
      format: options.format,
      mediatype: MEDIA_TYPES[options.format],
      ...(options.format === 'csv' ? {encoding: 'utf-8'} : {}),
      bytes,
      hash: `sha256:${hex}`,
      ...(options.format === 'csv'
        ? {dialect: {$schema: TABLE_DIALECT_PROFILE, header: true, delimiter: ',', lineTerminator: '\n', quoteChar: '"', doubleQuote: true}}
        : {}),
      schema: tableSchemaFor(result.columns),
    }
    const descriptor: DataPackage = {
      $schema: DATAPACKAGE_PROFILE,
      name: descriptorName(path.basename(path.resolve(options.dir)), 'query-result'),
      id: `urn:uuid:${randomUUID()}`,
      ...(options.title ? {title: options.title} : {}),
      created: new Date().toISOString(),
      resources: [resource],
      labmesh: {
        sql: options.request.sql,
        parameters: options.request.params ?? {},
        asOf: Object.fromEntries(
          Object.entries(options.request.asOf ?? {}).map(([table, version]) => [table, formatTableVersion(version)]),
        ),
        engine: engine.engine,
        ...options.origin,
        rows: result.rows,
        elapsedSeconds: Math.round(elapsedSeconds * 1000) / 1000,
        ...(result.statistics ? {queryExecutionId: result.statistics.executionId, bytesScanned: result.statistics.bytesScanned} : {}),
      },
    }
    await writeFile(path.join(staging, DESCRIPTOR), JSON.stringify(descriptor, null, 2) + '\n')
    return {columns: result.columns, rows: result.rows, bytes, hash: resource.hash!, statistics: result.statistics}
  })
  const {columns, rows, bytes, hash, statistics} = written.result
  return {
    dir: written.path,
    descriptor: path.join(written.path, DESCRIPTOR),
    columns,
    rows,
    resources: [{name: options.resource, path: file, format: options.format, bytes, hash}],
    ...(statistics ? {statistics} : {}),
  }
}

/** A name for a package or resource: lowercase letters, digits, `-`, `_` and `.` (the spec's recommendation). */
export function descriptorName(text: string, fallback: string): string {
  const name = text
    .toLowerCase()
    .replaceAll(/[^a-z0-9._-]+/g, '-')
    .replaceAll(/^[-.]+|[-.]+$/g, '')
  return name === '' ? fallback : name
}
