import {quoteIdentifier} from '../lake/duckdb.js'
import type {Lake, QueryEngine, QueryRequest, TableRef, TableVersion} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {editDistance, findTable, parseTableRef} from '../lake/catalog/table-ref.js'
import type {PackageFormat} from './formats.js'
import {selectWhere} from './where.js'
import {descriptorName, type PackageSummary, writeDataPackage, type WritePackageOptions} from './write.js'

export interface PullOptions {
  /** `database.table` (a bare name is in lab). */
  table: string
  dir: string
  format: PackageFormat
  /** Only these columns, in this order (default: all). */
  columns?: string[]
  /** A SQL condition on the table's columns; values in it can be `$name` parameters. */
  where?: string
  params?: QueryRequest['params']
  asOf?: TableVersion
  /** Pull as this principal: only what its grants allow (QueryRequest.principal). */
  principal?: string
  origin: WritePackageOptions['origin']
  safeOutput: WritePackageOptions['safeOutput']
  signal?: AbortSignal
  onProgress?: QueryRequest['onProgress']
  maxScanBytes?: number
}

/**
 * A table, or the rows and columns of it asked for, as a data package: the shortcut for
 * `query "SELECT ... FROM table WHERE ..." --package DIR`, and the SQL it runs is recorded.
 */
export async function pullTable(lake: Lake, engine: QueryEngine, options: PullOptions): Promise<PackageSummary & {table: string}> {
  const ref = parseTableRef(options.table)
  const name = `${ref.database}.${ref.table}`
  // As a principal, the engine's session (built from the grants) is the one judge of which tables and columns exist.
  if (options.principal === undefined) await checkColumns(lake, ref, name, options)
  const columns = options.columns && options.columns.length > 0 ? options.columns.map(quoteIdentifier).join(', ') : '*'
  const select = `SELECT ${columns} FROM ${quoteIdentifier(ref.database)}.${quoteIdentifier(ref.table)}`
  const sql = options.where?.trim() ? await selectWhere(select, options.where) : select
  const summary = await writeDataPackage(engine, {
    dir: options.dir,
    format: options.format,
    resource: descriptorName(ref.table, 'table'),
    title: options.where?.trim() ? `${name} where ${options.where.trim()}` : name,
    request: {
      sql,
      params: options.params,
      asOf: options.asOf ? {[name]: options.asOf} : undefined,
      principal: options.principal,
      signal: options.signal,
      onProgress: options.onProgress,
      maxScanBytes: options.maxScanBytes,
    },
    origin: options.origin,
    safeOutput: options.safeOutput,
  })
  return {table: name, ...summary}
}

/** NOT_FOUND for a table that is not there, INVALID_INPUT naming the closest column for one it does not have. */
async function checkColumns(lake: Lake, ref: TableRef, name: string, options: PullOptions): Promise<void> {
  const {table} = await findTable(lake, ref)
  const known = (await table.snapshot(options.asOf ?? {})).schema.fields.map((f) => f.name)
  for (const column of options.columns ?? []) {
    if (!known.includes(column)) {
      const closest = [...known].sort((a, b) => editDistance(a, column) - editDistance(b, column))[0]
      throw new LabmeshError('INVALID_INPUT', `${name} has no column "${column}"`, {
        subject: column,
        suggestions: closest ? [`did you mean ${closest}?`] : [],
      })
    }
  }
}
