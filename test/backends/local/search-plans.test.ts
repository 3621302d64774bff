import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import type {Database} from 'better-sqlite3'
import {expect} from 'chai'

import {CACHE_KIB, openDatabase} from '../../../src/backends/local/database.js'
import {createRecordReader} from '../../../src/backends/local/metadata-store.js'
import {countSql, createFts5SearchIndex, plan} from '../../../src/backends/local/search-index.js'
import {createSearchWriter} from '../../../src/backends/local/search-writer.js'
import {compileSqlite} from '../../../src/search/compile-sqlite.js'
import {parseQuery} from '../../../src/search/parser.js'

/**
 * How the local search runs its SQL, on a real workspace database (SQLite, migrated as labmesh
 * opens it): what SQLite plans for the count of every search page, and what each search compiles.
 * These are the costs `npm run bench -- serve` measures; the results are tested in
 * test/search/search-index.test.ts.
 */
describe('local search: query plans and statements', () => {
  let root: string
  let db: Database
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-search-plans-'))
    db = openDatabase(path.join(root, 'labmesh.db'))
  })
  afterEach(() => {
    db.close()
    rmSync(root, {recursive: true, force: true})
  })

  const countPlan = (query: string): string => {
    const p = plan(compileSqlite(parseQuery(query)!), {}, false)
    const rows = db.prepare(`EXPLAIN QUERY PLAN ${countSql(p)}`).all(...p.params) as {detail: string}[]
    return rows.map((row) => row.detail).join('\n')
  }

  it('counts the FTS5 matches of a search against the small index of current docs, not the entries themselves', () => {
    for (const query of ['instrument:envision', 'glucose OR lactate', 'label.site:basel -label.status:rejected']) {
      expect(countPlan(query), query).to.include('COVERING INDEX search_entries_latest')
    }
  })

  it('scans the entries, not that index, when no word starts the search', () => {
    for (const query of ['size<10KB category:RAW', 'version>1']) {
      const detail = countPlan(query)
      expect(detail, query).to.match(/^SCAN e$/m)
      expect(detail, query).not.to.include('search_entries_latest')
    }
  })

  it('compiles a shape of query once: the next search of that shape with other values reuses it', async () => {
    const search = createFts5SearchIndex(db, createRecordReader(db), createSearchWriter(db))
    let compiled = 0
    const prepare = db.prepare.bind(db)
    db.prepare = ((sql: string) => {
      compiled++
      return prepare(sql)
    }) as typeof db.prepare
    await search.search(parseQuery('instrument:envision time>=2024-01-01'), {limit: 5})
    const first = compiled
    expect(first).to.be.greaterThan(0)
    await search.search(parseQuery('instrument:cedex time>=2023-06-01'), {limit: 5})
    await search.count(parseQuery('instrument:nanodrop time>=2022-02-01'))
    expect(compiled).to.equal(first)
  })

  it('keeps the statements of the 256 shapes used most recently, and compiles a shape again once it has dropped out', async () => {
    const search = createFts5SearchIndex(db, createRecordReader(db), createSearchWriter(db))
    const compiled: string[] = []
    const prepare = db.prepare.bind(db)
    db.prepare = ((sql: string) => {
      compiled.push(sql)
      return prepare(sql)
    }) as typeof db.prepare
    // A shape per number of size or version alternatives (a query holds at most 200 terms): more shapes than are kept.
    const shape = (n: number): Promise<number> => {
      const [field, conditions] = n <= 150 ? ['size', n] : ['version', n - 150]
      return search.count(parseQuery(Array.from({length: conditions}, (_, i) => `${field}>${i}`).join(' OR ')))
    }
    for (let n = 1; n <= 257; n++) await shape(n)
    expect(new Set(compiled).size).to.equal(257)
    // The most recent 256 are kept (2..257); using 2 keeps it among them when 258 comes in.
    await shape(2)
    await shape(258)
    await shape(2)
    expect(compiled).to.have.length(258)
    // 1 dropped out first, then 3 (used least recently of those left).
    await shape(1)
    await shape(3)
    expect(compiled).to.have.length(260)
  })

  it('keeps a page cache large enough for a search of a large workspace', () => {
    expect(db.pragma('cache_size', {simple: true})).to.equal(-CACHE_KIB)
  })
})
