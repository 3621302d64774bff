import {createServer, type IncomingHttpHeaders, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

/** A request the endpoint received, its body parsed (NDJSON bodies as a list of lines). */
export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: unknown
}

export type Answer = {status: number; body?: unknown}
/** `'hang'`: the request is taken and never answered (until the endpoint closes), as a stalled node does. */
export type Route = (request: RecordedRequest) => Answer | Promise<Answer> | 'hang' | undefined

/**
 * A recording OpenSearch endpoint on 127.0.0.1: it answers each request with the first route
 * that answers it (shapes from the OpenSearch REST API reference: index exists/create, _bulk
 * with per-item results, _search, _count) and keeps every request for the test to check.
 */
export class OpenSearchEndpoint {
  readonly requests: RecordedRequest[] = []
  url = ''
  private routes: Route[] = []
  private readonly hanging: ServerResponse[] = []
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const text = Buffer.concat(chunks).toString('utf8')
      const ndjson = (req.headers['content-type'] ?? '').includes('ndjson')
      const body =
        text === ''
          ? undefined
          : ndjson
            ? text
                .trimEnd()
                .split('\n')
                .map((l) => JSON.parse(l) as unknown)
            : JSON.parse(text)
      const request: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      }
      this.requests.push(request)
      const answer = (await this.answer(request)) ?? {
        status: 404,
        body: {error: {type: 'no_route', reason: `no answer for ${request.method} ${request.path}`}, status: 404},
      }
      if (answer === 'hang') {
        this.hanging.push(res)
        return
      }
      res.writeHead(answer.status, {'content-type': 'application/json'})
      res.end(req.method === 'HEAD' || answer.body === undefined ? undefined : JSON.stringify(answer.body))
    })
  })

  /** The first route's answer: later routes are not asked (a route may keep what it was sent). */
  private answer(request: RecordedRequest): Answer | Promise<Answer> | 'hang' | undefined {
    for (const route of this.routes) {
      const answer = route(request)
      if (answer !== undefined) return answer
    }
    return undefined
  }

  static async start(): Promise<OpenSearchEndpoint> {
    const endpoint = new OpenSearchEndpoint()
    await new Promise<void>((resolve) => endpoint.server.listen(0, '127.0.0.1', resolve))
    endpoint.url = `http://127.0.0.1:${(endpoint.server.address() as AddressInfo).port}`
    return endpoint
  }

  /** Routes tried before the ones already set; `once` routes answer one request only. */
  on(route: Route, options: {once?: boolean} = {}): void {
    let used = false
    this.routes.unshift(
      options.once
        ? (request) => {
            if (used) return undefined
            const answer = route(request)
            if (answer) used = true
            return answer
          }
        : route,
    )
  }

  reset(): void {
    this.routes = []
    this.requests.length = 0
  }

  close(): Promise<void> {
    for (const res of this.hanging) res.destroy()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

/** _bulk's answer: one item per action, each with the status given (default 201), as the reference shapes it. */
export function bulkAnswer(actions: unknown[], statuses: (number | undefined)[] = []): Answer {
  const items = actionLines(actions).map((line, i) => {
    const [op, meta] = Object.entries(line)[0] as [string, {_id: string}]
    const status = statuses[i] ?? (op === 'delete' ? 200 : 201)
    const result = {_index: 'labmesh-files', _id: meta._id, _version: 1, status}
    if (status < 300)
      return {[op]: {...result, result: op === 'delete' ? 'deleted' : 'created', _shards: {total: 2, successful: 1, failed: 0}}}
    const type =
      status === 429 ? 'es_rejected_execution_exception' : status >= 500 ? 'unavailable_shards_exception' : 'mapper_parsing_exception'
    return {[op]: {...result, error: {type, reason: `${type} for ${meta._id}`}}}
  })
  return {status: 200, body: {took: 3, errors: items.some((i) => Object.values(i)[0].status >= 300), items}}
}

/** The action lines of a _bulk body (each `index` is followed by its document). */
export function actionLines(body: unknown): Record<string, {_id: string}>[] {
  const lines = body as Record<string, unknown>[]
  const actions: Record<string, {_id: string}>[] = []
  for (let i = 0; i < lines.length; i++) {
    actions.push(lines[i] as Record<string, {_id: string}>)
    if ('index' in lines[i]) i++
  }
  return actions
}

/** A _search answer with these ids as hits, each with its sort values. */
export function searchAnswer(
  hits: {id: string; score?: number; sort?: unknown[]; highlight?: Record<string, string[]>}[],
  total = hits.length,
): Answer {
  return {
    status: 200,
    body: {
      took: 2,
      timed_out: false,
      _shards: {total: 1, successful: 1, skipped: 0, failed: 0},
      hits: {
        total: {value: total, relation: 'eq'},
        max_score: null,
        hits: hits.map((h) => ({_index: 'labmesh-files', _id: h.id, _score: h.score ?? null, sort: h.sort, highlight: h.highlight})),
      },
    },
  }
}
