import {SearchSyntaxError} from './syntax-error.js'

export type ComparisonOperator = ':' | '<' | '<=' | '>' | '>='

/** Tokens of the query syntax; `position` is the 0-based offset where each starts. */
export type Token =
  | {kind: '(' | ')' | 'OR' | 'AND' | 'NOT'; position: number}
  /** A bare word or a "quoted phrase" (quotes removed, escapes resolved); `prefix` for a trailing `*`. */
  | {kind: 'text'; text: string; quoted: boolean; prefix: boolean; position: number}
  /** `name:` `name<` ... : always followed directly by its value, a text token. */
  | {kind: 'field'; name: string; operator: ComparisonOperator; position: number}

const FIELD = /[A-Za-z_][\w.-]*(>=|<=|:|<|>)/y
const KEYWORDS = new Set(['OR', 'AND', 'NOT'])

/**
 * Splits a query into tokens. Whitespace separates terms; `(` `)` group; `"..."` is a phrase
 * (`\"` and `\\` escape); a `-` that starts a term negates it; `OR`, `AND`, `NOT` are
 * operators only in capitals; `field:value` and `field>=value` take the value that follows
 * with no space; a trailing `*` makes a prefix.
 */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const fail = (offset: number, problem: string): never => {
    throw new SearchSyntaxError(query, offset, problem)
  }

  const readQuoted = (): Token => {
    const start = i
    let text = ''
    i++
    for (;;) {
      if (i >= query.length) fail(start, 'this quote is never closed')
      const ch = query[i]
      if (ch === '"') break
      if (ch === '\\' && (query[i + 1] === '"' || query[i + 1] === '\\')) i++
      text += query[i]
      i++
    }
    i++
    const prefix = query[i] === '*'
    while (query[i] === '*') i++
    return {kind: 'text', text, quoted: true, prefix, position: start}
  }

  const readWord = (): Token & {kind: 'text'} => {
    const start = i
    while (i < query.length && !/[\s()"]/.test(query[i])) i++
    const raw = query.slice(start, i)
    const text = raw.replace(/\*+$/, '')
    if (text === '') fail(start, '"*" must end a word, as in abs*')
    return {kind: 'text', text, quoted: false, prefix: text !== raw, position: start}
  }

  while (i < query.length) {
    const ch = query[i]
    if (/\s/.test(ch)) {
      i++
    } else if (ch === '(' || ch === ')') {
      tokens.push({kind: ch, position: i})
      i++
    } else if (ch === '"') {
      tokens.push(readQuoted())
    } else if (ch === '-' && i + 1 < query.length && !/[\s\-)]/.test(query[i + 1])) {
      tokens.push({kind: 'NOT', position: i})
      i++
    } else {
      FIELD.lastIndex = i
      const field = FIELD.exec(query)
      if (field) {
        const operator = field[1] as ComparisonOperator
        tokens.push({kind: 'field', name: field[0].slice(0, -operator.length), operator, position: i})
        i = FIELD.lastIndex
        const next = query[i]
        if (next === undefined || /[\s)]/.test(next)) fail(i, `"${field[0]}" needs a value right after it, with no space`)
        if (next === '(') fail(i, `a field takes one value: write (${field[0]}a OR ${field[0]}b)`)
        tokens.push(next === '"' ? readQuoted() : readWord())
        continue
      }
      const word = readWord()
      tokens.push(!word.prefix && KEYWORDS.has(word.text) ? {kind: word.text as 'OR' | 'AND' | 'NOT', position: word.position} : word)
    }
  }
  return tokens
}
