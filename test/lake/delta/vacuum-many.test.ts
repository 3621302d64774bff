import {utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {expect} from 'chai'

import {field} from '../../../src/lake/delta/schema.js'
import {DeltaTable} from '../../../src/lake/delta/table.js'
import {query, tempDir} from './support.js'

/** More than a page of an S3 listing (1,000 keys): a vacuum that deleted while paging by offset would leave some. */
const ORPHANS = 1200

/** Real: a Delta table on the local filesystem, read back by DuckDB. */
describe('Delta vacuum of more files than a listing page', function () {
  this.timeout(120_000)

  it(`deletes all ${ORPHANS} unreferenced files in one run and keeps every referenced one`, async () => {
    const temp = await tempDir()
    try {
      const table = await DeltaTable.create(temp.storage, {
        columns: [field('id', 'long'), field('plate', 'string')],
        partitionColumns: ['plate'],
      })
      await table.append([{id: 1n, plate: 'p1'}])
      const old = new Date(Date.now() - 200 * 3_600_000)
      for (let n = 0; n < ORPHANS; n++) {
        const file = path.join(temp.dir, 'plate=p1', `part-orphan-${String(n).padStart(5, '0')}.parquet`)
        await writeFile(file, 'never committed')
        await utimes(file, old, old)
      }
      const dryRun = await table.vacuum({dryRun: true})
      expect(dryRun.files).to.have.length(ORPHANS)
      const result = await table.vacuum()
      expect(result.files).to.deep.equal(dryRun.files)
      expect((await temp.storage.list('plate=p1/')).map((o) => o.path).filter((p) => p.includes('orphan'))).to.deep.equal([])
      expect((await table.vacuum()).files).to.deep.equal([])
      expect(await query(`SELECT count(*)::INTEGER AS n FROM (${await table.scanSql()})`)).to.deep.equal([{n: 1}])
    } finally {
      await temp.remove()
    }
  })
})
