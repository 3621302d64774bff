import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {Validator} from '@seriousme/openapi-schema-validator'
import {expect} from 'chai'

import type {Backend} from '../../src/backends/types.js'
import {createLocalBackend} from '../../src/backends/local/index.js'
import {revokeKey, rotateKey} from '../../src/keys/keys.js'
import {parseToken} from '../../src/keys/secret.js'
import {TestWorkspace} from '../support/cli.js'
import {CONVERTED_EXPORTS, convertedWorkspace} from '../support/converted-workspace.js'
import {bearer, keyWith, type RunningServer, startServer} from './support.js'

/*
 * The REST API of `labmesh serve` with real HTTP on 127.0.0.1, over a real local workspace (SQLite,
 * DuckDB, Delta tables) made by the built CLI from real instrument exports. Nothing is mocked.
 */
describe('labmesh serve: the REST API over HTTP', function () {
  this.timeout(180_000)
  let ws: TestWorkspace
  let fileIds: Map<string, string>
  let backend: Backend
  let server: RunningServer
  let keys: Record<'search' | 'read' | 'write' | 'query' | 'admin', string>

  before(async () => {
    ;({ws, fileIds} = await convertedWorkspace())
    backend = createLocalBackend({home: ws.home})
    keys = {
      search: await keyWith(backend, ['search']),
      read: await keyWith(backend, ['files:read']),
      write: await keyWith(backend, ['files:write']),
      query: await keyWith(backend, ['query'], ['lab.files']),
      admin: await keyWith(backend, ['admin'], ['lab.*']),
    }
    server = await startServer(backend)
  })
  after(async () => {
    await server?.close()
    await backend?.close()
    ws?.remove()
  })

  const get = (route: string, token?: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(server.url + route, {headers: {...(token ? bearer(token) : {}), ...headers}})
  const post = (route: string, token: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(server.url + route, {
      method: 'POST',
      headers: {...bearer(token), 'content-type': 'application/json', ...headers},
      body: JSON.stringify(body),
    })

  it('answers /healthz without a key', async () => {
    const response = await get('/healthz')
    expect(response.status).to.equal(200)
    expect(await response.json()).to.include({ok: true})
  })

  it('refuses /v1 routes without a key, with a malformed one, or a wrong secret (401, JSON error, WWW-Authenticate)', async () => {
    for (const headers of [{}, {authorization: 'Basic abc'}, {authorization: 'Bearer not-a-key'}] as Record<string, string>[]) {
      const response = await fetch(`${server.url}/v1/files`, {headers})
      expect(response.status).to.equal(401)
      expect(response.headers.get('www-authenticate')).to.match(/^Bearer/)
      expect(((await response.json()) as {error: {code: string}}).error.code).to.equal('UNAUTHORIZED')
    }
    const {keyId} = parseToken(keys.search)!
    const forged = `lmk_${keyId}_${'0'.repeat(64)}`
    expect((await get('/v1/files', forged)).status).to.equal(401)
  })

  it("enforces each route's scope: 403 naming the missing one; admin holds them all", async () => {
    const id = fileIds.get('BMG Labtech format.CSV')!
    const routes: [string, string, keyof typeof keys][] = [
      ['GET', '/v1/files', 'search'],
      ['GET', `/v1/files/${id}`, 'read'],
      ['GET', `/v1/files/${id}/content`, 'read'],
      ['GET', '/v1/tables', 'query'],
    ]
    for (const [, route, allowed] of routes) {
      for (const name of ['search', 'read', 'write', 'query'] as const) {
        const response = await get(route, keys[name])
        if (name === allowed) expect(response.status, `${route} with ${name}`).to.equal(200)
        else {
          expect(response.status, `${route} with ${name}`).to.equal(403)
          const body = (await response.json()) as {error: {code: string; subject: string}}
          expect(body.error.code).to.equal('FORBIDDEN')
          expect(body.error.subject).to.equal({search: 'search', read: 'files:read', query: 'query'}[allowed as 'search'])
        }
      }
      expect((await get(route, keys.admin)).status, `${route} with admin`).to.equal(200)
    }
    const labels = await post(`/v1/files/${id}/labels`, keys.read, {add: [{name: 'x', value: 'y'}]})
    expect(labels.status).to.equal(403)
    const query = await post('/v1/query', keys.search, {sql: 'SELECT 1'})
    expect(query.status).to.equal(403)
    const upload = await fetch(`${server.url}/v1/files?path=a.csv`, {
      method: 'POST',
      headers: {...bearer(keys.read), 'content-type': 'application/octet-stream'},
      body: 'a,b\n1,2\n',
    })
    expect(upload.status).to.equal(403)
  })

  it('searches with the search syntax and pages by cursor through every hit exactly once', async () => {
    // Engineered documents carry their raw file's labels: only the raw files here.
    const first = await get(`/v1/files?q=${encodeURIComponent('label.site:boston')}&category=RAW&limit=2`, keys.search)
    expect(first.status).to.equal(200)
    let page = (await first.json()) as {files: {fileId: string; snippet: string | null}[]; total: number; nextCursor: string | null}
    expect(page.total).to.equal(CONVERTED_EXPORTS.length)
    const seen = page.files.map((f) => f.fileId)
    while (page.nextCursor) {
      const next = await get(
        `/v1/files?q=${encodeURIComponent('label.site:boston')}&category=RAW&limit=2&cursor=${page.nextCursor}`,
        keys.search,
      )
      page = (await next.json()) as typeof page
      seen.push(...page.files.map((f) => f.fileId))
    }
    expect(seen).to.have.length(CONVERTED_EXPORTS.length)
    expect(new Set(seen)).to.deep.equal(new Set([...fileIds.values()]))

    // A plain listing pages by keyset (time, id), over raw and engineered files alike.
    const listed: string[] = []
    let cursor: string | null = null
    do {
      const response = await get(`/v1/files?limit=3${cursor ? `&cursor=${cursor}` : ''}`, keys.search)
      const body = (await response.json()) as {files: {fileId: string}[]; nextCursor: string | null}
      listed.push(...body.files.map((f) => f.fileId))
      cursor = body.nextCursor
    } while (cursor)
    expect(new Set(listed).size).to.equal(listed.length)
    expect(listed.length).to.equal(CONVERTED_EXPORTS.length * 2)

    // A cursor of another query is refused, not silently applied.
    const other = await get(
      `/v1/files?q=nanodrop&cursor=${((await (await get('/v1/files?q=label.site:boston&limit=1', keys.search)).json()) as {nextCursor: string}).nextCursor}`,
      keys.search,
    )
    expect(other.status).to.equal(400)
    const syntax = await get(`/v1/files?q=${encodeURIComponent('size<<1')}`, keys.search)
    expect(syntax.status).to.equal(400)
    expect(((await syntax.json()) as {error: {code: string}}).error.code).to.equal('INVALID_INPUT')
  })

  it('shows a file with its lineage, by id or prefix; ids that could be paths or SQL are refused', async () => {
    const id = fileIds.get('thermo_nanodrop_eight_RNA.txt')!
    const response = await get(`/v1/files/${id.slice(0, 8)}`, keys.read)
    expect(response.status).to.equal(200)
    const detail = (await response.json()) as {file: {fileId: string}; versions: unknown[]; derived: {category: string}[]}
    expect(detail.file.fileId).to.equal(id)
    expect(detail.versions).to.have.length(1)
    expect(detail.derived.map((d) => d.category)).to.deep.equal(['ENGINEERED'])
    expect((await get('/v1/files/00000000-0000-4000-8000-000000000000', keys.read)).status).to.equal(404)
    // An id that is no id is refused by the route's schema before anything is looked up.
    for (const bad of ['..%2F..%2Fetc%2Fpasswd', '%27%20OR%201%3D1--', 'abc%00def', '%2e%2e%2fobjects']) {
      const refused = await get(`/v1/files/${bad}`, keys.read)
      expect(refused.status, bad).to.equal(400)
      expect(((await refused.json()) as {error: {code: string}}).error.code, bad).to.equal('INVALID_INPUT')
    }
    // `..` is resolved by the client to /v1/, which no route answers.
    const dotDot = await get('/v1/files/..', keys.read)
    expect(dotDot.status).to.equal(404)
    expect(((await dotDot.json()) as {error: {code: string}}).error.code).to.equal('NOT_FOUND')
    expect((await get('/v1/files/../../healthz', keys.read)).status).to.equal(200) // fetch normalises the path: the health route, nothing else
  })

  it('streams content with Content-Length and the sha256 ETag, answers If-None-Match and one Range', async () => {
    const source = CONVERTED_EXPORTS[0]
    const bytes = readFileSync(source)
    const id = fileIds.get(path.basename(source))!
    const whole = await get(`/v1/files/${id}/content`, keys.read)
    expect(whole.status).to.equal(200)
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    expect(whole.headers.get('etag')).to.equal(`"${sha256}"`)
    expect(whole.headers.get('content-length')).to.equal(String(bytes.length))
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).to.equal(true)
    expect((await get(`/v1/files/${id}/content`, keys.read, {'if-none-match': `"${sha256}"`})).status).to.equal(304)

    const part = await get(`/v1/files/${id}/content`, keys.read, {range: 'bytes=10-19'})
    expect(part.status).to.equal(206)
    expect(part.headers.get('content-range')).to.equal(`bytes 10-19/${bytes.length}`)
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(10, 20))).to.equal(true)
    const tail = await get(`/v1/files/${id}/content`, keys.read, {range: 'bytes=-7'})
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 7))).to.equal(true)
    const outside = await get(`/v1/files/${id}/content`, keys.read, {range: `bytes=${bytes.length}-`})
    expect(outside.status).to.equal(416)
    expect(outside.headers.get('content-range')).to.equal(`bytes */${bytes.length}`)
  })

  it('stores uploads as ingest does (versions, metadata, labels), refuses oversized ones and bad paths, storing nothing', async () => {
    const upload = (query: string, body: Buffer | string, token = keys.write): Promise<Response> =>
      fetch(`${server.url}/v1/files?${query}`, {
        method: 'POST',
        headers: {...bearer(token), 'content-type': 'application/octet-stream'},
        body,
      })
    const bytes = readFileSync(CONVERTED_EXPORTS[3])
    const first = await upload('path=uploads/nanodrop.txt&metadata=project=alpha&label=site=lyon', bytes)
    expect(first.status, await first.clone().text()).to.equal(201)
    const stored = (await first.json()) as {
      fileId: string
      sha256: string
      sourcePath: string
      sourceHost: string
      metadata: Record<string, string>
      labels: unknown[]
      version: number
    }
    expect(stored.sha256).to.equal(createHash('sha256').update(bytes).digest('hex'))
    expect(stored.sourcePath).to.equal('uploads/nanodrop.txt')
    expect(stored.sourceHost).to.equal(`api:${parseToken(keys.write)!.keyId}`)
    expect(stored.metadata.project).to.equal('alpha')
    expect(stored.metadata.instrument).to.be.a('string') // recognised by its converter, as ingest does
    expect(stored.labels).to.deep.equal([{name: 'site', value: 'lyon'}])
    expect((await upload('path=uploads/nanodrop.txt', bytes)).status).to.equal(200) // unchanged
    const second = await upload('path=uploads/nanodrop.txt', Buffer.concat([bytes, Buffer.from('\n')]))
    expect(((await second.json()) as {version: number}).version).to.equal(2)

    const before = (await backend.metadata.listFiles({allVersions: true})).length
    const big = await upload('path=uploads/big.bin', Buffer.alloc(1024 * 1024 + 1, 1))
    expect(big.status).to.equal(413)
    expect(((await big.json()) as {error: {code: string}}).error.code).to.equal('TOO_LARGE')
    for (const bad of ['../escape.csv', '/etc/passwd', 'a/./b.csv', 'C:/x.csv', 'a\u0000b.csv']) {
      const refused = await upload(`path=${encodeURIComponent(bad)}`, 'a,b\n')
      expect(refused.status, bad).to.equal(400)
    }
    const notOctet = await fetch(`${server.url}/v1/files?path=x.csv`, {
      method: 'POST',
      headers: {...bearer(keys.write), 'content-type': 'text/plain'},
      body: 'a',
    })
    expect(notOctet.status).to.equal(400)
    expect((await upload('path=empty.csv', '')).status).to.equal(422)
    expect((await backend.metadata.listFiles({allVersions: true})).length).to.equal(before)
  })

  it('adds and removes labels', async () => {
    const id = fileIds.get('BMG Labtech format.CSV')!
    const added = await post(`/v1/files/${id}/labels`, keys.write, {
      add: [{name: 'assay', value: 'elisa'}],
      remove: [{name: 'site', value: 'boston'}],
    })
    expect(added.status).to.equal(200)
    expect(((await added.json()) as {labels: unknown[]}).labels).to.deep.equal([{name: 'assay', value: 'elisa'}])
    expect((await post(`/v1/files/${id}/labels`, keys.write, {add: [{name: 'bad/name', value: 'x'}]})).status).to.equal(400)
    expect((await post(`/v1/files/${id}/labels`, keys.write, {})).status).to.equal(400)
  })

  it("lists and queries only the key's tables, with bound parameters, as JSON, CSV or Parquet", async () => {
    const tables = (await (await get('/v1/tables', keys.query)).json()) as {tables: {database: string; table: string}[]}
    expect(tables.tables.map((t) => `${t.database}.${t.table}`)).to.deep.equal(['lab.files'])
    const all = (await (await get('/v1/tables', keys.admin)).json()) as {tables: {table: string}[]}
    const other = all.tables.map((t) => t.table).find((t) => t !== 'files')!
    expect(other).to.be.a('string')

    const json = await post('/v1/query', keys.query, {
      sql: 'SELECT count(*) AS n FROM lab.files WHERE source_path LIKE $pattern',
      params: {pattern: '%.txt'},
    })
    expect(json.status, await json.clone().text()).to.equal(200)
    expect(json.headers.get('content-type')).to.match(/^application\/json/)
    const rows = (await json.json()) as {n: number}[]
    expect(rows).to.have.length(1)
    expect(Number(rows[0].n)).to.equal(CONVERTED_EXPORTS.filter((p) => p.endsWith('.txt')).length)

    const csv = await post('/v1/query', keys.query, {sql: 'SELECT file_id FROM lab.files ORDER BY file_id'}, {accept: 'text/csv'})
    expect(csv.headers.get('content-type')).to.match(/^text\/csv/)
    expect((await csv.text()).trim().split('\n')).to.have.length(CONVERTED_EXPORTS.length + 1)
    const parquet = await post('/v1/query', keys.query, {sql: 'SELECT * FROM lab.files'}, {accept: 'application/vnd.apache.parquet'})
    const parquetBytes = Buffer.from(await parquet.arrayBuffer())
    expect(parquetBytes.subarray(0, 4).toString()).to.equal('PAR1')

    // Another table does not exist for this key; neither do files outside its tables.
    const refusals: [string, number, string][] = [
      [`SELECT * FROM lab.${other}`, 404, 'NOT_FOUND'],
      ["SELECT * FROM read_csv('/etc/passwd')", 403, 'FORBIDDEN'],
      [`SELECT * FROM read_parquet('${ws.home}/lake/lab/${other}/**/*.parquet')`, 403, 'FORBIDDEN'],
    ]
    for (const [sql, status, code] of refusals) {
      const refused = await post('/v1/query', keys.query, {sql})
      expect(refused.status, sql).to.equal(status)
      expect(((await refused.json()) as {error: {code: string}}).error.code, sql).to.equal(code)
    }
    expect((await post('/v1/query', keys.admin, {sql: `SELECT count(*) AS n FROM lab.${other}`})).status).to.equal(200)
    // A parameter stays a value: quotes in it do not end the string.
    const injected = await post('/v1/query', keys.query, {
      sql: 'SELECT count(*) AS n FROM lab.files WHERE file_id = $id',
      params: {id: "x' OR '1'='1"},
    })
    expect(Number(((await injected.json()) as {n: number}[])[0].n)).to.equal(0)
    expect((await post('/v1/query', keys.query, {sql: 'DROP TABLE lab.files'})).status).to.be.within(400, 499)
    expect((await post('/v1/query', keys.query, {sql: 'SELECT 1'}, {accept: 'image/png'})).status).to.equal(400)
  })

  it("refuses revoked and expired keys at once, and honours a rotated key's grace period", async () => {
    const token = await keyWith(backend, ['search'])
    const {keyId} = parseToken(token)!
    expect((await get('/v1/files?limit=1', token)).status).to.equal(200)
    await revokeKey(backend.keys!, keyId)
    const revoked = await get('/v1/files?limit=1', token)
    expect(revoked.status).to.equal(401)
    expect(((await revoked.json()) as {error: {message: string}}).error.message).to.include('revoked')

    const short = await keyWith(backend, ['search'], [], 1)
    await new Promise((resolve) => setTimeout(resolve, 5))
    const expired = await get('/v1/files?limit=1', short)
    expect(expired.status).to.equal(401)
    expect(((await expired.json()) as {error: {message: string}}).error.message).to.include('expired')

    const old = await keyWith(backend, ['search'])
    const rotated = await rotateKey(backend.keys!, parseToken(old)!.keyId, 60_000)
    expect((await get('/v1/files?limit=1', old)).status).to.equal(200)
    expect((await get('/v1/files?limit=1', rotated.secret)).status).to.equal(200)
    const again = await rotateKey(backend.keys!, parseToken(old)!.keyId, 0)
    expect((await get('/v1/files?limit=1', rotated.secret)).status).to.equal(401) // grace over
    expect((await get('/v1/files?limit=1', old)).status).to.equal(401)
    expect((await get('/v1/files?limit=1', again.secret)).status).to.equal(200)
  })

  it('limits JSON bodies by size (413)', async () => {
    const response = await post('/v1/query', keys.query, {sql: `SELECT '${'x'.repeat(2 * 1024 * 1024)}'`})
    expect(response.status).to.equal(413)
    expect(((await response.json()) as {error: {code: string}}).error.code).to.equal('TOO_LARGE')
  })

  it('writes JSON access logs with the key id and never a secret', async () => {
    const lines = server
      .log()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as {msg: string; keyId?: string; status?: number; path?: string})
    const requests = lines.filter((l) => l.msg === 'request')
    expect(requests.length).to.be.greaterThan(20)
    expect(requests.some((l) => l.keyId === parseToken(keys.search)!.keyId)).to.equal(true)
    for (const token of Object.values(keys)) expect(server.log()).to.not.include(parseToken(token)!.secret)
  })

  it('publishes a valid OpenAPI document made from the route schemas', async () => {
    const document = (await (await get('/openapi.json')).json()) as {paths: Record<string, unknown>}
    const validator = new Validator()
    const result = await validator.validate(document as Parameters<Validator['validate']>[0])
    expect(result.valid, JSON.stringify(result.errors)).to.equal(true)
    expect(Object.keys(document.paths).sort()).to.deep.equal(
      [
        '/healthz',
        '/v1/events',
        '/v1/files',
        '/v1/files/{id}',
        '/v1/files/{id}/content',
        '/v1/files/{id}/labels',
        '/v1/query',
        '/v1/tables',
      ].sort(),
    )
  })

  it('streams the events webhooks carry as server-sent events', async () => {
    const controller = new AbortController()
    const response = await fetch(`${server.url}/v1/events`, {headers: bearer(keys.read), signal: controller.signal})
    expect(response.headers.get('content-type')).to.match(/^text\/event-stream/)
    const reader = response.body!.getReader()
    let text = ''
    const uploaded = fetch(`${server.url}/v1/files?path=events/one.csv`, {
      method: 'POST',
      headers: {...bearer(keys.write), 'content-type': 'application/octet-stream'},
      body: 'a,b\n1,2\n',
    })
    const {fileId} = (await (await uploaded).json()) as {fileId: string}
    while (!text.includes(fileId)) {
      const {value, done} = await reader.read()
      if (done) break
      text += Buffer.from(value).toString()
    }
    controller.abort()
    expect(text).to.match(/id: \d+\nevent: file\.ingested\ndata: \{/)
    expect(text).to.include(fileId)
  })

  it('streams every event once and in order across more than one batch, and resumes after Last-Event-ID', async () => {
    const events = backend.events!
    const start = await events.lastSeq()
    // More than the route reads at a time (100), so the stream pages by seq.
    for (let version = 0; version < 250; version++) await events.record('table.updated', {table: 'lab.sse', version})
    const expected = (await events.after(start, 1000)).map((e) => e.seq)
    expect(expected).to.have.length(250)
    /** The ids of the stream until it reaches the last event. */
    const ids = async (headers: Record<string, string>, query = ''): Promise<number[]> => {
      const controller = new AbortController()
      const response = await fetch(`${server.url}/v1/events${query}`, {
        headers: {...bearer(keys.read), ...headers},
        signal: controller.signal,
      })
      const reader = response.body!.getReader()
      let text = ''
      while (!text.includes(`id: ${expected.at(-1)}\n`)) {
        const {value, done} = await reader.read()
        if (done) break
        text += Buffer.from(value).toString()
      }
      controller.abort()
      return [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
    }
    expect(await ids({}, `?after=${start}`)).to.deep.equal(expected)
    expect(await ids({'last-event-id': String(expected[119])})).to.deep.equal(expected.slice(120))
  })
})

describe('labmesh serve: rate limits per key', function () {
  this.timeout(60_000)
  it('answers 429 with Retry-After past the limit, per key', async () => {
    const workspace = new TestWorkspace()
    const backend = createLocalBackend({home: workspace.home})
    const server = await startServer(backend, {rateLimit: 3})
    try {
      const one = await keyWith(backend, ['search'])
      const two = await keyWith(backend, ['search'])
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${server.url}/v1/files`, {headers: bearer(one)})).status)
      expect(statuses).to.deep.equal([200, 200, 200, 429])
      const limited = await fetch(`${server.url}/v1/files`, {headers: bearer(one)})
      expect(Number(limited.headers.get('retry-after'))).to.be.greaterThan(0)
      expect(((await limited.json()) as {error: {code: string}}).error.code).to.equal('RATE_LIMITED')
      expect((await fetch(`${server.url}/v1/files`, {headers: bearer(two)})).status).to.equal(200)
      expect((await fetch(`${server.url}/healthz`)).status).to.equal(200)
    } finally {
      await server.close()
      await backend.close()
      workspace.remove()
    }
  })

  it('cuts off an address after repeated failed authentications, before checking more keys', async () => {
    const workspace = new TestWorkspace()
    const backend = createLocalBackend({home: workspace.home})
    const server = await startServer(backend, {failedAuthLimit: 3})
    try {
      const good = await keyWith(backend, ['search'])
      const guess = `lmk_${parseToken(good)!.keyId}_${'1'.repeat(64)}`
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${server.url}/v1/files`, {headers: bearer(guess)})).status)
      expect(statuses).to.deep.equal([401, 401, 401, 429])
      const blocked = await fetch(`${server.url}/v1/files`, {headers: bearer(good)})
      expect(blocked.status).to.equal(429)
      expect(Number(blocked.headers.get('retry-after'))).to.be.within(1, 60)
    } finally {
      await server.close()
      await backend.close()
      workspace.remove()
    }
  })
})
