import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {type DuckDBConnection, DuckDBInstance} from '@duckdb/node-api'
import {expect} from 'chai'

import {createLocalBackend} from '../../src/backends/local/index.js'
import {checkStatement, prepareCopy} from '../../src/backends/local/query-execution.js'
import {openQuerySession, type QuerySession} from '../../src/backends/local/query-session.js'
import type {Backend, QueryRequest} from '../../src/backends/types.js'
import {field} from '../../src/lake/delta/schema.js'
import {DeltaTable} from '../../src/lake/delta/table.js'
import {registerTable} from '../support/lake.js'
import {failure} from '../support/query.js'

/** DuckDB's own error for a statement run straight on a connection, or undefined when it ran. */
async function duckdbError(connection: DuckDBConnection, sql: string): Promise<string | undefined> {
  try {
    await connection.run(sql)
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}

/**
 * The query engine keeps a statement to reading the lake with independent layers: one statement
 * at a time; its first word; the statement type DuckDB's parser gives it (and, under EXPLAIN, the
 * type of the statement explained); the export's COPY; and a locked DuckDB session that can read
 * only the lake. Each layer is tried here without the others, so that losing one is noticed even
 * while the rest still refuse the statement.
 */
describe('query containment, one layer at a time', function () {
  this.timeout(120_000)
  let root: string

  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-containment-'))
  })
  after(() => rmSync(root, {recursive: true, force: true}))

  describe('the statement checks, on a session that would let anything run', () => {
    let instance: DuckDBInstance
    let session: QuerySession
    const check = (sql: string, extra: Partial<QueryRequest> = {}) => checkStatement(session, {sql, ...extra})
    const count = async (): Promise<number> => Number((await session.connection.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0])

    beforeEach(async () => {
      // A plain DuckDB with a base table: nothing here stops a write but the checks themselves.
      instance = await DuckDBInstance.create(':memory:')
      const connection = await instance.connect()
      await connection.run('CREATE TABLE t (v INTEGER)')
      session = {connection, tables: ['main.t'], unreadable: new Map(), close: () => connection.closeSync()}
    })
    afterEach(() => {
      session.close()
      instance.closeSync()
    })

    it('first word: refuses a statement no query starts with before DuckDB prepares it (preparing EXPORT already writes)', async () => {
      const target = path.join(root, 'exported')
      const error = await failure(check(`EXPORT DATABASE '${target}'`))
      expect(error.code).to.equal('FORBIDDEN')
      expect(error.message).to.equal(
        'only queries run here (SELECT, WITH, VALUES, DESCRIBE, SHOW, EXPLAIN); a statement starting with EXPORT is refused',
      )
      expect(existsSync(target), 'nothing was written').to.equal(false)
      const explained = await failure(check(`EXPLAIN ANALYZE EXPORT DATABASE '${target}'`))
      expect(explained.code).to.equal('INVALID_INPUT')
      expect(existsSync(target), 'nothing was written').to.equal(false)
      // A parenthesised query is a query, but not under EXPLAIN.
      expect((await check('(SELECT 1)')).kind).to.equal('rows')
      expect((await failure(check('EXPLAIN (SELECT 1)'))).code).to.equal('FORBIDDEN')
    })

    it('statement type: refuses a write that starts like a query (WITH ... INSERT, UPDATE, DELETE)', async () => {
      for (const [sql, type] of [
        ['WITH s AS (SELECT 1 AS v) INSERT INTO t SELECT v FROM s', 'INSERT'],
        ['WITH s AS (SELECT 1 AS v) UPDATE t SET v = 2', 'UPDATE'],
        ['WITH s AS (SELECT 1 AS v) DELETE FROM t WHERE v IN (SELECT v FROM s)', 'DELETE'],
      ]) {
        const error = await failure(check(sql))
        expect(error.code, sql).to.equal('FORBIDDEN')
        expect(error.message, sql).to.equal(
          `only queries run here (SELECT, WITH, VALUES, DESCRIBE, SHOW, EXPLAIN); ${type} statements are refused`,
        )
        expect(error.suggestions, sql).to.deep.equal([
          'labmesh query only reads; tables change through `labmesh convert` and the `catalog` and `lake` commands',
        ])
      }
      expect(await count()).to.equal(0)
      for (const sql of [
        'SELECT * FROM t',
        'FROM t',
        'WITH s AS (SELECT 1) SELECT * FROM s',
        'VALUES (1)',
        'DESCRIBE t',
        'SHOW TABLES',
        'TABLE t',
      ])
        expect((await check(sql)).kind, sql).to.equal('rows')
    })

    it('statement type under EXPLAIN: EXPLAIN ANALYZE runs what it explains, so only a query may stand under it', async () => {
      const error = await failure(check('EXPLAIN ANALYZE WITH s AS (SELECT 1 AS v) INSERT INTO t SELECT v FROM s'))
      expect(error.code).to.equal('FORBIDDEN')
      expect(error.message).to.match(/EXPLAIN is allowed over a query only/)
      expect(await count()).to.equal(0)
      expect((await check('EXPLAIN ANALYZE SELECT * FROM t')).kind).to.equal('plan')
      expect((await check('explain /* x */ SELECT 1')).kind).to.equal('plan')
    })

    it('one statement: a query followed by a write is refused whole', async () => {
      const error = await failure(check('SELECT 1; INSERT INTO t VALUES (1)'))
      expect(error).to.include({code: 'INVALID_INPUT', message: 'run one statement at a time; this SQL has 2'})
      expect(await count()).to.equal(0)
      expect((await failure(check('  ;  -- nothing\n'))).code).to.equal('USAGE')
    })

    it('parameters: every $name is bound, none left over, with the names told', async () => {
      const checked = await check('SELECT $a::INTEGER + $b::INTEGER AS s', {params: {a: '1', b: 2}})
      expect(checked.columns).to.deep.equal([{name: 's', type: 'INTEGER'}])
      expect((await checked.prepared.runAndReadAll()).getRows()).to.deep.equal([[3]])
      const missing = await failure(check('SELECT $a, $b', {params: {a: 1}}))
      expect(missing).to.include({code: 'INVALID_INPUT', message: 'the query uses $b but no value was given'})
      expect(missing.suggestions).to.deep.equal(['--param b=VALUE'])
      const unused = await failure(check('SELECT $a', {params: {a: 1, z: 2}}))
      expect(unused.message).to.equal('parameter z is not used by the query (it uses $a)')
      expect((await failure(check('SELECT 1', {params: {z: 2}}))).message).to.equal('parameter z is not used by the query')
    })

    it('the export: what is run must still be exactly one COPY', async () => {
      const target = path.join(root, 'export.csv')
      for (const sql of ['SELECT 1', 'INSERT INTO t VALUES (1)', `COPY (SELECT 1) TO '${target}'; INSERT INTO t VALUES (1)`]) {
        const error = await failure(prepareCopy(session, {sql}, sql))
        expect(error, sql).to.include({code: 'INVALID_INPUT', message: 'this statement cannot be written to a file as it is'})
      }
      expect(await count()).to.equal(0)
      const copy = await prepareCopy(
        session,
        {sql: 'SELECT $v', params: {v: 5}},
        `COPY (SELECT $v AS v) TO '${target}' (FORMAT csv, HEADER true)`,
      )
      await copy.run()
      expect(readFileSync(target, 'utf8')).to.equal('v\n5\n')
    })
  })

  describe('the DuckDB session, with no statement check in front of it', () => {
    let backend: Backend
    let lake: string
    let elsewhere: string

    before(async () => {
      backend = createLocalBackend({home: path.join(root, 'home')})
      lake = path.join(root, 'home', 'lake')
      const managed = {database: 'lab', table: 'samples'}
      const location = backend.catalog.managedLocation(managed)
      const table = await DeltaTable.create(backend.lakeStorage(location), {columns: [field('v', 'integer')]})
      await table.append([{v: 1}, {v: 2}])
      await registerTable(backend, {...managed, location, managed: true})
      // A table kept outside the lake, and a sibling folder whose name starts like it.
      elsewhere = path.join(root, 'shared', 'plates')
      await (await DeltaTable.create(backend.lakeStorage(elsewhere), {columns: [field('v', 'integer')]})).append([{v: 3}])
      await registerTable(backend, {database: 'shared', table: 'plates', location: elsewhere, managed: false})
      mkdirSync(`${elsewhere}-private`)
      writeFileSync(path.join(`${elsewhere}-private`, 'secret.csv'), 'secret\n1\n')
      writeFileSync(path.join(lake, 'inside.csv'), 'n\n7\n')
    })
    after(async () => {
      await backend.close()
    })

    const session = (writable?: string): Promise<QuerySession> =>
      openQuerySession({lake: backend, lakeRoot: lake, tempDir: path.join(root, 'duckdb-tmp'), writable})
    const withSession = async (writable: string | undefined, use: (s: QuerySession) => Promise<void>): Promise<void> => {
      const opened = await session(writable)
      try {
        await use(opened)
      } finally {
        opened.close()
      }
    }

    it('reads the lake, its tables and tables registered elsewhere', async () => {
      await withSession(undefined, async ({connection, tables}) => {
        expect(tables).to.deep.equal(['lab.samples', 'shared.plates'])
        const read = async (sql: string) => (await connection.runAndReadAll(sql)).getRows()
        expect(await read('SELECT sum(v)::INTEGER FROM samples')).to.deep.equal([[3]])
        expect(await read('SELECT sum(v)::INTEGER FROM shared.plates')).to.deep.equal([[3]])
        expect(await read(`SELECT n FROM read_csv('${path.join(lake, 'inside.csv')}')`)).to.deep.equal([[7n]])
      })
    })

    it('refuses files outside the lake and the tables’ folders, a sibling folder with a longer name included', async () => {
      await withSession(undefined, async ({connection}) => {
        for (const file of ['/etc/passwd', path.join(`${elsewhere}-private`, 'secret.csv'), path.join(root, 'home', 'labmesh.db')]) {
          expect(await duckdbError(connection, `SELECT * FROM read_csv('${file}')`), file).to.match(/^Permission Error/)
          expect(await duckdbError(connection, `SELECT * FROM read_blob('${file}')`), file).to.match(/^Permission Error/)
        }
        expect(await duckdbError(connection, `SELECT * FROM glob('${root}/*')`)).to.match(/^Permission Error/)
      })
    })

    it('writes nothing outside the lake but the one file it was opened for', async () => {
      // DuckDB cannot allow a folder for reading only: a write into the lake is kept out by the statement checks.
      const partial = path.join(root, 'result.csv.partial')
      await withSession(partial, async ({connection}) => {
        for (const file of [path.join(root, 'outside.csv'), `${partial}.other`, path.join(`${elsewhere}-private`, 'x.csv')]) {
          expect(await duckdbError(connection, `COPY (SELECT 1 AS v) TO '${file}'`), file).to.match(/^Permission Error/)
          expect(existsSync(file), file).to.equal(false)
        }
        expect(await duckdbError(connection, `COPY (SELECT 1 AS v) TO '${partial}' (FORMAT csv, HEADER true)`)).to.equal(undefined)
        expect(readFileSync(partial, 'utf8')).to.equal('v\n1\n')
      })
      await withSession(undefined, async ({connection}) => {
        expect(await duckdbError(connection, `COPY (SELECT 1 AS v) TO '${partial}'`)).to.match(/^Permission Error/)
      })
    })

    it('cannot be unlocked, attach, install or load anything', async () => {
      await withSession(undefined, async ({connection}) => {
        for (const sql of [
          'SET enable_external_access = true',
          "SET allowed_directories = ['/']",
          'RESET allowed_directories',
          "SET allowed_paths = ['/etc/passwd']",
          'SET lock_configuration = false',
        ])
          expect(await duckdbError(connection, sql), sql).to.match(/configuration has been locked/i)
        for (const sql of [`ATTACH '${path.join(root, 'other.duckdb')}' AS other`, 'INSTALL httpfs', 'LOAD httpfs'])
          expect(await duckdbError(connection, sql), sql).to.match(/^Permission Error/)
        expect(existsSync(path.join(root, 'other.duckdb'))).to.equal(false)
      })
    })
  })
})
