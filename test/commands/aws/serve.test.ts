import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {once} from 'node:events'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {expect} from 'chai'
import pg from 'pg'

import {verifySignature} from '../../../src/webhooks/signature.js'
import {CONVERTED_EXPORTS} from '../../support/converted-workspace.js'
import {type AwsWorkspace, startAwsWorkspace} from '../../support/aws/workspace.js'
import {startReceiver} from '../../webhooks/receiver.js'

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/run.js')

/**
 * `labmesh serve` and `labmesh webhooks` on an aws profile, as a user runs them: the built CLI in
 * subprocesses; S3 real (s3rver), PostgreSQL real; Glue, STS, KMS, Athena and Secrets Manager
 * answered by the recording endpoint on 127.0.0.1 (AWS_ENDPOINT_URL_<SERVICE>) with the API
 * references' shapes. Queries run for real on DuckDB over the snapshots `convert` wrote to S3.
 */
describe("aws backend: serve (SQL over a key's tables) and webhook secrets in Secrets Manager", function () {
  this.timeout(300_000)
  let workspace: AwsWorkspace

  before(async () => {
    workspace = await startAwsWorkspace()
    const ingested = await workspace.run(['ingest', ...CONVERTED_EXPORTS, '--json'])
    expect(ingested.code, ingested.stderr).to.equal(0)
    const converted = await workspace.run(['convert', '--json'])
    expect(converted.code, converted.stderr).to.equal(0)
  })
  after(async () => {
    await workspace?.stop()
  })

  async function serve(): Promise<{url: string; child: ChildProcessWithoutNullStreams}> {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json', '--profile', 'prod'], {
      env: workspace.ws.env(workspace.env),
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const [line] = (await Promise.race([
      once(child.stdout, 'data'),
      once(child, 'exit').then(() => {
        throw new Error(`serve exited: ${stderr}`)
      }),
    ])) as [Buffer]
    return {url: (JSON.parse(line.toString().split('\n')[0]) as {url: string}).url, child}
  }

  it("answers /v1/query on DuckDB over the key's tables only (never Athena, which cannot hold a statement to them)", async () => {
    const created = await workspace.run(['keys', 'create', '--name', 'eln', '--scope', 'query,search', '--tables', 'lab.files', '--json'])
    expect(created.code, created.stderr).to.equal(0)
    const expected = await workspace.run([
      'query',
      'SELECT source_path, size FROM lab.files ORDER BY source_path',
      '--engine',
      'duckdb',
      '--json',
    ])
    expect(expected.code, expected.stderr).to.equal(0)
    const searched = await workspace.run(['search', 'plate', '--json'])
    expect(searched.code, searched.stderr).to.equal(0)
    expect(searched.json.total).to.be.greaterThan(0)
    workspace.aws.calls.length = 0
    const {url, child} = await serve()
    try {
      const headers = {authorization: `Bearer ${created.json.secret}`, 'content-type': 'application/json'}
      const post = (sql: string, params?: Record<string, unknown>, accept = 'application/json') =>
        fetch(`${url}/v1/query`, {method: 'POST', headers: {...headers, accept}, body: JSON.stringify({sql, params})})

      const tables = (await (await fetch(`${url}/v1/tables`, {headers})).json()) as {tables: {database: string; table: string}[]}
      expect(tables.tables.map((t) => `${t.database}.${t.table}`)).to.deep.equal(['lab.files'])
      const rows = await post('SELECT source_path, size FROM lab.files WHERE size > $min ORDER BY source_path', {min: 0})
      expect(rows.status, await rows.clone().text()).to.equal(200)
      expect(await rows.json()).to.deep.equal(expected.json.rows)
      const csv = await post('SELECT source_path FROM lab.files ORDER BY 1', undefined, 'text/csv')
      expect((await csv.text()).trim().split('\n')).to.have.length(CONVERTED_EXPORTS.length + 1)

      // A table outside the key's list does not exist for it, though it is in Glue and in S3.
      const other = await post('SELECT count(*) AS n FROM lab.plate_reader_measurement')
      expect(other.status).to.equal(404)
      expect(((await other.json()) as {error: {code: string}}).error.code).to.equal('NOT_FOUND')
      expect(workspace.aws.inputs('AmazonAthena.StartQueryExecution')).to.deep.equal([])
      // Search runs on PostgreSQL's index: the same total as `labmesh search` on the profile.
      const search = await fetch(`${url}/v1/files?q=plate`, {headers})
      expect(search.status, await search.clone().text()).to.equal(200)
      expect(((await search.json()) as {total: number}).total).to.equal(searched.json.total)
    } finally {
      child.kill('SIGTERM')
      expect((await once(child, 'exit'))[0]).to.equal(0)
    }
  })

  it('keeps a webhook signing secret in Secrets Manager, the row holding its ARN; signs with it; deletes it with the webhook', async () => {
    const receiver = await startReceiver()
    const db = new pg.Client({connectionString: workspace.databaseUrl})
    await db.connect()
    try {
      workspace.aws.calls.length = 0
      const added = await workspace.run(['webhooks', 'add', receiver.url, '--events', 'file.ingested', '--allow-private', '--json'])
      expect(added.code, added.stderr).to.equal(0)
      const {webhook, secret} = added.json as {webhook: {webhookId: string}; secret: string}
      const name = `labmesh/${workspace.s3.bucket}/webhooks/${webhook.webhookId}`
      const arn = workspace.aws.secretArn(name)
      const [create] = workspace.aws.inputs('secretsmanager.CreateSecret')
      expect(create).to.deep.include({Name: name, SecretString: secret, KmsKeyId: 'alias/labmesh-test'})
      expect(create.Tags).to.deep.equal([{Key: 'labmesh:webhook', Value: webhook.webhookId}])
      const {rows} = await db.query('SELECT * FROM webhooks')
      expect(rows).to.have.length(1)
      expect(rows[0]).to.include({secret_ref: arn, plaintext_secret: ''})
      expect(JSON.stringify(rows)).to.not.include(secret)

      const listed = await workspace.run(['webhooks', 'list', '--json'])
      expect(listed.stdout + listed.stderr).to.not.include(secret)

      // Another process signs with the secret it reads by ARN.
      const tested = await workspace.run(['webhooks', 'test', webhook.webhookId, '--json'])
      expect(tested.code, tested.stderr).to.equal(0)
      expect(tested.stdout + tested.stderr).to.not.include(secret)
      expect(workspace.aws.inputs('secretsmanager.GetSecretValue')).to.deep.equal([{SecretId: arn}])
      const got = receiver.received.at(-1)!
      expect(verifySignature(secret, got.body, String(got.headers['labmesh-signature']))).to.equal(true)

      const removed = await workspace.run(['webhooks', 'remove', webhook.webhookId, '--json'])
      expect(removed.code, removed.stderr).to.equal(0)
      expect(workspace.aws.inputs('secretsmanager.DeleteSecret')).to.deep.equal([{SecretId: arn, RecoveryWindowInDays: 7}])
      expect(workspace.aws.secrets.has(name)).to.equal(false)
    } finally {
      await db.end()
      await receiver.close()
    }
  })
})
