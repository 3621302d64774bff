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

/**
 * The order of hits after the score (SearchCursor): newest time first, then source path, newest
 * version, RAW before ENGINEERED, and the file id, which makes a place unique. The path order
 * leaves out time. Each index gives its own column (or SQL) for each key; its ORDER BY and its
 * cursor conditions are both made from this one list, so they never disagree.
 */
const ORDER = [
  {key: 'time', descending: true},
  {key: 'sourcePath', descending: false},
  {key: 'version', descending: true},
  {key: 'category', descending: true},
  {key: 'fileId', descending: false},
] as const

/** An index's column, field or SQL for each key of the order. */
export type OrderColumns = Record<(typeof ORDER)[number]['key'], string>

/** The keys of the time order, or of the path order, with each one's column. */
export function searchOrder(columns: OrderColumns, byPath: boolean): {key: keyof OrderColumns; column: string; descending: boolean}[] {
  return (byPath ? ORDER.slice(1) : ORDER).map(({key, descending}) => ({key, column: columns[key], descending}))
}

/** The SQL ORDER BY of the time order, or of the path order. */
export function orderBy(columns: OrderColumns, byPath: boolean): string {
  return searchOrder(columns, byPath)
    .map(({column, descending}) => (descending ? `${column} DESC` : column))
    .join(', ')
}

/** The keys of a cursor's place in the time order, or in the path order, for afterKeys. */
export function cursorKeys(columns: OrderColumns, cursor: SearchCursor, byPath: boolean): OrderKey[] {
  return searchOrder(columns, byPath).map(({key, column, descending}) => ({sql: column, descending, value: cursor[key]}))
}

/** The cursor of a ranked page, which must carry the last hit's score. */
export function rankedCursor(after: SearchCursor): SearchCursor & {score: number} {
  if (typeof after.score === 'number' && Number.isFinite(after.score)) return after as SearchCursor & {score: number}
  throw new LabmeshError('INVALID_INPUT', 'the cursor does not belong to a ranked search: start again without one')
}
