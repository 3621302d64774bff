import {stat} from 'node:fs/promises'
import type {Writable} from 'node:stream'

import type {ExportFormat, QueryColumn, QueryEngine, QueryRequest, QueryStatistics, QueryValue} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {type PackageSummary, writeDataPackage, type WritePackageOptions} from '../package/write.js'
import type {SafeOutput} from '../output/safe-output.js'
import {uniqueNames} from '../output/unique-names.js'
import type {QueryOutput, TextFormat} from './formats.js'
import {createRowWriter} from './writers.js'

export interface RunQueryOptions {
  request: QueryRequest
  output: QueryOutput
  /** Rows kept for the table view and the --json result. */
  limit: number
  /** Where `stdout` output goes. */
  stdout: Writable
  /** Recorded in data packages. */
  origin: WritePackageOptions['origin']
  /** Where --out and --package may write; built only when one is written (it lists the catalog: Glue on aws). */
  safeOutput: () => Promise<SafeOutput>
  /** Called as rows stream out, with the count so far (for a spinner). */
  onRows?(rows: number): void
}

/** A query's result as the `query` command returns it (its --json contract). */
export interface QueryOutcome {
  columns: QueryColumn[]
  /** Rows shown (table view, --json), or written (stdout, --out, --package). */
  rowCount: number
  /** The table view's rows, at most --limit of them, keyed by column name (repeated names get _1, _2 ...). */
  rows?: Record<string, QueryValue>[]
  /** True when the result had more rows than --limit. */
  truncated?: boolean
  /** EXPLAIN's plan. */
  plan?: string
  file?: {path: string; format: ExportFormat; bytes: number}
  package?: PackageSummary
  /** False when the reader of stdout went away (a closed pipe) before every row was written. */
  complete: boolean
  elapsedSeconds: number
  /** The engine's statement id, bytes scanned and cost estimate, where it reports them (Athena). */
  statistics?: QueryStatistics
}

/** Runs one query to where `output` says: a table's worth of rows, a stream on stdout, a file or a data package. */
export async function runQuery(engine: QueryEngine, options: RunQueryOptions): Promise<QueryOutcome> {
  const started = process.hrtime.bigint()
  const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9
  const {output, request} = options
  switch (output.kind) {
    case 'table':
      return {...(await collectRows(engine, request, options.limit)), complete: true, elapsedSeconds: elapsed()}
    case 'stdout': {
      const streamed = await streamRows(engine, options, output.format)
      return {...streamed, elapsedSeconds: elapsed()}
    }
    case 'file': {
      const written = await (
        await options.safeOutput()
      ).writeFile(output.path, async (temp) => {
        const exported = await engine.export(request, {path: temp, format: output.format})
        return {...exported, bytes: (await stat(temp)).size}
      })
      const {columns, rows, bytes, statistics} = written.result
      return {
        columns,
        rowCount: rows,
        file: {path: written.path, format: output.format, bytes},
        complete: true,
        elapsedSeconds: elapsed(),
        ...(statistics ? {statistics} : {}),
      }
    }
    case 'package': {
      const summary = await writeDataPackage(engine, {
        dir: output.dir,
        format: output.format,
        resource: 'result',
        request,
        origin: options.origin,
        safeOutput: await options.safeOutput(),
      })
      const {statistics, ...pkg} = summary
      return {
        columns: summary.columns,
        rowCount: summary.rows,
        package: pkg,
        complete: true,
        elapsedSeconds: elapsed(),
        ...(statistics ? {statistics} : {}),
      }
    }
  }
}

/** The first `limit` rows (reading one more to know whether there are more), or EXPLAIN's plan. */
async function collectRows(
  engine: QueryEngine,
  request: QueryRequest,
  limit: number,
): Promise<Omit<QueryOutcome, 'complete' | 'elapsedSeconds'>> {
  return engine.query(request, async (result) => {
    const kept: QueryValue[][] = []
    let more = false
    for await (const page of result) {
      kept.push(...page.slice(0, limit + 1 - kept.length))
      if (kept.length > limit) {
        more = true
        break
      }
    }
    const statistics = result.statistics ? {statistics: result.statistics} : {}
    if (result.kind === 'plan')
      return {columns: result.columns, rowCount: kept.length, plan: kept.map((row) => String(row.at(-1))).join('\n'), ...statistics}
    const rows = kept.slice(0, limit)
    const keys = uniqueNames(result.columns.map((c) => c.name))
    return {
      columns: result.columns,
      rowCount: rows.length,
      rows: rows.map((row) => Object.fromEntries(keys.map((key, i) => [key, row[i]]))),
      truncated: more,
      ...statistics,
    }
  })
}

/** Every row to stdout as text; a reader that goes away (`| head`) ends the query quietly. */
async function streamRows(
  engine: QueryEngine,
  options: RunQueryOptions,
  format: TextFormat,
): Promise<Omit<QueryOutcome, 'elapsedSeconds'>> {
  return engine.query(options.request, async (result) => {
    if (result.kind === 'plan') throw new LabmeshError('USAGE', 'EXPLAIN shows a plan: run it with the table view (no --format)')
    const writer = createRowWriter(format, result.columns, options.stdout)
    const statistics = result.statistics ? {statistics: result.statistics} : {}
    let count = 0
    try {
      for await (const page of result) {
        await writer.write(page)
        count += page.length
        options.onRows?.(count)
      }
      await writer.end()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EPIPE')
        return {columns: result.columns, rowCount: count, complete: false, ...statistics}
      throw error
    }
    return {columns: result.columns, rowCount: count, complete: true, ...statistics}
  })
}
