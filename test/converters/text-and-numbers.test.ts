import {expect} from 'chai'

import {scoreDocument, unitKey} from '../../src/converters/accuracy.js'
import {parseNumber} from '../../src/converters/numbers.js'
import {delimitedRows} from '../../src/converters/table-rows.js'
import {decodeText, looksBinary} from '../../src/converters/text.js'

describe('parseNumber', () => {
  it('reads the ways instruments write numbers', () => {
    expect(parseNumber('1,234.5')).to.equal(1234.5)
    expect(parseNumber('1.234,5')).to.equal(1234.5)
    expect(parseNumber('12,5')).to.equal(12.5)
    expect(parseNumber('704,986')).to.equal(704986)
    expect(parseNumber(' "3.2E-04" ')).to.equal(0.00032)
    expect(parseNumber('-.5')).to.equal(-0.5)
    expect(parseNumber('1 234,5')).to.equal(1234.5)
  })

  it('refuses what is not a whole number token', () => {
    for (const s of ['OVRFLW', 'N/A', '12 cells', '', '1.2.3,4,5', '--1']) expect(parseNumber(s), s).to.equal(undefined)
  })
})

describe('decodeText', () => {
  it('decodes UTF-8 with BOM, UTF-16 LE/BE with or without BOM, and CP1252, normalising line ends', () => {
    expect(decodeText(Buffer.from('\ufeffa\r\nb\rc\n', 'utf8'))).to.equal('a\nb\nc\n')
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ng/µL\r\n', 'utf16le')]))).to.equal('ng/µL\n')
    expect(decodeText(Buffer.from('Sample,Value\r\nA1,1.5\r\n', 'utf16le'))).to.equal('Sample,Value\nA1,1.5\n')
    const be = Buffer.from('AB', 'utf16le').swap16()
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).to.equal('AB')
    expect(decodeText(Buffer.from([0x35, 0x20, 0xb5, 0x4c]))).to.equal('5 µL')
  })

  it('tells binary from text in any of those encodings', () => {
    expect(looksBinary(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]))).to.equal(true)
    expect(looksBinary(Buffer.from('Well,Value\nA1,2\n', 'utf16le'))).to.equal(false)
    expect(looksBinary(Buffer.from('Well,Value\nA1,2\n'))).to.equal(false)
  })
})

describe('scoreDocument', () => {
  const expected = {
    family: 'x',
    file: 'f',
    distinctValues: [1.5, 2],
    quantities: [[1.5, 'µg/mL']] as [number, string][],
    wellValues: [
      ['A1', 1.5],
      ['B2', 2],
    ] as [string, number][],
  }

  it('finds values, quantities with normalised units, and values in single-well objects', () => {
    const document = {
      measurements: [
        {well: 'A1', reading: {value: 1.5, unit: 'ug/ml'}},
        {well: 'B2', reading: {value: 2.0000001, unit: 'RFU'}},
      ],
    }
    const score = scoreDocument(document, expected)
    expect(score).to.include({values: 1, quantities: 1, wells: 1, score: 1})
    expect(unitKey('(unitless)')).to.equal('')
  })

  it('does not credit a value in an object naming two wells, nor a number written as a string', () => {
    const document = {plate: {wells: ['A1', 'B2'], values: [1.5, 2]}, text: '1.5'}
    const score = scoreDocument(document, expected)
    expect(score.wells).to.equal(0)
    expect(score.quantities).to.equal(0)
    expect(scoreDocument({v: '1.5'}, expected).values).to.equal(0)
  })
})

describe('delimitedRows', () => {
  it('joins the lines of a quoted cell, and keeps a stray quote with every line after it', () => {
    const text = 'Well,"Plate\nPosition",Value\nA1,1,2\nA2 7",3,4\nA3,5,6\nA4,7,8'
    const {rows} = delimitedRows(Buffer.from(text))
    expect(rows.map((row) => row.length)).to.deep.equal([3, 3, 7])
    expect(rows[0][1]).to.equal('Plate\nPosition')
    expect(rows[2].at(-1)).to.equal('8')
  })
})
