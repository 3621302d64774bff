import {expect} from 'chai'

import {TestWorkspace} from '../cli.js'
import {AwsEndpoint} from './aws-endpoint.js'
import {PG_PASSWORD, testDatabase} from './postgres.js'
import {TestS3} from './s3-server.js'

/**
 * An aws profile named `prod` for CLI tests: the real S3 protocol (s3rver behind the recording
 * proxy), a real PostgreSQL database of its own, and Glue, STS, KMS and Athena answered by the
 * recording endpoint, all on loopback.
 */
export interface AwsTestProfile {
  s3: TestS3
  aws: AwsEndpoint
  ws: TestWorkspace
  /** The environment the CLI needs: endpoints, the database password, a cache folder. */
  env: Record<string, string>
  /** The metadata database's URL, password included (tests only). */
  databaseUrl: string
  stop(): Promise<void>
}

export async function startAwsTestProfile(): Promise<AwsTestProfile> {
  const s3 = await new TestS3().start()
  const aws = await new AwsEndpoint().start()
  aws.keys.set('alias/labmesh-test', {
    arn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    state: 'Enabled',
  })
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
    ],
    {env},
  )
  expect(init.code, init.stderr).to.equal(0)
  return {
    s3,
    aws,
    ws,
    env,
    databaseUrl: db.url,
    async stop() {
      await s3.stop()
      await aws.stop()
      ws.remove()
    },
  }
}
