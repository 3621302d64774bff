import {expect} from 'chai'

import type {AddAction} from '../../../src/lake/delta/actions.js'
import {mayHoldAny} from '../../../src/lake/delta/prune.js'
import {field} from '../../../src/lake/delta/schema.js'
import {DeltaTable} from '../../../src/lake/delta/table.js'
import {query, tempDir} from './support.js'

const file = (stats: object | undefined, partitionValues: Record<string, string | null> = {}): AddAction => ({
  path: 'part.parquet',
  partitionValues,
  size: 1,
  modificationTime: 0,
  dataChange: true,
  ...(stats ? {stats: JSON.stringify(stats)} : {}),
})

describe('pruning data files by their statistics', () => {
  it('keeps a file only when its bounds, nulls or partition value allow one of the values', () => {
    const stats = {numRecords: 10, minValues: {id: 'b', n: 10}, maxValues: {id: 'm', n: 20}, nullCount: {id: 0, n: 0, empty: 10}}
    expect(mayHoldAny(file(stats), {column: 'id', values: ['a', 'z']})).to.equal(false)
    expect(mayHoldAny(file(stats), {column: 'id', values: ['a', 'c']})).to.equal(true)
    expect(mayHoldAny(file(stats), {column: 'n', values: [9, 21]})).to.equal(false)
    expect(mayHoldAny(file(stats), {column: 'n', values: [20]})).to.equal(true)
    expect(mayHoldAny(file(stats), {column: 'empty', values: ['x']})).to.equal(false)
    // What the log cannot tell keeps the file: no statistics, no bound (a long string's max), text beyond ASCII.
    expect(mayHoldAny(file(undefined), {column: 'id', values: ['a']})).to.equal(true)
    expect(
      mayHoldAny(file({numRecords: 1, minValues: {id: 'b'}, maxValues: {}, nullCount: {id: 0}}), {column: 'id', values: ['zz']}),
    ).to.equal(true)
    expect(mayHoldAny(file(stats), {column: 'id', values: ['é']})).to.equal(true)
    expect(mayHoldAny(file(undefined, {plate: 'p1'}), {column: 'plate', values: ['p2']})).to.equal(false)
    expect(mayHoldAny(file(undefined, {plate: 'p1'}), {column: 'plate', values: ['p1']})).to.equal(true)
  })

  it('a replaceWhere reads only the files that may hold the rows it replaces', async () => {
    const temp = await tempDir()
    try {
      const table = await DeltaTable.create(temp.storage, {columns: [field('seq', 'long'), field('value', 'double')]})
      for (const start of [1, 11, 21]) {
        await table.append(Array.from({length: 10}, (_, i) => ({seq: BigInt(start + i), value: start + i})))
      }
      const read: string[] = []
      const localPath = temp.storage.engine.localPath
      temp.storage.engine.localPath = async (relative) => {
        read.push(relative)
        return localPath(relative)
      }
      const before = await table.snapshot()
      const result = await table.replaceWhere({sql: 'seq IN ($s)', params: {s: 15}, columnIn: {column: 'seq', values: [15]}}, [
        {seq: 15n, value: -15},
      ])
      expect(result.filesRemoved).to.equal(1)
      const middle = before.files.find((f) => JSON.parse(f.stats!).minValues.seq === 11)!
      // Of the table's files, only the middle one was read (to match rows, then to keep its other rows).
      expect([...new Set(read.filter((p) => before.files.some((f) => f.path === p)))]).to.deep.equal([middle.path])
      expect(await query(`SELECT count(*)::INTEGER AS n, sum(value)::INTEGER AS total FROM (${await table.scanSql()})`)).to.deep.equal([
        {n: 30, total: 465 - 30},
      ])
    } finally {
      await temp.remove()
    }
  })
})
