import type {QueryExecution} from '@aws-sdk/client-athena'

import {LabmeshError} from '../../errors.js'
import {formatBytes} from '../../output/format.js'
import type {Catalog, QueryEngine, QueryRequest, QueryRows, QueryStatistics, QueryValue} from '../types.js'
import type {AthenaFacade, ResultPage} from './athena.js'
import {athenaFailure} from './athena-failure.js'
import {type AthenaNames, type AthenaStatement, athenaStatement} from './athena-sql.js'
import {athenaConverter} from './athena-values.js'
import type {S3Facade} from './s3.js'

export interface AthenaEngineOptions {
  athena: AthenaFacade
  /** Reads result objects and UNLOAD output (in whatever bucket the output location names). */
  s3: S3Facade
  catalog: Catalog
  workGroup: string
  /** labmesh database `lab` is Glue database `<prefix>lab`. */
  databasePrefix: string
  /** The profile's output location; else the workgroup's. */
  outputLocation?: string
  /** Results are written SSE-KMS with this key. */
  kmsKeyId: string
  /** USD per TB scanned, for the cost estimate. */
  pricePerTb: number
  /** Local folder for UNLOAD's files while they are merged. */
  tempDir: string
  /** Polling backoff: the first wait and the longest one, in ms. */
  poll?: {firstMs: number; maxMs: number}
}

/** Athena bills at least 10 MB per query. */
const MIN_BILLED_BYTES = 10 * 1024 * 1024

/** Everything about one statement the engine runs: what was sent, and the finished execution. */
export interface FinishedStatement {
  statement: AthenaStatement
  execution: QueryExecution
  statistics: QueryStatistics
}

/**
 * The aws backend's QueryEngine: Athena over the Glue catalog's Delta tables (at their latest
 * version). Each statement is checked before it is sent (queries only, parameters bound as
 * ExecutionParameters), started in the profile's workgroup with SSE-KMS results and the Glue
 * database `lab` as context, polled with backoff (state and bytes scanned reported as progress),
 * stopped with StopQueryExecution when the request is aborted. Rows are paged from
 * GetQueryResults; exports stream the result CSV from S3, or UNLOAD to Parquet (athena-export.ts).
 */
export function createAthenaQueryEngine(options: AthenaEngineOptions): QueryEngine & {run: typeof run} {
  const poll = options.poll ?? {firstMs: 250, maxMs: 2000}
  let outputLocation: Promise<string | undefined> | undefined

  const statistics = (execution: QueryExecution): QueryStatistics => {
    const bytesScanned = execution.Statistics?.DataScannedInBytes ?? 0
    const billed = Math.max(bytesScanned, MIN_BILLED_BYTES)
    return {
      executionId: execution.QueryExecutionId ?? '',
      bytesScanned,
      costEstimateUsd: Math.round((billed / 1e12) * options.pricePerTb * 1e6) / 1e6,
    }
  }

  const names = async (): Promise<AthenaNames> => {
    const tables = new Map<string, Set<string>>()
    if (options.databasePrefix !== '') {
      for (const entry of await options.catalog.list()) {
        if (!tables.has(entry.database)) tables.set(entry.database, new Set())
        tables.get(entry.database)!.add(entry.table)
      }
    }
    return {prefix: options.databasePrefix, tables}
  }

  /** The statement Athena will get, after every check that needs no Athena call. */
  const prepare = async (request: QueryRequest): Promise<AthenaStatement> => {
    // Athena runs as the caller's IAM identity: it cannot enforce another principal's grants, so it never pretends to.
    if (request.principal !== undefined)
      throw new LabmeshError('UNSUPPORTED', `Athena cannot run a query as ${request.principal}: it runs as your own IAM identity`, {
        suggestions: ["run the query with that principal's AWS credentials; Lake Formation applies its grants"],
      })
    // Athena sees every table of the Glue databases: it cannot hold a statement to some of them.
    if (request.tables !== undefined)
      throw new LabmeshError('UNSUPPORTED', "Athena cannot limit a query to some tables (an API key's tables)", {
        suggestions: ["run it on DuckDB, which reads only those tables' snapshots from S3"],
      })
    const asOf = Object.keys(request.asOf ?? {})
    if (asOf.length > 0) {
      throw new LabmeshError(
        'UNSUPPORTED',
        `Athena reads Delta tables at their latest version only: it cannot read ${asOf.join(', ')} as of another`,
        {
          suggestions: ["run it with --engine duckdb: DuckDB reads the lake's snapshots from S3, at any version"],
        },
      )
    }
    return athenaStatement(request.sql, request.params ?? {}, await names())
  }

  /** Starts `sql`, polls until it ends, and returns the finished execution; stops it when the request is aborted or scans too much. */
  async function execute(sql: string, parameters: string[], request: QueryRequest): Promise<QueryExecution> {
    if (request.signal?.aborted) throw cancelled()
    const id = await options.athena.start({
      sql,
      workGroup: options.workGroup,
      database: `${options.databasePrefix}lab`,
      outputLocation: options.outputLocation,
      kmsKeyId: options.kmsKeyId,
      executionParameters: parameters,
    })
    let wait = poll.firstMs
    for (;;) {
      const stopped = await sleep(wait, request.signal)
      if (stopped) {
        await options.athena.stop(id).catch(() => undefined)
        throw cancelled(id)
      }
      wait = Math.min(poll.maxMs, Math.round(wait * 1.5))
      const execution = await options.athena.execution(id)
      const state = execution.Status?.State ?? 'QUEUED'
      const scanned = execution.Statistics?.DataScannedInBytes
      request.onProgress?.({state, bytesScanned: scanned})
      if (state === 'SUCCEEDED') return execution
      if (state === 'FAILED') throw athenaFailure(execution)
      if (state === 'CANCELLED') throw new LabmeshError('BACKEND', `the Athena query ${id} was cancelled in Athena`, {subject: id})
      if (request.maxScanBytes !== undefined && scanned !== undefined && scanned > request.maxScanBytes) {
        await options.athena.stop(id).catch(() => undefined)
        throw tooMuch(request.maxScanBytes, scanned, 'had scanned')
      }
    }
  }

  /** With --max-scan: refuses a statement whose EXPLAIN (TYPE IO) estimate exceeds it, where Athena gives one. */
  const checkScan = async (statement: AthenaStatement, request: QueryRequest): Promise<void> => {
    if (request.maxScanBytes === undefined) return
    const explain = await execute(`EXPLAIN (TYPE IO, FORMAT JSON) ${statement.query}`, statement.parameters, {
      ...request,
      maxScanBytes: undefined,
    })
    const rows = await allRows(explain)
    const estimate = ioEstimate(rows.map((r) => r.at(-1) ?? '').join('\n'))
    if (estimate !== undefined && estimate > request.maxScanBytes) throw tooMuch(request.maxScanBytes, estimate, 'would scan about')
  }

  const allRows = async (execution: QueryExecution): Promise<(string | null)[][]> => {
    const rows: (string | null)[][] = []
    for await (const page of pagesWithoutHeader(options.athena.results(execution.QueryExecutionId!), execution)) rows.push(...page.rows)
    return rows
  }

  /** Runs a checked statement to its end: what every way of reading a result starts with. */
  async function run(request: QueryRequest, wrap?: (statement: AthenaStatement) => string): Promise<FinishedStatement> {
    const statement = await prepare(request)
    await checkScan(statement, request)
    const execution = await execute(wrap ? wrap(statement) : statement.sql, statement.parameters, request)
    return {statement, execution, statistics: statistics(execution)}
  }

  return {
    engine: `Amazon Athena (workgroup ${options.workGroup})`,
    run,

    async query(request, consume) {
      const {statement, execution, statistics: stats} = await run(request)
      const pages = pagesWithoutHeader(options.athena.results(execution.QueryExecutionId!), execution)[Symbol.asyncIterator]()
      const first = await pages.next()
      const columns = first.done ? [] : first.value.columns
      const convert = columns.map((c) => athenaConverter(c.type))
      const toValues = (page: ResultPage): QueryValue[][] => page.rows.map((row) => row.map((text, i) => (convert[i] ?? String)(text)))
      const rows: QueryRows = {
        columns,
        kind: statement.kind,
        statistics: stats,
        async *[Symbol.asyncIterator]() {
          if (first.done) return
          yield toValues(first.value)
          // Ctrl-C while a long result pages in: no further page is asked for.
          for (;;) {
            if (request.signal?.aborted) throw cancelled()
            const next = await pages.next()
            if (next.done) return
            yield toValues(next.value)
          }
        },
      }
      return consume(rows)
    },

    async export(request, target) {
      if (!outputLocation)
        outputLocation = options.outputLocation
          ? Promise.resolve(options.outputLocation)
          : options.athena.workGroup(options.workGroup).then((w) => w.outputLocation)
      // DuckDB (which merges UNLOAD's files) and the CSV parser load only when a result is written to a file.
      const {exportResult} = await import('./athena-export.js')
      return exportResult(
        {athena: options.athena, s3: options.s3, tempDir: options.tempDir, run, outputLocation: await outputLocation},
        request,
        target,
      )
    },
  }
}

/** Result pages without the header row Athena puts first for queries (DML); SHOW and DESCRIBE have none. */
export async function* pagesWithoutHeader(pages: AsyncIterable<ResultPage>, execution: QueryExecution): AsyncIterable<ResultPage> {
  let first = true
  for await (const page of pages) {
    if (first && execution.StatementType === 'DML' && page.rows.length > 0 && page.rows[0].every((v, i) => v === page.columns[i]?.name)) {
      yield {...page, rows: page.rows.slice(1)}
    } else yield page
    first = false
  }
}

/** The bytes EXPLAIN (TYPE IO, FORMAT JSON) expects the statement to read, when it knows them for every input. */
export function ioEstimate(plan: string): number | undefined {
  let parsed: {inputTableColumnInfos?: {estimate?: {outputSizeInBytes?: unknown}}[]}
  try {
    parsed = JSON.parse(plan) as typeof parsed
  } catch {
    return undefined
  }
  const sizes = (parsed.inputTableColumnInfos ?? []).map((input) => Number(input.estimate?.outputSizeInBytes))
  if (sizes.length === 0 || sizes.some((size) => !Number.isFinite(size))) return undefined
  return sizes.reduce((a, b) => a + b, 0)
}

function tooMuch(limit: number, bytes: number, what: string): LabmeshError {
  return new LabmeshError(
    'INVALID_INPUT',
    `the query ${what} ${formatBytes(bytes)}, more than --max-scan ${formatBytes(limit)}; it was not run to the end`,
    {
      suggestions: ['filter on partition columns or select fewer columns so less is scanned', 'or raise --max-scan'],
    },
  )
}

export function cancelled(id?: string): LabmeshError {
  return new LabmeshError('CANCELLED', `the query was cancelled${id ? ` (Athena query ${id} stopped)` : ''}; nothing was written`)
}

/** Waits `ms`; true when the signal aborted the wait. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(true)
  return new Promise((resolve) => {
    const done = (aborted: boolean): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      resolve(aborted)
    }
    const onAbort = (): void => done(true)
    const timer = setTimeout(() => done(false), ms)
    signal?.addEventListener('abort', onAbort)
  })
}
