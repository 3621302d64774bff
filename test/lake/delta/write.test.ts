import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {LabmeshError} from '../../../src/errors.js'
import {parseCommit} from '../../../src/lake/delta/actions.js'
import {LocalLakeStorage} from '../../../src/lake/delta/local-storage.js'
import {field} from '../../../src/lake/delta/schema.js'
import {listAll} from '../../../src/lake/delta/storage.js'
import {DeltaTable} from '../../../src/lake/delta/table.js'
import {query, tempDir} from './support.js'

const PACKAGE_VERSION = (JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {version: string}).version
const COLUMNS = [field('file_id', 'string'), field('well', 'string'), field('value', 'double'), field('plate', 'string')]

describe('DeltaTable writes', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>
  let table: DeltaTable
  beforeEach(async () => {
    temp = await tempDir()
    table = await DeltaTable.create(temp.storage, {columns: COLUMNS, partitionColumns: ['plate']})
  })
  afterEach(async () => {
    await temp.remove()
  })

  const rowsOf = async (t: DeltaTable, options = {}) => query(`SELECT * FROM (${await t.scanSql(options)}) ORDER BY file_id, well, value`)
  const commit = async (version: number) =>
    parseCommit(await readFile(path.join(temp.dir, '_delta_log', `${String(version).padStart(20, '0')}.json`), 'utf8'), 'commit')

  it('creates version 0 with protocol 1/2, metadata and commitInfo', async () => {
    const actions = await commit(0)
    expect(actions.find((a) => a.protocol)).to.deep.equal({protocol: {minReaderVersion: 1, minWriterVersion: 2}})
    const metaData = actions.find((a) => a.metaData)?.metaData ?? expect.fail('no metaData')
    expect(metaData.format).to.deep.equal({provider: 'parquet', options: {}})
    expect(metaData.partitionColumns).to.deep.equal(['plate'])
    expect(metaData.id).to.match(/^[0-9a-f-]{36}$/)
    expect(metaData.createdTime).to.be.a('number')
    expect(JSON.parse(metaData.schemaString)).to.deep.equal({type: 'struct', fields: COLUMNS})
    const commitInfo = actions.find((a) => a.commitInfo)?.commitInfo ?? expect.fail('no commitInfo')
    expect(commitInfo.operation).to.equal('CREATE TABLE')
    expect(commitInfo.timestamp).to.be.closeTo(Date.now(), 60_000)
    expect(commitInfo.engineInfo).to.equal(`labmesh/${PACKAGE_VERSION}`)
    const again = await DeltaTable.create(temp.storage, {columns: COLUMNS}).catch((e: unknown) => e)
    expect((again as LabmeshError).code).to.equal('CONFLICT')
  })

  it('appends Parquet files per partition, then commits add actions with stats', async () => {
    const result = await table.append([
      {file_id: 'f1', well: 'A1', value: 0.5, plate: 'p1'},
      {file_id: 'f1', well: 'A2', value: null, plate: 'p1'},
      {file_id: 'f1', well: 'A1', value: 7, plate: null},
    ])
    expect(result).to.include({committed: true, version: 1, filesAdded: 2, rowsWritten: 3})
    const adds = (await commit(1)).flatMap((a) => (a.add ? [a.add] : []))
    const p1 = adds.find((a) => a.path.startsWith('plate=p1/'))
    expect(p1?.partitionValues).to.deep.equal({plate: 'p1'})
    expect(p1?.path).to.match(/\.zstd\.parquet$/)
    expect(p1?.dataChange).to.equal(true)
    expect(JSON.parse(p1?.stats ?? '')).to.deep.equal({
      numRecords: 2,
      minValues: {file_id: 'f1', well: 'A1', value: 0.5},
      maxValues: {file_id: 'f1', well: 'A2', value: 0.5},
      nullCount: {file_id: 0, well: 0, value: 1},
    })
    const nullPartition = adds.find((a) => a.path.startsWith('plate=__HIVE_DEFAULT_PARTITION__/'))
    expect(nullPartition?.partitionValues).to.deep.equal({plate: null})
    // The partition column lives in the log, not in the data file.
    const [file] = await query(`SELECT count(*) AS n FROM parquet_schema('${path.join(temp.dir, p1?.path ?? '')}') WHERE name = 'plate'`)
    expect(Number(file.n)).to.equal(0)
    const [meta] = await query(`SELECT DISTINCT compression FROM parquet_metadata('${path.join(temp.dir, p1?.path ?? '')}')`)
    expect(meta.compression).to.equal('ZSTD')
    expect(await rowsOf(table)).to.deep.equal([
      {file_id: 'f1', well: 'A1', value: 0.5, plate: 'p1'},
      {file_id: 'f1', well: 'A1', value: 7, plate: null},
      {file_id: 'f1', well: 'A2', value: null, plate: 'p1'},
    ])
  })

  it('replaces the rows of a predicate copy-on-write, keeping the other rows of rewritten files', async () => {
    await table.append([
      {file_id: 'f1', well: 'A1', value: 1, plate: 'p1'},
      {file_id: 'f2', well: 'B1', value: 2, plate: 'p1'},
      {file_id: 'f2', well: 'B2', value: 3, plate: 'p2'},
    ])
    const result = await table.replaceWhere({sql: 'file_id = $id', params: {id: 'f1'}}, [
      {file_id: 'f1', well: 'A1', value: 10, plate: 'p1'},
      {file_id: 'f1', well: 'A2', value: 11, plate: 'p3'},
    ])
    // Only the p1 file held f1 rows: it is removed and rewritten; the p2 file is untouched.
    expect(result).to.include({version: 2, filesRemoved: 1, rowsDeleted: 1, rowsWritten: 2})
    const actions = await commit(2)
    const removes = actions.flatMap((a) => (a.remove ? [a.remove] : []))
    expect(removes).to.have.length(1)
    expect(removes[0].dataChange).to.equal(true)
    expect(await rowsOf(table)).to.deep.equal([
      {file_id: 'f1', well: 'A1', value: 10, plate: 'p1'},
      {file_id: 'f1', well: 'A2', value: 11, plate: 'p3'},
      {file_id: 'f2', well: 'B1', value: 2, plate: 'p1'},
      {file_id: 'f2', well: 'B2', value: 3, plate: 'p2'},
    ])
    // Replacing again does not duplicate: re-converting a file replaces its rows.
    await table.replaceWhere({sql: 'file_id = $id', params: {id: 'f1'}}, [{file_id: 'f1', well: 'A1', value: 12, plate: 'p1'}])
    expect((await rowsOf(table)).filter((r) => r.file_id === 'f1')).to.deep.equal([{file_id: 'f1', well: 'A1', value: 12, plate: 'p1'}])
    const deleted = await table.deleteWhere({sql: "file_id = 'f2'"})
    // The p1 file also holds f1's row, so it is rewritten; the p2 file held only f2 and just goes.
    expect(deleted).to.include({rowsDeleted: 2, filesRemoved: 2, filesAdded: 1})
    expect((await rowsOf(table)).map((r) => r.file_id)).to.deep.equal(['f1'])
  })

  it('does not commit when nothing changes', async () => {
    const result = await table.deleteWhere({sql: "file_id = 'nothing'"})
    expect(result).to.include({committed: false, version: 0})
    expect(await readdir(path.join(temp.dir, '_delta_log'))).to.deep.equal(['00000000000000000000.json'])
  })

  it('evolves the schema with new nullable columns, typed from values or declarations', async () => {
    await table.append([{file_id: 'f1', well: 'A1', value: 1, plate: 'p1'}])
    const result = await table.append([{file_id: 'f2', well: 'A1', value: 2, plate: 'p1', temperature: 37.5, operator: 'ada', count: 3}], {
      columns: [field('count', 'long')],
    })
    expect(result.addedColumns).to.deep.equal(['count', 'temperature', 'operator'])
    const metaData = (await commit(2)).find((a) => a.metaData)?.metaData ?? expect.fail('no metaData')
    const fields = (JSON.parse(metaData.schemaString) as {fields: Array<{name: string; type: string; nullable: boolean}>}).fields
    expect(fields.slice(4).map((f) => [f.name, f.type, f.nullable])).to.deep.equal([
      ['count', 'long', true],
      ['temperature', 'double', true],
      ['operator', 'string', true],
    ])
    expect(await rowsOf(table)).to.deep.equal([
      {file_id: 'f1', well: 'A1', value: 1, plate: 'p1', count: null, temperature: null, operator: null},
      {file_id: 'f2', well: 'A1', value: 2, plate: 'p1', count: '3', temperature: 37.5, operator: 'ada'},
    ])
  })

  it('refuses a type conflict, naming the column, and writes nothing', async () => {
    const declared = await table.append([{file_id: 'f1', value: 1}], {columns: [field('value', 'string')]}).catch((e: unknown) => e)
    expect((declared as LabmeshError).code).to.equal('CONFLICT')
    expect((declared as LabmeshError).message).to.include('"value"')
    const wrongValue = await table.append([{file_id: 'f1', value: 'high'}]).catch((e: unknown) => e)
    expect((wrongValue as LabmeshError).code).to.equal('INVALID_DATA')
    expect((wrongValue as LabmeshError).message).to.include('"value"')
    const strict = await table.append([{file_id: 'f1', extra: 1}], {mergeSchema: false}).catch((e: unknown) => e)
    expect((strict as LabmeshError).message).to.include('extra')
    expect((await table.snapshot()).version).to.equal(0)
    expect((await readdir(temp.dir)).sort()).to.deep.equal(['_delta_log'])
  })

  it('travels in time by version and by commit timestamp', async () => {
    await table.append([{file_id: 'f1', well: 'A1', value: 1, plate: 'p1'}])
    await table.replaceWhere({sql: "file_id = 'f1'"}, [{file_id: 'f1', well: 'A1', value: 2, plate: 'p1'}])
    await table.append([{file_id: 'f2', well: 'A1', value: 3, plate: 'p1', note: 'late'}])
    const values = async (options: object) => (await rowsOf(table, options)).map((r) => r.value)
    expect(await values({version: 0})).to.deep.equal([])
    expect(await values({version: 1})).to.deep.equal([1])
    expect(await values({version: 2})).to.deep.equal([2])
    expect(await values({})).to.deep.equal([2, 3])
    // Version 2 does not have the column added in version 3.
    expect(Object.keys((await rowsOf(table, {version: 2}))[0])).to.not.include('note')

    const history = await table.history()
    expect(history.map((h) => [h.version, h.commitInfo?.operation])).to.deep.equal([
      [0, 'CREATE TABLE'],
      [1, 'WRITE'],
      [2, 'WRITE'],
      [3, 'WRITE'],
    ])
    for (const record of history) expect((await table.snapshot({timestamp: record.timestamp})).version).to.equal(record.version)
    expect((await table.snapshot({timestamp: new Date(history[2].timestamp + 0.5)})).version).to.equal(2)
    expect((await table.snapshot({timestamp: Date.now() + 3_600_000})).version).to.equal(3)
    const early = await table.snapshot({timestamp: history[0].timestamp - 1}).catch((e: unknown) => e)
    expect((early as LabmeshError).code).to.equal('NOT_FOUND')
    const missing = await table.snapshot({version: 9}).catch((e: unknown) => e)
    expect((missing as LabmeshError).code).to.equal('NOT_FOUND')
  })

  it('refuses to replace rows in an append-only table but still appends', async () => {
    const other = await tempDir()
    try {
      const appendOnly = await DeltaTable.create(other.storage, {columns: COLUMNS, configuration: {'delta.appendOnly': 'true'}})
      await appendOnly.append([{file_id: 'f1', well: 'A1', value: 1, plate: 'p1'}])
      const error = await appendOnly.deleteWhere({sql: "file_id = 'f1'"}).catch((e: unknown) => e)
      expect((error as LabmeshError).code).to.equal('UNSUPPORTED')
      expect((error as LabmeshError).message).to.include('delta.appendOnly')
      // Refused before any file was written.
      expect((await listAll(other.storage.objects, '')).filter((o) => !o.path.startsWith('_delta_log/'))).to.have.length(1)
    } finally {
      await other.remove()
    }
  })

  it('escapes partition values in directory names and reads them back exactly', async () => {
    const values = ["o'clock", 'a/b', 'x=y', 'with space', '100%', '']
    await table.append(values.map((plate, i) => ({file_id: `f${i}`, well: 'A1', value: i, plate})))
    const snapshot = await table.snapshot()
    expect(snapshot.files.map((f) => f.partitionValues.plate).sort()).to.deep.equal([...values.filter((v) => v !== ''), null].sort())
    // Every directory is one level deep: '/' in a value is escaped, not a subdirectory.
    for (const file of snapshot.files) expect(decodeURIComponent(file.path).split('/')).to.have.length(2)
    const read = (await rowsOf(table)).map((r) => r.plate)
    expect(read).to.deep.equal(["o'clock", 'a/b', 'x=y', 'with space', '100%', null])
  })

  it('replaces and deletes rows in partitions whose values need encoding in the log', async () => {
    // Each value makes the log path differ from the file path: %20, %2F, %25, %3D, and UTF-8 escapes.
    const plates = ['Plate 1', 'a/b', '100%', 'x=y', 'Zürich 東京']
    await table.append(plates.flatMap((plate, i) => [{file_id: 'old', well: 'A1', value: i, plate}]))
    await table.append([{file_id: 'kept', well: 'B1', value: 99, plate: 'Plate 1'}])
    for (const [i, plate] of plates.entries()) {
      const replaced = await table.replaceWhere({sql: 'file_id = $id AND plate = $plate', params: {id: 'old', plate}}, [
        {file_id: 'new', well: 'A1', value: 10 + i, plate},
      ])
      expect(replaced, plate).to.include({rowsDeleted: 1, filesRemoved: 1, rowsWritten: 1})
    }
    expect((await rowsOf(table)).map((r) => [r.file_id, r.plate, r.value])).to.deep.equal([
      ['kept', 'Plate 1', 99],
      ['new', 'Plate 1', 10],
      ['new', 'a/b', 11],
      ['new', '100%', 12],
      ['new', 'x=y', 13],
      ['new', 'Zürich 東京', 14],
    ])
    // Every remove names a file the table had, spelled as its add was: none is left active.
    const snapshot = await table.snapshot()
    expect(snapshot.files).to.have.length(6)
    expect(snapshot.tombstones).to.have.length(5)
    const deleted = await table.deleteWhere({sql: "file_id = 'new' AND plate <> 'Plate 1'"})
    expect(deleted).to.include({rowsDeleted: 4, filesRemoved: 4, filesAdded: 0})
    expect((await rowsOf(table)).map((r) => [r.file_id, r.plate])).to.deep.equal([
      ['kept', 'Plate 1'],
      ['new', 'Plate 1'],
    ])
  })

  it('writes and reads a table whose folder name needs SQL quoting', async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'labmesh-delta-'))
    try {
      const odd = new DeltaTable(new LocalLakeStorage(path.join(parent, 'it\'s a "table"')))
      await DeltaTable.create(odd.storage, {columns: COLUMNS})
      await odd.append([{file_id: 'f1', well: 'A1', value: 1, plate: 'p1'}])
      expect((await rowsOf(odd)).map((r) => r.value)).to.deep.equal([1])
    } finally {
      await rm(parent, {recursive: true, force: true})
    }
  })

  it('keeps full precision of longs in rows and stats, and writes timestamps as UTC instants', async () => {
    const other = await tempDir()
    try {
      const typed = await DeltaTable.create(other.storage, {
        columns: [
          field('id', 'long'),
          field('at', 'timestamp'),
          field('day', 'date'),
          field('ok', 'boolean'),
          field('amount', 'decimal(10,2)'),
        ],
      })
      await typed.append([
        {id: 9_007_199_254_740_993n, at: new Date('2024-05-06T07:08:09.123Z'), day: '2024-05-06', ok: true, amount: '12.34'},
        {id: -5n, at: '2024-05-06T00:00:00Z', day: new Date('2024-01-01T00:00:00Z'), ok: false, amount: 1},
      ])
      const [add] = (await typed.snapshot()).files
      const stats = add.stats ?? ''
      expect(stats).to.include('"maxValues":{"id":9007199254740993,"at":"2024-05-06T07:08:09.123Z","day":"2024-05-06","amount":12.34}')
      expect(stats).to.include('"minValues":{"id":-5,"at":"2024-05-06T00:00:00.000Z","day":"2024-01-01","amount":1.00}')
      const rows = await query(
        `SELECT id::VARCHAR AS id, strftime("at", '%Y-%m-%dT%H:%M:%S.%g') AS "at", typeof("at") AS type FROM (${await typed.scanSql()}) ORDER BY id`,
      )
      expect(rows).to.deep.equal([
        {id: '-5', at: '2024-05-06T00:00:00.000', type: 'TIMESTAMP WITH TIME ZONE'},
        {id: '9007199254740993', at: '2024-05-06T07:08:09.123', type: 'TIMESTAMP WITH TIME ZONE'},
      ])
    } finally {
      await other.remove()
    }
  })

  it('writes row groups of the size asked for', async () => {
    await table.append(
      Array.from({length: 5000}, (_, i) => ({file_id: 'f1', well: `A${i}`, value: i, plate: 'p1'})),
      // DuckDB cuts row groups at its 2048-row vectors.
      {rowGroupSize: 2048},
    )
    const [file] = (await table.snapshot()).files
    const groups = await query(
      `SELECT row_group_id, row_group_num_rows AS n FROM parquet_metadata('${path.join(temp.dir, file.path)}') GROUP BY ALL ORDER BY 1`,
    )
    expect(groups.map((g) => Number(g.n))).to.deep.equal([2048, 2048, 904])
  })

  it('upgrades the protocol to table features for a timestamp_ntz column', async () => {
    await table.append([{file_id: 'f1', well: 'A1', value: 1, plate: 'p1', measured: '2024-01-02 03:04:05'}], {
      columns: [field('measured', 'timestamp_ntz')],
    })
    const snapshot = await table.snapshot()
    expect(snapshot.protocol).to.deep.equal({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ['timestampNtz'],
      writerFeatures: ['appendOnly', 'invariants', 'timestampNtz'],
    })
    const [row] = await query(`SELECT measured::VARCHAR AS measured, typeof(measured) AS type FROM (${await table.scanSql()})`)
    expect(row).to.deep.equal({measured: '2024-01-02 03:04:05', type: 'TIMESTAMP'})
  })

  it('opens or creates a table once when many callers race to create it', async () => {
    const other = await tempDir()
    try {
      const tables = await Promise.all(Array.from({length: 8}, () => DeltaTable.openOrCreate(other.storage, {columns: COLUMNS})))
      expect(tables).to.have.length(8)
      expect((await readdir(path.join(other.dir, '_delta_log'))).filter((f) => f.endsWith('.json'))).to.deep.equal([
        '00000000000000000000.json',
      ])
      expect(await new DeltaTable(new LocalLakeStorage(path.join(other.dir, 'nothing-here'))).exists()).to.equal(false)
    } finally {
      await other.remove()
    }
  })

  it('serializes typed partition values as the protocol says and reads them back typed', async () => {
    const other = await tempDir()
    try {
      const typed = await DeltaTable.create(other.storage, {
        columns: [field('v', 'integer'), field('at', 'timestamp'), field('day', 'date'), field('n', 'long'), field('ok', 'boolean')],
        partitionColumns: ['at', 'day', 'n', 'ok'],
      })
      await typed.append([{v: 1, at: new Date('2024-05-06T07:08:09.123456Z'), day: '2024-05-06', n: 42n, ok: true}])
      const [file] = (await typed.snapshot()).files
      expect(file.partitionValues).to.deep.equal({at: '2024-05-06T07:08:09.123000Z', day: '2024-05-06', n: '42', ok: 'true'})
      const [row] = await query(
        `SELECT strftime("at", '%Y-%m-%dT%H:%M:%S.%g') AS "at", day::VARCHAR AS day, n::VARCHAR AS n, ok FROM (${await typed.scanSql()})`,
      )
      expect(row).to.deep.equal({at: '2024-05-06T07:08:09.123', day: '2024-05-06', n: '42', ok: true})
    } finally {
      await other.remove()
    }
  })
})
