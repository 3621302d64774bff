import type {RangeNode, SearchNode, TextNode} from './ast.js'
import {fieldSpec} from './fields.js'
import {fieldWords, wholeValue} from './keyed-words.js'
import {EXACT_VALUE_BOOST, isScored, isValueField, seeksExactValue, wantedTerms} from './query-terms.js'
import {words} from './words.js'

/**
 * Compiles a query tree to the OpenSearch query DSL over the index of backends/aws/opensearch/index-document.ts. It
 * selects the same files as compile-sqlite.ts and compile-postgres.ts, operator for operator.
 *
 * The text fields hold labmesh's own tokens (words.ts, keyed-words.ts) joined by spaces and read
 * by a whitespace analyzer, so OpenSearch never splits a word differently from the local index,
 * and a term's tokens are sent as they are: user text is only ever tokens, never query syntax.
 * Selection is a filter (it never scores); ranking is the `should` beside it: the wanted free
 * words and name:/path: terms (bm25 with the local column weights) and the exact-value boost.
 */
export type Dsl = Record<string, unknown>

export interface CompiledOpenSearchQuery {
  /** The bool query: `filter` selects, `should` ranks. */
  query: Dsl
  /** The query whose matches snippets mark: every wanted term in the fields people read; null when none. */
  highlight: Dsl | null
}

/** The fields people read, with the local bm25 weight of each (local/search-index.ts). */
export const TEXT_FIELDS = {name: 4, path: 1.5, fields: 8, labels: 6, content: 1} as const

/**
 * The longest token the index's tokenizer keeps whole (Lucene's whitespace tokenizer splits
 * longer ones; a term of over 32 KB would make the document fail). Tokens are cut to it here,
 * on both sides, so a document's long word and the same word in a query still meet.
 */
export const MAX_TOKEN_LENGTH = 255

/** Tokens as the index holds them: each cut into pieces of at most MAX_TOKEN_LENGTH, whole characters. */
export function indexTokens(tokens: string[]): string[] {
  return tokens.flatMap((token) => {
    if (token.length <= MAX_TOKEN_LENGTH) return [token]
    const pieces: string[] = []
    let piece = ''
    for (const character of token) {
      if (piece.length + character.length > MAX_TOKEN_LENGTH) {
        pieces.push(piece)
        piece = ''
      }
      piece += character
    }
    return [...pieces, piece]
  })
}

/** A field's text for the index: its words (or keyed tokens) joined by spaces. */
export const indexText = (tokens: string[]): string => indexTokens(tokens).join(' ')

export type ScopeFilter = {allVersions?: boolean; category?: string}

export function compileOpenSearch(node: SearchNode | null, scope: ScopeFilter = {}): CompiledOpenSearchQuery {
  const filter: Dsl[] = []
  if (!scope.allVersions) filter.push({term: {latest: true}})
  if (scope.category) filter.push({term: {category: scope.category}})
  if (node !== null) filter.push(selection(node))
  const wanted = node === null ? [] : wantedTerms(node)
  const should = [...new Set(wanted.filter(isScored).map((leaf) => JSON.stringify(termQuery(leaf))))].map((q) => JSON.parse(q) as Dsl)
  const exact = [...new Set(wanted.filter(seeksExactValue).map((leaf) => wholeValue(leaf.text)))].filter((t) => t !== '')
  if (exact.length > 0) {
    const values = exact.flatMap((token) => [{term: {field_keys: token}}, {term: {label_keys: token}}])
    should.push({constant_score: {filter: {bool: {should: values}}, boost: EXACT_VALUE_BOOST}})
  }
  const shown = wanted.map(shownQuery)
  return {
    query: {bool: {filter: filter.length > 0 ? filter : [{match_all: {}}], ...(should.length > 0 ? {should} : {})}},
    highlight: shown.length === 0 ? null : {bool: {should: shown}},
  }
}

/** The condition a hit meets: the tree as a bool query, every leaf a filter. */
function selection(node: SearchNode): Dsl {
  switch (node.type) {
    case 'and':
      return {bool: {filter: node.children.map(selection)}}
    case 'or':
      return {bool: {should: node.children.map(selection), minimum_should_match: 1}}
    case 'not':
      return {bool: {must_not: [selection(node.child)]}}
    case 'text':
      return termQuery(node)
    case 'range':
      return rangeQuery(node)
  }
}

/** A term as a query: words in order in their field, keyed tokens for field values, keywords for the rest. */
function termQuery(leaf: TextNode): Dsl {
  if (leaf.field === null) return anyTextField(words(leaf.text), leaf.prefix)
  const spec = fieldSpec(leaf.field)
  switch (spec.kind) {
    case 'words':
      return phrase(spec.property === 'name' ? 'name' : 'path', words(leaf.text), leaf.prefix)
    case 'metadata':
      return phrase('field_keys', fieldWords(spec.key, leaf.text), leaf.prefix)
    case 'label':
      return phrase('label_keys', fieldWords(spec.name === null ? 'label' : `label.${spec.name}`, leaf.text), leaf.prefix)
    case 'keyword': {
      // Case-insensitive as SQLite's LIKE, and `category:RA*` is a prefix.
      const field = spec.property === 'category' ? 'category' : 'status'
      return {[leaf.prefix ? 'prefix' : 'term']: {[field]: {value: leaf.text, case_insensitive: true}}}
    }
    case 'id':
      // Ids are lower-case UUIDs; tables show their first characters.
      return {prefix: {[spec.property === 'fileId' ? 'file_id' : 'trace_id']: {value: leaf.text.toLowerCase()}}}
    default:
      throw new Error(`a ${spec.kind} field is compared, not matched: the parser makes a range of it`)
  }
}

/** A free term: a phrase within one of the fields people read (never across two, never in keyed tokens). */
function anyTextField(tokens: string[], prefix: boolean): Dsl {
  if (tokens.length === 0) return {match_none: {}}
  if (!prefix) {
    // tie_breaker 1 sums the fields' scores, as bm25 over several FTS5 columns does.
    const fields = Object.entries(TEXT_FIELDS).map(([field, weight]) => (weight === 1 ? field : `${field}^${weight}`))
    return {multi_match: {query: indexText(tokens), type: 'phrase', fields, tie_breaker: 1}}
  }
  return {bool: {should: Object.keys(TEXT_FIELDS).map((field) => phrase(field, tokens, true)), minimum_should_match: 1}}
}

/**
 * Tokens side by side in one field, the last one a prefix when `prefix`. A prefix is a prefix
 * query (or span_multi within a phrase), never match_phrase_prefix: that one stops at 50
 * expansions, and `pl*` must find every word starting so, as locally.
 */
function phrase(field: string, raw: string[], prefix: boolean): Dsl {
  const tokens = indexTokens(raw)
  if (tokens.length === 0) return {match_none: {}}
  if (!prefix) return {match_phrase: {[field]: {query: tokens.join(' ')}}}
  const last = {prefix: {[field]: {value: tokens.at(-1)}}}
  if (tokens.length === 1) return last
  const clauses = [...tokens.slice(0, -1).map((t) => ({span_term: {[field]: t}})), {span_multi: {match: last}}]
  return {span_near: {clauses, slop: 0, in_order: true}}
}

/** A wanted term in the fields people read, for snippets: field values where fields and labels show them. */
function shownQuery(leaf: TextNode): Dsl {
  const spec = leaf.field === null ? undefined : fieldSpec(leaf.field)
  if (spec && isValueField(spec)) return phrase(spec.kind === 'label' ? 'labels' : 'fields', words(leaf.text), leaf.prefix)
  return termQuery(leaf)
}

const FILE_FIELDS = {size: 'size', version: 'version', ingestedAt: 'ingested_at', modifiedAt: 'modified_at'} as const

function rangeQuery(node: RangeNode): Dsl {
  const spec = fieldSpec(node.field)
  if (spec.kind === 'number') return {range: {[FILE_FIELDS[spec.property]]: bounds(node)}}
  if (spec.kind === 'time') return {range: {[FILE_FIELDS[spec.property]]: {...bounds(node), format: 'epoch_millis'}}}
  if (spec.kind !== 'metadata') throw new Error(`a ${spec.kind} field cannot be compared: the parser refuses it`)
  const value =
    node.kind === 'time' ? {range: {'values.time': {...bounds(node), format: 'epoch_millis'}}} : {range: {'values.number': bounds(node)}}
  return {nested: {path: 'values', query: {bool: {filter: [{term: {'values.field': spec.key}}, value]}}}}
}

function bounds(node: RangeNode): Dsl {
  const range: Dsl = {}
  if (node.min) range[node.min.inclusive ? 'gte' : 'gt'] = node.min.value
  if (node.max) range[node.max.inclusive ? 'lte' : 'lt'] = node.max.value
  return range
}
