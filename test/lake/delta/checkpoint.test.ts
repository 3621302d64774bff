import {cp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {expect} from 'chai'

import {withConnection} from '../../../src/lake/duckdb.js'
import {LabmeshError} from '../../../src/errors.js'
import {checkpointInterval, tombstoneRetentionHours} from '../../../src/lake/delta/checkpoint.js'
import {listLog} from '../../../src/lake/delta/log-reader.js'
import {field} from '../../../src/lake/delta/schema.js'
import {loadSnapshot} from '../../../src/lake/delta/snapshot.js'
import {DeltaTable} from '../../../src/lake/delta/table.js'
import {DELTA_TABLES} from '../../support/testdata.js'
import {query, tempDir} from './support.js'

const LOG = '_delta_log'
const pad = (version: number) => String(version).padStart(20, '0')

describe('Delta checkpoints', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => {
    temp = await tempDir()
  })
  afterEach(async () => {
    await temp.remove()
  })

  /** Removes the JSON commits up to `version`, so only a checkpoint can tell the state. */
  const dropCommitsThrough = async (version: number) => {
    for (let v = 0; v <= version; v++) await rm(path.join(temp.dir, LOG, `${pad(v)}.json`))
  }
  const values = async (table: DeltaTable) => (await query(`SELECT n FROM (${await table.scanSql()}) ORDER BY n`)).map((r) => Number(r.n))

  it('writes N.checkpoint.parquet and _last_checkpoint every delta.checkpointInterval commits', async () => {
    const table = await DeltaTable.create(temp.storage, {
      columns: [field('n', 'long'), field('part', 'string')],
      partitionColumns: ['part'],
      configuration: {'delta.checkpointInterval': '3'},
    })
    const results = []
    for (let n = 1; n <= 7; n++) results.push(await table.append([{n: BigInt(n), part: n % 2 === 0 ? 'even' : 'odd'}]))
    expect(results.map((r) => r.commit?.checkpoint)).to.deep.equal([undefined, undefined, 3, undefined, undefined, 6, undefined])
    const {checkpoints} = await listLog(temp.storage)
    expect(checkpoints.map((c) => c.version)).to.deep.equal([3, 6])
    const last = JSON.parse(await readFile(path.join(temp.dir, LOG, '_last_checkpoint'), 'utf8')) as Record<string, number>
    // protocol + metaData + 6 adds.
    expect(last).to.include({version: 6, size: 8, numOfAddFiles: 6})

    // The state must now come from checkpoint 6 plus commit 7.
    await dropCommitsThrough(6)
    expect(await values(table)).to.deep.equal([1, 2, 3, 4, 5, 6, 7])
    const snapshot = await table.snapshot()
    expect(snapshot.version).to.equal(7)
    expect(snapshot.partitionColumns).to.deep.equal(['part'])
    expect(snapshot.files.every((f) => f.stats?.includes('"numRecords":1'))).to.equal(true)
  })

  it('has the protocol checkpoint schema: struct columns, partitionValues as a map, stats as a string', async () => {
    const table = await DeltaTable.create(temp.storage, {
      columns: [field('n', 'long'), field('part', 'string')],
      partitionColumns: ['part'],
    })
    await table.append([{n: 1n, part: 'a'}])
    await table.deleteWhere({sql: 'n = 1'})
    await table.append([{n: 2n, part: 'b'}])
    await table.checkpoint()
    const file = path.join(temp.dir, LOG, `${pad(3)}.checkpoint.parquet`)
    const columns = await query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${file}'))`)
    const types = Object.fromEntries(columns.map((c) => [c.column_name, c.column_type]))
    expect(Object.keys(types)).to.deep.equal(['txn', 'add', 'remove', 'metaData', 'protocol'])
    expect(types.add).to.equal(
      'STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR))',
    )
    expect(types.protocol).to.equal(
      'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])',
    )
    expect(types.metaData).to.include('partitionColumns VARCHAR[]').and.include('"configuration" MAP(VARCHAR, VARCHAR)')
    const [add] = await query(
      `SELECT add.partitionValues['part'] AS part, add.dataChange AS change, json_extract(add.stats, '$.numRecords') AS n FROM read_parquet('${file}') WHERE add IS NOT NULL`,
    )
    expect(add).to.deep.equal({part: 'b', change: false, n: '1'})
    // The tombstone of the deleted file is kept for vacuum.
    const [removed] = await query(
      `SELECT count(*) AS n FROM read_parquet('${file}') WHERE remove IS NOT NULL AND remove.deletionTimestamp > 0`,
    )
    expect(Number(removed.n)).to.equal(1)
    await dropCommitsThrough(2)
    const snapshot = await table.snapshot()
    expect(snapshot.tombstones).to.have.length(1)
    expect(snapshot.files.map((f) => f.partitionValues)).to.deep.equal([{part: 'b'}])
  })

  it('reads multi-part checkpoints and ignores one with a missing part', async () => {
    const table = await DeltaTable.create(temp.storage, {columns: [field('n', 'long')]})
    for (let n = 1; n <= 4; n++) await table.append([{n: BigInt(n)}])
    await table.checkpoint({parts: 3})
    expect((await readdir(path.join(temp.dir, LOG))).filter((f) => f.endsWith('.parquet')).sort()).to.deep.equal([
      `${pad(4)}.checkpoint.0000000001.0000000003.parquet`,
      `${pad(4)}.checkpoint.0000000002.0000000003.parquet`,
      `${pad(4)}.checkpoint.0000000003.0000000003.parquet`,
    ])
    expect(JSON.parse(await readFile(path.join(temp.dir, LOG, '_last_checkpoint'), 'utf8'))).to.include({version: 4, parts: 3})
    await table.append([{n: 5n}])
    await dropCommitsThrough(3)
    expect(await values(table)).to.deep.equal([1, 2, 3, 4, 5])

    // A part gone (a checkpoint being written, or abandoned): the reader must not trust the others.
    await rm(path.join(temp.dir, LOG, `${pad(4)}.checkpoint.0000000002.0000000003.parquet`))
    const error = await table.snapshot().catch((e: unknown) => e)
    expect((error as Error).message).to.include('commit 0 is missing')
  })

  it('falls back to listing when _last_checkpoint is stale or broken', async () => {
    const table = await DeltaTable.create(temp.storage, {columns: [field('n', 'long')], configuration: {'delta.checkpointInterval': '2'}})
    for (let n = 1; n <= 5; n++) await table.append([{n: BigInt(n)}])
    await writeFile(path.join(temp.dir, LOG, '_last_checkpoint'), '{"version": 2, "size": 3}')
    expect((await table.snapshot()).version).to.equal(5)
    await writeFile(path.join(temp.dir, LOG, '_last_checkpoint'), 'not json')
    await dropCommitsThrough(3)
    expect(await values(table)).to.deep.equal([1, 2, 3, 4, 5])
    // Versions before the oldest checkpoint cannot be rebuilt once their commits are gone.
    expect((await table.snapshot({version: 2})).version).to.equal(2)
    const old = await table.snapshot({version: 1}).catch((e: unknown) => e)
    expect((old as Error).message).to.include('cannot be rebuilt')
  })

  it('reads the Spark checkpoint of simple_table_with_checkpoint without the commits before it', async () => {
    await cp(path.join(DELTA_TABLES, 'simple_table_with_checkpoint'), temp.dir, {recursive: true})
    await dropCommitsThrough(9)
    const snapshot = await loadSnapshot(temp.storage)
    expect(snapshot.version).to.equal(10)
    expect(snapshot.files).to.have.length(11)
    const table = new DeltaTable(temp.storage)
    const [{n}] = await query(`SELECT count(*) AS n FROM (${await table.scanSql()})`)
    expect(Number(n)).to.equal(11)
  })

  it('refuses a v2 checkpoint whose actions live in sidecar files, naming v2Checkpoint', async () => {
    const table = await DeltaTable.create(temp.storage, {columns: [field('n', 'long')]})
    await table.append([{n: 1n}])
    const file = path.join(temp.dir, LOG, `${pad(1)}.checkpoint.parquet`)
    await withConnection((c) =>
      c.run(
        `COPY (SELECT NULL::STRUCT(path VARCHAR) AS add, {'path': 'sidecar.parquet', 'sizeInBytes': 1}::STRUCT(path VARCHAR, sizeInBytes BIGINT) AS sidecar) TO $file (FORMAT parquet)`,
        {file},
      ),
    )
    const error = await table.snapshot().catch((e: unknown) => e)
    expect((error as LabmeshError).code).to.equal('UNSUPPORTED')
    expect((error as LabmeshError).message).to.include('v2Checkpoint')
  })

  it('reads the interval and tombstone retention from the table properties, with Delta’s defaults', () => {
    const metadata = (configuration: Record<string, string>) => ({
      id: 't',
      format: {provider: 'parquet'},
      schemaString: '',
      partitionColumns: [],
      configuration,
    })
    expect(checkpointInterval(metadata({}))).to.equal(10)
    expect(checkpointInterval(metadata({'delta.checkpointInterval': '25'}))).to.equal(25)
    expect(checkpointInterval(metadata({'delta.checkpointInterval': 'often'}))).to.equal(10)
    expect(tombstoneRetentionHours(metadata({}))).to.equal(168)
    expect(tombstoneRetentionHours(metadata({'delta.deletedFileRetentionDuration': 'interval 2 days'}))).to.equal(48)
    expect(tombstoneRetentionHours(metadata({'delta.deletedFileRetentionDuration': 'interval 1 week'}))).to.equal(168)
  })
})
