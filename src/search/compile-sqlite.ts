import type {RangeNode, SearchNode, TextNode} from './ast.js'
import {fieldSpec} from './fields.js'
import {fieldWords, wholeValue} from './keyed-words.js'
import {escapeLike, isScored, isValueField, isWeighted, seeksExactValue, wantedTerms} from './query-terms.js'

/**
 * Compiles a query tree to SQL over the local search schema (migrations.ts):
 * `search_entries e` (one row per file, `doc` its key, with the file's latest flag, category,
 * size, path, version and time), `files f` for the other file columns, the FTS5 table
 * `search_text` (rowid = doc; columns name, path, fields, labels and content hold the words
 * people see, field_keys and label_keys the field-scoped tokens of keyed-words.ts), and
 * `search_values` (each metadata value and label as a number or time, for comparisons).
 *
 * Every value is a bound parameter. FTS5 MATCH strings are built here from the tree with each
 * term written as an FTS5 string ("..." with quotes doubled), so user text is only ever
 * words to the tokenizer, never FTS5 syntax (NEAR, column filters, ^, *, AND/OR/NOT).
 */
export interface CompiledQuery {
  /**
   * An FTS5 expression every hit matches, to start the search from (streaming FTS5's matches is
   * far cheaper than testing each entry against them): the whole query when FTS5 answers it
   * all, else the part of a top-level AND it answers. Null when there is none (an OR with a
   * comparison in it, a comparison alone).
   */
  driver: string | null
  /** What else a hit must satisfy: a condition on `e` (and `f` when `usesFiles`), '1' for nothing. */
  where: string
  params: SqlValue[]
  /** Whether `where` reads columns of `files f` that the entry does not repeat. */
  usesFiles: boolean
  /**
   * What ranks hits (bm25): the OR of the wanted free words and name:/path: terms (not under a
   * NOT, not prefixes); null when there are none. Field values select files but do not score
   * them, as filters do in OpenSearch: every hit of `label.site:boston` has it alike.
   */
  rank: string | null
  /** Whether the driver holds every ranked term, so bm25 of the driver is the score (keyed columns weigh 0). */
  rankInDriver: boolean
  /** Whether every hit matches `rank`, so a ranked search without a driver can start from the rank matches. */
  rankCoversHits: boolean
  /** The FTS5 expression whose matches snippets show: every wanted term, in the columns people read. */
  highlight: string | null
  /**
   * Files with a metadata value or label that equals a wanted term whole: a file whose `sample`
   * is exactly "S-001" is a better hit for S-001 than one with it in its path.
   */
  exact: string | null
}

export type SqlValue = string | number

/** FTS5 columns of search_text, in order: bm25() takes one weight per column. */
export const TEXT_COLUMNS = ['name', 'path', 'fields', 'labels', 'content', 'field_keys', 'label_keys'] as const

/** Parameters in the order their `?` appear, and whether `files f` is read. */
interface Sql {
  params: SqlValue[]
  usesFiles: boolean
}

export function compileSqlite(node: SearchNode): CompiledQuery {
  const sql: Sql = {params: [], usesFiles: false}
  const {driver, inDriver, rest} = splitDriver(node)
  const where = rest.length === 0 ? '1' : rest.map((child) => condition(child, sql)).join(' AND ')
  const all = wantedTerms(node)
  const or = (terms: (string | undefined)[]): string | null => {
    const kept = [...new Set(terms.filter((t) => t !== undefined))]
    return kept.length === 0 ? null : kept.join(' OR ')
  }
  return {
    driver: driver ?? null,
    where,
    params: sql.params,
    usesFiles: sql.usesFiles,
    rank: or(all.filter(isScored).map(ftsTerm)),
    // bm25 sums over every phrase of an expression whatever its operators (field values weigh 0):
    // the driver ranks as `rank` would when it holds all the scored words and no prefix.
    rankInDriver:
      driver !== undefined &&
      !wantedTerms(...rest).some(isScored) &&
      !wantedTerms(...inDriver).some((leaf) => leaf.prefix && isWeighted(leaf)),
    rankCoversHits: coveredByRank(node),
    highlight: or(all.map(shownTerm)),
    exact: or(all.filter(seeksExactValue).map(exactTerm)),
  }
}

/** An FTS5 string: the tokenizer splits it into words; nothing in it is syntax. */
export function ftsString(text: string, prefix = false): string {
  return `"${text.replaceAll('"', '""')}"${prefix ? ' *' : ''}`
}

/** A term as FTS5 finds it exactly; undefined for category:, status:, id:, trace: (SQL). */
function ftsTerm(leaf: TextNode): string | undefined {
  // Free words are looked for in what people read, not in the keyed tokens.
  if (leaf.field === null) return `-{field_keys label_keys} : ${ftsString(leaf.text, leaf.prefix)}`
  const spec = fieldSpec(leaf.field)
  if (spec.kind === 'words') return `{${spec.property === 'name' ? 'name' : 'path'}} : ${ftsString(leaf.text, leaf.prefix)}`
  if (!isValueField(spec)) return undefined
  const field = spec.kind === 'metadata' ? spec.key : spec.name === null ? 'label' : `label.${spec.name}`
  return `{${spec.kind === 'metadata' ? 'field_keys' : 'label_keys'}} : ${ftsString(fieldWords(field, leaf.text).join(' '), leaf.prefix)}`
}

/** The value token of a term (keyed-words.ts); undefined for one too long to be a value. */
function exactTerm(leaf: TextNode): string | undefined {
  const token = wholeValue(leaf.text)
  return token === '' ? undefined : `{field_keys label_keys} : ${ftsString(token)}`
}

/** A term in the columns people read, for snippets: field values where the fields and labels show them. */
function shownTerm(leaf: TextNode): string | undefined {
  const spec = leaf.field === null ? undefined : fieldSpec(leaf.field)
  if (spec?.kind === 'label' || spec?.kind === 'metadata')
    return `{${spec.kind === 'label' ? 'labels' : 'fields'}} : ${ftsString(leaf.text, leaf.prefix)}`
  return ftsTerm(leaf)
}

/** Whether every file a node matches also matches one of its scored terms. */
function coveredByRank(node: SearchNode): boolean {
  switch (node.type) {
    case 'text':
      return isScored(node)
    case 'and':
      return node.children.some(coveredByRank)
    case 'or':
      return node.children.every(coveredByRank)
    default:
      return false
  }
}

/**
 * The FTS5 part of a query and the rest: the whole query when FTS5 answers it, else in a
 * top-level AND the children it answers, with the excluded terms subtracted (FTS5's NOT is
 * binary: it needs something to subtract from).
 */
function splitDriver(node: SearchNode): {driver?: string; inDriver: SearchNode[]; rest: SearchNode[]} {
  const whole = textExpression(node)
  if (whole !== undefined) return {driver: whole, inDriver: [node], rest: []}
  if (node.type !== 'and') return {inDriver: [], rest: [node]}
  const wanted: string[] = []
  const unwanted: string[] = []
  const inDriver: SearchNode[] = []
  const rest: SearchNode[] = []
  for (const child of node.children) {
    const expression = child.type === 'not' ? undefined : textExpression(child)
    if (expression === undefined) rest.push(child)
    else {
      wanted.push(expression)
      inDriver.push(child)
    }
  }
  if (wanted.length === 0) return {inDriver: [], rest}
  const kept: SearchNode[] = []
  for (const child of rest) {
    const excluded = child.type === 'not' ? textExpression(child.child) : undefined
    if (excluded === undefined) kept.push(child)
    else unwanted.push(excluded)
  }
  return {driver: `(${wanted.join(' AND ')})${unwanted.length > 0 ? ` NOT (${unwanted.join(' OR ')})` : ''}`, inDriver, rest: kept}
}

const MATCH_TEXT = 'e.doc IN (SELECT rowid FROM search_text WHERE search_text MATCH ?)'

/** A nested part of the query as an SQL condition; FTS5 answers what it can, one MATCH per group. */
function condition(node: SearchNode, sql: Sql): string {
  const {driver, rest} = splitDriver(node)
  const parts: string[] = []
  if (driver !== undefined) {
    sql.params.push(driver)
    parts.push(MATCH_TEXT)
  }
  if (rest.length === 1 && rest[0] === node) {
    switch (node.type) {
      case 'or': {
        const inText = node.children.map(textExpression)
        const grouped = inText.filter((e) => e !== undefined)
        if (grouped.length > 0) {
          sql.params.push(grouped.join(' OR '))
          parts.push(MATCH_TEXT)
        }
        node.children.forEach((child, i) => inText[i] === undefined && parts.push(condition(child, sql)))
        return `(${parts.join(' OR ')})`
      }
      case 'not':
        return `NOT ${condition(node.child, sql)}`
      case 'text':
        return textCondition(node, sql)
      case 'range':
        return rangeCondition(node, sql)
    }
  }
  for (const child of rest) parts.push(condition(child, sql))
  return parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`
}

/**
 * The FTS5 expression for a subtree FTS5 answers exactly; undefined when some part needs SQL
 * (category:, status:, id:, trace:, comparisons, or a NOT with nothing to subtract from).
 */
function textExpression(node: SearchNode): string | undefined {
  switch (node.type) {
    case 'text':
      return ftsTerm(node)
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

/** Where each file property is read: the entry holds those every search filters or sorts on. */
export const FILE_COLUMNS = {
  category: 'e.category',
  status: 'f.status',
  fileId: 'e.file_id',
  traceId: 'f.trace_id',
  size: 'e.size',
  version: 'e.version',
  ingestedAt: 'f.ingested_at',
  modifiedAt: 'f.modified_at',
} as const

function column(property: keyof typeof FILE_COLUMNS, sql: Sql): string {
  const name = FILE_COLUMNS[property]
  if (name.startsWith('f.')) sql.usesFiles = true
  return name
}

function textCondition(node: TextNode, sql: Sql): string {
  const spec = fieldSpec(node.field!)
  switch (spec.kind) {
    case 'keyword':
      // LIKE: case-insensitive, and `category:RA*` works as a prefix.
      sql.params.push(escapeLike(node.text) + (node.prefix ? '%' : ''))
      return `${column(spec.property, sql)} LIKE ? ESCAPE '\\'`
    case 'id': {
      // A range on the indexed column: ids are lower-case UUIDs, tables show their first characters.
      const prefix = node.text.toLowerCase()
      sql.params.push(prefix, prefix + '\uffff')
      const name = column(spec.property, sql)
      return `(${name} >= ? AND ${name} < ?)`
    }
    default:
      throw new Error(`a ${spec.kind} field is not compared in SQL: FTS5 answers it, or the parser makes a range of it`)
  }
}

function rangeCondition(node: RangeNode, sql: Sql): string {
  const spec = fieldSpec(node.field)
  if (spec.kind === 'number' || spec.kind === 'time') {
    // Times of file columns are ISO strings written by toISOString(): they sort as text.
    const encode = spec.kind === 'time' ? (ms: number) => new Date(ms).toISOString() : (n: number) => n
    return bounds(column(spec.property, sql), node, encode, sql)
  }
  if (spec.kind !== 'metadata') throw new Error(`a ${spec.kind} field cannot be compared: the parser refuses it`)
  sql.params.push(spec.key)
  return `e.doc IN (SELECT doc FROM search_values WHERE field = ? AND ${bounds(node.kind === 'time' ? 'time' : 'number', node, (n) => n, sql)})`
}

function bounds(name: string, node: RangeNode, encode: (n: number) => SqlValue, sql: Sql): string {
  const parts: string[] = []
  if (node.min) {
    parts.push(`${name} ${node.min.inclusive ? '>=' : '>'} ?`)
    sql.params.push(encode(node.min.value))
  }
  if (node.max) {
    parts.push(`${name} ${node.max.inclusive ? '<=' : '<'} ?`)
    sql.params.push(encode(node.max.value))
  }
  return parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`
}
