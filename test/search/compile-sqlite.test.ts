import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend, FileRecord, SearchIndex, SearchOptions} from '../../src/backends/types.js'
import {compileSqlite, ftsString} from '../../src/search/compile-sqlite.js'
import {parseQuery} from '../../src/search/parser.js'

const compile = (query: string) => compileSqlite(parseQuery(query)!)

const TRACE_3 = 'c3c3c3c3-0000-4000-8000-000000000003'

/**
 * Six files written by hand, whose answer to every query below is worked out from this table,
 * not from the code. Words of each file: its path, name, metadata and labels, and its content
 * (the engineered document's words).
 *
 *      path                               cat  status     size  ingested    metadata (time, ...)                                labels                      content
 *   f1 /lab/alpha/envision/plate-001.csv  RAW  converted   500  2024-03-06  alpha envision S-001 2024-03-05 plates=3           site=boston                 glucose lactate cell count
 *   f2 /lab/alpha/envision/plate-002.csv  RAW  failed     5000  2024-03-21  alpha envision S-002 2024-03-20 plates=12          site=cambridge              glucose glutamine
 *   f3 /lab/beta/cedex/run-17.txt         RAW  ingested   1500  2023-11-21  beta cedex S-001 2023-11-20                        site=cambridge reviewed=yes glutamine ammonium
 *   f4 /lab/beta/cedex/run-17.txt.json    ENG  converted 20000  2023-11-22  beta cedex 2023-11-20 converter=cedex (raw f3)     site=cambridge              glutamine glutamate cell count viable
 *   f5 /lab/gamma/nanodrop/rna.txt        RAW  converted   800  2025-01-02  gamma nanodrop "North Boston" 2025-01-01          site=north                  absorbance nucleic acid
 *   f6 /lab/alpha/notes/failed-run.txt    RAW  failed       50  2024-04-02  alpha 2024-04-01                                   (none)                      cell
 */
const FILES: Record<string, Partial<FileRecord> & {text: string}> = {
  f1: {
    fileId: '1a000000-0000-4000-8000-000000000001',
    sourcePath: '/lab/alpha/envision/plate-001.csv',
    status: 'converted',
    size: 500,
    ingestedAt: '2024-03-06T00:00:00.000Z',
    modifiedAt: '2024-03-05T10:00:00.000Z',
    metadata: {project: 'alpha', instrument: 'envision', sample: 'S-001', time: '2024-03-05T10:00:00Z', plates: '3'},
    labels: [{name: 'site', value: 'boston'}],
    text: 'glucose lactate cell count',
  },
  f2: {
    fileId: '2b000000-0000-4000-8000-000000000002',
    sourcePath: '/lab/alpha/envision/plate-002.csv',
    status: 'failed',
    size: 5000,
    ingestedAt: '2024-03-21T00:00:00.000Z',
    modifiedAt: '2024-03-20T09:00:00.000Z',
    metadata: {project: 'alpha', instrument: 'envision', sample: 'S-002', time: '2024-03-20T09:00:00Z', plates: '12'},
    labels: [{name: 'site', value: 'cambridge'}],
    text: 'glucose glutamine',
  },
  f3: {
    fileId: '3c000000-0000-4000-8000-000000000003',
    traceId: TRACE_3,
    sourcePath: '/lab/beta/cedex/run-17.txt',
    status: 'ingested',
    size: 1500,
    ingestedAt: '2023-11-21T00:00:00.000Z',
    modifiedAt: '2023-11-20T08:00:00.000Z',
    metadata: {project: 'beta', instrument: 'cedex', sample: 'S-001', time: '2023-11-20T08:00:00Z'},
    labels: [
      {name: 'site', value: 'cambridge'},
      {name: 'reviewed', value: 'yes'},
    ],
    text: 'glutamine ammonium',
  },
  f4: {
    fileId: '3cf00000-0000-4000-8000-000000000004',
    category: 'ENGINEERED',
    traceId: TRACE_3,
    rawFileId: '3c000000-0000-4000-8000-000000000003',
    sourcePath: '/lab/beta/cedex/run-17.txt.json',
    status: 'converted',
    size: 20000,
    ingestedAt: '2023-11-22T00:00:00.000Z',
    modifiedAt: '2023-11-22T00:00:00.000Z',
    metadata: {project: 'beta', instrument: 'cedex', time: '2023-11-20T08:00:00Z', converter: 'cedex'},
    labels: [{name: 'site', value: 'cambridge'}],
    text: 'glutamine glutamate cell count viable',
  },
  f5: {
    fileId: '5e000000-0000-4000-8000-000000000005',
    sourcePath: '/lab/gamma/nanodrop/rna.txt',
    status: 'converted',
    size: 800,
    ingestedAt: '2025-01-02T00:00:00.000Z',
    modifiedAt: '2025-01-01T12:00:00.000Z',
    metadata: {project: 'gamma', instrument: 'nanodrop', sample: 'North Boston', time: '2025-01-01T12:00:00Z'},
    labels: [{name: 'site', value: 'north'}],
    text: 'absorbance nucleic acid',
  },
  f6: {
    fileId: '6f000000-0000-4000-8000-000000000006',
    sourcePath: '/lab/alpha/notes/failed-run.txt',
    status: 'failed',
    size: 50,
    ingestedAt: '2024-04-02T00:00:00.000Z',
    modifiedAt: '2024-04-01T00:00:00.000Z',
    metadata: {project: 'alpha', time: '2024-04-01T00:00:00Z'},
    labels: [],
    text: 'cell',
  },
}
const ALL = Object.keys(FILES)

/** Each query and the files it finds, worked out by hand from the table above. */
const ANSWERS: Array<[query: string, files: string[]]> = [
  // Free words, phrases, AND, OR, precedence.
  ['glucose', ['f1', 'f2']],
  ['cell', ['f1', 'f4', 'f6']],
  ['cell count', ['f1', 'f4']],
  ['"cell count"', ['f1', 'f4']],
  ['"count cell"', []],
  ['glucose glutamine', ['f2']],
  ['glucose AND lactate', ['f1']],
  ['glucose OR ammonium', ['f1', 'f2', 'f3']],
  ['glucose OR lactate glutamine', ['f1', 'f2']],
  ['(glucose OR lactate) glutamine', ['f2']],
  ['boston', ['f1', 'f5']],
  ['cambridge', ['f2', 'f3', 'f4']],
  ['', ALL],
  // NOT: of words, of groups, twice, inside OR.
  ['glutamine -glucose', ['f3', 'f4']],
  ['glutamine NOT glucose', ['f3', 'f4']],
  ['-glutamine', ['f1', 'f5', 'f6']],
  ['-(-glucose)', ['f1', 'f2']],
  ['NOT -glucose', ['f1', 'f2']],
  ['-(glucose OR glutamine)', ['f5', 'f6']],
  ['-(glucose lactate)', ['f2', 'f3', 'f4', 'f5', 'f6']],
  ['glutamine -(cell count)', ['f2', 'f3']],
  ['-(glutamine -ammonium)', ['f1', 'f3', 'f5', 'f6']],
  ['cell -(count -viable)', ['f4', 'f6']],
  ['(glucose -lactate) glutamine', ['f2']],
  ['glutamine (glucose -lactate)', ['f2']],
  ['(glucose -lactate) OR ammonium', ['f2', 'f3']],
  ['ammonium OR -glucose', ['f3', 'f4', 'f5', 'f6']],
  ['-status:failed -glutamine', ['f1', 'f5']],
  ['-glucose -glutamine', ['f5', 'f6']],
  ['glutamine -ammonium -glucose', ['f4']],
  // Metadata and label fields: words of that field only.
  ['project:alpha', ['f1', 'f2', 'f6']],
  ['project:alp*', ['f1', 'f2', 'f6']],
  ['metadata.project:beta', ['f3', 'f4']],
  ['sample:S-001', ['f1', 'f3']],
  ['sample:boston', ['f5']],
  ['sample:"North Boston"', ['f5']],
  ['sample:"Boston North"', []],
  ['project:boston', []],
  ['label.site:cambridge', ['f2', 'f3', 'f4']],
  ['label:yes', ['f3']],
  ['label.reviewed:yes', ['f3']],
  ['label.site:yes', []],
  ['label:cambridge -label.reviewed:yes', ['f2', 'f4']],
  ['instrument:envision -sample:S-002', ['f1']],
  ['instrument:envision -label.site:boston', ['f2']],
  ['(label:boston OR label:north) -sample:"north boston"', ['f1']],
  // Name and path words, prefixes.
  ['name:plate', ['f1', 'f2']],
  ['name:cedex', []],
  ['path:cedex', ['f3', 'f4']],
  ['name:run path:beta', ['f3', 'f4']],
  ['gluc*', ['f1', 'f2']],
  ['glu*', ['f1', 'f2', 'f3', 'f4']],
  ['glu* -gluc*', ['f3', 'f4']],
  // Keyword and id fields (SQL).
  ['category:ENGINEERED', ['f4']],
  ['category:raw', ['f1', 'f2', 'f3', 'f5', 'f6']],
  ['category:RA*', ['f1', 'f2', 'f3', 'f5', 'f6']],
  ['-category:RAW', ['f4']],
  ['status:failed', ['f2', 'f6']],
  ['status:FAILED', ['f2', 'f6']],
  ['status:fail*', ['f2', 'f6']],
  ['status:fail_d', []],
  ['status:fail%', []],
  ['status:%failed', []],
  ['id:1A00', ['f1']],
  ['id:3c', ['f3', 'f4']],
  ['id:3c0', ['f3']],
  [`trace:${TRACE_3}`, ['f3', 'f4']],
  [`trace:${TRACE_3.slice(0, 8).toUpperCase()}`, ['f3', 'f4']],
  // Comparisons on file columns and on metadata values, numbers and times.
  ['size<1000', ['f1', 'f5', 'f6']],
  ['size<1KB', ['f1', 'f5', 'f6']],
  ['size<=500', ['f1', 'f6']],
  ['size>=1500', ['f2', 'f3', 'f4']],
  ['size>1500', ['f2', 'f4']],
  ['size>500 size<=1500', ['f3', 'f5']],
  ['size:1500', ['f3']],
  ['version>1', []],
  ['version:1', ALL],
  ['time<2024', ['f3', 'f4']],
  ['time:2024-03', ['f1', 'f2']],
  ['time>=2024-03-20', ['f2', 'f5', 'f6']],
  ['time>2024-03-20T09:00:00Z', ['f5', 'f6']],
  ['plates>5', ['f2']],
  ['plates<=3', ['f1']],
  ['ingested>=2024-03', ['f1', 'f2', 'f5', 'f6']],
  ['ingested:2023-11', ['f3', 'f4']],
  ['modified<2024', ['f3', 'f4']],
  ['modified:2024-03-20', ['f2']],
  // Words beside SQL conditions in one AND: excluded words still excluded.
  ['label:cambridge category:RAW -ammonium', ['f2']],
  ['label:cambridge category:RAW -ammonium -glucose', []],
  ['label:cambridge category:ENGINEERED -glutamine', []],
  ['label:cambridge category:ENGINEERED -ammonium', ['f4']],
  ['category:RAW -glutamine', ['f1', 'f5', 'f6']],
  ['glutamine size<10000 -ammonium', ['f2']],
  ['glutamine -category:RAW', ['f4']],
  ['glucose -category:RAW', []],
  ['project:alpha -status:failed', ['f1']],
  ['project:alpha -(lactate OR size<100)', ['f2']],
  ['-(glucose size<1000)', ['f2', 'f3', 'f4', 'f5', 'f6']],
  // OR with SQL conditions, and groups of both inside each other.
  ['status:failed OR glutamine', ['f2', 'f3', 'f4', 'f6']],
  ['status:failed OR glucose OR ammonium', ['f1', 'f2', 'f3', 'f6']],
  ['size<100 OR ammonium', ['f3', 'f6']],
  ['glutamine OR size<0', ['f2', 'f3', 'f4']],
  ['(glucose OR status:failed) -lactate', ['f2', 'f6']],
  ['(glucose -lactate) OR (category:ENGINEERED -viable)', ['f2']],
  ['(glucose -lactate) OR (category:ENGINEERED -ammonium)', ['f2', 'f4']],
  ['project:beta (glutamine OR nucleic) -(viable OR size>10000)', ['f3']],
  ['(status:failed OR size>10000) (glutamine OR cell)', ['f2', 'f4', 'f6']],
  ['(label:north OR (glucose size>1000)) OR trace:c3c3', ['f2', 'f3', 'f4', 'f5']],
]

describe('search: the SQLite FTS5 compiler, judged by the files each query finds', function () {
  this.timeout(60_000)
  let root: string
  let backend: Backend
  let search: SearchIndex
  const names = new Map(Object.entries(FILES).map(([name, f]) => [f.fileId!, name]))
  const found = async (query: string, options: SearchOptions = {}): Promise<string[]> =>
    (await search.search(parseQuery(query), {limit: 100, ...options})).hits.map((h) => names.get(h.file.fileId)!).sort()
  const scores = async (query: string): Promise<Record<string, number>> =>
    Object.fromEntries((await search.search(parseQuery(query), {limit: 100})).hits.map((h) => [names.get(h.file.fileId)!, h.score]))

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-compile-'))
    backend = createLocalBackend({home: path.join(root, 'home')})
    search = backend.search!
    for (const {text, ...file} of Object.values(FILES)) {
      const record = {
        category: 'RAW',
        traceId: `${file.fileId!.slice(0, 8)}-trace`,
        rawFileId: null,
        sha256: '0'.repeat(64),
        sourceHost: 'bench-1',
        version: 1,
        error: null,
        ...file,
      } as FileRecord
      await backend.metadata.insertFile({...record, searchText: text})
    }
  })
  after(async () => {
    await backend.close()
    rmSync(root, {recursive: true, force: true})
  })

  for (const [query, files] of ANSWERS) {
    it(`${JSON.stringify(query)} finds ${files.length === 0 ? 'nothing' : files.join(' ')}`, async () => {
      expect(await found(query)).to.deep.equal(files)
      expect(await search.count(parseQuery(query))).to.equal(files.length)
    })
  }

  it('narrows every query to a category when asked', async () => {
    expect(await found('glutamine', {category: 'RAW'})).to.deep.equal(['f2', 'f3'])
    expect(await found('label:cambridge -glutamine', {category: 'ENGINEERED'})).to.deep.equal([])
    expect(await found('', {category: 'ENGINEERED'})).to.deep.equal(['f4'])
  })

  it('scores free words and name:/path: words; field values only select, a value equal to a term gains 10', async () => {
    const glucose = await scores('glucose')
    expect(Object.keys(glucose).sort()).to.deep.equal(['f1', 'f2'])
    for (const score of Object.values(glucose)) expect(score).to.be.greaterThan(0).and.lessThan(10)
    // Every file with site=cambridge has it alike: the exact-value bonus, no bm25.
    expect(await scores('label.site:cambridge')).to.deep.equal({f2: 10, f3: 10, f4: 10})
    expect(await scores('label.site:cambr*')).to.deep.equal({f2: 0, f3: 0, f4: 0})
    expect(await scores('label.site:cambridge*')).to.deep.equal({f2: 0, f3: 0, f4: 0})
    for (const score of Object.values(await scores('name:plate'))) expect(score).to.be.greaterThan(0).and.lessThan(10)
    expect(await scores('gluc*')).to.deep.equal({f1: 0, f2: 0})
    expect(await scores('size<1000')).to.deep.equal({f1: 0, f5: 0, f6: 0})
    expect(await scores('-glutamine label:north')).to.deep.equal({f5: 10})
    const s001 = await scores('S-001')
    expect(Object.keys(s001).sort()).to.deep.equal(['f1', 'f3'])
    for (const score of Object.values(s001)) expect(score).to.be.greaterThan(10)
    // A file with both words ranks first.
    const {hits} = await search.search(parseQuery('glutamine OR glucose'))
    expect(names.get(hits[0].file.fileId)).to.equal('f2')
  })

  it('gives a file the same score for the same words however the rest of the query makes it run', async () => {
    const alone = (await scores('glucose')).f2
    for (const query of ['glucose label:cambr*', 'glucose size<10000', 'glucose OR size<10', 'glucose OR category:RAW', 'glucose gluc*'])
      expect((await scores(query)).f2, query).to.equal(alone)
    // Ordered by the score it shows, whichever way it ran.
    for (const query of ['glucose OR glutamine', 'cell OR size<100', 'glutamine -ammonium OR status:failed', 'cell gluc* OR nucleic']) {
      const {hits} = await search.search(parseQuery(query), {limit: 100})
      const shown = hits.map((h) => h.score)
      expect(shown, query).to.deep.equal([...shown].sort((a, b) => b - a))
      const byPath = await search.search(parseQuery(query), {limit: 100, sort: 'path'})
      expect(Object.fromEntries(byPath.hits.map((h) => [h.file.fileId, h.score])), query).to.deep.equal(
        Object.fromEntries(hits.map((h) => [h.file.fileId, h.score])),
      )
    }
  })

  it('shows the wanted words where people read them, and never an excluded one', async () => {
    const snippet = async (query: string, file: string): Promise<string | null> =>
      (await search.search(parseQuery(query), {limit: 100})).hits.find((h) => names.get(h.file.fileId) === file)!.snippet
    expect(await snippet('glucose', 'f1')).to.contain('«glucose»')
    expect(await snippet('glucose OR ammonium', 'f3')).to.contain('«ammonium»')
    expect(await snippet('label.site:boston', 'f1')).to.contain('site: «boston»')
    expect(await snippet('sample:boston', 'f5')).to.contain('North «Boston»')
    expect(await snippet('path:cedex', 'f3')).to.contain('«cedex»')
    expect(await snippet('gluc* -lactate', 'f2')).to.contain('«glucose»')
    expect(await snippet('glutamine -lactate', 'f2')).not.to.contain('«lactate»')
    expect(await snippet('size<100', 'f6')).to.equal(null)
  })
})

describe('search: what the compiler writes', () => {
  it('writes every term as an FTS5 string, quotes doubled, so nothing in it is FTS5 syntax', () => {
    expect(ftsString('plate reader')).to.equal('"plate reader"')
    expect(ftsString('a"b')).to.equal('"a""b"')
    expect(ftsString('abs', true)).to.equal('"abs" *')
  })

  it('never puts user text in the SQL: values are bound parameters', () => {
    const hostile = [
      `x'; DROP TABLE files; --`,
      `sample:"S' OR '1'='1"`,
      `label.site:"boston\\" OR 1=1"`,
      `name:"a' UNION SELECT * FROM labels --"`,
      `category:RAW' OR 1=1`,
      `id:3f'--`,
      `metadata.x:";DELETE FROM files"`,
      `x' size<1`,
      `status:x' OR size<1 OR trace:y'`,
    ]
    for (const query of hostile) {
      const {where, params} = compile(query)
      expect(where, query).not.to.match(/DROP|UNION|DELETE|1=1|'--|OR '1|x'/)
      expect((where.match(/\?/g) ?? []).length, query).to.equal(params.length)
    }
  })
})
