import type {AthenaClient, Datum, QueryExecution} from '@aws-sdk/client-athena'

import type {SharedClientConfig} from './client-config.js'
import {awsCall} from './errors.js'

export interface WorkGroupFacts {
  state: string
  /** The output location the workgroup enforces or defaults to, if any. */
  outputLocation?: string
  engineVersion?: string
  /** The workgroup's data usage control: queries scanning more are cancelled by Athena. */
  bytesScannedCutoffPerQuery?: number
  /** Whether the workgroup's settings override the client's (output location, encryption). */
  enforced?: boolean
}

export interface StartQuery {
  sql: string
  workGroup: string
  /** Glue database the statement's unqualified names are in. */
  database: string
  /** ResultConfiguration.OutputLocation; omitted when the workgroup provides one. */
  outputLocation?: string
  /** Results are written SSE-KMS with this key. */
  kmsKeyId: string
  /** SQL literals for the statement's `?`, in order. */
  executionParameters?: string[]
}

/** One page of GetQueryResults: the column metadata and rows of strings (null for SQL NULL). */
export interface ResultPage {
  columns: {name: string; type: string}[]
  rows: (string | null)[][]
}

const CATALOG = 'AwsDataCatalog'

/**
 * Athena: the calls the query engine and doctor make, on one client. Pagination lives here:
 * results come as an async iterable of pages.
 */
export class AthenaFacade {
  private client?: Promise<{client: AthenaClient; sdk: typeof import('@aws-sdk/client-athena')}>

  constructor(private readonly config: SharedClientConfig) {}

  private async sdk() {
    this.client ??= import('@aws-sdk/client-athena').then((sdk) => ({client: new sdk.AthenaClient(this.config), sdk}))
    return this.client
  }

  async workGroup(name: string): Promise<WorkGroupFacts> {
    const {client, sdk} = await this.sdk()
    const output = await awsCall({action: 'athena:GetWorkGroup', resource: `workgroup/${name}`}, () =>
      client.send(new sdk.GetWorkGroupCommand({WorkGroup: name})),
    )
    const configuration = output.WorkGroup?.Configuration
    return {
      state: output.WorkGroup?.State ?? 'unknown',
      outputLocation: configuration?.ResultConfiguration?.OutputLocation,
      engineVersion: configuration?.EngineVersion?.EffectiveEngineVersion,
      bytesScannedCutoffPerQuery: configuration?.BytesScannedCutoffPerQuery,
      enforced: configuration?.EnforceWorkGroupConfiguration,
    }
  }

  /** Starts a statement; its id. */
  async start(request: StartQuery): Promise<string> {
    const {client, sdk} = await this.sdk()
    const output = await awsCall({action: 'athena:StartQueryExecution', resource: `workgroup/${request.workGroup}`}, () =>
      client.send(
        new sdk.StartQueryExecutionCommand({
          QueryString: request.sql,
          WorkGroup: request.workGroup,
          QueryExecutionContext: {Catalog: CATALOG, Database: request.database},
          ResultConfiguration: {
            ...(request.outputLocation ? {OutputLocation: request.outputLocation} : {}),
            EncryptionConfiguration: {EncryptionOption: 'SSE_KMS', KmsKey: request.kmsKeyId},
          },
          ...(request.executionParameters && request.executionParameters.length > 0
            ? {ExecutionParameters: request.executionParameters}
            : {}),
        }),
      ),
    )
    return output.QueryExecutionId!
  }

  async execution(id: string): Promise<QueryExecution> {
    const {client, sdk} = await this.sdk()
    const output = await awsCall({action: 'athena:GetQueryExecution', resource: `query/${id}`}, () =>
      client.send(new sdk.GetQueryExecutionCommand({QueryExecutionId: id})),
    )
    return output.QueryExecution ?? {}
  }

  async stop(id: string): Promise<void> {
    const {client, sdk} = await this.sdk()
    await awsCall({action: 'athena:StopQueryExecution', resource: `query/${id}`}, () =>
      client.send(new sdk.StopQueryExecutionCommand({QueryExecutionId: id})),
    )
  }

  /** The result, a page (up to `maxResults`, at most 1,000 rows) at a time; the header row Athena puts first for queries is left in. */
  async *results(id: string, maxResults = 1000): AsyncIterable<ResultPage> {
    const {client, sdk} = await this.sdk()
    let token: string | undefined
    do {
      const page = await awsCall({action: 'athena:GetQueryResults', resource: `query/${id}`}, () =>
        client.send(new sdk.GetQueryResultsCommand({QueryExecutionId: id, MaxResults: maxResults, ...(token ? {NextToken: token} : {})})),
      )
      const columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => ({
        name: c.Label ?? c.Name ?? '',
        type: c.Type ?? '',
      }))
      const rows = (page.ResultSet?.Rows ?? []).map((row) => (row.Data ?? []).map((d: Datum) => d.VarCharValue ?? null))
      yield {columns, rows}
      token = page.NextToken
    } while (token)
  }

  destroy(): void {
    void this.client?.then(({client}) => client.destroy())
  }
}

/** Athena: the workgroup queries will run in, for doctor. */
export async function describeWorkGroup(config: SharedClientConfig, name: string): Promise<WorkGroupFacts> {
  const athena = new AthenaFacade(config)
  try {
    return await athena.workGroup(name)
  } finally {
    athena.destroy()
  }
}
