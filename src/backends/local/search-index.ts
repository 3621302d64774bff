import type {Database} from 'better-sqlite3'
import pLimit from 'p-limit'

import {LabmeshError} from '../../errors.js'
import type {SearchNode} from '../../search/ast.js'
import {compileSqlite, type SqlValue, TEXT_COLUMNS} from '../../search/compile-sqlite.js'
import {fieldSpec, isFacetable, normaliseFieldName} from '../../search/fields.js'
import {SNIPPET_MARKS} from '../../search/highlight.js'
import type {SearchHit, SearchIndex, SearchScope, SearchSort} from '../types.js'
import type {FileRow, RecordReader} from './metadata-store.js'
import type {SearchWriter} from './search-writer.js'

/**
 * bm25 weight of each search_text column (TEXT_COLUMNS order): a value a person gave the file
 * (metadata, labels) says more than a word somewhere in its path or document.
 */
const WEIGHTS: Record<(typeof TEXT_COLUMNS)[number], number> = {name: 4, path: 1.5, fields: 8, labels: 6, content: 1}
const BM25 = `bm25(search_text, ${TEXT_COLUMNS.map((c) => WEIGHTS[c]).join(', ')})`
const SNIPPET = `snippet(search_text, -1, '${SNIPPET_MARKS.open}', '${SNIPPET_MARKS.close}', '…', 12)`
const FROM = 'search_entries e JOIN files f ON f.file_id = e.file_id'

const ORDER: Record<SearchSort, string> = {
  score: 'coalesce(r.score, 0), e.time DESC, f.source_path, f.version DESC',
  time: 'e.time DESC, f.source_path, f.version DESC',
  path: 'f.source_path, f.version DESC',
}

/** Files per rebuild transaction: small enough that searches and writers never wait long. */
const REBUILD_PAGE = 500

/** The local SearchIndex: SQLite FTS5 (bm25 ranking) in the workspace database. */
export function createFts5SearchIndex(db: Database, reader: RecordReader, writer: SearchWriter): SearchIndex {
  const statements = {
    page: db.prepare<[string, number], FileRow>('SELECT * FROM files WHERE file_id > ? ORDER BY file_id LIMIT ?'),
    files: db.prepare<[], {n: number}>('SELECT count(*) AS n FROM files'),
    entries: db.prepare<[], {n: number}>('SELECT count(*) AS n FROM search_entries'),
    orphans: db.prepare('DELETE FROM search_entries WHERE file_id NOT IN (SELECT file_id FROM files)'),
    marked: db.prepare<[string, number], {score: number; snippet: string}>(
      `SELECT ${BM25} AS score, ${SNIPPET} AS snippet FROM search_text WHERE search_text MATCH ? AND rowid = ?`,
    ),
  }

  /** The WHERE clause of a query in a scope, over `e` and `f`, with its parameters. */
  const filter = (query: SearchNode | null, scope: SearchScope = {}) => {
    const compiled = query === null ? null : compileSqlite(query)
    const where: string[] = []
    const params: SqlValue[] = []
    if (!scope.allVersions) where.push('f.is_latest = 1')
    if (scope.category) where.push('f.category = ?') && params.push(scope.category)
    if (compiled) where.push(compiled.where) && params.push(...compiled.params)
    return {where: where.length > 0 ? where.join(' AND ') : '1', params, rank: compiled?.rank ?? null}
  }

  const count = (where: string, params: SqlValue[]): number => (db.prepare(`SELECT count(*) AS n FROM ${FROM} WHERE ${where}`).get(...params) as {n: number}).n

  return {
    async search(query, options = {}) {
      const {where, params, rank} = filter(query, options)
      const sort = options.sort ?? 'score'
      // Ranking needs every hit's score; other orders score only the page shown.
      const ranked = sort === 'score' && rank !== null
      const sql = `SELECT e.doc, f.file_id FROM ${FROM}
        ${ranked ? `LEFT JOIN (SELECT rowid AS doc, ${BM25} AS score FROM search_text WHERE search_text MATCH ?) r ON r.doc = e.doc` : ''}
        WHERE ${where} ORDER BY ${ranked ? ORDER.score : ORDER[sort === 'score' ? 'time' : sort]} LIMIT ? OFFSET ?`
      const rows = db.prepare(sql).all(...(ranked ? [rank] : []), ...params, options.limit ?? 20, options.offset ?? 0) as {doc: number; file_id: string}[]
      const hits = rows.map((row): SearchHit => {
        const marked = rank === null ? undefined : statements.marked.get(rank, row.doc)
        return {
          file: reader.get(row.file_id)!,
          score: marked ? Math.round(-marked.score * 1000) / 1000 : 0,
          snippet: marked ? marked.snippet.replace(/\s+/g, ' ').trim() : null,
        }
      })
      return {total: count(where, params), hits}
    },

    async count(query, scope) {
      const {where, params} = filter(query, scope)
      return count(where, params)
    },

    async facets(query, field, scope = {}) {
      const name = normaliseFieldName(field)
      const spec = fieldSpec(name)
      if (!isFacetable(spec)) {
        throw new LabmeshError('INVALID_INPUT', `cannot count hits per value of "${field}": it is not a field of a few repeated values`, {
          subject: field,
          suggestions: ['facet on category, status, label, label.<name> or a metadata key (instrument, technique, sample, project...)'],
        })
      }
      const {where, params} = filter(query, scope)
      const limit = scope.limit ?? 50
      let sql: string
      const facetParams: SqlValue[] = []
      if (spec.kind === 'keyword') {
        sql = `SELECT f.${spec.property} AS value, count(*) AS count FROM ${FROM} WHERE ${where} GROUP BY value`
        facetParams.push(...params)
      } else {
        const anyLabel = spec.kind === 'label' && spec.name === null
        const value = anyLabel ? "substr(v.field, 7) || '=' || v.value" : 'v.value'
        const fieldCondition = anyLabel ? "v.field >= 'label.' AND v.field < 'label/'" : 'v.field = ?'
        if (!anyLabel) facetParams.push(spec.kind === 'label' ? `label.${spec.name}` : spec.key)
        sql = `SELECT ${value} AS value, count(*) AS count FROM search_values v
          WHERE ${fieldCondition} AND v.doc IN (SELECT e.doc FROM ${FROM} WHERE ${where}) GROUP BY 1`
        facetParams.push(...params)
      }
      return db.prepare(`${sql} ORDER BY count DESC, value LIMIT ?`).all(...facetParams, limit) as {value: string; count: number}[]
    },

    async coverage() {
      return {files: statements.files.get()!.n, indexed: statements.entries.get()!.n}
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
      for (let after = ''; ; ) {
        const rows = statements.page.all(after, REBUILD_PAGE)
        if (rows.length === 0) break
        after = rows.at(-1)!.file_id
        const records = rows.map((row) => reader.toRecord(row))
        const texts = await Promise.all(records.map((record) => limit(() => searchText(record))))
        replace(new Map(records.map((record, i) => [record.fileId, texts[i]])))
        done += rows.length
        onProgress?.(done, total)
      }
      const removed = statements.orphans.run().changes
      // Merge the FTS5 segments a rebuild leaves behind: queries then read one b-tree per table.
      db.exec("INSERT INTO search_text (search_text) VALUES ('optimize'); INSERT INTO search_value_words (search_value_words) VALUES ('optimize')")
      return {indexed: done, removed}
    },
  }
}
