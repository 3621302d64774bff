import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {TestWorkspace} from '../../support/cli.js'
import {CONVERTED_EXPORTS} from '../../support/converted-workspace.js'
import {AwsEndpoint} from '../../support/aws/aws-endpoint.js'
import {PG_PASSWORD, testDatabase} from '../../support/aws/postgres.js'
import {TestS3} from '../../support/aws/s3-server.js'

/**
 * The aws backend end to end, as a user runs it: the built CLI in a subprocess, the real S3
 * protocol (s3rver behind the recording proxy), a real PostgreSQL, and Glue, STS, KMS and Athena
 * answered by the recording endpoint (no AWS account here). Real exports from ../shared/testdata.
 */
describe('aws backend: init, ingest, convert, files get, catalog list', function () {
  this.timeout(300_000)
  let s3: TestS3
  let aws: AwsEndpoint
  let ws: TestWorkspace
  let env: Record<string, string>
  const run = (args: string[]) => ws.run([...args, '--profile', 'prod'], {env})

  before(async () => {
    s3 = await new TestS3().start()
    aws = await new AwsEndpoint().start()
    aws.keys.set('alias/labmesh-test', {
      arn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      state: 'Enabled',
    })
    const db = await testDatabase()
    ws = new TestWorkspace()
    env = {...s3.env(), ...aws.env(), PGPASSWORD: PG_PASSWORD, LABMESH_CACHE_DIR: ws.path('cache')}
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
  })
  after(async () => {
    await s3?.stop()
    await aws?.stop()
    ws?.remove()
  })

  it('stores every raw file once, SSE-KMS with the profile key and its sha256 checksum, created only if absent', async () => {
    const ingested = await run(['ingest', ...CONVERTED_EXPORTS, '--json'])
    expect(ingested.code, ingested.stderr).to.equal(0)
    expect(ingested.json.ingested).to.equal(CONVERTED_EXPORTS.length)
    const puts = s3.matching('PUT', /^\/labmesh-test\/team\/raw\/[0-9a-f]{2}\/[0-9a-f]{64}$/)
    expect(puts).to.have.length(CONVERTED_EXPORTS.length)
    for (const put of puts) {
      expect(put.headers['x-amz-server-side-encryption']).to.equal('aws:kms')
      expect(put.headers['x-amz-server-side-encryption-aws-kms-key-id']).to.equal('alias/labmesh-test')
      expect(put.headers['if-none-match']).to.equal('*')
      const sha256 = put.url.split('/').pop()!
      expect(put.headers['x-amz-checksum-sha256']).to.equal(Buffer.from(sha256, 'hex').toString('base64'))
    }
    // Every object labmesh wrote (lake files included) is encrypted with the key.
    for (const put of s3.matching('PUT', /./)) expect(put.headers['x-amz-server-side-encryption'], put.url).to.equal('aws:kms')

    const again = await run(['ingest', ...CONVERTED_EXPORTS, '--json'])
    expect(again.code, again.stderr).to.equal(0)
    expect(again.json).to.include({ingested: 0, unchanged: CONVERTED_EXPORTS.length})
  })

  it('converts, restores files byte-exact, and lists the lake tables registered in Glue as Delta tables', async () => {
    const converted = await run(['convert', '--json'])
    expect(converted.code, converted.stderr).to.equal(0)
    expect(converted.json.converted).to.equal(CONVERTED_EXPORTS.length)

    const listed = await run(['files', 'list', '--category', 'RAW', '--json'])
    expect(listed.json.files).to.have.length(CONVERTED_EXPORTS.length)
    for (const file of listed.json.files) {
      expect(file.status).to.equal('converted')
      const got = await run(['files', 'get', file.fileId, '--out', ws.path('restored'), '--force', '--json'])
      expect(got.code, got.stderr).to.equal(0)
      const original = CONVERTED_EXPORTS.find((p) => p === file.sourcePath)!
      expect(readFileSync(got.json.path).equals(readFileSync(original)), path.basename(original)).to.equal(true)
    }

    const catalog = await run(['catalog', 'list', '--json'])
    expect(catalog.code, catalog.stderr).to.equal(0)
    const byName = new Map<string, any>(catalog.json.tables.map((t: any) => [`${t.database}.${t.table}`, t]))
    expect(byName.get('lab.files').rows).to.equal(CONVERTED_EXPORTS.length)
    expect(byName.get('lab.files').location).to.equal(`s3://${s3.bucket}/team/lake/lab/files`)
    expect([...byName.keys()]).to.include.members(['lab.plate_reader', 'lab.plate_reader_measurement', 'lab.cell_counting'])

    const glueFiles = aws.tables.get('labmesh_lab/files') as any
    expect(glueFiles.Parameters.table_type).to.equal('DELTA')
    expect(glueFiles.TableType).to.equal('EXTERNAL_TABLE')
    expect(glueFiles.StorageDescriptor.Location).to.equal(`s3://${s3.bucket}/team/lake/lab/files`)
    const types = Object.fromEntries(glueFiles.StorageDescriptor.Columns.map((c: any) => [c.Name, c.Type]))
    expect(types).to.include({
      file_id: 'string',
      size: 'bigint',
      ingested_at: 'timestamp',
      metadata: 'map<string,string>',
      labels: 'array<string>',
      latest: 'boolean',
    })
  })
})
