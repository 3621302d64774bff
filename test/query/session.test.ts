import {existsSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../src/backends/local/index.js'
import {openQuerySession, type QuerySession, type QuerySessionOptions} from '../../src/backends/local/query-session.js'
import type {Backend} from '../../src/backends/types.js'
import {field} from '../../src/lake/delta/schema.js'
import {DeltaTable} from '../../src/lake/delta/table.js'
import {registerTable} from '../support/lake.js'
import {failure} from '../support/query.js'
import {registerUnchecked} from '../support/legacy-registration.js'
import {DELTA_TABLES} from '../support/testdata.js'

/**
 * What a query session is made of, read back from DuckDB itself: its views, the settings that
 * contain it, and what each kind of caller (the owner, an API key's tables, a principal's grants)
 * gets. Real components: SQLite workspace, Delta tables written here and read from the shared
 * test data, DuckDB.
 */
describe('the query session', function () {
  this.timeout(300_000)
  let root: string
  let home: string
  let lakeRoot: string
  let tempDir: string
  let backend: Backend
  const folders: Record<string, string> = {}
  const PARTITIONED = path.join(DELTA_TABLES, 'delta-0.8.0-partitioned')
  const WITH_DV = path.join(DELTA_TABLES, 'table-with-dv-small')
  const open = (options: Partial<QuerySessionOptions> = {}): Promise<QuerySession> =>
    openQuerySession({lake: backend, lakeRoot, tempDir, grants: backend.grants, ...options})
  // DuckDB adds its own temporary folder to the readable ones, and lists them sorted.
  const readable = (...dirs: string[]): string[] => dirs.map((dir) => path.resolve(dir) + path.sep).sort()
  const setting = async (session: QuerySession, name: string): Promise<unknown> =>
    (await session.connection.runAndReadAll(`SELECT current_setting('${name}')`)).getRowsJS()[0][0]
  const rows = async (session: QuerySession, sql: string): Promise<unknown[][]> => (await session.connection.runAndReadAll(sql)).getRowsJS()
  const withSession = async <T>(options: Partial<QuerySessionOptions>, use: (session: QuerySession) => Promise<T>): Promise<T> => {
    const session = await open(options)
    try {
      return await use(session)
    } finally {
      session.close()
    }
  }

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-session-'))
    home = path.join(root, 'home')
    lakeRoot = path.join(home, 'lake')
    tempDir = path.join(home, 'tmp', 'duckdb')
    backend = createLocalBackend({home})
    // lab.samples: two rows at version 1, a third at version 2.
    for (const [table, columns, versions] of [
      [
        'samples',
        [field('sample', 'string'), field('site', 'string')],
        [
          [
            {sample: 'S1', site: 'boston'},
            {sample: 'S2', site: 'basel'},
          ],
          [{sample: 'S3', site: 'basel'}],
        ],
      ],
      ['notes', [field('note', 'string')], [[{note: 'calibrated'}]]],
    ] as const) {
      const ref = {database: 'lab', table}
      const location = backend.catalog.managedLocation(ref)
      const delta = await DeltaTable.create(backend.lakeStorage(location), {columns: [...columns]})
      for (const rows of versions) await delta.append([...rows])
      await registerTable(backend, {...ref, location, managed: true})
      folders[table] = location
    }
    await registerTable(backend, {database: 'shared', table: 'partitioned', location: PARTITIONED, managed: false})
    await registerTable(backend, {database: 'shared', table: 'with_dv', location: WITH_DV, managed: false})
    // A database whose only table cannot be read, and a table an older labmesh registered inside the workspace.
    await registerTable(backend, {database: 'broken', table: 'dv', location: WITH_DV, managed: false})
    registerUnchecked(home, 'old', 'objects', path.join(home, 'objects'))
  })
  after(async () => {
    await backend.close()
    rmSync(root, {recursive: true, force: true})
  })

  it('gives the owner a view of every readable table, and a schema for every database', async () => {
    await withSession({}, async (session) => {
      expect(session.tables).to.deep.equal(['broken.dv', 'lab.notes', 'lab.samples', 'old.objects', 'shared.partitioned', 'shared.with_dv'])
      expect(await rows(session, "SELECT table_schema || '.' || table_name FROM information_schema.tables ORDER BY 1")).to.deep.equal([
        ['lab.notes'],
        ['lab.samples'],
        ['shared.partitioned'],
      ])
      expect(
        await rows(session, "SELECT schema_name FROM information_schema.schemata WHERE catalog_name = 'memory' ORDER BY 1"),
      ).to.deep.equal([['broken'], ['lab'], ['main'], ['old'], ['shared']])
      // A bare name is in lab.
      expect(await rows(session, 'SELECT sample FROM samples ORDER BY 1')).to.deep.equal([['S1'], ['S2'], ['S3']])
      expect([...session.unreadable.keys()]).to.deep.equal(['broken.dv', 'old.objects', 'shared.with_dv'])
      expect(session.unreadable.get('shared.with_dv')?.code).to.equal('UNSUPPORTED')
      const exposed = session.unreadable.get('old.objects')!
      expect(exposed.toJSON()).to.deep.equal({
        code: 'FORBIDDEN',
        message: `old.objects cannot be read: ${path.join(home, 'objects')} is inside the labmesh workspace (${home}) but outside its lake: a query reading it could read stored files`,
        subject: 'old.objects',
        suggestions: ["register the table's own folder instead: labmesh catalog register old.objects FOLDER --replace"],
      })
    })
  })

  it('locks DuckDB to the lake: UTC, progress tracked but not printed, only the lake readable, nothing writable, no way back', async () => {
    const writable = path.join(root, '.out.csv.partial')
    mkdirSync(tempDir, {recursive: true})
    await withSession({writable}, async (session) => {
      expect(await setting(session, 'TimeZone')).to.equal('UTC')
      expect(await setting(session, 'search_path')).to.equal('lab')
      expect(await setting(session, 'enable_progress_bar')).to.equal(true)
      expect(await setting(session, 'enable_progress_bar_print')).to.equal(false)
      expect(await setting(session, 'progress_bar_time')).to.equal(0n)
      expect(await setting(session, 'temp_directory')).to.equal(tempDir)
      expect(await setting(session, 'allowed_directories')).to.deep.equal(
        readable(lakeRoot, folders.notes, folders.samples, PARTITIONED, tempDir),
      )
      expect(await setting(session, 'allowed_paths')).to.deep.equal([writable])
      expect(await setting(session, 'enable_external_access')).to.equal(false)
      expect(await setting(session, 'lock_configuration')).to.equal(true)
    })
    await withSession({}, async (session) => expect(await setting(session, 'allowed_paths')).to.deep.equal([]))
    expect(existsSync(tempDir), "the owner's spill folder is shared and stays").to.equal(true)
  })

  it('reads a table at the version asked for, and refuses one that is unknown or unreadable there', async () => {
    await withSession({asOf: {'lab.samples': {version: 1}}}, async (session) =>
      expect(await rows(session, 'SELECT count(*) FROM lab.samples')).to.deep.equal([[2n]]),
    )
    const unknown = await failure(open({asOf: {'lab.sample': {version: 1}}}))
    expect(unknown.toJSON()).to.deep.equal({
      code: 'NOT_FOUND',
      message: 'no table lab.sample in the catalog',
      subject: 'lab.sample',
      suggestions: ['did you mean lab.samples?'],
    })
    // Unreadable at any version: asked for by name, the session is refused rather than made without it.
    const unreadable = await failure(open({asOf: {'shared.with_dv': {version: 1}}}))
    expect(unreadable.code).to.equal('UNSUPPORTED')
    expect(unreadable.message).to.match(/deletionVectors/)
  })

  it('refuses a version whose data files were vacuumed, naming how many are gone', async () => {
    // A workspace of its own: the table is broken on purpose.
    const other = createLocalBackend({home: path.join(root, 'vacuumed')})
    try {
      const ref = {database: 'lab', table: 'runs'}
      const location = other.catalog.managedLocation(ref)
      const delta = await DeltaTable.create(other.lakeStorage(location), {columns: [field('run', 'string')]})
      await delta.append([{run: 'r1'}])
      await delta.append([{run: 'r2'}])
      await registerTable(other, {...ref, location, managed: true})
      const [first] = (await delta.snapshot({version: 1})).files
      rmSync(path.join(location, first.path))
      const error = await failure(
        openQuerySession({lake: other, lakeRoot: path.join(root, 'vacuumed', 'lake'), tempDir, asOf: {'lab.runs': {version: 1}}}),
      )
      expect(error.code).to.equal('NOT_FOUND')
      expect(error.message).to.equal('version 1 of lab.runs was vacuumed: 1 of its 1 data files are gone')
      expect(error.subject).to.equal('lab.runs')
    } finally {
      await other.close()
    }
  })

  it("holds an API key's tables to those it lists: nothing else exists or is readable", async () => {
    await withSession({tables: ['shared.*']}, async (session) => {
      expect(session.tables).to.deep.equal(['shared.partitioned', 'shared.with_dv'])
      expect([...session.unreadable.keys()]).to.deep.equal(['shared.with_dv'])
      expect(await setting(session, 'allowed_directories')).to.deep.equal(readable(PARTITIONED, tempDir))
      // No lab schema: bare names are not looked up there.
      expect(await setting(session, 'search_path')).to.equal('')
      expect(await rows(session, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'lab'")).to.deep.equal([[0n]])
    })
    await withSession({tables: ['lab.samples'], asOf: {'lab.samples': {version: 1}}}, async (session) => {
      expect(session.tables).to.deep.equal(['lab.samples'])
      expect(await rows(session, 'SELECT count(*) FROM samples')).to.deep.equal([[2n]])
      expect(await setting(session, 'allowed_directories')).to.deep.equal(readable(folders.samples, tempDir))
    })
    const outside = await failure(open({tables: ['shared.*'], asOf: {'lab.samples': {version: 1}}}))
    expect(outside.toJSON()).to.deep.equal({
      code: 'NOT_FOUND',
      message: 'no table lab.samples among the tables this query may read',
      subject: 'lab.samples',
      suggestions: [],
    })
  })

  describe('as a principal', () => {
    before(async () => {
      const audit = {actor: 'owner@lab', commandLine: 'test'}
      const table = (name: string) => ({kind: 'table' as const, database: name.split('.')[0], table: name.split('.')[1]})
      const outcomes = await backend.grants!.apply(
        [
          {action: 'grant', grant: {principal: 'bob', resource: table('lab.samples'), permissions: ['SELECT'], grantable: false}},
          {
            action: 'grant',
            grant: {principal: 'bob', resource: table('lab.notes'), permissions: ['SELECT'], grantable: false, columns: ['gone']},
          },
          {action: 'grant', grant: {principal: 'bob', resource: table('shared.partitioned'), permissions: ['DESCRIBE'], grantable: false}},
        ],
        audit,
      )
      expect(outcomes.map((o) => o.error)).to.deep.equal([undefined, undefined, undefined])
    })

    it('sees only its granted tables, reads the folders of the whole ones only, and spills to a folder of its own', async () => {
      const session = await open({principal: 'bob'})
      let own: string
      try {
        expect(session.tables).to.deep.equal(['lab.notes', 'lab.samples', 'shared.partitioned'])
        own = String(await setting(session, 'temp_directory'))
        expect(await setting(session, 'allowed_directories')).to.deep.equal(readable(folders.samples, own))
        // DESCRIBE only: the schema, no rows.
        expect(await rows(session, 'SELECT count(*) FROM shared.partitioned')).to.deep.equal([[0n]])
        expect(await rows(session, 'SELECT count(*) FROM lab.samples')).to.deep.equal([[3n]])
        // A grant naming none of the table's columns makes that table unreadable, not the session.
        expect(session.unreadable.get('lab.notes')?.toJSON()).to.deep.equal({
          code: 'NOT_FOUND',
          message: "bob's grants on lab.notes name none of its columns",
          subject: 'lab.notes',
          suggestions: ['see the grants with `labmesh catalog grants --principal bob`'],
        })
        expect(path.dirname(own)).to.equal(tempDir)
        expect(path.basename(own)).to.match(/^as-[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/)
        mkdirSync(own, {recursive: true})
      } finally {
        session.close()
      }
      expect(existsSync(own), 'its spill folder goes with the session').to.equal(false)
    })

    it('narrows the grants further to an API key’s tables', async () => {
      await withSession({principal: 'bob', tables: ['lab.*']}, async (session) => {
        expect(session.tables).to.deep.equal(['lab.notes', 'lab.samples'])
        const own = String(await setting(session, 'temp_directory'))
        expect(await setting(session, 'allowed_directories')).to.deep.equal(readable(folders.samples, own))
      })
      await withSession({principal: 'bob', tables: ['shared.partitioned']}, async (session) => {
        expect(session.tables).to.deep.equal(['shared.partitioned'])
        expect(await setting(session, 'allowed_directories')).to.deep.equal(readable(String(await setting(session, 'temp_directory'))))
      })
    })
  })
})
