import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {LabmeshError} from '../../../src/errors.js'
import {LocalLakeStorage} from '../../../src/lake/delta/local-storage.js'
import {scanSql} from '../../../src/lake/delta/scan.js'
import {loadSnapshot} from '../../../src/lake/delta/snapshot.js'
import {DELTA_TABLES} from '../../support/testdata.js'
import {query} from './support.js'

interface Expected {
  version: number
  activeFiles: number
  columns: string[]
  partitionColumns: string[]
  rows?: number
  readerFeatures?: string[]
}

// Tables written by Spark, Databricks and delta-rs, read in place (the folder is read-only).
describe('Delta tables written by other engines', () => {
  const expected = JSON.parse(readFileSync(path.join(DELTA_TABLES, 'EXPECTED.json'), 'utf8')) as Record<string, Expected>

  it('covers every table in the testdata folder', () => {
    expect(Object.keys(expected)).to.have.length.greaterThan(5)
  })

  for (const [name, want] of Object.entries(expected)) {
    describe(name, () => {
      const storage = new LocalLakeStorage(path.join(DELTA_TABLES, name))

      it(`replays to version ${want.version} with ${want.activeFiles} active files`, async () => {
        const snapshot = await loadSnapshot(storage)
        expect(snapshot.version).to.equal(want.version)
        expect(snapshot.files).to.have.length(want.activeFiles)
        expect(snapshot.schema.fields.map((f) => f.name)).to.deep.equal(want.columns)
        expect(snapshot.partitionColumns).to.deep.equal(want.partitionColumns)
      })

      if (want.readerFeatures) {
        it(`is refused, naming ${want.readerFeatures.join(', ')}`, async () => {
          const snapshot = await loadSnapshot(storage)
          const error = await scanSql(storage, snapshot).then(
            () => undefined,
            (e: unknown) => e,
          )
          expect(error).to.be.instanceOf(LabmeshError)
          expect((error as LabmeshError).code).to.equal('UNSUPPORTED')
          for (const feature of want.readerFeatures ?? []) expect((error as LabmeshError).message).to.include(feature)
        })
      } else {
        it(`reads ${want.rows} rows with columns ${want.columns.join(', ')} through DuckDB`, async () => {
          const sql = await scanSql(storage, await loadSnapshot(storage))
          const described = await query(`DESCRIBE ${sql}`)
          expect(described.map((c) => c.column_name)).to.deep.equal(want.columns)
          const [{n}] = await query(`SELECT count(*) AS n FROM (${sql})`)
          expect(Number(n)).to.equal(want.rows)
        })
      }
    })
  }

  it('reads the DELETE of delta-0.8.0: version 0 had 5 rows, version 1 dropped value 3', async () => {
    const storage = new LocalLakeStorage(path.join(DELTA_TABLES, 'delta-0.8.0'))
    const values = async (version: number) =>
      (await query(`SELECT value FROM (${await scanSql(storage, await loadSnapshot(storage, {version}))}) ORDER BY value`)).map(
        (r) => r.value,
      )
    expect(await values(0)).to.deep.equal([0, 1, 2, 3, 4])
    expect(await values(1)).to.deep.equal([0, 1, 2, 4])
  })

  it('finds versions by commit timestamp in delta-0.8.0 and refuses times before the first commit', async () => {
    const storage = new LocalLakeStorage(path.join(DELTA_TABLES, 'delta-0.8.0'))
    // commitInfo timestamps: version 0 at 1615043767813, version 1 at 1615043776199.
    expect((await loadSnapshot(storage, {timestamp: 1_615_043_767_813})).version).to.equal(0)
    expect((await loadSnapshot(storage, {timestamp: 1_615_043_776_198})).version).to.equal(0)
    expect((await loadSnapshot(storage, {timestamp: new Date(1_615_043_776_199)})).version).to.equal(1)
    const error = await loadSnapshot(storage, {timestamp: 1_615_043_767_812}).catch((e: unknown) => e)
    expect((error as LabmeshError).code).to.equal('NOT_FOUND')
  })

  it('reads simple_table_with_checkpoint from its checkpoint and before it from JSON commits', async () => {
    const storage = new LocalLakeStorage(path.join(DELTA_TABLES, 'simple_table_with_checkpoint'))
    const latest = await loadSnapshot(storage)
    expect(latest.version).to.equal(10)
    expect(latest.timestamp).to.equal(1_615_751_716_705)
    const five = await loadSnapshot(storage, {version: 5})
    expect(five.files).to.have.length(6)
    const [{n}] = await query(`SELECT count(*) AS n FROM (${await scanSql(storage, five)})`)
    expect(Number(n)).to.equal(6)
  })

  it('gives the null partition of delta-0.8.0-null-partition as SQL NULL', async () => {
    const storage = new LocalLakeStorage(path.join(DELTA_TABLES, 'delta-0.8.0-null-partition'))
    const rows = await query(`SELECT k, v FROM (${await scanSql(storage, await loadSnapshot(storage))}) ORDER BY v`)
    expect(rows).to.deep.equal([
      {k: 'A', v: '1'},
      {k: null, v: '2'},
    ])
  })

  it('casts partition values to the schema types (delta-2.2.0-partitioned-types)', async () => {
    const storage = new LocalLakeStorage(path.join(DELTA_TABLES, 'delta-2.2.0-partitioned-types'))
    const sql = await scanSql(storage, await loadSnapshot(storage))
    const types = await query(`SELECT column_name, column_type FROM (DESCRIBE ${sql})`)
    expect(types).to.deep.equal([
      {column_name: 'c1', column_type: 'INTEGER'},
      {column_name: 'c2', column_type: 'VARCHAR'},
      {column_name: 'c3', column_type: 'INTEGER'},
    ])
    expect(await query(`SELECT c1, c2, c3 FROM (${sql}) WHERE c1 > 4 ORDER BY c1`)).to.deep.equal([
      {c1: 5, c2: 'b', c3: 6},
      {c1: 6, c2: 'a', c3: 4},
    ])
  })

  it('maps the physical column names of table_with_column_mapping to logical ones, partition included', async () => {
    const storage = new LocalLakeStorage(path.join(DELTA_TABLES, 'table_with_column_mapping'))
    const rows = await query(`SELECT * FROM (${await scanSql(storage, await loadSnapshot(storage))}) ORDER BY ALL`)
    expect(rows).to.have.length(5)
    expect(rows[0]).to.deep.equal({'Company Very Short': 'BME', 'Super Name': 'Timothy Lamb'})
    expect(rows.filter((r) => r['Company Very Short'] === 'BMS')).to.have.length(4)
  })

  it('reads the year-9999 timestamps of table_with_edge_timestamps as UTC instants', async () => {
    const storage = new LocalLakeStorage(path.join(DELTA_TABLES, 'table_with_edge_timestamps'))
    const rows = await query(
      `SELECT strftime(BIG_DATE, '%Y-%m-%dT%H:%M:%S') AS big, typeof(BIG_DATE) AS type FROM (${await scanSql(storage, await loadSnapshot(storage))}) ORDER BY big`,
    )
    expect(rows).to.deep.equal([
      {big: '9999-12-30T00:00:00', type: 'TIMESTAMP WITH TIME ZONE'},
      {big: '9999-12-31T00:00:00', type: 'TIMESTAMP WITH TIME ZONE'},
    ])
  })
})
