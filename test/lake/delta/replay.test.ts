import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {expect} from 'chai'

import {withConnection} from '../../../src/lake/duckdb.js'
import {type Action, serializeCommit} from '../../../src/lake/delta/actions.js'
import {scanSql} from '../../../src/lake/delta/scan.js'
import {field} from '../../../src/lake/delta/schema.js'
import {loadSnapshot} from '../../../src/lake/delta/snapshot.js'
import {query, tempDir} from './support.js'

const PROTOCOL: Action = {protocol: {minReaderVersion: 1, minWriterVersion: 2}}
const METADATA: Action = {
  metaData: {
    id: 't',
    format: {provider: 'parquet', options: {}},
    schemaString: JSON.stringify({type: 'struct', fields: [field('v', 'integer'), field('plate', 'string')]}),
    partitionColumns: ['plate'],
    configuration: {},
  },
}

const add = (logPath: string, plate: string): Action => ({
  add: {path: logPath, partitionValues: {plate}, size: 1, modificationTime: 0, dataChange: true},
})
const remove = (logPath: string): Action => ({remove: {path: logPath, deletionTimestamp: 1, dataChange: true}})

/**
 * Log replay keys files by their decoded path (PROTOCOL.md: paths are URL-encoded), so an add and
 * a remove that spell one file differently, as Spark, delta-rs and hand edits do, still cancel.
 */
describe('Delta log replay across path spellings', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => {
    temp = await tempDir()
  })
  afterEach(async () => {
    await temp.remove()
  })

  /** Parquet files at table-relative (decoded) paths, then the commits, version 0 first. */
  async function table(files: Record<string, number>, commits: Action[][]): Promise<void> {
    for (const [relative, v] of Object.entries(files)) {
      const file = path.join(temp.dir, relative)
      await mkdir(path.dirname(file), {recursive: true})
      await withConnection((c) => c.run(`COPY (SELECT ${v}::INTEGER AS v) TO $file (FORMAT parquet)`, {file}))
    }
    await mkdir(path.join(temp.dir, '_delta_log'), {recursive: true})
    for (const [version, actions] of commits.entries())
      await writeFile(path.join(temp.dir, '_delta_log', `${String(version).padStart(20, '0')}.json`), serializeCommit(actions))
  }

  const rows = async (): Promise<unknown[]> =>
    (await query(`SELECT v, plate FROM (${await scanSql(temp.storage, await loadSnapshot(temp.storage))}) ORDER BY v`)).map((r) => [
      r.v,
      r.plate,
    ])

  // [how the add spells it, how the remove spells it, the file on disk]
  const spellings: Array<[string, string, string]> = [
    ['plate=Plate%201/old.parquet', 'plate=Plate 1/old.parquet', 'plate=Plate 1/old.parquet'],
    ['plate=Plate 1/old.parquet', 'plate=Plate%201/old.parquet', 'plate=Plate 1/old.parquet'],
    ['plate=Z%C3%BCrich/old.parquet', 'plate=Z%c3%bcrich/old.parquet', 'plate=Zürich/old.parquet'],
    ['plate=Z%c3%bcrich/old.parquet', 'plate=Zürich/old.parquet', 'plate=Zürich/old.parquet'],
    ['plate=a%252Fb/old.parquet', 'plate=a%25%32Fb/old.parquet', 'plate=a%2Fb/old.parquet'],
    ['plate%3Dx/old.parquet', 'plate=x/old.parquet', 'plate=x/old.parquet'],
  ]
  for (const [added, removed, onDisk] of spellings) {
    it(`a remove of ${JSON.stringify(removed)} removes the file added as ${JSON.stringify(added)}`, async () => {
      await table({[onDisk]: 1, 'plate=p/new.parquet': 2}, [
        [PROTOCOL, METADATA, add(added, 'Plate 1')],
        [remove(removed), add('plate=p/new.parquet', 'p')],
      ])
      const snapshot = await loadSnapshot(temp.storage)
      expect(snapshot.files.map((f) => f.path)).to.deep.equal(['plate=p/new.parquet'])
      expect(snapshot.tombstones.map((f) => f.path)).to.deep.equal([removed])
      expect(await rows()).to.deep.equal([[2, 'p']])
      // Before the remove, version 0 reads the file under the spelling its add used.
      expect((await loadSnapshot(temp.storage, {version: 0})).files.map((f) => f.path)).to.deep.equal([added])
    })
  }

  it('an add after a remove of the same file brings it back, whatever the spelling', async () => {
    await table({'plate=Plate 1/f.parquet': 7}, [
      [PROTOCOL, METADATA, add('plate=Plate 1/f.parquet', 'Plate 1')],
      [remove('plate=Plate%201/f.parquet')],
      [add('plate=Plate%201/f.parquet', 'Plate 1')],
    ])
    const snapshot = await loadSnapshot(temp.storage)
    expect(snapshot.files.map((f) => f.path)).to.deep.equal(['plate=Plate%201/f.parquet'])
    expect(snapshot.tombstones).to.deep.equal([])
    expect(await rows()).to.deep.equal([[7, 'Plate 1']])
  })

  it('two spellings of one file added twice are one file, read once', async () => {
    await table({'plate=Plate 1/f.parquet': 7}, [
      [PROTOCOL, METADATA, add('plate=Plate 1/f.parquet', 'Plate 1')],
      [add('plate=Plate%201/f.parquet', 'Plate 1')],
    ])
    expect((await loadSnapshot(temp.storage)).files).to.have.length(1)
    expect(await rows()).to.deep.equal([[7, 'Plate 1']])
  })
})
