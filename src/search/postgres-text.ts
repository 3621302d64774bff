import type {IndexEntry} from './index-entry.js'
import {fieldWords, isValueToken} from './keyed-words.js'
import {words} from './words.js'

/**
 * How the PostgreSQL index holds an entry's words: one tsvector written as a literal (its
 * lexemes are exactly the tokens of words.ts and keyed-words.ts, as the local FTS5 index has
 * them, so PostgreSQL's own parser never splits a word differently), and tsquery texts for the
 * terms of a query built from the same functions. Both are handed to PostgreSQL as bound values.
 *
 * The local index keeps seven FTS5 columns; a tsvector has four weights and positions:
 * - the columns people read get a weight each, fields and labels sharing A (the heaviest):
 *   `name:` looks in B, `path:` in C, free words anywhere;
 * - field-scoped tokens start with a mark of their kind (metadata, label), and whole-value
 *   tokens with keyed-words' edge: no word of a query starts with those letters (words.ts
 *   drops them), so a free word or prefix never reaches them, nor a label term a metadata token;
 * - each column starts one position after the previous one ends, so a phrase never spans two.
 */
export type TextWeight = 'A' | 'B' | 'C' | 'D'

/** ts_rank's weights for D, C, B, A: the local bm25 weights (content 1, path 1.5, name 4, fields 8) over the heaviest. */
export const RANK_WEIGHTS = [1 / 8, 1.5 / 8, 4 / 8, 1] as const

export const COLUMN_WEIGHT = {name: 'B', path: 'C', fields: 'A', labels: 'A', content: 'D'} as const satisfies Record<string, TextWeight>

const METADATA_MARK = 'ǀ'
const LABEL_MARK = 'ǁ'

/** PostgreSQL's limits: a lexeme's bytes, a position, the positions kept per lexeme. */
const MAX_LEXEME_BYTES = 2046
const MAX_POSITION = 16_383
const MAX_POSITIONS = 256

/**
 * A lexeme within PostgreSQL's limit, cut the same way in entries and queries so they still meet:
 * the longest run of whole characters that fits, found in one pass (a document may hold a word of
 * tens of thousands of letters, a sequence or an encoded blob).
 */
function lexeme(token: string): string {
  if (Buffer.byteLength(token) <= MAX_LEXEME_BYTES) return token
  let bytes = 0
  let end = 0
  for (const character of token) {
    bytes += Buffer.byteLength(character)
    if (bytes > MAX_LEXEME_BYTES) break
    end += character.length
  }
  return token.slice(0, end)
}

const quoted = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`

const marked = (keyed: string, mark: string): string[] =>
  keyed
    .split(' ')
    .filter((t) => t !== '')
    .map((t) => (isValueToken(t) ? t : mark + t))

/** The entry's tsvector, as the literal `'word':1B,7A ...`. */
export function entryTsvector(entry: IndexEntry): string {
  const positions = new Map<string, string[]>()
  let at = 0
  const add = (tokens: string[], weight: TextWeight): void => {
    at++
    for (const token of tokens) {
      at++
      const key = lexeme(token)
      const list = positions.get(key) ?? []
      // Past the last position PostgreSQL keeps, words still match alone (phrases there may not).
      const position = `${Math.min(at, MAX_POSITION)}${weight}`
      if (list.length < MAX_POSITIONS && list.at(-1) !== position) list.push(position)
      positions.set(key, list)
    }
  }
  add(words(entry.name), COLUMN_WEIGHT.name)
  add(words(entry.path), COLUMN_WEIGHT.path)
  add(words(entry.fields), COLUMN_WEIGHT.fields)
  add(words(entry.labels), COLUMN_WEIGHT.labels)
  add(marked(entry.fieldKeys, METADATA_MARK), 'D')
  add(marked(entry.labelKeys, LABEL_MARK), 'D')
  // The document last: a long one is what may run past the last position.
  add(words(entry.content), COLUMN_WEIGHT.content)
  return [...positions].map(([key, list]) => `${quoted(key)}:${list.join(',')}`).join(' ')
}

/** The lexemes a metadata value (`key`) or label (`label.<name>`, or `label` for any) term looks for. */
export function fieldLexemes(kind: 'metadata' | 'label', field: string, text: string): string[] {
  return fieldWords(field, text).map((t) => (kind === 'metadata' ? METADATA_MARK : LABEL_MARK) + t)
}

/**
 * A tsquery phrase: the lexemes in order, side by side, each in one of `weights` when given
 * (none: anywhere); `prefix` lets the last be the start of a longer one. Null without lexemes.
 */
export function tsqueryPhrase(lexemes: string[], options: {prefix?: boolean; weights?: string} = {}): string | null {
  if (lexemes.length === 0) return null
  const weights = options.weights ?? ''
  const last = lexemes.length - 1
  const parts = lexemes.map((l, i) => {
    const label = (i === last && options.prefix ? '*' : '') + weights
    return `${quoted(lexeme(l))}${label === '' ? '' : `:${label}`}`
  })
  return parts.length === 1 ? parts[0] : `(${parts.join(' <-> ')})`
}
