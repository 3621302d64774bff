import {randomUUID} from 'node:crypto'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend, NewFileRecord, SearchIndex} from '../../src/backends/types.js'
import {FILE_PAGE, filePages} from '../../src/files/pages.js'
import {downloadHits} from '../../src/search/download.js'
import {parseQuery} from '../../src/search/parser.js'
import {reindexSearch} from '../../src/search/reindex.js'

/** More than two pages of every loop here (files 500, search download 500, rebuild 500). */
const FILES = 1200

/**
 * Loops that page over rows they (or a run beside them) change must neither skip nor repeat a
 * row. Real: the local backend (SQLite records and FTS5 index, files on disk).
 */
describe('paging over rows that change while we page', function () {
  this.timeout(300_000)
  let root: string
  let backend: Backend
  let records: NewFileRecord[]

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-paging-'))
    backend = createLocalBackend({home: path.join(root, 'home')})
    // One ingested time for all: the cursor must order ties by path, version and id.
    const ingestedAt = new Date('2026-01-01T00:00:00Z').toISOString()
    records = []
    for (let n = 0; n < FILES; n++) {
      const stored = await backend.objects.putBytes(Buffer.from(`plate ${n}\n`))
      records.push({
        fileId: randomUUID(),
        category: 'RAW',
        traceId: randomUUID(),
        rawFileId: null,
        sha256: stored.sha256,
        size: stored.size,
        // Three files share each path (different hosts): ties on path too.
        sourcePath: `/drop/plate-${String(Math.floor(n / 3)).padStart(4, '0')}.csv`,
        sourceHost: `host-${n % 3}`,
        ingestedAt,
        modifiedAt: ingestedAt,
        version: 1,
        metadata: {project: 'paging'},
        labels: [],
        status: 'ingested',
        error: null,
      })
    }
    expect((await backend.metadata.insertFiles(records)).filter(Boolean)).to.deep.equal([])
  })
  after(async () => {
    await backend.close()
    rmSync(root, {recursive: true, force: true})
  })

  const setAll = async (status: 'ingested' | 'converted'): Promise<void> => {
    for (const record of records) await backend.metadata.setStatus(record.fileId, status)
  }

  it('file pages reach every file once while each page leaves the filter (convert sets its status)', async () => {
    await setAll('ingested')
    const seen: string[] = []
    for await (const page of filePages(backend.metadata, {status: 'ingested'})) {
      expect(page.length).to.be.at.most(FILE_PAGE)
      for (const file of page) {
        seen.push(file.fileId)
        await backend.metadata.setStatus(file.fileId, 'converted')
      }
    }
    expect(seen).to.have.length(FILES)
    expect(new Set(seen).size).to.equal(FILES)
    expect(await backend.metadata.listFiles({status: 'ingested'})).to.deep.equal([])
  })

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
    const result = await downloadHits(backend, converting, parseQuery('status:ingested'), {}, folder)
    expect(result.failed).to.deep.equal([])
    expect(result.files).to.have.length(FILES)
    expect(readdirSync(folder)).to.have.length(FILES)
  })

  it('a search cursor pages hits in path order, without a hit skipped or repeated', async () => {
    const all = await backend.search!.search(null, {sort: 'path', limit: FILES})
    const paged: string[] = []
    for (let after; ;) {
      const {hits, total} = await backend.search!.search(null, {sort: 'path', limit: 7, after})
      expect(total).to.equal(FILES)
      paged.push(...hits.map((h) => h.file.fileId))
      if (hits.length < 7) break
      after = hits.at(-1)!.file
    }
    expect(paged).to.deep.equal(all.hits.map((h) => h.file.fileId))
    let refused: unknown
    await backend.search!.search(null, {sort: 'time', after: records[0]}).catch((error: unknown) => (refused = error))
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
