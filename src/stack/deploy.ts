import {setTimeout as sleep} from 'node:timers/promises'
import type {Change, CloudFormationClient, Stack, StackEvent} from '@aws-sdk/client-cloudformation'

import {awsCall, awsError, awsErrorName} from '../backends/aws/errors.js'
import {LabmeshError} from '../errors.js'

type CfnSdk = typeof import('@aws-sdk/client-cloudformation')

/** One resource a change set would change. */
export interface PlannedChange {
  action: string
  logicalId: string
  type: string
  /** 'True' (replaced: a new physical resource), 'Conditional', 'False' or '' (not a modify). */
  replacement: string
}

export interface DeployRequest {
  stackName: string
  template: Record<string, unknown>
  /** Shown the changes; true goes on, false deletes the change set. */
  confirm(changes: PlannedChange[]): Promise<boolean>
  onEvent?(event: StackEvent): void
  pollMs?: number
}

export type DeployOutcome =
  | {status: 'unchanged'}
  | {status: 'cancelled'; changes: PlannedChange[]}
  | {status: 'deployed'; changes: PlannedChange[]; stackStatus: string; outputs: Record<string, string>}

// The capabilities the template needs: named IAM policies and roles, and the rotation application's transform.
const CAPABILITIES = ['CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] as const
const NO_CHANGES = /didn't contain changes|No updates are to be performed/i

/** The CloudFormation calls of a deployment (the SDK module and a client, loaded once). */
export class StackDeployer {
  constructor(
    private readonly client: CloudFormationClient,
    private readonly sdk: CfnSdk,
  ) {}

  static async create(config: object): Promise<StackDeployer> {
    const sdk = await import('@aws-sdk/client-cloudformation')
    return new StackDeployer(new sdk.CloudFormationClient(config), sdk)
  }

  /** The stack, or undefined when there is none of that name. */
  async describe(stackName: string): Promise<Stack | undefined> {
    try {
      return (await this.client.send(new this.sdk.DescribeStacksCommand({StackName: stackName}))).Stacks?.[0]
    } catch (error) {
      if (awsErrorName(error) === 'ValidationError' && /does not exist/.test((error as Error).message)) return undefined
      throw awsError(error, {action: 'cloudformation:DescribeStacks', resource: `stack/${stackName}`})
    }
  }

  /**
   * A change set, shown and confirmed, then executed while the stack's events stream by. Nothing
   * changes before the confirmation; a failed deployment says why from the events' reasons.
   */
  async deploy(request: DeployRequest): Promise<DeployOutcome> {
    const {stackName} = request
    const existing = await this.describe(stackName)
    const changeSetType = !existing || existing.StackStatus === 'REVIEW_IN_PROGRESS' ? 'CREATE' : 'UPDATE'
    const changeSetName = `labmesh-${Date.now()}`
    await this.call('cloudformation:CreateChangeSet', stackName, () =>
      this.client.send(
        new this.sdk.CreateChangeSetCommand({
          StackName: stackName,
          ChangeSetName: changeSetName,
          ChangeSetType: changeSetType,
          TemplateBody: JSON.stringify(request.template),
          Capabilities: [...CAPABILITIES],
          Description: 'labmesh stack deploy',
        }),
      ),
    )
    const changes = await this.waitForChangeSet(stackName, changeSetName, request.pollMs)
    if (changes === undefined) {
      await this.deleteChangeSet(stackName, changeSetName)
      return {status: 'unchanged'}
    }
    if (!(await request.confirm(changes))) {
      await this.deleteChangeSet(stackName, changeSetName)
      return {status: 'cancelled', changes}
    }
    const since = new Date(Date.now() - 1000)
    await this.call('cloudformation:ExecuteChangeSet', stackName, () =>
      this.client.send(new this.sdk.ExecuteChangeSetCommand({StackName: stackName, ChangeSetName: changeSetName})),
    )
    const {stack, failures} = await this.follow(stackName, since, request)
    const stackStatus = stack.StackStatus ?? 'UNKNOWN'
    if (!/^(CREATE|UPDATE)_COMPLETE$/.test(stackStatus)) {
      throw new LabmeshError('BACKEND', `stack ${stackName} ended ${stackStatus}${failures.length > 0 ? `: ${failures.join('; ')}` : ''}`, {
        subject: stackName,
        suggestions: ['`labmesh stack status --stack-name ' + stackName + '` shows the stack and its last events'],
      })
    }
    return {status: 'deployed', changes, stackStatus, outputs: outputsOf(stack)}
  }

  /** Deletes the stack and waits for it to go; the bucket and key are kept (their policy is Retain). */
  async delete(stackName: string, options: {onEvent?: (event: StackEvent) => void; pollMs?: number} = {}): Promise<string> {
    const since = new Date(Date.now() - 1000)
    await this.call('cloudformation:DeleteStack', stackName, () =>
      this.client.send(new this.sdk.DeleteStackCommand({StackName: stackName})),
    )
    const {stack, failures} = await this.follow(stackName, since, options)
    const status = stack.StackStatus ?? 'DELETE_COMPLETE'
    if (status !== 'DELETE_COMPLETE')
      throw new LabmeshError('BACKEND', `stack ${stackName} ended ${status}: ${failures.join('; ')}`, {subject: stackName})
    return status
  }

  /** The stack's `count` most recent events, oldest first. */
  async lastEvents(stackName: string, count: number): Promise<StackEvent[]> {
    const events: StackEvent[] = []
    let token: string | undefined
    do {
      const page = await this.call('cloudformation:DescribeStackEvents', stackName, () =>
        this.client.send(new this.sdk.DescribeStackEventsCommand({StackName: stackName, NextToken: token})),
      )
      events.push(...(page.StackEvents ?? []))
      token = page.NextToken
    } while (token && events.length < count)
    return events.slice(0, count).reverse()
  }

  /** The stack's events since `since`, oldest first (the API pages them newest first). */
  async eventsSince(stackName: string, since: Date): Promise<StackEvent[]> {
    const events: StackEvent[] = []
    let token: string | undefined
    do {
      const page = await this.call('cloudformation:DescribeStackEvents', stackName, () =>
        this.client.send(new this.sdk.DescribeStackEventsCommand({StackName: stackName, NextToken: token})),
      )
      const recent = (page.StackEvents ?? []).filter((e) => e.Timestamp && e.Timestamp >= since)
      events.push(...recent)
      // Older pages hold only older events.
      token = recent.length === (page.StackEvents ?? []).length ? page.NextToken : undefined
    } while (token)
    return events.reverse()
  }

  /** Streams events until the stack is no longer in progress; returns it and the failure reasons seen. */
  private async follow(stackName: string, since: Date, request: {onEvent?: (event: StackEvent) => void; pollMs?: number}) {
    const seen = new Set<string>()
    const failures: string[] = []
    for (;;) {
      const stack = (await this.describe(stackName)) ?? {StackName: stackName, StackStatus: 'DELETE_COMPLETE', CreationTime: new Date()}
      for (const event of await this.eventsSince(stack.StackId ?? stackName, since).catch(() => [] as StackEvent[])) {
        if (!event.EventId || seen.has(event.EventId)) continue
        seen.add(event.EventId)
        if (/FAILED$/.test(event.ResourceStatus ?? '') && event.ResourceStatusReason)
          failures.push(`${event.LogicalResourceId}: ${event.ResourceStatusReason}`)
        request.onEvent?.(event)
      }
      if (!/_IN_PROGRESS$/.test(stack.StackStatus ?? '')) return {stack, failures}
      await sleep(request.pollMs ?? 5000)
    }
  }

  /** The change set's changes once created (every page), or undefined when it holds none. */
  private async waitForChangeSet(stackName: string, changeSetName: string, pollMs = 2000): Promise<PlannedChange[] | undefined> {
    for (;;) {
      const changes: Change[] = []
      let token: string | undefined
      let status: string | undefined
      let reason: string | undefined
      do {
        const page = await this.call('cloudformation:DescribeChangeSet', stackName, () =>
          this.client.send(new this.sdk.DescribeChangeSetCommand({StackName: stackName, ChangeSetName: changeSetName, NextToken: token})),
        )
        status = page.Status
        reason = page.StatusReason
        changes.push(...(page.Changes ?? []))
        token = page.NextToken
      } while (token)
      if (status === 'CREATE_COMPLETE') return changes.map(plannedChange)
      if (status === 'FAILED') {
        if (NO_CHANGES.test(reason ?? '')) return undefined
        throw new LabmeshError('BACKEND', `CloudFormation could not plan the change: ${reason ?? 'no reason given'}`, {subject: stackName})
      }
      await sleep(pollMs)
    }
  }

  private async deleteChangeSet(stackName: string, changeSetName: string): Promise<void> {
    await this.call('cloudformation:DeleteChangeSet', stackName, () =>
      this.client.send(new this.sdk.DeleteChangeSetCommand({StackName: stackName, ChangeSetName: changeSetName})),
    )
  }

  private call<T>(action: string, stackName: string, send: () => Promise<T>): Promise<T> {
    return awsCall({action, resource: `stack/${stackName}`}, send)
  }

  destroy(): void {
    this.client.destroy()
  }
}

function plannedChange(change: Change): PlannedChange {
  const resource = change.ResourceChange ?? {}
  return {
    action: resource.Action ?? '',
    logicalId: resource.LogicalResourceId ?? '',
    type: resource.ResourceType ?? '',
    replacement: resource.Action === 'Modify' ? (resource.Replacement ?? '') : '',
  }
}

export function outputsOf(stack: Stack): Record<string, string> {
  return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']))
}
