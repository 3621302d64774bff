import type {
  BatchCreatePartitionCommandOutput,
  CreateDatabaseCommandOutput,
  CreateTableCommandOutput,
  DeleteTableCommandOutput,
  GetDatabaseCommandOutput,
  GetDatabasesCommandOutput,
  GetTableCommandOutput,
  GetTablesCommandOutput,
  GlueClient,
  PartitionInput,
  Table,
  TableInput,
  UpdateTableCommandOutput,
} from '@aws-sdk/client-glue'

import type {SharedClientConfig} from './client-config.js'
import {awsCall, awsError, awsErrorName} from './errors.js'

type GlueSdk = typeof import('@aws-sdk/client-glue')

/** The Glue Data Catalog calls labmesh makes; pagination inside, callers get arrays. The SDK loads on the first call. */
export class GlueFacade {
  private loaded?: Promise<{client: GlueClient; sdk: GlueSdk}>
  private readonly region: string

  constructor(private readonly config: SharedClientConfig) {
    this.region = config.region ?? '*'
  }

  private async load(): Promise<{client: GlueClient; sdk: GlueSdk}> {
    this.loaded ??= import('@aws-sdk/client-glue').then((sdk) => ({sdk, client: new sdk.GlueClient(this.config)}))
    return this.loaded
  }

  /** Sends a command built from the SDK's module. */
  private async send<T>(build: (sdk: GlueSdk) => {input: unknown}): Promise<T> {
    const {client, sdk} = await this.load()
    return (client.send as (command: unknown) => Promise<T>)(build(sdk))
  }

  private arn(database: string, table?: string): string {
    return table ? `arn:aws:glue:${this.region}:*:table/${database}/${table}` : `arn:aws:glue:${this.region}:*:database/${database}`
  }

  /** Creates the database unless it exists. */
  async ensureDatabase(name: string, description: string): Promise<void> {
    if (await this.databaseExists(name)) return
    try {
      await this.send<CreateDatabaseCommandOutput>(
        (sdk) => new sdk.CreateDatabaseCommand({DatabaseInput: {Name: name, Description: description}}),
      )
    } catch (error) {
      if (awsErrorName(error) === 'AlreadyExistsException') return
      throw awsError(error, {action: 'glue:CreateDatabase', resource: this.arn(name)})
    }
  }

  async databaseExists(name: string): Promise<boolean> {
    try {
      await this.send<GetDatabaseCommandOutput>((sdk) => new sdk.GetDatabaseCommand({Name: name}))
      return true
    } catch (error) {
      if (awsErrorName(error) === 'EntityNotFoundException') return false
      throw awsError(error, {action: 'glue:GetDatabase', resource: this.arn(name)})
    }
  }

  /** Database names starting with `prefix`. */
  async databases(prefix: string): Promise<string[]> {
    const names: string[] = []
    let token: string | undefined
    do {
      const page = await awsCall({action: 'glue:GetDatabases', resource: this.arn('*')}, () =>
        this.send<GetDatabasesCommandOutput>((sdk) => new sdk.GetDatabasesCommand({NextToken: token})),
      )
      for (const db of page.DatabaseList ?? []) if (db.Name?.startsWith(prefix)) names.push(db.Name)
      token = page.NextToken
    } while (token)
    return names
  }

  async table(database: string, name: string): Promise<Table | undefined> {
    try {
      return (await this.send<GetTableCommandOutput>((sdk) => new sdk.GetTableCommand({DatabaseName: database, Name: name}))).Table
    } catch (error) {
      if (awsErrorName(error) === 'EntityNotFoundException') return undefined
      throw awsError(error, {action: 'glue:GetTable', resource: this.arn(database, name)})
    }
  }

  async tables(database: string): Promise<Table[]> {
    const tables: Table[] = []
    let token: string | undefined
    do {
      const page = await awsCall({action: 'glue:GetTables', resource: this.arn(database, '*')}, () =>
        this.send<GetTablesCommandOutput>((sdk) => new sdk.GetTablesCommand({DatabaseName: database, NextToken: token})),
      )
      tables.push(...(page.TableList ?? []))
      token = page.NextToken
    } while (token)
    return tables
  }

  /** Creates the table; false when one of that name exists already. */
  async createTable(database: string, input: TableInput): Promise<boolean> {
    try {
      await this.send<CreateTableCommandOutput>((sdk) => new sdk.CreateTableCommand({DatabaseName: database, TableInput: input}))
      return true
    } catch (error) {
      if (awsErrorName(error) === 'AlreadyExistsException') return false
      throw awsError(error, {action: 'glue:CreateTable', resource: this.arn(database, input.Name)})
    }
  }

  async updateTable(database: string, input: TableInput): Promise<void> {
    await awsCall({action: 'glue:UpdateTable', resource: this.arn(database, input.Name)}, () =>
      this.send<UpdateTableCommandOutput>((sdk) => new sdk.UpdateTableCommand({DatabaseName: database, TableInput: input})),
    )
  }

  /** Removes the table's entry (Glue leaves its data where it is); false when there was none. */
  async deleteTable(database: string, name: string): Promise<boolean> {
    try {
      await this.send<DeleteTableCommandOutput>((sdk) => new sdk.DeleteTableCommand({DatabaseName: database, Name: name}))
      return true
    } catch (error) {
      if (awsErrorName(error) === 'EntityNotFoundException') return false
      throw awsError(error, {action: 'glue:DeleteTable', resource: this.arn(database, name)})
    }
  }

  /** Adds partitions to a table, 100 a call (Glue's limit); partitions that exist already are left as they are. */
  async addPartitions(database: string, table: string, partitions: PartitionInput[]): Promise<void> {
    for (let start = 0; start < partitions.length; start += 100) {
      const page = await awsCall({action: 'glue:BatchCreatePartition', resource: this.arn(database, table)}, () =>
        this.send<BatchCreatePartitionCommandOutput>(
          (sdk) =>
            new sdk.BatchCreatePartitionCommand({
              DatabaseName: database,
              TableName: table,
              PartitionInputList: partitions.slice(start, start + 100),
            }),
        ),
      )
      const failed = (page.Errors ?? []).find((e) => e.ErrorDetail?.ErrorCode !== 'AlreadyExistsException')
      if (failed)
        throw awsError(
          {
            name: failed.ErrorDetail?.ErrorCode,
            message: `partition ${JSON.stringify(failed.PartitionValues)}: ${failed.ErrorDetail?.ErrorMessage}`,
          },
          {action: 'glue:BatchCreatePartition', resource: this.arn(database, table)},
        )
    }
  }

  destroy(): void {
    void this.loaded?.then(({client}) => client.destroy())
  }
}
