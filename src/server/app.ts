import type {Writable} from 'node:stream'
import Fastify, {type FastifyInstance, LogController} from 'fastify'

import type {Backend} from '../backends/types.js'
import type {ConverterRegistry} from '../converters/registry.js'
import {LabmeshError} from '../errors.js'
import {KeyVerifier} from '../keys/authenticate.js'
import {LABMESH_VERSION} from '../version.js'
import {rateLimitKey, registerApiAuth} from './auth.js'
import {FailedAuthLimit} from './failed-auth-limit.js'
import {errorHandler, notFoundHandler} from './http-errors.js'
import {registerEventRoutes} from './routes/events.js'
import {registerFileRoutes} from './routes/files.js'
import {registerPageRoutes} from './routes/page.js'
import {registerQueryRoutes} from './routes/query.js'

export interface ServerOptions {
  backend: Backend
  registry: ConverterRegistry
  /** Largest upload (bytes) of POST /v1/files. */
  uploadLimit: number
  /** Requests per key (or per address, without a key) per minute. */
  rateLimit: number
  /** Where the JSON access log goes (one line per request); absent: no log. */
  log?: Writable
  /** TLS: then the page's cookies are Secure (routes/page.ts). */
  https?: {cert: Buffer; key: Buffer}
  /** Plain HTTP here, HTTPS to the browser (`--insecure-http`: a TLS proxy in front): the page's cookies are Secure too. */
  behindTlsProxy?: boolean
  /** How often /v1/events looks for new events (ms). */
  eventPollMs?: number
  /** Results per page of the search page. */
  pageSize?: number
  /** Failed authentications allowed per address and minute (default 20). */
  failedAuthLimit?: number
}

/** JSON bodies (queries, labels, the page's forms) stay small; only uploads are large, and they stream. */
const BODY_LIMIT = 1024 * 1024

/**
 * The HTTP API of `labmesh serve` over one backend: `/v1/*` with API keys and scopes, the search
 * page at `/`, health and the OpenAPI document. Routes declare their schemas, which validate
 * requests and make the OpenAPI document, and the scope they need (auth.ts).
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.log
      ? {
          level: 'info',
          stream: options.log,
          // The key travels in a header and the page's session in a cookie: never logged.
          redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
        }
      : false,
    // fastify's own two lines per request give way to the one access line below.
    logController: new LogController({disableRequestLogging: true}),
    bodyLimit: BODY_LIMIT,
    ...(options.https ? {https: options.https} : {}),
    routerOptions: {maxParamLength: 200},
  }) as unknown as FastifyInstance
  const verifier = new KeyVerifier(keysOf(options.backend))
  const failures = new FailedAuthLimit(options.failedAuthLimit)

  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
  })
  // One structured line per request: who (key id, never the key), what, how it ended, how long.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        reqId: request.id,
        method: request.method,
        path: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        keyId: request.apiKey?.keyId,
        ip: request.ip,
      },
      'request',
    )
  })

  await app.register(import('@fastify/swagger'), {
    openapi: {
      openapi: '3.1.0',
      info: {title: 'labmesh', version: LABMESH_VERSION, description: 'Files, search, tables, SQL and events of a labmesh lake.'},
      components: {
        securitySchemes: {apiKey: {type: 'http', scheme: 'bearer', description: 'lmk_<id>_<secret> from `labmesh keys create`'}},
      },
      security: [{apiKey: []}],
    },
    // The page's routes are HTML for people, not part of the API.
    hideUntagged: true,
  })
  await app.register(import('@fastify/cookie'))
  await app.register(import('@fastify/formbody'))
  await app.register(import('@fastify/rate-limit'), {
    max: options.rateLimit,
    timeWindow: 60_000,
    keyGenerator: rateLimitKey,
    allowList: (request) => request.url === '/healthz',
    errorResponseBuilder: (_request, context) =>
      new LabmeshError(
        'RATE_LIMITED',
        `too many requests: at most ${context.max} a minute; try again in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  })

  registerApiAuth(app, verifier, failures)
  app.get('/healthz', {schema: {tags: ['service'], security: [], response: {200: healthSchema}}}, async () => ({
    ok: true,
    version: LABMESH_VERSION,
  }))
  app.get('/openapi.json', {schema: {hide: true}}, async () => app.swagger())
  registerFileRoutes(app, options)
  registerQueryRoutes(app, options)
  registerEventRoutes(app, options)
  registerPageRoutes(app, {...options, verifier, failures})
  return app
}

const healthSchema = {
  type: 'object',
  required: ['ok', 'version'],
  properties: {ok: {type: 'boolean'}, version: {type: 'string'}},
} as const

function keysOf(backend: Backend): NonNullable<Backend['keys']> {
  if (!backend.keys) throw new LabmeshError('UNSUPPORTED', `the ${backend.name} backend has no API keys: labmesh serve needs them`)
  return backend.keys
}
