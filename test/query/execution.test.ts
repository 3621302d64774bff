import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend, QueryEngine, QueryProgress} from '../../src/backends/types.js'
import {field} from '../../src/lake/delta/schema.js'
import {DeltaTable} from '../../src/lake/delta/table.js'
import {quoteLiteral, withConnection} from '../../src/lake/duckdb.js'
import {registerTable} from '../support/lake.js'
import {failure, rowsOf} from '../support/query.js'
import {registerUnchecked} from '../support/legacy-registration.js'

const REFUSED = 'labmesh query only reads; tables change through `labmesh convert` and the `catalog` and `lake` commands'

/**
 * How the engine reports what goes wrong, word for word, and how it reports progress and stops
 * when asked. Real components: SQLite workspace, DuckDB, Delta tables written here and read from
 * the shared test data.
 */
describe('the query engine’s errors, progress and cancellation', function () {
  this.timeout(300_000)
  let root: string
  let backend: Backend
  let engine: QueryEngine
  let home: string
  let BIG: string

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-execution-'))
    home = path.join(root, 'home')
    BIG = path.join(home, 'lake', 'big.parquet')
    backend = createLocalBackend({home})
    engine = backend.query!
    const ref = {database: 'lab', table: 'samples'}
    const location = backend.catalog.managedLocation(ref)
    const delta = await DeltaTable.create(backend.lakeStorage(location), {columns: [field('sample', 'string'), field('n', 'long')]})
    await delta.append([
      {sample: 'S1', n: 1},
      {sample: 'S2', n: 2},
    ])
    await registerTable(backend, {...ref, location, managed: true})
    // The same table name under three databases, each unreadable (a folder with no Delta log, as an older labmesh
    // could register): which one a missing-table error is about.
    for (const database of ['archive', 'lab', 'shared']) {
      mkdirSync(path.join(root, `${database}-with_dv`))
      registerUnchecked(home, database, 'with_dv', path.join(root, `${database}-with_dv`))
    }
    // Twenty million rows in the lake: a query over them runs long enough to report progress.
    await withConnection((connection) =>
      connection.run(`COPY (SELECT range AS i FROM range(20000000)) TO ${quoteLiteral(BIG)} (FORMAT parquet, ROW_GROUP_SIZE 100000)`),
    )
  })
  after(async () => {
    await backend.close()
    rmSync(root, {recursive: true, force: true})
  })

  it('turns DuckDB’s permission errors into FORBIDDEN, keeping its words', async () => {
    const error = await failure(rowsOf(engine, {sql: "SELECT * FROM read_csv('/etc/passwd')"}))
    expect(error.code).to.equal('FORBIDDEN')
    expect(error.message).to.match(/^a query reads the lake's tables and nothing else: Permission Error: /)
    expect(error.message).to.include('/etc/passwd')
    expect(error.suggestions).to.deep.equal([
      'name tables as database.table (`labmesh catalog list`); add Delta tables kept elsewhere with `labmesh catalog register`',
    ])
  })

  it('reports a missing table that exists but cannot be read with its own reason, the one the SQL names', async () => {
    const subjectOf = async (sql: string): Promise<string | undefined> => {
      const error = await failure(rowsOf(engine, {sql}))
      expect(error.code, sql).to.equal('NOT_FOUND')
      expect(error.message, sql).to.match(/Delta/)
      return error.subject
    }
    expect(await subjectOf('SELECT * FROM shared.with_dv')).to.equal(path.join(root, 'shared-with_dv'))
    // Names match whatever their case, quoted or not, as in DuckDB.
    expect(await subjectOf('SELECT * FROM "Archive"."With_DV"')).to.equal(path.join(root, 'archive-with_dv'))
    expect(await subjectOf('SELECT * FROM SHARED.WITH_DV')).to.equal(path.join(root, 'shared-with_dv'))
    // A bare name is lab's, as everywhere in labmesh (archive.with_dv comes first).
    expect(await subjectOf('SELECT * FROM with_dv')).to.equal(path.join(root, 'lab-with_dv'))
    const missing = await failure(rowsOf(engine, {sql: 'SELECT * FROM lab.sample'}))
    expect(missing.code).to.equal('NOT_FOUND')
    expect(missing.message).to.match(/^Catalog Error: Table with name sample does not exist/)
    expect(missing.subject).to.equal('sample')
    expect(missing.suggestions).to.deep.equal(['did you mean lab.samples?'])
    // DuckDB quotes the whole name when the schema is missing.
    const schema = await failure(rowsOf(engine, {sql: 'SELECT * FROM labs.samples'}))
    expect(schema.toJSON()).to.deep.equal({
      code: 'NOT_FOUND',
      message:
        'Catalog Error: Table with name "labs.samples" does not exist because schema "labs" does not exist.\n\nLINE 1: SELECT * FROM labs.samples\n                      ^',
      subject: 'labs.samples',
      suggestions: ['did you mean lab.samples?'],
    })
  })

  it('reports DuckDB’s IO errors as BACKEND errors with its message', async () => {
    const missing = path.join(home, 'lake', 'none.parquet')
    const error = await failure(rowsOf(engine, {sql: `SELECT * FROM read_parquet('${missing}')`}))
    expect(error.code).to.equal('BACKEND')
    expect(error.message).to.match(new RegExp(`^IO Error: No files found that match the pattern "${missing}"`))
    expect(error.suggestions).to.deep.equal([])
  })

  it('tells how to type a parameter only where a parameter could not be typed', async () => {
    const untyped = await failure(rowsOf(engine, {sql: 'SELECT $a + $b', params: {a: '1', b: '2'}}))
    expect(untyped.code).to.equal('INVALID_INPUT')
    expect(untyped.message).to.match(/^Binder Error: /)
    expect(untyped.suggestions).to.deep.equal([
      'give the parameter its type where the SQL cannot tell it: $a::INTEGER, ::DOUBLE, ::DATE ...',
    ])
    const noParameter = await failure(rowsOf(engine, {sql: 'SELECT sample + sample FROM lab.samples'}))
    expect(noParameter.code).to.equal('INVALID_INPUT')
    expect(noParameter.message).to.match(/^Binder Error: .*explicit type cast/s)
    expect(noParameter.suggestions).to.deep.equal([])
  })

  it('takes a statement’s columns from its parameters’ values where only they settle them', async () => {
    expect(await rowsOf(engine, {sql: 'SELECT $x AS v', params: {x: 'a'}})).to.deep.equal({
      columns: [{name: 'v', type: 'VARCHAR'}],
      rows: [['a']],
    })
    expect(await rowsOf(engine, {sql: 'SELECT $x::INTEGER AS v, n FROM lab.samples ORDER BY n', params: {x: '7'}})).to.deep.equal({
      columns: [
        {name: 'v', type: 'INTEGER'},
        {name: 'n', type: 'BIGINT'},
      ],
      rows: [
        [7, 1],
        [7, 2],
      ],
    })
  })

  it('refuses with exact messages: several statements, a PIVOT that does not list its values, an EXPLAIN export', async () => {
    expect((await failure(rowsOf(engine, {sql: 'SELECT 1; SELECT 2; SELECT 3'}))).toJSON()).to.deep.equal({
      code: 'INVALID_INPUT',
      message: 'run one statement at a time; this SQL has 3',
      subject: undefined,
      suggestions: [],
    })
    expect((await failure(rowsOf(engine, {sql: 'PIVOT lab.samples ON sample USING sum(n)'}))).toJSON()).to.deep.equal({
      code: 'INVALID_INPUT',
      message: 'a PIVOT here names the values it turns into columns (a read-only query cannot create the type that finding them needs)',
      subject: undefined,
      suggestions: ["PIVOT lab.files ON technique IN ('plate reader', 'qpcr') USING count(*)"],
    })
    expect(await rowsOf(engine, {sql: "PIVOT lab.samples ON sample IN ('S1', 'S2') USING sum(n)"})).to.deep.equal({
      columns: [
        {name: 'S1', type: 'HUGEINT'},
        {name: 'S2', type: 'HUGEINT'},
      ],
      rows: [[1, 2]],
    })
    const target = path.join(root, 'plan.csv')
    expect((await failure(engine.export({sql: 'EXPLAIN SELECT 1'}, {path: target, format: 'csv'}))).toJSON()).to.deep.equal({
      code: 'USAGE',
      message: 'EXPLAIN shows a plan on screen; it cannot be written to a file',
      subject: undefined,
      suggestions: [],
    })
    expect(existsSync(target)).to.equal(false)
    expect(readdirSync(root).filter((name) => name.includes('.partial'))).to.deep.equal([])
    for (const [sql, what] of [
      ['UPDATE lab.samples SET n = 0', 'a statement starting with UPDATE is refused'],
      ['EXPLAIN UPDATE lab.samples SET n = 0', 'EXPLAIN is allowed over a query only, written EXPLAIN [ANALYZE] SELECT ...'],
    ]) {
      expect((await failure(rowsOf(engine, {sql}))).toJSON(), sql).to.deep.equal({
        code: 'FORBIDDEN',
        message: `only queries run here (SELECT, WITH, VALUES, DESCRIBE, SHOW, EXPLAIN); ${what}`,
        subject: undefined,
        suggestions: [REFUSED],
      })
    }
  })

  it('runs every kind of query its first word allows, and names what is wrong with parameters, all of them', async () => {
    for (const [sql, rows] of [
      ['DESC lab.samples', [['sample'], ['n']]],
      [
        'UNPIVOT lab.samples ON n INTO NAME k VALUE v',
        [
          ['S1', 'n', 1],
          ['S2', 'n', 2],
        ],
      ],
      ["PIVOT_WIDER lab.samples ON sample IN ('S1') USING sum(n)", [[1]]],
      [
        'PIVOT_LONGER lab.samples ON n INTO NAME k VALUE v',
        [
          ['S1', 'n', 1],
          ['S2', 'n', 2],
        ],
      ],
      ['EXPLAIN ANALYSE SELECT 1', undefined],
    ] as const) {
      const result = await rowsOf(engine, {sql})
      if (rows)
        expect(
          result.rows.map((r) => (sql.startsWith('DESC') ? r.slice(0, 1) : r)),
          sql,
        ).to.deep.equal(rows)
      else expect(result.rows.length, sql).to.be.greaterThan(0)
    }
    expect((await failure(rowsOf(engine, {sql: ' -- nothing;\n'}))).toJSON()).to.deep.equal({
      code: 'USAGE',
      message: 'there is no SQL statement to run',
      subject: undefined,
      suggestions: [],
    })
    expect((await failure(rowsOf(engine, {sql: 'SELECT $a, $b, $c', params: {b: '1'}}))).toJSON()).to.deep.equal({
      code: 'INVALID_INPUT',
      message: 'the query uses $a, $c but no value was given',
      subject: undefined,
      suggestions: ['--param a=VALUE', '--param c=VALUE'],
    })
    expect((await failure(rowsOf(engine, {sql: 'SELECT $a, $b', params: {a: '1', b: '2', x: '3', y: '4'}}))).toJSON()).to.deep.equal({
      code: 'INVALID_INPUT',
      message: 'parameter x, y is not used by the query (it uses $a, $b)',
      subject: undefined,
      suggestions: ['write $NAME in the SQL where the value goes'],
    })
  })

  describe('progress and cancellation', () => {
    // Long enough to be running when its first progress report comes, short enough that a run the abort does not stop ends soon.
    const long = (what: string): string => `SELECT ${what} FROM read_parquet(${quoteLiteral(BIG)}) WHERE md5(i::VARCHAR) LIKE '%abc%'`

    it('does not start a query whose signal is already aborted', async () => {
      const error = await failure(rowsOf(engine, {sql: 'SELECT 1', signal: AbortSignal.abort()}))
      expect(error.toJSON()).to.deep.equal({
        code: 'CANCELLED',
        message: 'the query was cancelled; nothing was written',
        subject: undefined,
        suggestions: [],
      })
      const target = path.join(root, 'never.csv')
      expect((await failure(engine.export({sql: 'SELECT 1', signal: AbortSignal.abort()}, {path: target, format: 'csv'}))).code).to.equal(
        'CANCELLED',
      )
      expect(existsSync(target)).to.equal(false)
    })

    it('reports progress while a query runs, then stops reporting; aborting it then cancels it', async () => {
      const reports: QueryProgress[] = []
      const controller = new AbortController()
      const error = await failure(
        rowsOf(engine, {
          sql: long('count(*)'),
          signal: controller.signal,
          onProgress: (progress) => {
            reports.push(progress)
            // Once DuckDB has read rows, the query is surely running.
            if (progress.rowsRead !== undefined) controller.abort()
          },
        }),
      )
      expect(error.toJSON()).to.deep.equal({
        code: 'CANCELLED',
        message: 'the query was cancelled; nothing was written',
        subject: undefined,
        suggestions: [],
      })
      const last = reports.at(-1)!
      expect(last.rowsRead).to.be.a('number').greaterThan(0)
      expect(last.percent).to.be.a('number').within(0, 100)
      for (const report of reports) expect(Object.keys(report).sort()).to.deep.equal(['percent', 'rowsRead'])
      const count = reports.length
      await new Promise((resolve) => setTimeout(resolve, 700))
      expect(reports.length, 'no report after the query ended').to.equal(count)
    })

    it('stops between chunks when aborted while rows are read', async () => {
      const controller = new AbortController()
      let pages = 0
      const error = await failure(
        engine.query({sql: 'SELECT * FROM range(100000)', signal: controller.signal}, async (result) => {
          for await (const page of result) {
            pages++
            expect(page.length).to.equal(2048)
            controller.abort()
          }
        }),
      )
      expect(error.code).to.equal('CANCELLED')
      expect(pages).to.equal(1)
    })

    it('cancels an export, leaving neither the file nor its partial', async () => {
      const controller = new AbortController()
      const target = path.join(root, 'cancelled.parquet')
      const error = await failure(
        engine.export(
          {sql: long('i'), signal: controller.signal, onProgress: (p) => p.rowsRead !== undefined && controller.abort()},
          {path: target, format: 'parquet'},
        ),
      )
      expect(error.code).to.equal('CANCELLED')
      expect(existsSync(target)).to.equal(false)
      expect(readdirSync(root).filter((name) => name.includes('cancelled'))).to.deep.equal([])
    })
  })
})
