import type {SearchCursor} from '../backends/types.js'
import {LabmeshError} from '../errors.js'

/** One key of a search order: its SQL, whether it runs high to low, and the value the last hit had. */
export interface OrderKey {
  sql: string
  descending?: boolean
  value: unknown
}

/**
 * The condition for rows after a position in an order of several keys, each ascending or
 * descending: `a > x OR (a = x AND (b < y OR ...))`. The last key must be unique (the file id),
 * so every row has a place of its own and a page never shares one with the next. `bind` gives
 * the placeholder of a value; it is called in the order the placeholders appear in the text.
 */
export function afterKeys(keys: OrderKey[], bind: (value: unknown) => string): string {
  const [key, ...rest] = keys
  const beyond = `${key.sql} ${key.descending ? '<' : '>'} ${bind(key.value)}`
  if (rest.length === 0) return beyond
  return `(${beyond} OR (${key.sql} = ${bind(key.value)} AND ${afterKeys(rest, bind)}))`
}

/** The cursor of a ranked page, which must carry the last hit's score. */
export function rankedCursor(after: SearchCursor): SearchCursor & {score: number} {
  if (typeof after.score === 'number' && Number.isFinite(after.score)) return after as SearchCursor & {score: number}
  throw new LabmeshError('INVALID_INPUT', 'the cursor does not belong to a ranked search: start again without one')
}
