import {setTimeout as sleep} from 'node:timers/promises'
import type {DescribeStatementCommandOutput, ExecuteStatementCommandOutput, RedshiftDataClient} from '@aws-sdk/client-redshift-data'

import {LabmeshError} from '../../errors.js'
import type {RedshiftTarget} from '../types.js'
import type {SharedClientConfig} from './client-config.js'
import {awsCall} from './errors.js'

type RedshiftDataSdk = typeof import('@aws-sdk/client-redshift-data')

export interface StatementOptions {
  /** First wait between DescribeStatement calls; it doubles up to 2 s. */
  pollMs?: number
  /** Give up waiting (the statement may still finish in Redshift). */
  timeoutMs?: number
}

/**
 * Runs SQL in Amazon Redshift through the Data API: ExecuteStatement, then DescribeStatement until
 * the statement finishes. No driver and no network path to the cluster: the API authenticates with
 * IAM (temporary credentials for the workgroup or cluster, or a Secrets Manager secret).
 */
export class RedshiftDataFacade {
  private loaded?: Promise<{client: RedshiftDataClient; sdk: RedshiftDataSdk}>

  constructor(private readonly config: SharedClientConfig) {}

  private async load(): Promise<{client: RedshiftDataClient; sdk: RedshiftDataSdk}> {
    this.loaded ??= import('@aws-sdk/client-redshift-data').then((sdk) => ({sdk, client: new sdk.RedshiftDataClient(this.config)}))
    return this.loaded
  }

  /** Runs one statement and waits for it; a statement Redshift rejects is BACKEND with Redshift's own message. */
  async run(target: RedshiftTarget, sql: string, options: StatementOptions = {}): Promise<{statementId: string}> {
    const {client, sdk} = await this.load()
    const resource = target.workgroup ? `workgroup/${target.workgroup}` : `cluster:${target.cluster}`
    const started = await awsCall<ExecuteStatementCommandOutput>({action: 'redshift-data:ExecuteStatement', resource}, () =>
      client.send(
        new sdk.ExecuteStatementCommand({
          Sql: sql,
          Database: target.database,
          ...(target.workgroup ? {WorkgroupName: target.workgroup} : {ClusterIdentifier: target.cluster}),
          ...(target.secretArn ? {SecretArn: target.secretArn} : target.dbUser ? {DbUser: target.dbUser} : {}),
        }),
      ),
    )
    const id = started.Id!
    const deadline = Date.now() + (options.timeoutMs ?? 300_000)
    let wait = options.pollMs ?? 250
    for (;;) {
      const statement = await awsCall<DescribeStatementCommandOutput>({action: 'redshift-data:DescribeStatement', resource}, () =>
        client.send(new sdk.DescribeStatementCommand({Id: id})),
      )
      if (statement.Status === 'FINISHED') return {statementId: id}
      if (statement.Status === 'FAILED' || statement.Status === 'ABORTED') {
        throw new LabmeshError(
          'BACKEND',
          `Redshift ${statement.Status === 'FAILED' ? 'refused' : 'aborted'} the statement: ${statement.Error ?? 'no reason given'}`,
          {
            subject: resource,
            suggestions: [`the statement (${id}) was: ${sql}`],
          },
        )
      }
      if (Date.now() > deadline)
        throw new LabmeshError('BACKEND', `Redshift statement ${id} did not finish in time (status ${statement.Status})`, {
          subject: resource,
        })
      await sleep(wait)
      wait = Math.min(wait * 2, 2000)
    }
  }

  destroy(): void {
    void this.loaded?.then(({client}) => client.destroy())
  }
}
