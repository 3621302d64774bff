import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {lazyPostgres} from '../../src/backends/aws/postgres/lazy.js'
import {createPostgresMonitoredPaths} from '../../src/backends/aws/postgres/monitored-paths.js'
import type {MonitoredPath, WatchedFile} from '../../src/backends/types.js'
import {toLabmeshError} from '../../src/errors.js'
import {LOCAL_COPY_FILE, LocalWatchCopy} from '../../src/watch/local-copy.js'
import {freePort} from '../support/aws/postgres.js'

const plates: MonitoredPath = {
  name: 'plates',
  root: '/data/plates',
  host: 'bench-pc-7',
  template: null,
  include: [],
  exclude: [],
  labels: [],
  metadata: {},
  stableSeconds: 1,
  since: null,
  convert: false,
  archiveTo: null,
  archiveAfterMs: null,
  createdAt: '2026-12-01T00:00:00.000Z',
}

const spooled = (relativePath: string): WatchedFile => ({
  pathName: 'plates',
  relativePath,
  size: 10,
  mtimeMs: 1,
  state: 'spooled',
  attempts: 0,
  retryAt: null,
  fileId: null,
  ingestedAt: null,
  error: null,
  updatedAt: new Date().toISOString(),
})

/**
 * The copy of the watch configuration kept beside the spool: a real folder and file; the store it
 * wraps is the aws backend's (real pg client) pointed at a port nothing listens on, so each of its
 * writes fails as during a PostgreSQL outage.
 */
describe('watch: the local copy of the watch configuration', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'labmesh-copy-'))
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('is written again only when a state changed, not for the same states written again while the backend is out of reach', async () => {
    const db = lazyPostgres({url: `postgres://labmesh@127.0.0.1:${await freePort()}/lab`})
    try {
      const copy = await LocalWatchCopy.open(dir)
      await copy.rememberPaths([plates])
      const store = copy.wrap(createPostgresMonitoredPaths(db))
      const file = path.join(dir, LOCAL_COPY_FILE)
      const unreachable = async (write: Promise<void>): Promise<void> => {
        const error = await write.then(
          () => undefined,
          (e: unknown) => toLabmeshError(e),
        )
        expect(error?.code).to.equal('BACKEND')
      }
      const written = (): {inode: number; files: string[]} => ({
        inode: statSync(file).ino,
        files: (JSON.parse(readFileSync(file, 'utf8')) as {files: Record<string, WatchedFile[]>}).files.plates.map(
          (f) => `${f.relativePath}:${f.state}`,
        ),
      })

      // The watcher keeps the rows the backend refused and writes the same ones at its next tick.
      const rows = [spooled('a.csv'), spooled('b.csv')]
      await unreachable(store.saveFiles(rows))
      await copy.save()
      const first = written()
      expect(first.files).to.deep.equal(['a.csv:spooled', 'b.csv:spooled'])
      await unreachable(store.saveFiles(rows))
      await unreachable(store.forgetFiles('plates', ['gone.csv']))
      await copy.save()
      expect(written()).to.deep.equal(first)

      await unreachable(store.saveFiles([rows[0], {...rows[1], state: 'pending'}]))
      await copy.save()
      const second = written()
      expect(second.inode).to.not.equal(first.inode)
      expect(second.files).to.deep.equal(['a.csv:spooled', 'b.csv:pending'])
      await unreachable(store.forgetFiles('plates', ['a.csv']))
      await copy.save()
      expect(written().files).to.deep.equal(['b.csv:pending'])
    } finally {
      await db.close()
    }
  })
})
