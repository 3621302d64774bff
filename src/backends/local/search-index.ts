import type {Database, Statement} from 'better-sqlite3'
import pLimit from 'p-limit'

import type {SearchNode} from '../../search/ast.js'
import {type CompiledQuery, compileSqlite, FILE_COLUMNS, type SqlValue, TEXT_COLUMNS} from '../../search/compile-sqlite.js'
import {facetSpec} from '../../search/fields.js'
import {SNIPPET_MARKS} from '../../search/highlight.js'
import {afterKeys, cursorKeys, orderBy, type OrderColumns, rankedCursor} from '../../search/keyset.js'
import {EXACT_VALUE_BOOST} from '../../search/query-terms.js'
import type {Category, FacetCount, SearchCursor, SearchHit, SearchIndex, SearchOptions, SearchPage, SearchScope} from '../types.js'
import type {FileRow, RecordReader} from './metadata-store.js'
import type {SearchWriter} from './search-writer.js'

/**
 * bm25 weight of each search_text column (TEXT_COLUMNS order): a value a person gave the file
 * (metadata, labels) says more than a word somewhere in its path or document.
 */
const WEIGHTS: Record<(typeof TEXT_COLUMNS)[number], number> = {
  name: 4,
  path: 1.5,
  fields: 8,
  labels: 6,
  content: 1,
  field_keys: 0,
  label_keys: 0,
}
const BM25 = `bm25(search_text, ${TEXT_COLUMNS.map((c) => WEIGHTS[c]).join(', ')})`
const SNIPPET = `snippet(search_text, -1, '${SNIPPET_MARKS.open}', '${SNIPPET_MARKS.close}', '…', 12)`

/** The columns of the search order (keyset.ts). */
const ORDER_COLUMNS: OrderColumns = {
  time: 'e.time',
  sourcePath: 'e.path',
  version: 'e.version',
  category: 'e.category',
  fileId: 'e.file_id',
}

/** How a query runs: the SQL before SELECT (a WITH), the FROM, the WHERE, their parameters in that order, and the bm25 to order by. */
export interface Plan {
  with: string
  from: string
  where: string
  params: SqlValue[]
  /** bm25 of the hit (lower is better) or 0. */
  bm25: string
}

type PageArgs = [expression: string, first: number, last: number, docs: string]

/** A hit's entry: its doc and the keys of its place in the order. */
interface EntryRow {
  doc: number
  file_id: string
  time: number
  path: string
  version: number
  category: Category
}

/**
 * `value` for the docs of a page that match an FTS5 expression, in one scan of the rowid range
 * they span: asked one rowid at a time, FTS5 would expand a prefix (`pl*`: thousands of words)
 * again for every row. `rowid + 0` keeps the list from being handed to FTS5 as rowid lookups;
 * the CASTs because better-sqlite3 binds numbers as REAL, which FTS5 ignores as a rowid bound.
 */
const pageOf = (value: string): string => `SELECT rowid AS doc, ${value} AS value FROM search_text
  WHERE search_text MATCH ? AND rowid BETWEEN CAST(? AS INTEGER) AND CAST(? AS INTEGER) AND (rowid + 0) IN (SELECT value FROM json_each(?))`

const matches = (bm25: boolean): string =>
  `(SELECT rowid AS doc${bm25 ? `, ${BM25} AS bm25` : ''} FROM search_text WHERE search_text MATCH ?)`

/**
 * Starts from FTS5's matches when every hit is among them (the driver, or the ranked words),
 * scoring them on the way; else from the entries. Files are joined only when a condition reads
 * a column the entry does not repeat. When ranking needs words the start does not hold, their
 * scores are read once into a table of their own.
 */
export function plan(compiled: CompiledQuery | null, scope: SearchScope, ranked: boolean, withFiles = false): Plan {
  const rank = ranked ? (compiled?.rank ?? null) : null
  const fromMatches = Boolean(compiled?.driver) || (rank !== null && compiled!.rankCoversHits)
  const where: string[] = []
  const params: SqlValue[] = []
  // Each FTS5 match is checked against the index of current docs (migrations.ts); a scan of the
  // entries reads their rows anyway, and `+` keeps SQLite from walking that index to look each up.
  if (!scope.allVersions) where.push(fromMatches ? 'e.latest = 1' : '+e.latest = 1')
  if (scope.category) {
    where.push('e.category = ?')
    params.push(scope.category)
  }
  if (compiled) {
    where.push(compiled.where)
    params.push(...compiled.params)
  }
  const whereSql = where.length > 0 ? where.join(' AND ') : '1'
  const files = withFiles || compiled?.usesFiles ? ' LEFT JOIN files f ON f.file_id = e.file_id' : ''
  const scoresApart = {with: `WITH s AS MATERIALIZED ${matches(true)}`, join: ' LEFT JOIN s ON s.doc = e.doc', bm25: 'coalesce(s.bm25, 0)'}
  if (compiled?.driver) {
    const start = (bm25: boolean): string => `${matches(bm25)} r JOIN search_entries e ON e.doc = r.doc`
    if (rank === null || compiled.rankInDriver) {
      return {
        with: '',
        from: start(rank !== null) + files,
        where: whereSql,
        params: [compiled.driver, ...params],
        bm25: rank === null ? '0' : 'r.bm25',
      }
    }
    return {
      with: scoresApart.with,
      from: start(false) + scoresApart.join + files,
      where: whereSql,
      params: [rank, compiled.driver, ...params],
      bm25: scoresApart.bm25,
    }
  }
  if (rank !== null && compiled!.rankCoversHits) {
    return {
      with: '',
      from: `${matches(true)} r JOIN search_entries e ON e.doc = r.doc${files}`,
      where: whereSql,
      params: [rank, ...params],
      bm25: 'r.bm25',
    }
  }
  if (rank !== null)
    return {
      with: scoresApart.with,
      from: `search_entries e${scoresApart.join}${files}`,
      where: whereSql,
      params: [rank, ...params],
      bm25: scoresApart.bm25,
    }
  return {with: '', from: `search_entries e${files}`, where: whereSql, params, bm25: '0'}
}

/** The statement that counts a plan's hits. */
export const countSql = (p: Plan): string => `${p.with} SELECT count(*) AS n FROM ${p.from} WHERE ${p.where}`

/** Files per rebuild transaction: small enough that searches and writers never wait long. */
const REBUILD_PAGE = 500
/** Statements kept per shape of query (the values are bound, so a shape repeats): compiling one can cost more than a selective search. */
const PREPARED_SHAPES = 256

/** The local SearchIndex: SQLite FTS5 (bm25 ranking) in the workspace database. */
export function createFts5SearchIndex(db: Database, reader: RecordReader, writer: SearchWriter): SearchIndex {
  const statements = {
    page: db.prepare<[string, number], FileRow>('SELECT * FROM files WHERE file_id > ? ORDER BY file_id LIMIT ?'),
    files: db.prepare<[], {n: number}>('SELECT count(*) AS n FROM files'),
    backlog: db.prepare<[], {files: number}>('SELECT files FROM search_backlog'),
    orphans: db.prepare('DELETE FROM search_entries WHERE file_id NOT IN (SELECT file_id FROM files)'),
    clearBacklog: db.prepare('UPDATE search_backlog SET files = 0'),
    bm25: db.prepare<PageArgs, {doc: number; value: number}>(pageOf(BM25)),
    snippet: db.prepare<PageArgs, {doc: number; value: string}>(pageOf(SNIPPET)),
    matches: db.prepare<PageArgs, {doc: number; value: number}>(pageOf('1')),
    doc: db.prepare<[string], {doc: number}>('SELECT doc FROM search_entries WHERE file_id = ?'),
  }
  /** A value per page doc that matches an FTS5 expression. */
  const forPage = <T>(
    statement: Statement<PageArgs, {doc: number; value: T}>,
    expression: string | null,
    docs: number[],
  ): Map<number, T> =>
    expression === null || docs.length === 0
      ? new Map()
      : new Map(statement.all(expression, Math.min(...docs), Math.max(...docs), JSON.stringify(docs)).map((r) => [r.doc, r.value]))

  const shapes = new Map<string, Statement>()
  /** The statement for `sql`, compiled once while it stays among the shapes used most recently. */
  const prepared = (sql: string): Statement => {
    const kept = shapes.get(sql)
    shapes.delete(sql)
    const statement = kept ?? db.prepare(sql)
    if (shapes.size >= PREPARED_SHAPES) shapes.delete(shapes.keys().next().value!)
    shapes.set(sql, statement)
    return statement
  }

  const count = (p: Plan): number => (prepared(countSql(p)).get(...p.params) as {n: number}).n
  const compile = (query: SearchNode | null): CompiledQuery | null => (query === null ? null : compileSqlite(query))

  const searchPage = (compiled: CompiledQuery | null, options: SearchOptions): SearchPage => {
    const exact = compiled?.exact ?? null
    // Ranking needs every hit's score; other orders score only the page shown.
    const ranked = (options.sort ?? 'score') === 'score' && (compiled?.rank != null || exact !== null)
    const p = plan(compiled, options, ranked)
    const boost =
      exact === null
        ? '0'
        : `CASE WHEN e.doc IN (SELECT rowid FROM search_text WHERE search_text MATCH @exact) THEN ${EXACT_VALUE_BOOST} ELSE 0 END`
    const score = `(${boost} - ${p.bm25})`
    // Ties end on the file id: the order must not depend on doc numbers, which a rebuild changes.
    const byPath = !ranked && options.sort === 'path'
    const order = ranked ? `${score} DESC, ${orderBy(ORDER_COLUMNS, false)}` : orderBy(ORDER_COLUMNS, byPath)
    const limit = options.limit ?? 20
    const offset = options.offset ?? 0
    const afterParams: unknown[] = []
    const after = options.after
      ? ` AND ${afterKeys(
          [
            ...(ranked ? [{sql: score, descending: true, value: anchorScore(compiled, rankedCursor(options.after))}] : []),
            ...cursorKeys(ORDER_COLUMNS, options.after, byPath),
          ],
          (value) => {
            afterParams.push(value)
            return '?'
          },
        )}`
      : ''
    const rows = prepared(
      `${p.with} SELECT e.doc, e.file_id, e.time, e.path, e.version, e.category FROM ${p.from} WHERE ${p.where}${after} ORDER BY ${order} LIMIT ? OFFSET ?`,
    ).all(...p.params, ...afterParams, limit, offset, ...(exact === null ? [] : [{exact}])) as EntryRow[]
    const docs = rows.map((row) => row.doc)
    const bm25 = forPage(statements.bm25, compiled?.rank ?? null, docs)
    const snippets = forPage(statements.snippet, compiled?.highlight ?? null, docs)
    const exactDocs = forPage(statements.matches, exact, docs)
    const scoreOf = (doc: number): number => (exactDocs.has(doc) ? EXACT_VALUE_BOOST : 0) - (bm25.get(doc) ?? 0)
    const hits = rows.map((row): SearchHit => ({
      file: reader.get(row.file_id)!,
      score: Math.round(scoreOf(row.doc) * 1000) / 1000,
      snippet: snippets.get(row.doc)?.replace(/\s+/g, ' ').trim() ?? null,
    }))
    const last = rows.at(-1)
    // A short page tells the total; else count apart, which is cheaper than a window over every
    // hit (that would stop SQLite keeping only the top of the sort).
    const shortPage = rows.length > 0 && rows.length < limit && !options.after
    return {
      total: shortPage ? offset + rows.length : count(plan(compiled, options, false)),
      hits,
      next:
        last && rows.length === limit
          ? {
              ...(ranked ? {score: scoreOf(last.doc)} : {}),
              time: last.time,
              sourcePath: last.path,
              version: last.version,
              category: last.category,
              fileId: last.file_id,
            }
          : null,
    }
  }

  /**
   * The score to page after: the last hit's score now. bm25 weighs words by how many files hold
   * them, so every score moves when files are added; the hit's own score moves with the rest,
   * where the one it had when its page was read would no longer sit between the same hits. A
   * last hit that no longer matches keeps the score it had.
   */
  const anchorScore = (compiled: CompiledQuery | null, after: SearchCursor & {score: number}): number => {
    const doc = statements.doc.get(after.fileId)?.doc
    if (doc === undefined) return after.score
    const bm25 = forPage(statements.bm25, compiled?.rank ?? null, [doc]).get(doc)
    const boosted = forPage(statements.matches, compiled?.exact ?? null, [doc]).has(doc)
    return bm25 === undefined && !boosted ? after.score : (boosted ? EXACT_VALUE_BOOST : 0) - (bm25 ?? 0)
  }

  return {
    async search(query, options = {}) {
      // One read transaction: the page, its scores and the count see the same entries.
      return db.transaction(() => searchPage(compile(query), options))()
    },

    async count(query, scope = {}) {
      return count(plan(compile(query), scope, false))
    },

    async facets(query, field, scope = {}) {
      const spec = facetSpec(field)
      const p = plan(compile(query), scope, false, spec.kind === 'keyword' && FILE_COLUMNS[spec.property].startsWith('f.'))
      const limit = scope.limit ?? 50
      if (spec.kind === 'keyword') {
        return prepared(
          `SELECT ${FILE_COLUMNS[spec.property]} AS value, count(*) AS count FROM ${p.from} WHERE ${p.where} GROUP BY value ORDER BY count DESC, value LIMIT ?`,
        ).all(...p.params, limit) as FacetCount[]
      }
      const anyLabel = spec.kind === 'label' && spec.name === null
      const value = anyLabel ? "substr(v.field, 7) || '=' || v.value" : 'v.value'
      const fieldCondition = anyLabel ? "v.field >= 'label.' AND v.field < 'label/'" : 'v.field = ?'
      const fieldParams = anyLabel ? [] : [spec.kind === 'label' ? `label.${spec.name}` : spec.key]
      // Joined from the hits, not `v.doc IN (hits)`: SQLite would first copy every hit into a temporary index.
      return prepared(
        `SELECT ${value} AS value, count(*) AS count FROM (SELECT e.doc FROM ${p.from} WHERE ${p.where}) h
          JOIN search_values v ON v.doc = h.doc AND ${fieldCondition} GROUP BY 1 ORDER BY count DESC, value LIMIT ?`,
      ).all(...p.params, ...fieldParams, limit) as FacetCount[]
    },

    // A stored number, not a count of files without an entry: counting 100,000 files costs a search's time.
    async unindexed() {
      return statements.backlog.get()!.files
    },

    async rebuild({searchText, onProgress}) {
      const total = statements.files.get()!.n
      const replace = db.transaction((texts: Map<string, string | undefined>) => {
        // Re-read inside the transaction: labels may have changed while documents were read.
        for (const [fileId, text] of texts) {
          const record = reader.get(fileId)
          if (record) writer.index(record, text)
        }
      })
      const limit = pLimit(8)
      let done = 0
      for (let after = ''; ;) {
        const rows = statements.page.all(after, REBUILD_PAGE)
        if (rows.length === 0) break
        after = rows.at(-1)!.file_id
        const records = rows.map((row) => reader.toRecord(row))
        const texts = await Promise.all(records.map((record) => limit(() => searchText(record))))
        replace(new Map(records.map((record, i) => [record.fileId, texts[i]])))
        done += rows.length
        onProgress?.(done, total)
      }
      const removed = db.transaction(() => {
        statements.clearBacklog.run()
        return statements.orphans.run().changes
      })()
      // Merge the FTS5 segments a rebuild leaves behind: queries then read one b-tree.
      db.exec("INSERT INTO search_text (search_text) VALUES ('optimize')")
      return {indexed: done, removed}
    },
  }
}
