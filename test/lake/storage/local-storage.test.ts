import {mkdir, mkdtemp, readdir, rm, symlink, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import type {LabmeshError} from '../../../src/errors.js'
import {LocalLakeStorage} from '../../../src/lake/delta/local-storage.js'
import {listAll} from '../../../src/lake/delta/storage.js'
import {storageContract} from './contract.js'

// Real files in a temporary folder.
storageContract('local folders', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'labmesh-storage-'))
  return {storage: new LocalLakeStorage(dir), remove: () => rm(dir, {recursive: true, force: true})}
})

describe('LocalLakeStorage containment', () => {
  let dir: string
  let outside: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'labmesh-table-'))
    outside = await mkdtemp(path.join(os.tmpdir(), 'labmesh-outside-'))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
    await rm(outside, {recursive: true, force: true})
  })

  it('reads and writes no file that a link leads outside the table, and follows links that stay inside', async () => {
    const storage = new LocalLakeStorage(dir)
    await writeFile(path.join(outside, 'secret.parquet'), 'outside rows')
    await mkdir(path.join(dir, 'year=2024'))
    await symlink(path.join(outside, 'secret.parquet'), path.join(dir, 'linked.parquet'))
    await symlink(outside, path.join(dir, 'year=2025'))
    await symlink(path.join(dir, 'year=2024'), path.join(dir, 'year=2023'))
    await writeFile(path.join(dir, 'year=2024', 'own.parquet'), 'own rows')
    for (const step of [
      () => storage.engine.localPath('linked.parquet'),
      () => storage.objects.get('linked.parquet'),
      () => storage.objects.head('year=2025/secret.parquet'),
      () => storage.objects.put('year=2025/forged.parquet', 'x'),
      () => storage.log.putIfAbsent('year=2025/forged.json', 'x'),
      () => storage.engine.stage('year=2025/new.parquet'),
      () => storage.objects.deleteMany(['year=2025/secret.parquet']),
    ]) {
      const error = await step().catch((e: unknown) => e)
      expect((error as LabmeshError).code, String(step)).to.equal('FORBIDDEN')
    }
    expect(await readdir(outside)).to.deep.equal(['secret.parquet'])
    expect((await storage.objects.get('year=2023/own.parquet')).toString()).to.equal('own rows')
    expect(await storage.engine.localPath('year=2023/own.parquet')).to.equal(path.join(dir, 'year=2023', 'own.parquet'))
    // A listing walks real folders only: nothing behind the link out of the table is listed.
    expect((await listAll(storage.objects, '')).map((o) => o.path)).to.not.include('year=2025/secret.parquet')
  })
})
