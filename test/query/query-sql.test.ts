import {expect} from 'chai'

import {hasWord, leadingToken, tokens, withoutTerminator} from '../../src/backends/local/query-sql.js'

/** Tokens as [kind, text] pairs, worked out by hand from DuckDB's (PostgreSQL's) lexical rules. */
const lex = (sql: string, from = 0): Array<[string, string]> => [...tokens(sql, from)].map((t) => [t.kind, sql.slice(t.start, t.end)])

describe('SQL text around a parsed statement', () => {
  it('splits words, spaces, comments, semicolons and single other characters, from where it is asked', () => {
    expect(lex('SELECT a_1$x,\t\n b FROM t;')).to.deep.equal([
      ['word', 'SELECT'],
      ['space', ' '],
      ['word', 'a_1$x'],
      ['other', ','],
      ['space', '\t\n '],
      ['word', 'b'],
      ['space', ' '],
      ['word', 'FROM'],
      ['space', ' '],
      ['word', 't'],
      ['semicolon', ';'],
    ])
    expect(lex('_x 1+2', 0)).to.deep.equal([
      ['word', '_x'],
      ['space', ' '],
      ['other', '1'],
      ['other', '+'],
      ['other', '2'],
    ])
    expect(lex('ab cd', 3)).to.deep.equal([['word', 'cd']])
    expect(lex('')).to.deep.equal([])
  })

  it('reads line comments to the end of the line, and block comments nested, even unterminated', () => {
    expect(lex('a -- one; two\nb')).to.deep.equal([
      ['word', 'a'],
      ['space', ' '],
      ['comment', '-- one; two\n'],
      ['word', 'b'],
    ])
    expect(lex('a --last')).to.deep.equal([
      ['word', 'a'],
      ['space', ' '],
      ['comment', '--last'],
    ])
    expect(lex('a - -b')).to.deep.equal([
      ['word', 'a'],
      ['space', ' '],
      ['other', '-'],
      ['space', ' '],
      ['other', '-'],
      ['word', 'b'],
    ])
    expect(lex('/* a /* b */ c */d')).to.deep.equal([
      ['comment', '/* a /* b */ c */'],
      ['word', 'd'],
    ])
    expect(lex('/**/x')).to.deep.equal([
      ['comment', '/**/'],
      ['word', 'x'],
    ])
    expect(lex('/* open /* */ x')).to.deep.equal([['comment', '/* open /* */ x']])
    expect(lex('a / * b')).to.deep.equal([
      ['word', 'a'],
      ['space', ' '],
      ['other', '/'],
      ['space', ' '],
      ['other', '*'],
      ['space', ' '],
      ['word', 'b'],
    ])
  })

  it('keeps strings, quoted names, escape strings and dollar-quoted bodies whole, even unterminated', () => {
    expect(lex(`'it''s' "a""b" x`)).to.deep.equal([
      ['other', `'it''s'`],
      ['space', ' '],
      ['other', '"a""b"'],
      ['space', ' '],
      ['word', 'x'],
    ])
    // A backslash escapes only in E'...' strings.
    expect(lex(`E'a\\'b' e'\\\\' 'c\\' d`)).to.deep.equal([
      ['other', `E'a\\'b'`],
      ['space', ' '],
      ['other', `e'\\\\'`],
      ['space', ' '],
      ['other', `'c\\'`],
      ['space', ' '],
      ['word', 'd'],
    ])
    expect(lex(`E x`)).to.deep.equal([
      ['word', 'E'],
      ['space', ' '],
      ['word', 'x'],
    ])
    // Only E starts an escape string: B'...' and X'...' are a word and a plain string.
    expect(lex(`B'1\\' X'2'`)).to.deep.equal([
      ['word', 'B'],
      ['other', `'1\\'`],
      ['space', ' '],
      ['word', 'X'],
      ['other', `'2'`],
    ])
    expect(lex(`'open; --`)).to.deep.equal([['other', `'open; --`]])
    expect(lex(`E'open\\'`)).to.deep.equal([['other', `E'open\\'`]])
    expect(lex(`'a'''`)).to.deep.equal([['other', `'a'''`]])
    expect(lex('$$a;b$$ $q$ $$ ; $q$ $Q_1$x$Q_1$')).to.deep.equal([
      ['other', '$$a;b$$'],
      ['space', ' '],
      ['other', '$q$ $$ ; $q$'],
      ['space', ' '],
      ['other', '$Q_1$x$Q_1$'],
    ])
    // A dollar quote opens only where the $ stands, not at a later $$ in the same stretch.
    expect(lex('$1 $$a$$')).to.deep.equal([
      ['other', '$1'],
      ['space', ' '],
      ['other', '$$a$$'],
    ])
    expect(lex('$tag$ never closed;')).to.deep.equal([['other', '$tag$ never closed;']])
    // Parameters: $name and $1 are one token, a lone $ one character.
    expect(lex('x=$min_1;$2 $ ')).to.deep.equal([
      ['word', 'x'],
      ['other', '='],
      ['other', '$min_1'],
      ['semicolon', ';'],
      ['other', '$2'],
      ['space', ' '],
      ['other', '$'],
      ['space', ' '],
    ])
    expect(lex('$1a$')).to.deep.equal([
      ['other', '$1a'],
      ['other', '$'],
    ])
  })

  it('finds the first token past whitespace and comments, and where the rest starts', () => {
    const sql = '  -- a comment\n/* block /* nested */ still */ explain   ANALYZE select 1'
    const first = leadingToken(sql)
    expect(first).to.include({text: 'EXPLAIN', word: true})
    const second = leadingToken(sql, first!.rest)
    expect(second?.text).to.equal('ANALYZE')
    expect(sql.slice(second!.rest).trim()).to.equal('select 1')
    expect(leadingToken('"EXPLAIN" x')).to.deep.equal({text: '"EXPLAIN"', word: false, rest: 9})
    expect(leadingToken('(SELECT 1)')).to.deep.equal({text: '(', word: false, rest: 1})
    expect(leadingToken('  -- only a comment')).to.equal(undefined)
    expect(leadingToken('')).to.equal(undefined)
    expect(leadingToken('with x', 0)).to.deep.equal({text: 'WITH', word: true, rest: 4})
    expect(leadingToken(`'lower' x`)).to.deep.equal({text: `'lower'`, word: false, rest: 7})
  })

  it('drops semicolons, comments and whitespace after the statement, and nothing inside it', () => {
    expect(withoutTerminator('SELECT 1;')).to.equal('SELECT 1')
    expect(withoutTerminator('SELECT 1 ; ;  -- done\n /* bye */\n')).to.equal('SELECT 1')
    expect(withoutTerminator("SELECT ';' AS s, '--' AS t")).to.equal("SELECT ';' AS s, '--' AS t")
    expect(withoutTerminator("SELECT 'it''s;' -- x;")).to.equal("SELECT 'it''s;'")
    expect(withoutTerminator("SELECT E'\\';' AS e;")).to.equal("SELECT E'\\';' AS e")
    expect(withoutTerminator('SELECT $$;--$$ AS d, $tag$ ; $tag$ AS e;')).to.equal('SELECT $$;--$$ AS d, $tag$ ; $tag$ AS e')
    expect(withoutTerminator('SELECT "a;b" FROM t WHERE x = $min;')).to.equal('SELECT "a;b" FROM t WHERE x = $min')
    expect(withoutTerminator(' ; -- nothing\n')).to.equal('')
    expect(withoutTerminator('')).to.equal('')
  })

  it('finds a word as a keyword or name, case-insensitively, never inside a string, name or comment', () => {
    expect(hasWord('select * from t pivot x on y', 'PIVOT')).to.equal(true)
    expect(hasWord('PIVOT t ON v', 'PIVOT')).to.equal(true)
    for (const sql of [
      "SELECT 'pivot'",
      'SELECT "PIVOT"',
      'SELECT 1 -- pivot',
      'SELECT /* pivot */ 1',
      'SELECT pivots',
      'SELECT unpivot_x',
      '$$pivot$$',
    ])
      expect(hasWord(sql, 'PIVOT'), sql).to.equal(false)
  })
})
