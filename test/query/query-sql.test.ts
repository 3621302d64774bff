import {expect} from 'chai'

import {leadingToken, withoutTerminator} from '../../src/backends/local/query-sql.js'

describe('SQL text around a parsed statement', () => {
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
  })

  it('drops semicolons, comments and whitespace after the statement, and nothing inside it', () => {
    expect(withoutTerminator('SELECT 1;')).to.equal('SELECT 1')
    expect(withoutTerminator('SELECT 1 ; ;  -- done\n /* bye */\n')).to.equal('SELECT 1')
    expect(withoutTerminator("SELECT ';' AS s, '--' AS t")).to.equal("SELECT ';' AS s, '--' AS t")
    expect(withoutTerminator("SELECT 'it''s;' -- x;")).to.equal("SELECT 'it''s;'")
    expect(withoutTerminator("SELECT E'\\';' AS e;")).to.equal("SELECT E'\\';' AS e")
    expect(withoutTerminator('SELECT $$;--$$ AS d, $tag$ ; $tag$ AS e;')).to.equal('SELECT $$;--$$ AS d, $tag$ ; $tag$ AS e')
    expect(withoutTerminator('SELECT "a;b" FROM t WHERE x = $min;')).to.equal('SELECT "a;b" FROM t WHERE x = $min')
  })
})
