import {randomBytes, timingSafeEqual} from 'node:crypto'
import type {FastifyInstance, FastifyReply, FastifyRequest} from 'fastify'

import type {ApiKey, ApiScope} from '../../backends/types.js'
import {isLabmeshError, LabmeshError, toLabmeshError} from '../../errors.js'
import {type KeyVerifier, requireScope} from '../../keys/authenticate.js'
import {searchIndexOf} from '../../search/run-search.js'
import {parseQuery} from '../../search/parser.js'
import type {ServerOptions} from '../app.js'
import type {FailedAuthLimit} from '../failed-auth-limit.js'
import {filesPage} from '../files-page.js'
import {PAGE_CSS, PAGE_JS} from '../page/assets.js'
import {detailPage, type PageContext, searchPage, signInPage} from '../page/views.js'
import {fileDetail, sendContent} from './files.js'

/** The key the page signs in with (HttpOnly: scripts never see it). */
const SESSION_COOKIE = 'labmesh_session'
/** The token every form carries back (double submit): a page of another site cannot read it. */
const CSRF_COOKIE = 'labmesh_csrf'

/** The page's cookies for one request: names, and the attributes they are set with. */
interface PageCookies {
  session: string
  csrf: string
  options: {httpOnly: true; sameSite: 'strict'; secure: boolean; path: '/'}
}

/**
 * Secure where the browser speaks HTTPS: TLS here, or a TLS proxy in front (`--insecure-http`
 * says one is; a proxy's `X-Forwarded-Proto: https` says so per request: trusting it can only make
 * the cookie stricter). Then the names take the `__Host-` prefix, which browsers accept only
 * from a secure origin, for this host alone, on path /. Plain HTTP on loopback keeps plain cookies:
 * browsers drop Secure cookies set over http (Safari even on localhost), and the key never leaves
 * the machine there.
 */
export function pageCookies(request: FastifyRequest, options: Pick<ServerOptions, 'https' | 'behindTlsProxy'>): PageCookies {
  const forwarded = String(request.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    .trim()
    .toLowerCase()
  const secure = Boolean(options.https) || Boolean(options.behindTlsProxy) || forwarded === 'https'
  const prefix = secure ? '__Host-' : ''
  return {
    session: prefix + SESSION_COOKIE,
    csrf: prefix + CSRF_COOKIE,
    options: {httpOnly: true, sameSite: 'strict', secure, path: '/'},
  }
}
const FACETS = ['instrument', 'status', 'label']

/** Nothing inline, nothing from elsewhere, no framing. */
const CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

interface PageOptions extends ServerOptions {
  verifier: KeyVerifier
  failures: FailedAuthLimit
}

export function registerPageRoutes(app: FastifyInstance, options: PageOptions): void {
  /** The CSRF token of this browser, set when it has none yet. */
  const csrfOf = (request: FastifyRequest, reply: FastifyReply): string => {
    const cookie = pageCookies(request, options)
    const existing = request.cookies[cookie.csrf]
    if (existing && /^[A-Za-z0-9_-]{32,}$/.test(existing)) return existing
    const token = randomBytes(24).toString('base64url')
    reply.setCookie(cookie.csrf, token, cookie.options)
    return token
  }
  const checkCsrf = (request: FastifyRequest<{Body: {csrf?: string}}>): void => {
    const sent = Buffer.from(String(request.body?.csrf ?? ''))
    const expected = Buffer.from(request.cookies[pageCookies(request, options).csrf] ?? '')
    if (expected.length === 0 || sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
      throw new LabmeshError('FORBIDDEN', 'the form is stale or came from another site: reload the page and try again')
    }
  }
  /** The signed-in key, or undefined (and the cookie cleared) when there is none or it stopped working. */
  const signedIn = async (request: FastifyRequest, reply: FastifyReply): Promise<ApiKey | undefined> => {
    const cookie = pageCookies(request, options)
    const token = request.cookies[cookie.session]
    if (!token) return undefined
    try {
      request.apiKey = await options.failures.authenticate(options.verifier, token, request.ip, (seconds) =>
        reply.header('retry-after', seconds),
      )
      return request.apiKey
    } catch (error) {
      if (!isLabmeshError(error) || error.code !== 'UNAUTHORIZED') throw error
      reply.clearCookie(cookie.session, cookie.options)
      return undefined
    }
  }
  const htmlReply = (reply: FastifyReply, status: number, body: string): FastifyReply =>
    reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body)
  /** Page routes answer in HTML, errors included; `scope` is what the page needs of the key. */
  const page =
    (
      scope: ApiScope,
      render: (request: FastifyRequest, reply: FastifyReply, context: PageContext & {key: ApiKey}) => Promise<FastifyReply>,
    ) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      reply.header('content-security-policy', CSP).header('x-frame-options', 'DENY')
      const csrf = csrfOf(request, reply)
      const key = await signedIn(request, reply)
      if (!key) return htmlReply(reply, 200, signInPage({csrf}))
      try {
        requireScope(key, scope)
        return await render(request, reply, {key, csrf})
      } catch (error) {
        const known = toLabmeshError(error)
        if (known.code === 'UNEXPECTED') throw error
        const status = known.code === 'NOT_FOUND' ? 404 : known.code === 'FORBIDDEN' ? 403 : 400
        return htmlReply(
          reply,
          status,
          searchPage({key, csrf}, {q: '', files: [], total: 0, nextCursor: null, facets: {}, problem: known.message}),
        )
      }
    }

  // Browsers ask for it on every site: an empty answer, not a 404 in their console.
  app.get('/favicon.ico', async (_request, reply) => reply.status(204).send())
  app.get('/assets/page.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PAGE_CSS),
  )
  app.get('/assets/page.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PAGE_JS),
  )

  app.get<{Querystring: {q?: string; cursor?: string}}>(
    '/',
    {schema: {querystring: {type: 'object', properties: {q: {type: 'string', maxLength: 2000}, cursor: {type: 'string', maxLength: 500}}}}},
    page('search', async (request, reply, context) => {
      const {q = '', cursor} = request.query as {q?: string; cursor?: string}
      try {
        const result = await filesPage(options.backend, {
          q,
          cursor,
          limit: options.pageSize ?? 20,
          sort: q.trim() === '' ? 'time' : undefined,
        })
        const tree = q.trim() === '' ? null : parseQuery(q)
        const search = searchIndexOf(options.backend)
        const facets = Object.fromEntries(
          await Promise.all(FACETS.map(async (field) => [field, await search.facets(tree, field, {limit: 10})] as const)),
        )
        return htmlReply(reply, 200, searchPage(context, {q, ...result, facets}))
      } catch (error) {
        const known = toLabmeshError(error)
        if (known.code === 'UNEXPECTED') throw error
        return htmlReply(reply, 400, searchPage(context, {q, files: [], total: 0, nextCursor: null, facets: {}, problem: known.message}))
      }
    }),
  )

  app.get<{Params: {id: string}}>(
    '/files/:id',
    {schema: {params: {type: 'object', properties: {id: {type: 'string', pattern: '^[0-9A-Za-z][0-9A-Za-z_-]{3,99}$'}}}}},
    page('files:read', async (request, reply, context) =>
      htmlReply(reply, 200, detailPage(context, await fileDetail(options, (request.params as {id: string}).id))),
    ),
  )

  app.get<{Params: {id: string}}>(
    '/files/:id/download',
    {schema: {params: {type: 'object', properties: {id: {type: 'string', pattern: '^[0-9A-Za-z][0-9A-Za-z_-]{3,99}$'}}}}},
    page('files:read', async (request, reply) =>
      sendContent(options, (await fileDetail(options, (request.params as {id: string}).id)).file, request, reply),
    ),
  )

  app.post<{Body: {key?: string; csrf?: string}}>(
    '/session',
    {schema: {body: {type: 'object', properties: {key: {type: 'string', maxLength: 200}, csrf: {type: 'string', maxLength: 200}}}}},
    async (request, reply) => {
      reply.header('content-security-policy', CSP)
      checkCsrf(request)
      const csrf = csrfOf(request, reply)
      const token = (request.body.key ?? '').trim()
      try {
        request.apiKey = await options.failures.authenticate(options.verifier, token, request.ip, (seconds) =>
          reply.header('retry-after', seconds),
        )
      } catch (error) {
        if (!isLabmeshError(error) || (error.code !== 'UNAUTHORIZED' && error.code !== 'RATE_LIMITED')) throw error
        return htmlReply(reply, error.code === 'RATE_LIMITED' ? 429 : 401, signInPage({csrf}, error.message))
      }
      const cookie = pageCookies(request, options)
      return reply.setCookie(cookie.session, token, cookie.options).redirect('/', 303)
    },
  )

  app.post<{Body: {csrf?: string}}>('/session/end', async (request, reply) => {
    checkCsrf(request)
    const cookie = pageCookies(request, options)
    return reply.clearCookie(cookie.session, cookie.options).redirect('/', 303)
  })
}
