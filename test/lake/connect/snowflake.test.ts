import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import type {Backend, CatalogEntry} from '../../../src/backends/types.js'
import {LabmeshError} from '../../../src/errors.js'
import {connectSnowflake, identifier, literal, refreshSnowflake, snowflakeStatements} from '../../../src/lake/connect/snowflake.js'
import type {SnowflakeSdk} from '../../../src/lake/connect/snowflake-session.js'

/**
 * Snowflake cannot run here: a fake of snowflake-sdk at the interface labmesh uses (createConnection,
 * connectAsync, execute with its callback, destroy) records what is sent and answers as the driver
 * does, errors included. The catalog entries are those Glue would list (Glue cannot run here either;
 * the CLI test in test/commands/aws/connect.test.ts reads them from the recording Glue endpoint).
 */
const ENTRIES: CatalogEntry[] = ['files', 'plate_reader_measurement'].map((table) => ({
  database: 'lab',
  table,
  location: `s3://acme-lake/team/lake/lab/${table}`,
  managed: true,
  registeredAt: '2026-11-30T00:00:00Z',
}))

class FakeSnowflake implements SnowflakeSdk {
  readonly options: Array<Record<string, unknown>> = []
  readonly sent: string[] = []
  destroyed = 0
  refuse?: {sql: RegExp; message: string}
  refuseSignIn?: string

  createConnection(options: Record<string, unknown>) {
    this.options.push(options)
    return {
      connectAsync: async () => {
        if (this.refuseSignIn) throw new Error(this.refuseSignIn)
        return {}
      },
      execute: ({
        sqlText,
        complete,
      }: {
        sqlText: string
        complete: (err: {message: string} | undefined, stmt: unknown, rows?: unknown[]) => void
      }) => {
        this.sent.push(sqlText)
        setImmediate(() =>
          this.refuse?.sql.test(sqlText) ? complete({message: this.refuse.message}, {}) : complete(undefined, {}, [{status: 'ok'}]),
        )
        return {}
      },
      destroy: (callback: (err: unknown) => void) => {
        this.destroyed++
        callback(undefined)
      },
    }
  }
}

describe('catalog connect snowflake: the statements and the session', () => {
  let dir: string
  let keyFile: string
  const backend = {
    name: 'aws',
    warehouse: {readSecret: async () => 'PEM FROM SECRET'},
    catalog: {list: async () => ENTRIES},
  } as unknown as Backend
  const request = () => ({
    signIn: {account: 'myorg-lab', user: 'LABMESH', database: 'lab', role: 'LAB_LOADER', warehouse: 'wh', privateKeyFile: keyFile},
    schema: 'lake',
    externalVolume: 'LAB_LAKE',
    volumeUrl: 's3://acme-lake/',
    catalogIntegration: 'LABMESH_DELTA',
    lakeDatabase: 'lab',
    dryRun: false,
  })
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'labmesh-snowflake-'))
    keyFile = path.join(dir, 'key.p8')
    writeFileSync(keyFile, '-----BEGIN PRIVATE KEY-----\nTEST\n-----END PRIVATE KEY-----\n')
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('writes the catalog integration, the schema, and an Iceberg table over each table folder, quoted as Snowflake resolves names', () => {
    expect(snowflakeStatements(request(), ENTRIES)).to.deep.equal([
      'CREATE CATALOG INTEGRATION IF NOT EXISTS "LABMESH_DELTA" CATALOG_SOURCE = OBJECT_STORE TABLE_FORMAT = DELTA ENABLED = TRUE',
      'CREATE SCHEMA IF NOT EXISTS "LAB"."LAKE"',
      `CREATE ICEBERG TABLE IF NOT EXISTS "LAB"."LAKE"."FILES" EXTERNAL_VOLUME = 'LAB_LAKE' CATALOG = 'LABMESH_DELTA' BASE_LOCATION = 'team/lake/lab/files/' COMMENT = 'labmesh lab.files'`,
      'ALTER ICEBERG TABLE "LAB"."LAKE"."FILES" REFRESH',
      `CREATE ICEBERG TABLE IF NOT EXISTS "LAB"."LAKE"."PLATE_READER_MEASUREMENT" EXTERNAL_VOLUME = 'LAB_LAKE' CATALOG = 'LABMESH_DELTA' BASE_LOCATION = 'team/lake/lab/plate_reader_measurement/' COMMENT = 'labmesh lab.plate_reader_measurement'`,
      'ALTER ICEBERG TABLE "LAB"."LAKE"."PLATE_READER_MEASUREMENT" REFRESH',
    ])
    expect(identifier('My "odd" schema')).to.equal('"My ""odd"" schema"')
    expect(literal(`vol'; DROP TABLE x; --\\`)).to.equal(`'vol\\'; DROP TABLE x; --\\\\'`)
    const outside = () => snowflakeStatements({...request(), volumeUrl: 's3://other-bucket/'}, ENTRIES)
    expect(outside).to.throw(LabmeshError, /outside the external volume/)
  })

  it('signs in with key-pair authentication and runs every statement in order, then closes the session', async () => {
    const fake = new FakeSnowflake()
    const result = await connectSnowflake(backend, request(), fake)
    expect(fake.options).to.deep.equal([
      {
        account: 'myorg-lab',
        username: 'LABMESH',
        authenticator: 'SNOWFLAKE_JWT',
        privateKey: '-----BEGIN PRIVATE KEY-----\nTEST\n-----END PRIVATE KEY-----\n',
        role: 'LAB_LOADER',
        warehouse: 'wh',
        application: 'labmesh',
      },
    ])
    expect(fake.sent).to.deep.equal(result.statements)
    expect(fake.destroyed).to.equal(1)
    expect(result.connection).to.deep.include({kind: 'snowflake', target: 'myorg-lab/lab', schema: 'lake', catalog: 'LABMESH_DELTA'})
    expect(JSON.stringify(result.connection), 'the key is never kept').not.to.include('PRIVATE KEY')
  })

  it('reads the key from Secrets Manager with --private-key-secret', async () => {
    const fake = new FakeSnowflake()
    await connectSnowflake(
      backend,
      {...request(), signIn: {...request().signIn, privateKeyFile: undefined, privateKeySecret: 'labmesh/snowflake'}},
      fake,
    )
    expect(fake.options[0].privateKey).to.equal('PEM FROM SECRET')
  })

  it("stops at a statement Snowflake refuses, with Snowflake's message, and still closes the session", async () => {
    const fake = new FakeSnowflake()
    fake.refuse = {sql: /CREATE CATALOG INTEGRATION/, message: 'SQL access control error: Insufficient privileges to operate on account'}
    const error = await connectSnowflake(backend, request(), fake).catch((e: unknown) => e)
    expect(error).to.be.instanceOf(LabmeshError).with.property('code', 'BACKEND')
    expect((error as Error).message).to.include('Insufficient privileges to operate on account')
    expect(fake.sent).to.have.length(1)
    expect(fake.destroyed).to.equal(1)
  })

  it('maps a refused sign-in to UNAUTHORIZED, and --dry-run signs in nowhere', async () => {
    const fake = new FakeSnowflake()
    fake.refuseSignIn = 'JWT token is invalid.'
    const error = await connectSnowflake(backend, request(), fake).catch((e: unknown) => e)
    expect(error).to.be.instanceOf(LabmeshError).with.property('code', 'UNAUTHORIZED')
    const dry = new FakeSnowflake()
    const planned = await connectSnowflake(backend, {...request(), dryRun: true}, dry)
    expect(dry.options).to.deep.equal([])
    expect(planned.statements).to.have.length(6)
  })

  it('refreshes every table of a connection', async () => {
    const fake = new FakeSnowflake()
    const {connection} = await connectSnowflake(backend, {...request(), dryRun: true})
    expect(await refreshSnowflake(backend, connection, fake)).to.deep.equal([
      'ALTER ICEBERG TABLE "LAB"."LAKE"."FILES" REFRESH',
      'ALTER ICEBERG TABLE "LAB"."LAKE"."PLATE_READER_MEASUREMENT" REFRESH',
    ])
    expect(fake.sent).to.have.length(2)
  })
})
