import {type ChildProcess, spawn} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {expect} from 'chai'

import {withConnection} from '../../../src/lake/duckdb.js'
import {LabmeshError} from '../../../src/errors.js'
import {writeDataFiles} from '../../../src/lake/delta/data-files.js'
import {listLog, readCommit} from '../../../src/lake/delta/log-reader.js'
import {field, serializeSchema} from '../../../src/lake/delta/schema.js'
import {loadSnapshot, type Snapshot} from '../../../src/lake/delta/snapshot.js'
import {listAll} from '../../../src/lake/delta/storage.js'
import {DeltaTable} from '../../../src/lake/delta/table.js'
import {Transaction} from '../../../src/lake/delta/transaction.js'
import {query, tempDir} from './support.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.resolve(HERE, '../../..')
const COLUMNS = [field('writer', 'string'), field('seq', 'long'), field('value', 'double')]

function run(fixture: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'fixtures', fixture), ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Runs a fixture to completion; rejects with its stderr when it fails. */
function finish(child: ChildProcess): Promise<string> {
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`fixture exited with ${code}: ${err}`))))
  })
}

describe('Delta concurrent writers', function () {
  this.timeout(180_000)
  let temp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => {
    temp = await tempDir()
  })
  afterEach(async () => {
    await temp.remove()
  })

  const WRITERS = 4
  const COMMITS = 5

  it('processes appending at once each land every commit exactly once', async () => {
    const table = await DeltaTable.create(temp.storage, {columns: COLUMNS, configuration: {'delta.checkpointInterval': '4'}})
    const outputs = await Promise.all(
      Array.from({length: WRITERS}, (_, w) => finish(run('writer.ts', [temp.dir, `w${w}`, String(COMMITS), 'append']))),
    )
    const reports = outputs.flatMap((o) => o.trim().split('\n')).map((line) => JSON.parse(line) as {version: number; attempts: number})

    // Every commit got its own version; together they are exactly 1..WRITERS*COMMITS.
    expect(reports.map((r) => r.version).sort((a, b) => a - b)).to.deep.equal(Array.from({length: WRITERS * COMMITS}, (_, i) => i + 1))
    // The writers really raced: some commits needed more than one attempt.
    expect(reports.some((r) => r.attempts > 1)).to.equal(true)
    const {commits, checkpoints} = await listLog(temp.storage)
    expect(commits.map((c) => c.version)).to.deep.equal(Array.from({length: WRITERS * COMMITS + 1}, (_, i) => i))
    expect(checkpoints.map((c) => c.version)).to.deep.equal([4, 8, 12, 16, 20])

    const rows = await query(`SELECT writer, seq::INTEGER AS seq, count(*) AS n FROM (${await table.scanSql()}) GROUP BY ALL ORDER BY ALL`)
    const expected = Array.from({length: WRITERS}, (_, w) =>
      Array.from({length: COMMITS}, (_, seq) => ({writer: `w${w}`, seq, n: '2'})),
    ).flat()
    expect(rows).to.deep.equal(expected)
    expect((await loadSnapshot(temp.storage)).files).to.have.length(WRITERS * COMMITS)
  })

  it('processes replacing their own rows at once keep only each one’s last rows', async () => {
    const table = await DeltaTable.create(temp.storage, {columns: COLUMNS})
    await Promise.all(Array.from({length: WRITERS}, (_, w) => finish(run('writer.ts', [temp.dir, `w${w}`, String(COMMITS), 'replace']))))
    const rows = await query(`SELECT writer, seq::INTEGER AS seq, value FROM (${await table.scanSql()}) ORDER BY ALL`)
    const last = COMMITS - 1
    expect(rows).to.deep.equal(
      Array.from({length: WRITERS}, (_, w) => [
        {writer: `w${w}`, seq: last, value: -last},
        {writer: `w${w}`, seq: last, value: last},
      ]).flat(),
    )
  })

  it('a writer killed after writing data files, before its commit, leaves the table at its last version; vacuum removes its files', async () => {
    const table = await DeltaTable.create(temp.storage, {columns: COLUMNS, partitionColumns: ['writer']})
    await table.append([{writer: 'ok', seq: 1n, value: 1}])
    const before = await table.snapshot()

    const child = run('crashing-writer.ts', [temp.dir])
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('files-written') && resolve())
      child.on('exit', () => reject(new Error('the crashing writer exited before writing its files')))
    })
    child.kill('SIGKILL')
    expect(await exited).to.equal('SIGKILL')

    const dataFiles = (await listAll(temp.storage.objects, '')).map((o) => o.path).filter((p) => !p.startsWith('_delta_log/'))
    const orphans = dataFiles.filter((p) => !before.files.some((f) => f.path === p))
    expect(orphans.map((p) => p.split('/')[0]).sort()).to.deep.equal(['writer=crashed', 'writer=crashed-too'])

    const after = await table.snapshot()
    expect(after.version).to.equal(before.version)
    expect(await query(`SELECT writer, value FROM (${await table.scanSql()})`)).to.deep.equal([{writer: 'ok', value: 1}])

    // The orphans are young: the default retention protects files a live writer may still commit.
    expect((await table.vacuum({dryRun: true})).files).to.deep.equal([])
    const vacuumed = await table.vacuum({retentionHours: 0, allowShortRetention: true})
    expect(vacuumed.files).to.deep.equal(orphans.sort())
    expect((await listAll(temp.storage.objects, '')).map((o) => o.path).filter((p) => !p.startsWith('_delta_log/'))).to.deep.equal(
      before.files.map((f) => f.path),
    )
    expect((await table.append([{writer: 'ok', seq: 2n, value: 2}])).version).to.equal(before.version + 1)
  })

  describe('conflict detection between transactions that read the same version', () => {
    it('retries a blind append past a concurrent append', async () => {
      const table = await DeltaTable.create(temp.storage, {columns: COLUMNS})
      const read = await table.snapshot()
      await table.append([{writer: 'other', seq: 1n, value: 1}])
      const transaction = new Transaction(temp.storage, read)
      const adds = await appendFiles(table, [{writer: 'late', seq: 1n, value: 2}])
      transaction.addFiles(adds)
      const result = await transaction.commit({operation: 'WRITE'})
      expect(result).to.include({version: 2, attempts: 2})
      expect((await readCommit(temp.storage, 2)).find((a) => a.commitInfo)?.commitInfo).to.include({readVersion: 0})
    })

    it('refuses to remove a file a concurrent commit removed', async () => {
      const table = await DeltaTable.create(temp.storage, {columns: COLUMNS})
      await table.append([{writer: 'a', seq: 1n, value: 1}])
      const read = await table.snapshot()
      await table.deleteWhere({sql: "writer = 'a'"})
      const transaction = new Transaction(temp.storage, read)
      transaction.removeFiles(read.files, true)
      const error = await transaction.commit({operation: 'DELETE'}).catch((e: unknown) => e)
      expect((error as LabmeshError).code).to.equal('CONFLICT')
      expect((error as LabmeshError).message).to.include(read.files[0].path)
      expect((await listLog(temp.storage)).commits).to.have.length(3)
    })

    it('refuses a metadata change when a concurrent commit changed the metadata', async () => {
      const table = await DeltaTable.create(temp.storage, {columns: COLUMNS})
      const read = await table.snapshot()
      await table.append([{writer: 'a', seq: 1n, value: 1, first: 'x'}])
      const transaction = new Transaction(temp.storage, read)
      transaction.setMetadata({...read.metadata, configuration: {'delta.appendOnly': 'true'}})
      const error = await transaction.commit({operation: 'SET TBLPROPERTIES'}).catch((e: unknown) => e)
      expect((error as LabmeshError).code).to.equal('CONFLICT')
      expect((error as LabmeshError).message).to.include('metadata')
    })

    it('commits a schema change over a concurrent one that only added other columns, keeping both', async () => {
      const table = await DeltaTable.create(temp.storage, {columns: COLUMNS})
      const read = await table.snapshot()
      await table.append([{writer: 'first', seq: 1n, value: 1, first_only: 'x'}])
      const transaction = new Transaction(temp.storage, read)
      const schema = {type: 'struct' as const, fields: [...read.schema.fields, field('second_only', 'double')]}
      transaction.setMetadata({...read.metadata, schemaString: serializeSchema(schema)})
      transaction.addFiles(await appendFiles(table, [{writer: 'second', seq: 1n, value: 2}], read))
      expect(await transaction.commit({operation: 'WRITE'})).to.include({version: 2, attempts: 2})
      const after = await table.snapshot()
      expect(after.schema.fields.map((f) => f.name)).to.deep.equal(['writer', 'seq', 'value', 'first_only', 'second_only'])
      expect(await query(`SELECT writer, first_only, second_only FROM (${await table.scanSql()}) ORDER BY writer`)).to.deep.equal([
        {writer: 'first', first_only: 'x', second_only: null},
        {writer: 'second', first_only: null, second_only: null},
      ])

      // The same new column with another type is a real conflict.
      const stale = new Transaction(temp.storage, read)
      stale.setMetadata({
        ...read.metadata,
        schemaString: serializeSchema({type: 'struct', fields: [...read.schema.fields, field('first_only', 'double')]}),
      })
      const error = await stale.commit({operation: 'WRITE'}).catch((e: unknown) => e)
      expect((error as LabmeshError).code).to.equal('CONFLICT')
      expect((error as LabmeshError).message).to.include('first_only')
    })

    it('refuses a replace when a concurrent commit added rows it would have replaced', async () => {
      const table = await DeltaTable.create(temp.storage, {columns: COLUMNS})
      await table.append([{writer: 'other', seq: 1n, value: 1}])
      const read = await table.snapshot()
      await table.append([{writer: 'mine', seq: 1n, value: 2}])
      const predicate = {sql: 'writer = $w', params: {w: 'mine'}}
      const conflicting = new Transaction(temp.storage, read)
      conflicting.readWhere(predicate)
      conflicting.addFiles(await appendFiles(table, [{writer: 'mine', seq: 2n, value: 3}]))
      const error = await conflicting.commit({operation: 'WRITE'}).catch((e: unknown) => e)
      expect((error as LabmeshError).code).to.equal('CONFLICT')
      expect((error as LabmeshError).message).to.include('match')

      // The same replace for rows nobody else touched goes through at the next version.
      const unrelated = new Transaction(temp.storage, read)
      unrelated.readWhere({sql: "writer = 'third'"})
      unrelated.addFiles(await appendFiles(table, [{writer: 'third', seq: 1n, value: 4}]))
      expect((await unrelated.commit({operation: 'WRITE'})).version).to.equal(3)
    })
  })
})

/** Data files for rows, written but not committed. */
async function appendFiles(table: DeltaTable, rows: Array<{writer: string; seq: bigint; value: number}>, read?: Snapshot) {
  const snapshot = read ?? (await table.snapshot())
  const values = rows.map((r) => `('${r.writer}', ${r.seq}::BIGINT, ${r.value}::DOUBLE)`).join(', ')
  return withConnection((connection) =>
    writeDataFiles(connection, {
      storage: table.storage,
      schema: snapshot.schema,
      partitionColumns: snapshot.partitionColumns,
      configuration: snapshot.configuration,
      source: `SELECT * FROM (VALUES ${values}) AS t(writer, seq, value)`,
      dataChange: true,
    }),
  )
}
