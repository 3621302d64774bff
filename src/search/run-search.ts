import type {Backend, Category, FacetCount, SavedSearchStore, SearchHit, SearchIndex, SearchSort} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {SafeOutput} from '../output/safe-output.js'
import {type DownloadResult, downloadHits} from './download.js'
import {parseQuery} from './parser.js'

export interface SearchRequest {
  query: string
  limit?: number
  offset?: number
  sort?: SearchSort
  category?: Category
  allVersions?: boolean
  /** Only count the hits. */
  countOnly?: boolean
  /** Fields to count hits per value of. */
  facets?: string[]
  /** A folder to restore the raw file of every hit into. */
  download?: string
  /** Replace files of the same name that differ in the download folder (--force). */
  force?: boolean
  onDownload?: (done: number) => void
}

/** What `labmesh search` returns (and prints as JSON with --json). */
export interface SearchResult {
  query: string
  total: number
  /** Absent with --count. */
  hits?: SearchHit[]
  offset?: number
  facets?: Record<string, FacetCount[]>
  download?: DownloadResult
  /** Files stored but missing from the index (after an upgrade), until `labmesh search reindex`. */
  unindexed: number
  /** With --dsl: OpenSearch's `aggregations`, as it answered them. */
  aggregations?: unknown
}

/** Runs a raw OpenSearch query DSL body (`search --dsl`) on the profile's index, read-only. */
export async function runDslSearch(backend: Backend, dsl: string, limit: number): Promise<SearchResult> {
  const search = searchIndexOf(backend)
  if (!search.searchDsl) {
    throw new LabmeshError(
      'UNSUPPORTED',
      `--dsl sends OpenSearch query DSL, and the ${backend.name} backend of this profile does not search on OpenSearch`,
      {
        suggestions: ['write the query in labmesh search syntax', 'set openSearchEndpoint in an aws profile'],
      },
    )
  }
  let body: unknown
  try {
    body = JSON.parse(dsl)
  } catch (error) {
    throw new LabmeshError('INVALID_INPUT', `--dsl is not JSON: ${(error as Error).message}`, {subject: '--dsl'})
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new LabmeshError('INVALID_INPUT', '--dsl must be a JSON object: the body of an OpenSearch _search request', {subject: '--dsl'})
  }
  const answer = await search.searchDsl({size: limit, ...(body as Record<string, unknown>)})
  return {
    query: dsl,
    total: answer.total,
    hits: answer.hits,
    offset: 0,
    unindexed: await search.unindexed(),
    ...(answer.aggregations ? {aggregations: answer.aggregations} : {}),
  }
}

/** Runs a query: a page of hits (or only their number), facets, and the download of the hits' raw files. */
export async function runSearch(backend: Backend, request: SearchRequest): Promise<SearchResult> {
  const tree = parseQuery(request.query)
  const search = searchIndexOf(backend)
  const scope = {category: request.category, allVersions: request.allVersions}
  const result: SearchResult = {query: request.query, total: 0, unindexed: await search.unindexed()}
  if (request.countOnly) {
    result.total = await search.count(tree, scope)
    return result
  }
  const page = await search.search(tree, {...scope, limit: request.limit, offset: request.offset, sort: request.sort})
  result.total = page.total
  result.hits = page.hits
  result.offset = request.offset ?? 0
  if (request.facets && request.facets.length > 0) {
    result.facets = {}
    for (const field of request.facets) result.facets[field] = await search.facets(tree, field, scope)
  }
  if (request.download) {
    const output = await SafeOutput.forBackend(backend, {force: request.force})
    result.download = await downloadHits(backend, search, tree, scope, request.download, output, request.onDownload)
  }
  return result
}

export function searchIndexOf(backend: Backend): SearchIndex {
  if (backend.search) return backend.search
  throw new LabmeshError('UNSUPPORTED', `the ${backend.name} backend cannot search yet`, {suggestions: ['search a local profile']})
}

export function savedSearchesOf(backend: Backend): SavedSearchStore {
  if (backend.savedSearches) return backend.savedSearches
  throw new LabmeshError('UNSUPPORTED', `the ${backend.name} backend cannot keep saved searches yet`, {
    suggestions: ['save searches in a local profile'],
  })
}
