import {setTimeout as sleep} from 'node:timers/promises'
import type {FastifyInstance} from 'fastify'

import {type LabEvent} from '../../backends/types.js'
import {LabmeshError} from '../../errors.js'
import type {ServerOptions} from '../app.js'
import {errors} from '../schemas.js'

const BATCH = 100
/** A comment line this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000

/** One server-sent event: the seq as its id, so a client that reconnects resumes with Last-Event-ID. */
export function sseMessage(event: LabEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify({id: event.eventId, type: event.type, createdAt: event.at, data: event.data})}\n\n`
}

export function registerEventRoutes(app: FastifyInstance, options: ServerOptions): void {
  const pollMs = options.eventPollMs ?? 1000
  // Open streams end when the server closes, or closing would wait for their clients.
  const shutdown = new AbortController()
  app.addHook('preClose', async () => shutdown.abort())
  app.get<{Querystring: {after?: number}}>(
    '/v1/events',
    {
      config: {scope: 'files:read'},
      schema: {
        tags: ['events'],
        summary: 'Server-sent events: the events webhooks carry, from now on (or after Last-Event-ID / `after`).',
        querystring: {type: 'object', properties: {after: {type: 'integer', minimum: 0}}, additionalProperties: false},
        response: {200: {description: 'text/event-stream', type: 'string'}, ...errors(501)},
      },
    },
    async (request, reply) => {
      const events = options.backend.events
      if (!events) throw new LabmeshError('UNSUPPORTED', `the ${options.backend.name} backend has no events`)
      const lastId = Number(request.headers['last-event-id'])
      let seq = request.query.after ?? (Number.isInteger(lastId) && lastId >= 0 ? lastId : await events.lastSeq())
      const closed = new AbortController()
      const close = (): void => closed.abort()
      reply.raw.on('close', close)
      // Removed when the stream ends: the server's signal outlives every stream it ever served.
      shutdown.signal.addEventListener('abort', close, {once: true})
      reply.hijack()
      const out = reply.raw
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      })
      out.write(`retry: ${pollMs * 2}\n: labmesh events after ${seq}\n\n`)
      let quietSince = Date.now()
      try {
        while (!closed.signal.aborted) {
          const batch = await events.after(seq, BATCH)
          for (const event of batch) out.write(sseMessage(event))
          if (batch.length > 0) {
            seq = batch.at(-1)!.seq
            quietSince = Date.now()
          } else if (Date.now() - quietSince >= HEARTBEAT_MS) {
            out.write(': keep-alive\n\n')
            quietSince = Date.now()
          }
          if (batch.length < BATCH) await sleep(pollMs, undefined, {signal: closed.signal}).catch(() => undefined)
        }
      } catch (error) {
        request.log.error({err: error, reqId: request.id}, 'event stream failed')
      } finally {
        shutdown.signal.removeEventListener('abort', close)
        out.end()
      }
    },
  )
}
