import {expect} from 'chai'

import {type CliResult, TestWorkspace} from '../cli.js'
import {TcpGate} from '../tcp-gate.js'
import {AwsEndpoint} from './aws-endpoint.js'
import {createDatabase, PG_PASSWORD, type PostgresServer, startPostgres, testDatabase} from './postgres.js'
import {TestS3} from './s3-server.js'

export const TEST_KMS_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'

/** A workspace whose profile `prod` is the aws backend over the test services. */
export interface AwsWorkspace {
  ws: TestWorkspace
  s3: TestS3
  aws: AwsEndpoint
  /** Environment that points the SDK and PostgreSQL at the test services. */
  env: Record<string, string>
  /** The metadata database's URL, password included (tests only; not through the gate). */
  databaseUrl: string
  /** The relay labmesh reaches PostgreSQL through, when asked for: close it for an outage. */
  postgresGate?: TcpGate
  /** The workspace's own PostgreSQL server, when asked for: halt it and start it again for an outage. */
  postgres?: PostgresServer
  /** Runs the built CLI with `--profile prod`. */
  run(args: string[]): Promise<CliResult>
  stop(): Promise<void>
}

/**
 * The aws backend as a user sets it up (`labmesh init --backend aws`), over the real S3 protocol
 * (s3rver behind the recording proxy), a real PostgreSQL database of its own, and Glue, STS, KMS
 * and Athena answered by the recording endpoint. `init` gets `moreInit` too (e.g. Athena settings).
 * `ownPostgres`: a PostgreSQL server of its own (not the one the test process shares), that a test may halt.
 */
export async function startAwsWorkspace(
  moreInit: (s3: TestS3) => string[] = () => [],
  options: {gatePostgres?: boolean; ownPostgres?: boolean} = {},
): Promise<AwsWorkspace> {
  const s3 = await new TestS3().start()
  const aws = await new AwsEndpoint().start()
  aws.keys.set('alias/labmesh-test', {arn: TEST_KMS_ARN, state: 'Enabled'})
  const postgres = options.ownPostgres ? await startPostgres() : undefined
  const db = postgres ? await createDatabase(postgres.port) : await testDatabase()
  const postgresGate = options.gatePostgres ? await new TcpGate({host: '127.0.0.1', port: db.port}).open() : undefined
  const metadataUrl = postgresGate ? db.urlWithoutPassword.replace(`:${db.port}/`, `:${postgresGate.port}/`) : db.urlWithoutPassword
  const ws = new TestWorkspace()
  const env = {...s3.env(), ...aws.env(), PGPASSWORD: PG_PASSWORD, LABMESH_CACHE_DIR: ws.path('cache')}
  const init = await ws.run(
    [
      'init',
      '--profile',
      'prod',
      '--backend',
      'aws',
      '--region',
      'us-east-1',
      '--bucket',
      s3.bucket,
      '--prefix',
      'team',
      '--kms-key-id',
      'alias/labmesh-test',
      '--metadata-url',
      metadataUrl,
      '--glue-database-prefix',
      'labmesh_',
      '--path-style',
      '--json',
      ...moreInit(s3),
    ],
    {env},
  )
  expect(init.code, init.stderr).to.equal(0)
  return {
    ws,
    s3,
    aws,
    env,
    databaseUrl: db.url,
    postgresGate,
    postgres,
    run: (args) => ws.run([...args, '--profile', 'prod'], {env}),
    async stop() {
      await postgresGate?.close()
      await postgres?.stop()
      await s3.stop()
      await aws.stop()
      ws.remove()
    },
  }
}
