import type {Bound, RangeNode, SearchNode, TextNode} from './ast.js'
import {fieldSpec, normaliseFieldName} from './fields.js'
import {type ComparisonOperator, type Token, tokenize} from './lexer.js'
import {SearchSyntaxError} from './syntax-error.js'
import {parseNumber, parseTimeSpan} from './values.js'

/**
 * Limits that keep a query's tree, and the SQL compiled from it, within what the search engines
 * take (SQLite refuses expressions deeper than 1000), far above what people write.
 */
export const MAX_TERMS = 200
export const MAX_DEPTH = 32

/**
 * Parses the search syntax into a tree (ast.ts). The grammar, lowest precedence first:
 *
 *   query   := or?
 *   or      := and ("OR" and)*
 *   and     := unary (("AND")? unary)*        terms side by side must all match
 *   unary   := ("-" | "NOT") unary | primary
 *   primary := "(" or ")" | FIELD value | WORD | PHRASE
 *
 * Returns null for a blank query (every file matches). Words without a letter or digit (`-`,
 * `+`, `&`) carry nothing to find and are left out, as an analyzer would.
 */
export function parseQuery(query: string): SearchNode | null {
  const tokens = tokenize(query)
  const terms = tokens.filter((t) => t.kind === 'text')
  if (terms.length > MAX_TERMS) {
    throw new SearchSyntaxError(query, terms[MAX_TERMS].position, `a query has at most ${MAX_TERMS} terms; this one has ${terms.length}`)
  }
  let at = 0
  // How many groups and negations enclose the term being parsed.
  let depth = 0
  const enter = (token: Token): void => {
    if (++depth > MAX_DEPTH) fail(token.position, `groups and NOTs nest at most ${MAX_DEPTH} deep`)
  }
  const peek = (): Token | undefined => tokens[at]
  const fail = (offset: number, problem: string): never => {
    throw new SearchSyntaxError(query, offset, problem)
  }
  const endOffset = query.trimEnd().length

  const parseOr = (): SearchNode | null => {
    const children = [parseAnd()]
    while (peek()?.kind === 'OR') {
      at++
      children.push(parseAnd())
    }
    return combine('or', children)
  }

  const parseAnd = (): SearchNode | null => {
    const children = [parseUnary()]
    for (let next = peek(); next && next.kind !== 'OR' && next.kind !== ')'; next = peek()) {
      if (next.kind === 'AND') at++
      children.push(parseUnary())
    }
    return combine('and', children)
  }

  const parseUnary = (): SearchNode | null => {
    const token = peek()
    if (token?.kind !== 'NOT') return parsePrimary()
    at++
    enter(token)
    const child = parseUnary()
    depth--
    return child === null ? null : {type: 'not', child}
  }

  const parsePrimary = (): SearchNode | null => {
    const token = peek()
    if (token === undefined) return fail(endOffset, 'the query ends where a term is expected')
    at++
    switch (token.kind) {
      case '(': {
        if (peek()?.kind === ')') fail(token.position, 'empty parentheses')
        enter(token)
        const inner = parseOr()
        depth--
        if (peek()?.kind !== ')') fail(token.position, 'this "(" is never closed')
        at++
        return inner
      }
      case ')':
        return fail(token.position, 'this ")" has no "(" before it')
      case 'OR':
      case 'AND':
        return fail(token.position, `"${token.kind}" needs a term on each side`)
      case 'field': {
        const value = tokens[at++] as Token & {kind: 'text'}
        return fieldNode(query, normaliseFieldName(token.name), token.operator, value, token.position)
      }
      case 'text':
        return hasWords(token.text) ? {type: 'text', field: null, text: token.text, prefix: token.prefix, position: token.position} : null
      default:
        return fail(token.position, 'unexpected term')
    }
  }

  if (tokens.length === 0) return null
  const tree = parseOr()
  const rest = peek()
  if (rest !== undefined) fail(rest.position, 'this ")" has no "(" before it')
  if (tree === null) fail(0, 'nothing to search for: use letters or digits')
  return tree
}

/**
 * Flattens nested groups of the same kind, drops terms that were left out, and joins the
 * comparisons an AND makes on one field into one range (`time>=2024-01 time<2024-04`).
 */
function combine(type: 'and' | 'or', children: (SearchNode | null)[]): SearchNode | null {
  let kept = children.flatMap((child) => (child === null ? [] : child.type === type ? child.children : [child]))
  if (type === 'and') kept = joinRanges(kept)
  if (kept.length === 0) return null
  return kept.length === 1 ? kept[0] : {type, children: kept}
}

function joinRanges(nodes: SearchNode[]): SearchNode[] {
  const joined: SearchNode[] = []
  for (const node of nodes) {
    const same =
      node.type === 'range'
        ? joined.find((j): j is RangeNode => j.type === 'range' && j.field === node.field && j.kind === node.kind)
        : undefined
    if (!same || node.type !== 'range') {
      joined.push(node)
      continue
    }
    joined[joined.indexOf(same)] = {...same, min: tighter(same.min, node.min, 1), max: tighter(same.max, node.max, -1)}
  }
  return joined
}

/** The bound that lets fewer values through: the higher minimum (direction 1) or the lower maximum (-1). */
function tighter(a: Bound | undefined, b: Bound | undefined, direction: 1 | -1): Bound | undefined {
  if (!a || !b) return a ?? b
  if (a.value !== b.value) return (a.value - b.value) * direction > 0 ? a : b
  return a.inclusive ? b : a
}

function hasWords(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text)
}

function fieldNode(
  query: string,
  field: string,
  operator: ComparisonOperator,
  value: Token & {kind: 'text'},
  position: number,
): SearchNode | null {
  const spec = fieldSpec(field)
  const comparable = spec.kind === 'number' || spec.kind === 'time' || spec.kind === 'metadata'
  if (operator !== ':' && !comparable) {
    throw new SearchSyntaxError(
      query,
      position,
      `"${field}" cannot be compared with ${operator}: only numbers and times can (size, version, time, ingested, modified, metadata)`,
    )
  }
  const alwaysRange = spec.kind === 'number' || spec.kind === 'time' || (spec.kind === 'metadata' && spec.time)
  if (operator === ':' && !alwaysRange) {
    if (!hasWords(value.text)) throw new SearchSyntaxError(query, value.position, `"${field}:" needs a value with letters or digits`)
    return {type: 'text', field, text: value.text, prefix: value.prefix, position} satisfies TextNode
  }
  if (value.prefix) throw new SearchSyntaxError(query, value.position, `"*" does not apply to a comparison on ${field}`)
  return rangeNode(query, field, operator, value, position)
}

/** Comparisons become bounds: a time names a span (`2024-03` is the month), `:` means within it. */
function rangeNode(query: string, field: string, operator: ComparisonOperator, value: Token & {kind: 'text'}, position: number): RangeNode {
  const spec = fieldSpec(field)
  const isTimeField = spec.kind === 'time' || (spec.kind === 'metadata' && spec.time)
  const span = parseTimeSpan(value.text, {yearAlone: isTimeField})
  if (span && spec.kind !== 'number') return {type: 'range', field, kind: 'time', ...bounds(operator, span.start, span.end), position}
  const number = isTimeField ? undefined : parseNumber(value.text, {bytes: field === 'size'})
  if (number === undefined) {
    const expected = isTimeField
      ? 'a date or time (2024, 2024-03, 2024-03-01, 2024-03-01T09:30:00Z)'
      : field === 'size'
        ? 'a size (1024, 500KB, 1.5MB, 2GiB)'
        : spec.kind === 'number'
          ? 'a number'
          : 'a number or a date (2024-03-01)'
    throw new SearchSyntaxError(query, value.position, `"${value.text}" is not ${expected}`)
  }
  return {type: 'range', field, kind: 'number', ...bounds(operator, number, number), position}
}

/** A value's span [start, end) under an operator: `>` is after the span, `<=` up to its end. */
function bounds(operator: ComparisonOperator, start: number, end: number): {min?: Bound; max?: Bound} {
  const exact = start === end
  switch (operator) {
    case ':':
      return exact
        ? {min: {value: start, inclusive: true}, max: {value: start, inclusive: true}}
        : {min: {value: start, inclusive: true}, max: {value: end, inclusive: false}}
    case '>=':
      return {min: {value: start, inclusive: true}}
    case '>':
      return exact ? {min: {value: start, inclusive: false}} : {min: {value: end, inclusive: true}}
    case '<':
      return {max: {value: start, inclusive: false}}
    case '<=':
      return exact ? {max: {value: start, inclusive: true}} : {max: {value: end, inclusive: false}}
  }
}
