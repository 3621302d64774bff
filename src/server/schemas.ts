import {errorSchema} from './http-errors.js'

/** JSON schemas shared by routes: they validate requests and make the OpenAPI document. */

/** A file id or a unique prefix of one: nothing that could be a path or a query. */
export const fileIdParams = {
  type: 'object',
  required: ['id'],
  properties: {id: {type: 'string', pattern: '^[0-9A-Za-z][0-9A-Za-z_-]{3,99}$'}},
} as const

const labelSchema = {
  type: 'object',
  required: ['name', 'value'],
  properties: {name: {type: 'string', pattern: '^[\\w.\\- ]{1,200}$'}, value: {type: 'string', maxLength: 2000}},
  additionalProperties: false,
} as const

export const labelsSchema = {type: 'array', items: labelSchema, maxItems: 100} as const

export const fileSchema = {
  type: 'object',
  required: ['fileId', 'category', 'sha256', 'size', 'sourcePath', 'version', 'latest', 'metadata', 'labels', 'status'],
  properties: {
    fileId: {type: 'string'},
    category: {type: 'string', enum: ['RAW', 'ENGINEERED']},
    traceId: {type: 'string'},
    rawFileId: {type: ['string', 'null']},
    sha256: {type: 'string'},
    size: {type: 'integer'},
    sourcePath: {type: 'string'},
    sourceHost: {type: 'string'},
    ingestedAt: {type: 'string'},
    modifiedAt: {type: 'string'},
    version: {type: 'integer'},
    latest: {type: 'boolean'},
    metadata: {type: 'object', additionalProperties: {type: 'string'}},
    labels: {type: 'array', items: {type: 'object', properties: {name: {type: 'string'}, value: {type: 'string'}}}},
    status: {type: 'string'},
    error: {type: ['object', 'null'], properties: {code: {type: 'string'}, message: {type: 'string'}}},
    score: {type: 'number'},
    snippet: {type: ['string', 'null']},
  },
} as const

/** The error answers every API route may give, by status. */
export function errors(...statuses: number[]): Record<number, typeof errorSchema> {
  return Object.fromEntries([400, 401, 403, 429, ...statuses].map((status) => [status, errorSchema]))
}
