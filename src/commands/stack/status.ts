import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {sharedClientConfig} from '../../backends/aws/client-config.js'
import {LabmeshError} from '../../errors.js'
import {wideFlag} from '../../flags/wide.js'
import {listedTime} from '../../output/format.js'
import {renderRecord, renderTable} from '../../output/table.js'
import {outputsOf, StackDeployer} from '../../stack/deploy.js'

export interface StackStatusResult {
  stackName: string
  status: string
  reason?: string
  updated?: string
  outputs: Record<string, string>
  /** The last events, newest last. */
  events: Array<{time?: string; resource?: string; status?: string; reason?: string}>
}

export default class StackStatus extends LabmeshCommand<typeof StackStatus> {
  static override summary = "The deployment's stack: its status, outputs and last events."
  static override description =
    'On a terminal, the stack as a record and its events as a table; down a pipe, two tab-separated blocks (field and value, then the events) apart by a blank line.'
  static override examples = ['<%= config.bin %> <%= command.id %> --stack-name lab']
  static override flags = {
    'stack-name': Flags.string({description: 'CloudFormation stack name.', default: 'labmesh'}),
    events: Flags.integer({description: 'How many of the last events to show.', default: 10, min: 0}),
    region: Flags.string({description: "AWS region (else the SDK's)."}),
    'aws-profile': Flags.string({description: 'Shared-config profile for the credentials.'}),
    ...wideFlag,
  }

  public async run(): Promise<StackStatusResult> {
    const stackName = this.flags['stack-name']
    const deployer = await StackDeployer.create(
      await sharedClientConfig({region: this.flags.region, awsProfile: this.flags['aws-profile']}),
    )
    try {
      const stack = await deployer.describe(stackName)
      if (!stack) throw new LabmeshError('NOT_FOUND', `no stack ${stackName}`, {suggestions: ['deploy it with `labmesh stack deploy`']})
      const events = (await deployer.lastEvents(stack.StackId ?? stackName, this.flags.events)).map((e) => ({
        time: e.Timestamp?.toISOString(),
        resource: e.LogicalResourceId,
        status: e.ResourceStatus,
        reason: e.ResourceStatusReason,
      }))
      const result = {
        stackName,
        status: stack.StackStatus ?? 'UNKNOWN',
        reason: stack.StackStatusReason,
        updated: (stack.LastUpdatedTime ?? stack.CreationTime)?.toISOString(),
        outputs: outputsOf(stack),
        events,
      }
      const {layout} = this
      this.print({
        body: [
          renderRecord(
            [
              ['stack', stackName],
              ['status', result.status],
              ['reason', result.reason],
              ['updated', result.updated],
              ...Object.entries(result.outputs),
            ],
            layout,
          ),
          ...(events.length > 0 || layout.kind === 'tsv'
            ? [
                renderTable(
                  ['time', 'resource', 'status', 'reason'],
                  events.map((e) => [listedTime(e.time, layout), e.resource, e.status, e.reason]),
                  layout,
                ),
              ]
            : []),
        ],
        notes: [],
      })
      return result
    } finally {
      deployer.destroy()
    }
  }
}
