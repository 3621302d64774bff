import {mkdir, readdir, symlink, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {expect} from 'chai'

import {LabmeshError} from '../../../src/errors.js'
import {tempDir} from './support.js'

describe('LocalLakeStorage', () => {
  let table: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => {
    table = await tempDir()
  })
  afterEach(async () => {
    await table.remove()
  })

  it('creates an object only if absent, and says CONFLICT otherwise without changing it', async () => {
    await table.storage.writeIfAbsent('_delta_log/00000000000000000000.json', 'first\n')
    const error = await table.storage.writeIfAbsent('_delta_log/00000000000000000000.json', 'second\n').catch((e: unknown) => e)
    expect(error).to.be.instanceOf(LabmeshError)
    expect((error as LabmeshError).code).to.equal('CONFLICT')
    expect((await table.storage.read('_delta_log/00000000000000000000.json')).toString()).to.equal('first\n')
    // No temp files are left next to the commit, by the winner or the loser.
    expect(await readdir(path.join(table.dir, '_delta_log'))).to.deep.equal(['00000000000000000000.json'])
  })

  it('reads and writes no file that a link leads outside the table, and follows links that stay inside', async () => {
    const outside = await tempDir('labmesh-outside-')
    try {
      await writeFile(path.join(outside.dir, 'secret.parquet'), 'outside rows')
      await mkdir(path.join(table.dir, 'year=2024'))
      await symlink(path.join(outside.dir, 'secret.parquet'), path.join(table.dir, 'linked.parquet'))
      await symlink(outside.dir, path.join(table.dir, 'year=2025'))
      await symlink(path.join(table.dir, 'year=2024'), path.join(table.dir, 'year=2023'))
      await writeFile(path.join(table.dir, 'year=2024', 'own.parquet'), 'own rows')
      for (const step of [
        () => table.storage.localPath('linked.parquet'),
        () => table.storage.read('linked.parquet'),
        () => table.storage.stat('year=2025/secret.parquet'),
        () => table.storage.write('year=2025/forged.parquet', 'x'),
        () => table.storage.writeIfAbsent('year=2025/forged.json', 'x'),
        () => table.storage.stageFile('year=2025/new.parquet'),
        () => table.storage.delete('year=2025/secret.parquet'),
      ]) {
        const error = await step().catch((e: unknown) => e)
        expect((error as LabmeshError).code, String(step)).to.equal('FORBIDDEN')
      }
      expect(await readdir(outside.dir)).to.deep.equal(['secret.parquet'])
      expect((await table.storage.read('year=2023/own.parquet')).toString()).to.equal('own rows')
      expect(await table.storage.localPath('year=2023/own.parquet')).to.equal(path.join(table.dir, 'year=2023', 'own.parquet'))
    } finally {
      await outside.remove()
    }
  })

  it('lets exactly one of many concurrent creators win', async () => {
    const attempts = Array.from({length: 20}, (_, i) =>
      table.storage.writeIfAbsent('_delta_log/00000000000000000007.json', `writer ${i}\n`),
    )
    const results = await Promise.allSettled(attempts)
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1)
    const winner = results.findIndex((r) => r.status === 'fulfilled')
    expect((await table.storage.read('_delta_log/00000000000000000007.json')).toString()).to.equal(`writer ${winner}\n`)
  })

  it('overwrites with write, lists by prefix and after a key, stats and deletes', async () => {
    await table.storage.write('a/one.bin', Buffer.from('12345'))
    await table.storage.write('a/one.bin', Buffer.from('123'))
    await table.storage.write('a/two.bin', 'x')
    await table.storage.write('b/three.bin', 'y')
    await table.storage.write('top.bin', 'z')
    expect((await table.storage.list('a/')).map((o) => o.path)).to.deep.equal(['a/one.bin', 'a/two.bin'])
    expect((await table.storage.list('')).map((o) => o.path)).to.deep.equal(['a/one.bin', 'a/two.bin', 'b/three.bin', 'top.bin'])
    expect((await table.storage.list('', 'a/one.bin')).map((o) => o.path)).to.deep.equal(['a/two.bin', 'b/three.bin', 'top.bin'])
    const stat = await table.storage.stat('a/one.bin')
    expect(stat?.size).to.equal(3)
    expect(stat?.mtime).to.be.closeTo(Date.now(), 60_000)
    await table.storage.delete('a/one.bin')
    await table.storage.delete('a/one.bin')
    expect(await table.storage.stat('a/one.bin')).to.equal(undefined)
    const missing = await table.storage.read('a/one.bin').catch((e: unknown) => e)
    expect((missing as LabmeshError).code).to.equal('NOT_FOUND')
  })

  it('refuses paths that leave the table', async () => {
    for (const bad of ['../escape', 'a/../../escape', '/etc/passwd', '']) {
      const error = await table.storage.read(bad).catch((e: unknown) => e)
      expect((error as LabmeshError).code, bad).to.equal('INVALID_DATA')
    }
  })

  it('stages files in place for DuckDB and checks they were written', async () => {
    const local = await table.storage.stageFile('p=1/part.parquet')
    expect(local).to.equal(path.join(table.dir, 'p=1', 'part.parquet'))
    const notWritten = await table.storage.putStagedFile('p=1/part.parquet').catch((e: unknown) => e)
    expect((notWritten as LabmeshError).code).to.equal('NOT_FOUND')
    await writeFile(local, 'data')
    await table.storage.putStagedFile('p=1/part.parquet')
    expect(await table.storage.localPath('p=1/part.parquet')).to.equal(local)
  })
})
