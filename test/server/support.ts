import {PassThrough} from 'node:stream'
import type {FastifyInstance} from 'fastify'

import type {ApiScope, Backend} from '../../src/backends/types.js'
import {ConverterRegistry} from '../../src/converters/registry.js'
import {createKey} from '../../src/keys/keys.js'
import {buildServer, type ServerOptions} from '../../src/server/app.js'

/** A real server on a random loopback port over `backend`, with its access log kept for checks. */
export interface RunningServer {
  app: FastifyInstance
  url: string
  log: () => string
  close(): Promise<void>
}

export async function startServer(backend: Backend, options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const log = new PassThrough()
  let logged = ''
  log.on('data', (chunk: Buffer) => (logged += chunk.toString()))
  const app = await buildServer({
    backend,
    registry: await ConverterRegistry.load(),
    uploadLimit: 1024 * 1024,
    rateLimit: 10_000,
    log,
    eventPollMs: 50,
    ...options,
  })
  const url = await app.listen({host: '127.0.0.1', port: 0})
  return {app, url, log: () => logged, close: () => app.close()}
}

/** A new key with these scopes (and tables); its whole `lmk_` token. */
export async function keyWith(backend: Backend, scopes: ApiScope[], tables: string[] = [], expiresInMs?: number): Promise<string> {
  return (await createKey(backend.keys!, {name: `test ${scopes.join(' ')}`, scopes, tables, expiresInMs})).secret
}

export const bearer = (token: string): Record<string, string> => ({authorization: `Bearer ${token}`})
