import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetWorkGroupCommand,
  type QueryExecution,
  type ResultSet,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {AthenaFacade} from '../../../src/backends/aws/athena.js'
import {createAthenaQueryEngine} from '../../../src/backends/aws/athena-engine.js'
import {createGlueCatalog} from '../../../src/backends/aws/glue-catalog.js'
import {GlueFacade} from '../../../src/backends/aws/glue.js'
import type {S3Facade} from '../../../src/backends/aws/s3.js'
import type {QueryEngine, QueryProgress, QueryRequest, QueryValue} from '../../../src/backends/types.js'
import type {LabmeshError} from '../../../src/errors.js'
import {quoteLiteral, withConnection} from '../../../src/lake/duckdb.js'
import {AwsEndpoint} from '../../support/aws/aws-endpoint.js'
import {testClientConfig, testS3Facade} from '../../support/aws/clients.js'
import {TestS3} from '../../support/aws/s3-server.js'

/**
 * The Athena query engine at Athena's request/response contract: Athena answered by
 * aws-sdk-client-mock with the shapes of the Athena API reference (StartQueryExecution,
 * GetQueryExecution's Status and Statistics, GetQueryResults' ResultSet pages), the Glue catalog
 * by the recording endpoint, and S3 real (s3rver) for the result CSV and UNLOAD's Parquet files.
 */
describe('Athena query engine', function () {
  this.timeout(60_000)
  // The mock patches every AthenaClient in this process: made when this file runs, restored after it.
  const mock = () => mockClient(AthenaClient)
  let athenaMock: ReturnType<typeof mock>
  let s3: TestS3
  let aws: AwsEndpoint
  let facade: S3Facade
  let engine: QueryEngine
  let athena: AthenaFacade
  let tempDir: string

  const column = (Name: string, Type: string) => ({Name, Label: Name, Type, CatalogName: 'hive', Nullable: 'UNKNOWN' as const})
  const execution = (id: string, State: string, extra: Partial<QueryExecution> = {}): {QueryExecution: QueryExecution} => ({
    QueryExecution: {
      QueryExecutionId: id,
      StatementType: 'DML',
      WorkGroup: 'analysts',
      Status: {State: State as 'QUEUED'},
      Statistics: {DataScannedInBytes: State === 'SUCCEEDED' ? 123_456_789 : 1024},
      ResultConfiguration: {OutputLocation: `s3://labmesh-test/athena/${id}.csv`},
      ...extra,
    },
  })
  const page = (columns: ReturnType<typeof column>[], rows: (string | undefined)[][]): ResultSet => ({
    ResultSetMetadata: {ColumnInfo: columns},
    Rows: rows.map((row) => ({Data: row.map((v) => (v === undefined ? {} : {VarCharValue: v}))})),
  })
  const failure = async (work: () => Promise<unknown>): Promise<LabmeshError> => {
    try {
      await work()
    } catch (error) {
      return error as LabmeshError
    }
    throw new Error('expected a failure')
  }
  const collect = (request: QueryRequest) =>
    engine.query(request, async (rows) => {
      const all: QueryValue[][] = []
      for await (const chunk of rows) all.push(...chunk)
      return {columns: rows.columns, rows: all, statistics: rows.statistics, kind: rows.kind}
    })
  const started = () => athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input)

  before(() => (athenaMock = mock()))
  before(async () => {
    s3 = await new TestS3().start()
    aws = await new AwsEndpoint().start()
    aws.databases.set('labmesh_lab', {Name: 'labmesh_lab', CreateTime: 0})
    for (const name of ['files', 'plate_reader_measurement']) {
      aws.tables.set(`labmesh_lab/${name}`, {
        Name: name,
        DatabaseName: 'labmesh_lab',
        CreateTime: 0,
        UpdateTime: 0,
        TableType: 'EXTERNAL_TABLE',
        Parameters: {table_type: 'DELTA', 'labmesh.managed': 'true'},
        StorageDescriptor: {Location: `s3://labmesh-test/lake/lab/${name}`},
      })
    }
    facade = await testS3Facade(s3)
    const config = await testClientConfig(aws.endpoint)
    athena = new AthenaFacade(config)
    tempDir = mkdtempSync(path.join(tmpdir(), 'labmesh-athena-'))
    engine = createAthenaQueryEngine({
      athena,
      s3: facade,
      catalog: createGlueCatalog(new GlueFacade(config), {databasePrefix: 'labmesh_', lakeRoot: 's3://labmesh-test/lake'}),
      workGroup: 'analysts',
      databasePrefix: 'labmesh_',
      outputLocation: 's3://labmesh-test/athena/',
      kmsKeyId: 'alias/labmesh-test',
      pricePerTb: 5,
      tempDir,
      poll: {firstMs: 1, maxMs: 5},
    })
  })
  beforeEach(() => athenaMock.reset())
  after(async () => {
    athenaMock.restore()
    athena.destroy()
    facade.destroy()
    await s3.stop()
    await aws.stop()
    rmSync(tempDir, {recursive: true, force: true})
  })

  it('starts the query in the workgroup with SSE-KMS results and the Glue database as context, $params as ExecutionParameters', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({QueryExecutionId: 'q-1'})
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolvesOnce(execution('q-1', 'QUEUED'))
      .resolvesOnce(execution('q-1', 'RUNNING'))
      .resolves(execution('q-1', 'SUCCEEDED'))
    const columns = [column('instrument', 'varchar'), column('n', 'bigint'), column('mean', 'double'), column('at', 'timestamp')]
    athenaMock
      .on(GetQueryResultsCommand, {QueryExecutionId: 'q-1'})
      .resolvesOnce({
        ResultSet: page(columns, [
          ['instrument', 'n', 'mean', 'at'],
          ["it's", '3', '0.5', '2024-05-01 12:00:00.123'],
        ]),
        NextToken: 'page-2',
      })
      .resolvesOnce({ResultSet: page(columns, [[undefined, '9007199254740993', 'NaN', undefined]])})
    const progress: QueryProgress[] = []
    const result = await collect({
      sql: 'SELECT instrument, count(*) AS n, avg(od) AS mean, max(at) AS at FROM lab.plate_reader_measurement JOIN lab.files USING (file_id) WHERE name = $name AND size > $min -- $ignored\n',
      params: {name: "it's'; DROP TABLE x --", min: '1000'},
      onProgress: (p) => progress.push(p),
    })
    expect(started()).to.deep.equal([
      {
        QueryString:
          'SELECT instrument, count(*) AS n, avg(od) AS mean, max(at) AS at FROM "labmesh_lab".plate_reader_measurement JOIN "labmesh_lab".files USING (file_id) WHERE name = ? AND size > ?',
        WorkGroup: 'analysts',
        QueryExecutionContext: {Catalog: 'AwsDataCatalog', Database: 'labmesh_lab'},
        ResultConfiguration: {
          OutputLocation: 's3://labmesh-test/athena/',
          EncryptionConfiguration: {EncryptionOption: 'SSE_KMS', KmsKey: 'alias/labmesh-test'},
        },
        ExecutionParameters: ["'it''s''; DROP TABLE x --'", '1000'],
      },
    ])
    // Paged with the token Athena gave; the header row of the first page dropped; values typed by the metadata.
    expect(athenaMock.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken)).to.deep.equal([undefined, 'page-2'])
    expect(result.columns.map((c) => `${c.name}:${c.type}`)).to.deep.equal([
      'instrument:varchar',
      'n:bigint',
      'mean:double',
      'at:timestamp',
    ])
    expect(result.rows).to.deep.equal([
      ["it's", 3, 0.5, '2024-05-01T12:00:00.123000'],
      [null, '9007199254740993', null, null],
    ])
    expect(result.statistics).to.deep.equal({executionId: 'q-1', bytesScanned: 123_456_789, costEstimateUsd: 0.000617})
    expect(progress.map((p) => p.state)).to.deep.equal(['QUEUED', 'RUNNING', 'SUCCEEDED'])
    expect(progress[1].bytesScanned).to.equal(1024)
  })

  it('refuses statements that write (DDL, INSERT, CTAS, UNLOAD), --as-of, a principal and a table list before anything is sent to Athena', async () => {
    const refused: [string, string][] = [
      ['CREATE TABLE x AS SELECT * FROM lab.files', 'FORBIDDEN'],
      ['INSERT INTO lab.files SELECT * FROM lab.files', 'FORBIDDEN'],
      ["UNLOAD (SELECT 1) TO 's3://elsewhere/' WITH (format = 'PARQUET')", 'FORBIDDEN'],
      ['DROP TABLE lab.files', 'FORBIDDEN'],
      ['EXPLAIN DELETE FROM lab.files', 'FORBIDDEN'],
      ['SELECT 1; DROP TABLE lab.files', 'INVALID_INPUT'],
      ['SELECT * FROM lab.files WHERE size > ?', 'USAGE'],
    ]
    for (const [sql, code] of refused) expect((await failure(() => collect({sql}))).code, sql).to.equal(code)
    const asOf = await failure(() => collect({sql: 'SELECT * FROM lab.files', asOf: {'lab.files': {version: 3}}}))
    expect(asOf.code).to.equal('UNSUPPORTED')
    expect(asOf.suggestions.join(' ')).to.include('--engine duckdb')
    // A principal's grants cannot be enforced by Athena: it is refused, never run as the caller.
    expect((await failure(() => collect({sql: 'SELECT * FROM lab.files', principal: 'partner:acme'}))).code).to.equal('UNSUPPORTED')
    // Nor can it hold a statement to an API key's tables: refused, never run over every table.
    expect((await failure(() => collect({sql: 'SELECT * FROM lab.files', tables: ['lab.files']}))).code).to.equal('UNSUPPORTED')
    expect(athenaMock.calls()).to.have.length(0)
  })

  it("turns a failed query's state-change reason into the error: Lake Formation denials name the permission and table", async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({QueryExecutionId: 'q-2'})
    athenaMock.on(GetQueryExecutionCommand).resolves(
      execution('q-2', 'FAILED', {
        Status: {
          State: 'FAILED',
          StateChangeReason: 'Insufficient Lake Formation permission(s): Required Select on labmesh_lab.plate_reader_measurement',
          AthenaError: {ErrorCategory: 2, ErrorType: 1007, Retryable: false, ErrorMessage: undefined},
        },
      }),
    )
    const denied = await failure(() => collect({sql: 'SELECT * FROM lab.plate_reader_measurement'}))
    expect(denied.code).to.equal('FORBIDDEN')
    expect(denied.message).to.include('SELECT on labmesh_lab.plate_reader_measurement')

    athenaMock.on(GetQueryExecutionCommand).resolves(
      execution('q-2', 'FAILED', {
        Status: {
          State: 'FAILED',
          StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'odd' cannot be resolved",
          AthenaError: {ErrorCategory: 2},
        },
      }),
    )
    const wrong = await failure(() => collect({sql: 'SELECT odd FROM lab.files'}))
    expect(wrong.code).to.equal('INVALID_INPUT')
    expect(wrong.message).to.include("line 1:8: Column 'odd' cannot be resolved")
  })

  it('stops the query with StopQueryExecution when the request is aborted, and reports CANCELLED', async () => {
    const controller = new AbortController()
    athenaMock.on(StartQueryExecutionCommand).resolves({QueryExecutionId: 'q-3'})
    athenaMock.on(GetQueryExecutionCommand).callsFake(() => {
      controller.abort()
      return execution('q-3', 'RUNNING')
    })
    athenaMock.on(StopQueryExecutionCommand).resolves({})
    const error = await failure(() => collect({sql: 'SELECT * FROM lab.files', signal: controller.signal}))
    expect(error.code).to.equal('CANCELLED')
    expect(athenaMock.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).to.deep.equal([{QueryExecutionId: 'q-3'}])
  })

  it('asks for no further result page once the request is aborted', async () => {
    const controller = new AbortController()
    athenaMock.on(StartQueryExecutionCommand).resolves({QueryExecutionId: 'q-7'})
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('q-7', 'SUCCEEDED'))
    const columns = [column('n', 'integer')]
    athenaMock
      .on(GetQueryResultsCommand)
      .resolvesOnce({ResultSet: page(columns, [['n'], ['1']]), NextToken: 'page-2'})
      .resolves({ResultSet: page(columns, [['2']]), NextToken: 'page-3'})
    const seen: QueryValue[][] = []
    const error = await failure(() =>
      engine.query({sql: 'SELECT n FROM lab.files', signal: controller.signal}, async (rows) => {
        for await (const chunk of rows) {
          seen.push(...chunk)
          controller.abort()
        }
      }),
    )
    expect(error.code).to.equal('CANCELLED')
    expect(seen).to.deep.equal([[1]])
    expect(athenaMock.commandCalls(GetQueryResultsCommand)).to.have.length(1)
  })

  it('with a scan limit, refuses a query whose EXPLAIN (TYPE IO) estimate exceeds it, and stops one that scans past it', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({QueryExecutionId: 'explain-1'})
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('explain-1', 'SUCCEEDED', {StatementType: 'UTILITY'}))
    const plan = JSON.stringify({
      inputTableColumnInfos: [
        {
          table: {catalog: 'awsdatacatalog', schemaTable: {schema: 'labmesh_lab', table: 'files'}},
          estimate: {outputRowCount: 1e6, outputSizeInBytes: 12e9},
        },
      ],
      estimate: {outputRowCount: 1e6, outputSizeInBytes: 12e9},
    })
    athenaMock.on(GetQueryResultsCommand).resolves({ResultSet: page([column('Query Plan', 'varchar')], [[plan]])})
    const refused = await failure(() => collect({sql: 'SELECT * FROM lab.files WHERE size > $min', params: {min: 5}, maxScanBytes: 10e9}))
    expect(refused.code).to.equal('INVALID_INPUT')
    expect(refused.message).to.include('would scan about 11.2 GiB')
    expect(started()).to.have.length(1)
    expect(started()[0]).to.include({QueryString: 'EXPLAIN (TYPE IO, FORMAT JSON) SELECT * FROM "labmesh_lab".files WHERE size > ?'})
    expect(started()[0].ExecutionParameters).to.deep.equal(['5'])

    // No estimate (Athena gives NaN for unknown sizes): the query runs, and is stopped once it has scanned more.
    athenaMock.reset()
    athenaMock.on(StartQueryExecutionCommand).resolvesOnce({QueryExecutionId: 'explain-2'}).resolves({QueryExecutionId: 'q-4'})
    athenaMock
      .on(GetQueryExecutionCommand, {QueryExecutionId: 'explain-2'})
      .resolves(execution('explain-2', 'SUCCEEDED', {StatementType: 'UTILITY'}))
    athenaMock.on(GetQueryResultsCommand, {QueryExecutionId: 'explain-2'}).resolves({
      ResultSet: page([column('Query Plan', 'varchar')], [['{"inputTableColumnInfos":[{"estimate":{"outputSizeInBytes":"NaN"}}]}']]),
    })
    athenaMock
      .on(GetQueryExecutionCommand, {QueryExecutionId: 'q-4'})
      .resolves(execution('q-4', 'RUNNING', {Statistics: {DataScannedInBytes: 11e9}}))
    athenaMock.on(StopQueryExecutionCommand).resolves({})
    const stopped = await failure(() => collect({sql: 'SELECT * FROM lab.files', maxScanBytes: 10e9}))
    expect(stopped.message).to.include('had scanned')
    expect(athenaMock.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input.QueryExecutionId)).to.deep.equal(['q-4'])
  })

  it('streams a CSV export from the result object Athena left in S3, NULL apart from the empty string', async () => {
    await facade.put({
      key: 'athena/q-5.csv',
      body: Buffer.from('"name","n","note"\n"a,b","1",""\n"c","2",\n'),
    })
    athenaMock.on(StartQueryExecutionCommand).resolves({QueryExecutionId: 'q-5'})
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('q-5', 'SUCCEEDED'))
    const columns = [column('name', 'varchar'), column('n', 'integer'), column('note', 'varchar')]
    athenaMock.on(GetQueryResultsCommand).resolves({ResultSet: page(columns, [['name', 'n', 'note']])})
    const out = path.join(tempDir, 'result.jsonl')
    const exported = await engine.export({sql: 'SELECT * FROM lab.files'}, {path: out, format: 'jsonl'})
    expect(exported.rows).to.equal(2)
    expect(exported.statistics?.executionId).to.equal('q-5')
    expect(
      readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).to.deep.equal([
      {name: 'a,b', n: 1, note: ''},
      {name: 'c', n: 2, note: null},
    ])
    // The column types came from one small GetQueryResults page; the rows from S3.
    expect(athenaMock.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.MaxResults)).to.deep.equal([1])
  })

  it('writes Parquet by UNLOAD to a temporary prefix under the output location, merges its files, and deletes the prefix', async () => {
    const parts = [path.join(tempDir, 'part-0.parquet'), path.join(tempDir, 'part-1.parquet')]
    await withConnection(async (connection) => {
      await connection.run(`COPY (SELECT range AS n, 'a' || range AS s FROM range(3)) TO ${quoteLiteral(parts[0])} (FORMAT parquet)`)
      await connection.run(`COPY (SELECT range AS n, 'b' || range AS s FROM range(3, 5)) TO ${quoteLiteral(parts[1])} (FORMAT parquet)`)
    })
    let prefix = ''
    athenaMock.on(StartQueryExecutionCommand).callsFake(async (input: {QueryString: string}) => {
      prefix = /TO '(s3:\/\/[^']+)'/.exec(input.QueryString)![1]
      const key = prefix.replace('s3://labmesh-test/', '')
      for (const [i, part] of parts.entries()) await facade.put({key: `${key}part-${i}`, body: readFileSync(part)})
      return {QueryExecutionId: 'q-6'}
    })
    athenaMock.on(GetQueryExecutionCommand).resolves(execution('q-6', 'SUCCEEDED', {ResultConfiguration: {}}))
    const out = path.join(tempDir, 'result.parquet')
    const exported = await engine.export(
      {sql: 'SELECT n, s FROM lab.files WHERE n < $max', params: {max: 10}},
      {path: out, format: 'parquet'},
    )
    expect(started()[0].QueryString).to.match(
      /^UNLOAD \(SELECT n, s FROM "labmesh_lab"\.files WHERE n < \?\) TO 's3:\/\/labmesh-test\/athena\/labmesh-unload\/[0-9a-f-]{36}\/' WITH \(format = 'PARQUET', compression = 'SNAPPY'\)$/,
    )
    expect(started()[0].ExecutionParameters).to.deep.equal(['10'])
    expect(exported.rows).to.equal(5)
    const values = await withConnection(async (connection) =>
      (await connection.runAndReadAll(`SELECT s FROM read_parquet(${quoteLiteral(out)}) ORDER BY n`)).getRows().map((r) => r[0]),
    )
    expect(values).to.deep.equal(['a0', 'a1', 'a2', 'b3', 'b4'])
    const left: string[] = []
    for await (const object of facade.list(prefix.replace('s3://labmesh-test/', ''))) left.push(object.key)
    expect(left).to.deep.equal([])
  })

  it("reads the output location and its enforcement from GetWorkGroup's configuration", async () => {
    athenaMock.on(GetWorkGroupCommand).resolves({
      WorkGroup: {
        Name: 'primary',
        Configuration: {ResultConfiguration: {OutputLocation: 's3://labmesh-test/wg/'}, EnforceWorkGroupConfiguration: true},
      },
    })
    const facts = await athena.workGroup('primary')
    expect(facts).to.include({outputLocation: 's3://labmesh-test/wg/', enforced: true})
  })
})
