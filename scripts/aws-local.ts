/**
 * Local stand-ins for the AWS services the aws backend uses, to try an aws profile without an
 * account: S3 through s3rver (the real S3 protocol), a real PostgreSQL for the file records, and
 * the recording endpoint the tests use for Glue, STS, KMS, Secrets Manager, Athena's workgroup and
 * Lake Formation's permissions.
 * Writes the environment to `.labmesh-aws-local/env` (to `source` in another shell) and keeps
 * running until Ctrl-C, which stops every server and deletes their data.
 */
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {AwsEndpoint} from '../test/support/aws/aws-endpoint.js'
import {TEST_KMS_KEY} from '../test/support/aws/clients.js'
import {createDatabase, PG_PASSWORD, startPostgres} from '../test/support/aws/postgres.js'
import {TestS3} from '../test/support/aws/s3-server.js'

const folder = path.resolve(process.argv[2] ?? '.labmesh-aws-local')
const quote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`

const s3 = await new TestS3().start()
const aws = await new AwsEndpoint().start()
aws.keys.set(TEST_KMS_KEY, {arn: `arn:aws:kms:us-east-1:${aws.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, state: 'Enabled'})
const postgres = await startPostgres()
const database = await createDatabase(postgres.port)

mkdirSync(folder, {recursive: true})
const env: Record<string, string> = {
  ...s3.env(),
  ...aws.env(),
  PGPASSWORD: PG_PASSWORD,
  LABMESH_CONFIG_DIR: path.join(folder, 'config'),
  LABMESH_CACHE_DIR: path.join(folder, 'cache'),
  LABMESH_PROFILE: 'emulated',
}
const envFile = path.join(folder, 'env')
writeFileSync(
  envFile,
  Object.entries(env)
    .map(([name, value]) => `export ${name}=${quote(value)}\n`)
    .join(''),
)
const init = [
  'labmesh init --profile emulated --backend aws --region us-east-1',
  `--bucket ${s3.bucket} --kms-key-id ${TEST_KMS_KEY} --path-style`,
  `--metadata-url ${database.urlWithoutPassword} --glue-database-prefix labmesh_`,
].join(' \\\n    ')

process.stdout.write(`AWS stand-ins are running on 127.0.0.1 (Ctrl-C stops them and deletes their data):
  S3 (s3rver)        ${s3.endpoint}  bucket ${s3.bucket}
  PostgreSQL         ${database.urlWithoutPassword}
  Glue, STS, KMS, Secrets Manager, Athena workgroups: ${aws.endpoint}

In another shell, from the checkout:
  source ${path.relative(process.cwd(), envFile) || envFile}
  alias labmesh="node $PWD/bin/run.js"
  ${init}
  labmesh ingest samples/exports --template '{project}/{device}/{sample}_{date:YYYY-MM-DD}.*'
  labmesh convert && labmesh catalog list && labmesh files list --category ENGINEERED
`)

let stopping = false
const stop = async (): Promise<void> => {
  if (stopping) return
  stopping = true
  await Promise.allSettled([s3.stop(), aws.stop(), postgres.stop()])
  rmSync(folder, {recursive: true, force: true})
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
