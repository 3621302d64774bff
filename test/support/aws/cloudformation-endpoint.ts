import {randomUUID} from 'node:crypto'
import http from 'node:http'

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/'

/**
 * A recording CloudFormation endpoint on 127.0.0.1 for `stack deploy` in a subprocess (the SDK's
 * AWS_ENDPOINT_URL_CLOUDFORMATION points here): the query protocol (form bodies naming the
 * Action) answered with the XML shapes of the CloudFormation API reference. A stack is created by
 * executing its change set, at once, with the outputs given.
 */
export class CloudFormationEndpoint {
  readonly calls: Array<{action: string; input: Record<string, string>}> = []
  private server!: http.Server
  endpoint = ''
  private stack?: {id: string; name: string; status: string; createdAt: string}
  private changeSet?: {id: string; name: string; template: string}
  /** The stack its change set will create. */
  private pendingStack?: {id: string; name: string}

  constructor(
    /** What the stack's outputs will be once created. */
    readonly outputs: Record<string, string>,
    /** The resources the change set adds: logical id and type. */
    readonly resources: Array<[string, string]>,
  ) {}

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => this.answer(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))), response))
    })
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.endpoint = `http://127.0.0.1:${(this.server.address() as {port: number}).port}`
    return this
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise((resolve) => this.server.close(resolve))
  }

  /** The template body sent with CreateChangeSet. */
  get template(): any {
    return this.changeSet ? JSON.parse(this.changeSet.template) : undefined
  }

  actions(): string[] {
    return this.calls.map((c) => c.action)
  }

  private answer(input: Record<string, string>, response: http.ServerResponse): void {
    const action = input.Action
    this.calls.push({action, input})
    const ok = (result: string) =>
      this.send(
        response,
        200,
        `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result>${this.metadata()}</${action}Response>`,
      )
    switch (action) {
      case 'DescribeStacks': {
        if (!this.stack) return this.error(response, 'ValidationError', `Stack with id ${input.StackName} does not exist`)
        const outputs = Object.entries(this.outputs)
          .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
          .join('')
        return ok(
          `<Stacks><member><StackId>${this.stack.id}</StackId><StackName>${this.stack.name}</StackName><CreationTime>${this.stack.createdAt}</CreationTime><StackStatus>${this.stack.status}</StackStatus><Outputs>${outputs}</Outputs></member></Stacks>`,
        )
      }
      case 'CreateChangeSet': {
        const stackId = `arn:aws:cloudformation:us-east-1:123456789012:stack/${input.StackName}/${randomUUID()}`
        this.changeSet = {
          id: `arn:aws:cloudformation:us-east-1:123456789012:changeSet/${input.ChangeSetName}/${randomUUID()}`,
          name: input.ChangeSetName,
          template: input.TemplateBody,
        }
        this.stack = undefined
        this.pendingStack = {id: stackId, name: input.StackName}
        return ok(`<Id>${this.changeSet.id}</Id><StackId>${stackId}</StackId>`)
      }
      case 'DescribeChangeSet': {
        const changes = this.resources
          .map(
            ([id, type]) =>
              `<member><Type>Resource</Type><ResourceChange><Action>Add</Action><LogicalResourceId>${id}</LogicalResourceId><ResourceType>${type}</ResourceType></ResourceChange></member>`,
          )
          .join('')
        return ok(
          `<ChangeSetName>${this.changeSet?.name}</ChangeSetName><ChangeSetId>${this.changeSet?.id}</ChangeSetId><StackName>${input.StackName}</StackName><Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes>${changes}</Changes>`,
        )
      }
      case 'ExecuteChangeSet':
        this.stack = {...this.pendingStack!, status: 'CREATE_COMPLETE', createdAt: new Date().toISOString()}
        return ok('')
      case 'DescribeStackEvents': {
        const events = [...this.resources, [this.stack!.name, 'AWS::CloudFormation::Stack']]
          .map(
            ([id, type], i) =>
              `<member><EventId>${id}-${i}</EventId><StackId>${this.stack!.id}</StackId><StackName>${this.stack!.name}</StackName><LogicalResourceId>${id}</LogicalResourceId><ResourceType>${type}</ResourceType><Timestamp>${new Date(Date.now() + i).toISOString()}</Timestamp><ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>`,
          )
          .reverse()
          .join('')
        return ok(`<StackEvents>${events}</StackEvents>`)
      }
      default:
        return this.error(response, 'InvalidAction', `${action} is not emulated`)
    }
  }

  private error(response: http.ServerResponse, code: string, message: string): void {
    this.send(
      response,
      400,
      `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    )
  }

  private metadata(): string {
    return `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`
  }

  private send(response: http.ServerResponse, status: number, body: string): void {
    response.writeHead(status, {'Content-Type': 'text/xml', 'x-amzn-RequestId': randomUUID()})
    response.end(body)
  }
}
