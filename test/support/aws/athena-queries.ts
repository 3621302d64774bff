import {randomUUID} from 'node:crypto'

/** How the endpoint answers the next query started: the states GetQueryExecution goes through, and the result. */
export interface AthenaAnswer {
  /** States reported by successive GetQueryExecution calls; the last one stays. Default QUEUED, RUNNING, SUCCEEDED. */
  states?: string[]
  /** StateChangeReason (and AthenaError.ErrorMessage) of a FAILED query. */
  reason?: string
  bytesScanned?: number
  statementType?: 'DML' | 'DDL' | 'UTILITY'
  columns?: {name: string; type: string}[]
  /** The result rows, as Athena's strings (undefined for NULL); the header row is added as Athena does for DML. */
  rows?: (string | undefined)[][]
  /** Called when the query starts, with its id and input (to put the result CSV or UNLOAD files in S3). */
  onStart?(id: string, input: any): Promise<void>
}

interface RunningQuery {
  id: string
  input: any
  answer: AthenaAnswer
  polls: number
  stopped: boolean
}

/** An AWS error answer: its type (x-amzn-ErrorType, __type) and HTTP status. */
export class AwsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message)
  }
}

/**
 * Athena's query operations as the recording endpoint answers them (AmazonAthena.* over JSON
 * 1.1): StartQueryExecution, GetQueryExecution (Status, Statistics, ResultConfiguration),
 * GetQueryResults (ResultSet pages of at most MaxResults rows with NextToken, the header row
 * first for DML), StopQueryExecution. Each started query follows the next scripted answer.
 */
export class AthenaQueries {
  /** Answers for the next queries started, in order; when none is left, a query succeeds with no rows. */
  readonly answers: AthenaAnswer[] = []
  readonly queries = new Map<string, RunningQuery>()
  /** Operations answered with TooManyRequestsException once each (the SDK retries them). */
  readonly throttleOnce = new Set<string>()
  outputLocation = 's3://labmesh-test/athena/'

  async operate(operation: string, input: any): Promise<unknown> {
    if (this.throttleOnce.delete(operation)) throw new AwsServiceError('TooManyRequestsException', 'Rate exceeded')
    switch (operation) {
      case 'StartQueryExecution': {
        const id = randomUUID()
        const answer = this.answers.shift() ?? {}
        this.queries.set(id, {id, input, answer, polls: 0, stopped: false})
        await answer.onStart?.(id, input)
        return {QueryExecutionId: id}
      }
      case 'GetQueryExecution': {
        const query = this.query(input.QueryExecutionId)
        const states = query.answer.states ?? ['QUEUED', 'RUNNING', 'SUCCEEDED']
        const state = query.stopped ? 'CANCELLED' : states[Math.min(query.polls++, states.length - 1)]
        const done = state === 'SUCCEEDED'
        return {
          QueryExecution: {
            QueryExecutionId: query.id,
            Query: query.input.QueryString,
            StatementType: query.answer.statementType ?? 'DML',
            WorkGroup: query.input.WorkGroup,
            QueryExecutionContext: query.input.QueryExecutionContext,
            ResultConfiguration: {
              OutputLocation: `${query.input.ResultConfiguration?.OutputLocation ?? this.outputLocation}${query.id}.csv`,
              EncryptionConfiguration: query.input.ResultConfiguration?.EncryptionConfiguration,
            },
            Status: {
              State: state,
              SubmissionDateTime: Date.now() / 1000,
              ...(state === 'FAILED'
                ? {
                    StateChangeReason: query.answer.reason,
                    AthenaError: {ErrorCategory: 2, ErrorType: 1000, Retryable: false, ErrorMessage: query.answer.reason},
                  }
                : {}),
            },
            Statistics: {
              DataScannedInBytes: done ? (query.answer.bytesScanned ?? 0) : 0,
              EngineExecutionTimeInMillis: 120,
              TotalExecutionTimeInMillis: 180,
            },
          },
        }
      }
      case 'GetQueryResults': {
        const query = this.query(input.QueryExecutionId)
        const columns = query.answer.columns ?? []
        const header = (query.answer.statementType ?? 'DML') === 'DML' ? [columns.map((c) => c.name)] : []
        const rows = [...header, ...(query.answer.rows ?? [])]
        const from = input.NextToken ? Number(input.NextToken) : 0
        const size = input.MaxResults ?? 1000
        const next = from + size < rows.length ? String(from + size) : undefined
        return {
          ResultSet: {
            Rows: rows.slice(from, from + size).map((row) => ({Data: row.map((v) => (v === undefined ? {} : {VarCharValue: v}))})),
            ResultSetMetadata: {
              ColumnInfo: columns.map((c) => ({
                CatalogName: 'hive',
                Name: c.name,
                Label: c.name,
                Type: c.type,
                Nullable: 'UNKNOWN',
                CaseSensitive: true,
              })),
            },
          },
          ...(next ? {NextToken: next} : {}),
        }
      }
      case 'StopQueryExecution':
        this.query(input.QueryExecutionId).stopped = true
        return {}
      default:
        throw new AwsServiceError('UnknownOperationException', `AmazonAthena.${operation} is not emulated`)
    }
  }

  private query(id: string): RunningQuery {
    const query = this.queries.get(id)
    if (!query) throw new AwsServiceError('InvalidRequestException', `QueryExecution ${id} was not found`)
    return query
  }
}
