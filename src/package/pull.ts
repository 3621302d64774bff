import {quoteIdentifier} from '../lake/duckdb.js'
import type {Lake, QueryEngine, QueryRequest, TableVersion} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {editDistance, findTable, parseTableRef} from '../lake/catalog/table-ref.js'
import type {PackageFormat} from './formats.js'
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
  origin: WritePackageOptions['origin']
  signal?: AbortSignal
  onProgress?: QueryRequest['onProgress']
}

/**
 * A table, or the rows and columns of it asked for, as a data package: the shortcut for
 * `query "SELECT ... FROM table WHERE ..." --package DIR`, and the SQL it runs is recorded.
 */
export async function pullTable(lake: Lake, engine: QueryEngine, options: PullOptions): Promise<PackageSummary & {table: string}> {
  const ref = parseTableRef(options.table)
  const {table} = await findTable(lake, ref)
  const name = `${ref.database}.${ref.table}`
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
  const select = options.columns && options.columns.length > 0 ? options.columns.map(quoteIdentifier).join(', ') : '*'
  // The condition goes on lines of its own, so a trailing -- comment in it cannot swallow the closing parenthesis.
  const where = options.where?.trim() ? ` WHERE (\n${options.where}\n)` : ''
  const sql = `SELECT ${select} FROM ${quoteIdentifier(ref.database)}.${quoteIdentifier(ref.table)}${where}`
  const summary = await writeDataPackage(engine, {
    dir: options.dir,
    format: options.format,
    resource: descriptorName(ref.table, 'table'),
    title: options.where?.trim() ? `${name} where ${options.where.trim()}` : name,
    request: {
      sql,
      params: options.params,
      asOf: options.asOf ? {[name]: options.asOf} : undefined,
      signal: options.signal,
      onProgress: options.onProgress,
    },
    origin: options.origin,
  })
  return {table: name, ...summary}
}
