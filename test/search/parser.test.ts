import {expect} from 'chai'

import {LabmeshError} from '../../src/errors.js'
import type {SearchNode} from '../../src/search/ast.js'
import {tokenize} from '../../src/search/lexer.js'
import {MAX_DEPTH, MAX_TERMS, parseQuery} from '../../src/search/parser.js'
import {SearchSyntaxError} from '../../src/search/syntax-error.js'

/** A tree without positions, for compact expectations. */
function shape(node: SearchNode | null): unknown {
  if (node === null) return null
  switch (node.type) {
    case 'and':
    case 'or':
      return {[node.type]: node.children.map(shape)}
    case 'not':
      return {not: shape(node.child)}
    case 'text':
      return `${node.field === null ? '' : node.field + ':'}${node.text}${node.prefix ? '*' : ''}`
    case 'range':
      return {range: node.field, kind: node.kind, min: node.min, max: node.max}
  }
}

const parse = (query: string): unknown => shape(parseQuery(query))

function syntaxError(query: string): SearchSyntaxError {
  try {
    parseQuery(query)
  } catch (error) {
    expect(error).to.be.instanceOf(SearchSyntaxError)
    return error as SearchSyntaxError
  }
  throw new Error(`"${query}" parsed, but should not`)
}

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`)

describe('search query syntax', () => {
  describe('tokens', () => {
    it('splits words, phrases, fields, operators and parentheses, with positions', () => {
      expect(tokenize('(a OR "b c") -sample:S-001 abs*')).to.deep.equal([
        {kind: '(', position: 0},
        {kind: 'text', text: 'a', quoted: false, prefix: false, position: 1},
        {kind: 'OR', position: 3},
        {kind: 'text', text: 'b c', quoted: true, prefix: false, position: 6},
        {kind: ')', position: 11},
        {kind: 'NOT', position: 13},
        {kind: 'field', name: 'sample', operator: ':', position: 14},
        {kind: 'text', text: 'S-001', quoted: false, prefix: false, position: 21},
        {kind: 'text', text: 'abs', quoted: false, prefix: true, position: 27},
      ])
    })

    it('reads escapes inside phrases and keeps a field value whole, colons and all', () => {
      expect(tokenize('"say \\"hi\\" \\\\ ok"')[0]).to.include({text: 'say "hi" \\ ok'})
      expect(tokenize('path:C:\\data\\run1')[1]).to.include({text: 'C:\\data\\run1'})
      expect(tokenize('time>=2024-01-01T10:00:00Z')[0]).to.include({name: 'time', operator: '>='})
    })

    it('treats lower-case or/and/not as words, and a dash inside or alone as part of a word', () => {
      expect(tokenize('or and not').map((t) => t.kind)).to.deep.equal(['text', 'text', 'text'])
      expect(tokenize('S-001 - --x').map((t) => (t.kind === 'text' ? t.text : t.kind))).to.deep.equal(['S-001', '-', '--x'])
    })
  })

  describe('trees', () => {
    it('returns null for a blank query: every file matches', () => {
      expect(parseQuery('')).to.equal(null)
      expect(parseQuery('   ')).to.equal(null)
    })

    it('joins terms side by side with AND; explicit AND means the same', () => {
      expect(parse('glucose "plate reader"')).to.deep.equal({and: ['glucose', 'plate reader']})
      expect(parse('glucose AND "plate reader"')).to.deep.equal(parse('glucose "plate reader"'))
    })

    it('binds AND tighter than OR, and parentheses override it', () => {
      expect(parse('a b OR c')).to.deep.equal({or: [{and: ['a', 'b']}, 'c']})
      expect(parse('a (b OR c)')).to.deep.equal({and: ['a', {or: ['b', 'c']}]})
      expect(parse('a OR b OR c')).to.deep.equal({or: ['a', 'b', 'c']})
    })

    it('negates with - and NOT, on terms, fields and groups', () => {
      expect(parse('a -b')).to.deep.equal({and: ['a', {not: 'b'}]})
      expect(parse('a NOT b')).to.deep.equal(parse('a -b'))
      expect(parse('-label.site:boston')).to.deep.equal({not: 'label.site:boston'})
      expect(parse('-(a OR b)')).to.deep.equal({not: {or: ['a', 'b']}})
      expect(parse('--x')).to.equal('--x')
    })

    it('makes prefixes of words, phrases and field values', () => {
      expect(parse('abs*')).to.equal('abs*')
      expect(parse('"plate rea"*')).to.equal('plate rea*')
      expect(parse('project:alp*')).to.equal('project:alp*')
    })

    it('lower-cases field names; a quoted value is a phrase', () => {
      expect(parse('Sample:S-001 LABEL.Site:Boston')).to.deep.equal({and: ['sample:S-001', 'label.site:Boston']})
      expect(parse('sample:"S 001"')).to.equal('sample:S 001')
    })

    it('turns comparisons into bounds: numbers, sizes with units, times at their precision', () => {
      expect(parse('size<1MB')).to.deep.equal({range: 'size', kind: 'number', min: undefined, max: {value: 1e6, inclusive: false}})
      expect(parse('size>=2KiB')).to.deep.equal({range: 'size', kind: 'number', min: {value: 2048, inclusive: true}, max: undefined})
      expect(parse('version:2')).to.deep.equal({
        range: 'version',
        kind: 'number',
        min: {value: 2, inclusive: true},
        max: {value: 2, inclusive: true},
      })
      expect(parse('time>=2024-01-01')).to.deep.equal({
        range: 'time',
        kind: 'time',
        min: {value: day('2024-01-01'), inclusive: true},
        max: undefined,
      })
      // A day is a span: <= and > include or skip the whole day.
      expect(parse('time<=2024-01-31')).to.deep.equal({
        range: 'time',
        kind: 'time',
        min: undefined,
        max: {value: day('2024-02-01'), inclusive: false},
      })
      expect(parse('ingested>2024-01-31')).to.deep.equal({
        range: 'ingested',
        kind: 'time',
        min: {value: day('2024-02-01'), inclusive: true},
        max: undefined,
      })
      expect(parse('time:2024-03')).to.deep.equal({
        range: 'time',
        kind: 'time',
        min: {value: day('2024-03-01'), inclusive: true},
        max: {value: day('2024-04-01'), inclusive: false},
      })
      expect(parse('time:2024')).to.deep.equal({
        range: 'time',
        kind: 'time',
        min: {value: day('2024-01-01'), inclusive: true},
        max: {value: day('2025-01-01'), inclusive: false},
      })
    })

    it('joins the comparisons an AND makes on one field into one range, the tighter bound winning', () => {
      expect(parse('time>=2024-01-01 glucose time<2024-04')).to.deep.equal({
        and: [
          {
            range: 'time',
            kind: 'time',
            min: {value: day('2024-01-01'), inclusive: true},
            max: {value: day('2024-04-01'), inclusive: false},
          },
          'glucose',
        ],
      })
      expect(parse('size>1KB size>=2KB size<=5KB size<5KB')).to.deep.equal({
        range: 'size',
        kind: 'number',
        min: {value: 2000, inclusive: true},
        max: {value: 5000, inclusive: false},
      })
      expect(parse('size>1KB OR size<5')).to.deep.equal({
        or: [
          {range: 'size', kind: 'number', min: {value: 1000, inclusive: false}, max: undefined},
          {range: 'size', kind: 'number', min: undefined, max: {value: 5, inclusive: false}},
        ],
      })
    })

    it('compares other metadata as a date when it reads as one, else as a number; `:` on them matches words', () => {
      expect(parse('date>=2024-03-01')).to.deep.include({kind: 'time'})
      expect(parse('temperature>37.5')).to.deep.include({kind: 'number', min: {value: 37.5, inclusive: false}})
      expect(parse('date:2024-03-01')).to.equal('date:2024-03-01')
    })

    it('leaves out words without letters or digits, as an analyzer would', () => {
      expect(parse('glucose + - &')).to.equal('glucose')
      expect(parse('a OR (+)')).to.equal('a')
    })
  })

  describe('errors', () => {
    const cases: [string, number, RegExp][] = [
      ['sample: S-001', 8, /needs a value right after it/],
      ['(a OR b', 1, /never closed/],
      ['a OR b)', 7, /no "\(" before it/],
      ['"unterminated', 1, /quote is never closed/],
      ['OR a', 1, /needs a term on each side/],
      ['a OR', 5, /ends where a term is expected/],
      ['a ()', 3, /empty parentheses/],
      ['*', 1, /must end a word/],
      ['size<big', 6, /not a size/],
      ['time>=yesterday', 7, /not a date or time/],
      ['time:2024-02-30', 6, /not a date or time/],
      ['category>RAW', 1, /cannot be compared/],
      ['instrument:(a OR b)', 12, /takes one value/],
      ['+ -', 1, /nothing to search for/],
      ['sample:+', 8, /needs a value with letters or digits/],
      ['size<5*', 6, /does not apply to a comparison/],
    ]
    for (const [query, position, problem] of cases) {
      it(`${JSON.stringify(query)}: position ${position}`, () => {
        const error = syntaxError(query)
        expect(error.code).to.equal('INVALID_INPUT')
        expect(error).to.be.instanceOf(LabmeshError)
        expect(error.position).to.equal(position)
        expect(error.message).to.match(problem)
        // The caret sits under the position, below the query.
        const [, shown, caret] = error.message.split('\n')
        expect(shown).to.equal(`  ${query}`)
        expect(caret).to.equal(`  ${' '.repeat(position - 1)}^`)
        expect(error.toJSON()).to.include({code: 'INVALID_INPUT', position})
      })
    }
  })

  describe('limits that keep hostile queries from exhausting the parser or the engines', () => {
    it('refuses groups and NOTs nested too deep, at the first one too many', () => {
      const parens = syntaxError(`${'('.repeat(3000)}a${')'.repeat(3000)}`)
      expect(parens.position).to.equal(MAX_DEPTH + 1)
      expect(parens.message).to.include(`at most ${MAX_DEPTH} deep`)
      expect(syntaxError(`${'NOT '.repeat(5000)}a`).message).to.include('deep')
      expect(shape(parseQuery(`${'('.repeat(MAX_DEPTH)}a${')'.repeat(MAX_DEPTH)}`))).to.equal('a')
    })

    it('refuses a query with too many terms, showing only the part around the spot', () => {
      const error = syntaxError(Array.from({length: 10_000}, () => 'NOT a*').join(' '))
      expect(error.message).to.include(`at most ${MAX_TERMS} terms; this one has 10000`)
      expect(error.message.length).to.be.lessThan(400)
      const [, shown, caret] = error.message.split('\n')
      expect(shown.slice(caret.indexOf('^'))).to.match(/^a\*/)
      expect(parseQuery(Array.from({length: MAX_TERMS}, (_, i) => `NOT w${i}*`).join(' '))).to.not.equal(null)
    })
  })
})
