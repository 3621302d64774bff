import type {RangeNode, SearchNode, TextNode} from './ast.js'
import {fieldSpec} from './fields.js'
import {wholeValue} from './keyed-words.js'
import {COLUMN_WEIGHT, fieldLexemes, tsqueryPhrase} from './postgres-text.js'
import {escapeLike, isScored, seeksExactValue, wantedTerms} from './query-terms.js'
import {words} from './words.js'

/**
 * Compiles a query tree to SQL over the PostgreSQL search schema (aws/postgres/migrations.ts):
 * `search_entries e` (one row per file: its tsvector `doc` from postgres-text.ts and its time),
 * `files f` joined on the file id, and `search_values` (each metadata value and label as a
 * number or time, for comparisons). It selects the same files as compile-sqlite.ts does for the
 * local index, operator for operator: words, phrases, prefixes, fields, comparisons, AND, OR, NOT.
 *
 * Every value is bound through `bind`, which returns its placeholder (`$3`). Terms become tsquery
 * texts built by postgres-text.ts (each lexeme quoted), bound and cast, so a query's text is only
 * ever lexemes to PostgreSQL, never tsquery operators. Whatever part of a group tsquery can say
 * is one `@@` (one GIN index lookup); category:, status:, id:, trace: and comparisons are SQL.
 */
export interface CompiledPostgresQuery {
  /** A condition on `e` and `f`. */
  where: string
  /** The tsquery ranking hits (ts_rank): the wanted free words and name:/path: terms, as locally; null when none. */
  rank: string | null
  /** The tsquery of whole-value tokens: a metadata value or label equal to a wanted term boosts its file. */
  exact: string | null
  /** The tsquery of the words snippets show: every wanted term's words in the columns people read. */
  highlight: string | null
}

export type Bind = (value: string | number) => string

export function compilePostgres(node: SearchNode, bind: Bind): CompiledPostgresQuery {
  const wanted = wantedTerms(node)
  const or = (terms: (string | null)[]): string | null => {
    const kept = [...new Set(terms.filter((t) => t !== null))]
    return kept.length === 0 ? null : kept.join(' | ')
  }
  return {
    where: condition(node, bind),
    rank: or(wanted.filter(isScored).map(termQuery)),
    exact: or(wanted.filter(seeksExactValue).map(exactQuery)),
    highlight: or(
      wanted.flatMap((leaf) => words(leaf.text).map((w, i, all) => tsqueryPhrase([w], {prefix: leaf.prefix && i === all.length - 1}))),
    ),
  }
}

/** A term as a tsquery; null for one tsquery cannot answer (category:, status:, id:, trace:) or with no word in it. */
function termQuery(leaf: TextNode): string | null {
  const prefix = leaf.prefix
  if (leaf.field === null) return tsqueryPhrase(words(leaf.text), {prefix})
  const spec = fieldSpec(leaf.field)
  switch (spec.kind) {
    case 'words':
      return tsqueryPhrase(words(leaf.text), {prefix, weights: spec.property === 'name' ? COLUMN_WEIGHT.name : COLUMN_WEIGHT.path})
    case 'metadata':
      return tsqueryPhrase(fieldLexemes('metadata', spec.key, leaf.text), {prefix})
    case 'label':
      return tsqueryPhrase(fieldLexemes('label', spec.name === null ? 'label' : `label.${spec.name}`, leaf.text), {prefix})
    default:
      return null
  }
}

function exactQuery(leaf: TextNode): string | null {
  const token = wholeValue(leaf.text)
  return token === '' ? null : tsqueryPhrase([token])
}

/** The tsquery for a subtree tsquery answers whole; null when some part needs SQL. */
function textQuery(node: SearchNode): string | null {
  switch (node.type) {
    case 'text':
      return termQuery(node)
    case 'not': {
      const child = textQuery(node.child)
      return child === null ? null : `!${child}`
    }
    case 'and':
    case 'or': {
      const all = node.children.map(textQuery)
      return all.every((q) => q !== null) ? `(${all.join(node.type === 'and' ? ' & ' : ' | ')})` : null
    }
    default:
      return null
  }
}

const matches = (query: string, bind: Bind): string => `e.doc @@ ${bind(query)}::tsquery`

function condition(node: SearchNode, bind: Bind): string {
  const whole = textQuery(node)
  if (whole !== null) return matches(whole, bind)
  switch (node.type) {
    case 'and':
    case 'or': {
      // The children tsquery answers go in one @@; the others are SQL beside it.
      const inText = node.children.map(textQuery)
      const grouped = inText.filter((q) => q !== null)
      const parts =
        grouped.length === 0
          ? []
          : [matches(grouped.length === 1 ? grouped[0] : `(${grouped.join(node.type === 'and' ? ' & ' : ' | ')})`, bind)]
      node.children.forEach((child, i) => inText[i] === null && parts.push(condition(child, bind)))
      return `(${parts.join(node.type === 'and' ? ' AND ' : ' OR ')})`
    }
    case 'not':
      return `NOT ${condition(node.child, bind)}`
    case 'text':
      return sqlTextCondition(node, bind)
    case 'range':
      return rangeCondition(node, bind)
  }
}

/** Where each file property is read. */
const FILE_COLUMNS = {
  category: 'f.category',
  status: 'f.status',
  fileId: 'f.file_id',
  traceId: 'f.trace_id',
  size: 'f.size',
  version: 'f.version',
  ingestedAt: 'f.ingested_at',
  modifiedAt: 'f.modified_at',
} as const

function sqlTextCondition(node: TextNode, bind: Bind): string {
  const spec = fieldSpec(node.field ?? '')
  switch (spec.kind) {
    case 'keyword':
      // ILIKE as SQLite's LIKE: case-insensitive, and `category:RA*` works as a prefix.
      return `${FILE_COLUMNS[spec.property]} ILIKE ${bind(escapeLike(node.text) + (node.prefix ? '%' : ''))} ESCAPE '\\'`
    case 'id':
      // Ids are lower-case UUIDs; tables show their first characters.
      return `${FILE_COLUMNS[spec.property]} LIKE ${bind(escapeLike(node.text.toLowerCase()) + '%')} ESCAPE '\\'`
    default:
      // A term with no word PostgreSQL can index (only joining letters): nothing has it.
      return 'false'
  }
}

function rangeCondition(node: RangeNode, bind: Bind): string {
  const spec = fieldSpec(node.field)
  // Bounds are doubles whatever the column: `size<0.5` must compare, not fail as a bigint.
  const number = (n: number): string => `${bind(n)}::double precision`
  if (spec.kind === 'number') return bounds(FILE_COLUMNS[spec.property], node, number)
  if (spec.kind === 'time') return bounds(FILE_COLUMNS[spec.property], node, (ms) => `${bind(new Date(ms).toISOString())}::timestamptz`)
  if (spec.kind !== 'metadata') throw new Error(`a ${spec.kind} field cannot be compared: the parser refuses it`)
  const key = bind(spec.key)
  return `EXISTS (SELECT 1 FROM search_values v WHERE v.file_id = e.file_id AND v.field = ${key} AND ${bounds(node.kind === 'time' ? 'v.time' : 'v.number', node, number)})`
}

function bounds(name: string, node: RangeNode, value: (n: number) => string): string {
  const parts: string[] = []
  if (node.min) parts.push(`${name} ${node.min.inclusive ? '>=' : '>'} ${value(node.min.value)}`)
  if (node.max) parts.push(`${name} ${node.max.inclusive ? '<=' : '<'} ${value(node.max.value)}`)
  return parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`
}
