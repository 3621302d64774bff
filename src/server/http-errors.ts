import type {FastifyError, FastifyReply, FastifyRequest} from 'fastify'

import {type ErrorCode, isLabmeshError, LabmeshError, toLabmeshError} from '../errors.js'

/** The HTTP status of each error code: the API answers with the CLI's codes. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  USAGE: 400,
  INVALID_INPUT: 400,
  INVALID_DATA: 422,
  UNREADABLE: 422,
  EMPTY_FILE: 422,
  TEMPLATE_MISMATCH: 422,
  CONVERSION_FAILED: 422,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNSUPPORTED: 501,
  BACKEND: 503,
  CANCELLED: 499,
}

export function httpStatus(code: ErrorCode): number {
  return STATUS[code] ?? 500
}

/** Fastify's own errors (validation, body size, content type) as LabmeshErrors. */
function fromFastify(error: FastifyError): LabmeshError {
  if (error.validation) return new LabmeshError('INVALID_INPUT', `request ${error.message}`, {cause: error})
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new LabmeshError('TOO_LARGE', 'the request body is over the size limit', {cause: error})
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new LabmeshError('INVALID_INPUT', error.message, {cause: error})
  if (error.statusCode === 429) return new LabmeshError('RATE_LIMITED', error.message, {cause: error})
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    return new LabmeshError('INVALID_INPUT', error.message, {cause: error})
  return toLabmeshError(error)
}

export interface ErrorBody {
  error: {code: ErrorCode; message: string; subject?: string; suggestions: string[]}
}

/**
 * Every failure as `{"error": {code, message, subject, suggestions}}` with its status. An
 * unexpected one is logged whole and answered without its details (they may name internals).
 */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = isLabmeshError(error) ? error : fromFastify(error)
  const status = httpStatus(known.code)
  if (status >= 500 && known.code !== 'UNSUPPORTED') request.log.error({err: error, reqId: request.id}, 'request failed')
  if (known.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="labmesh"')
  const body: ErrorBody =
    known.code === 'UNEXPECTED'
      ? {error: {code: 'UNEXPECTED', message: `unexpected error (request ${request.id}); the server log has the details`, suggestions: []}}
      : {error: known.toJSON()}
  if (!reply.sent) void reply.status(status).type('application/json; charset=utf-8').send(body)
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  errorHandler(
    new LabmeshError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`, {suggestions: ['see /openapi.json']}) as never,
    request,
    reply,
  )
}

/** The JSON schema of error answers, for the OpenAPI document. */
export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'suggestions'],
      properties: {
        code: {type: 'string'},
        message: {type: 'string'},
        subject: {type: 'string'},
        suggestions: {type: 'array', items: {type: 'string'}},
      },
    },
  },
} as const
