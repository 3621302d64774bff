import type {FastifyInstance, FastifyRequest} from 'fastify'

import type {ApiKey, ApiScope} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {type KeyVerifier, requireScope} from '../keys/authenticate.js'
import type {FailedAuthLimit} from './failed-auth-limit.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The key the request was made with (API routes, and page routes once signed in). */
    apiKey?: ApiKey
  }
  interface FastifyContextConfig {
    /** The scope an API route needs; routes without one are public (health, OpenAPI, the page's own sign-in). */
    scope?: ApiScope
  }
}

/** The key in `Authorization: Bearer <key>`, if the header is there. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (!header) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!match) throw new LabmeshError('UNAUTHORIZED', 'the Authorization header must be "Bearer <key>"')
  return match[1]
}

/**
 * Who the rate limit counts a request against: the key it was authenticated with (the API's
 * hook runs before the limit's), else its address. A key id only claimed is never trusted, or
 * anyone could spend another key's allowance.
 */
export function rateLimitKey(request: FastifyRequest): string {
  return request.apiKey ? `key:${request.apiKey.keyId}` : `ip:${request.ip}`
}

/**
 * Every API route with a `scope` needs a valid key with that scope (or admin), checked before
 * the body is read: UNAUTHORIZED (401) without one, FORBIDDEN (403) naming the missing scope.
 */
export function registerApiAuth(app: FastifyInstance, verifier: KeyVerifier, failures: FailedAuthLimit): void {
  app.addHook('onRequest', async (request, reply) => {
    const scope = request.routeOptions.config?.scope
    if (scope === undefined || request.routeOptions.url?.startsWith('/v1/') !== true) return
    const token = bearerToken(request)
    if (!token)
      throw new LabmeshError('UNAUTHORIZED', 'this route needs an API key', {suggestions: ['send Authorization: Bearer lmk_<id>_<secret>']})
    request.apiKey = await failures.authenticate(verifier, token, request.ip, (seconds) => reply.header('retry-after', seconds))
    requireScope(request.apiKey, scope)
  })
}
