import {spawn} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {compileOpenSearch} from '../../../src/search/compile-opensearch.js'
import {parseQuery} from '../../../src/search/parser.js'
import {type AwsWorkspace, startAwsWorkspace} from '../../support/aws/workspace.js'
import {actionLines, bulkAnswer, OpenSearchEndpoint, type RecordedRequest, searchAnswer} from '../../support/aws/opensearch-endpoint.js'
import {CONVERTED_EXPORTS} from '../../support/converted-workspace.js'

/**
 * `labmesh search` on an aws profile that names an OpenSearch endpoint, as a user runs it: the
 * built CLI in a subprocess. Real: the S3 protocol (s3rver), PostgreSQL (records, outbox), the
 * official OpenSearch client signing with SigV4, HTTP on 127.0.0.1, and real instrument exports.
 * Stood in for: Glue, STS and KMS by the recording AWS endpoint, and OpenSearch by a recording
 * endpoint that keeps the documents it is sent and answers with the REST reference's shapes (it
 * does not run queries: the checks are on what labmesh sends and how it shows the answers).
 */
describe('labmesh search on an aws profile with OpenSearch', function () {
  this.timeout(300_000)
  let aws: AwsWorkspace
  let opensearch: OpenSearchEndpoint
  const documents = new Map<string, Record<string, unknown>>()
  let created = false

  const requests = (suffix: string): RecordedRequest[] => opensearch.requests.filter((r) => r.path.endsWith(suffix))

  before(async () => {
    opensearch = await OpenSearchEndpoint.start()
    opensearch.on((r) => (r.method === 'HEAD' ? {status: created ? 200 : 404} : undefined))
    opensearch.on((r) => {
      if (r.method !== 'PUT') return undefined
      created = true
      return {status: 200, body: {acknowledged: true, shards_acknowledged: true, index: 'labmesh-files'}}
    })
    opensearch.on((r) => {
      if (!r.path.endsWith('/_bulk')) return undefined
      const lines = r.body as Record<string, unknown>[]
      for (let i = 0; i < lines.length; i++) {
        const [op, meta] = Object.entries(lines[i])[0] as [string, {_id: string}]
        if (op === 'delete') documents.delete(meta._id)
        else documents.set(meta._id, lines[++i])
      }
      return bulkAnswer(lines)
    })
    opensearch.on((r) =>
      r.path.endsWith('/_count')
        ? {status: 200, body: {count: documents.size, _shards: {total: 1, successful: 1, skipped: 0, failed: 0}}}
        : undefined,
    )
    // Every document as a hit, by path: enough to check how hits come back (the query is OpenSearch's to run).
    opensearch.on((r) =>
      r.path.endsWith('/_search')
        ? searchAnswer(
            [...documents.values()]
              .sort((a, b) => String(a.source_path).localeCompare(String(b.source_path)))
              .map((d) => ({id: String(d.file_id), score: 1, sort: [d.source_path, d.version, d.category, d.file_id]})),
          )
        : undefined,
    )
    aws = await startAwsWorkspace()
    const file = path.join(aws.ws.configDir, 'config.json')
    const config = JSON.parse(readFileSync(file, 'utf8')) as {profiles: Record<string, Record<string, unknown>>}
    config.profiles.prod.openSearchEndpoint = opensearch.url
    writeFileSync(file, JSON.stringify(config, null, 2))
  })

  after(async () => {
    await aws?.stop()
    await opensearch?.close()
  })

  it('ingest and convert create the index and write every file to it, signed, through the outbox', async () => {
    const ingested = await aws.run(['ingest', ...CONVERTED_EXPORTS.slice(0, 2), '--label', 'site=boston', '--json'])
    expect(ingested.code, ingested.stderr).to.equal(0)
    expect(opensearch.requests.slice(0, 2).map((r) => `${r.method} ${r.path}`)).to.deep.equal(['HEAD /labmesh-files', 'PUT /labmesh-files'])
    for (const r of opensearch.requests) {
      expect(r.headers.authorization).to.match(/^AWS4-HMAC-SHA256 Credential=\w+\/\d{8}\/us-east-1\/es\/aws4_request/)
      expect(r.headers['x-amz-content-sha256']).to.match(/^[0-9a-f]{64}$/)
    }
    expect([...documents.values()].map((d) => [d.category, d.status, d.labels])).to.deep.equal([
      ['RAW', 'ingested', 'site boston'],
      ['RAW', 'ingested', 'site boston'],
    ])
    const converted = await aws.run(['convert', '--json'])
    expect(converted.code, converted.stderr).to.equal(0)
    const docs = [...documents.values()]
    expect(docs.filter((d) => d.category === 'RAW').map((d) => d.status)).to.deep.equal(['converted', 'converted'])
    const engineered = docs.filter((d) => d.category === 'ENGINEERED')
    expect(engineered).to.have.length(2)
    // The engineered documents' words, as convert extracted them.
    for (const d of engineered) expect(String(d.content).split(' ').length).to.be.greaterThan(20)
    expect(requests('/_bulk').every((r) => r.query.get('refresh') === 'wait_for')).to.equal(true)
  })

  it('search sends the compiled query, and shows the records of the hits', async () => {
    opensearch.requests.length = 0
    const result = await aws.run(['search', 'instrument:envision -label.site:cambridge', '--sort', 'path', '--json'])
    expect(result.code, result.stderr).to.equal(0)
    const body = requests('/_search')[0].body as {query: unknown; sort: unknown}
    expect(body.query).to.deep.equal(compileOpenSearch(parseQuery('instrument:envision -label.site:cambridge')).query)
    expect(body.sort).to.deep.equal([{source_path: 'asc'}, {version: 'desc'}, {category: 'desc'}, {file_id: 'asc'}])
    expect(result.json.total).to.equal(4)
    expect(result.json.hits.map((h: {file: {labels: unknown}}) => h.file.labels)).to.deep.include([{name: 'site', value: 'boston'}])
    expect(result.json.unindexed).to.equal(0)
  })

  it('a label change reaches the index; --download pages by path, never by offset', async () => {
    const rawId = [...documents.values()].find((d) => d.category === 'RAW')!.file_id as string
    const labelled = await aws.run(['files', 'label', rawId, 'reviewed=yes', '--json'])
    expect(labelled.code, labelled.stderr).to.equal(0)
    expect(documents.get(rawId)!.labels).to.equal('reviewed yes site boston')
    opensearch.requests.length = 0
    const download = await aws.run(['search', 'category:RAW', '--download', aws.ws.path('hits'), '--json'])
    expect(download.code, download.stderr).to.equal(0)
    // Pages of 500 by path, never from/size (search_after past a full page: test/backends/aws/opensearch.test.ts).
    const pages = requests('/_search').map((r) => r.body as {sort: unknown[]; from?: number; size: number})
    expect(pages.map((p) => [p.sort[0], p.from, p.size])).to.deep.include([{source_path: 'asc'}, undefined, 500])
    expect(download.json.download.failed).to.deep.equal([])
    expect(download.json.total).to.equal(4)
  })

  it('--dsl sends the raw body to the index, read-only; reindex rebuilds every document', async () => {
    opensearch.requests.length = 0
    const dsl = await aws.run(['search', '--dsl', '{"query":{"match_phrase":{"content":"relative light units"}}}', '--json'])
    expect(dsl.code, dsl.stderr).to.equal(0)
    expect(opensearch.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal([
      'HEAD /labmesh-files',
      'POST /labmesh-files/_search',
      'GET /labmesh-files/_count',
    ])
    expect(opensearch.requests[1].body).to.deep.equal({
      size: 20,
      track_total_hits: true,
      query: {match_phrase: {content: 'relative light units'}},
      _source: false,
    })
    expect(dsl.json.hits).to.have.length(4)
    // The same body from a file.
    const file = path.join(aws.ws.root, 'query.json')
    writeFileSync(file, '\n{"query":{"match_phrase":{"content":"relative light units"}}}\n')
    opensearch.requests.length = 0
    const fromFile = await aws.run(['search', '--dsl', file, '--json'])
    expect(fromFile.code, fromFile.stderr).to.equal(0)
    expect(opensearch.requests[1].body).to.deep.include({query: {match_phrase: {content: 'relative light units'}}})
    expect(fromFile.json.hits).to.have.length(4)
    const missing = await aws.run(['search', '--dsl', path.join(aws.ws.root, 'absent.json'), '--json'])
    expect(missing.json.error).to.include({code: 'NOT_FOUND', message: `${path.join(aws.ws.root, 'absent.json')} does not exist`})
    const bad = await aws.run(['search', '--dsl', '{"query":', '--json'])
    expect(bad.code).to.equal(6)
    expect(bad.json.error.code).to.equal('INVALID_INPUT')

    const before = new Map(documents)
    documents.clear()
    const reindex = await aws.run(['search', 'reindex', '--json'])
    expect(reindex.code, reindex.stderr).to.equal(0)
    expect([...documents.keys()].sort()).to.deep.equal([...before.keys()].sort())
    for (const [id, document] of before) expect(documents.get(id), id).to.deep.equal(document)
    expect(actionLines(requests('/_bulk')[0].body).length).to.equal(4)
  })

  it('doctor asks the index with one signed HEAD, and says when it does not exist yet', async () => {
    opensearch.requests.length = 0
    const checkOf = async () => {
      const doctor = await aws.run(['doctor', '--json'])
      return doctor.json.checks.find((c: {name: string}) => c.name === 'opensearch')
    }
    expect(await checkOf()).to.deep.equal({name: 'opensearch', status: 'ok', detail: `index labmesh-files at ${opensearch.url}`})
    expect(opensearch.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal(['HEAD /labmesh-files'])
    expect(opensearch.requests[0].headers.authorization).to.match(/^AWS4-HMAC-SHA256 Credential=/)
    opensearch.on((r) => (r.method === 'HEAD' ? {status: 404} : undefined), {once: true})
    expect(await checkOf()).to.include({status: 'warn', detail: `${opensearch.url} has no index labmesh-files yet`})
    opensearch.on((r) => (r.method === 'HEAD' ? {status: 403} : undefined), {once: true})
    const refused = await checkOf()
    expect(refused.status).to.equal('fail')
    expect(refused.detail).to.match(/^\[FORBIDDEN\] OpenSearch index labmesh-files at /)
  })

  it('changes a killed ingest wrote reach the index with the next command: the outbox is in the records', async () => {
    // _bulk takes the request and never answers; the ingest is killed while it waits.
    let stalled = true
    opensearch.on((r) => (stalled && r.path.endsWith('/_bulk') ? 'hang' : undefined))
    opensearch.requests.length = 0
    const bin = new URL('../../../bin/run.js', import.meta.url).pathname
    const child = spawn(process.execPath, [bin, 'ingest', CONVERTED_EXPORTS[2], '--profile', 'prod', '--json'], {
      env: aws.ws.env(aws.env),
      stdio: 'ignore',
    })
    const deadline = Date.now() + 60_000
    while (requests('/_bulk').length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(requests('/_bulk'), 'the ingest sent its change').to.have.length(1)
    child.kill('SIGKILL')
    await new Promise((resolve) => child.on('exit', resolve))

    const listed = await aws.run(['files', 'list', '--json'])
    const record = listed.json.files.find((f: {sourcePath: string}) => f.sourcePath === CONVERTED_EXPORTS[2])
    expect(record, 'the record was stored before the index was written').to.not.equal(undefined)
    expect(documents.has(record.fileId)).to.equal(false)

    stalled = false
    const again = await aws.run(['ingest', CONVERTED_EXPORTS[2], '--json'])
    expect(again.code, again.stderr).to.equal(0)
    expect(again.json.files.map((f: {status: string}) => f.status)).to.deep.equal(['unchanged'])
    expect(documents.get(record.fileId)).to.include({file_id: record.fileId, source_path: CONVERTED_EXPORTS[2]})
  })
})
