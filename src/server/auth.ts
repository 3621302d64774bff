import type {FastifyInstance, FastifyRequest} from 'fastify'

import type {ApiKey, ApiScope} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {type KeyVerifier, requireScope} from '../keys/authenticate.js'

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
 * Failed authentications allowed per address and minute. Each costs a scrypt check, and the
 * per-key limit cannot count them (they have no key), so guessing is cut off here before it costs
 * CPU: RATE_LIMITED (429) with the seconds left, until the minute ends.
 */
export class FailedAuthLimit {
  private readonly windows = new Map<string, {start: number; count: number}>()

  constructor(
    private readonly max = 20,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws when `ip` failed too often in this window; `retryAfter` gets the seconds left. */
  check(ip: string, retryAfter: (seconds: number) => void): void {
    const window = this.windows.get(ip)
    const left = window ? window.start + this.windowMs - this.now() : 0
    if (window && left > 0 && window.count >= this.max) {
      retryAfter(Math.ceil(left / 1000))
      throw new LabmeshError('RATE_LIMITED', `too many failed authentications from ${ip}: try again in ${Math.ceil(left / 1000)} s`)
    }
  }

  failed(ip: string): void {
    const now = this.now()
    const window = this.windows.get(ip)
    if (window && now - window.start < this.windowMs) window.count++
    else {
      // Bounded memory: a flood from many addresses forgets the old windows rather than grow.
      if (this.windows.size >= 10_000) this.windows.clear()
      this.windows.set(ip, {start: now, count: 1})
    }
  }

  /** Authenticates `token` for a request from `ip`, counting a failure against it. */
  async authenticate(verifier: KeyVerifier, token: string, ip: string, retryAfter: (seconds: number) => void): Promise<ApiKey> {
    this.check(ip, retryAfter)
    try {
      return await verifier.authenticate(token)
    } catch (error) {
      this.failed(ip)
      throw error
    }
  }
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
