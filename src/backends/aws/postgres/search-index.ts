import pLimit from 'p-limit'
import type {PoolClient} from 'pg'

import type {SearchNode} from '../../../search/ast.js'
import {type CompiledPostgresQuery, compilePostgres} from '../../../search/compile-postgres.js'
import {facetSpec} from '../../../search/fields.js'
import {SNIPPET_MARKS} from '../../../search/highlight.js'
import {RANK_WEIGHTS} from '../../../search/postgres-text.js'
import {EXACT_VALUE_BOOST} from '../../../search/query-terms.js'
import {afterKeys, cursorKeys, orderBy, type OrderColumns, type OrderKey, rankedCursor} from '../../../search/keyset.js'
import type {Category, FacetCount, FileRecord, SearchCursor, SearchHit, SearchIndex, SearchScope} from '../../types.js'
import type {Postgres} from './connection.js'
import {FILE_WITH_LABELS, type FileRow, SELECT_FILES, toRecord} from './file-rows.js'
import {indexFiles} from './search-writer.js'

/** The columns of the search order (keyset.ts), text compared byte-wise as SQLite compares it. */
const ORDER_COLUMNS: OrderColumns = {
  time: 'e.time',
  sourcePath: 'f.source_path COLLATE "C"',
  version: 'f.version',
  category: 'f.category COLLATE "C"',
  fileId: 'f.file_id COLLATE "C"',
}

const FROM = 'search_entries e JOIN files f ON f.file_id = e.file_id'

/** Snippets as FTS5's snippet(…, 12): about a dozen words around the matches, each match marked. */
const HEADLINE_OPTIONS = `StartSel=${SNIPPET_MARKS.open}, StopSel=${SNIPPET_MARKS.close}, MaxWords=12, MinWords=3, ShortWord=0, MaxFragments=1, FragmentDelimiter=…`

/**
 * Searches read with random reads costed as on SSDs (what RDS and Aurora storage is), not
 * PostgreSQL's default of a spinning disk: at the default, the planner scans every entry's
 * tsvector rather than read the GIN index's matches, 3 to 6 times slower on 10,000 files.
 */
const SEARCH_COSTS = 'SET LOCAL random_page_cost = 1.1'

/** Files per rebuild transaction: small enough that searches and writers never wait long. */
const REBUILD_PAGE = 500

/** Values bound as $1, $2...: a placeholder for each, in any order. */
class Params {
  readonly values: unknown[] = []
  readonly bind = (value: unknown): string => {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

/** A hit's place in the order. */
interface EntryRow {
  file_id: string
  time: number
  source_path: string
  version: number
  category: Category
  score: number | null
}

interface Plan {
  where: string
  compiled: CompiledPostgresQuery | null
}

function plan(query: SearchNode | null, scope: SearchScope, params: Params): Plan {
  const where: string[] = []
  if (!scope.allVersions) where.push('f.is_latest')
  if (scope.category) where.push(`f.category = ${params.bind(scope.category)}`)
  const compiled = query === null ? null : compilePostgres(query, params.bind)
  if (compiled) where.push(compiled.where)
  return {where: where.length > 0 ? where.join(' AND ') : 'true', compiled}
}

/** The hit's relevance: ts_rank of the ranked words, plus the boost of an exact value; 0 when nothing scores. */
function scoreOf(compiled: CompiledPostgresQuery | null, params: Params): string {
  const parts: string[] = []
  if (compiled?.exact) parts.push(`CASE WHEN e.doc @@ ${params.bind(compiled.exact)}::tsquery THEN ${EXACT_VALUE_BOOST} ELSE 0 END`)
  // Normalisation 1 divides by the log of the document's length, as bm25 weighs long documents down.
  if (compiled?.rank) parts.push(`ts_rank('{${RANK_WEIGHTS.join(',')}}'::real[], e.doc, ${params.bind(compiled.rank)}::tsquery, 1)`)
  return parts.length === 0 ? '0' : parts.join(' + ')
}

/** The aws SearchIndex without OpenSearch: PostgreSQL full-text search over the metadata database. */
export function createPostgresSearchIndex(db: Postgres): SearchIndex {
  /** Runs a search's statements on one connection, in one read transaction with the search costs. */
  const reading = <T>(fn: (client: PoolClient) => Promise<T>): Promise<T> =>
    db.transaction(async (client) => {
      await client.query(SEARCH_COSTS)
      return fn(client)
    })

  const count = async (client: PoolClient, query: SearchNode | null, scope: SearchScope): Promise<number> => {
    const params = new Params()
    const {where} = plan(query, scope, params)
    const {rows} = await client.query<{n: string}>(`SELECT count(*) AS n FROM ${FROM} WHERE ${where}`, params.values)
    return Number(rows[0].n)
  }

  /** The records of a page, with scores and snippets: computed for the page only. */
  const hitsOf = async (client: PoolClient, compiled: CompiledPostgresQuery | null, fileIds: string[]): Promise<Map<string, SearchHit>> => {
    const params = new Params()
    const ids = params.bind(fileIds)
    const score = scoreOf(compiled, params)
    const highlight = compiled?.highlight ? params.bind(compiled.highlight) : null
    // Only where the words are: ts_headline would otherwise show the start of the text. The path's
    // separators become spaces: PostgreSQL's parser reads a path as one token, not as its words.
    const snippet = highlight
      ? `CASE WHEN e.doc @@ ${highlight}::tsquery THEN ts_headline('simple',
          concat_ws(E'\\n', e.fields, e.labels, e.content, translate(f.source_path, '/\\_.-', '     ')),
          ${highlight}::tsquery, '${HEADLINE_OPTIONS}') END`
      : 'NULL'
    const {rows} = await client.query<FileRow & {score: number | string; snippet: string | null}>(
      `SELECT ${FILE_WITH_LABELS}, ${score} AS score, ${snippet} AS snippet FROM ${FROM} WHERE e.file_id = ANY(${ids})`,
      params.values,
    )
    return new Map(
      rows.map((row) => [
        row.file_id,
        {
          file: toRecord(row),
          score: Math.round(Number(row.score) * 1000) / 1000,
          snippet: row.snippet?.replace(/\s+/g, ' ').trim() ?? null,
        },
      ]),
    )
  }

  return {
    search: (query, options = {}) =>
      reading(async (client) => {
        const params = new Params()
        const {where, compiled} = plan(query, options, params)
        // Ranking needs every hit's score; other orders score only the page shown.
        const ranked = (options.sort ?? 'score') === 'score' && (compiled?.rank != null || compiled?.exact != null)
        // As float8 everywhere, so a cursor's score (a JS number) compares equal to the one it came from.
        const score = (): string => `(${scoreOf(compiled, params)})::float8`
        const byPath = !ranked && options.sort === 'path'
        const order = ranked ? `score DESC, ${orderBy(ORDER_COLUMNS, false)}` : orderBy(ORDER_COLUMNS, byPath)
        // ts_rank reads only the file's own entry: files added or changed meanwhile leave the
        // last hit's score, and so its place, as it was.
        const keys = (c: SearchCursor): OrderKey[] => [
          ...(ranked ? [{sql: score(), descending: true, value: rankedCursor(c).score}] : []),
          ...cursorKeys(ORDER_COLUMNS, c, byPath),
        ]
        const after = options.after ? ` AND ${afterKeys(keys(options.after), params.bind)}` : ''
        const limit = options.limit ?? 20
        const offset = options.offset ?? 0
        const {rows} = await client.query<EntryRow>(
          `SELECT e.file_id, e.time, f.source_path, f.version, f.category, ${ranked ? score() : 'NULL'} AS score
           FROM ${FROM} WHERE ${where}${after} ORDER BY ${order} LIMIT ${params.bind(limit)} OFFSET ${params.bind(offset)}`,
          params.values,
        )
        const byId =
          rows.length === 0
            ? new Map<string, SearchHit>()
            : await hitsOf(
                client,
                compiled,
                rows.map((r) => r.file_id),
              )
        // A file removed between the two reads is left out rather than shown half.
        const hits = rows.flatMap((r) => byId.get(r.file_id) ?? [])
        const last = rows.at(-1)
        const shortPage = rows.length > 0 && rows.length < limit && !options.after
        return {
          total: shortPage ? offset + rows.length : await count(client, query, options),
          hits,
          next:
            last && rows.length === limit
              ? {
                  ...(ranked ? {score: Number(last.score)} : {}),
                  time: Number(last.time),
                  sourcePath: last.source_path,
                  version: last.version,
                  category: last.category,
                  fileId: last.file_id,
                }
              : null,
        }
      }),

    count: (query, scope = {}) => reading((client) => count(client, query, scope)),

    async facets(query, field, scope = {}) {
      const spec = facetSpec(field)
      const params = new Params()
      const {where} = plan(query, scope, params)
      const limit = params.bind(scope.limit ?? 50)
      let sql: string
      if (spec.kind === 'keyword') {
        const column = spec.property === 'category' ? 'f.category' : 'f.status'
        sql = `SELECT ${column} AS value, count(*) AS count FROM ${FROM} WHERE ${where}
          GROUP BY 1 ORDER BY 2 DESC, ${column} COLLATE "C" LIMIT ${limit}`
      } else {
        const anyLabel = spec.kind === 'label' && spec.name === null
        const value = anyLabel ? "substr(v.field, 7) || '=' || v.value" : 'v.value'
        const fieldCondition = anyLabel
          ? "v.field LIKE 'label.%'"
          : `v.field = ${params.bind(spec.kind === 'label' ? `label.${spec.name}` : spec.key)}`
        sql = `SELECT ${value} AS value, count(*) AS count FROM ${FROM} JOIN search_values v ON v.file_id = e.file_id AND ${fieldCondition}
          WHERE ${where} GROUP BY 1 ORDER BY 2 DESC, (${value}) COLLATE "C" LIMIT ${limit}`
      }
      const {rows} = await reading((client) => client.query<{value: string; count: string}>(sql, params.values))
      return rows.map((r): FacetCount => ({value: r.value, count: Number(r.count)}))
    },

    // A stored number, not a count of files without an entry (as locally).
    async unindexed() {
      const {rows} = await db.query<{files: string}>('SELECT files FROM search_backlog')
      return Number(rows[0]?.files ?? 0)
    },

    async rebuild(options) {
      const indexed = await rebuildEntries(db, options)
      // Entries go with their files (ON DELETE CASCADE): none is left to remove.
      return {indexed, removed: 0}
    },
  }
}

/**
 * Rewrites every file's entry, walking `files` by keyset on the file id (files stored or changed
 * meanwhile never make the walk skip one), then clears the backlog. `afterPage` sees each page's
 * records and document words once they are committed (the OpenSearch index writes them on).
 */
export async function rebuildEntries(
  db: Postgres,
  {
    searchText,
    onProgress,
    afterPage,
  }: Parameters<SearchIndex['rebuild']>[0] & {afterPage?(records: FileRecord[], texts: (string | undefined)[]): Promise<void>},
): Promise<number> {
  const total = Number((await db.query<{n: string}>('SELECT count(*) AS n FROM files')).rows[0].n)
  const limit = pLimit(8)
  let done = 0
  for (let after = ''; ;) {
    const {rows} = await db.query<FileRow>(`${SELECT_FILES} WHERE f.file_id > $1 ORDER BY f.file_id LIMIT $2`, [after, REBUILD_PAGE])
    if (rows.length === 0) break
    after = rows.at(-1)!.file_id
    const records = rows.map(toRecord)
    const texts = await Promise.all(records.map((record) => limit(() => searchText(record))))
    // indexFiles re-reads the records inside its transaction: labels may have changed while documents were read.
    await db.transaction((client) => indexFiles(client, new Map(records.map((record, i) => [record.fileId, texts[i]]))))
    await afterPage?.(records, texts)
    done += rows.length
    onProgress?.(done, total)
  }
  await db.query('UPDATE search_backlog SET files = 0')
  return done
}
