import {readFile, writeFile} from 'node:fs/promises'
import {expect} from 'chai'

import {LabmeshError} from '../../../src/errors.js'
import {listAll, type LakeStorage} from '../../../src/lake/delta/storage.js'

/** A fresh, empty table location of one storage implementation; `remove` cleans up after a test. */
export type StorageFactory = () => Promise<{storage: LakeStorage; remove(): Promise<void>}>

const code = (error: unknown): string | undefined => (error as LabmeshError).code

/**
 * What every Delta table storage promises (src/lake/delta/storage.ts), run against each
 * implementation: object I/O, the log store's "a commit file appears whole, once", and the
 * engine's local files.
 */
export function storageContract(name: string, open: StorageFactory): void {
  describe(`${name}: the table storage contract`, () => {
    let table: Awaited<ReturnType<StorageFactory>>
    let storage: LakeStorage
    beforeEach(async () => {
      table = await open()
      storage = table.storage
    })
    afterEach(async () => {
      await table.remove()
    })

    it('creates a commit only if absent, and says CONFLICT otherwise without changing it', async () => {
      await storage.log.putIfAbsent('_delta_log/00000000000000000000.json', 'first\n')
      const error = await storage.log.putIfAbsent('_delta_log/00000000000000000000.json', 'second\n').catch((e: unknown) => e)
      expect(code(error)).to.equal('CONFLICT')
      expect((await storage.objects.get('_delta_log/00000000000000000000.json')).toString()).to.equal('first\n')
      // No temp files are left next to the commit, by the winner or the loser.
      expect((await listAll(storage.objects, '_delta_log/')).map((o) => o.path)).to.deep.equal(['_delta_log/00000000000000000000.json'])
    })

    it('lets exactly one of many concurrent creators win', async () => {
      const attempts = Array.from({length: 20}, (_, i) => storage.log.putIfAbsent('_delta_log/00000000000000000007.json', `writer ${i}\n`))
      const results = await Promise.allSettled(attempts)
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1)
      for (const failed of results.filter((r) => r.status === 'rejected')) expect(code(failed.reason)).to.equal('CONFLICT')
      const winner = results.findIndex((r) => r.status === 'fulfilled')
      expect((await storage.objects.get('_delta_log/00000000000000000007.json')).toString()).to.equal(`writer ${winner}\n`)
    })

    it('overwrites with put, lists by prefix and after a path, heads and deletes', async () => {
      await storage.objects.put('a/one.bin', Buffer.from('12345'))
      await storage.objects.put('a/one.bin', Buffer.from('123'))
      await storage.objects.put('a/two.bin', 'x')
      await storage.objects.put('b/three.bin', 'y')
      await storage.objects.put('top.bin', 'z')
      const paths = async (prefix: string, after?: string) => (await listAll(storage.objects, prefix, after)).map((o) => o.path)
      expect(await paths('a/')).to.deep.equal(['a/one.bin', 'a/two.bin'])
      expect(await paths('')).to.deep.equal(['a/one.bin', 'a/two.bin', 'b/three.bin', 'top.bin'])
      expect(await paths('', 'a/one.bin')).to.deep.equal(['a/two.bin', 'b/three.bin', 'top.bin'])
      const head = await storage.objects.head('a/one.bin')
      expect(head?.size).to.equal(3)
      expect(head?.mtime).to.be.closeTo(Date.now(), 60_000)
      await storage.objects.deleteMany(['a/one.bin', 'b/three.bin'])
      await storage.objects.deleteMany(['a/one.bin'])
      expect(await storage.objects.head('a/one.bin')).to.equal(undefined)
      expect(await paths('')).to.deep.equal(['a/two.bin', 'top.bin'])
      expect(code(await storage.objects.get('a/one.bin').catch((e: unknown) => e))).to.equal('NOT_FOUND')
    })

    it('refuses paths that leave the table', async () => {
      for (const bad of ['../escape', 'a/../../escape', '/etc/passwd', '']) {
        expect(code(await storage.objects.get(bad).catch((e: unknown) => e)), bad).to.equal('INVALID_DATA')
      }
    })

    it('stages files for the engine: published ones are stored and readable locally, aborted ones leave nothing', async () => {
      const staged = await storage.engine.stage('p=1/part.parquet')
      await writeFile(staged.localPath, 'data')
      const stored = await staged.publish()
      expect(stored).to.include({path: 'p=1/part.parquet', size: 4})
      expect((await storage.objects.get('p=1/part.parquet')).toString()).to.equal('data')
      expect(await readFile(await storage.engine.localPath('p=1/part.parquet'), 'utf8')).to.equal('data')

      const dropped = await storage.engine.stage('p=1/dropped.parquet')
      await writeFile(dropped.localPath, 'half')
      await dropped.abort()
      expect(await storage.objects.head('p=1/dropped.parquet')).to.equal(undefined)
      expect((await listAll(storage.objects, '')).map((o) => o.path)).to.deep.equal(['p=1/part.parquet'])
    })
  })
}
