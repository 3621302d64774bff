import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync} from 'node:fs'
import path from 'node:path'
import {parse} from 'csv-parse/sync'
import {expect} from 'chai'

import {createLocalBackend} from '../../../src/backends/local/index.js'
import type {Backend, QueryRequest} from '../../../src/backends/types.js'
import type {LabmeshError} from '../../../src/errors.js'
import {type Grant, normalizeGrant} from '../../../src/sharing/grant.js'
import {share} from '../../../src/sharing/share.js'
import {TestWorkspace} from '../../support/cli.js'
import {registerUnchecked} from '../../support/legacy-registration.js'
import {DELTA_TABLES, INSTRUMENTS} from '../../support/testdata.js'

// Real components: the built CLI, SQLite, DuckDB and Delta tables converted from real exports.
// Most attempts run in process through the local backend's query engine (what `query --as`
// calls), the rest through the CLI end to end.
const BMG = path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV')
const VICELL = path.join(INSTRUMENTS, 'beckman_vi_cell_blu', 'Beckman_Vi-Cell-BLU_example02.csv')
const ENVISION = path.join(INSTRUMENTS, 'perkin_elmer_envision', 'PE_Envision_luminescence_example01.csv')
const MEASUREMENTS = 'lab.plate_reader_measurement'
const FILTER = "sample_location_identifier LIKE 'A%'"
const GRANTED = ['absorbance', 'file_id', 'luminescence', 'sample_location_identifier']

describe('labmesh catalog share and query --as: grants enforced by construction', function () {
  this.timeout(600_000)
  let ws: TestWorkspace
  const ok = async (args: string[]): Promise<any> => {
    const result = await ws.run([...args, '--json'])
    expect(result.code, `${args.join(' ')}\n${result.stdout}\n${result.stderr}`).to.equal(0)
    return result.json
  }
  const owner = async (sql: string): Promise<any[]> => (await ok(['query', sql, '--limit', '100000'])).rows
  const asBob = (sql: string, ...more: string[]) => ws.run(['query', sql, '--as', 'bob', '--json', '--limit', '100000', ...more])
  const bobRows = async (sql: string, ...more: string[]): Promise<any[]> => {
    const result = await asBob(sql, ...more)
    expect(result.code, result.stdout + result.stderr).to.equal(0)
    return result.json.rows
  }
  const count = async (rows: Promise<any[]>): Promise<number> => Number((await rows)[0].n)
  let backend: Backend
  /** Rows as objects, or the LabmeshError the engine gave. */
  const engine = (request: QueryRequest): Promise<any[]> =>
    backend.query!.query(request, async (result) => {
      const rows: any[] = []
      for await (const page of result) rows.push(...page.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]]))))
      return rows
    })
  const as = (principal: string, sql: string, asOf?: QueryRequest['asOf']): Promise<any[]> => engine({sql, principal, asOf})
  const refusal = (principal: string, sql: string, asOf?: QueryRequest['asOf']): Promise<LabmeshError> =>
    as(principal, sql, asOf).then(
      () => expect.fail(`expected ${sql} to be refused`),
      // By name: the engine's module graph is loaded lazily, apart from this test's.
      (error: unknown) => (expect((error as Error).name).to.equal('LabmeshError'), error as LabmeshError),
    )

  before(async () => {
    ws = new TestWorkspace()
    // Version 1 of the plate reader tables holds BMG's plate; version 2 adds EnVision's.
    await ok(['ingest', BMG, VICELL])
    await ok(['convert'])
    await ok(['ingest', ENVISION])
    await ok(['convert'])
    await ok([
      'catalog',
      'share',
      MEASUREMENTS,
      '--principal',
      'bob',
      '--permissions',
      'SELECT',
      '--columns',
      GRANTED.join(','),
      '--row-filter',
      FILTER,
    ])
    await ok(['catalog', 'share', 'lab.files', '--principal', 'bob', '--permissions', 'SELECT'])
    await ok(['catalog', 'share', 'lab.plate_reader', '--principal', 'bob', '--permissions', 'DESCRIBE'])
    backend = createLocalBackend({home: ws.home})
  })
  after(async () => {
    await backend?.close()
    ws.remove()
  })

  it('shows the granted rows and columns only, and the owner everything', async () => {
    const expected = await count(owner(`SELECT count(*) AS n FROM ${MEASUREMENTS} WHERE ${FILTER}`))
    const all = await count(owner(`SELECT count(*) AS n FROM ${MEASUREMENTS}`))
    expect(expected).to.be.greaterThan(0).and.lessThan(all)
    expect(await count(bobRows(`SELECT count(*) AS n FROM ${MEASUREMENTS}`))).to.equal(expected)
    const result = await asBob(`SELECT * FROM ${MEASUREMENTS}`)
    expect(result.json.columns.map((c: {name: string}) => c.name).sort()).to.deep.equal(GRANTED)
    expect(result.json.rows.every((r: {sample_location_identifier: string}) => r.sample_location_identifier.startsWith('A'))).to.equal(true)
  })

  it('refuses columns outside the grant, and tables without one as if they did not exist', async () => {
    const column = await refusal('bob', `SELECT absorbance_unit FROM ${MEASUREMENTS}`)
    expect(column.code).to.equal('INVALID_INPUT')
    expect(column.message).to.match(/absorbance_unit/)
    const hidden = await refusal('bob', 'SELECT count(*) FROM lab.cell_counting')
    expect(hidden.code).to.equal('NOT_FOUND')
    // Not even as a suggestion: names come from the tables bob sees.
    expect(JSON.stringify(hidden.toJSON())).not.to.match(/cell_counting_/)
    const tables = await as(
      'bob',
      "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema = 'lab' ORDER BY 1",
    )
    expect(tables.map((r) => r.t)).to.deep.equal(['lab.files', 'lab.plate_reader', MEASUREMENTS])
    expect((await refusal('bob', 'SELECT 1', {'lab.cell_counting': {version: 1}})).code).to.equal('NOT_FOUND')
  })

  it('keeps the filter through joins, subqueries, CTEs, set operations and lab.files', async () => {
    const expected = await count(engine({sql: `SELECT count(*) AS n FROM ${MEASUREMENTS} WHERE ${FILTER}`}))
    for (const sql of [
      `SELECT count(*) AS n FROM ${MEASUREMENTS} m JOIN lab.files f USING (file_id)`,
      `SELECT count(*) AS n FROM (SELECT * FROM ${MEASUREMENTS} WHERE true OR false)`,
      `WITH m AS (SELECT * FROM ${MEASUREMENTS}) SELECT count(*) AS n FROM m`,
      `SELECT count(*) AS n FROM lab.files f, LATERAL (SELECT * FROM ${MEASUREMENTS} m WHERE m.file_id = f.file_id)`,
      `SELECT count(*) AS n FROM (SELECT sample_location_identifier FROM ${MEASUREMENTS} UNION ALL SELECT NULL WHERE false)`,
      `SELECT count(*) AS n FROM query_table('${MEASUREMENTS}')`,
    ]) {
      expect(await count(as('bob', sql)), sql).to.equal(expected)
    }
    expect(await count(as('bob', `SELECT count(*) AS n FROM ${MEASUREMENTS} WHERE NOT (${FILTER})`))).to.equal(0)
  })

  it('keeps the filter on an older version read with --as-of', async () => {
    const v1 = {[MEASUREMENTS]: {version: 1}}
    const filtered = await count(engine({sql: `SELECT count(*) AS n FROM ${MEASUREMENTS} WHERE ${FILTER}`, asOf: v1}))
    expect(filtered)
      .to.be.greaterThan(0)
      .and.lessThan(await count(engine({sql: `SELECT count(*) AS n FROM ${MEASUREMENTS}`, asOf: v1})))
    expect(filtered).to.be.lessThan(await count(engine({sql: `SELECT count(*) AS n FROM ${MEASUREMENTS} WHERE ${FILTER}`})))
    expect(await count(as('bob', `SELECT count(*) AS n FROM ${MEASUREMENTS}`, v1))).to.equal(filtered)
  })

  it('cannot read the Parquet files or the Delta log of a restricted table directly', async () => {
    const folder = path.join(ws.home, 'lake', 'lab', 'plate_reader_measurement')
    const parquet = readdirSync(folder).find((f) => f.endsWith('.parquet'))!
    for (const sql of [
      `SELECT count(*) FROM read_parquet('${path.join(folder, parquet)}')`,
      `SELECT count(*) FROM '${folder}/*.parquet'`,
      `SELECT * FROM glob('${folder}/*')`,
      `SELECT * FROM read_json_auto('${folder}/_delta_log/00000000000000000000.json')`,
      `SELECT count(*) FROM read_parquet('${path.join(ws.home, 'lake', 'lab', 'cell_counting')}/*.parquet')`,
    ]) {
      expect((await refusal('bob', sql)).code, sql).to.equal('FORBIDDEN')
    }
    // What bob's session may read: lab.files' folder, the granted copy of the measurements and a
    // temporary folder of its own, not the shared one.
    const allowed = String((await as('bob', "SELECT value FROM duckdb_settings() WHERE name = 'allowed_directories'"))[0].value)
    const folders = allowed.slice(1, -1).split(', ')
    const filesFolder = path.join(ws.home, 'lake', 'lab', 'files') + path.sep
    expect(folders).to.have.length(3).and.include(filesFolder)
    expect(folders.filter((f) => f.startsWith(path.join(ws.home, 'grant-copies') + path.sep))).to.have.length(1)
    expect(folders).to.satisfy((all: string[]) =>
      all.some((f) => new RegExp(`^${path.join(ws.home, 'tmp', 'duckdb', 'as-')}[0-9a-f-]{36}/$`).test(f)),
    )
    const cli = await asBob(`SELECT count(*) FROM read_parquet('${path.join(folder, parquet)}')`)
    expect(cli.code).to.equal(4)
    // A table bob reads whole stays a view over its own files, which bob may then read.
    const files = path.join(ws.home, 'lake', 'lab', 'files')
    expect(
      await as(
        'bob',
        `SELECT count(*) AS n FROM read_parquet('${path.join(
          files,
          readdirSync(files).find((f) => f.endsWith('.parquet'))!,
        )}')`,
      ),
    ).to.have.length(1)
  })

  it("shows no file paths or hidden columns in the session's catalog", async () => {
    const views = await as('bob', "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND schema_name = 'lab' ORDER BY view_name")
    expect(views.map((v) => v.view_name)).to.deep.equal(['files', 'plate_reader_measurement'])
    // The restricted table reads its granted copy: no path into the lake, no hidden column.
    const measurement = views.find((t) => t.view_name === 'plate_reader_measurement')
    expect(measurement.sql).not.to.include(path.join(ws.home, 'lake'))
    expect(measurement.sql).to.include(path.join(ws.home, 'grant-copies'))
    expect(measurement.sql).not.to.match(/absorbance_unit/)
    const infoViews = await as('bob', "SELECT table_name, view_definition FROM information_schema.views WHERE table_schema = 'lab'")
    const others = infoViews.filter((v) => v.table_name !== 'plate_reader_measurement').map((v) => v.view_definition)
    expect(others.join('\n')).not.to.match(/plate_reader_measurement/)
    expect(infoViews.map((v) => v.view_definition).join('\n')).not.to.match(/absorbance_unit/)
    const columns = await as(
      'bob',
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'plate_reader_measurement' ORDER BY 1`,
    )
    expect(columns.map((c) => c.column_name)).to.deep.equal(GRANTED)
  })

  it('reads a restricted table through one granted copy per table version and grant, and no other copy', async () => {
    const copyOf = async (principal: string, asOf?: QueryRequest['asOf']): Promise<string> => {
      const views = await as(principal, "SELECT sql FROM duckdb_views() WHERE view_name = 'plate_reader_measurement'", asOf)
      return /read_parquet\('([^']+)'/.exec(views[0].sql)![1]
    }
    const expected = await count(engine({sql: `SELECT count(*) AS n FROM ${MEASUREMENTS} WHERE ${FILTER}`}))
    const copy = await copyOf('bob')
    // The copy holds what bob may read and nothing more, so reading it by its path shows no more.
    expect(await count(as('bob', `SELECT count(*) AS n FROM read_parquet('${copy}')`))).to.equal(expected)
    const stored = await as('bob', `SELECT name FROM parquet_schema('${copy}') WHERE num_children IS NULL ORDER BY name`)
    expect(stored.map((c) => c.name)).to.deep.equal(GRANTED)
    // Used again as it is: the table is not read again.
    const written = statSync(copy).mtimeMs
    expect(await copyOf('bob')).to.equal(copy)
    expect(statSync(copy).mtimeMs).to.equal(written)
    // Another version is another copy, and a session reads only the copies it uses, not even through `..`.
    const older = await copyOf('bob', {[MEASUREMENTS]: {version: 1}})
    expect(older).not.to.equal(copy)
    for (const file of [older, `${path.dirname(copy)}/../${path.basename(path.dirname(older))}/data.parquet`]) {
      expect((await refusal('bob', `SELECT count(*) FROM read_parquet('${file}')`)).code, file).to.equal('FORBIDDEN')
    }
    // Statements that reach the table by strings still read the grant.
    for (const sql of [
      `SELECT count(*) AS n FROM query('SELECT * FROM ${MEASUREMENTS}')`,
      `SELECT count(*) AS n FROM query('FROM plate_reader_measurement UNION ALL FROM ${MEASUREMENTS} WHERE false')`,
      `SELECT count(*) AS n FROM query_table(['${MEASUREMENTS}'])`,
      `SELECT count(*) AS n FROM query_table('plate_reader_' || 'measurement')`,
      `WITH t AS (FROM query_table('plate_reader_measurement')) SELECT count(*) AS n FROM t`,
    ]) {
      expect(await count(as('bob', sql)), sql).to.equal(expected)
    }
    // A session writes nothing: no view of its own over the table's files.
    const folder = path.join(ws.home, 'lake', 'lab', 'plate_reader_measurement')
    for (const sql of [
      `CREATE TEMP VIEW raw AS SELECT * FROM read_parquet('${folder}/*.parquet')`,
      `SELECT 1; CREATE VIEW raw AS SELECT * FROM '${folder}/*.parquet'`,
      `COPY (SELECT * FROM ${MEASUREMENTS}) TO '${path.join(ws.home, 'out.parquet')}'`,
    ]) {
      expect((await refusal('bob', sql)).code, sql).to.be.oneOf(['INVALID_INPUT', 'USAGE', 'FORBIDDEN'])
    }

    // ivan reads the same table under another grant: his copy is his own, and a grant changed makes a new one.
    await ok(['catalog', 'share', MEASUREMENTS, '-P', 'ivan', '-p', 'SELECT', '--columns', 'file_id', '--row-filter', FILTER])
    const ivans = await copyOf('ivan')
    expect(ivans).not.to.equal(copy)
    expect((await refusal('bob', `SELECT count(*) FROM read_parquet('${ivans}')`)).code).to.equal('FORBIDDEN')
    expect((await refusal('ivan', `SELECT count(*) FROM read_parquet('${copy}')`)).code).to.equal('FORBIDDEN')
    await ok(['catalog', 'revoke', MEASUREMENTS, '-P', 'ivan', '--columns', 'file_id', '--row-filter', FILTER])
    await ok([
      'catalog',
      'share',
      MEASUREMENTS,
      '-P',
      'ivan',
      '-p',
      'SELECT',
      '--columns',
      'file_id',
      '--row-filter',
      "sample_location_identifier LIKE 'B%'",
    ])
    const narrowed = await copyOf('ivan')
    expect(narrowed).not.to.equal(ivans)
    expect((await refusal('ivan', `SELECT count(*) FROM read_parquet('${ivans}')`)).code).to.equal('FORBIDDEN')
    expect(Object.keys((await as('ivan', `SELECT * FROM ${MEASUREMENTS} LIMIT 1`))[0])).to.deep.equal(['file_id'])

    // Copies no session used for an hour (or cut short by a crash) are removed; those in use stay.
    const ivanFolder = path.dirname(path.dirname(narrowed))
    const stale = path.join(ivanFolder, 'f'.repeat(64) + '.partial-0')
    mkdirSync(stale)
    const hourAgo = new Date(Date.now() - 61 * 60 * 1000)
    utimesSync(stale, hourAgo, hourAgo)
    utimesSync(path.dirname(ivans), hourAgo, hourAgo)
    await as('ivan', 'SELECT 1')
    expect(existsSync(stale)).to.equal(false)
    expect(existsSync(ivans)).to.equal(false)
    expect(existsSync(narrowed)).to.equal(true)
  })

  it('DESCRIBE shows the granted schema; DESCRIBE-only tables show their schema and no rows', async () => {
    const described = await as('bob', `DESCRIBE ${MEASUREMENTS}`)
    expect(described.map((r) => r.column_name).sort()).to.deep.equal(GRANTED)
    const ownerSchema = await engine({sql: 'DESCRIBE lab.plate_reader'})
    expect((await as('bob', 'DESCRIBE lab.plate_reader')).map((r) => r.column_name)).to.deep.equal(ownerSchema.map((r) => r.column_name))
    expect(await count(as('bob', 'SELECT count(*) AS n FROM lab.plate_reader'))).to.equal(0)
    expect(await count(engine({sql: 'SELECT count(*) AS n FROM lab.plate_reader'}))).to.be.greaterThan(0)
  })

  it('combines grants: a second filter adds rows, and a column only it covers is null elsewhere', async () => {
    await ok([
      'catalog',
      'share',
      MEASUREMENTS,
      '-P',
      'carol',
      '-p',
      'SELECT',
      '--columns',
      'sample_location_identifier',
      '--row-filter',
      FILTER,
    ])
    await ok([
      'catalog',
      'share',
      MEASUREMENTS,
      '-P',
      'carol',
      '-p',
      'SELECT',
      '--columns',
      'sample_location_identifier,absorbance',
      '--row-filter',
      "sample_location_identifier LIKE 'B%'",
    ])
    const rows = (await as('carol', `SELECT sample_location_identifier AS w, absorbance FROM ${MEASUREMENTS}`)) as {
      w: string
      absorbance: number | null
    }[]
    const expected = await count(
      engine({
        sql: `SELECT count(*) AS n FROM ${MEASUREMENTS} WHERE sample_location_identifier LIKE 'A%' OR sample_location_identifier LIKE 'B%'`,
      }),
    )
    expect(rows).to.have.length(expected)
    expect(rows.filter((r) => r.w.startsWith('A')).every((r) => r.absorbance === null)).to.equal(true)
    expect(rows.some((r) => r.w.startsWith('B') && r.absorbance !== null)).to.equal(true)
  })

  it('grants on database.* and on tag expressions reach the tables, and tags decide at query time', async () => {
    await ok(['catalog', 'share', 'lab.*', '-P', 'dave', '-p', 'SELECT'])
    expect(await count(as('dave', 'SELECT count(*) AS n FROM lab.cell_counting'))).to.be.greaterThan(0)
    await ok(['catalog', 'share', '--tag', 'domain=cells', '-P', 'erin', '-p', 'SELECT'])
    expect((await refusal('erin', 'SELECT count(*) AS n FROM lab.cell_counting')).code).to.equal('NOT_FOUND')
    const tagged = await ok(['catalog', 'tag', 'lab.cell_counting', 'domain=cells'])
    expect(tagged.tags).to.deep.equal([{key: 'domain', value: 'cells'}])
    expect(await count(as('erin', 'SELECT count(*) AS n FROM lab.cell_counting'))).to.be.greaterThan(0)
    const grants = await ok(['catalog', 'grants', '--table', 'lab.cell_counting'])
    expect(grants.grants.map((g: {principal: string}) => g.principal).sort()).to.deep.equal(['dave', 'erin'])
    await ok(['catalog', 'tag', 'lab.cell_counting', '--remove', 'domain'])
    expect((await refusal('erin', 'SELECT 1 FROM lab.cell_counting')).code).to.equal('NOT_FOUND')
  })

  it('exclude-columns hides those columns', async () => {
    await ok(['catalog', 'share', 'lab.files', '-P', 'frank', '-p', 'SELECT', '--exclude-columns', 'source_path,source_host'])
    const names = Object.keys((await as('frank', 'SELECT * FROM lab.files'))[0])
    expect(names).to.include('file_id')
    expect(names).not.to.include.members(['source_path'])
    expect(names).not.to.include('source_host')
  })

  it('package pull --as writes only the granted rows and columns', async () => {
    const dir = ws.path('bob-package')
    const result = await ws.run(['package', 'pull', MEASUREMENTS, '--out', dir, '--as', 'bob', '--json'])
    expect(result.code, result.stderr).to.equal(0)
    const rows = parse(readFileSync(path.join(dir, result.json.resources[0].path), 'utf8'), {columns: true}) as Record<string, string>[]
    expect(Object.keys(rows[0]).sort()).to.deep.equal(GRANTED)
    expect(rows.every((r) => r.sample_location_identifier.startsWith('A'))).to.equal(true)
    expect(rows).to.have.length(await count(owner(`SELECT count(*) AS n FROM ${MEASUREMENTS} WHERE ${FILTER}`)))
    const hiddenColumn = await ws.run([
      'package',
      'pull',
      MEASUREMENTS,
      '--out',
      ws.path('x'),
      '--columns',
      'absorbance_unit',
      '--as',
      'bob',
      '--json',
    ])
    expect(hiddenColumn.code).to.equal(6)
    const hiddenTable = await ws.run(['package', 'pull', 'lab.cell_counting', '--out', ws.path('y'), '--as', 'bob', '--json'])
    expect(hiddenTable.code).to.equal(3)
  })

  it('refuses bad grants with clear errors', async () => {
    const filter = await ws.run([
      'catalog',
      'share',
      MEASUREMENTS,
      '-P',
      'bob',
      '-p',
      'SELECT',
      '--row-filter',
      'x = 1) UNION SELECT * FROM lab.files WHERE (true',
      '--json',
    ])
    expect(filter.code).to.equal(6)
    expect(filter.json.outcomes[0].error.code).to.equal('INVALID_INPUT')
    const restrictedDescribe = await ws.run([
      'catalog',
      'share',
      MEASUREMENTS,
      '-P',
      'bob',
      '-p',
      'SELECT,DESCRIBE',
      '--columns',
      'file_id',
      '--json',
    ])
    expect(restrictedDescribe.code).to.equal(6)
    const refused = async (extra: Partial<Grant>, table = 'plate_reader_measurement'): Promise<{code: string; message: string}> => {
      const result = await share(
        [
          normalizeGrant({
            principal: 'bob',
            resource: {kind: 'table', database: 'lab', table},
            permissions: ['SELECT'],
            grantable: false,
            ...extra,
          }),
        ],
        {
          store: backend.grants!,
          lake: backend,
          audit: {actor: 'test', commandLine: 'test'},
        },
      )
      expect(result.failed).to.equal(1)
      return result.outcomes[0].error!
    }
    expect((await refused({rowFilter: 'file_id IN (SELECT file_id FROM lab.files)'})).message).to.match(/subquery/)
    expect((await refused({rowFilter: 'nope = 1'})).message).to.match(/does not fit the table/)
    expect((await refused({rowFilter: "site = 'boston' ORDER BY 1"})).code).to.equal('INVALID_INPUT')
    expect((await refused({columns: ['absorbanse']})).message).to.match(/did you mean absorbance/)
    expect((await refused({}, 'nothing')).code).to.equal('NOT_FOUND')
    const region = await ws.run(['catalog', 'share', MEASUREMENTS, '-P', 'bob', '-p', 'SELECT', '--target-region', 'eu-west-1', '--json'])
    expect(region.json.error.code).to.equal('UNSUPPORTED')
    expect((await refusal('nobody', 'SELECT 1')).code).to.equal('NOT_FOUND')
  })

  it('revokes, audits every change with its command line, and shows the history', async () => {
    await ok(['catalog', 'share', 'lab.files', '-P', 'gina', '-p', 'SELECT,DESCRIBE', '--grantable'])
    const dry = await ok(['catalog', 'revoke', 'lab.files', '-P', 'gina', '-p', 'DESCRIBE', '--dry-run'])
    expect(dry.applied).to.equal(false)
    expect((await ok(['catalog', 'grants', '--principal', 'gina'])).grants[0].permissions).to.deep.equal(['SELECT', 'DESCRIBE'])
    const revoked = await ok(['catalog', 'revoke', 'lab.files', '-P', 'gina', '-p', 'DESCRIBE'])
    expect(revoked.outcomes).to.have.length(1)
    expect((await ok(['catalog', 'grants', '--principal', 'gina'])).grants).to.deep.equal([
      {principal: 'gina', resource: {kind: 'table', database: 'lab', table: 'files'}, permissions: ['SELECT'], grantable: true},
    ])
    await ok(['catalog', 'revoke', 'lab.files', '-P', 'gina'])
    expect((await ok(['catalog', 'grants', '--principal', 'gina'])).grants).to.deep.equal([])
    const again = await ws.run(['catalog', 'revoke', 'lab.files', '-P', 'gina', '--json'])
    expect(again.code).to.equal(3)
    const history = (await ok(['catalog', 'grants', '--history', '--principal', 'gina'])).history
    expect(history.map((h: {action: string}) => h.action)).to.deep.equal(['revoke', 'revoke', 'grant'])
    expect(history[1].commandLine).to.equal('labmesh catalog revoke lab.files -P gina -p DESCRIBE --json')
    expect(history[2].grant.permissions).to.deep.equal(['SELECT', 'DESCRIBE'])
    expect(history[0].actor).to.match(/@/)
    const ci = await ws.run(['catalog', 'share', 'lab.files', '-P', 'gina', '-p', 'SELECT', '--json'], {
      env: {LABMESH_ACTOR: 'ci-pipeline'},
    })
    expect(ci.code).to.equal(0)
    expect((await ok(['catalog', 'grants', '--history', '--limit', '1'])).history[0].actor).to.equal('ci-pipeline')
  })

  // Last: the table registered around the workspace changes which folders other sessions may read.
  it('never opens the workspace through a table registered in a folder around it', async () => {
    // A Delta table (written by Spark) whose folder holds the workspace, registered by a labmesh
    // from before `catalog register` refused such folders.
    cpSync(path.join(DELTA_TABLES, 'delta-0.8.0'), ws.root, {recursive: true})
    registerUnchecked(ws.home, 'around', 'readings', ws.root)
    await ok(['catalog', 'share', 'around.readings', '-P', 'hank', '-p', 'SELECT'])
    // With every lab table granted too, no hidden table's folder keeps the outer folder closed.
    await ok(['catalog', 'share', 'lab.*', '-P', 'hank', '-p', 'SELECT'])
    const objects = path.join(ws.home, 'objects')
    const shard = readdirSync(objects)[0]
    expect(await count(as('hank', 'SELECT count(*) AS n FROM around.readings'))).to.equal(4)
    for (const file of [path.join(ws.home, 'labmesh.db'), path.join(objects, shard, readdirSync(path.join(objects, shard))[0])]) {
      expect((await refusal('hank', `SELECT * FROM read_blob('${file}')`)).code, file).to.equal('FORBIDDEN')
    }
  })
})
