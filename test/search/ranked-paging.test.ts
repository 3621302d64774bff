import {randomUUID} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {openPostgres, type Postgres} from '../../src/backends/aws/postgres/connection.js'
import {migrate} from '../../src/backends/aws/postgres/migrations.js'
import {createPostgresMetadataStore} from '../../src/backends/aws/postgres/metadata-store.js'
import {createPostgresSearchIndex} from '../../src/backends/aws/postgres/search-index.js'
import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend, MetadataStore, NewFileRecord, SearchCursor, SearchIndex} from '../../src/backends/types.js'
import {parseQuery} from '../../src/search/parser.js'
import {testDatabase} from '../support/aws/postgres.js'

const QUERY = parseQuery('assay')
const PAGE = 6

/**
 * A file whose document says "assay" `times` times in 20 words (every document as long, so
 * only the counts set the rank); every seventh also has the metadata value "assay", which ranks
 * above any count. Several files share each count and time: ties are ordered by the keys after the score.
 */
function record(n: number, times: number): NewFileRecord & {searchText: string} {
  const at = new Date(Date.UTC(2026, 0, 1 + (n % 3))).toISOString()
  return {
    fileId: randomUUID(),
    category: 'RAW',
    traceId: randomUUID(),
    rawFileId: null,
    sha256: '0'.repeat(64),
    size: 1,
    sourcePath: `/runs/run-${String(n).padStart(3, '0')}.csv`,
    sourceHost: 'bench-1',
    ingestedAt: at,
    modifiedAt: at,
    version: 1,
    metadata: n % 7 === 0 ? {kind: 'assay'} : {kind: 'blank'},
    labels: [],
    status: 'ingested',
    error: null,
    searchText: [...Array<string>(times).fill('assay'), ...Array<string>(20 - times).fill('plate')].join(' '),
  }
}

/** Walks every page of the ranked hits; between pages, `between` adds or changes files. */
async function walk(
  search: SearchIndex,
  between: (page: number) => Promise<void>,
  paging: 'cursor' | 'offset',
): Promise<{shown: string[]; scores: number[]}> {
  const shown: string[] = []
  const scores: number[] = []
  let after: SearchCursor | undefined
  for (let page = 0; ; page++) {
    const result = await search.search(QUERY, {limit: PAGE, ...(paging === 'cursor' ? {after} : {offset: page * PAGE})})
    shown.push(...result.hits.map((h) => h.file.fileId))
    scores.push(...result.hits.map((h) => h.score))
    if (result.next === null) return {shown, scores}
    after = result.next
    await between(page)
  }
}

function rankedPagingWhileFilesChange(
  name: string,
  open: () => Promise<{metadata: MetadataStore; search: SearchIndex; close(): Promise<void>}>,
): void {
  describe(`${name}: ranked pages while files are added and relabelled between them`, () => {
    it('shows every hit once: none skipped, none repeated, each page in rank order', async () => {
      const {metadata, search, close} = await open()
      try {
        const originals = Array.from({length: 40}, (_, n) => record(n, 1 + (n % 5)))
        expect((await metadata.insertFiles(originals)).filter(Boolean)).to.deep.equal([])
        const relabelled = new Set<string>()
        const addedIds: string[] = []
        let added = 0
        const addAndRelabel = async (): Promise<void> => {
          // Above every hit so far, in the middle, and below: an offset would shift by the first two.
          const more = [record(100 + added++, 12), record(100 + added++, 3), record(100 + added++, 1)]
          addedIds.push(...more.map((r) => r.fileId))
          expect((await metadata.insertFiles(more)).filter(Boolean)).to.deep.equal([])
          const other = originals[(added * 7) % originals.length]
          relabelled.add(other.fileId)
          await metadata.updateLabels(other.fileId, [{name: 'reviewed', value: `by-${added}`}], [])
        }
        const {shown, scores} = await walk(search, addAndRelabel, 'cursor')
        expect(added, 'files were added between pages').to.be.greaterThan(12)
        // Each file the changes did not touch is shown exactly once, wherever the others moved. A
        // relabelled file's own score changes (its entry is longer), so it alone may move past the
        // cursor, either way: a keyset cannot know where a hit used to be.
        const times = (id: string): number => shown.filter((s) => s === id).length
        const untouched = [
          ...originals.map((r) => r.fileId).filter((id) => !relabelled.has(id)),
          ...addedIds.filter((id) => shown.includes(id)),
        ]
        for (const id of untouched) expect(times(id), `${id} shown once`).to.equal(1)
        expect(untouched.length, 'most files were untouched').to.be.greaterThan(30)
        for (const id of relabelled) expect(times(id)).to.be.at.most(2)
        for (let i = 0; i + 1 < PAGE; i++) expect(scores[i]).to.be.at.least(scores[i + 1])

        // The same walk by offset shows some hits twice: what the cursor is for.
        const byOffset = await walk(search, addAndRelabel, 'offset')
        expect(new Set(byOffset.shown).size).to.be.lessThan(byOffset.shown.length)
      } finally {
        await close()
      }
    })

    it('with nothing changed, the cursor walk is the ranked list in one page', async () => {
      const {metadata, search, close} = await open()
      try {
        expect((await metadata.insertFiles(Array.from({length: 30}, (_, n) => record(n, 1 + (n % 4))))).filter(Boolean)).to.deep.equal([])
        const all = (await search.search(QUERY, {limit: 100})).hits.map((h) => h.file.fileId)
        const {shown} = await walk(search, async () => {}, 'cursor')
        expect(shown).to.deep.equal(all)
      } finally {
        await close()
      }
    })
  })
}

describe('search: ranked pages by keyset', function () {
  this.timeout(300_000)

  rankedPagingWhileFilesChange('SQLite FTS5 (local)', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'labmesh-ranked-paging-'))
    const backend: Backend = createLocalBackend({home: root})
    return {
      metadata: backend.metadata,
      search: backend.search!,
      async close() {
        await backend.close()
        rmSync(root, {recursive: true, force: true})
      },
    }
  })

  rankedPagingWhileFilesChange('PostgreSQL full-text (aws)', async () => {
    const db: Postgres = await openPostgres({url: (await testDatabase()).url})
    await migrate(db)
    return {metadata: createPostgresMetadataStore(db), search: createPostgresSearchIndex(db), close: () => db.close()}
  })
})
