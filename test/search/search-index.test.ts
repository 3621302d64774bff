import {appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'
import Database from 'better-sqlite3'

import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend, FileRecord, SearchIndex, SearchOptions} from '../../src/backends/types.js'
import {convertStoredFiles} from '../../src/convert/convert-stored.js'
import {ConverterRegistry} from '../../src/converters/registry.js'
import {ingestFiles} from '../../src/ingest/ingest.js'
import {parseQuery} from '../../src/search/parser.js'
import {reindexSearch} from '../../src/search/reindex.js'
import {INSTRUMENTS} from '../support/testdata.js'

const BMG = path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV')
const CEDEX = path.join(INSTRUMENTS, 'roche_cedex_bioht')
/** A real export whose file name holds "BNCH654563": the path substring of the ranking test. */
const GEN5_BNCH = '240307_114129_BNCH654563_spectralScan_example01.txt'

/**
 * A workspace of every real instrument export (read in place), ingested and converted: the
 * BMG file has sample BNCH654563 and project alpha; the Cedex files project beta and label
 * site=cambridge; the rest only what ingest finds.
 */
describe('search index (local FTS5) on the real instrument files', function () {
  this.timeout(300_000)
  let root: string
  let backend: Backend
  let search: SearchIndex
  let files: FileRecord[]
  let db: Database.Database

  const sorted = (ids: string[]): string[] => [...ids].sort()
  const hitIds = async (query: string, options: SearchOptions = {}): Promise<string[]> =>
    (await search.search(parseQuery(query), {limit: 10_000, ...options})).hits.map((h) => h.file.fileId)
  const found = async (query: string, options: SearchOptions = {}): Promise<string[]> => sorted(await hitIds(query, options))
  const expected = (keep: (f: FileRecord) => boolean): string[] => sorted(files.filter(keep).map((f) => f.fileId))
  const name = (f: FileRecord): string => path.basename(f.sourcePath)

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-search-'))
    backend = createLocalBackend({home: path.join(root, 'home')})
    search = backend.search!
    const registry = await ConverterRegistry.load()
    await ingestFiles(backend, {
      paths: [BMG],
      registry,
      metadata: {sample: 'BNCH654563', project: 'alpha', time: '2024-03-05T10:00:00Z', plates: '3'},
      labels: [{name: 'site', value: 'boston'}],
    })
    await ingestFiles(backend, {
      paths: [CEDEX],
      registry,
      metadata: {project: 'beta', time: '2023-11-20T08:00:00Z', plates: '12'},
      labels: [{name: 'site', value: 'cambridge'}],
      exclude: ['**/*.json'],
    })
    await ingestFiles(backend, {paths: [INSTRUMENTS], registry, exclude: ['**/*.json']})
    const converted = await convertStoredFiles(backend, {registry})
    expect(converted.failed).to.deep.equal([])
    files = await backend.metadata.listFiles({})
    db = new Database(path.join(root, 'home', 'labmesh.db'))
  })
  after(async () => {
    db.close()
    await backend.close()
    rmSync(root, {recursive: true, force: true})
  })

  it('indexes every file as it is stored: raw and engineered, nothing missing', async () => {
    expect(files.filter((f) => f.category === 'RAW')).to.have.length(82)
    expect(files.filter((f) => f.category === 'ENGINEERED')).to.have.length(82)
    expect(await search.unindexed()).to.equal(0)
    expect(db.prepare('SELECT count(*) AS n FROM search_entries').get()).to.deep.equal({n: 164})
    expect(await search.count(null)).to.equal(164)
  })

  describe('operators', () => {
    it('free words find engineered content, metadata and paths', async () => {
      const glutamine = await found('glutamine')
      expect(glutamine.length).to.be.greaterThan(0)
      // Content words come from the engineered document; its raw file is found by path and metadata.
      expect(glutamine.every((id) => files.find((f) => f.fileId === id)!.category === 'ENGINEERED')).to.equal(true)
      expect(await found('cambridge')).to.deep.equal(expected((f) => f.labels.some((l) => l.value === 'cambridge')))
      expect(await found('nanodrop')).to.deep.equal(expected((f) => f.sourcePath.includes('nanodrop')))
    })

    it('a "quoted phrase" needs its words in order; bare words only all of them', async () => {
      const phrase = await found('"BCA Absorbance"')
      expect(phrase.length).to.be.greaterThan(0)
      expect(await found('"Absorbance BCA"')).to.deep.equal([])
      expect(await found('Absorbance BCA')).to.include.members(phrase)
    })

    it('field:value matches words of that metadata field only', async () => {
      expect(await found('sample:BNCH654563')).to.deep.equal(expected((f) => f.metadata.sample === 'BNCH654563'))
      expect(await found('sample:BNCH654563')).to.have.length(2)
      expect(await found('instrument:envision')).to.deep.equal(expected((f) => /envision/.test(f.metadata.instrument ?? '')))
      expect(await found('instrument:envision')).to.have.length(14)
      // "alpha" is a project, not a sample.
      expect(await found('sample:alpha')).to.deep.equal([])
      expect(await found('project:alpha')).to.deep.equal(expected((f) => f.metadata.project === 'alpha'))
    })

    it('label.<name>:value and label:value match labels', async () => {
      expect(await found('label.site:boston')).to.deep.equal(
        expected((f) => f.labels.some((l) => l.name === 'site' && l.value === 'boston')),
      )
      expect(await found('label:cambridge')).to.have.length(16)
      expect(await found('label.other:cambridge')).to.deep.equal([])
    })

    it('built-in fields: category, status, name, path, id, trace', async () => {
      expect(await found('category:raw')).to.deep.equal(expected((f) => f.category === 'RAW'))
      expect(await found('status:converted')).to.deep.equal(expected((f) => f.status === 'converted'))
      expect(await found('name:nanodrop')).to.deep.equal(expected((f) => name(f).includes('nanodrop')))
      expect(await found('path:moldev_softmax_pro')).to.deep.equal(expected((f) => f.sourcePath.includes('moldev_softmax_pro')))
      const one = files[5]
      expect(await found(`id:${one.fileId.slice(0, 8)}`)).to.deep.equal([one.fileId])
      expect(await found(`trace:${one.traceId}`)).to.deep.equal(expected((f) => f.traceId === one.traceId))
      expect(await found(`trace:${one.traceId}`)).to.have.length(2)
    })

    it('comparisons on times and numbers, with a time naming a span', async () => {
      expect(await found('time>=2024-03-01 time<2024-04')).to.deep.equal(expected((f) => f.metadata.project === 'alpha'))
      expect(await found('time:2023-11')).to.deep.equal(expected((f) => f.metadata.project === 'beta'))
      expect(await found('time<2024')).to.deep.equal(expected((f) => f.metadata.project === 'beta'))
      // Numbers compare as numbers: 12 > 5 although "12" < "5" as text.
      expect(await found('plates>5')).to.deep.equal(expected((f) => f.metadata.plates === '12'))
      expect(await found('size<2KB category:RAW')).to.deep.equal(expected((f) => f.size < 2000 && f.category === 'RAW'))
      expect(await found('size>=1MiB')).to.deep.equal(expected((f) => f.size >= 1024 * 1024))
      expect(await found('ingested>=2000-01-01')).to.have.length(164)
      expect(await found('version>1')).to.deep.equal([])
    })

    it('OR, - (NOT) and parentheses combine them', async () => {
      expect(await found('instrument:envision OR instrument:nanodrop')).to.deep.equal(
        expected((f) => /envision|nanodrop/.test(f.metadata.instrument ?? '')),
      )
      const withGlutamine = new Set(await found('glutamine'))
      expect(await found('label:cambridge -glutamine')).to.deep.equal(
        expected((f) => f.metadata.project === 'beta' && !withGlutamine.has(f.fileId)),
      )
      expect(await found('label:cambridge NOT glutamine')).to.deep.equal(await found('label:cambridge -glutamine'))
      expect(await found('(instrument:envision OR project:alpha) category:ENGINEERED')).to.deep.equal(
        expected((f) => f.category === 'ENGINEERED' && (/envision/.test(f.metadata.instrument ?? '') || f.metadata.project === 'alpha')),
      )
      expect(await found('-category:RAW')).to.deep.equal(expected((f) => f.category === 'ENGINEERED'))
      expect(await found('glutamine OR size<0')).to.deep.equal(sorted([...withGlutamine]))
    })

    it('prefix* finds words that start with it', async () => {
      const glut = await found('glut*')
      expect(glut).to.include.members(await found('glutamine'))
      expect(glut).to.include.members(await found('glutamate'))
      expect(await found('project:alp*')).to.deep.equal(await found('project:alpha'))
    })

    it('a blank query matches every file in scope; the scope narrows by category', async () => {
      expect(await found('')).to.have.length(164)
      expect(await found('', {category: 'ENGINEERED'})).to.deep.equal(expected((f) => f.category === 'ENGINEERED'))
    })
  })

  describe('ranking, snippets, sorting and paging', () => {
    it('an exact sample id beats the same id inside a path', async () => {
      const {hits} = await search.search(parseQuery('BNCH654563'))
      const named = hits.map((h) => ({name: name(h.file), sample: h.file.metadata.sample, score: h.score}))
      expect(named.map((h) => h.name)).to.include(GEN5_BNCH)
      expect(named.slice(0, 2).every((h) => h.sample === 'BNCH654563')).to.equal(true)
      expect(named.slice(2).every((h) => h.name === GEN5_BNCH)).to.equal(true)
      expect(named[1].score).to.be.greaterThan(named[2].score)
    })

    it('ranks a word in a label above the same word only in a path', async () => {
      const {hits} = await search.search(parseQuery('cambridge OR nanodrop'))
      const firstNanodrop = hits.findIndex((h) => name(h.file).includes('nanodrop'))
      const lastCambridge = hits.map((h) => h.file.labels.some((l) => l.value === 'cambridge')).lastIndexOf(true)
      expect(lastCambridge).to.be.lessThan(firstNanodrop)
    })

    it('snippets show the matched words between « and »', async () => {
      const {hits} = await search.search(parseQuery('glutamine'), {limit: 3})
      for (const hit of hits) expect(hit.snippet).to.match(/«glutamine»/i)
      const bySample = await search.search(parseQuery('sample:BNCH654563'), {category: 'RAW'})
      expect(bySample.hits[0].snippet).to.contain('sample: «BNCH654563»')
      const noWords = await search.search(parseQuery('size<1MB'), {limit: 1})
      expect(noWords.hits[0]).to.include({snippet: null, score: 0})
    })

    // One query per way a search can run: from the words, from words beside other conditions, with
    // scores read apart (ranked words under an OR with a comparison), and from the entries.
    for (const query of ['plate OR glucose', 'glutamine glut* label:cambridge', 'glutamine OR size<3KB', 'glucose OR category:RAW']) {
      it(`scores are ordered best first, and the same whichever sort shows them: ${query}`, async () => {
        const byScore = await search.search(parseQuery(query), {limit: 500})
        expect(byScore.hits.length).to.be.greaterThan(1)
        const scores = byScore.hits.map((h) => h.score)
        expect(scores).to.deep.equal([...scores].sort((a, b) => b - a))
        expect(scores[0]).to.be.greaterThan(0)
        const byPath = await search.search(parseQuery(query), {limit: 500, sort: 'path'})
        const scoreOf = new Map(byScore.hits.map((h) => [h.file.fileId, h.score]))
        expect(byPath.hits).to.have.length(byScore.hits.length)
        for (const hit of byPath.hits) expect(hit.score).to.equal(scoreOf.get(hit.file.fileId))
      })
    }

    it('sorts by time (newest first) and by path; pages with limit and offset; total counts every hit', async () => {
      const byTime = await search.search(parseQuery('project:alpha OR project:beta OR nanodrop'), {sort: 'time', limit: 100})
      const times = byTime.hits.map((h) => Date.parse(h.file.metadata.time))
      expect(times).to.deep.equal([...times].sort((a, b) => b - a))
      const all = await search.search(parseQuery('plate'), {sort: 'path', limit: 1000})
      const paths = all.hits.map((h) => h.file.sourcePath)
      expect(paths).to.deep.equal([...paths].sort())
      const page = await search.search(parseQuery('plate'), {sort: 'path', limit: 7, offset: 7})
      expect(page.hits.map((h) => h.file.fileId)).to.deep.equal(all.hits.slice(7, 14).map((h) => h.file.fileId))
      expect(page.total).to.equal(all.hits.length)
      expect(await search.count(parseQuery('plate'))).to.equal(all.hits.length)
    })
  })

  describe('facets', () => {
    it('counts hits per value of a metadata field, label or category, most first', async () => {
      const perInstrument = await search.facets(null, 'instrument')
      const counts = new Map<string, number>()
      for (const f of files) if (f.metadata.instrument) counts.set(f.metadata.instrument, (counts.get(f.metadata.instrument) ?? 0) + 1)
      expect(perInstrument).to.deep.equal(
        [...counts].map(([value, count]) => ({value, count})).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)),
      )
      expect(await search.facets(parseQuery('label:cambridge OR label:boston'), 'label.site')).to.deep.equal([
        {value: 'cambridge', count: 16},
        {value: 'boston', count: 2},
      ])
      expect(await search.facets(parseQuery('glutamine'), 'category')).to.deep.equal([
        {value: 'ENGINEERED', count: (await found('glutamine')).length},
      ])
      expect(await search.facets(parseQuery('project:alpha'), 'label')).to.deep.equal([{value: 'site=boston', count: 2}])
      expect(await search.facets(parseQuery('project:beta'), 'status')).to.deep.equal([{value: 'converted', count: 16}])
    })

    it('refuses fields that are not a few repeated values', async () => {
      const error = await search.facets(null, 'size').catch((e: unknown) => e)
      expect(error).to.include({code: 'INVALID_INPUT'})
    })
  })

  describe('queries that try SQL or FTS5 injection are only words', () => {
    // Each attempt finds what its words written plainly find, and the records stay whole.
    const attempts: [string, string][] = [
      [`'; DROP TABLE files; --`, 'DROP TABLE files'],
      [`glutamine' OR '1'='1`, 'glutamine OR "1 1"'],
      [`sample:"BNCH654563' OR 1=1 --"`, 'sample:"BNCH654563 OR 1 1"'],
      [`"NEAR(glutamine GLN2B, 5)"`, '"near glutamine gln2b 5"'],
      [`"glutamine OR SMPL1"`, '"glutamine or smpl1"'],
      [`"{content} : glutamine"`, '"content glutamine"'],
      [`^glutamine`, 'glutamine'],
      [`glutamine "*"`, 'glutamine'],
      [`label.site:"boston\\" OR \\"1"`, 'label.site:"boston OR 1"'],
      [`category:"RAW' OR category LIKE '%"`, 'size<0'],
    ]
    for (const [attempt, plain] of attempts) {
      it(JSON.stringify(attempt), async () => {
        expect(await found(attempt)).to.deep.equal(await found(plain))
        expect(await search.count(null)).to.equal(164)
      })
    }

    it('FTS5 operators inside quotes are not obeyed: NEAR and OR would have found files', async () => {
      expect(await found('glutamine GLN2B')).not.to.deep.equal([])
      expect(await found('"NEAR(glutamine GLN2B, 5)"')).to.deep.equal([])
      expect(await found('glutamine OR SMPL1')).not.to.deep.equal([])
      expect(await found('"glutamine OR SMPL1"')).to.deep.equal([])
      expect(await found('"glut*"')).to.deep.equal([])
    })
  })

  describe('kept in step with the records', () => {
    it('label changes are searchable at once, in the same transaction as the record', async () => {
      const file = files.find((f) => f.category === 'RAW' && name(f).startsWith('thermo_nanodrop'))!
      await backend.metadata.updateLabels(file.fileId, [{name: 'Reviewed By', value: 'Dr. Okafor'}], [])
      expect(await found('label.reviewed_by:okafor')).to.deep.equal([file.fileId])
      expect(await found('okafor')).to.deep.equal([file.fileId])
      await backend.metadata.updateLabels(file.fileId, [], [{name: 'Reviewed By', value: 'Dr. Okafor'}])
      expect(await found('okafor')).to.deep.equal([])
    })

    it('a record that is not stored leaves no entry (the insert and the index roll back together)', async () => {
      const existing = files.find((f) => f.category === 'RAW')!
      const clash = {...existing, fileId: '00000000-0000-4000-8000-000000000001', metadata: {sample: 'GHOST-1'}}
      const error = await backend.metadata.insertFile(clash).catch((e: unknown) => e)
      expect(error).to.include({code: 'CONFLICT'})
      expect(await found('sample:GHOST-1')).to.deep.equal([])
      expect(db.prepare('SELECT count(*) AS n FROM search_entries WHERE file_id = ?').get(clash.fileId)).to.deep.equal({n: 0})
    })

    it('a new version replaces the old one in results; --all-versions finds both', async () => {
      const drop = path.join(root, 'drop')
      mkdirSync(drop)
      const copy = path.join(drop, 'nanodrop_rerun.txt')
      copyFileSync(path.join(INSTRUMENTS, 'thermo_fisher_nanodrop_eight', 'thermo_nanodrop_eight_RNA.txt'), copy)
      const registry = await ConverterRegistry.load()
      await ingestFiles(backend, {paths: [drop], registry})
      appendFileSync(copy, '\n')
      await ingestFiles(backend, {paths: [drop], registry, checksum: true})
      expect(await hitIds('name:nanodrop_rerun')).to.have.length(1)
      expect(await hitIds('name:nanodrop_rerun', {allVersions: true})).to.have.length(2)
      const [latest] = await backend.metadata.listFiles({sourcePath: copy})
      expect(await hitIds('name:nanodrop_rerun')).to.deep.equal([latest.fileId])
    })

    it('deleting a file deletes its entry, text and values (triggers)', async () => {
      const victim = (await backend.metadata.listFiles({sourcePath: path.join(root, 'drop', 'nanodrop_rerun.txt'), allVersions: true}))[0]
      const doc = (db.prepare('SELECT doc FROM search_entries WHERE file_id = ?').get(victim.fileId) as {doc: number}).doc
      db.transaction(() => {
        db.prepare('DELETE FROM labels WHERE file_id = ?').run(victim.fileId)
        db.prepare('DELETE FROM files WHERE file_id = ?').run(victim.fileId)
      })()
      expect(db.prepare('SELECT count(*) AS n FROM search_entries WHERE file_id = ?').get(victim.fileId)).to.deep.equal({n: 0})
      expect(db.prepare('SELECT count(*) AS n FROM search_text WHERE rowid = ?').get(doc)).to.deep.equal({n: 0})
      expect(db.prepare('SELECT count(*) AS n FROM search_values WHERE doc = ?').get(doc)).to.deep.equal({n: 0})
      expect(db.prepare('SELECT count(*) AS n FROM search_text').get()).to.deep.equal(
        db.prepare('SELECT count(*) AS n FROM search_entries').get(),
      )
    })
  })

  describe('rebuild', () => {
    /** Everything the index holds, by file id (doc numbers change on a rebuild). */
    const snapshot = () => ({
      text: db
        .prepare(
          'SELECT e.file_id, e.time, t.name, t.path, t.fields, t.labels, t.content FROM search_entries e JOIN search_text t ON t.rowid = e.doc ORDER BY e.file_id',
        )
        .all(),
      values: db
        .prepare(
          'SELECT e.file_id, v.field, v.value, v.number, v.time FROM search_values v JOIN search_entries e ON e.doc = v.doc ORDER BY e.file_id, v.field, v.value',
        )
        .all(),
    })
    const QUERIES = ['glutamine', 'BNCH654563', 'label.site:cambridge -glucose', 'instrument:envision OR plate*', 'time<2024', '']

    it('equals the index kept up to date incrementally, entries and results alike', async () => {
      const before = snapshot()
      const results = await Promise.all(QUERIES.map((q) => search.search(parseQuery(q), {limit: 50})))
      const result = await reindexSearch(backend)
      expect(result).to.deep.include({indexed: before.text.length, removed: 0, failed: []})
      expect(snapshot()).to.deep.equal(before)
      expect(await Promise.all(QUERIES.map((q) => search.search(parseQuery(q), {limit: 50})))).to.deep.equal(results)
    })

    it('indexes files stored before search existed and drops entries of files that are gone', async () => {
      const contentBefore = await found('glutamine')
      const missing = files.find((f) => f.category === 'ENGINEERED' && f.sourcePath.startsWith(CEDEX) && contentBefore.includes(f.fileId))!
      // What an upgrade leaves: a file without an entry, counted in the backlog the migration records.
      db.prepare('DELETE FROM search_entries WHERE file_id = ?').run(missing.fileId)
      db.prepare('UPDATE search_backlog SET files = 1').run()
      db.prepare(
        "INSERT INTO search_entries (file_id, latest, category, size, path, version, time) VALUES ('gone', 1, 'RAW', 1, '/gone', 1, 0)",
      ).run()
      expect(await found('glutamine')).to.have.length(contentBefore.length - 1)
      expect(await search.unindexed()).to.equal(1)
      const progress: [number, number][] = []
      const result = await reindexSearch(backend, (done, total) => progress.push([done, total]))
      expect(result).to.deep.include({removed: 1, failed: []})
      const {n: stored} = db.prepare('SELECT count(*) AS n FROM files').get() as {n: number}
      expect(progress.at(-1)).to.deep.equal([stored, stored])
      expect(await search.unindexed()).to.equal(0)
      expect(await found('glutamine')).to.deep.equal(contentBefore)
    })
  })
})
