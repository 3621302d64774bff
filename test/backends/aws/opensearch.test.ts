import {expect} from 'chai'

import {sharedClientConfig} from '../../../src/backends/aws/client-config.js'
import {openSearchClient} from '../../../src/backends/aws/opensearch/client.js'
import {INDEX_BODY} from '../../../src/backends/aws/opensearch/index-document.js'
import {createOpenSearchIndex, ensureIndex, followRecordChanges} from '../../../src/backends/aws/opensearch/search-index.js'
import {openPostgres, type Postgres} from '../../../src/backends/aws/postgres/connection.js'
import {createPostgresMetadataStore} from '../../../src/backends/aws/postgres/metadata-store.js'
import {migrate} from '../../../src/backends/aws/postgres/migrations.js'
import type {MetadataStore, NewFileRecord, SearchCursor, SearchIndex} from '../../../src/backends/types.js'
import {compileOpenSearch, type Dsl} from '../../../src/search/compile-opensearch.js'
import {parseQuery} from '../../../src/search/parser.js'
import {testDatabase} from '../../support/aws/postgres.js'
import {actionLines, bulkAnswer, OpenSearchEndpoint, type RecordedRequest, searchAnswer} from '../../support/aws/opensearch-endpoint.js'

/**
 * The OpenSearch search index at the HTTP contract. Real: PostgreSQL (embedded, the records,
 * their outbox and triggers), the official @opensearch-project/opensearch client with its
 * SigV4 signer, HTTP on 127.0.0.1. Stood in for: OpenSearch itself, by a recording endpoint
 * answering with the response shapes of the OpenSearch REST reference; what the index does
 * with a query is OpenSearch's, so the checks are on the requests labmesh sends.
 */
const R1 = 'a1000000-0000-4000-8000-000000000001'
const R2 = 'a1000000-0000-4000-8000-000000000002'
const E1 = 'e1000000-0000-4000-8000-000000000001'

function record(fileId: string, over: Partial<NewFileRecord> = {}): NewFileRecord {
  return {
    fileId,
    category: 'RAW',
    traceId: fileId.replace(/^../, 'c0'),
    rawFileId: null,
    sha256: fileId.replaceAll('-', '').padEnd(64, '0'),
    size: 1000,
    sourcePath: `/lab/alpha/${fileId.slice(0, 2)}${fileId.slice(-2)}.csv`,
    sourceHost: 'bench-1',
    ingestedAt: '2024-03-06T10:00:00.000Z',
    modifiedAt: '2024-03-05T10:00:00.000Z',
    version: 1,
    metadata: {instrument: 'EnVision', sample: 'S-001', time: '2024-03-05'},
    labels: [{name: 'site', value: 'boston'}],
    status: 'ingested',
    error: null,
    ...over,
  }
}

const signed = (r: RecordedRequest): void => {
  expect(r.headers.authorization, `${r.method} ${r.path}`).to.match(
    /^AWS4-HMAC-SHA256 Credential=AKIDLABMESHTEST\/\d{8}\/eu-west-1\/es\/aws4_request, SignedHeaders=.*host.*x-amz-date/,
  )
  expect(r.headers['x-amz-date']).to.match(/^\d{8}T\d{6}Z$/)
  expect(r.headers['x-amz-content-sha256']).to.match(/^[0-9a-f]{64}$/)
}

describe('OpenSearch search index (aws) at its HTTP contract', function () {
  this.timeout(120_000)
  let endpoint: OpenSearchEndpoint
  let db: Postgres
  let metadata: MetadataStore
  let index: SearchIndex
  const saved = {...process.env}

  before(async () => {
    Object.assign(process.env, {AWS_ACCESS_KEY_ID: 'AKIDLABMESHTEST', AWS_SECRET_ACCESS_KEY: 'test-secret', AWS_REGION: 'eu-west-1'})
    delete process.env.AWS_PROFILE
    delete process.env.AWS_SESSION_TOKEN
    endpoint = await OpenSearchEndpoint.start()
    db = await openPostgres({url: (await testDatabase()).url})
    await migrate(db)
    await followRecordChanges(db)
    metadata = createPostgresMetadataStore(db)
    const config = await sharedClientConfig({region: 'eu-west-1'})
    endpoint.on((r) => (r.method === 'HEAD' ? {status: 200} : undefined))
    const client = await openSearchClient(endpoint.url, config, 'es')
    await ensureIndex(client, 'labmesh-files')
    index = createOpenSearchIndex(db, {
      client: async () => client,
      index: 'labmesh-files',
      refresh: true,
      bulk: {attempts: 3, baseDelayMs: 1},
    })
  })

  after(async () => {
    await endpoint?.close()
    await db?.close()
    process.env = saved
  })

  beforeEach(() => {
    endpoint.reset()
    endpoint.on((r) => (r.method === 'HEAD' ? {status: 200} : undefined))
  })

  it('creates the index with its mapping once, signed; a concurrent creation is not an error', async () => {
    const config = await sharedClientConfig({region: 'eu-west-1'})
    const client = await openSearchClient(endpoint.url, config, 'es')
    endpoint.reset()
    endpoint.on((r) => (r.method === 'HEAD' ? {status: 404} : undefined))
    endpoint.on((r) =>
      r.method === 'PUT' ? {status: 200, body: {acknowledged: true, shards_acknowledged: true, index: 'labmesh-files'}} : undefined,
    )
    await ensureIndex(client, 'labmesh-files')
    expect(endpoint.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal(['HEAD /labmesh-files', 'PUT /labmesh-files'])
    expect(endpoint.requests[1].body).to.deep.equal(JSON.parse(JSON.stringify(INDEX_BODY)))
    endpoint.requests.forEach(signed)
    // Another process created it between HEAD and PUT: OpenSearch answers 400 resource_already_exists_exception.
    endpoint.on((r) =>
      r.method === 'PUT'
        ? {
            status: 400,
            body: {error: {type: 'resource_already_exists_exception', reason: 'index [labmesh-files] already exists'}, status: 400},
          }
        : undefined,
    )
    await ensureIndex(client, 'labmesh-files')
    // An existing index is left alone.
    endpoint.reset()
    endpoint.on((r) => (r.method === 'HEAD' ? {status: 200} : undefined))
    await ensureIndex(client, 'labmesh-files')
    expect(endpoint.requests.map((r) => r.method)).to.deep.equal(['HEAD'])
    await client.close()
  })

  it('sync: writes what the records outbox holds, retrying 429 and 5xx (whole request and single items), reporting refusals', async () => {
    await metadata.insertFiles([record(R1), record(R2, {metadata: {instrument: 'Cedex'}, labels: []})])
    await metadata.insertFile(
      record(E1, {category: 'ENGINEERED', rawFileId: R1, sourcePath: '/lab/alpha/a101.csv.json', searchText: 'glucose lactate'}),
    )
    let bulks = 0
    endpoint.on((r) => {
      if (!r.path.endsWith('/_bulk')) return undefined
      bulks++
      // 1: the whole request throttled; 2: one item throttled, one refused; 3: the throttled item alone.
      if (bulks === 1)
        return {status: 429, body: {error: {type: 'es_rejected_execution_exception', reason: 'rejected execution'}, status: 429}}
      if (bulks === 2) return bulkAnswer(r.body as unknown[], [201, 429, 400])
      return bulkAnswer(r.body as unknown[])
    })
    const result = await index.sync!()
    const bulkRequests = endpoint.requests.filter((r) => r.path === '/labmesh-files/_bulk')
    expect(bulkRequests).to.have.length(3)
    bulkRequests.forEach(signed)
    expect(bulkRequests[0].query.get('refresh')).to.equal('wait_for')
    const ids = (r: RecordedRequest): string[] => actionLines(r.body).map((a) => Object.values(a)[0]._id)
    const sent = ids(bulkRequests[0])
    expect([...sent].sort()).to.deep.equal([E1, R1, R2].sort())
    expect(ids(bulkRequests[1])).to.deep.equal(sent)
    expect(ids(bulkRequests[2])).to.deep.equal([sent[1]])
    expect(result).to.deep.equal({
      indexed: 2,
      rejected: [{fileId: sent[2], reason: `mapper_parsing_exception for ${sent[2]}`}],
      deferred: 0,
    })
    // The engineered file's document carries its words, from the entry written with its record.
    const lines = bulkRequests[0].body as Record<string, unknown>[]
    const engineered = lines[lines.findIndex((l) => (l.index as {_id?: string} | undefined)?._id === E1) + 1]
    expect(engineered).to.include({
      file_id: E1,
      category: 'ENGINEERED',
      content: 'glucose lactate',
      latest: true,
      source_path: '/lab/alpha/a101.csv.json',
    })
    const raw = lines[lines.findIndex((l) => (l.index as {_id?: string} | undefined)?._id === R1) + 1] as {
      field_keys: string
      label_keys: string
    }
    expect(raw.field_keys).to.include('instrumentǂenvision').and.include('sampleǂs sampleǂ001')
    expect(raw.label_keys).to.include('labelǁsiteǂboston labelǂboston')
    // The outbox is empty: a second sync sends nothing.
    endpoint.requests.length = 0
    expect(await index.sync!()).to.deep.equal({indexed: 0, rejected: [], deferred: 0})
    expect(endpoint.requests.filter((r) => r.path.endsWith('/_bulk'))).to.deep.equal([])
  })

  it('sync: a label change and a deletion reach the index; files still throttled stay queued for the next run', async () => {
    await metadata.updateLabels(R2, [{name: 'site', value: 'north'}], [])
    await metadata.deleteFiles([E1])
    endpoint.on((r) =>
      r.path.endsWith('/_bulk')
        ? {status: 503, body: {error: {type: 'cluster_block_exception', reason: 'unavailable'}, status: 503}}
        : undefined,
    )
    expect(await index.sync!()).to.deep.equal({indexed: 0, rejected: [], deferred: 2})
    expect(endpoint.requests.filter((r) => r.path.endsWith('/_bulk'))).to.have.length(3)
    endpoint.reset()
    endpoint.on((r) =>
      r.path.endsWith('/_bulk')
        ? bulkAnswer(
            r.body as unknown[],
            actionLines(r.body).map((a) => ('delete' in a ? 404 : 200)),
          )
        : undefined,
    )
    expect(await index.sync!()).to.deep.equal({indexed: 2, rejected: [], deferred: 0})
    const body = endpoint.requests.find((r) => r.path.endsWith('/_bulk'))!.body as Record<string, unknown>[]
    expect(body).to.deep.include({delete: {_id: E1}})
    const labelled = body[body.findIndex((l) => (l.index as {_id?: string} | undefined)?._id === R2) + 1] as {labels: string}
    expect(labelled.labels).to.equal('site north')
  })

  it('sync: two at once cannot leave the index behind the records (one retrying an older state after the other sent the newer)', async () => {
    const R3 = 'a1000000-0000-4000-8000-000000000003'
    await metadata.insertFile(record(R3, {labels: []}))
    // The first _bulk is held until the test lets it go, then throttled: its sync retries what it read then.
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => (release = resolve))
    let bulks = 0
    endpoint.on((r) => {
      if (!r.path.endsWith('/_bulk')) return undefined
      bulks++
      if (bulks > 1) return bulkAnswer(r.body as unknown[])
      return held.then(() => ({status: 429, body: {error: {type: 'es_rejected_execution_exception', reason: 'rejected'}, status: 429}}))
    })
    const first = index.sync!()
    const deadline = Date.now() + 10_000
    while (bulks === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(bulks, 'the first sync sent its page').to.equal(1)
    await metadata.updateLabels(R3, [{name: 'site', value: 'north'}], [])
    const second = index.sync!()
    // Long enough for a second sync that does not wait for the first to send the newer state.
    await new Promise((resolve) => setTimeout(resolve, 500))
    release()
    await Promise.all([first, second])
    // What the index holds last for R3 is what OpenSearch was sent last.
    const sent = endpoint.requests
      .filter((r) => r.path.endsWith('/_bulk'))
      .flatMap((r) => {
        const lines = r.body as Record<string, unknown>[]
        const at = lines.findIndex((l) => (l.index as {_id?: string} | undefined)?._id === R3)
        return at === -1 ? [] : [lines[at + 1] as {labels: string}]
      })
    expect(sent.at(-1)?.labels).to.equal('site north')
    const {rows} = await db.query<{n: string}>("SELECT count(*) AS n FROM file_outbox WHERE consumer = 'search'")
    expect(Number(rows[0].n)).to.equal(0)
    // Leaves the records as the next tests expect them.
    await metadata.deleteFiles([R3])
    await index.sync!()
  })

  it('search: the compiled DSL, sorted with a tie-breaker, search_after for a cursor; hits read back from the records', async () => {
    endpoint.on((r) =>
      r.path.endsWith('/_search')
        ? searchAnswer(
            [
              {id: R2, score: 0, sort: ['/lab/alpha/a1000000.csv', 1, 'RAW', R2], highlight: {fields: ['instrument «cedex»']}},
              {id: 'gone-from-the-records'},
            ],
            7,
          )
        : undefined,
    )
    const tree = parseQuery('instrument:cedex -label:boston')
    const page = await index.search(tree, {
      sort: 'path',
      limit: 2,
      after: {time: 0, sourcePath: '/lab/alpha/a.csv', version: 2, category: 'RAW', fileId: R1},
    })
    const sent = endpoint.requests.find((r) => r.path === '/labmesh-files/_search')!
    signed(sent)
    const compiled = compileOpenSearch(tree)
    expect(sent.body).to.deep.equal({
      query: compiled.query,
      sort: [{source_path: 'asc'}, {version: 'desc'}, {category: 'desc'}, {file_id: 'asc'}],
      size: 2,
      track_total_hits: true,
      track_scores: true,
      _source: false,
      search_after: ['/lab/alpha/a.csv', 2, 'RAW', R1],
      highlight: {
        pre_tags: ['«'],
        post_tags: ['»'],
        fields: {fields: {}, labels: {}, content: {}, name: {}, path: {}},
        highlight_query: compiled.highlight,
        fragment_size: 90,
        number_of_fragments: 1,
      },
    })
    expect(page.total).to.equal(7)
    expect(page.hits.map((h) => [h.file.fileId, h.file.metadata.instrument, h.snippet])).to.deep.equal([
      [R2, 'Cedex', 'instrument «cedex»'],
    ])
  })

  it('search: --offset walks the hits by search_after, never from/size; ranked searches sort by score then time', async () => {
    let searches = 0
    endpoint.on((r) => {
      if (!r.path.endsWith('/_search')) return undefined
      searches++
      const size = (r.body as {size: number}).size
      return searchAnswer(
        Array.from({length: size}, (_, i) => ({id: R1, sort: [1.5, 100, `/p/${searches}-${i}`, 1, 'RAW', R1]})),
        50,
      )
    })
    await index.search(parseQuery('glucose'), {offset: 3, limit: 2})
    const bodies = endpoint.requests.filter((r) => r.path.endsWith('/_search')).map((r) => r.body as Record<string, unknown>)
    expect(bodies.every((b) => !('from' in b))).to.equal(true)
    expect(bodies.map((b) => b.size)).to.deep.equal([0, 3, 2])
    expect(bodies[2].search_after).to.deep.equal([1.5, 100, '/p/2-2', 1, 'RAW', R1])
    expect(bodies[2].sort).to.deep.equal([
      {_score: 'desc'},
      {time: 'desc'},
      {source_path: 'asc'},
      {version: 'desc'},
      {category: 'desc'},
      {file_id: 'asc'},
    ])
  })

  it('count, facets (files per value, via reverse_nested) and unindexed', async () => {
    endpoint.on((r) =>
      r.path.endsWith('/_count') ? {status: 200, body: {count: 1, _shards: {total: 1, successful: 1, skipped: 0, failed: 0}}} : undefined,
    )
    endpoint.on((r) =>
      r.path.endsWith('/_search')
        ? {
            status: 200,
            body: {
              hits: {hits: []},
              aggregations: {
                values: {
                  doc_count: 4,
                  field: {doc_count: 2, values: {buckets: [{key: 'site=north', doc_count: 3, files: {doc_count: 2}}]}},
                },
              },
            },
          }
        : undefined,
    )
    expect(await index.count(parseQuery('status:ingested'))).to.equal(1)
    expect(endpoint.requests.at(-1)!.body).to.deep.equal({query: compileOpenSearch(parseQuery('status:ingested')).query})
    expect(await index.facets(null, 'label')).to.deep.equal([{value: 'site=north', count: 2}])
    expect((endpoint.requests.at(-1)!.body as {aggs: unknown}).aggs).to.deep.equal({
      values: {
        nested: {path: 'values'},
        aggs: {
          field: {
            filter: {prefix: {'values.field': 'label.'}},
            aggs: {
              values: {
                terms: {field: 'values.facet', size: 50, order: [{files: 'desc'}, {_key: 'asc'}]},
                aggs: {files: {reverse_nested: {}}},
              },
            },
          },
        },
      },
    })
    // A field of many values is refused before any request.
    const asked = endpoint.requests.length
    expect(await index.facets(null, 'size').catch((e: unknown) => e)).to.include({code: 'INVALID_INPUT', subject: 'size'})
    expect(endpoint.requests).to.have.length(asked)
    // Two records, one document: one file waits for the index.
    expect(await index.unindexed()).to.equal(1)
  })

  it('reindex: every record written by keyset pages, then documents of files that are gone removed', async () => {
    endpoint.on((r) => (r.path.endsWith('/_bulk') ? bulkAnswer(r.body as unknown[]) : undefined))
    endpoint.on((r) =>
      r.path.endsWith('/_search')
        ? searchAnswer([
            {id: R1, sort: [R1]},
            {id: R2, sort: [R2]},
            {id: E1, sort: [E1]},
          ])
        : undefined,
    )
    const result = await index.rebuild({searchText: async () => undefined})
    expect(result).to.deep.equal({indexed: 2, removed: 1})
    const bulks = endpoint.requests.filter((r) => r.path.endsWith('/_bulk'))
    expect(actionLines(bulks[0].body).map((a) => a.index._id)).to.deep.equal([R1, R2])
    expect(bulks[1].body).to.deep.equal([{delete: {_id: E1}}])
    const walk = endpoint.requests.find((r) => r.path.endsWith('/_search'))!.body
    expect(walk).to.deep.equal({query: {match_all: {}}, sort: [{file_id: 'asc'}], size: 1000, _source: false, track_total_hits: false})
  })

  it("--dsl: the raw body goes to labmesh's index only, read-only, and its hits are the records", async () => {
    endpoint.on((r) => (r.path.endsWith('/_search') ? searchAnswer([{id: R1, score: 2.5}]) : undefined))
    const body = {query: {match_phrase: {content: 'glucose'}}, size: 5}
    const answer = await index.searchDsl!(body)
    const sent = endpoint.requests.find((r) => r.path.endsWith('/_search'))!
    expect(`${sent.method} ${sent.path}`).to.equal('POST /labmesh-files/_search')
    expect(sent.body).to.deep.equal({track_total_hits: true, ...body, _source: false})
    expect(answer.hits.map((h) => [h.file.fileId, h.score])).to.deep.equal([[R1, 2.5]])
  })

  it("a refusal names the index and OpenSearch's reason, with the right code", async () => {
    endpoint.on((r) =>
      r.path.endsWith('/_search')
        ? {
            status: 403,
            body: {
              error: {
                root_cause: [{type: 'security_exception', reason: 'no permissions for [indices:data/read/search]'}],
                type: 'security_exception',
                reason: 'no permissions',
              },
              status: 403,
            },
          }
        : undefined,
    )
    const error = await index.search(parseQuery('x')).catch((e: unknown) => e)
    expect(error).to.include({code: 'FORBIDDEN'})
    expect((error as Error).message).to.equal('OpenSearch search on index labmesh-files: no permissions for [indices:data/read/search]')
  })

  it('a cursor pages by search_after in every order (score, time): no hit skipped or repeated while files are added', async () => {
    const ids = [1, 2, 3, 4, 5].map((n) => `f1000000-0000-4000-8000-00000000000${n}`)
    await metadata.insertFiles(ids.map((id) => record(id)))
    // The index's documents and their sort keys. F2 and F3 tie on score, time, path, version and
    // category: only the file id orders them. F2 to F4 tie on score: time orders them.
    const doc = (id: string, score: number, time: number, path: string) => ({id, score, time, path, version: 1, category: 'RAW'})
    const docs = [
      doc(ids[0], 2.5, 3000, '/lab/a.csv'),
      doc(ids[2], 1.25, 2000, '/lab/same.csv'),
      doc(ids[1], 1.25, 2000, '/lab/same.csv'),
      doc(ids[3], 1.25, 1000, '/lab/b.csv'),
      doc(ids[4], 0.5, 500, '/lab/c.csv'),
    ]
    const keyOf = {_score: 'score', time: 'time', source_path: 'path', version: 'version', category: 'category', file_id: 'id'} as const
    // OpenSearch's search_after: sort every document by the body's sort, keep those after the given
    // values. A body without a sort asks for one file's score now (an `ids` filter).
    endpoint.on((r) => {
      if (!r.path.endsWith('/_search')) return undefined
      const body = r.body as {sort?: Record<string, 'asc' | 'desc'>[]; size: number; search_after?: unknown[]; query: Dsl}
      if (!body.sort) {
        const [id] = ((body.query.bool as {filter: Dsl[]}).filter.at(-1)!.ids as {values: string[]}).values
        return searchAnswer(docs.filter((d) => d.id === id).map((d) => ({id, score: d.score})))
      }
      const sort = body.sort
      const values = (d: (typeof docs)[number]): (number | string)[] => sort.map((s) => d[keyOf[Object.keys(s)[0] as keyof typeof keyOf]])
      const compare = (a: unknown[], b: unknown[]): number => {
        for (const [i, s] of sort.entries()) {
          const [x, y] = [a[i] as number | string, b[i] as number | string]
          if (x !== y) return (x < y ? -1 : 1) * (Object.values(s)[0] === 'desc' ? -1 : 1)
        }
        return 0
      }
      const sorted = docs.map((d) => ({id: d.id, score: d.score, sort: values(d)})).sort((a, b) => compare(a.sort, b.sort))
      const after = body.search_after
      const page = (after ? sorted.filter((d) => compare(d.sort, after) > 0) : sorted).slice(0, body.size)
      return searchAnswer(page, docs.length)
    })
    const walk = async (sort: 'score' | 'time'): Promise<{seen: string[]; afters: unknown[]; anchors: unknown[]}> => {
      const sent = endpoint.requests.length
      const seen: string[] = []
      for (let after: SearchCursor | undefined, pages = 0; ; pages++) {
        const page = await index.search(parseQuery('glucose'), {sort, limit: 2, after})
        seen.push(...page.hits.map((h) => h.file.fileId))
        // A file ranked before the cursor arrives mid-walk: a keyset does not show it or shift the
        // rest. bm25 weighs words by how many files hold them, so every score moves with it.
        if (pages === 0) {
          docs.push(doc('f1000000-0000-4000-8000-000000000009', 9, 9000, '/lab/0.csv'))
          for (const d of docs) d.score *= 2
        }
        if (page.next === null) break
        after = page.next
      }
      docs.pop()
      for (const d of docs) d.score /= 2
      const bodies = endpoint.requests.slice(sent).map((r) => r.body as {sort?: unknown; search_after?: unknown})
      return {seen, afters: bodies.filter((b) => b.sort).map((b) => b.search_after), anchors: bodies.filter((b) => !b.sort)}
    }
    const byScore = await walk('score')
    expect(byScore.seen).to.deep.equal([ids[0], ids[1], ids[2], ids[3], ids[4]])
    // The last hit's score is read again (its page said 1.25; it is 2.5 now), so the page after it
    // starts where it now sits: with the old score, F3 and F4 would be skipped.
    expect(byScore.afters).to.deep.equal([
      undefined,
      [2.5, 2000, '/lab/same.csv', 1, 'RAW', ids[1]],
      [2.5, 1000, '/lab/b.csv', 1, 'RAW', ids[3]],
    ])
    const {bool} = compileOpenSearch(parseQuery('glucose')).query as {bool: {filter: Dsl[]}}
    expect(byScore.anchors[0]).to.deep.equal({
      query: {bool: {...bool, filter: [...bool.filter, {ids: {values: [ids[1]]}}]}},
      size: 1,
      _source: false,
      track_total_hits: false,
    })
    expect(byScore.anchors).to.have.length(2)
    const byTime = await walk('time')
    expect(byTime.seen).to.deep.equal([ids[0], ids[1], ids[2], ids[3], ids[4]])
    expect(byTime.afters).to.deep.equal([undefined, [2000, '/lab/same.csv', 1, 'RAW', ids[1]], [1000, '/lab/b.csv', 1, 'RAW', ids[3]]])
    expect(byTime.anchors).to.deep.equal([])
    // A time cursor is not a ranked one: given to a ranked search, it is refused before any request.
    const timeCursor = {time: 2000, sourcePath: '/lab/same.csv', version: 1, category: 'RAW' as const, fileId: ids[1]}
    const error = await index.search(parseQuery('glucose'), {limit: 2, after: timeCursor}).catch((e: unknown) => e)
    expect(error).to.include({code: 'INVALID_INPUT'})
  })
})
