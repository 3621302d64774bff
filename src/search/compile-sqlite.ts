import type {RangeNode, SearchNode, TextNode} from './ast.js'
import {leaves} from './ast.js'
import {type FieldSpec, fieldSpec} from './fields.js'

/**
 * Compiles a query tree to SQL over the local search schema (migration 2):
 * `search_entries e` (one row per file, `doc` its key) joined to `files f`, the FTS5 table
 * `search_text` (columns name, path, fields, labels, content; rowid = doc), and the
 * per-value table `search_values` with its FTS5 word index `search_value_words`.
 *
 * Every value is a bound parameter. FTS5 MATCH strings are built here from the tree with each
 * term written as an FTS5 string ("..." with quotes doubled), so user text is only ever
 * words to the tokenizer, never FTS5 syntax (NEAR, column filters, ^, *, AND/OR/NOT).
 */
export interface CompiledQuery {
  /** A condition on `e` and `f`. */
  where: string
  params: SqlValue[]
  /**
   * The query's wanted words as one FTS5 expression on search_text (OR of every term not
   * under a NOT), for bm25 ranking and snippets; null when the query has no words.
   */
  rank: string | null
}

export type SqlValue = string | number

/** FTS5 columns of search_text, in order: bm25() takes one weight per column. */
export const TEXT_COLUMNS = ['name', 'path', 'fields', 'labels', 'content'] as const

export function compileSqlite(node: SearchNode): CompiledQuery {
  const params: SqlValue[] = []
  const where = condition(node, params)
  const wanted = [...leaves(node)].flatMap(({leaf, negated}) => {
    if (negated || leaf.type !== 'text') return []
    const scope = textScope(leaf, true)
    return scope === undefined ? [] : [scope + ftsString(leaf.text, leaf.prefix)]
  })
  return {where, params, rank: wanted.length === 0 ? null : [...new Set(wanted)].join(' OR ')}
}

/** An FTS5 string: the tokenizer splits it into words; nothing in it is syntax. */
export function ftsString(text: string, prefix = false): string {
  return `"${text.replaceAll('"', '""')}"${prefix ? ' *' : ''}`
}

const MATCH_TEXT = 'e.doc IN (SELECT rowid FROM search_text WHERE search_text MATCH ?)'

function condition(node: SearchNode, params: SqlValue[]): string {
  const whole = textExpression(node)
  if (whole !== undefined) {
    params.push(whole)
    return MATCH_TEXT
  }
  switch (node.type) {
    case 'and':
      return conjunction(node.children, params)
    case 'or': {
      // The children FTS5 can answer become one MATCH; the others are SQL conditions.
      const inText = node.children.map(textExpression)
      const parts: string[] = []
      const grouped = inText.filter((e) => e !== undefined)
      if (grouped.length > 0) {
        params.push(grouped.join(' OR '))
        parts.push(MATCH_TEXT)
      }
      node.children.forEach((child, i) => inText[i] === undefined && parts.push(condition(child, params)))
      return `(${parts.join(' OR ')})`
    }
    case 'not':
      return `NOT ${condition(node.child, params)}`
    case 'text':
      return textCondition(node, params)
    case 'range':
      return rangeCondition(node, params)
  }
}

/** AND: the words FTS5 can answer (and words to exclude from them) become one MATCH. */
function conjunction(children: SearchNode[], params: SqlValue[]): string {
  const wanted: string[] = []
  const rest: SearchNode[] = []
  for (const child of children) {
    const expression = child.type === 'not' ? undefined : textExpression(child)
    if (expression === undefined) rest.push(child)
    else wanted.push(expression)
  }
  // FTS5's NOT subtracts from a match, so excluded words join the MATCH only when there is one.
  const unwanted: string[] = []
  const others: SearchNode[] = []
  for (const child of rest) {
    const excluded = wanted.length > 0 && child.type === 'not' ? textExpression(child.child) : undefined
    if (excluded === undefined) others.push(child)
    else unwanted.push(excluded)
  }
  const parts: string[] = []
  if (wanted.length > 0) {
    params.push(`(${wanted.join(' AND ')})${unwanted.length > 0 ? ` NOT (${unwanted.join(' OR ')})` : ''}`)
    parts.push(MATCH_TEXT)
  }
  for (const child of others) parts.push(condition(child, params))
  return `(${parts.join(' AND ')})`
}

/**
 * The FTS5 expression on search_text for a subtree made only of free words and name:/path:
 * terms; undefined when some part needs SQL (fields, comparisons, a NOT with nothing to
 * subtract from, since FTS5's NOT is binary).
 */
function textExpression(node: SearchNode): string | undefined {
  switch (node.type) {
    case 'text': {
      const scope = textScope(node, false)
      return scope === undefined ? undefined : scope + ftsString(node.text, node.prefix)
    }
    case 'and': {
      const wanted: string[] = []
      const unwanted: string[] = []
      for (const child of node.children) {
        const expression = child.type === 'not' ? textExpression(child.child) : textExpression(child)
        if (expression === undefined) return undefined
        ;(child.type === 'not' ? unwanted : wanted).push(expression)
      }
      if (wanted.length === 0) return undefined
      return `(${wanted.join(' AND ')})${unwanted.length > 0 ? ` NOT (${unwanted.join(' OR ')})` : ''}`
    }
    case 'or': {
      const all = node.children.map(textExpression)
      return all.every((e) => e !== undefined) ? `(${all.join(' OR ')})` : undefined
    }
    default:
      return undefined
  }
}

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

function textCondition(node: TextNode, params: SqlValue[]): string {
  const spec = fieldSpec(node.field!)
  switch (spec.kind) {
    case 'keyword':
      // LIKE: case-insensitive, and `category:RA*` works as a prefix.
      params.push(escapeLike(node.text) + (node.prefix ? '%' : ''))
      return `${FILE_COLUMNS[spec.property]} LIKE ? ESCAPE '\\'`
    case 'id': {
      // A range on the indexed column: ids are lower-case UUIDs, tables show their first characters.
      const prefix = node.text.toLowerCase()
      params.push(prefix, prefix + '\uffff')
      return `(${FILE_COLUMNS[spec.property]} >= ? AND ${FILE_COLUMNS[spec.property]} < ?)`
    }
    case 'label':
    case 'metadata':
      params.push(ftsString(node.text, node.prefix))
      return `e.doc IN (SELECT v.doc FROM search_value_words JOIN search_values v ON v.id = search_value_words.rowid
        WHERE search_value_words MATCH ? AND ${valueField(spec, params)})`
    default:
      throw new Error(`a ${spec.kind} field cannot hold words: the parser makes ranges of it`)
  }
}

/** The search_values rows of a label or metadata field (`label` alone: every label). */
function valueField(spec: Extract<FieldSpec, {kind: 'label' | 'metadata'}>, params: SqlValue[]): string {
  if (spec.kind === 'label' && spec.name === null) return "v.field >= 'label.' AND v.field < 'label/'"
  params.push(spec.kind === 'label' ? `label.${spec.name}` : spec.key)
  return 'v.field = ?'
}

function rangeCondition(node: RangeNode, params: SqlValue[]): string {
  const spec = fieldSpec(node.field)
  if (spec.kind === 'number' || spec.kind === 'time') {
    // Times of file columns are ISO strings written by toISOString(): they sort as text.
    const encode = spec.kind === 'time' ? (ms: number) => new Date(ms).toISOString() : (n: number) => n
    return bounds(FILE_COLUMNS[spec.property], node, encode, params)
  }
  if (spec.kind !== 'metadata') throw new Error(`a ${spec.kind} field cannot be compared: the parser refuses it`)
  params.push(spec.key)
  const column = node.kind === 'time' ? 'time' : 'number'
  return `e.doc IN (SELECT doc FROM search_values WHERE field = ? AND ${bounds(column, node, (n) => n, params)})`
}

function bounds(column: string, node: RangeNode, encode: (n: number) => SqlValue, params: SqlValue[]): string {
  const parts: string[] = []
  if (node.min) {
    parts.push(`${column} ${node.min.inclusive ? '>=' : '>'} ?`)
    params.push(encode(node.min.value))
  }
  if (node.max) {
    parts.push(`${column} ${node.max.inclusive ? '<=' : '<'} ?`)
    params.push(encode(node.max.value))
  }
  return parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`
}

function escapeLike(text: string): string {
  return text.replace(/[%_\\]/g, '\\$&')
}

/**
 * The FTS5 column filter under which a term's words are found in search_text ('' for every
 * column), undefined when they are not. Field values are matched exactly in search_values; for
 * ranking and snippets they also count in the column that shows them (fields, labels).
 */
function textScope(node: TextNode, forRanking: boolean): string | undefined {
  if (node.field === null) return ''
  const spec = fieldSpec(node.field)
  if (spec.kind === 'words') return spec.property === 'name' ? '{name} : ' : '{path} : '
  if (!forRanking) return undefined
  if (spec.kind === 'label') return '{labels} : '
  if (spec.kind === 'metadata') return '{fields} : '
  return undefined
}
