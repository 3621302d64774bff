import type {SharedClientConfig} from './client-config.js'
import {awsCall} from './errors.js'

export interface WorkGroupFacts {
  state: string
  /** The output location the workgroup enforces or defaults to, if any. */
  outputLocation?: string
  engineVersion?: string
}

/** Athena: the workgroup queries will run in (the query stage runs the statements themselves). */
export async function describeWorkGroup(config: SharedClientConfig, name: string): Promise<WorkGroupFacts> {
  const {AthenaClient, GetWorkGroupCommand} = await import('@aws-sdk/client-athena')
  const client = new AthenaClient(config)
  try {
    const output = await awsCall({action: 'athena:GetWorkGroup', resource: `workgroup/${name}`}, () =>
      client.send(new GetWorkGroupCommand({WorkGroup: name})),
    )
    const group = output.WorkGroup
    return {
      state: group?.State ?? 'unknown',
      outputLocation: group?.Configuration?.ResultConfiguration?.OutputLocation,
      engineVersion: group?.Configuration?.EngineVersion?.EffectiveEngineVersion,
    }
  } finally {
    client.destroy()
  }
}
