import {mkdir, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {expect} from 'chai'

import {withConnection} from '../../../src/lake/duckdb.js'
import {LabmeshError} from '../../../src/errors.js'
import {type Action, serializeCommit} from '../../../src/lake/delta/actions.js'
import {LocalLakeStorage} from '../../../src/lake/delta/local-storage.js'
import {scanSql} from '../../../src/lake/delta/scan.js'
import {field} from '../../../src/lake/delta/schema.js'
import {loadSnapshot} from '../../../src/lake/delta/snapshot.js'
import {DeltaTable} from '../../../src/lake/delta/table.js'
import {query, tempDir} from './support.js'

const mapped = (name: string, id: number, type: unknown, physical = `col-${id}`) => ({
  name,
  type,
  nullable: true,
  metadata: {'delta.columnMapping.id': id, 'delta.columnMapping.physicalName': physical},
})

describe('Delta scan SQL', () => {
  let temp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => {
    temp = await tempDir()
  })
  afterEach(async () => {
    await temp.remove()
  })

  /** A table written by hand: one Parquet file from `select`, and a log of `actions`. */
  async function handWritten(select: string, file: string, actions: Action[]): Promise<void> {
    await mkdir(path.dirname(path.join(temp.dir, file)), {recursive: true})
    await withConnection((c) => c.run(`COPY (${select}) TO $file (FORMAT parquet)`, {file: path.join(temp.dir, file)}))
    await mkdir(path.join(temp.dir, '_delta_log'), {recursive: true})
    await writeFile(path.join(temp.dir, '_delta_log', '00000000000000000000.json'), serializeCommit(actions))
  }

  for (const mode of ['name', 'id']) {
    it(`renames physical to logical names under column mapping mode "${mode}", nested fields included`, async () => {
      const schema = {
        type: 'struct',
        fields: [
          mapped('Sample ID', 1, 'string'),
          mapped('Reading', 2, {type: 'struct', fields: [mapped('Wave Length', 3, 'integer'), mapped('OD', 4, 'double')]}),
          mapped('Tags', 5, {type: 'array', elementType: {type: 'struct', fields: [mapped('Key Name', 6, 'string')]}, containsNull: true}),
          mapped('Plate', 7, 'string'),
        ],
      }
      await handWritten(
        `SELECT 's1' AS "col-1", {'col-3': 450, 'col-4': 0.5} AS "col-2", [{'col-6': 'a'}, NULL] AS "col-5"`,
        'Xy/part-0.parquet',
        [
          {protocol: {minReaderVersion: 2, minWriterVersion: 5}},
          {
            metaData: {
              id: 't',
              format: {provider: 'parquet', options: {}},
              schemaString: JSON.stringify(schema),
              partitionColumns: ['Plate'],
              configuration: {'delta.columnMapping.mode': mode, 'delta.columnMapping.maxColumnId': '7'},
            },
          },
          {add: {path: 'Xy/part-0.parquet', partitionValues: {'col-7': 'P 1'}, size: 1, modificationTime: 0, dataChange: true}},
        ],
      )
      const rows = await query(`SELECT * FROM (${await scanSql(temp.storage, await loadSnapshot(temp.storage))})`)
      expect(rows).to.deep.equal([
        {'Sample ID': 's1', Reading: {'Wave Length': 450, OD: 0.5}, Tags: [{'Key Name': 'a'}, null], Plate: 'P 1'},
      ])

      const write = await new DeltaTable(temp.storage).append([{'Sample ID': 's2'}]).catch((e: unknown) => e)
      expect((write as LabmeshError).code).to.equal('UNSUPPORTED')
      expect((write as LabmeshError).message).to.include('columnMapping')
    })
  }

  it('refuses an add with a deletion vector even under a protocol that does not announce them', async () => {
    await handWritten(`SELECT 1 AS v`, 'part-0.parquet', [
      {protocol: {minReaderVersion: 1, minWriterVersion: 2}},
      {
        metaData: {
          id: 't',
          format: {provider: 'parquet'},
          schemaString: JSON.stringify({type: 'struct', fields: [field('v', 'integer')]}),
          partitionColumns: [],
          configuration: {},
        },
      },
      {
        add: {
          path: 'part-0.parquet',
          partitionValues: {},
          size: 1,
          modificationTime: 0,
          dataChange: true,
          deletionVector: {
            storageType: 'i',
            pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L',
            sizeInBytes: 40,
            cardinality: 1,
          },
        },
      },
    ])
    const error = await scanSql(temp.storage, await loadSnapshot(temp.storage)).catch((e: unknown) => e)
    expect((error as LabmeshError).code).to.equal('UNSUPPORTED')
    expect((error as LabmeshError).message).to.include('deletionVectors')
  })

  it('refuses reader features it does not know, naming them', async () => {
    await handWritten(`SELECT 1 AS v`, 'part-0.parquet', [
      {
        protocol: {
          minReaderVersion: 3,
          minWriterVersion: 7,
          readerFeatures: ['columnMapping', 'variantType'],
          writerFeatures: ['variantType'],
        },
      },
      {
        metaData: {
          id: 't',
          format: {provider: 'parquet'},
          schemaString: JSON.stringify({type: 'struct', fields: [field('v', 'integer')]}),
          partitionColumns: [],
          configuration: {},
        },
      },
    ])
    const error = await scanSql(temp.storage, await loadSnapshot(temp.storage)).catch((e: unknown) => e)
    expect((error as LabmeshError).message)
      .to.include('variantType')
      .and.not.include('columnMapping')
  })

  it('uses the commit file time when a commit has no commitInfo', async () => {
    await handWritten(`SELECT 1 AS v`, 'part-0.parquet', [
      {protocol: {minReaderVersion: 1, minWriterVersion: 2}},
      {
        metaData: {
          id: 't',
          format: {provider: 'parquet'},
          schemaString: JSON.stringify({type: 'struct', fields: [field('v', 'integer')]}),
          partitionColumns: [],
          configuration: {},
        },
      },
    ])
    const when = new Date('2021-02-03T04:05:06Z')
    await utimes(path.join(temp.dir, '_delta_log', '00000000000000000000.json'), when, when)
    const snapshot = await loadSnapshot(temp.storage)
    expect(snapshot.timestamp).to.equal(when.getTime())
    expect((await loadSnapshot(temp.storage, {timestamp: when})).version).to.equal(0)
  })

  it('gives an empty table its typed columns, and can name each row’s file', async () => {
    const table = await DeltaTable.create(temp.storage, {
      columns: [field('n', 'long'), field('day', 'date'), field('p', 'integer')],
      partitionColumns: ['p'],
    })
    const empty = await query(`SELECT column_name, column_type FROM (DESCRIBE ${await table.scanSql()})`)
    expect(empty).to.deep.equal([
      {column_name: 'n', column_type: 'BIGINT'},
      {column_name: 'day', column_type: 'DATE'},
      {column_name: 'p', column_type: 'INTEGER'},
    ])
    await table.append([{n: 1n, day: '2024-02-29', p: 3}])
    const [row] = await query(
      `SELECT n::VARCHAR AS n, day::VARCHAR AS day, p, source FROM (${await table.scanSql({fileColumn: 'source'})})`,
    )
    expect(row).to.include({n: '1', day: '2024-02-29', p: 3})
    expect(row.source).to.equal(path.join(temp.dir, (await table.snapshot()).files[0].path))
  })

  it('reads data columns from the files even when folder names look like Hive partitions of them', async () => {
    const table = await DeltaTable.create(new LocalLakeStorage(path.join(temp.dir, 'run=5', 'table')), {
      columns: [field('run', 'long'), field('plate', 'string')],
    })
    await table.append([{run: 1n, plate: 'a'}])
    // The table lives under `run=5/`: DuckDB's Hive detection would read run as 5.
    expect(await query(`SELECT run::INTEGER AS run, plate FROM (${await table.scanSql()})`)).to.deep.equal([{run: 1, plate: 'a'}])
  })
})
