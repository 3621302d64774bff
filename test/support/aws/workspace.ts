import {expect} from 'chai'

import {type CliResult, TestWorkspace} from '../cli.js'
import {AwsEndpoint} from './aws-endpoint.js'
import {PG_PASSWORD, testDatabase} from './postgres.js'
import {TestS3} from './s3-server.js'

export const TEST_KMS_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'

/** A workspace whose profile `prod` is the aws backend over the test services. */
export interface AwsWorkspace {
  ws: TestWorkspace
  s3: TestS3
  aws: AwsEndpoint
  /** Environment that points the SDK and PostgreSQL at the test services. */
  env: Record<string, string>
  /** The metadata database's URL, password included (tests only). */
  databaseUrl: string
  /** Runs the built CLI with `--profile prod`. */
  run(args: string[]): Promise<CliResult>
  stop(): Promise<void>
}

/**
 * The aws backend as a user sets it up (`labmesh init --backend aws`), over the real S3 protocol
 * (s3rver behind the recording proxy), a real PostgreSQL database of its own, and Glue, STS, KMS
 * and Athena answered by the recording endpoint. `init` gets `moreInit` too (e.g. Athena settings).
 */
export async function startAwsWorkspace(moreInit: (s3: TestS3) => string[] = () => []): Promise<AwsWorkspace> {
  const s3 = await new TestS3().start()
  const aws = await new AwsEndpoint().start()
  aws.keys.set('alias/labmesh-test', {arn: TEST_KMS_ARN, state: 'Enabled'})
  const db = await testDatabase()
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
      db.urlWithoutPassword,
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
    run: (args) => ws.run([...args, '--profile', 'prod'], {env}),
    async stop() {
      await s3.stop()
      await aws.stop()
      ws.remove()
    },
  }
}
