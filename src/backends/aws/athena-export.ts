import {randomUUID} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {mkdir, rename, rm} from 'node:fs/promises'
import path from 'node:path'
import {pipeline} from 'node:stream/promises'
import {parse} from 'csv-parse'

import {LabmeshError} from '../../errors.js'
import {quoteIdentifier, quoteLiteral, withConnection} from '../../lake/duckdb.js'
import {uniqueNames} from '../../output/unique-names.js'
import type {TextFormat} from '../../query/formats.js'
import {createRowWriter} from '../../query/writers.js'
import type {ExportTarget, QueryColumn, QueryRequest, QueryStatistics, QueryValue} from '../types.js'
import type {AthenaFacade} from './athena.js'
import type {FinishedStatement} from './athena-engine.js'
import {cancelled, pagesWithoutHeader} from './athena-engine.js'
import type {AthenaStatement} from './athena-sql.js'
import {athenaConverter} from './athena-values.js'
import type {S3Facade} from './s3.js'

export interface ExportContext {
  athena: AthenaFacade
  s3: S3Facade
  tempDir: string
  /** Runs the request's checked statement (or what `wrap` makes of it) to its end. */
  run(request: QueryRequest, wrap?: (statement: AthenaStatement) => string): Promise<FinishedStatement>
  /** Where Athena writes: UNLOAD's temporary prefix goes under it. */
  outputLocation?: string
}

interface Exported {
  columns: QueryColumn[]
  rows: number
  statistics: QueryStatistics
}

const ROWS_PER_WRITE = 1000

/**
 * Writes a whole Athena result to a local file that appears complete or not at all (a partial
 * file renamed into place). Text formats stream the result CSV Athena leaves in S3, re-encoded as
 * the local engine writes them; Parquet is UNLOADed to a temporary prefix, downloaded, merged
 * into one file by DuckDB, and the prefix deleted whatever happens.
 */
export async function exportResult(context: ExportContext, request: QueryRequest, target: ExportTarget): Promise<Exported> {
  const partial = path.join(path.dirname(target.path), `.${path.basename(target.path)}.${randomUUID()}.partial`)
  try {
    const exported =
      target.format === 'parquet'
        ? await unloadParquet(context, request, partial)
        : await streamText(context, request, target.format, partial)
    await rename(partial, target.path)
    return exported
  } catch (error) {
    await rm(partial, {force: true})
    throw error
  }
}

const noPlan = (statement: AthenaStatement): void => {
  if (statement.kind === 'plan') throw new LabmeshError('USAGE', 'EXPLAIN shows a plan on screen; it cannot be written to a file')
}

async function streamText(context: ExportContext, request: QueryRequest, format: TextFormat, partial: string): Promise<Exported> {
  const {execution, statistics} = await context.run(request, (statement) => {
    noPlan(statement)
    return statement.sql
  })
  const id = execution.QueryExecutionId!
  const results = pagesWithoutHeader(context.athena.results(id), execution)
  let columns: QueryColumn[] = []
  const resultUrl = execution.ResultConfiguration?.OutputLocation
  const out = createWriteStream(partial)
  let rows = 0
  try {
    if (resultUrl?.endsWith('.csv')) {
      for await (const page of context.athena.results(id, 1)) {
        columns = page.columns
        break
      }
      const writer = createRowWriter(format, columns, out)
      const convert = columns.map((c) => athenaConverter(c.type))
      const s3 = context.s3.forLocation(resultUrl)
      const key = resultUrl.replace(/^s3:\/\/[^/]+\//, '')
      // A quoted empty field is an empty string; an unquoted one is NULL (how Athena writes them).
      const records = (await s3.getStream(key)).pipe(
        parse({cast: (value, info) => (value === '' && !info.quoting ? null : value), relax_column_count: false}),
      )
      let batch: QueryValue[][] = []
      let header = true
      for await (const record of records as AsyncIterable<(string | null)[]>) {
        if (header) {
          header = false
          continue
        }
        batch.push(record.map((text, i) => convert[i](text)))
        if (batch.length === ROWS_PER_WRITE) {
          if (request.signal?.aborted) throw cancelled()
          await writer.write(batch)
          rows += batch.length
          batch = []
        }
      }
      await writer.write(batch)
      rows += batch.length
      await writer.end()
    } else {
      // SHOW and DESCRIBE leave a text file, not a CSV: their few rows come from GetQueryResults.
      let writer: ReturnType<typeof createRowWriter> | undefined
      for await (const page of results) {
        columns = page.columns
        writer ??= createRowWriter(format, columns, out)
        const convert = columns.map((c) => athenaConverter(c.type))
        await writer.write(page.rows.map((row) => row.map((text, i) => convert[i](text))))
        rows += page.rows.length
      }
      await (writer ?? createRowWriter(format, columns, out)).end()
    }
  } finally {
    out.end()
    await new Promise<void>((resolve) => out.once('close', () => resolve()))
  }
  const names = uniqueNames(columns.map((c) => c.name))
  return {columns: columns.map((c, i) => ({...c, name: names[i]})), rows, statistics}
}

async function unloadParquet(context: ExportContext, request: QueryRequest, partial: string): Promise<Exported> {
  if (!context.outputLocation) {
    throw new LabmeshError('INVALID_INPUT', 'Parquet results are UNLOADed under the Athena output location, and the profile has none', {
      suggestions: ['recreate the profile with --athena-output s3://bucket/athena/, or give the workgroup an output location'],
    })
  }
  const prefixUrl = `${context.outputLocation.replace(/\/?$/, '/')}labmesh-unload/${randomUUID()}/`
  const s3 = context.s3.forLocation(prefixUrl)
  const prefix = prefixUrl.replace(/^s3:\/\/[^/]+\//, '')
  const folder = path.join(context.tempDir, `unload-${randomUUID()}`)
  try {
    const {statistics} = await context.run(request, (statement) => {
      noPlan(statement)
      return `UNLOAD (${statement.query}) TO '${prefixUrl}' WITH (format = 'PARQUET', compression = 'SNAPPY')`
    })
    await mkdir(folder, {recursive: true})
    const files: string[] = []
    for await (const object of s3.list(prefix)) {
      if (object.size === 0) continue
      const file = path.join(folder, `${files.length}.parquet`)
      await pipeline(await s3.getStream(object.key), createWriteStream(file))
      files.push(file)
    }
    const columns =
      files.length > 0 ? await mergeParquet(files, partial) : await emptyParquet(await emptyColumns(context, request), partial)
    const rows = await withConnection(async (connection) => {
      const reader = await connection.runAndReadAll(`SELECT count(*) FROM read_parquet(${quoteLiteral(partial)})`)
      return Number(reader.getRows()[0][0])
    })
    return {columns, rows, statistics}
  } finally {
    const left: string[] = []
    for await (const object of s3.list(prefix)) left.push(object.key)
    await s3.deleteMany(left)
    await rm(folder, {recursive: true, force: true})
  }
}

/** UNLOAD's files (one per writer) as one Parquet file, in the order Athena wrote them. */
async function mergeParquet(files: string[], target: string): Promise<QueryColumn[]> {
  return withConnection(async (connection) => {
    const source = `read_parquet([${files.map(quoteLiteral).join(', ')}])`
    await connection.run(`COPY (SELECT * FROM ${source}) TO ${quoteLiteral(target)} (FORMAT parquet, COMPRESSION zstd)`)
    const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(target)})`)
    return reader.getRowObjectsJson().map((row) => ({name: String(row.column_name), type: String(row.column_type)}))
  })
}

/** An empty result writes no file: its columns come from the statement run with no rows. */
async function emptyColumns(context: ExportContext, request: QueryRequest): Promise<QueryColumn[]> {
  const {execution} = await context.run(request, (statement) => `SELECT * FROM (${statement.query}) WHERE false`)
  for await (const page of context.athena.results(execution.QueryExecutionId!, 1)) return page.columns
  return []
}

async function emptyParquet(columns: QueryColumn[], target: string): Promise<QueryColumn[]> {
  const names = uniqueNames(columns.map((c) => c.name))
  const list = columns.map((c, i) => `CAST(NULL AS ${duckdbType(c.type)}) AS ${quoteIdentifier(names[i])}`)
  await withConnection(async (connection) => {
    await connection.run(`COPY (SELECT ${list.join(', ') || '1 AS empty'} WHERE false) TO ${quoteLiteral(target)} (FORMAT parquet)`)
  })
  return columns.map((c, i) => ({...c, name: names[i]}))
}

/** The DuckDB type of an Athena (Trino) scalar type; nested ones become text. */
function duckdbType(type: string): string {
  const t = type.toLowerCase().trim()
  if (/^(boolean|tinyint|smallint|integer|bigint|real|double|date|time|timestamp|varchar)$/.test(t))
    return t === 'real' ? 'FLOAT' : t.toUpperCase()
  if (t === 'timestamp with time zone') return 'TIMESTAMPTZ'
  if (/^decimal\(\d+,\s*\d+\)$/.test(t)) return t.toUpperCase()
  if (t === 'varbinary') return 'BLOB'
  return 'VARCHAR'
}
