import {cpSync, mkdirSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'
import pg from 'pg'

import {DeltaTable} from '../../../src/lake/delta/table.js'
import {fileIdPredicate} from '../../../src/lake/tables/write-batch.js'
import {TestWorkspace} from '../../support/cli.js'
import type {AwsEndpoint} from '../../support/aws/aws-endpoint.js'
import {testS3Facade, testS3Storage} from '../../support/aws/clients.js'
import type {TestS3} from '../../support/aws/s3-server.js'
import {type AwsWorkspace, startAwsWorkspace} from '../../support/aws/workspace.js'
import {DELTA_TABLES, INSTRUMENTS} from '../../support/testdata.js'

/**
 * Cleaning up on the aws backend, through the built CLI: real S3 protocol (s3rver behind the
 * recording proxy), a real PostgreSQL, Glue answered by the recording endpoint. Deletes are
 * checked against the objects in the bucket, the rows of the metadata database and the rows of
 * the Delta tables on S3 (read with the lake's own reader), not only against what the CLI says.
 */
describe('aws backend: files delete, catalog unregister, search delete, audit list', function () {
  this.timeout(300_000)
  let s3: TestS3
  let aws: AwsEndpoint
  let ws: TestWorkspace
  let workspace: AwsWorkspace
  let database: pg.Client
  /** Raw file records by name: a.csv, b.csv and copy/a-again.csv (the same bytes as a.csv). */
  const raw = new Map<string, any>()
  let run: AwsWorkspace['run']

  /** Keys in the bucket under the profile's prefix (`team/`), relative to it; or from the bucket's root. */
  async function keys(prefix: string, root = 'team/'): Promise<string[]> {
    const facade = await testS3Facade(s3)
    try {
      const found: string[] = []
      for await (const object of facade.list(`${root}${prefix}`)) found.push(object.key.slice(root.length))
      return found
    } finally {
      facade.destroy()
    }
  }

  /** Rows a file has in each lab table, read from the Delta tables on S3. */
  async function labRows(fileId: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {}
    for (const table of (await keys('lake/lab/')).filter((k) => k.endsWith('/_delta_log/00000000000000000000.json'))) {
      const name = table.split('/')[2]
      const {storage, remove} = await testS3Storage(s3, `s3://${s3.bucket}/team/lake/lab/${name}`)
      try {
        counts[name] = await new DeltaTable(storage).countWhere(fileIdPredicate([fileId]))
      } finally {
        await remove()
      }
    }
    return counts
  }

  const count = async (sql: string, values: unknown[] = []): Promise<number> =>
    Number((await database.query<{n: string}>(sql, values)).rows[0].n)

  before(async () => {
    workspace = await startAwsWorkspace()
    ;({s3, aws, ws, run} = workspace)
    database = new pg.Client({connectionString: workspace.databaseUrl})
    await database.connect()
    const drop = ws.path('drop')
    mkdirSync(path.join(drop, 'copy'), {recursive: true})
    cpSync(path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV'), path.join(drop, 'a.csv'))
    cpSync(path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV'), path.join(drop, 'copy', 'a-again.csv'))
    cpSync(path.join(INSTRUMENTS, 'perkin_elmer_envision', 'PE_Envision_luminescence_example01.csv'), path.join(drop, 'b.csv'))
    const ingested = await run(['ingest', drop, '--label', 'site=boston', '--json'])
    expect(ingested.code, ingested.stderr).to.equal(0)
    for (const file of ingested.json.files) raw.set(path.relative(drop, file.sourcePath), file)
    const converted = await run(['convert', '--json'])
    expect(converted.code, converted.stderr).to.equal(0)
    expect(converted.json.converted).to.equal(3)
  })
  after(async () => {
    await database?.end()
    await workspace?.stop()
  })

  it('files show counts the rows of a file in the lake tables on S3', async () => {
    const b = raw.get('b.csv')
    const shown = await run(['files', 'show', b.fileId, '--json'])
    expect(shown.code, shown.stderr).to.equal(0)
    const fromLake = await labRows(b.fileId)
    const expected = Object.entries(fromLake)
      .filter(([, rows]) => rows > 0)
      .map(([table, rows]) => ({table: `lab.${table}`, rows, managed: true}))
    expect(shown.json.tables).to.have.deep.members(expected)
    expect(shown.json.tables).to.deep.include({table: 'lab.files', rows: 1, managed: true})
  })

  it('deletes a raw file with its document, its rows in every lab table, its records and its bytes; --dry-run changes nothing', async () => {
    const b = raw.get('b.csv')
    const document = (await run(['files', 'show', b.fileId, '--json'])).json.derived[0]
    const before = await keys('')
    expect(before).to.include.members([
      `raw/${b.sha256.slice(0, 2)}/${b.sha256}`,
      `engineered/${document.sha256.slice(0, 2)}/${document.sha256}`,
    ])

    const dry = await run(['files', 'delete', b.fileId, '--dry-run', '--json'])
    expect(dry.code, dry.stderr).to.equal(0)
    expect(dry.json.files.map((f: any) => f.fileId)).to.have.members([b.fileId, document.fileId])
    expect(await keys('')).to.deep.equal(before)
    expect(await count('SELECT count(*) AS n FROM files WHERE file_id = ANY($1)', [[b.fileId, document.fileId]])).to.equal(2)

    const deleted = await run(['files', 'delete', b.fileId.slice(0, 8), '--json'])
    expect(deleted.code, deleted.stderr).to.equal(0)
    expect(deleted.json.objectsRemoved).to.equal(2)
    const after = await keys('')
    expect(after).to.not.include(`raw/${b.sha256.slice(0, 2)}/${b.sha256}`)
    expect(after).to.not.include(`engineered/${document.sha256.slice(0, 2)}/${document.sha256}`)
    expect(s3.requests.filter((r) => r.method === 'POST' && /[?&]delete/.test(r.url)).length, 'DeleteObjects').to.be.greaterThan(0)
    expect(
      Object.values(await labRows(b.fileId)).every((n) => n === 0),
      'no row of the file left in any lab table',
    ).to.equal(true)
    expect(await labRows(raw.get('a.csv').fileId)).to.deep.include({files: 1})
    expect(await count('SELECT count(*) AS n FROM files WHERE file_id = ANY($1)', [[b.fileId, document.fileId]])).to.equal(0)
    expect(await count('SELECT count(*) AS n FROM labels WHERE file_id = ANY($1)', [[b.fileId, document.fileId]])).to.equal(0)
    expect(await count('SELECT count(*) AS n FROM unused_objects')).to.equal(0)
    expect(await count('SELECT count(*) AS n FROM file_outbox')).to.equal(0)
    expect((await run(['files', 'show', b.fileId, '--json'])).code).to.equal(3)
  })

  it('keeps bytes another file uses', async () => {
    const a = raw.get('a.csv')
    const deleted = await run(['files', 'delete', a.fileId, '--json'])
    expect(deleted.code, deleted.stderr).to.equal(0)
    expect(await keys('raw/')).to.include(`raw/${a.sha256.slice(0, 2)}/${a.sha256}`)
    const again = raw.get('copy/a-again.csv')
    const restored = await run(['files', 'get', again.fileId, '--out-dir', ws.path('restored'), '--json'])
    expect(restored.code, restored.stderr).to.equal(0)
    expect(readFileSync(restored.json.path).equals(readFileSync(path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV')))).to.equal(
      true,
    )
  })

  it('unregisters tables from Glue, deleting a managed table on S3 only with --delete-data, a foreign one only with --force', async () => {
    const source = path.join(DELTA_TABLES, 'delta-0.8.0-partitioned')
    const facade = await testS3Facade(s3)
    for (const file of walk(source)) {
      await facade.put({key: `external/partitioned/${path.relative(source, file).split(path.sep).join('/')}`, body: readFileSync(file)})
    }
    facade.destroy()
    expect((await run(['catalog', 'register', 'shared.partitioned', `s3://${s3.bucket}/external/partitioned`])).code).to.equal(0)

    const refused = await run(['catalog', 'unregister', 'shared.partitioned', '--delete-data', '--json'])
    expect(refused.code).to.equal(5)
    expect(refused.json.error.suggestions[0]).to.include('--force')
    const kept = await run(['catalog', 'unregister', 'shared.partitioned', '--json'])
    expect(kept.code, kept.stderr).to.equal(0)
    expect(aws.tables.has('labmesh_shared/partitioned')).to.equal(false)
    expect(await keys('external/partitioned/', ''), 'the data of a table registered from elsewhere stays').to.not.deep.equal([])

    const location = 'lake/lab/plate_reader_measurement/'
    const files = (await keys(location)).length
    expect(files).to.be.greaterThan(1)
    const dry = await run(['catalog', 'unregister', 'lab.plate_reader_measurement', '--delete-data', '--dry-run', '--json'])
    expect(dry.json.data.files).to.equal(files)
    expect(aws.tables.has('labmesh_lab/plate_reader_measurement')).to.equal(true)
    const gone = await run(['catalog', 'unregister', 'lab.plate_reader_measurement', '--delete-data', '--json'])
    expect(gone.code, gone.stderr).to.equal(0)
    expect(await keys(location)).to.deep.equal([])
    expect(aws.tables.has('labmesh_lab/plate_reader_measurement')).to.equal(false)
    expect(aws.calls.filter((c) => c.operation === 'AWSGlue.DeleteTable').map((c) => c.input)).to.deep.equal([
      {DatabaseName: 'labmesh_shared', Name: 'partitioned'},
      {DatabaseName: 'labmesh_lab', Name: 'plate_reader_measurement'},
    ])
  })

  it('deleting needs the admin policy: s3:DeleteObject and glue:DeleteTable are granted to admins only', async () => {
    for (const [role, allowed] of [
      ['Writer', false],
      ['ADMIN', true],
    ] as const) {
      const policy = await run(['doctor', '--policy', '--role', role, '--json'])
      expect(policy.code, policy.stderr).to.equal(0)
      const actions = (policy.json.Statement as any[]).flatMap((s) => s.Action)
      expect(actions.includes('s3:DeleteObject'), role).to.equal(allowed)
      expect(actions.includes('glue:DeleteTable'), role).to.equal(allowed)
    }
  })

  it("convert's next step on aws names a ready query (Athena runs it)", async () => {
    const again = raw.get('copy/a-again.csv')
    const converted = await run(['convert', '--file-id', again.fileId, '--reconvert'])
    expect(converted.code, converted.stderr).to.equal(0)
    expect(converted.stderr).to.match(/Rows written: .*lab\.files 1/)
    expect(converted.stderr).to.match(/Next: `labmesh catalog list` for the tables, `labmesh query 'SELECT \* FROM lab\.\w+ LIMIT 10'`/)
  })

  it('deletes saved searches, and lists every deletion in the audit log kept in PostgreSQL', async () => {
    expect((await run(['search', 'save', 'boston', 'label.site:boston'])).code).to.equal(0)
    expect((await run(['search', 'delete', 'boston', '--json'])).json.deleted.query).to.equal('label.site:boston')
    expect((await run(['search', 'delete', 'boston', '--json'])).code).to.equal(3)

    const audit = await run(['audit', 'list', '--json'])
    expect(audit.code, audit.stderr).to.equal(0)
    expect(audit.json.entries.map((e: any) => e.action)).to.deep.equal([
      'search delete',
      'catalog unregister',
      'catalog unregister',
      'files delete',
      'files delete',
    ])
    expect(await count('SELECT count(*) AS n FROM audit_log')).to.equal(5)
  })
})

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) yield* walk(full)
    else yield full
  }
}
