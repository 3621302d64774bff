import {createHash} from 'node:crypto'

import type {FileCursor, SearchCursor} from '../backends/types.js'
import {LabmeshError} from '../errors.js'

/**
 * The `cursor` of `GET /v1/files`: opaque to clients, tied to the query and order it pages
 * through. Both kinds are keysets, so files added, changed or removed meanwhile never make a
 * page skip or repeat a hit: a listing without a query carries the last file's time and id, a
 * search the last hit's place in its order (score when ranked, time, path, version, category, id).
 */
export type PagePosition = {after: FileCursor} | {search: SearchCursor}

const queryTag = (query: string, sort: string): string => createHash('sha256').update(`${sort}\n${query}`).digest('base64url').slice(0, 8)

export function encodeCursor(query: string, sort: string, position: PagePosition): string {
  return Buffer.from(JSON.stringify({q: queryTag(query, sort), ...position})).toString('base64url')
}

export function decodeCursor(query: string, sort: string, cursor: string): PagePosition {
  let parsed: {q?: string; after?: Partial<FileCursor>; search?: Partial<SearchCursor>}
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof parsed
  } catch {
    throw badCursor()
  }
  if (parsed?.q !== queryTag(query, sort)) throw badCursor('it belongs to another query or order')
  const {after, search} = parsed
  if (after && typeof after.ingestedAt === 'string' && typeof after.fileId === 'string')
    return {after: {ingestedAt: after.ingestedAt, fileId: after.fileId}}
  if (search && isSearchCursor(search)) {
    const {time, sourcePath, version, category, fileId, score} = search
    return {search: {time, sourcePath, version, category, fileId, ...(score === undefined ? {} : {score})}}
  }
  throw badCursor()
}

function isSearchCursor(c: Partial<SearchCursor>): c is SearchCursor {
  return (
    Number.isFinite(c.time) &&
    typeof c.sourcePath === 'string' &&
    Number.isInteger(c.version) &&
    (c.category === 'RAW' || c.category === 'ENGINEERED') &&
    typeof c.fileId === 'string' &&
    (c.score === undefined || Number.isFinite(c.score))
  )
}

function badCursor(why = 'it is not one this server made'): LabmeshError {
  return new LabmeshError('INVALID_INPUT', `the cursor is not valid: ${why}`, {
    suggestions: ['start again without a cursor, then follow nextCursor'],
  })
}
