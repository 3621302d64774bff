import {randomUUID} from 'node:crypto'
import http from 'node:http'
import {gunzipSync} from 'node:zlib'

import {AthenaQueries, AwsServiceError} from './athena-queries.js'

/** One request the endpoint answered: the operation (e.g. `AWSGlue.CreateTable`) and its JSON input. */
export interface RecordedCall {
  operation: string
  input: any
}

interface GlueTable {
  [key: string]: unknown
  Name: string
  DatabaseName: string
  CreateTime: number
  UpdateTime: number
}

/** A Lake Formation permission as ListPermissions returns it (PrincipalResourcePermissions). */
export interface LakeFormationPermission {
  Principal: {DataLakePrincipalIdentifier: string}
  Resource: any
  Permissions: string[]
  PermissionsWithGrantOption: string[]
}

/**
 * A recording HTTP endpoint on 127.0.0.1 for the AWS services that cannot run here: the Glue Data
 * Catalog (the operations labmesh calls, kept in memory), STS GetCallerIdentity, KMS DescribeKey
 * and GenerateDataKey, Secrets Manager's secrets (create, put, get, delete; kept in memory), Athena GetWorkGroup and its query operations
 * (athena-queries.ts), the Redshift Data
 * API's ExecuteStatement and DescribeStatement, Lake Formation's permissions and data cells
 * filters (kept in memory), CloudWatch PutMetricData (JSON 1.0, gzip bodies as the SDK compresses
 * them) and SNS Publish (query protocol), both recorded. Requests and responses follow the services' wire protocols (JSON 1.1
 * with X-Amz-Target; Lake Formation's REST JSON, one path per operation; STS's query protocol with
 * its XML answer) and the response and error shapes of the AWS API references, so the real SDK
 * clients in a labmesh subprocess talk to it through AWS_ENDPOINT_URL_<SERVICE>.
 */
export class AwsEndpoint {
  readonly calls: RecordedCall[] = []
  readonly databases = new Map<string, {Name: string; Description?: string; CreateTime: number}>()
  readonly tables = new Map<string, GlueTable>()
  /** Secret id -> SecretString (change it to rotate). */
  readonly secrets = new Map<string, string>()
  /** Key id or alias -> state; absent keys are NotFoundException. */
  readonly keys = new Map<string, {arn: string; state: string}>()
  /** Operations answered with AccessDeniedException, as when the policy lacks the action. */
  readonly denied = new Set<string>()
  /** Operations answered with HTTP 500 (the service failing), every attempt. */
  readonly failing = new Set<string>()
  /** SNS messages published, in order. */
  readonly published: Array<{TopicArn: string; Subject?: string; Message: string}> = []
  /** Lake Formation permissions, merged per principal and resource as Lake Formation keeps them. */
  readonly permissions: LakeFormationPermission[] = []
  readonly cellsFilters = new Map<string, any>()
  /** Principals whose batch grant entries fail with AccessDeniedException (the caller lacks the grant option). */
  readonly refusedPrincipals = new Set<string>()
  /** Glue partitions by `database/table`, each with its values and storage descriptor. */
  readonly partitions = new Map<string, Array<{Values: string[]; StorageDescriptor?: unknown}>>()
  /** Redshift Data API statements, in order; a statement whose SQL matches `failRedshift` FAILS with its message. */
  readonly statements: Array<{Id: string; Sql: string; input: any; described: number}> = []
  failRedshift?: {sql: RegExp; error: string}
  /** What GetWorkGroup answers as the workgroup's Configuration. */
  workGroupConfiguration: Record<string, unknown> = {
    ResultConfiguration: {OutputLocation: 's3://labmesh-test/athena/'},
    EngineVersion: {EffectiveEngineVersion: 'Athena engine version 3'},
  }
  /** Athena's queries: scripted answers, and what was started. */
  readonly athena = new AthenaQueries()
  account = '123456789012'
  private server!: http.Server
  endpoint = ''

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const raw = Buffer.concat(chunks)
        this.answer(request, (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'), response)
      })
    })
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.endpoint = `http://127.0.0.1:${(this.server.address() as {port: number}).port}`
    return this
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise((resolve) => this.server.close(resolve))
  }

  /** Environment pointing the SDK's Glue, STS, KMS, Secrets Manager and Athena clients here. */
  env(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_GLUE: this.endpoint,
      AWS_ENDPOINT_URL_STS: this.endpoint,
      AWS_ENDPOINT_URL_KMS: this.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: this.endpoint,
      AWS_ENDPOINT_URL_ATHENA: this.endpoint,
      AWS_ENDPOINT_URL_LAKEFORMATION: this.endpoint,
      AWS_ENDPOINT_URL_REDSHIFT_DATA: this.endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH: this.endpoint,
      AWS_ENDPOINT_URL_SNS: this.endpoint,
    }
  }

  /** The inputs of the calls to one operation, in order. */
  inputs(operation: string): any[] {
    return this.calls.filter((c) => c.operation === operation).map((c) => c.input)
  }

  private answer(request: http.IncomingMessage, body: string, response: http.ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0]
    // Lake Formation speaks REST JSON: the operation is the path, e.g. POST /BatchGrantPermissions.
    const target = String(request.headers['x-amz-target'] ?? '') || (path === '/' ? '' : `LakeFormation.${path.slice(1)}`)
    if (!target && new URLSearchParams(body).get('Action') === 'Publish') return this.publish(new URLSearchParams(body), response)
    if (!target) {
      // STS speaks the query protocol: a form body naming the Action, an XML answer.
      const action = new URLSearchParams(body).get('Action') ?? ''
      this.calls.push({operation: `STS.${action}`, input: Object.fromEntries(new URLSearchParams(body))})
      if (action !== 'GetCallerIdentity') return this.xml(response, 400, this.stsError('InvalidAction', `${action} is not emulated`))
      if (this.denied.has('STS.GetCallerIdentity')) return this.xml(response, 403, this.stsError('AccessDenied', 'denied'))
      return this.xml(
        response,
        200,
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${this.account}:user/labmesh-test</Arn><UserId>AIDATESTUSER</UserId><Account>${this.account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      )
    }
    let input: any = {}
    try {
      input = body ? JSON.parse(body) : {}
    } catch {
      input = {}
    }
    this.calls.push({operation: target, input})
    const answered = (async () => {
      if (this.denied.has(target)) throw new AwsServiceError('AccessDeniedException', `not authorized to perform ${target}`)
      if (this.failing.has(target)) throw new AwsServiceError('InternalServiceError', `${target} failed`, 500)
      if (target.startsWith('AmazonAthena.') && target !== 'AmazonAthena.GetWorkGroup')
        return this.athena.operate(target.slice('AmazonAthena.'.length), input)
      return this.operate(target, input)
    })()
    answered.then(
      (output) => this.json(response, 200, output),
      (error: unknown) => {
        const e = error instanceof AwsServiceError ? error : new AwsServiceError('InternalServiceException', String(error), 500)
        response.writeHead(e.status, {
          'Content-Type': 'application/x-amz-json-1.1',
          'x-amzn-ErrorType': e.type,
          'x-amzn-RequestId': randomUUID(),
        })
        response.end(JSON.stringify({__type: e.type, Message: e.message}))
      },
    )
  }

  /** A secret's ARN: its name and the six random characters Secrets Manager appends (fixed here). */
  secretArn(name: string): string {
    return `arn:aws:secretsmanager:us-east-1:${this.account}:secret:${name}-AbCdEf`
  }

  /** SecretId is a name or an ARN. */
  private secretName(secretId: string): string {
    const arn = /^arn:aws:secretsmanager:[^:]*:\d+:secret:(.+)-[A-Za-z0-9]{6}$/.exec(secretId)
    return arn ? arn[1] : secretId
  }

  private operate(target: string, input: any): unknown {
    const now = Date.now() / 1000
    switch (target) {
      case 'AWSGlue.GetDatabase': {
        const db = this.databases.get(input.Name)
        if (!db) throw new AwsServiceError('EntityNotFoundException', `Database ${input.Name} not found.`)
        return {Database: db}
      }
      case 'GraniteServiceVersion20100801.PutMetricData':
        return {}
      case 'AWSGlue.GetDatabases':
        return {DatabaseList: [...this.databases.values()]}
      case 'AWSGlue.CreateDatabase': {
        const name = input.DatabaseInput.Name
        if (this.databases.has(name)) throw new AwsServiceError('AlreadyExistsException', 'Database already exists.')
        this.databases.set(name, {...input.DatabaseInput, CreateTime: now})
        return {}
      }
      case 'AWSGlue.GetTable': {
        this.database(input.DatabaseName)
        const table = this.tables.get(`${input.DatabaseName}/${input.Name}`)
        if (!table) throw new AwsServiceError('EntityNotFoundException', `Table ${input.Name} not found.`)
        return {Table: table}
      }
      case 'AWSGlue.GetTables':
        this.database(input.DatabaseName)
        return {TableList: [...this.tables.values()].filter((t) => t.DatabaseName === input.DatabaseName)}
      case 'AWSGlue.CreateTable': {
        this.database(input.DatabaseName)
        const key = `${input.DatabaseName}/${input.TableInput.Name}`
        if (this.tables.has(key)) throw new AwsServiceError('AlreadyExistsException', 'Table already exists.')
        this.tables.set(key, {...input.TableInput, DatabaseName: input.DatabaseName, CreateTime: now, UpdateTime: now})
        return {}
      }
      case 'AWSGlue.UpdateTable': {
        const key = `${input.DatabaseName}/${input.TableInput.Name}`
        const existing = this.tables.get(key)
        if (!existing) throw new AwsServiceError('EntityNotFoundException', `Table ${input.TableInput.Name} not found.`)
        this.tables.set(key, {...input.TableInput, DatabaseName: input.DatabaseName, CreateTime: existing.CreateTime, UpdateTime: now})
        return {}
      }
      case 'AWSGlue.DeleteTable': {
        // Request {DatabaseName, Name}; an empty answer, or EntityNotFoundException (Glue API reference, DeleteTable).
        this.database(input.DatabaseName)
        if (!this.tables.delete(`${input.DatabaseName}/${input.Name}`)) {
          throw new AwsServiceError('EntityNotFoundException', `Table ${input.Name} not found.`)
        }
        return {}
      }
      case 'AWSGlue.BatchCreatePartition': {
        const key = `${input.DatabaseName}/${input.TableName}`
        if (!this.tables.has(key)) throw new AwsServiceError('EntityNotFoundException', `Table ${input.TableName} not found.`)
        const existing = this.partitions.get(key) ?? []
        const Errors = []
        for (const partition of input.PartitionInputList) {
          if (existing.some((p) => JSON.stringify(p.Values) === JSON.stringify(partition.Values)))
            Errors.push({
              PartitionValues: partition.Values,
              ErrorDetail: {ErrorCode: 'AlreadyExistsException', ErrorMessage: 'Partition already exists.'},
            })
          else existing.push(partition)
        }
        this.partitions.set(key, existing)
        return {Errors}
      }
      // The Data API runs statements asynchronously: the first DescribeStatement says STARTED, the next FINISHED (or FAILED).
      case 'RedshiftData.ExecuteStatement': {
        if (!input.WorkgroupName && !input.ClusterIdentifier)
          throw new AwsServiceError('ValidationException', 'Either WorkgroupName or ClusterIdentifier is required.')
        const statement = {Id: randomUUID(), Sql: input.Sql, input, described: 0}
        this.statements.push(statement)
        const {Sql: _sql, ...echoed} = input
        return {Id: statement.Id, CreatedAt: now, ...echoed}
      }
      case 'RedshiftData.DescribeStatement': {
        const statement = this.statements.find((s) => s.Id === input.Id)
        if (!statement) throw new AwsServiceError('ResourceNotFoundException', `Query does not exist.`)
        statement.described++
        const failed = this.failRedshift?.sql.test(statement.Sql)
        const Status = statement.described < 2 ? 'STARTED' : failed ? 'FAILED' : 'FINISHED'
        return {
          Id: statement.Id,
          QueryString: statement.Sql,
          Status,
          ...(Status === 'FAILED' ? {Error: this.failRedshift!.error} : {}),
          CreatedAt: now,
          UpdatedAt: now,
          HasResultSet: false,
          RedshiftPid: 1073815670,
          ResultRows: -1,
        }
      }
      case 'TrentService.DescribeKey': {
        const key = this.key(input.KeyId)
        return {
          KeyMetadata: {
            KeyId: key.arn.split('/').pop(),
            Arn: key.arn,
            KeyState: key.state,
            KeyUsage: 'ENCRYPT_DECRYPT',
            Enabled: key.state === 'Enabled',
          },
        }
      }
      case 'TrentService.GenerateDataKey': {
        const key = this.key(input.KeyId)
        if (key.state !== 'Enabled') throw new AwsServiceError('DisabledException', `${key.arn} is disabled.`)
        return {KeyId: key.arn, Plaintext: Buffer.alloc(32).toString('base64'), CiphertextBlob: Buffer.alloc(64).toString('base64')}
      }
      case 'secretsmanager.CreateSecret': {
        if (this.secrets.has(input.Name))
          throw new AwsServiceError('ResourceExistsException', `The operation failed because the secret ${input.Name} already exists.`)
        this.secrets.set(input.Name, input.SecretString)
        return {ARN: this.secretArn(input.Name), Name: input.Name, VersionId: input.ClientRequestToken ?? randomUUID()}
      }
      case 'secretsmanager.PutSecretValue': {
        const name = this.secretName(input.SecretId)
        if (!this.secrets.has(name))
          throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.")
        this.secrets.set(name, input.SecretString)
        return {ARN: this.secretArn(name), Name: name, VersionId: input.ClientRequestToken ?? randomUUID(), VersionStages: ['AWSCURRENT']}
      }
      case 'secretsmanager.DeleteSecret': {
        const name = this.secretName(input.SecretId)
        if (!this.secrets.delete(name))
          throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.")
        return {ARN: this.secretArn(name), Name: name, DeletionDate: now + 86_400 * (input.RecoveryWindowInDays ?? 30)}
      }
      case 'secretsmanager.GetSecretValue': {
        const value = this.secrets.get(this.secretName(input.SecretId))
        if (value === undefined) throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.")
        return {
          ARN: this.secretArn(this.secretName(input.SecretId)),
          Name: this.secretName(input.SecretId),
          SecretString: value,
          VersionId: randomUUID(),
          CreatedDate: now,
        }
      }
      case 'AmazonAthena.GetWorkGroup':
        return {WorkGroup: {Name: input.WorkGroup, State: 'ENABLED', Configuration: this.workGroupConfiguration}}
      case 'LakeFormation.ListPermissions': {
        const principal = input.Principal?.DataLakePrincipalIdentifier
        const resource = input.Resource === undefined ? undefined : JSON.stringify(input.Resource)
        return {
          PrincipalResourcePermissions: this.permissions.filter(
            (p) =>
              (principal === undefined || p.Principal.DataLakePrincipalIdentifier === principal) &&
              (resource === undefined || JSON.stringify(p.Resource) === resource),
          ),
        }
      }
      case 'LakeFormation.GrantPermissions':
        this.grant(input)
        return {}
      case 'LakeFormation.BatchGrantPermissions':
      case 'LakeFormation.BatchRevokePermissions': {
        const Failures = []
        for (const entry of input.Entries) {
          if (this.refusedPrincipals.has(entry.Principal.DataLakePrincipalIdentifier)) {
            Failures.push({
              RequestEntry: entry,
              Error: {ErrorCode: 'AccessDeniedException', ErrorMessage: 'Insufficient Lake Formation permission(s) on the resource'},
            })
          } else if (target === 'LakeFormation.BatchGrantPermissions') this.grant(entry)
          else this.revoke(entry)
        }
        return {Failures}
      }
      case 'LakeFormation.ListDataCellsFilter':
        return {DataCellsFilters: [...this.cellsFilters.values()]}
      case 'LakeFormation.CreateDataCellsFilter': {
        const filter = input.TableData
        const key = `${filter.DatabaseName}.${filter.TableName}.${filter.Name}`
        if (this.cellsFilters.has(key)) throw new AwsServiceError('AlreadyExistsException', 'A data cells filter with that name exists.')
        this.cellsFilters.set(key, filter)
        return {}
      }
      case 'LakeFormation.DeleteDataCellsFilter':
        this.cellsFilters.delete(`${input.DatabaseName}.${input.TableName}.${input.Name}`)
        return {}
      default:
        throw new AwsServiceError('UnknownOperationException', `${target} is not emulated`)
    }
  }

  private permission(entry: any): LakeFormationPermission {
    const key = JSON.stringify([entry.Principal, entry.Resource])
    let found = this.permissions.find((p) => JSON.stringify([p.Principal, p.Resource]) === key)
    if (!found) {
      found = {Principal: entry.Principal, Resource: entry.Resource, Permissions: [], PermissionsWithGrantOption: []}
      this.permissions.push(found)
    }
    return found
  }

  private grant(entry: any): void {
    const permission = this.permission(entry)
    permission.Permissions = [...new Set([...permission.Permissions, ...entry.Permissions])]
    permission.PermissionsWithGrantOption = [
      ...new Set([...permission.PermissionsWithGrantOption, ...(entry.PermissionsWithGrantOption ?? [])]),
    ]
  }

  private revoke(entry: any): void {
    const permission = this.permission(entry)
    permission.Permissions = permission.Permissions.filter((p) => !entry.Permissions.includes(p))
    permission.PermissionsWithGrantOption = permission.PermissionsWithGrantOption.filter((p) => permission.Permissions.includes(p))
    if (permission.Permissions.length === 0) this.permissions.splice(this.permissions.indexOf(permission), 1)
  }

  private database(name: string): void {
    if (!this.databases.has(name)) throw new AwsServiceError('EntityNotFoundException', `Database ${name} not found.`)
  }

  private key(id: string): {arn: string; state: string} {
    const key = this.keys.get(id)
    if (!key) throw new AwsServiceError('NotFoundException', `Key '${id}' does not exist`)
    return key
  }

  /** SNS Publish (query protocol): the message recorded, its MessageId answered in XML. */
  private publish(form: URLSearchParams, response: http.ServerResponse): void {
    const input = Object.fromEntries(form)
    this.calls.push({operation: 'SNS.Publish', input})
    const xmlns = 'http://sns.amazonaws.com/doc/2010-03-31/'
    if (this.denied.has('SNS.Publish'))
      return this.xml(
        response,
        403,
        `<ErrorResponse xmlns="${xmlns}"><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>not authorized to perform SNS:Publish</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      )
    this.published.push({TopicArn: input.TopicArn, Subject: input.Subject, Message: input.Message})
    this.xml(
      response,
      200,
      `<PublishResponse xmlns="${xmlns}"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
    )
  }

  private stsError(code: string, message: string): string {
    return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
  }

  private json(response: http.ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, {'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': randomUUID()})
    response.end(JSON.stringify(body))
  }

  private xml(response: http.ServerResponse, status: number, body: string): void {
    response.writeHead(status, {'Content-Type': 'text/xml', 'x-amzn-RequestId': randomUUID()})
    response.end(body)
  }
}
