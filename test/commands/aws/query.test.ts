import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {expect} from 'chai'

import type {CliResult, TestWorkspace} from '../../support/cli.js'
import {CONVERTED_EXPORTS} from '../../support/converted-workspace.js'
import type {AwsEndpoint} from '../../support/aws/aws-endpoint.js'
import {testS3Facade} from '../../support/aws/clients.js'
import type {TestS3} from '../../support/aws/s3-server.js'
import {type AwsWorkspace, startAwsWorkspace} from '../../support/aws/workspace.js'

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/run.js')

/**
 * `query` and `package pull` on an aws profile, as a user runs them: the built CLI in a
 * subprocess; Athena (and Glue, STS, KMS) answered by the recording endpoint on 127.0.0.1 with
 * the API reference's shapes (AWS_ENDPOINT_URL_ATHENA points the SDK at it); S3 real (s3rver);
 * PostgreSQL real. `--engine duckdb` runs for real over the tables `convert` wrote to S3, and is
 * compared with the local engine on the same exports converted in a local workspace.
 */
describe('aws backend: query with Athena, or DuckDB over the snapshots in S3', function () {
  this.timeout(300_000)
  let workspace: AwsWorkspace
  let s3: TestS3
  let aws: AwsEndpoint
  let ws: TestWorkspace
  let env: Record<string, string>
  const onAws = (args: string[]) => ws.run([...args, '--profile', 'prod'], {env})
  const started = () => aws.inputs('AmazonAthena.StartQueryExecution')

  before(async () => {
    workspace = await startAwsWorkspace((server) => [
      '--athena-workgroup',
      'analysts',
      '--athena-output',
      `s3://${server.bucket}/athena/`,
      '--athena-price-per-tb',
      '6.25',
    ])
    ;({s3, aws, ws, env} = workspace)
    for (const profile of [['--profile', 'prod'], []]) {
      const ingested = await ws.run(['ingest', ...CONVERTED_EXPORTS, '--json', ...profile], {env})
      expect(ingested.code, ingested.stderr).to.equal(0)
      const converted = await ws.run(['convert', '--json', ...profile], {env})
      expect(converted.code, converted.stderr).to.equal(0)
    }
  })
  after(async () => {
    await workspace?.stop()
  })
  beforeEach(() => {
    aws.calls.length = 0
  })

  it('runs the query in Athena: workgroup, SSE-KMS, Glue database, --param as ExecutionParameters, typed rows, cost', async () => {
    aws.athena.answers.push({
      bytesScanned: 2_500_000_000,
      columns: [
        {name: 'instrument', type: 'varchar'},
        {name: 'n', type: 'bigint'},
        {name: 'ok', type: 'boolean'},
      ],
      rows: [
        ['BMG', '96', 'true'],
        [undefined, '7', 'false'],
      ],
    })
    // Throttled once: the SDK's retry strategy sends the poll again.
    aws.athena.throttleOnce.add('GetQueryExecution')
    const result = await onAws([
      'query',
      'SELECT instrument, count(*) AS n, true AS ok FROM lab.files WHERE size > $min GROUP BY 1',
      '--param',
      'min=10',
      '--json',
    ])
    expect(result.code, result.stderr).to.equal(0)
    expect(started()).to.deep.equal([
      {
        QueryString: 'SELECT instrument, count(*) AS n, true AS ok FROM "labmesh_lab".files WHERE size > ? GROUP BY 1',
        WorkGroup: 'analysts',
        QueryExecutionContext: {Catalog: 'AwsDataCatalog', Database: 'labmesh_lab'},
        ResultConfiguration: {
          OutputLocation: `s3://${s3.bucket}/athena/`,
          EncryptionConfiguration: {EncryptionOption: 'SSE_KMS', KmsKey: 'alias/labmesh-test'},
        },
        ExecutionParameters: ['10'],
        ClientRequestToken: started()[0].ClientRequestToken,
      },
    ])
    expect(result.json.rows).to.deep.equal([
      {instrument: 'BMG', n: 96, ok: true},
      {instrument: null, n: 7, ok: false},
    ])
    expect(result.json.statistics).to.include({bytesScanned: 2_500_000_000, costEstimateUsd: 0.015625})
    expect(aws.inputs('AmazonAthena.GetQueryExecution').length).to.be.greaterThan(3)

    aws.athena.answers.push({bytesScanned: 1_000_000, columns: [{name: 'n', type: 'integer'}], rows: [['1']]})
    aws.calls.length = 0
    const shown = await onAws(['query', 'SELECT 1 AS n'])
    expect(shown.code, shown.stderr).to.equal(0)
    // The catalog is listed once, by the engine (its tables' names get the Glue prefix); rows shown or
    // piped write no file, so it is not listed again for the folders a file must stay out of.
    expect(aws.inputs('AWSGlue.GetDatabases')).to.have.length(1)
    // Rows went down the pipe as CSV; what the scan cost is on stderr, out of their way.
    expect(shown.stdout).to.equal('n\n1\n')
    expect(shown.stderr).to.match(/Scanned 976\.6 KiB, about USD 0\.0001 \(Athena query [0-9a-f-]{36}\)\./)
  })

  it('--json returns every row of an Athena result read over several pages; --limit cuts it and says so', async () => {
    // 2,500 rows: three GetQueryResults pages of at most 1,000 (the API's largest), far past the table view's 100.
    const rows = Array.from({length: 2500}, (_, i) => [String(i)])
    const answer = () => ({bytesScanned: 10_000_000, columns: [{name: 'n', type: 'integer'}], rows})
    aws.athena.answers.push(answer())
    const all = await onAws(['query', 'SELECT size AS n FROM lab.files', '--json'])
    expect(all.code, all.stderr).to.equal(0)
    expect(all.json.rows.map((r: any) => r.n)).to.deep.equal(rows.map((_, i) => i))
    expect(all.json).to.include({rowCount: 2500, truncated: false, complete: true})
    expect(all.json.statistics).to.include({bytesScanned: 10_000_000})
    expect(aws.inputs('AmazonAthena.GetQueryResults').length).to.be.at.least(3)

    aws.athena.answers.push(answer())
    const cut = await onAws(['query', 'SELECT size AS n FROM lab.files', '--limit', '1200', '--json'])
    expect(cut.code, cut.stderr).to.equal(0)
    expect(cut.json.rows).to.have.length(1200)
    expect(cut.json).to.include({rowCount: 1200, truncated: true, complete: false})
    expect(cut.json.warnings.map((w: any) => w.message).join('\n')).to.include('--limit')

    // Down a pipe too: every row, as CSV.
    aws.athena.answers.push(answer())
    const piped = await onAws(['query', 'SELECT size AS n FROM lab.files'])
    expect(piped.code, piped.stderr).to.equal(0)
    expect(piped.stdout.trimEnd().split('\n')).to.have.length(2501)
  })

  it('writes a data package from the result CSV in S3, recording the execution id, bytes scanned and engine', async () => {
    const facade = await testS3Facade(s3)
    aws.athena.answers.push({
      bytesScanned: 42_000_000,
      columns: [
        {name: 'file_id', type: 'varchar'},
        {name: 'size', type: 'bigint'},
      ],
      async onStart(id) {
        await facade.put({key: `athena/${id}.csv`, body: Buffer.from('"file_id","size"\n"a","10"\n"b",\n')})
      },
    })
    const pulled = await onAws(['package', 'pull', 'lab.files', '--columns', 'file_id,size', '--out', ws.path('pkg'), '--json'])
    facade.destroy()
    expect(pulled.code, pulled.stderr).to.equal(0)
    expect(started()[0].QueryString).to.equal('SELECT "file_id", "size" FROM "labmesh_lab"."files"')
    const descriptor = JSON.parse(readFileSync(ws.path('pkg', 'datapackage.json'), 'utf8'))
    expect(descriptor.labmesh).to.include({engine: 'Amazon Athena (workgroup analysts)', bytesScanned: 42_000_000, rows: 2, backend: 'aws'})
    expect(descriptor.labmesh.queryExecutionId).to.equal(pulled.json.statistics.executionId)
    expect(readFileSync(ws.path('pkg', 'files.csv'), 'utf8')).to.equal('file_id,size\na,10\nb,\n')
    // Writing a package lists the catalog, to keep the package out of every table's folder.
    expect(aws.inputs('AWSGlue.GetDatabases')).to.not.deep.equal([])
  })

  it('refuses writes and --as-of without sending anything, and reports a Lake Formation denial by permission and table', async () => {
    const ddl = await onAws(['query', 'DROP TABLE lab.files', '--json'])
    expect(ddl.code).to.equal(4)
    expect(ddl.json.error.code).to.equal('FORBIDDEN')
    const asOf = await onAws(['query', 'SELECT * FROM lab.files', '--as-of', 'lab.files=0'])
    expect(asOf.code).to.equal(5)
    expect(asOf.stderr).to.include('--engine duckdb')
    expect(started()).to.deep.equal([])

    aws.athena.answers.push({
      states: ['RUNNING', 'FAILED'],
      reason: 'Insufficient Lake Formation permission(s): Required Select on labmesh_lab.files',
    })
    const denied = await onAws(['query', 'SELECT * FROM lab.files'])
    expect(denied.code).to.equal(4)
    expect(denied.stderr).to.include('SELECT on labmesh_lab.files is missing')
  })

  it('stops the Athena query on Ctrl-C and exits 130', async () => {
    aws.athena.answers.push({states: ['RUNNING']})
    const child = spawn(process.execPath, [BIN, 'query', 'SELECT * FROM lab.files', '--profile', 'prod'], {env: ws.env(env)})
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    for (let i = 0; i < 600 && aws.inputs('AmazonAthena.GetQueryExecution').length === 0; i++) await new Promise((r) => setTimeout(r, 50))
    child.kill('SIGINT')
    expect(await exited, stderr).to.equal(130)
    expect(aws.inputs('AmazonAthena.StopQueryExecution')).to.have.length(1)
    expect(aws.inputs('AmazonAthena.StopQueryExecution')[0].QueryExecutionId).to.equal([...aws.athena.queries.keys()].at(-1))
  })

  it("doctor warns when the workgroup enforces an output location other than the profile's, and shows its scan limit", async () => {
    const healthy = await onAws(['doctor', '--json'])
    const athena = () => healthy.json.checks.find((c: any) => c.name === 'athena')
    expect(athena()).to.include({
      status: 'ok',
      detail: `workgroup analysts (Athena engine version 3), results in s3://${s3.bucket}/athena/`,
    })
    const saved = aws.workGroupConfiguration
    aws.workGroupConfiguration = {
      ResultConfiguration: {OutputLocation: `s3://${s3.bucket}/enforced/`},
      EnforceWorkGroupConfiguration: true,
      BytesScannedCutoffPerQuery: 10 * 2 ** 30,
    }
    try {
      const enforced = await onAws(['doctor', '--json'])
      const check = enforced.json.checks.find((c: any) => c.name === 'athena')
      expect(check.status).to.equal('warn')
      expect(check.fix).to.include(`--athena-output s3://${s3.bucket}/enforced/`)
      aws.workGroupConfiguration = {...aws.workGroupConfiguration, ResultConfiguration: {OutputLocation: `s3://${s3.bucket}/athena/`}}
      const limited = await onAws(['doctor', '--json'])
      expect(limited.json.checks.find((c: any) => c.name === 'athena').detail).to.include('at most 10.0 GiB scanned per query')
    } finally {
      aws.workGroupConfiguration = saved
    }
  })

  it("--engine duckdb reads the snapshots from S3: the local engine's results, --as-of included, and a second run downloads nothing", async () => {
    const sql = 'SELECT source_path, size, version, status FROM lab.files ORDER BY source_path'
    const measurement =
      'SELECT count(*) AS n, round(sum(fluorescence), 6) AS fluorescence, round(sum(luminescence), 6) AS luminescence FROM lab.plate_reader_measurement'
    const compare = async (args: string[]): Promise<CliResult> => {
      const local = await ws.run([...args, '--json'], {env})
      // A cache of its own: convert left the files it wrote in the profile's cache.
      const remote = await ws.run([...args, '--engine', 'duckdb', '--json', '--profile', 'prod'], {
        env: {...env, LABMESH_CACHE_DIR: ws.path('query-cache')},
      })
      expect(local.code, local.stderr + local.stdout).to.equal(0)
      expect(remote.code, remote.stderr + remote.stdout).to.equal(0)
      expect(remote.json.rows).to.deep.equal(local.json.rows)
      return remote
    }
    const dataGets = () => s3.matching('GET', /\.parquet$/).length
    const first = await compare(['query', sql])
    expect(first.json.rows).to.have.length(CONVERTED_EXPORTS.length)
    expect(dataGets()).to.be.greaterThan(0)
    const measured = await compare(['query', measurement])
    expect(measured.json.rows[0].n).to.be.greaterThan(0)
    // Version 1 is lab.files as ingest left it, before convert.
    const asOf = await compare(['query', sql, '--as-of', 'lab.files=1'])
    expect(asOf.json.rows.map((r: any) => r.status)).to.deep.equal(CONVERTED_EXPORTS.map(() => 'ingested'))
    expect(first.json.rows.map((r: any) => r.status)).to.deep.equal(CONVERTED_EXPORTS.map(() => 'converted'))
    expect(started()).to.deep.equal([])

    const before = dataGets()
    await compare(['query', sql])
    await compare(['query', measurement])
    expect(dataGets() - before).to.equal(0)
  })
})
