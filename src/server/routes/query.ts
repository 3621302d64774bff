import {createReadStream} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {PassThrough} from 'node:stream'
import type {FastifyInstance, FastifyReply} from 'fastify'

import type {QueryEngine, QueryParamValue, QueryRequest} from '../../backends/types.js'
import {LabmeshError} from '../../errors.js'
import {tableAllowed} from '../../keys/keys.js'
import type {TextFormat} from '../../query/formats.js'
import {createRowWriter} from '../../query/writers.js'
import type {ServerOptions} from '../app.js'
import {errors} from '../schemas.js'

/** What `Accept` asks for -> how the result is written. JSON unless another is asked. */
const MEDIA: Record<string, TextFormat | 'parquet'> = {
  'application/json': 'json',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'text/csv': 'csv',
  'text/tab-separated-values': 'tsv',
  'application/vnd.apache.parquet': 'parquet',
  'application/x-parquet': 'parquet',
}
const CONTENT_TYPE: Record<TextFormat | 'parquet', string> = {
  json: 'application/json; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  tsv: 'text/tab-separated-values; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
}

/** The first media type of `Accept` this route writes (by q-value order, then position); JSON for none or any. */
export function resultFormat(accept: string | undefined): TextFormat | 'parquet' {
  if (!accept) return 'json'
  const ranked = accept
    .split(',')
    .map((part, i) => {
      const [type, ...params] = part.trim().toLowerCase().split(';')
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean)
      return {type: type.trim(), q: q === undefined ? 1 : Number(q), i}
    })
    .filter((m) => m.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
  for (const {type} of ranked) {
    if (type === '*/*' || type === 'application/*') return 'json'
    if (MEDIA[type]) return MEDIA[type]
  }
  throw new LabmeshError('INVALID_INPUT', `cannot answer in ${accept}`, {suggestions: [`Accept: ${Object.keys(MEDIA).join(', ')}`]})
}

export function registerQueryRoutes(app: FastifyInstance, options: ServerOptions): void {
  app.get(
    '/v1/tables',
    {
      config: {scope: 'query'},
      schema: {
        tags: ['tables'],
        summary: 'The tables this key may query.',
        response: {
          200: {
            type: 'object',
            required: ['tables'],
            properties: {
              tables: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['database', 'table'],
                  properties: {
                    database: {type: 'string'},
                    table: {type: 'string'},
                    managed: {type: 'boolean'},
                    registeredAt: {type: 'string'},
                  },
                },
              },
            },
          },
          ...errors(),
        },
      },
    },
    async (request) => {
      const tables = options.backend.catalog ? await options.backend.catalog.list() : []
      return {tables: tables.filter((t) => tableAllowed(request.apiKey!.tables, t.database, t.table))}
    },
  )

  app.post<{Body: {sql: string; params?: Record<string, QueryParamValue>}}>(
    '/v1/query',
    {
      config: {scope: 'query'},
      schema: {
        tags: ['tables'],
        summary: "Read-only SQL over the key's tables, with bound $parameters; JSON, CSV, TSV, JSON lines or Parquet by Accept.",
        body: {
          type: 'object',
          required: ['sql'],
          properties: {
            sql: {type: 'string', minLength: 1, maxLength: 100_000},
            params: {
              type: 'object',
              additionalProperties: {anyOf: [{type: 'string'}, {type: 'number'}, {type: 'boolean'}, {type: 'null'}]},
              maxProperties: 100,
            },
          },
          additionalProperties: false,
        },
        response: {200: {description: 'The rows, in the format asked'}, ...errors(404, 422, 501)},
      },
    },
    async (request, reply) => {
      // DuckDB can hold a statement to the key's tables; Athena (AWS's default engine) cannot.
      const engine = options.backend.queryEngines?.duckdb ?? options.backend.query
      if (!engine) throw new LabmeshError('UNSUPPORTED', `the ${options.backend.name} backend cannot run SQL yet`)
      const format = resultFormat(request.headers.accept)
      const controller = new AbortController()
      // A client that goes away cancels its statement.
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) controller.abort()
      })
      const query: QueryRequest = {
        sql: request.body.sql,
        params: request.body.params,
        tables: request.apiKey!.tables,
        signal: controller.signal,
      }
      return format === 'parquet' ? sendParquet(engine, query, reply) : streamText(engine, query, format, reply)
    },
  )
}

/**
 * Rows streamed as they come. The status and headers go out with the first page, so an error
 * found before (bad SQL, an unknown table) is an ordinary JSON error; one after ends the stream
 * early, which a client sees as a cut body.
 */
function streamText(engine: QueryEngine, query: QueryRequest, format: TextFormat, reply: FastifyReply): Promise<FastifyReply> {
  return new Promise((resolve, reject) => {
    let started = false
    engine
      .query(query, async (rows) => {
        if (rows.kind === 'plan') throw new LabmeshError('INVALID_INPUT', 'EXPLAIN is not answered by the API: run it with `labmesh query`')
        const body = new PassThrough()
        const writer = createRowWriter(format, rows.columns, body)
        started = true
        resolve(reply.type(CONTENT_TYPE[format]).send(body))
        try {
          for await (const page of rows) await writer.write(page)
          await writer.end()
          body.end()
        } catch (error) {
          body.destroy(error as Error)
        }
      })
      .catch((error: unknown) => {
        if (!started) reject(error)
      })
  })
}

/** Parquet is written whole by the engine into a temporary file, then streamed and removed. */
async function sendParquet(engine: QueryEngine, query: QueryRequest, reply: FastifyReply): Promise<FastifyReply> {
  const dir = await mkdtemp(path.join(tmpdir(), 'labmesh-result-'))
  const file = path.join(dir, 'result.parquet')
  try {
    await engine.export(query, {path: file, format: 'parquet'})
  } catch (error) {
    await rm(dir, {recursive: true, force: true})
    throw error
  }
  const stream = createReadStream(file)
  stream.on('close', () => void rm(dir, {recursive: true, force: true}))
  return reply.type(CONTENT_TYPE.parquet).header('content-disposition', 'attachment; filename="result.parquet"').send(stream)
}
