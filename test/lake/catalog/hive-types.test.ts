import {expect} from 'chai'

import {duckdbTypeOfHive, hiveType} from '../../../src/lake/catalog/hive-types.js'
import {withConnection} from '../../../src/lake/duckdb.js'

// Pure mapping, checked by a real DuckDB: each type it gives must be one DuckDB can cast NULL to.
describe('Glue (Hive) column types as DuckDB types', () => {
  it('reads primitive, sized and nested types, and what labmesh writes to Glue', async () => {
    const cases: [string, string][] = [
      ['string', 'VARCHAR'],
      ['varchar(20)', 'VARCHAR'],
      ['bigint', 'BIGINT'],
      ['INT', 'INTEGER'],
      ['decimal(10, 2)', 'DECIMAL(10,2)'],
      ['decimal', 'DECIMAL(10,0)'],
      ['timestamp', 'TIMESTAMP'],
      ['array<string>', 'VARCHAR[]'],
      ['map<string,array<double>>', 'MAP(VARCHAR, DOUBLE[])'],
      [
        'struct<name:string, values:array<struct<at:timestamp,v:decimal(5,1)>>>',
        'STRUCT("name" VARCHAR, "values" STRUCT("at" TIMESTAMP, "v" DECIMAL(5,1))[])',
      ],
      [hiveType({type: 'struct', fields: [{name: 'n', type: 'long', nullable: true, metadata: {}}]}), 'STRUCT("n" BIGINT)'],
    ]
    for (const [hive, duckdb] of cases) expect(duckdbTypeOfHive(hive), hive).to.equal(duckdb)
    await withConnection(async (connection) => {
      for (const [, duckdb] of cases) await connection.run(`SELECT CAST(NULL AS ${duckdb})`)
    })
  })

  it('refuses what is not a Hive type, naming it', () => {
    for (const bad of ['uuid', 'array<string', 'struct<a>', 'map<string>', 'string junk', 'decimal(a,b)']) {
      expect(() => duckdbTypeOfHive(bad), bad).to.throw(`the Glue column type "${bad}" is not a Hive type labmesh reads`)
    }
  })
})
