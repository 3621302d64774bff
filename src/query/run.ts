import {stat} from 'node:fs/promises'
import type {Writable} from 'node:stream'

import type {ExportFormat, QueryColumn, QueryEngine, QueryRequest, QueryRows, QueryStatistics, QueryValue} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {type PackageSummary, writeDataPackage, type WritePackageOptions} from '../package/write.js'
import type {SafeOutput} from '../output/safe-output.js'
import {uniqueNames} from '../output/unique-names.js'
import type {QueryOutput, TextFormat} from './formats.js'
import {createRowWriter, type RowWriter, textSink} from './writers.js'

export interface RunQueryOptions {
  request: QueryRequest
  output: QueryOutput
  /** Rows at most: of the table view (100 unless given), or of a stream or the --json document when given. */
  limit?: number
  /** Where `stdout` and `json` output goes. */
  stdout: Writable
  /** Recorded in data packages. */
  origin: WritePackageOptions['origin']
  /** Where --out and --package may write; built only when one is written (it lists the catalog: Glue on aws). */
  safeOutput: () => Promise<SafeOutput>
  /** Called as rows stream out, with the count so far (for a spinner). */
  onRows?(rows: number): void
  /** The `json` output's own fields: written before the result's, and after them (warnings learnt meanwhile). */
  document?: {head: Record<string, unknown>; tail(outcome: QueryOutcome): Record<string, unknown>}
}

/** Rows the table view shows unless --limit says otherwise. */
export const TABLE_ROWS = 100

/** A query's result as the `query` command returns it (its --json contract). */
export interface QueryOutcome {
  columns: QueryColumn[]
  /** Rows shown (table view), in the --json document, or written (stdout, --out, --package). */
  rowCount: number
  /**
   * The rows keyed by column name (repeated names get _1, _2 ...): the table view's, and under
   * --json every row of the result (streamed into the document, never held whole), or --limit's.
   */
  rows?: Record<string, QueryValue>[]
  /** True when --limit (or the table view's 100) left rows of the result out. */
  truncated?: boolean
  /** EXPLAIN's plan. */
  plan?: string
  file?: {path: string; format: ExportFormat; bytes: number}
  package?: PackageSummary
  /** True when every row of the result was shown or written: false when a limit cut it, or the reader of stdout went away. */
  complete: boolean
  elapsedSeconds: number
  /** The engine's statement id, bytes scanned and cost estimate, where it reports them (Athena). */
  statistics?: QueryStatistics
}

/** Runs one query to where `output` says: a table's worth of rows, a stream on stdout or in the JSON document, a file or a data package. */
export async function runQuery(engine: QueryEngine, options: RunQueryOptions): Promise<QueryOutcome> {
  const started = process.hrtime.bigint()
  const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9
  const {output, request} = options
  switch (output.kind) {
    case 'table': {
      const collected = await collectRows(engine, request, options.limit ?? TABLE_ROWS)
      return {...collected, complete: !collected.truncated, elapsedSeconds: elapsed()}
    }
    case 'stdout': {
      const streamed = await streamRows(engine, options, output.format)
      return {...streamed, elapsedSeconds: elapsed()}
    }
    case 'json':
      return streamDocument(engine, options, elapsed)
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
    if (result.kind === 'plan') return {columns: result.columns, rowCount: kept.length, plan: planText(kept), ...statistics}
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

/** Every row (or the first `limit`) to stdout as text; a reader that goes away (`| head`) ends the query quietly. */
async function streamRows(
  engine: QueryEngine,
  options: RunQueryOptions,
  format: TextFormat,
): Promise<Omit<QueryOutcome, 'elapsedSeconds'>> {
  return engine.query(options.request, async (result) => {
    if (result.kind === 'plan') throw new LabmeshError('USAGE', 'EXPLAIN shows a plan: run it with the table view (no --format)')
    const statistics = result.statistics ? {statistics: result.statistics} : {}
    const piped = await pipeRows(result, createRowWriter(format, result.columns, options.stdout), options)
    return {columns: result.columns, ...piped, ...statistics}
  })
}

/**
 * The --json document, written as the rows arrive so that memory stays bounded whatever the
 * result's size: the command's head fields, the columns, every row (or --limit's), then the
 * outcome and the command's tail fields.
 */
async function streamDocument(engine: QueryEngine, options: RunQueryOptions, elapsed: () => number): Promise<QueryOutcome> {
  const {head, tail} = options.document ?? {head: {}, tail: () => ({})}
  const sink = textSink(options.stdout)
  try {
    return await engine.query(options.request, async (result) => {
      await sink.put(`{\n${fields({...head, columns: result.columns})},\n`)
      const statistics = result.statistics ? {statistics: result.statistics} : {}
      let outcome: QueryOutcome
      if (result.kind === 'plan') {
        const rows: QueryValue[][] = []
        for await (const page of result) rows.push(...page)
        outcome = {columns: result.columns, rowCount: rows.length, plan: planText(rows), complete: true, elapsedSeconds: 0, ...statistics}
        await sink.put(`${fields({plan: outcome.plan})},\n`)
      } else {
        await sink.put('  "rows": ')
        const piped = await pipeRows(result, createRowWriter('json', result.columns, options.stdout), options)
        outcome = {columns: result.columns, ...piped, elapsedSeconds: 0, ...statistics}
        await sink.put(',\n')
      }
      outcome.elapsedSeconds = elapsed()
      const {columns: _columns, plan: _plan, ...rest} = outcome
      await sink.put(`${fields({...rest, ...tail(outcome)})}\n}\n`)
      return outcome
    })
  } finally {
    sink.release()
  }
}

/** Pages of rows into a writer, up to `limit` rows when given; a closed pipe (EPIPE) ends it as incomplete. */
async function pipeRows(
  result: QueryRows,
  writer: RowWriter,
  options: Pick<RunQueryOptions, 'limit' | 'onRows'>,
): Promise<{rowCount: number; truncated: boolean; complete: boolean}> {
  const {limit} = options
  let count = 0
  let truncated = false
  try {
    for await (const page of result) {
      // A page past the limit only tells that there were more rows.
      if (limit !== undefined && count >= limit) {
        truncated = page.length > 0
        break
      }
      const room = limit === undefined ? page.length : limit - count
      const rows = page.length > room ? page.slice(0, room) : page
      truncated = page.length > room
      await writer.write(rows)
      count += rows.length
      options.onRows?.(count)
      if (truncated) break
    }
    await writer.end()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return {rowCount: count, truncated, complete: false}
    throw error
  }
  return {rowCount: count, truncated, complete: !truncated}
}

/** An object's fields as JSON text without its braces, to go inside a document written piece by piece. */
function fields(object: Record<string, unknown>): string {
  return JSON.stringify(object, null, 2).slice(1, -2).replace(/^\n/, '')
}

function planText(rows: QueryValue[][]): string {
  return rows.map((row) => String(row.at(-1))).join('\n')
}
