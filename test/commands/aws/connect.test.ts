import path from 'node:path'
import {expect} from 'chai'

import {DeltaTable} from '../../../src/lake/delta/table.js'
import type {AwsEndpoint} from '../../support/aws/aws-endpoint.js'
import {testS3Storage, uploadFolder} from '../../support/aws/clients.js'
import type {TestS3} from '../../support/aws/s3-server.js'
import {type AwsWorkspace, startAwsWorkspace} from '../../support/aws/workspace.js'
import type {TestWorkspace} from '../../support/cli.js'
import {CONVERTED_EXPORTS} from '../../support/converted-workspace.js'
import {DELTA_TABLES} from '../../support/testdata.js'

const SYMLINK = 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat'
const ROLE = 'arn:aws:iam::123456789012:role/labmesh-spectrum'

/**
 * `catalog connect redshift` as a user runs it: the built CLI in a subprocess; S3 real (s3rver), PostgreSQL
 * real; Glue and the Redshift Data API answered by the recording endpoint with the shapes of their
 * API references (no AWS here), so what is checked is every request labmesh sends and what it does
 * with the answers. Data: real exports converted, and a partitioned table Spark wrote.
 */
describe('catalog connect redshift on an aws profile', function () {
  this.timeout(300_000)
  let workspace: AwsWorkspace
  let s3: TestS3
  let aws: AwsEndpoint
  let ws: TestWorkspace
  let run: AwsWorkspace['run']
  /** The table's storage on the test server, and the lines of one of its manifests. */
  const manifest = async (location: string, partition = '') => {
    const {storage, remove} = await testS3Storage(s3, location)
    try {
      const text = (await storage.objects.get(`_symlink_format_manifest/${partition ? `${partition}/` : ''}manifest`)).toString('utf8')
      return {lines: text.trimEnd().split('\n'), snapshot: await new DeltaTable(storage).snapshot()}
    } finally {
      await remove()
    }
  }

  before(async () => {
    workspace = await startAwsWorkspace()
    ;({s3, aws, ws, run} = workspace)
    expect((await run(['ingest', ...CONVERTED_EXPORTS.slice(0, 3)])).code).to.equal(0)
    expect((await run(['convert'])).code).to.equal(0)
  })
  after(async () => {
    await workspace?.stop()
  })

  it('--dry-run prints the external schema statement and changes nothing', async () => {
    const dry = await run(['catalog', 'connect', 'redshift', '--workgroup', 'analytics', '--database', 'dev', '--dry-run', '--json'])
    expect(dry.code, dry.stderr).to.equal(0)
    expect(dry.json.statements).to.deep.equal([
      `CREATE EXTERNAL SCHEMA IF NOT EXISTS "lab" FROM DATA CATALOG DATABASE 'labmesh_lab_manifest' IAM_ROLE default`,
    ])
    expect(dry.json.tables.map((t: any) => t.table)).to.include('lab.files')
    expect(aws.statements).to.deep.equal([])
    expect(aws.databases.has('labmesh_lab_manifest')).to.equal(false)
    expect(s3.matching('PUT', /_symlink_format_manifest/)).to.deep.equal([])
    expect((await run(['catalog', 'connect', '--list', '--json'])).json.connections).to.deep.equal([])
    // Without --json, stdout holds the SQL alone (to save and run by hand); what it would do goes to stderr down a pipe.
    const sql = await run(['catalog', 'connect', 'redshift', '--workgroup', 'analytics', '--database', 'dev', '--dry-run'])
    expect(sql.code, sql.stderr).to.equal(0)
    expect(sql.stdout).to.equal(`${dry.json.statements[0]};\n`)
    expect(sql.stderr).to.match(/^Would expose \d+ tables of lab through Glue database labmesh_lab_manifest/)
    expect(aws.statements).to.deep.equal([])
  })

  it('registers every table over its manifests in Glue and creates the external schema through the Data API', async () => {
    const connected = await run([
      'catalog',
      'connect',
      'redshift',
      '--workgroup',
      'analytics',
      '--database',
      'dev',
      '--iam-role',
      ROLE,
      '--json',
    ])
    expect(connected.code, connected.stderr).to.equal(0)
    expect(connected.json.failed).to.deep.equal([])
    const [statement, ...more] = aws.statements
    expect(more).to.deep.equal([])
    expect(statement.Sql).to.equal(
      `CREATE EXTERNAL SCHEMA IF NOT EXISTS "lab" FROM DATA CATALOG DATABASE 'labmesh_lab_manifest' IAM_ROLE '${ROLE}'`,
    )
    expect(statement.input).to.deep.include({WorkgroupName: 'analytics', Database: 'dev'})
    expect(statement.described, 'polled until FINISHED').to.equal(2)

    const tables = connected.json.tables.map((t: any) => t.table as string)
    expect(tables).to.include.members(['lab.files', 'lab.plate_reader_measurement'])
    for (const name of tables) {
      const table = name.split('.')[1]
      const glue = aws.tables.get(`labmesh_lab_manifest/${table}`) as any
      const location = `s3://${s3.bucket}/team/lake/lab/${table}`
      expect(glue.StorageDescriptor).to.deep.include({InputFormat: SYMLINK, Location: `${location}/_symlink_format_manifest/`})
      expect(glue.StorageDescriptor.SerdeInfo.SerializationLibrary).to.equal('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe')
      // The same columns and Hive types as the native Delta table Athena reads.
      expect(glue.StorageDescriptor.Columns).to.deep.equal((aws.tables.get(`labmesh_lab/${table}`) as any).StorageDescriptor.Columns)
      const {lines, snapshot} = await manifest(location)
      expect(snapshot.metadata.configuration['delta.compatibility.symlinkFormatManifest.enabled']).to.equal('true')
      expect(lines.sort()).to.deep.equal(snapshot.files.map((f) => `${location}/${decodeURIComponent(f.path)}`).sort())
    }
    const listed = await run(['catalog', 'connect', '--list', '--json'])
    expect(listed.json.connections).to.have.length(1)
    expect(listed.json.connections[0]).to.include({
      kind: 'redshift',
      target: 'workgroup/analytics/dev',
      schema: 'lab',
      catalog: 'labmesh_lab_manifest',
    })
  })

  it('keeps the manifests current as later conversions commit', async () => {
    expect((await run(['ingest', ...CONVERTED_EXPORTS.slice(3)])).code).to.equal(0)
    expect((await run(['convert'])).code).to.equal(0)
    const location = `s3://${s3.bucket}/team/lake/lab/files`
    const {lines, snapshot} = await manifest(location)
    expect(lines.sort()).to.deep.equal(snapshot.files.map((f) => `${location}/${decodeURIComponent(f.path)}`).sort())
    const rows = await run(['catalog', 'describe', 'lab.files', '--json'])
    expect(rows.json.rows).to.equal(CONVERTED_EXPORTS.length)
  })

  it('exposes a partitioned table Spark wrote with one Glue partition per manifest', async () => {
    const source = path.join(DELTA_TABLES, 'delta-0.8.0-partitioned')
    await uploadFolder(s3, source, 'external/partitioned')
    const location = `s3://${s3.bucket}/external/partitioned`
    expect((await run(['catalog', 'register', 'shared.partitioned', location])).code).to.equal(0)
    const connected = await run(
      ['catalog', 'connect', 'redshift', '--cluster', 'warehouse-1', '--database', 'dev', '--db-user', 'admin'].concat([
        '--lake-database',
        'shared',
        '--json',
      ]),
    )
    expect(connected.code, connected.stderr).to.equal(0)
    expect(aws.statements.at(-1)!.input).to.deep.include({ClusterIdentifier: 'warehouse-1', DbUser: 'admin', Database: 'dev'})
    const glue = aws.tables.get('labmesh_shared_manifest/partitioned') as any
    expect(glue.PartitionKeys.map((k: any) => k.Name)).to.deep.equal(['year', 'month', 'day'])
    const partitions = aws.partitions.get('labmesh_shared_manifest/partitioned')!
    const {snapshot} = await manifest(
      location,
      (partitions[0].StorageDescriptor as any).Location.split('/_symlink_format_manifest/')[1].replace(/\/$/, ''),
    )
    const expected = new Set(
      snapshot.files.map((f) => JSON.stringify([f.partitionValues.year, f.partitionValues.month, f.partitionValues.day])),
    )
    expect(new Set(partitions.map((p) => JSON.stringify(p.Values)))).to.deep.equal(expected)
    for (const partition of partitions as any[]) {
      const dir = partition.StorageDescriptor.Location.split('/_symlink_format_manifest/')[1].replace(/\/$/, '')
      expect(dir).to.equal(`year=${partition.Values[0]}/month=${partition.Values[1]}/day=${partition.Values[2]}`)
      const {lines, snapshot} = await manifest(location, dir)
      const files = snapshot.files.filter(
        (f) =>
          JSON.stringify([f.partitionValues.year, f.partitionValues.month, f.partitionValues.day]) === JSON.stringify(partition.Values),
      )
      expect(lines.sort()).to.deep.equal(files.map((f) => `${location}/${decodeURIComponent(f.path)}`).sort())
    }
    const again = await run([
      'catalog',
      'connect',
      'redshift',
      '--cluster',
      'warehouse-1',
      '--database',
      'dev',
      '--db-user',
      'admin',
      '--lake-database',
      'shared',
    ])
    expect(again.code, 'connecting again is idempotent').to.equal(0)
  })

  it('catalog connect snowflake --dry-run prints the Iceberg tables over the Delta folders, relative to the external volume', async () => {
    const dry = await run(
      ['catalog', 'connect', 'snowflake', '--account', 'myorg-lab', '--user', 'LABMESH', '--private-key-file', ws.path('absent.p8')].concat(
        ['--database', 'LAB', '--schema', 'LAKE', '--external-volume', 'LAB_LAKE', '--dry-run', '--json'],
      ),
    )
    expect(dry.code, dry.stderr).to.equal(0)
    expect(dry.json.statements[0]).to.equal(
      'CREATE CATALOG INTEGRATION IF NOT EXISTS "LABMESH_DELTA" CATALOG_SOURCE = OBJECT_STORE TABLE_FORMAT = DELTA ENABLED = TRUE',
    )
    expect(dry.json.statements).to.include(
      `CREATE ICEBERG TABLE IF NOT EXISTS "LAB"."LAKE"."FILES" EXTERNAL_VOLUME = 'LAB_LAKE' CATALOG = 'LABMESH_DELTA' BASE_LOCATION = 'team/lake/lab/files/' COMMENT = 'labmesh lab.files'`,
    )
    expect((await run(['catalog', 'connect', '--list', '--json'])).json.connections.map((c: any) => c.kind)).not.to.include('snowflake')
    const refresh = await run(['catalog', 'connect', 'snowflake', '--refresh', '--json'])
    expect(refresh.json.error.code, 'nothing to refresh yet').to.equal('NOT_FOUND')
    const missing = await run(['catalog', 'connect', 'snowflake', '--account', 'myorg-lab', '--json'])
    expect(missing.code).to.equal(2)
    expect(missing.json.error).to.include({code: 'USAGE'})
    expect(missing.json.error.message).to.include('--user, --database, --schema, --external-volume')
  })

  it('shows the message Redshift refused a statement with, and exits 5', async () => {
    aws.failRedshift = {sql: /CREATE EXTERNAL SCHEMA/, error: 'ERROR: permission denied for database dev'}
    const refused = await run(['catalog', 'connect', 'redshift', '--workgroup', 'analytics', '--database', 'dev', '--json'])
    aws.failRedshift = undefined
    expect(refused.code).to.equal(5)
    expect(refused.json.error.code).to.equal('BACKEND')
    expect(refused.json.error.message).to.include('permission denied for database dev')
  })

  it('refuses a role that is not an IAM role ARN, and the local backend, naming why', async () => {
    const bad = await run([
      'catalog',
      'connect',
      'redshift',
      '--workgroup',
      'w',
      '--database',
      'dev',
      '--iam-role',
      "x' ; DROP SCHEMA lab; --",
      '--json',
    ])
    expect(bad.json.error.code).to.equal('INVALID_INPUT')
    expect(aws.statements.some((s) => s.Sql.includes('DROP'))).to.equal(false)
    const local = await ws.run(['catalog', 'connect', 'redshift', '--workgroup', 'w', '--database', 'dev', '--json'])
    expect(local.json.error.code).to.equal('UNSUPPORTED')
    expect(local.json.error.message).to.match(/local backend/)
    // What connecting needs is in the admin policy `doctor --policy` prints, and only there.
    const policies = (await run(['doctor', '--policy', '--json'])).json
    const actions = (role: string) => (policies[role].Statement as any[]).flatMap((statement) => statement.Action)
    expect(actions('admin')).to.include.members([
      'redshift-data:ExecuteStatement',
      'redshift-data:DescribeStatement',
      'glue:BatchCreatePartition',
    ])
    expect(actions('writer')).not.to.include('redshift-data:ExecuteStatement')
  })
})
