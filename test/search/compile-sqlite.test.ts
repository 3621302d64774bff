import {expect} from 'chai'

import {compileSqlite, ftsString} from '../../src/search/compile-sqlite.js'
import {parseQuery} from '../../src/search/parser.js'

const compile = (query: string) => compileSqlite(parseQuery(query)!)
/** A free word as compiled: every column people read, not the keyed tokens. */
const free = (text: string, prefix = false): string => `-{field_keys label_keys} : ${ftsString(text, prefix)}`

describe('search: compiling to SQLite FTS5', () => {
  it('writes every term as an FTS5 string, quotes doubled, so nothing in it is FTS5 syntax', () => {
    expect(ftsString('plate reader')).to.equal('"plate reader"')
    expect(ftsString('a"b')).to.equal('"a""b"')
    expect(ftsString('abs', true)).to.equal('"abs" *')
    expect(compile('NEAR(a b)').driver).to.equal(`(${free('NEAR')} AND ${free('a')} AND ${free('b')})`)
    expect(compile('"{name} : x" "^y" "z*"').driver).to.equal(`(${free('{name} : x')} AND ${free('^y')} AND ${free('z*')})`)
  })

  it('never puts user text in the SQL: values are bound parameters', () => {
    const hostile = [
      `x'; DROP TABLE files; --`,
      `sample:"S' OR '1'='1"`,
      `label.site:"boston\\" OR 1=1"`,
      `name:"a' UNION SELECT * FROM labels --"`,
      `category:RAW' OR 1=1`,
      `id:3f'--`,
      `metadata.x:";DELETE FROM files"`,
      `x' size<1`,
    ]
    for (const query of hostile) {
      const {where, params} = compile(query)
      expect(where, query).not.to.match(/DROP|UNION|DELETE|1=1|'--|OR '1/)
      expect((where.match(/\?/g) ?? []).length, query).to.equal(params.length)
    }
  })

  it('starts from one MATCH when FTS5 answers the whole query, excluded words subtracted inside it', () => {
    const compiled = compile('(glucose OR lactate) "cell count" -failed')
    expect(compiled.driver).to.equal(`((${free('glucose')} OR ${free('lactate')}) AND ${free('cell count')}) NOT (${free('failed')})`)
    expect(compiled).to.deep.include({where: '1', params: [], usesFiles: false, rankInDriver: true})
  })

  it('looks for name: and path: words in their own column', () => {
    expect(compile('name:envision path:plates').driver).to.equal('({name} : "envision" AND {path} : "plates")')
  })

  it('finds field values as keyed tokens, so the phrase is in that field and no other', () => {
    expect(compile('sample:S-001 label.site:"North Boston" label:x*').driver).to.equal(
      '({field_keys} : "sampleǂs sampleǂ001" AND {label_keys} : "labelǁsiteǂnorth labelǁsiteǂboston" AND {label_keys} : "labelǂx" *)',
    )
    expect(compile('metadata.name:plate converter_version:1.0').driver).to.equal(
      '({field_keys} : "nameǂplate" AND {field_keys} : "converterǁversionǂ1 converterǁversionǂ0")',
    )
  })

  it('starts from the words of a top-level AND and compares file columns and metadata in SQL; binds each value', () => {
    const compiled = compile('sample:S-001 label.site:boston size<1MB -category:RAW time>=2024-01-01')
    expect(compiled.driver).to.equal('({field_keys} : "sampleǂs sampleǂ001" AND {label_keys} : "labelǁsiteǂboston")')
    expect(compiled.where).to.equal(
      "e.size < ? AND NOT e.category LIKE ? ESCAPE '\\' AND e.doc IN (SELECT doc FROM search_values WHERE field = ? AND time >= ?)",
    )
    expect(compiled.params).to.deep.equal([1e6, 'RAW', 'time', Date.parse('2024-01-01T00:00:00Z')])
    expect(compiled.usesFiles).to.equal(false)
  })

  it('groups what FTS5 answers inside OR and NOT into one MATCH each, and joins files only for their own columns', () => {
    const compiled = compile('status:failed OR (glucose lactate size<1) OR name:x')
    expect(compiled.driver).to.equal(null)
    expect(compiled.where).to.equal(
      "(e.doc IN (SELECT rowid FROM search_text WHERE search_text MATCH ?) OR f.status LIKE ? ESCAPE '\\' OR (e.doc IN (SELECT rowid FROM search_text WHERE search_text MATCH ?) AND e.size < ?))",
    )
    expect(compiled.params).to.deep.equal(['{name} : "x"', 'failed', `(${free('glucose')} AND ${free('lactate')})`, 1])
    expect(compiled).to.deep.include({usesFiles: true, rankInDriver: false, rankCoversHits: false})
  })

  it('ranks by the wanted free words only, highlights every wanted term where people read it, and looks for whole values', () => {
    const compiled = compile('S-001 OR instrument:envision label.site:bos* -glucose')
    expect(compiled.rank).to.equal(free('S-001'))
    expect(compiled.rankCoversHits).to.equal(false)
    expect(compiled.highlight).to.equal(`${free('S-001')} OR {fields} : "envision" OR {labels} : "bos" *`)
    expect(compiled.exact).to.equal('{field_keys label_keys} : "ǃsǃ001ǃ" OR {field_keys label_keys} : "ǃenvisionǃ"')
    expect(compile('glucose label:x').rankCoversHits).to.equal(true)
    // A prefix selects without scoring: it stands for too many words.
    expect(compile('gluc* label:x').rank).to.equal(null)
    expect(compile('glucose gluc*')).to.deep.include({rank: free('glucose'), rankInDriver: false})
    expect(compile('glucose label:x*')).to.deep.include({rank: free('glucose'), rankInDriver: true})
    expect(compile('size<1MB').rank).to.equal(null)
    expect(compile('size<1MB').exact).to.equal(null)
  })

  it('compares file times as ISO text and metadata times as epoch milliseconds', () => {
    expect(compile('ingested>=2024-03').params).to.deep.equal(['2024-03-01T00:00:00.000Z'])
    expect(compile('time:2024-03-01').params).to.deep.equal([
      'time',
      Date.parse('2024-03-01T00:00:00Z'),
      Date.parse('2024-03-02T00:00:00Z'),
    ])
  })

  it('escapes LIKE wildcards in keyword values and turns ids into an indexed range', () => {
    expect(compile('status:fail_d').params).to.deep.equal(['fail\\_d'])
    expect(compile('status:fail*').params).to.deep.equal(['fail%'])
    expect(compile('id:3F2A').params).to.deep.equal(['3f2a', '3f2a\uffff'])
  })
})
