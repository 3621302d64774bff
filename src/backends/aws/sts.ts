import type {SharedClientConfig} from './client-config.js'
import {awsCall} from './errors.js'

export interface CallerIdentity {
  account: string
  arn: string
  userId: string
}

/** STS: who the credentials belong to (needs no permission: it fails only without valid credentials). */
export async function callerIdentity(config: SharedClientConfig): Promise<CallerIdentity> {
  const {STSClient, GetCallerIdentityCommand} = await import('@aws-sdk/client-sts')
  const client = new STSClient(config)
  try {
    const output = await awsCall({action: 'sts:GetCallerIdentity', resource: '*'}, () => client.send(new GetCallerIdentityCommand({})))
    return {account: output.Account ?? '', arn: output.Arn ?? '', userId: output.UserId ?? ''}
  } finally {
    client.destroy()
  }
}
