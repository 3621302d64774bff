/**
 * The little of DuckDB's SQL lexing the query engine needs around a statement DuckDB has already
 * parsed: where its words start (to find the statement under EXPLAIN) and where it ends (to nest
 * it in a COPY). Whether a statement may run is always decided by DuckDB's parser, never here;
 * a text this lexer misreads only fails to parse afterwards.
 */

export interface Token {
  kind: 'space' | 'comment' | 'word' | 'semicolon' | 'other'
  start: number
  end: number
}

/** The tokens of `sql` that matter here: strings, quoted names and dollar-quoted bodies are single `other` tokens. */
export function* tokens(sql: string, from = 0): Generator<Token> {
  let i = from
  while (i < sql.length) {
    const start = i
    const c = sql[i]
    if (/\s/.test(c)) {
      while (i < sql.length && /\s/.test(sql[i])) i++
      yield {kind: 'space', start, end: i}
    } else if (sql.startsWith('--', i)) {
      const eol = sql.indexOf('\n', i)
      i = eol === -1 ? sql.length : eol + 1
      yield {kind: 'comment', start, end: i}
    } else if (sql.startsWith('/*', i)) {
      // Block comments nest, as in PostgreSQL, whose grammar DuckDB's parser comes from.
      let depth = 0
      while (i < sql.length) {
        if (sql.startsWith('/*', i)) {
          depth++
          i += 2
        } else if (sql.startsWith('*/', i)) {
          i += 2
          if (--depth === 0) break
        } else i++
      }
      yield {kind: 'comment', start, end: i}
    } else if (c === ';') {
      i++
      yield {kind: 'semicolon', start, end: i}
    } else if (c === "'" || c === '"') {
      i = quotedEnd(sql, i, c, false)
      yield {kind: 'other', start, end: i}
    } else if ((c === 'E' || c === 'e') && sql[i + 1] === "'") {
      i = quotedEnd(sql, i + 1, "'", true)
      yield {kind: 'other', start, end: i}
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64))
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length)
        i = close === -1 ? sql.length : close + tag[0].length
      } else {
        i++
        while (i < sql.length && /\w/.test(sql[i])) i++
      }
      yield {kind: 'other', start, end: i}
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < sql.length && /[\w$]/.test(sql[i])) i++
      yield {kind: 'word', start, end: i}
    } else {
      i++
      yield {kind: 'other', start, end: i}
    }
  }
}

function quotedEnd(sql: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === '\\') i += 2
    else if (sql[i] === quote) {
      if (sql[i + 1] !== quote) return i + 1
      i += 2
    } else i++
  }
  return sql.length
}

/** The first token of `sql` from `from` on, past whitespace and comments: a word (upper-cased) or one other character; and where the text after it starts. */
export function leadingToken(sql: string, from = 0): {text: string; word: boolean; rest: number} | undefined {
  for (const token of tokens(sql, from)) {
    if (token.kind === 'space' || token.kind === 'comment') continue
    const text = sql.slice(token.start, token.end)
    return {text: token.kind === 'word' ? text.toUpperCase() : text, word: token.kind === 'word', rest: token.end}
  }
  return undefined
}

/** `sql` without the semicolons, comments and whitespace after its last statement, so it can sit inside parentheses. */
export function withoutTerminator(sql: string): string {
  let end = 0
  for (const token of tokens(sql)) if (token.kind !== 'space' && token.kind !== 'comment' && token.kind !== 'semicolon') end = token.end
  return sql.slice(0, end)
}

/** Whether `sql` has `word` as a keyword or name (not inside a string or a comment). */
export function hasWord(sql: string, word: string): boolean {
  for (const token of tokens(sql)) if (token.kind === 'word' && sql.slice(token.start, token.end).toUpperCase() === word) return true
  return false
}
