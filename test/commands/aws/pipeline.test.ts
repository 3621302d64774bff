import {createHash} from 'node:crypto'
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import type {TestWorkspace} from '../../support/cli.js'
import {CONVERTED_EXPORTS} from '../../support/converted-workspace.js'
import type {AwsEndpoint} from '../../support/aws/aws-endpoint.js'
import {testS3Facade, uploadFolder} from '../../support/aws/clients.js'
import type {TestS3} from '../../support/aws/s3-server.js'
import {type AwsWorkspace, startAwsWorkspace, TEST_KMS_ARN} from '../../support/aws/workspace.js'
import {DELTA_TABLES} from '../../support/testdata.js'

/**
 * The aws backend end to end, as a user runs it: the built CLI in a subprocess, the real S3
 * protocol (s3rver behind the recording proxy), a real PostgreSQL, and Glue, STS, KMS and Athena
 * answered by the recording endpoint (no AWS account here). Real exports from ../shared/testdata.
 */
describe('aws backend end to end: init, ingest, convert, files get, catalog, doctor', function () {
  this.timeout(300_000)
  let s3: TestS3
  let aws: AwsEndpoint
  let ws: TestWorkspace
  let env: Record<string, string>
  let run: AwsWorkspace['run']
  let workspace: AwsWorkspace | undefined

  before(async () => {
    workspace = await startAwsWorkspace()
    ;({s3, aws, ws, env, run} = workspace)
  })
  after(async () => {
    await workspace?.stop()
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
      const got = await run(['files', 'get', file.fileId, '--out-dir', ws.path('restored'), '--force', '--json'])
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

  it('registers an existing s3:// Delta folder written by Spark in Glue and describes it from its log', async () => {
    const source = path.join(DELTA_TABLES, 'delta-0.8.0-partitioned')
    await uploadFolder(s3, source, 'external/partitioned')
    const registered = await run(['catalog', 'register', 'shared.partitioned', `s3://${s3.bucket}/external/partitioned`, '--json'])
    expect(registered.code, registered.stderr).to.equal(0)
    expect(registered.json).to.include({database: 'shared', table: 'partitioned', managed: false})
    const glue = aws.tables.get('labmesh_shared/partitioned') as any
    expect(glue.Parameters).to.include({table_type: 'DELTA', 'labmesh.managed': 'false'})
    expect(glue.PartitionKeys.map((k: any) => k.Name)).to.deep.equal(['year', 'month', 'day'])
    const described = await run(['catalog', 'describe', 'shared.partitioned', '--sample', '3', '--json'])
    expect(described.code, described.stderr).to.equal(0)
    expect(described.json.sample).to.have.length(3)
    const history = await run(['catalog', 'history', 'shared.partitioned', '--json'])
    // The one commit Spark wrote, read from the log in S3.
    expect(history.code, history.stderr).to.equal(0)
    expect(history.json.versions.map((v: any) => v.version)).to.deep.equal([0])

    const badName = await run(['catalog', 'register', 'Shared.Partitioned', `s3://${s3.bucket}/external/partitioned`, '--json'])
    expect(badName.code).to.equal(6)
    expect(badName.json.error.code).to.equal('INVALID_INPUT')
    expect(badName.json.error.message).to.include('Shared')
    const local = await run(['catalog', 'register', 'shared.local', source, '--json'])
    expect(local.json.error.code).to.equal('UNSUPPORTED')
    expect(local.json.error.message).to.include('aws backend')
  })

  it('ingests and converts safely at once: two ingests of one folder, two converts, each file converted once', async () => {
    const drop = ws.path('twice')
    mkdirSync(drop, {recursive: true})
    for (const source of CONVERTED_EXPORTS) writeFileSync(path.join(drop, path.basename(source)), readFileSync(source))
    const ingests = await Promise.all([run(['ingest', drop, '--json']), run(['ingest', drop, '--json'])])
    for (const ingest of ingests) {
      expect(ingest.code, ingest.stderr).to.equal(0)
      expect(ingest.json.failed).to.deep.equal([])
    }
    expect(ingests[0].json.ingested + ingests[1].json.ingested).to.equal(CONVERTED_EXPORTS.length)

    // Claims in PostgreSQL: each raw file is converted by one run, with no CONFLICT failures.
    const converts = await Promise.all([run(['convert', '--json']), run(['convert', '--json'])])
    for (const convert of converts) {
      expect(convert.code, convert.stderr).to.equal(0)
      expect(convert.json.failed).to.deep.equal([])
    }
    expect(converts[0].json.converted + converts[1].json.converted).to.equal(CONVERTED_EXPORTS.length)
    const engineered = (await run(['files', 'list', '--category', 'ENGINEERED', '--json'])).json.files.filter((f: any) =>
      f.sourcePath.startsWith(drop),
    )
    expect(engineered).to.have.length(CONVERTED_EXPORTS.length)
    const raw = (await run(['files', 'list', '--category', 'RAW', '--json'])).json.files.filter((f: any) => f.sourcePath.startsWith(drop))
    expect(raw.map((f: any) => f.status)).to.deep.equal(CONVERTED_EXPORTS.map(() => 'converted'))
  })

  it('writes no output into the cache of lake files, and registers no table whose log names files outside it', async () => {
    const [file] = (await run(['files', 'list', '--category', 'RAW', '--json'])).json.files
    const before = readdirSync(ws.path('cache'), {recursive: true}).sort()
    const got = await run(['files', 'get', file.fileId, '--out', ws.path('cache', 'lake-files'), '--json'])
    expect(got.code).to.equal(4)
    expect(got.json.error.code).to.equal('FORBIDDEN')
    expect(got.json.error.message).to.include('the cache of lake files')
    expect(readdirSync(ws.path('cache'), {recursive: true}).sort()).to.deep.equal(before)

    // A log whose add action names another table's object: refused before Glue hears of it.
    const facade = await testS3Facade(s3)
    const outsider = `s3://${s3.bucket}/team/lake/lab/files/part-forged.parquet`
    const commit = [
      {protocol: {minReaderVersion: 1, minWriterVersion: 2}},
      {
        metaData: {
          id: 'f0e6c4a2-0000-4000-8000-000000000001',
          format: {provider: 'parquet', options: {}},
          schemaString: JSON.stringify({type: 'struct', fields: [{name: 'v', type: 'long', nullable: true, metadata: {}}]}),
          partitionColumns: [],
          configuration: {},
          createdTime: 1700000000000,
        },
      },
      {add: {path: outsider, partitionValues: {}, size: 10, modificationTime: 1700000000000, dataChange: true}},
    ]
    await facade.put({
      key: 'external/escaping/_delta_log/00000000000000000000.json',
      body: Buffer.from(commit.map((action) => JSON.stringify(action)).join('\n') + '\n'),
    })
    facade.destroy()
    const registered = await run(['catalog', 'register', 'shared.escaping', `s3://${s3.bucket}/external/escaping`, '--json'])
    expect(registered.code).to.equal(6)
    expect(registered.json.error.code).to.equal('INVALID_DATA')
    expect(registered.json.error.message).to.include('outside the table')
    expect(aws.tables.has('labmesh_shared/escaping')).to.equal(false)
  })

  it('doctor checks every service, exits 5 naming the fix when one fails, and prints least-privilege policies', async () => {
    const healthy = await run(['doctor', '--json'])
    expect(healthy.code, healthy.stdout).to.equal(0)
    const status = Object.fromEntries(healthy.json.checks.map((c: any) => [c.name, c.status]))
    expect(status).to.deep.equal({
      credentials: 'ok',
      bucket: 'ok',
      'bucket encryption': 'ok',
      'public access': 'ok',
      versioning: 'ok',
      'kms key': 'ok',
      postgresql: 'ok',
      'glue database': 'ok',
      athena: 'ok',
      node: 'ok',
    })

    aws.keys.set('alias/labmesh-test', {arn: TEST_KMS_ARN, state: 'Disabled'})
    s3.settings.versioning = 'Suspended'
    try {
      const failing = await run(['doctor', '--json'])
      expect(failing.code).to.equal(5)
      const byName = new Map<string, any>(failing.json.checks.map((c: any) => [c.name, c]))
      expect(byName.get('kms key').status).to.equal('fail')
      expect(byName.get('kms key').fix).to.be.a('string')
      expect(byName.get('versioning')).to.include({status: 'warn'})
      expect(byName.get('versioning').fix).to.include('put-bucket-versioning')
    } finally {
      aws.keys.set('alias/labmesh-test', {arn: TEST_KMS_ARN, state: 'Enabled'})
      s3.settings.versioning = 'Enabled'
    }

    const policy = await run(['doctor', '--policy', '--role', 'writer', '--json'])
    expect(policy.code, policy.stderr).to.equal(0)
    const statements = policy.json.Statement as any[]
    const allowed = (action: string) => statements.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource)
    expect(allowed('s3:PutObject')).to.deep.equal([`arn:aws:s3:::${s3.bucket}/team/*`])
    expect(allowed('s3:DeleteObject')).to.deep.equal([])
    expect(allowed('kms:GenerateDataKey')).to.have.length(1)
    expect(allowed('glue:CreateTable')).to.include('arn:aws:glue:us-east-1:123456789012:database/labmesh_*')
    const admin = await run(['doctor', '--policy', '--json'])
    expect(Object.keys(admin.json)).to.deep.equal(['reader', 'writer', 'admin'])
    expect(JSON.stringify(admin.json.reader)).to.not.include('s3:PutObject')
  })

  it('reports a file whose upload is denied and stores the rest: no record points at a missing object', async () => {
    const drop = ws.path('drop')
    mkdirSync(drop, {recursive: true})
    const kept = 'Well,Value\nA1,0.25\n'
    const refused = 'Well,Value\nA1,0.75\n'
    writeFileSync(path.join(drop, 'kept.csv'), kept)
    writeFileSync(path.join(drop, 'refused.csv'), refused)
    const sha = createHash('sha256').update(refused).digest('hex')
    s3.inject({
      method: 'PUT',
      path: new RegExp(`/raw/${sha.slice(0, 2)}/${sha}$`),
      error: {status: 403, code: 'AccessDenied', message: 'Access Denied'},
    })
    const ingested = await run(['ingest', drop, '--json'])
    expect(ingested.code).to.equal(6)
    expect(ingested.json.ingested).to.equal(1)
    expect(ingested.json.failed).to.have.length(1)
    expect(ingested.json.failed[0]).to.include({path: path.join(drop, 'refused.csv'), code: 'FORBIDDEN'})
    expect(ingested.json.failed[0].message).to.include('s3:PutObject')
    const listed = (await run(['files', 'list', '--json'])).json.files.map((f: any) => path.basename(f.sourcePath))
    expect(listed).to.include('kept.csv')
    expect(listed).to.not.include('refused.csv')
  })

  it('fails with FORBIDDEN (exit 4) naming the denied action, and UNAUTHORIZED without credentials', async () => {
    aws.denied.add('AWSGlue.GetTables')
    try {
      const denied = await run(['catalog', 'list', '--json'])
      expect(denied.code).to.equal(4)
      expect(denied.json.error.code).to.equal('FORBIDDEN')
      expect(denied.json.error.message).to.include('glue:GetTables')
    } finally {
      aws.denied.clear()
    }
    const anonymous = await ws.run(['catalog', 'list', '--profile', 'prod', '--json'], {
      env: {
        ...env,
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_CONFIG_FILE: ws.path('none'),
        AWS_SHARED_CREDENTIALS_FILE: ws.path('none'),
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    })
    expect(anonymous.code).to.equal(4)
    expect(anonymous.json.error.code).to.equal('UNAUTHORIZED')
  })
})
