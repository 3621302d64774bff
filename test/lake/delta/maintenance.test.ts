import {utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {expect} from 'chai'

import {LabmeshError} from '../../../src/errors.js'
import {readCommit} from '../../../src/lake/delta/log-reader.js'
import {field} from '../../../src/lake/delta/schema.js'
import {listAll} from '../../../src/lake/delta/storage.js'
import {DeltaTable} from '../../../src/lake/delta/table.js'
import {query, tempDir} from './support.js'

const HOUR = 3_600_000

describe('Delta optimize and vacuum', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>
  let table: DeltaTable
  beforeEach(async () => {
    temp = await tempDir()
    table = await DeltaTable.create(temp.storage, {
      columns: [field('id', 'long'), field('plate', 'string'), field('value', 'double')],
      partitionColumns: ['plate'],
    })
  })
  afterEach(async () => {
    await temp.remove()
  })

  const contents = async (options = {}) =>
    query(`SELECT id::VARCHAR AS id, plate, value FROM (${await table.scanSql(options)}) ORDER BY id`)
  const dataFiles = async () => (await listAll(temp.storage.objects, '')).map((o) => o.path).filter((p) => !p.startsWith('_delta_log/'))

  it('compacts the small files of each partition into one, keeping every row', async () => {
    for (let i = 0; i < 4; i++)
      await table.append([
        {id: BigInt(i), plate: 'p1', value: i},
        {id: BigInt(10 + i), plate: 'p2', value: i},
      ])
    await table.append([{id: 99n, plate: 'p3', value: 9, extra: 'evolved'}])
    const before = await contents()
    expect((await table.snapshot()).files).to.have.length(9)

    const result = await table.optimize()
    expect(result).to.include({filesRemoved: 8, filesAdded: 2, partitionsOptimized: 2})
    const snapshot = await table.snapshot()
    expect(snapshot.version).to.equal(result.commit?.version)
    expect(snapshot.files.map((f) => f.partitionValues.plate).sort()).to.deep.equal(['p1', 'p2', 'p3'])
    expect(await contents()).to.deep.equal(before)
    const {commitInfo} = (await table.history()).at(-1) ?? {}
    expect(commitInfo?.operation).to.equal('OPTIMIZE')
    // Compaction changes no rows: both sides of the commit say dataChange=false.
    const actions = await readCommit(temp.storage, snapshot.version)
    const changes = actions.flatMap((a) => [a.add, a.remove]).filter(Boolean) as Array<{dataChange: boolean}>
    expect(changes).to.have.length(10)
    expect(changes.every((c) => c.dataChange === false)).to.equal(true)

    expect(await table.optimize()).to.deep.equal({filesRemoved: 0, filesAdded: 0, partitionsOptimized: 0})
  })

  it('leaves files at or above the target size alone', async () => {
    await table.append([{id: 1n, plate: 'p1', value: 1}])
    await table.append([{id: 2n, plate: 'p1', value: 2}])
    const result = await table.optimize({targetFileSize: 100})
    expect(result.filesRemoved).to.equal(0)
  })

  it('vacuums removed files after the retention, dry run first, and keeps the table readable', async () => {
    await table.append([{id: 1n, plate: 'p1', value: 1}])
    await table.append([{id: 2n, plate: 'p1', value: 2}])
    const replaced = (await table.snapshot()).files.map((f) => f.path)
    await table.optimize()
    const now = Date.now()

    // Within the retention the removed files stay: older versions may still be read.
    expect((await table.vacuum({dryRun: true})).files).to.deep.equal([])
    const dry = await table.vacuum({dryRun: true, now: now + 169 * HOUR})
    expect(dry.dryRun).to.equal(true)
    expect(dry.files).to.deep.equal([...replaced].sort())
    expect(dry.bytes).to.be.greaterThan(0)
    expect(await dataFiles()).to.include.members(replaced)
    expect((await contents({version: 2})).map((r) => r.id)).to.deep.equal(['1', '2'])

    const real = await table.vacuum({now: now + 169 * HOUR})
    expect(real.files).to.deep.equal(dry.files)
    expect(await dataFiles()).to.not.include.members(replaced)
    expect((await dataFiles()).length).to.equal(1)
    expect((await contents()).map((r) => r.id)).to.deep.equal(['1', '2'])
  })

  it('keeps a recently removed file even when the file itself is old', async () => {
    await table.append([{id: 1n, plate: 'p1', value: 1}])
    const [old] = (await table.snapshot()).files
    const ancient = new Date(Date.now() - 1000 * HOUR)
    await utimes(path.join(temp.dir, old.path), ancient, ancient)
    await table.deleteWhere({sql: 'id = 1'})
    expect((await table.vacuum({dryRun: true})).files).to.deep.equal([])
  })

  it('removes files no commit names (a crashed writer) by age, but never hidden files or the log', async () => {
    await table.append([{id: 1n, plate: 'p1', value: 1}])
    await writeFile(path.join(temp.dir, 'plate=p1', 'part-orphan.parquet'), 'never committed')
    await writeFile(path.join(temp.dir, 'plate=p1', '.part-orphan.parquet.crc'), 'hidden')
    await writeFile(path.join(temp.dir, '_delta_log', 'notes.txt'), 'log')
    const old = new Date(Date.now() - 200 * HOUR)
    for (const file of ['plate=p1/part-orphan.parquet', 'plate=p1/.part-orphan.parquet.crc', '_delta_log/notes.txt'])
      await utimes(path.join(temp.dir, file), old, old)
    const result = await table.vacuum()
    expect(result.files).to.deep.equal(['plate=p1/part-orphan.parquet'])
    expect(await temp.storage.objects.head('plate=p1/.part-orphan.parquet.crc')).to.not.equal(undefined)
    expect(await temp.storage.objects.head('_delta_log/notes.txt')).to.not.equal(undefined)
  })

  it('refuses a retention shorter than the table keeps unless allowed', async () => {
    const error = await table.vacuum({retentionHours: 1}).catch((e: unknown) => e)
    expect((error as LabmeshError).code).to.equal('INVALID_INPUT')
    expect((await table.vacuum({retentionHours: 1, allowShortRetention: true})).retentionHours).to.equal(1)
  })
})
