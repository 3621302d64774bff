import type {Backend, Category, FileRecord, SearchSort} from '../backends/types.js'
import {parseQuery} from '../search/parser.js'
import {searchIndexOf} from '../search/run-search.js'
import {decodeCursor, encodeCursor} from './cursor.js'

export interface FilesPageRequest {
  q?: string
  cursor?: string
  limit: number
  sort?: SearchSort
  category?: Category
  allVersions?: boolean
}

export interface FileItem extends FileRecord {
  /** Relevance (search only). */
  score?: number
  /** Where the words matched, between « and » (search only). */
  snippet?: string | null
}

export interface FilesPage {
  files: FileItem[]
  /** Every match (search); null for a plain listing, which does not count. */
  total: number | null
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null
}

/** One page of `GET /v1/files` (and of the search page): a search when there is a query or a sort, else the listing by time. */
export async function filesPage(backend: Backend, request: FilesPageRequest): Promise<FilesPage> {
  const query = (request.q ?? '').trim()
  const sort = request.sort ?? ''
  const position = request.cursor ? decodeCursor(query, sort, request.cursor) : undefined
  if (query === '' && request.sort === undefined) {
    const after = position && 'after' in position ? position.after : undefined
    const files = await backend.metadata.listFiles({
      category: request.category,
      allVersions: request.allVersions,
      limit: request.limit + 1,
      after,
    })
    const page = files.slice(0, request.limit)
    const last = page.at(-1)
    const more = files.length > request.limit && last !== undefined
    return {
      files: page,
      total: null,
      nextCursor: more ? encodeCursor(query, sort, {after: {ingestedAt: last.ingestedAt, fileId: last.fileId}}) : null,
    }
  }
  const result = await searchIndexOf(backend).search(query === '' ? null : parseQuery(query), {
    category: request.category,
    allVersions: request.allVersions,
    sort: request.sort,
    limit: request.limit,
    after: position && 'search' in position ? position.search : undefined,
  })
  return {
    files: result.hits.map((hit) => ({...hit.file, score: hit.score, snippet: hit.snippet})),
    total: result.total,
    nextCursor: result.next && result.hits.length > 0 ? encodeCursor(query, sort, {search: result.next}) : null,
  }
}
