import {createWriteStream} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import type {FastifyInstance, FastifyReply, FastifyRequest} from 'fastify'

import type {FileRecord} from '../../backends/types.js'
import {LabmeshError} from '../../errors.js'
import {findFile} from '../../files/find.js'
import {ingestUpload} from '../../ingest/ingest.js'
import {parseKeyValues, toRecord} from '../../ingest/key-value.js'
import type {ServerOptions} from '../app.js'
import {filesPage} from '../files-page.js'
import {parseRange} from '../range.js'
import {errors, fileIdParams, fileSchema, labelsSchema} from '../schemas.js'

const PAGE_MAX = 200

/** `GET /v1/files/{id}`: the file and its lineage (its versions, and what was made from it). */
export interface FileDetail {
  file: FileRecord
  versions: FileRecord[]
  derived: FileRecord[]
}

export async function fileDetail(options: Pick<ServerOptions, 'backend'>, id: string): Promise<FileDetail> {
  const file = await findFile(options.backend, id)
  const [versions, derived] = await Promise.all([
    options.backend.metadata.versionsOf(file.fileId),
    options.backend.metadata.derivedFrom(file.fileId),
  ])
  return {file, versions, derived: derived.filter((d) => d.fileId !== file.fileId)}
}

export function registerFileRoutes(app: FastifyInstance, options: ServerOptions): void {
  const {backend} = options

  app.get<{
    Querystring: {
      q?: string
      cursor?: string
      limit: number
      sort?: 'score' | 'time' | 'path'
      category?: 'RAW' | 'ENGINEERED'
      allVersions?: boolean
    }
  }>(
    '/v1/files',
    {
      config: {scope: 'search'},
      schema: {
        tags: ['files'],
        summary: 'Search files (the search syntax of `labmesh search`), or list them newest first; paged by cursor.',
        querystring: {
          type: 'object',
          properties: {
            q: {type: 'string', maxLength: 2000},
            cursor: {type: 'string', maxLength: 500},
            limit: {type: 'integer', minimum: 1, maximum: PAGE_MAX, default: 50},
            sort: {type: 'string', enum: ['score', 'time', 'path']},
            category: {type: 'string', enum: ['RAW', 'ENGINEERED']},
            allVersions: {type: 'boolean'},
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            required: ['files', 'total', 'nextCursor'],
            properties: {
              files: {type: 'array', items: fileSchema},
              total: {type: ['integer', 'null']},
              nextCursor: {type: ['string', 'null']},
            },
          },
          ...errors(),
        },
      },
    },
    async (request) => filesPage(backend, request.query),
  )

  app.get<{Params: {id: string}}>(
    '/v1/files/:id',
    {
      config: {scope: 'files:read'},
      schema: {
        tags: ['files'],
        summary: 'A file record (by id or unique prefix) with its versions and the files made from it.',
        params: fileIdParams,
        response: {
          200: {
            type: 'object',
            required: ['file', 'versions', 'derived'],
            properties: {file: fileSchema, versions: {type: 'array', items: fileSchema}, derived: {type: 'array', items: fileSchema}},
          },
          ...errors(404),
        },
      },
    },
    async (request) => fileDetail(options, request.params.id),
  )

  app.get<{Params: {id: string}}>(
    '/v1/files/:id/content',
    {
      config: {scope: 'files:read'},
      schema: {
        tags: ['files'],
        summary: "The file's bytes, streamed; ETag is the sha256, and one byte range may be asked with Range.",
        params: fileIdParams,
        response: {
          200: {description: 'The bytes', type: 'string', format: 'binary'},
          206: {description: 'The range asked', type: 'string', format: 'binary'},
          ...errors(404, 416),
        },
      },
    },
    async (request, reply) => sendContent(options, await findFile(backend, request.params.id), request, reply),
  )

  // Uploads are read as a stream by the route, not parsed: only their size is limited, as they are spooled.
  app.addContentTypeParser('application/octet-stream', (_request, _payload, done) => done(null))

  app.post<{Querystring: {path: string; metadata?: string[]; label?: string[]}}>(
    '/v1/files',
    {
      config: {scope: 'files:write'},
      schema: {
        tags: ['files'],
        summary: 'Upload a file (the body, application/octet-stream): stored and recorded as `labmesh ingest` does.',
        querystring: {
          type: 'object',
          required: ['path'],
          properties: {
            path: {
              type: 'string',
              minLength: 1,
              maxLength: 1000,
              description: 'The source path recorded for the file (versions follow it).',
            },
            metadata: {type: 'array', items: {type: 'string', maxLength: 2000}, maxItems: 100, description: 'name=value'},
            label: {type: 'array', items: {type: 'string', maxLength: 2000}, maxItems: 100, description: 'name=value'},
          },
          additionalProperties: false,
        },
        response: {201: fileSchema, 200: fileSchema, ...errors(413, 415, 422)},
      },
    },
    async (request, reply) => {
      if (request.headers['content-type']?.split(';')[0].trim() !== 'application/octet-stream') {
        throw new LabmeshError('INVALID_INPUT', 'send the file as the body with Content-Type: application/octet-stream')
      }
      const sourcePath = checkSourcePath(request.query.path)
      const metadata = toRecord(parseKeyValues(request.query.metadata, 'metadata'))
      const labels = parseKeyValues(request.query.label, 'label')
      const dir = await mkdtemp(path.join(tmpdir(), 'labmesh-upload-'))
      try {
        const spooled = path.join(dir, 'body')
        await spool(request, spooled, options.uploadLimit)
        const stored = await ingestUpload(backend, {
          spooled,
          sourcePath,
          sourceHost: `api:${request.apiKey!.keyId}`,
          metadata,
          labels,
          registry: options.registry,
        })
        const record = await backend.metadata.getFile(stored.fileId!)
        return reply.status(stored.status === 'unchanged' ? 200 : 201).send(record)
      } finally {
        await rm(dir, {recursive: true, force: true})
      }
    },
  )

  app.post<{Params: {id: string}; Body: {add?: {name: string; value: string}[]; remove?: {name: string; value: string}[]}}>(
    '/v1/files/:id/labels',
    {
      config: {scope: 'files:write'},
      schema: {
        tags: ['files'],
        summary: 'Add and remove labels; labels are kept across later versions.',
        params: fileIdParams,
        body: {type: 'object', properties: {add: labelsSchema, remove: labelsSchema}, additionalProperties: false},
        response: {200: fileSchema, ...errors(404)},
      },
    },
    async (request) => {
      const add = request.body.add ?? []
      const remove = request.body.remove ?? []
      if (add.length === 0 && remove.length === 0) throw new LabmeshError('INVALID_INPUT', 'give labels to add or remove')
      const file = await findFile(backend, request.params.id)
      return backend.metadata.updateLabels(file.fileId, add, remove)
    },
  )
}

/** An upload's path is recorded, never opened: still, only a relative path without `..`, control characters or a drive. */
function checkSourcePath(text: string): string {
  const normalized = text.replaceAll('\\', '/')
  const parts = normalized.split('/')
  if (
    [...text].some((c) => c.charCodeAt(0) < 0x20) ||
    normalized.startsWith('/') ||
    /^[A-Za-z]:/.test(normalized) ||
    parts.some((p) => p === '..' || p === '.')
  ) {
    throw new LabmeshError('INVALID_INPUT', `path "${text}" must be a relative path without "..", "." or control characters`, {
      subject: 'path',
    })
  }
  return parts.filter(Boolean).join('/')
}

/** The request body into a file, refused (TOO_LARGE) as soon as it passes `limit` bytes, or before it starts when Content-Length says so. */
async function spool(request: FastifyRequest, file: string, limit: number): Promise<void> {
  const tooLarge = (): LabmeshError =>
    new LabmeshError('TOO_LARGE', `uploads are limited to ${limit} bytes`, {suggestions: ['labmesh serve --upload-limit raises it']})
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) throw tooLarge()
  let seen = 0
  await pipeline(
    request.raw,
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        seen += chunk.length
        callback(seen > limit ? tooLarge() : null, chunk)
      },
    }),
    createWriteStream(file),
  )
}

/** The bytes with Content-Length and ETag; 304 for a matching If-None-Match; one range as 206. */
export async function sendContent(
  options: Pick<ServerOptions, 'backend'>,
  file: FileRecord,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const etag = `"${file.sha256}"`
  const name = path.posix.basename(file.sourcePath.replaceAll('\\', '/')) || 'file'
  reply.header('etag', etag).header('accept-ranges', 'bytes').header('cache-control', 'private, no-cache')
  reply.header(
    'content-disposition',
    `attachment; filename="${name.replace(/[^\w.\- ]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
  )
  if (request.headers['if-none-match'] === etag) return reply.status(304).send()
  const range = parseRange(request.headers.range, file.size)
  if (range === 'unsatisfiable') {
    const error = new LabmeshError('INVALID_INPUT', `the range ${request.headers.range} is outside the file (${file.size} bytes)`, {
      subject: 'range',
    })
    return reply.status(416).header('content-range', `bytes */${file.size}`).send({error: error.toJSON()})
  }
  reply.type('application/octet-stream')
  if (range === 'full') {
    reply.header('content-length', file.size)
    return reply.send(await options.backend.objects.openRead(file.sha256, file.category))
  }
  reply
    .status(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${file.size}`)
    .header('content-length', range.end - range.start + 1)
  return reply.send(await options.backend.objects.openRead(file.sha256, file.category, range))
}
