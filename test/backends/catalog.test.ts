import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {CreateTableCommand, GetDatabaseCommand, GetTableCommand, GlueClient} from '@aws-sdk/client-glue'
import {mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {createGlueCatalog} from '../../src/backends/aws/glue-catalog.js'
import {GlueFacade} from '../../src/backends/aws/glue.js'
import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Catalog, TableSchema} from '../../src/backends/types.js'
import type {LabmeshError} from '../../src/errors.js'
import {field} from '../../src/lake/delta/schema.js'
import {AwsEndpoint} from '../support/aws/aws-endpoint.js'
import {testClientConfig} from '../support/aws/clients.js'

const SCHEMA: TableSchema = {
  columns: [
    field('file_id', 'string'),
    field('reading', 'double'),
    field('plate', 'string'),
    field('tags', {type: 'array', elementType: 'string', containsNull: true}),
  ],
  partitionColumns: ['plate'],
}
const code = (error: unknown): string | undefined => (error as LabmeshError).code

/** What every catalog promises (src/backends/types.ts Catalog). */
function catalogContract(
  name: string,
  open: () => Promise<{catalog: Catalog; location: (table: string) => string; close(): Promise<void>}>,
): void {
  describe(`${name}: the catalog contract`, function () {
    this.timeout(60_000)
    let opened: Awaited<ReturnType<typeof open>>
    beforeEach(async () => {
      opened = await open()
    })
    afterEach(async () => {
      await opened.close()
    })

    it('registers, gets and lists tables; the same location again changes nothing; another one is CONFLICT unless replacing', async () => {
      const {catalog, location} = opened
      const entry = await catalog.register({database: 'lab', table: 'plates', location: location('plates'), managed: true}, SCHEMA)
      expect(entry).to.include({database: 'lab', table: 'plates', location: location('plates'), managed: true})
      await catalog.register({database: 'shared', table: 'assays', location: location('assays'), managed: false}, SCHEMA)
      expect(await catalog.get({database: 'lab', table: 'plates'})).to.include({location: location('plates'), managed: true})
      expect(await catalog.get({database: 'lab', table: 'nope'})).to.equal(undefined)
      expect(await catalog.get({database: 'nodb', table: 'plates'})).to.equal(undefined)
      expect((await catalog.list()).map((e) => `${e.database}.${e.table}`)).to.deep.equal(['lab.plates', 'shared.assays'])
      expect((await catalog.list('shared')).map((e) => e.table)).to.deep.equal(['assays'])
      expect(await catalog.list('nodb')).to.deep.equal([])

      const again = await catalog.register({database: 'lab', table: 'plates', location: location('plates'), managed: true}, SCHEMA)
      expect(again.registeredAt).to.equal(entry.registeredAt)
      const elsewhere = {database: 'lab', table: 'plates', location: location('elsewhere'), managed: false}
      expect(code(await catalog.register(elsewhere, SCHEMA).catch((e: unknown) => e))).to.equal('CONFLICT')
      await catalog.register(elsewhere, SCHEMA, {replace: true})
      expect(await catalog.get({database: 'lab', table: 'plates'})).to.include({location: location('elsewhere'), managed: false})
      await catalog.updateSchema({database: 'lab', table: 'plates'}, {...SCHEMA, columns: [...SCHEMA.columns, field('added', 'long')]})
    })

    it('managed tables live under the lake, by database and table', () => {
      expect(opened.catalog.managedLocation({database: 'lab', table: 'plates'})).to.equal(opened.location('lab/plates'))
    })
  })
}

catalogContract('local', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'labmesh-catalog-'))
  const backend = createLocalBackend({home})
  return {
    catalog: backend.catalog,
    location: (table) => path.join(home, 'lake', ...table.split('/')),
    async close() {
      await backend.close()
      rmSync(home, {recursive: true, force: true})
    },
  }
})

// The Glue catalog against the recording endpoint (Glue's JSON protocol and documented errors; no AWS account here).
let endpoint: AwsEndpoint
catalogContract('Glue', async () => {
  endpoint = await new AwsEndpoint().start()
  const glue = new GlueFacade(await testClientConfig(endpoint.endpoint))
  return {
    catalog: createGlueCatalog(glue, {databasePrefix: 'team_', lakeRoot: 's3://acme-lake/lake'}),
    location: (table) => `s3://acme-lake/lake/${table}`,
    async close() {
      glue.destroy()
      await endpoint.stop()
    },
  }
})

describe('Glue catalog requests', function () {
  this.timeout(60_000)
  let aws: AwsEndpoint
  let catalog: Catalog
  let glue: GlueFacade
  beforeEach(async () => {
    aws = await new AwsEndpoint().start()
    glue = new GlueFacade(await testClientConfig(aws.endpoint))
    catalog = createGlueCatalog(glue, {databasePrefix: 'team_', lakeRoot: 's3://acme-lake/lake'})
  })
  afterEach(async () => {
    glue.destroy()
    await aws.stop()
  })

  it('creates the database, then an external Delta table Athena reads: location, Hive column types, partition keys', async () => {
    await catalog.register({database: 'lab', table: 'plates', location: 's3://acme-lake/lake/lab/plates', managed: true}, SCHEMA)
    expect(aws.inputs('AWSGlue.CreateDatabase')).to.deep.equal([{DatabaseInput: {Name: 'team_lab', Description: 'labmesh database lab'}}])
    const [created] = aws.inputs('AWSGlue.CreateTable')
    expect(created.DatabaseName).to.equal('team_lab')
    expect(created.TableInput).to.deep.include({
      Name: 'plates',
      TableType: 'EXTERNAL_TABLE',
      PartitionKeys: [{Name: 'plate', Type: 'string'}],
    })
    expect(created.TableInput.Parameters).to.include({table_type: 'DELTA', EXTERNAL: 'TRUE', 'labmesh.managed': 'true'})
    expect(created.TableInput.StorageDescriptor).to.deep.include({
      Location: 's3://acme-lake/lake/lab/plates',
      Columns: [
        {Name: 'file_id', Type: 'string'},
        {Name: 'reading', Type: 'double'},
        {Name: 'tags', Type: 'array<string>'},
      ],
    })

    await catalog.updateSchema({database: 'lab', table: 'plates'}, {...SCHEMA, columns: [...SCHEMA.columns, field('gain', 'long')]})
    const [updated] = aws.inputs('AWSGlue.UpdateTable')
    expect(updated.TableInput.StorageDescriptor.Columns.at(-1)).to.deep.equal({Name: 'gain', Type: 'bigint'})
    expect(updated.TableInput.Parameters['labmesh.registered_at']).to.equal(created.TableInput.Parameters['labmesh.registered_at'])
  })

  it('refuses names Glue and Athena cannot keep, naming the name, before any request', async () => {
    for (const [ref, schema, bad] of [
      [{database: 'lab', table: 'Plates'}, SCHEMA, 'Plates'],
      [{database: 'lab', table: 'plate-reader'}, SCHEMA, 'plate-reader'],
      [{database: 'Lab', table: 'plates'}, SCHEMA, 'Lab'],
      [{database: 'lab', table: 'plates'}, {columns: [field('SampleId', 'string')], partitionColumns: [] as string[]}, 'SampleId'],
      [{database: 'lab', table: 'x'.repeat(256)}, SCHEMA, 'x'.repeat(256)],
    ] as Array<[{database: string; table: string}, TableSchema, string]>) {
      const error = (await catalog
        .register({...ref, location: 's3://acme-lake/x', managed: false}, schema)
        .catch((e: unknown) => e)) as LabmeshError
      expect(error.code, bad).to.equal('INVALID_INPUT')
      expect(error.message).to.include(bad)
    }
    expect(aws.calls).to.deep.equal([])
  })
})

describe('Glue errors (aws-sdk-client-mock)', () => {
  let glueMock: ReturnType<typeof mockClient>
  before(() => {
    glueMock = mockClient(GlueClient)
  })
  afterEach(() => glueMock.reset())
  after(() => glueMock.restore())

  it('maps AccessDeniedException to FORBIDDEN (exit 4) naming the action and the table', async () => {
    const awsFailure = (name: string, message: string) => Object.assign(new Error(message), {name, $metadata: {httpStatusCode: 400}})
    glueMock.on(GetTableCommand).rejects(awsFailure('EntityNotFoundException', 'Table plates not found.'))
    glueMock.on(GetDatabaseCommand).resolves({Database: {Name: 'lab'}})
    glueMock
      .on(CreateTableCommand)
      .rejects(awsFailure('AccessDeniedException', 'User: arn:aws:iam::123456789012:user/x is not authorized to perform: glue:CreateTable'))
    const catalog = createGlueCatalog(new GlueFacade({region: 'eu-west-1'} as never), {databasePrefix: '', lakeRoot: 's3://b/lake'})
    expect(await catalog.get({database: 'lab', table: 'plates'})).to.equal(undefined)
    const error = (await catalog
      .register({database: 'lab', table: 'plates', location: 's3://b/lake/lab/plates', managed: true}, SCHEMA)
      .catch((e: unknown) => e)) as LabmeshError
    expect(error.code).to.equal('FORBIDDEN')
    expect(error.exitCode).to.equal(4)
    expect(error.message).to.include('glue:CreateTable on arn:aws:glue:eu-west-1:*:table/lab/plates')
    expect(error.suggestions.join(' ')).to.include('labmesh doctor --policy')
    expect(glueMock.commandCalls(CreateTableCommand)[0].args[0].input).to.deep.include({DatabaseName: 'lab'})
  })
})
