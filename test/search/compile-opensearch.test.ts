import {expect} from 'chai'

import {compileOpenSearch, type Dsl, indexTokens, MAX_TOKEN_LENGTH} from '../../src/search/compile-opensearch.js'
import {parseQuery} from '../../src/search/parser.js'

/**
 * The OpenSearch DSL of every operator, exact, with no server: pure compilation of the shared
 * parser's tree (nothing mocked). What the DSL means on a real index is the contract of the
 * OpenSearch query reference; the documents it runs on are built by index-document.ts from the
 * same word functions (checked at the end).
 */
const selection = (query: string, scope = {}): Dsl => {
  const {bool} = compileOpenSearch(parseQuery(query), scope).query as {bool: {filter: Dsl[]}}
  return bool.filter.at(-1)!
}
const should = (query: string): Dsl[] | undefined => (compileOpenSearch(parseQuery(query)).query as {bool: {should?: Dsl[]}}).bool.should

const FREE_FIELDS = ['name^4', 'path^1.5', 'fields^8', 'labels^6', 'content']
const free = (query: string): Dsl => ({multi_match: {query, type: 'phrase', fields: FREE_FIELDS, tie_breaker: 1}})
const exactBoost = (...tokens: string[]): Dsl => ({
  constant_score: {filter: {bool: {should: tokens.flatMap((t) => [{term: {field_keys: t}}, {term: {label_keys: t}}])}}, boost: 10},
})

describe('OpenSearch query DSL (compile-opensearch.ts)', () => {
  it('words and phrases: a phrase within one field people read, case and accents folded by labmesh', () => {
    expect(selection('Glucose')).to.deep.equal(free('glucose'))
    expect(selection('"Optical Densité"')).to.deep.equal(free('optical densite'))
    // 1.5 splits as the local index splits it: two words side by side.
    expect(selection('"od 1.5"')).to.deep.equal(free('od 1 5'))
  })

  it('prefixes: prefix queries, never match_phrase_prefix (which stops at 50 words)', () => {
    expect(selection('abs*')).to.deep.equal({
      bool: {
        should: ['name', 'path', 'fields', 'labels', 'content'].map((f) => ({prefix: {[f]: {value: 'abs'}}})),
        minimum_should_match: 1,
      },
    })
    expect(selection('name:"plate re"*')).to.deep.equal({
      span_near: {clauses: [{span_term: {name: 'plate'}}, {span_multi: {match: {prefix: {name: {value: 're'}}}}}], slop: 0, in_order: true},
    })
  })

  it('name: and path: look in their field only', () => {
    expect(selection('name:plate')).to.deep.equal({match_phrase: {name: {query: 'plate'}}})
    expect(selection('path:"alpha/envision"')).to.deep.equal({match_phrase: {path: {query: 'alpha envision'}}})
  })

  it('metadata and label fields: keyed tokens, so a value is found in its field only', () => {
    expect(selection('instrument:EnVision')).to.deep.equal({match_phrase: {field_keys: {query: 'instrumentǂenvision'}}})
    expect(selection('sample:S-001')).to.deep.equal({match_phrase: {field_keys: {query: 'sampleǂs sampleǂ001'}}})
    expect(selection('metadata.name:x')).to.deep.equal({match_phrase: {field_keys: {query: 'nameǂx'}}})
    expect(selection('label:boston')).to.deep.equal({match_phrase: {label_keys: {query: 'labelǂboston'}}})
    expect(selection('label.site:bos*')).to.deep.equal({prefix: {label_keys: {value: 'labelǁsiteǂbos'}}})
  })

  it('category and status: keywords, case-insensitive, with prefixes', () => {
    expect(selection('category:raw')).to.deep.equal({term: {category: {value: 'raw', case_insensitive: true}}})
    expect(selection('status:FAIL*')).to.deep.equal({prefix: {status: {value: 'FAIL', case_insensitive: true}}})
  })

  it('id and trace: lower-case prefixes', () => {
    expect(selection('id:3F2A')).to.deep.equal({prefix: {file_id: {value: '3f2a'}}})
    expect(selection('trace:9b1c')).to.deep.equal({prefix: {trace_id: {value: '9b1c'}}})
  })

  it('comparisons: ranges on file fields and on nested metadata values', () => {
    expect(selection('size<1MB')).to.deep.equal({range: {size: {lt: 1_000_000}}})
    expect(selection('version>=2')).to.deep.equal({range: {version: {gte: 2}}})
    expect(selection('ingested:2024-03')).to.deep.equal({
      range: {ingested_at: {gte: Date.UTC(2024, 2, 1), lt: Date.UTC(2024, 3, 1), format: 'epoch_millis'}},
    })
    expect(selection('plates>3')).to.deep.equal({
      nested: {path: 'values', query: {bool: {filter: [{term: {'values.field': 'plates'}}, {range: {'values.number': {gt: 3}}}]}}},
    })
    expect(selection('time<=2024-03-05')).to.deep.equal({
      nested: {
        path: 'values',
        query: {
          bool: {filter: [{term: {'values.field': 'time'}}, {range: {'values.time': {lt: Date.UTC(2024, 2, 6), format: 'epoch_millis'}}}]},
        },
      },
    })
  })

  it('AND, OR, NOT, - and groups: bool filter, should with one required, must_not', () => {
    expect(selection('glucose -status:failed')).to.deep.equal({
      bool: {filter: [free('glucose'), {bool: {must_not: [{term: {status: {value: 'failed', case_insensitive: true}}}]}}]},
    })
    expect(selection('(envision OR size>1KB) NOT label:boston')).to.deep.equal({
      bool: {
        filter: [
          {bool: {should: [free('envision'), {range: {size: {gt: 1000}}}], minimum_should_match: 1}},
          {bool: {must_not: [{match_phrase: {label_keys: {query: 'labelǂboston'}}}]}},
        ],
      },
    })
  })

  it('a term with no word (the parser refuses one; a tree built otherwise may hold it) matches nothing, as locally', () => {
    const node = {type: 'text', field: 'name', text: '---', prefix: false, position: 0} as const
    expect((compileOpenSearch(node).query as {bool: {filter: Dsl[]}}).bool.filter[1]).to.deep.equal({match_none: {}})
  })

  it('scope: latest versions unless all, a category; an empty query matches all in scope', () => {
    expect(compileOpenSearch(null).query).to.deep.equal({bool: {filter: [{term: {latest: true}}]}})
    expect(compileOpenSearch(null, {allVersions: true, category: 'RAW'}).query).to.deep.equal({bool: {filter: [{term: {category: 'RAW'}}]}})
    expect(compileOpenSearch(null, {allVersions: true}).query).to.deep.equal({bool: {filter: [{match_all: {}}]}})
  })

  it('ranking: scored words beside the filter, the exact-value boost; field values and prefixes never score', () => {
    expect(should('glucose name:plate')).to.deep.equal([free('glucose'), {match_phrase: {name: {query: 'plate'}}}, exactBoost('ǃglucoseǃ')])
    expect(should('instrument:envision')).to.deep.equal([exactBoost('ǃenvisionǃ')])
    expect(should('abs* category:raw')).to.equal(undefined)
    // Words under a NOT neither score nor boost.
    expect(should('-glucose')).to.equal(undefined)
  })

  it('snippets: every wanted term, field values where fields and labels show them', () => {
    expect(compileOpenSearch(parseQuery('glucose label.site:boston -lactate')).highlight).to.deep.equal({
      bool: {should: [free('glucose'), {match_phrase: {labels: {query: 'boston'}}}]},
    })
    expect(compileOpenSearch(parseQuery('size>1')).highlight).to.equal(null)
  })

  it('user text is only ever tokens: query syntax in a term reaches OpenSearch as words', () => {
    expect(selection('"a OR b AND c:*"')).to.deep.equal(free('a or b and c'))
    expect(selection('name:"}{\\"query\\""')).to.deep.equal({match_phrase: {name: {query: 'query'}}})
  })

  it('cuts long tokens as the index tokenizer would keep them, on both sides', () => {
    const long = 'a'.repeat(MAX_TOKEN_LENGTH * 2 + 3)
    expect(indexTokens([long]).map((t) => t.length)).to.deep.equal([MAX_TOKEN_LENGTH, MAX_TOKEN_LENGTH, 3])
    expect(selection(long)).to.deep.equal(free(indexTokens([long]).join(' ')))
  })
})
