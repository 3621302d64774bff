import Database from 'better-sqlite3'
import {expect} from 'chai'

import {fieldWords, keyedText, wholeValue} from '../../src/search/keyed-words.js'
import {words} from '../../src/search/words.js'

describe('search: words as FTS5 sees them', () => {
  it('splits on anything but letters and digits, folds case and accents', () => {
    expect(words('S-001_rep2.csv')).to.deep.equal(['s', '001', 'rep2', 'csv'])
    expect(words('Müller, Ångström & café')).to.deep.equal(['muller', 'angstrom', 'cafe'])
    expect(words('ng/µL')).to.deep.equal(['ng', 'μl'])
    expect(words('  BCA  Absorbance @ 562(1) ')).to.deep.equal(['bca', 'absorbance', '562', '1'])
    expect(words('---')).to.deep.equal([])
  })

  it('keys a value’s words to its field, and marks where each value starts and ends', () => {
    expect(fieldWords('label.site', 'North Boston')).to.deep.equal(['labelǁsiteǂnorth', 'labelǁsiteǂboston'])
    expect(wholeValue('S-001')).to.equal('ǃsǃ001ǃ')
    expect(wholeValue('Boston')).to.equal('ǃbostonǃ')
    expect(wholeValue('--')).to.equal('')
    expect(wholeValue('a b c d e f g h i j k l m')).to.equal('')
    expect(
      keyedText([
        {fields: ['sample'], value: 'S-001'},
        {fields: ['x'], value: '--'},
        {fields: ['label.site', 'label'], value: 'Boston'},
      ]),
    ).to.equal('ǃsǃ001ǃ sampleǂs sampleǂ001 ǃ ǃbostonǃ labelǁsiteǂboston labelǂboston')
    // A value cannot smuggle in the joining letters.
    expect(fieldWords('user', 'aǂb')).to.deep.equal(['userǂa', 'userǂb'])
  })

  it('makes keyed tokens that FTS5 keeps whole, so a phrase of them stays inside one field', () => {
    const db = new Database(':memory:')
    db.exec("CREATE VIRTUAL TABLE t USING fts5 (k, tokenize = 'unicode61 remove_diacritics 2')")
    db.prepare('INSERT INTO t (rowid, k) VALUES (1, ?)').run(
      keyedText([
        {fields: ['instrument'], value: 'perkin-elmer-envision'},
        {fields: ['project'], value: 'Envision Café'},
        {fields: ['user'], value: 'a b c d e f g h i j k l m'},
        {fields: ['user'], value: 'n o'},
      ]),
    )
    const found = (phrase: string): number =>
      (db.prepare('SELECT count(*) AS n FROM t WHERE t MATCH ?').get(`"${phrase}"`) as {n: number}).n
    expect(found(fieldWords('instrument', 'elmer envision').join(' '))).to.equal(1)
    expect(found(fieldWords('project', 'envision cafe').join(' '))).to.equal(1)
    // The last word of one field and the first of the next are not a phrase of either.
    expect(found(fieldWords('instrument', 'envision envision').join(' '))).to.equal(0)
    expect(found(fieldWords('user', 'm n').join(' '))).to.equal(0)
    expect(found(fieldWords('user', 'l m').join(' '))).to.equal(1)
    expect(found(wholeValue('Envision Café'))).to.equal(1)
    expect(found(wholeValue('Envision'))).to.equal(0)
    db.close()
  })

  it('agrees with the unicode61 tokenizer on lab text', () => {
    const db = new Database(':memory:')
    db.exec(
      "CREATE VIRTUAL TABLE t USING fts5 (a, tokenize = 'unicode61 remove_diacritics 2'); CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance')",
    )
    const text = 'PE_Envision 8/22/2023 10:50:28 AM A1 Müller ng/µL Straße ﬁle Ångström x·y 2024-03-01T09:30:00.000Z CEDEX BIO HT'
    db.prepare('INSERT INTO t (rowid, a) VALUES (1, ?)').run(text)
    const tokens = (db.prepare('SELECT term FROM v ORDER BY offset').all() as {term: string}[]).map((r) => r.term)
    expect(words(text)).to.deep.equal(tokens)
    db.close()
  })
})
