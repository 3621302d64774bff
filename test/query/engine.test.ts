import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parse} from 'csv-parse/sync'
import {expect} from 'chai'

import {withConnection} from '../../src/lake/duckdb.js'
import {createLocalBackend} from '../../src/backends/local/index.js'
import {queryValueConverter} from '../../src/backends/local/query-values.js'
import type {Backend, ExportFormat, QueryColumn, QueryEngine, QueryRequest, QueryValue} from '../../src/backends/types.js'
import {field} from '../../src/lake/delta/schema.js'
import {DeltaTable} from '../../src/lake/delta/table.js'
import {tableSchemaFor} from '../../src/package/table-schema.js'
import {registerTable} from '../support/lake.js'
import {failure, rowsOf} from '../support/query.js'
import {DELTA_TABLES} from '../support/testdata.js'

/** A file written by export, read back into QueryValues: text through its Table Schema types, Parquet through DuckDB. */
async function readBack(file: string, format: ExportFormat, columns: QueryColumn[]): Promise<QueryValue[][]> {
  if (format === 'parquet') {
    return withConnection(async (connection) =>
      (await connection.runAndReadAll('SELECT * FROM read_parquet($file)', {file})).convertRows(queryValueConverter),
    )
  }
  const text = readFileSync(file, 'utf8')
  const names = columns.map((c) => c.name)
  if (format === 'json' || format === 'jsonl') {
    const objects = (
      format === 'json'
        ? JSON.parse(text)
        : text
            .trimEnd()
            .split('\n')
            .map((line) => JSON.parse(line))
    ) as Record<string, QueryValue>[]
    return objects.map((object) => names.map((name) => object[name]))
  }
  const fields = tableSchemaFor(columns).fields
  // An unquoted empty field is a missing value; a quoted one is the empty string.
  const records = parse(text, {
    delimiter: format === 'csv' ? ',' : '\t',
    cast: (value, context) => (value === '' && !context.quoting ? null : value),
  }) as (string | null)[][]
  expect(records[0]).to.deep.equal(names)
  return records.slice(1).map((record) =>
    record.map((cell, i) => {
      if (cell === null) return null
      switch (fields[i].type) {
        case 'integer':
          return Number.isSafeInteger(Number(cell)) ? Number(cell) : cell
        case 'number':
          return Number(cell)
        case 'boolean':
          return cell === 'true'
        case 'array':
        case 'object':
          return JSON.parse(cell) as QueryValue
        default:
          return cell
      }
    }),
  )
}

describe('the DuckDB query engine', function () {
  this.timeout(300_000)
  let root: string
  let backend: Backend
  let engine: QueryEngine
  let firstVersionTime: Date

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-engine-'))
    backend = createLocalBackend({home: path.join(root, 'home')})
    engine = backend.query!
    const ref = {database: 'lab', table: 'samples'}
    const location = backend.catalog.managedLocation(ref)
    const table = await DeltaTable.create(backend.lakeStorage(location), {
      columns: [
        field('sample', 'string'),
        field('reading', 'double'),
        field('count', 'long'),
        field('ok', 'boolean'),
        field('day', 'date'),
        field('measured_at', 'timestamp'),
        field('local_time', 'timestamp_ntz'),
        field('raw', 'binary'),
        field('price', 'decimal(10,2)'),
        field('tags', {type: 'array', elementType: 'string', containsNull: true}),
        field('meta', {type: 'map', keyType: 'string', valueType: 'string', valueContainsNull: true}),
        field('site', 'string'),
      ],
      partitionColumns: ['site'],
    })
    await table.append([
      {
        sample: 'S1, "quoted"',
        reading: 0.25,
        count: 3,
        ok: true,
        day: '2024-05-01',
        measured_at: new Date('2024-05-01T12:00:00.5Z'),
        local_time: '2024-05-01T08:00:00',
        raw: new Uint8Array([0, 255, 16]),
        price: 1.5,
        tags: ['a', 'b'],
        meta: {instrument: 'bmg-mars'},
        site: 'boston',
      },
    ])
    firstVersionTime = new Date((await table.snapshot()).timestamp)
    await new Promise((resolve) => setTimeout(resolve, 20))
    await table.append([
      {
        sample: '',
        reading: Number.NaN,
        count: 9007199254740993n,
        ok: false,
        day: null,
        measured_at: null,
        local_time: null,
        raw: null,
        price: null,
        tags: [],
        meta: {},
        site: 'basel',
      },
      {
        sample: 'S3\nline two',
        reading: -1e-7,
        count: null,
        ok: null,
        day: '1999-12-31',
        measured_at: null,
        local_time: null,
        raw: null,
        price: -2.25,
        tags: null,
        meta: null,
        site: null,
      },
    ])
    await registerTable(backend, {...ref, location, managed: true})
    await registerTable(backend, {
      database: 'shared',
      table: 'partitioned',
      location: path.join(DELTA_TABLES, 'delta-0.8.0-partitioned'),
      managed: false,
    })
    await registerTable(backend, {
      database: 'shared',
      table: 'with_dv',
      location: path.join(DELTA_TABLES, 'table-with-dv-small'),
      managed: false,
    })
  })
  after(async () => {
    await backend.close()
    rmSync(root, {recursive: true, force: true})
  })

  it('streams rows as JSON-safe values: ISO times, base64 bytes, big integers as text, NaN as null, partitions as columns', async () => {
    const {columns, rows} = await rowsOf(engine, {sql: 'SELECT * FROM lab.samples ORDER BY sample'})
    expect(columns.map((c) => c.type)).to.deep.equal([
      'VARCHAR',
      'DOUBLE',
      'BIGINT',
      'BOOLEAN',
      'DATE',
      'TIMESTAMP WITH TIME ZONE',
      'TIMESTAMP',
      'BLOB',
      'DECIMAL(10,2)',
      'VARCHAR[]',
      'MAP(VARCHAR, VARCHAR)',
      'VARCHAR',
    ])
    expect(rows).to.deep.equal([
      ['', null, '9007199254740993', false, null, null, null, null, null, [], {}, 'basel'],
      [
        'S1, "quoted"',
        0.25,
        3,
        true,
        '2024-05-01',
        '2024-05-01T12:00:00.500000Z',
        '2024-05-01T08:00:00.000000',
        'AP8Q',
        1.5,
        ['a', 'b'],
        {instrument: 'bmg-mars'},
        'boston',
      ],
      ['S3\nline two', -1e-7, null, null, '1999-12-31', null, null, null, -2.25, null, null, null],
    ])
  })

  it('writes every format with COPY so that it reads back as the rows it streams', async () => {
    const sql = 'SELECT * FROM lab.samples ORDER BY sample; -- every column'
    const streamed = await rowsOf(engine, {sql})
    for (const format of ['csv', 'tsv', 'json', 'jsonl', 'parquet'] as const) {
      const file = path.join(root, `samples.${format}`)
      const written = await engine.export({sql}, {path: file, format})
      expect(written.rows, format).to.equal(3)
      expect(written.columns, format).to.deep.equal(streamed.columns)
      const back = await readBack(file, format, written.columns)
      // JSON numbers hold any integer; JavaScript reads 2^53 + 1 as 2^53.
      if (format === 'json' || format === 'jsonl') expect(readFileSync(file, 'utf8')).to.include('9007199254740993')
      const comparable = (rows: QueryValue[][]): QueryValue[][] =>
        rows.map((row) => row.map((v, i) => (i === 2 && (format === 'json' || format === 'jsonl') && v !== null ? Number(v) : v)))
      expect(comparable(back), format).to.deep.equal(comparable(streamed.rows))
    }
    expect(readdirSync(root).filter((name) => name.includes('.partial'))).to.deep.equal([])
  })

  it('names repeated columns apart in every file format, as the columns it reports', async () => {
    for (const format of ['csv', 'tsv', 'json', 'jsonl', 'parquet'] as const) {
      const file = path.join(root, `repeated.${format}`)
      const written = await engine.export({sql: 'SELECT s.sample AS id, s.count AS id FROM lab.samples s ORDER BY 1'}, {path: file, format})
      expect(
        written.columns.map((c) => c.name),
        format,
      ).to.deep.equal(['id', 'id_1'])
      expect((await readBack(file, format, written.columns))[0], format).to.deep.equal(
        ['', '9007199254740993'].map((v, i) => (i === 1 && format !== 'parquet' && format !== 'csv' && format !== 'tsv' ? Number(v) : v)),
      )
    }
  })

  it('binds parameters as values, with their types taken from where they stand', async () => {
    const count = async (sql: string, params: Record<string, string>): Promise<QueryValue> =>
      (await rowsOf(engine, {sql, params})).rows[0][0]
    expect(await count('SELECT count(*) FROM lab.samples WHERE reading BETWEEN $min AND $max', {min: '0', max: '1'})).to.equal(1)
    expect(await count('SELECT count(*) FROM lab.samples WHERE day >= $since', {since: '2000-01-01'})).to.equal(1)
    expect(await count('SELECT count(*) FROM lab.samples WHERE sample = $name', {name: "S1' OR '1'='1"})).to.equal(0)
    expect(await count('SELECT $x::INTEGER + 1', {x: '41'})).to.equal(42)
    expect((await failure(rowsOf(engine, {sql: 'SELECT count(*) FROM lab.samples WHERE reading > $min'}))).suggestions).to.deep.equal([
      '--param min=VALUE',
    ])
    expect((await failure(rowsOf(engine, {sql: 'SELECT 1', params: {min: '1'}}))).message).to.match(/parameter min is not used/)
    const badValue = await failure(rowsOf(engine, {sql: 'SELECT count(*) FROM lab.samples WHERE count > $n', params: {n: 'many'}}))
    expect(badValue.code).to.equal('INVALID_INPUT')
    expect(badValue.message).to.match(/Conversion Error/)
    const exported = await engine.export(
      {sql: 'SELECT sample FROM lab.samples WHERE site = $site', params: {site: 'boston'}},
      {path: path.join(root, 'param.csv'), format: 'csv'},
    )
    expect(exported.rows).to.equal(1)
  })

  it('reads a table as it was at a version or a time', async () => {
    const count = async (asOf: QueryRequest['asOf']): Promise<QueryValue> =>
      (await rowsOf(engine, {sql: 'SELECT count(*) FROM samples', asOf})).rows[0][0]
    expect(await count(undefined)).to.equal(3)
    expect(await count({'lab.samples': {version: 1}})).to.equal(1)
    expect(await count({'lab.samples': {timestamp: firstVersionTime}})).to.equal(1)
    expect(await count({'lab.samples': {version: 0}})).to.equal(0)
    expect((await failure(count({'lab.samples': {version: 9}}))).code).to.equal('NOT_FOUND')
    const unknown = await failure(count({'lab.sample': {version: 1}}))
    expect(unknown.code).to.equal('NOT_FOUND')
    expect(unknown.suggestions).to.deep.equal(['did you mean lab.samples?'])
  })

  it('reads tables registered from elsewhere, and reports an unreadable one only when a statement names it', async () => {
    const partitioned = await rowsOf(engine, {sql: 'SELECT count(*), count(DISTINCT year) FROM shared.partitioned'})
    expect(partitioned.rows[0][0]).to.equal(
      JSON.parse(readFileSync(path.join(DELTA_TABLES, 'EXPECTED.json'), 'utf8'))['delta-0.8.0-partitioned'].rows,
    )
    const withVectors = await failure(rowsOf(engine, {sql: 'SELECT * FROM shared.with_dv'}))
    expect(withVectors.code).to.equal('UNSUPPORTED')
    expect(withVectors.message).to.match(/deletionVectors/)
  })

  it('shows DuckDB’s message with its position for SQL errors, and the closest names for an unknown table', async () => {
    const syntax = await failure(rowsOf(engine, {sql: 'SELEC count(*) FROM lab.samples'}))
    expect(syntax.code).to.equal('INVALID_INPUT')
    expect(syntax.message).to.match(/^Parser Error: syntax error at or near "SELEC"/)
    expect(syntax.message).to.include('LINE 1: SELEC count(*)')
    expect(syntax.message).to.match(/\n\s+\^/)
    const column = await failure(rowsOf(engine, {sql: 'SELECT readings FROM lab.samples'}))
    expect(column.message).to.match(/Binder Error: Referenced column "readings" not found/)
    const table = await failure(rowsOf(engine, {sql: 'SELECT * FROM lab.sample'}))
    expect(table.code).to.equal('NOT_FOUND')
    expect(table.suggestions).to.deep.equal(['did you mean lab.samples?'])
    expect((await failure(rowsOf(engine, {sql: 'SELECT 1; SELECT 2'}))).message).to.match(/one statement at a time/)
    expect((await failure(rowsOf(engine, {sql: ' -- nothing;\n'}))).code).to.equal('USAGE')
  })

  it('runs queries of every allowed kind: WITH, VALUES, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN and EXPLAIN ANALYZE of a SELECT', async () => {
    expect((await rowsOf(engine, {sql: 'WITH s AS (SELECT * FROM samples) SELECT count(*) FROM s'})).rows).to.deep.equal([[3]])
    expect((await rowsOf(engine, {sql: 'VALUES (1, 2)'})).rows).to.deep.equal([[1, 2]])
    expect((await rowsOf(engine, {sql: 'DESCRIBE lab.samples'})).rows.map((r) => r[0])).to.include('measured_at')
    expect((await rowsOf(engine, {sql: 'SHOW ALL TABLES'})).rows.map((r) => `${r[1]}.${r[2]}`)).to.include.members([
      'lab.samples',
      'shared.partitioned',
    ])
    expect((await rowsOf(engine, {sql: 'SUMMARIZE shared.partitioned'})).rows.map((r) => r[0])).to.deep.equal([
      'value',
      'year',
      'month',
      'day',
    ])
    for (const sql of ['EXPLAIN SELECT * FROM lab.samples', '/* why */ explain analyze SELECT count(*) FROM lab.samples']) {
      const plan = await engine.query({sql}, async (result) => {
        const rows: QueryValue[][] = []
        for await (const page of result) rows.push(...page)
        return {kind: result.kind, text: rows.map((r) => r.at(-1)).join('\n')}
      })
      expect(plan.kind, sql).to.equal('plan')
      expect(plan.text, sql).to.match(/READ_PARQUET|TABLE_SCAN/)
    }
  })

  it('refuses anything that writes, attaches, loads, sets, or reads files outside the lake, and leaves nothing behind', async () => {
    const lake = path.join(root, 'home', 'lake')
    const outside = path.join(root, 'outside.csv')
    const inLake = path.join(lake, 'injected.csv')
    // INVALID_INPUT where DuckDB's parser rejects the text itself; FORBIDDEN for what parses and is refused.
    const refused: [string, 'FORBIDDEN' | 'INVALID_INPUT'][] = [
      [`SELECT * FROM read_csv('/etc/passwd')`, 'FORBIDDEN'],
      [`SELECT * FROM read_text('/etc/hostname')`, 'FORBIDDEN'],
      [`SELECT * FROM glob('/etc/*')`, 'FORBIDDEN'],
      [
        `SELECT * FROM read_parquet('${path.join(DELTA_TABLES, '..', 'delta', 'delta-0.8.0', '*.parquet')}') UNION ALL SELECT * FROM read_csv('/etc/passwd')`,
        'FORBIDDEN',
      ],
      [`SELECT * FROM read_blob('${path.join(root, 'home', 'labmesh.db')}')`, 'FORBIDDEN'],
      [`COPY (SELECT 1) TO '${outside}'`, 'FORBIDDEN'],
      [`COPY (SELECT 1) TO '${inLake}'`, 'FORBIDDEN'],
      [`COPY lab.samples TO '${inLake}'`, 'FORBIDDEN'],
      [`EXPLAIN ANALYZE COPY (SELECT 1) TO '${inLake}'`, 'FORBIDDEN'],
      [`EXPLAIN (ANALYZE) COPY (SELECT 1) TO '${inLake}'`, 'FORBIDDEN'],
      [`EXPORT DATABASE '${path.join(lake, 'export')}'`, 'FORBIDDEN'],
      [`EXPLAIN EXPORT DATABASE '${path.join(lake, 'export')}'`, 'INVALID_INPUT'],
      [`EXPLAIN (FORMAT json) EXPORT DATABASE '${path.join(lake, 'export')}'`, 'INVALID_INPUT'],
      [`explain analyse /* x */ EXPORT DATABASE '${path.join(lake, 'export')}'`, 'INVALID_INPUT'],
      [`ATTACH '${path.join(root, 'other.duckdb')}' AS other`, 'FORBIDDEN'],
      [`INSTALL httpfs`, 'FORBIDDEN'],
      [`LOAD httpfs`, 'FORBIDDEN'],
      [`CREATE TABLE copied AS SELECT * FROM lab.samples`, 'FORBIDDEN'],
      [`CREATE VIEW lab.other AS SELECT 1`, 'FORBIDDEN'],
      [`CREATE MACRO twice(x) AS x * 2`, 'FORBIDDEN'],
      [`INSERT INTO lab.samples (sample) VALUES ('x')`, 'FORBIDDEN'],
      [`DELETE FROM lab.samples`, 'FORBIDDEN'],
      [`DROP VIEW lab.samples`, 'FORBIDDEN'],
      [`ALTER VIEW lab.samples RENAME TO gone`, 'FORBIDDEN'],
      [`SET enable_external_access = true`, 'FORBIDDEN'],
      [`RESET allowed_directories`, 'FORBIDDEN'],
      [`PRAGMA enable_profiling`, 'FORBIDDEN'],
      [`CALL pragma_version()`, 'FORBIDDEN'],
      [`CHECKPOINT`, 'FORBIDDEN'],
      [`SELECT 1; COPY (SELECT 1) TO '${outside}'`, 'INVALID_INPUT'],
    ]
    for (const [sql, code] of refused) {
      const error = await failure(rowsOf(engine, {sql}))
      expect(error.code, `${sql}: ${error.message}`).to.equal(code)
    }
    const exported = await failure(
      engine.export({sql: `SELECT * FROM read_csv('/etc/passwd')`}, {path: path.join(root, 'stolen.csv'), format: 'csv'}),
    )
    expect(exported.code).to.equal('FORBIDDEN')
    for (const file of [outside, inLake, path.join(lake, 'export'), path.join(root, 'other.duckdb'), path.join(root, 'stolen.csv')])
      expect(existsSync(file), file).to.equal(false)
    expect(readdirSync(root).filter((name) => name.includes('.partial'))).to.deep.equal([])
    expect((await rowsOf(engine, {sql: 'SELECT count(*) FROM lab.samples'})).rows).to.deep.equal([[3]])
  })

  it('cancels a running query or export when its signal aborts, removing the partial file', async () => {
    const long = 'SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3'
    const streaming = new AbortController()
    setTimeout(() => streaming.abort(), 300)
    expect((await failure(rowsOf(engine, {sql: long, signal: streaming.signal}))).code).to.equal('CANCELLED')

    const exporting = new AbortController()
    const progress: unknown[] = []
    const target = path.join(root, 'cancelled.parquet')
    setTimeout(() => exporting.abort(), 1500)
    const error = await failure(
      engine.export(
        {sql: 'SELECT range AS i, range * 2 AS j FROM range(100000000000)', signal: exporting.signal, onProgress: (p) => progress.push(p)},
        {path: target, format: 'parquet'},
      ),
    )
    expect(error.code).to.equal('CANCELLED')
    expect(existsSync(target)).to.equal(false)
    expect(readdirSync(root).filter((name) => name.includes('cancelled'))).to.deep.equal([])
    expect(progress.length, 'progress was reported while it ran').to.be.greaterThan(0)
  })
})
