import {createHash} from 'node:crypto'

import type {FileCursor} from '../backends/types.js'
import {LabmeshError} from '../errors.js'

/**
 * The `cursor` of `GET /v1/files`: opaque to clients, tied to the query it pages through. A
 * listing without a query pages by keyset (the last file's time and id), so files added meanwhile
 * never shift a page; a search pages by rank, which only an offset into the ranked hits can name.
 */
export type PagePosition = {after: FileCursor} | {offset: number}

const queryTag = (query: string): string => createHash('sha256').update(query).digest('base64url').slice(0, 8)

export function encodeCursor(query: string, position: PagePosition): string {
  return Buffer.from(JSON.stringify({q: queryTag(query), ...position})).toString('base64url')
}

export function decodeCursor(query: string, cursor: string): PagePosition {
  let parsed: {q?: string; after?: FileCursor; offset?: number}
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof parsed
  } catch {
    throw badCursor()
  }
  if (parsed.q !== queryTag(query)) throw badCursor('it belongs to another query')
  if (typeof parsed.offset === 'number' && Number.isInteger(parsed.offset) && parsed.offset >= 0) return {offset: parsed.offset}
  const after = parsed.after
  if (after && typeof after.ingestedAt === 'string' && typeof after.fileId === 'string')
    return {after: {ingestedAt: after.ingestedAt, fileId: after.fileId}}
  throw badCursor()
}

function badCursor(why = 'it is not one this server made'): LabmeshError {
  return new LabmeshError('INVALID_INPUT', `the cursor is not valid: ${why}`, {
    suggestions: ['start again without a cursor, then follow nextCursor'],
  })
}
