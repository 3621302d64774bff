import {expect} from 'chai'

import {field} from '../../../src/lake/delta/schema.js'
import {DeltaTable} from '../../../src/lake/delta/table.js'
import type {Row} from '../../../src/lake/delta/rows.js'
import {query, tempDir} from './support.js'

/**
 * Rows staged into DuckDB by their shape (counted ids, repeating strings, other text), written
 * to a real Delta table on disk and read back through real DuckDB: every value comes back as given.
 */
describe('staging rows for a write', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => {
    temp = await tempDir()
  })
  afterEach(async () => {
    await temp.remove()
  })

  const COLUMNS = ['uuid', 'parent_uuid', 'near_miss', 'file_id', 'label', 'value'].map((name) =>
    field(name, name === 'value' ? 'double' : 'string'),
  )
  // Three files' rows, more than two chunks of 2048 rows each, so chunks are filled again.
  const ROWS = 5000
  const prefix = (n: number): string => `3f524cdc-07a1-8d7c-a22${n % 3}-`
  const counter = (n: number): string => n.toString(16).padStart(12, '0')

  function rows(): Row[] {
    return Array.from({length: ROWS}, (_, n) => ({
      uuid: prefix(n) + counter(n * 7919),
      // Nulls in the first chunk only: a reused chunk must not keep them.
      parent_uuid: n < 100 ? null : prefix(n) + counter(n - 1),
      // Ids of the same shape but one with an upper-case counter: the column is staged as text.
      near_miss: n === ROWS - 1 ? `${prefix(n)}00000000ABCD` : prefix(n) + counter(n),
      file_id: `file-${n % 3}`,
      label: `label ${n}`,
      value: n % 11 === 0 ? null : n / 4,
    }))
  }

  it('writes counted ids, repeating and unique strings across chunks exactly as given', async () => {
    const table = await DeltaTable.create(temp.storage, {columns: COLUMNS})
    const given = rows()
    const expected = given.map((row) => ({...row}))
    await table.append(given)
    const read = await query(`SELECT * FROM (${await table.scanSql()}) ORDER BY label`)
    expect(read).to.have.length(ROWS)
    const byLabel = new Map(read.map((row) => [row.label, row]))
    for (const row of expected) expect(byLabel.get(row.label as string)).to.deep.equal(row)
  })

  it('replaces rows by a predicate with counted ids staged beside the kept rows', async () => {
    const table = await DeltaTable.create(temp.storage, {columns: COLUMNS})
    await table.append(rows())
    const again = rows().filter((row) => row.file_id === 'file-1')
    await table.replaceWhere({sql: `file_id = 'file-1'`}, again)
    const [summary] = await query(
      `SELECT count(*) AS n, count(DISTINCT uuid) AS ids, max(CASE WHEN label = 'label 4' THEN uuid END) AS four FROM (${await table.scanSql()})`,
    )
    expect(summary).to.deep.equal({n: String(ROWS), ids: String(ROWS), four: prefix(4) + counter(4 * 7919)})
  })
})
