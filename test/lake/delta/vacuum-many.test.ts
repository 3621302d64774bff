import {randomUUID} from 'node:crypto'
import {expect} from 'chai'

import {field} from '../../../src/lake/delta/schema.js'
import {type LakeStorage, listAll} from '../../../src/lake/delta/storage.js'
import {DeltaTable} from '../../../src/lake/delta/table.js'
import {testS3Storage} from '../../support/aws/clients.js'
import {TestS3} from '../../support/aws/s3-server.js'
import {query, tempDir} from './support.js'

/** More than a page of an S3 listing (1,000 keys): a vacuum that deleted while paging by offset would leave some. */
const ORPHANS = 1200
/** Files written at once when planting the orphans. */
const WRITERS = 16

/** Real: a Delta table on the local filesystem and on S3 (s3rver on 127.0.0.1), read back by DuckDB. */
function vacuumOfMany(name: string, open: () => Promise<{storage: LakeStorage; remove(): Promise<void>}>): void {
  it(`${name}: deletes all ${ORPHANS} unreferenced files in one run and keeps every referenced one`, async () => {
    const {storage, remove} = await open()
    try {
      const table = await DeltaTable.create(storage, {
        columns: [field('id', 'long'), field('plate', 'string')],
        partitionColumns: ['plate'],
      })
      await table.append([{id: 1n, plate: 'p1'}])
      const orphans = Array.from({length: ORPHANS}, (_, n) => `plate=p1/part-orphan-${String(n).padStart(5, '0')}.parquet`)
      for (let i = 0; i < orphans.length; i += WRITERS) {
        await Promise.all(orphans.slice(i, i + WRITERS).map((orphan) => storage.objects.put(orphan, 'never committed')))
      }
      // Eight days on, every orphan is older than the table's retention.
      const now = Date.now() + 8 * 24 * 3_600_000
      const dryRun = await table.vacuum({dryRun: true, now})
      expect(dryRun.files).to.deep.equal(orphans)
      const result = await table.vacuum({now})
      expect(result.files).to.deep.equal(orphans)
      expect((await listAll(storage.objects, 'plate=p1/')).map((o) => o.path).filter((p) => p.includes('orphan'))).to.deep.equal([])
      expect((await table.vacuum({now})).files).to.deep.equal([])
      expect(await query(`SELECT count(*)::INTEGER AS n FROM (${await table.scanSql()})`)).to.deep.equal([{n: 1}])
    } finally {
      await remove()
    }
  })
}

describe('Delta vacuum of more files than a listing page', function () {
  this.timeout(300_000)
  const s3 = new TestS3()
  after(async () => {
    if (s3.endpoint) await s3.stop()
  })

  vacuumOfMany('local files', () => tempDir())
  vacuumOfMany('S3 (s3rver)', async () => {
    if (!s3.endpoint) await s3.start()
    return testS3Storage(s3, `s3://${s3.bucket}/tables/${randomUUID()}`)
  })
  it('S3 (s3rver): the listings went on past their first page with continuation tokens', () => {
    expect(s3.matching('GET', /^\/labmesh-test\/?$/).filter((r) => r.url.includes('continuation-token=')).length).to.be.greaterThan(0)
  })
})
