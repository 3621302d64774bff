import type {Client} from '@opensearch-project/opensearch'

import {LabmeshError} from '../../../errors.js'
import {compileOpenSearch, type Dsl} from '../../../search/compile-opensearch.js'
import {facetSpec} from '../../../search/fields.js'
import {indexEntry} from '../../../search/index-entry.js'
import {type OrderColumns, rankedCursor, searchOrder} from '../../../search/keyset.js'
import type {Category, FacetCount, FileRecord, SearchCursor, SearchHit, SearchIndex, SearchOptions, SearchSync} from '../../types.js'
import type {Postgres} from '../postgres/connection.js'
import {FILE_WITH_LABELS, type FileRow, SELECT_FILES, toRecord} from '../postgres/file-rows.js'
import {rebuildEntries} from '../postgres/search-index.js'
import {type BulkAction, type BulkOutcome, type BulkResponse, bulkWrite} from './bulk.js'
import {openSearchError, statusOf} from './client.js'
import {INDEX_BODY, indexDocument} from './index-document.js'

export interface OpenSearchIndexSettings {
  /** The client, made (and the index created) when first needed. */
  client: () => Promise<Client>
  index: string
  /** Wait for each bulk write to be searchable (managed domains; serverless collections refresh on their own). */
  refresh: boolean
  bulk?: {attempts?: number; baseDelayMs?: number}
}

/** The fields of the search order (keyset.ts): keywords sort by their UTF-8 bytes, as SQLite compares text. */
const ORDER_FIELDS: OrderColumns = {time: 'time', sourcePath: 'source_path', version: 'version', category: 'category', fileId: 'file_id'}

/** Outbox changes per bulk write; hits per page when walking the index. */
const PAGE = 500
const WALK_PAGE = 1000
// Any constant shared by every labmesh process: syncs of the search outbox run one at a time.
const SYNC_LOCK = 7_261_977_101

/** Where snippets come from, in the order one is chosen. */
const SNIPPET_FIELDS = ['fields', 'labels', 'content', 'name', 'path'] as const

/**
 * A cursor's search_after: the sort values its hit had, the same keys as the local keyset (score
 * when ranked, then time unless by path, then path, version, category and the file id).
 */
function sortValues(cursor: SearchCursor, ranked: boolean, byPath: boolean): unknown[] {
  return [...(ranked ? [rankedCursor(cursor).score] : []), ...searchOrder(ORDER_FIELDS, byPath).map(({key}) => cursor[key])]
}

/** The sort of a search: by score when ranked, then the time order, or the path order alone. */
function sortOf(ranked: boolean, byPath: boolean): Dsl[] {
  const order = searchOrder(ORDER_FIELDS, byPath).map(({column, descending}) => ({[column]: descending ? 'desc' : 'asc'}))
  return ranked ? [{_score: 'desc'}, ...order] : order
}

/**
 * A hit's cursor from its sort values. The path order does not sort on time, so a cursor in it
 * takes the time from the record (it is never compared there).
 */
function cursorOf(values: unknown[], ranked: boolean, byPath: boolean, file: FileRecord | undefined): SearchCursor {
  const keys = ranked ? values.slice(1) : values
  const at = new Map(searchOrder(ORDER_FIELDS, byPath).map(({key}, i) => [key, keys[i]]))
  return {
    ...(ranked ? {score: Number(values[0])} : {}),
    time: Number(byPath ? (file ? indexEntry(file).time : 0) : at.get('time')),
    sourcePath: String(at.get('sourcePath')),
    version: Number(at.get('version')),
    category: at.get('category') as Category,
    fileId: String(at.get('fileId')),
  }
}

/** Registers the index as a consumer of the records' outbox, in the schema of postgres/migrations.ts. */
export async function followRecordChanges(db: Postgres): Promise<void> {
  await db.query("INSERT INTO outbox_consumers (consumer) VALUES ('search') ON CONFLICT DO NOTHING")
}

/** Creates the index with labmesh's settings and mappings unless it exists: any number of processes may race to. */
export async function ensureIndex(client: Client, index: string): Promise<void> {
  try {
    const exists = await client.indices.exists({index})
    if (exists.body) return
    await client.indices.create({index, body: INDEX_BODY})
  } catch (error) {
    const type = (error as {meta?: {body?: {error?: {type?: string}}}}).meta?.body?.error?.type
    if (statusOf(error) === 400 && type === 'resource_already_exists_exception') return
    throw openSearchError(error, `creating index ${index}`)
  }
}

interface RawHit {
  _id: string
  _score: number | null
  sort?: unknown[]
  highlight?: Partial<Record<string, string[]>>
}

interface SearchBody {
  hits: {total?: {value: number}; hits: RawHit[]}
  aggregations?: Record<string, unknown>
}

/**
 * The aws SearchIndex on OpenSearch. Records stay in PostgreSQL (with their document words in
 * `search_entries`); the index follows them through the outbox the writers fill in the records'
 * transactions (`sync`, run by each writing command), and hits are read back from the records,
 * so a file deleted but not yet synced is left out rather than shown from a stale document.
 */
export function createOpenSearchIndex(db: Postgres, settings: OpenSearchIndexSettings): SearchIndex {
  const {index} = settings

  const call = async <T>(what: string, fn: (client: Client) => Promise<{body: unknown}>): Promise<T> => {
    const client = await settings.client()
    try {
      return (await fn(client)).body as T
    } catch (error) {
      throw openSearchError(error, `${what} on index ${index}`)
    }
  }

  const run = (body: Dsl): Promise<SearchBody> => call('search', (client) => client.search({index, body}))

  const records = async (ids: string[]): Promise<Map<string, FileRecord>> => {
    if (ids.length === 0) return new Map()
    const {rows} = await db.query<FileRow>(`${SELECT_FILES} WHERE f.file_id = ANY($1)`, [ids])
    return new Map(rows.map((row) => [row.file_id, toRecord(row)]))
  }

  const toHits = async (raw: RawHit[]): Promise<SearchHit[]> => {
    const byId = await records(raw.map((h) => h._id))
    return raw.flatMap((hit) => {
      const file = byId.get(hit._id)
      if (!file) return []
      const field = SNIPPET_FIELDS.find((f) => hit.highlight?.[f]?.length)
      return [{file, score: Math.round((hit._score ?? 0) * 1000) / 1000, snippet: field ? hit.highlight![field]![0] : null}]
    })
  }

  // Raw errors reach bulkWrite: it decides from their status what to send again.
  const write = (actions: BulkAction[]): Promise<BulkOutcome> =>
    bulkWrite(
      async (lines) => {
        const client = await settings.client()
        const refresh = settings.refresh ? {refresh: 'wait_for' as const} : {}
        return (await client.bulk({index, body: lines as Record<string, unknown>[], ...refresh})).body as BulkResponse
      },
      actions,
      settings.bulk,
    )

  /** Documents for these files as the records (and their stored document words) are now; deletes for files gone. */
  const actionsFor = async (ids: string[]): Promise<BulkAction[]> => {
    const {rows} = await db.query<FileRow & {content: string | null}>(
      `SELECT ${FILE_WITH_LABELS}, e.content FROM files f LEFT JOIN search_entries e ON e.file_id = f.file_id WHERE f.file_id = ANY($1)`,
      [ids],
    )
    const found = new Map(rows.map((row) => [row.file_id, row]))
    return ids.map((id) => {
      const row = found.get(id)
      return row ? {id, document: indexDocument(toRecord(row), row.content ?? undefined)} : {id, document: null}
    })
  }

  // Writes what the outbox holds, oldest first, page by page.
  const syncQueued = async (): Promise<SearchSync> => {
    const result: SearchSync = {indexed: 0, rejected: [], deferred: 0}
    for (;;) {
      const {rows} = await db.query<{seq: string; file_id: string}>(
        "SELECT seq, file_id FROM file_outbox WHERE consumer = 'search' ORDER BY seq LIMIT $1",
        [PAGE],
      )
      if (rows.length === 0) break
      const ids = [...new Set(rows.map((r) => r.file_id))]
      const outcome = await write(await actionsFor(ids))
      const deferred = new Set(outcome.deferred)
      // Deferred files stay queued for the next run; refused ones leave the queue, reported.
      const done = rows.filter((r) => !deferred.has(r.file_id)).map((r) => r.seq)
      await db.query("DELETE FROM file_outbox WHERE consumer = 'search' AND seq = ANY($1::bigint[])", [done])
      result.indexed += outcome.written
      result.rejected.push(...outcome.rejected.map(({fileId, reason}) => ({fileId, reason})))
      result.deferred += deferred.size
      if (deferred.size > 0 || rows.length < PAGE) break
    }
    return result
  }

  /** Skips `offset` hits by walking their sort values: search_after, never from/size over a changing set. */
  const skip = async (body: Dsl, offset: number): Promise<unknown[] | undefined> => {
    let after = body.search_after as unknown[] | undefined
    for (let left = offset; left > 0;) {
      const size = Math.min(left, WALK_PAGE)
      const {hits} = await run({
        ...body,
        size,
        _source: false,
        highlight: undefined,
        track_total_hits: false,
        ...(after ? {search_after: after} : {}),
      })
      if (hits.hits.length === 0) return undefined
      after = hits.hits.at(-1)!.sort
      left -= hits.hits.length
      if (hits.hits.length < size) return undefined
    }
    return after
  }

  /**
   * The score to page after: the last hit's score now. bm25 weighs words by how many files hold
   * them, so every score moves as files are added; the hit's own score moves with the rest, where
   * the one it had when its page was read would no longer sit between the same hits. A last hit
   * that no longer matches keeps the score it had.
   */
  const anchored = async (query: Dsl, after: SearchCursor): Promise<SearchCursor> => {
    const cursor = rankedCursor(after)
    const bool = query.bool as Dsl & {filter: Dsl[]}
    const {hits} = await run({
      query: {bool: {...bool, filter: [...bool.filter, {ids: {values: [cursor.fileId]}}]}},
      size: 1,
      _source: false,
      track_total_hits: false,
    })
    return {...cursor, score: hits.hits[0]?._score ?? cursor.score}
  }

  return {
    async search(query, options: SearchOptions = {}) {
      const compiled = compileOpenSearch(query, options)
      const ranked = (options.sort ?? 'score') === 'score' && 'should' in (compiled.query.bool as Dsl)
      const byPath = !ranked && options.sort === 'path'
      const sort = sortOf(ranked, byPath)
      const limit = options.limit ?? 20
      const after = options.after && ranked ? await anchored(compiled.query, options.after) : options.after
      const body: Dsl = {
        query: compiled.query,
        sort,
        size: limit,
        track_total_hits: true,
        track_scores: true,
        _source: false,
        ...(after ? {search_after: sortValues(after, ranked, byPath)} : {}),
        ...(compiled.highlight
          ? {
              highlight: {
                pre_tags: ['«'],
                post_tags: ['»'],
                fields: Object.fromEntries(SNIPPET_FIELDS.map((f) => [f, {}])),
                highlight_query: compiled.highlight,
                fragment_size: 90,
                number_of_fragments: 1,
              },
            }
          : {}),
      }
      let total: number
      let raw: RawHit[]
      if (options.offset) {
        total = (await run({...body, size: 0, track_scores: false, highlight: undefined})).hits.total?.value ?? 0
        const skipped = await skip(body, options.offset)
        if (skipped === undefined) return {total, hits: [], next: null}
        raw = (await run({...body, search_after: skipped})).hits.hits
      } else {
        const {hits} = await run(body)
        total = hits.total?.value ?? 0
        raw = hits.hits
      }
      const hits = await toHits(raw)
      // The next page starts after the last hit OpenSearch returned, even one whose record is gone.
      const last = raw.at(-1)
      const next =
        last?.sort && raw.length === limit ? cursorOf(last.sort, ranked, byPath, hits.find((h) => h.file.fileId === last._id)?.file) : null
      return {total, hits, next}
    },

    async count(query, scope = {}) {
      const body = await call<{count: number}>('count', (client) =>
        client.count({index, body: {query: compileOpenSearch(query, scope).query}}),
      )
      return body.count
    },

    async facets(query, field, scope = {}) {
      const spec = facetSpec(field)
      const size = scope.limit ?? 50
      const byCount = [{_count: 'desc'}, {_key: 'asc'}]
      let aggs: Dsl
      if (spec.kind === 'keyword') {
        aggs = {values: {terms: {field: spec.property, size, order: byCount}}}
      } else {
        const anyLabel = spec.kind === 'label' && spec.name === null
        const which = anyLabel
          ? {prefix: {'values.field': 'label.'}}
          : {term: {'values.field': spec.kind === 'label' ? `label.${spec.name}` : spec.key}}
        // Buckets count files (reverse_nested), not values: as many as the hits that have the value.
        const terms = {field: anyLabel ? 'values.facet' : 'values.value', size, order: [{files: 'desc'}, {_key: 'asc'}]}
        aggs = {
          values: {nested: {path: 'values'}, aggs: {field: {filter: which, aggs: {values: {terms, aggs: {files: {reverse_nested: {}}}}}}}},
        }
      }
      const body = await run({query: compileOpenSearch(query, scope).query, size: 0, track_total_hits: false, aggs})
      type Bucket = {key: string; doc_count: number; files?: {doc_count: number}}
      const agg = body.aggregations?.values as {buckets?: Bucket[]; field?: {values: {buckets: Bucket[]}}}
      const buckets = agg.buckets ?? agg.field?.values.buckets ?? []
      return buckets.map((b): FacetCount => ({value: b.key, count: b.files?.doc_count ?? b.doc_count}))
    },

    // Files the index does not hold yet: stored before it existed, or queued and not yet synced.
    async unindexed() {
      const files = Number((await db.query<{n: string}>('SELECT count(*) AS n FROM files')).rows[0].n)
      const {count} = await call<{count: number}>('count', (client) => client.count({index}))
      return Math.max(0, files - count)
    },

    async rebuild(options) {
      const problems: string[] = []
      const check = (outcome: BulkOutcome): void => {
        problems.push(...outcome.rejected.map((r) => `${r.fileId}: ${r.reason}`), ...outcome.deferred.map((id) => `${id}: still throttled`))
      }
      const indexed = await rebuildEntries(db, {
        ...options,
        afterPage: async (page, texts) =>
          check(await write(page.map((record, i) => ({id: record.fileId, document: indexDocument(record, texts[i])})))),
      })
      // Documents of files that are gone: walked by file id, each page checked against the records.
      let removed = 0
      for (let after: unknown[] | undefined; ;) {
        const {hits} = await run({
          query: {match_all: {}},
          sort: [{file_id: 'asc'}],
          size: WALK_PAGE,
          _source: false,
          track_total_hits: false,
          ...(after ? {search_after: after} : {}),
        })
        if (hits.hits.length === 0) break
        after = hits.hits.at(-1)!.sort
        const ids = hits.hits.map((h) => h._id)
        const {rows} = await db.query<{file_id: string}>('SELECT file_id FROM files WHERE file_id = ANY($1)', [ids])
        const kept = new Set(rows.map((r) => r.file_id))
        const gone = ids.filter((id) => !kept.has(id))
        const outcome = await write(gone.map((id) => ({id, document: null})))
        check(outcome)
        removed += outcome.written
        if (hits.hits.length < WALK_PAGE) break
      }
      if (problems.length > 0) {
        throw new LabmeshError(
          'BACKEND',
          `${problems.length} files could not be written to OpenSearch index ${index}, first: ${problems[0]}`,
          {
            suggestions: ['run labmesh search reindex again once the cause is fixed'],
          },
        )
      }
      return {indexed, removed}
    },

    // One sync at a time across processes: a sync builds each document from the record as it reads
    // it, so one that sent an older state after another sent the newer one (a retry after a 429)
    // would leave the index behind with nothing queued to repair it. The lock ends with its transaction.
    sync: () =>
      db.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [SYNC_LOCK])
        return syncQueued()
      }),

    async searchDsl(body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new LabmeshError('INVALID_INPUT', 'the --dsl body must be a JSON object (the body of an OpenSearch _search request)')
      }
      const answer = await run({track_total_hits: true, ...body, _source: false})
      return {
        total: answer.hits.total?.value ?? answer.hits.hits.length,
        hits: await toHits(answer.hits.hits),
        ...(answer.aggregations ? {aggregations: answer.aggregations} : {}),
      }
    },
  }
}
