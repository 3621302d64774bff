import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {bmgMars} from '../../src/converters/bmg-mars.js'
import {INSTRUMENTS, instrumentExports} from '../support/testdata.js'
import {expectRefused} from '../support/converter-errors.js'

type Doc = Record<string, any>

const FAMILY = path.join(INSTRUMENTS, 'bmg_mars')

function bytesOf(file: string): Buffer {
  return readFileSync(path.join(FAMILY, file))
}

function convert(file: string, bytes = bytesOf(file)): Doc {
  return bmgMars.convert({name: file, bytes}) as Doc
}

function aggregate(doc: Doc): Doc {
  return doc['plate reader aggregate document']
}

function measurementOf(doc: Doc, well: string): Doc {
  const found = aggregate(doc)
    ['plate reader document'].flatMap((d: Doc) => d['measurement aggregate document']['measurement document'])
    .filter((m: Doc) => m['sample document']['location identifier'] === well)
  expect(found, `measurements of ${well}`).to.have.length(1)
  return found[0]
}

function control(measurement: Doc): Doc {
  return measurement['device control aggregate document']['device control document'][0]
}

const expectInvalid = (name: string, bytes: Buffer, fragment?: RegExp) => expectRefused(bmgMars, name, bytes, fragment)

describe('bmg-mars converter', () => {
  it('reads a 384-well fluorescence grid with excitation/emission from the data title', () => {
    const doc = convert('16-02-29 14-34-46 Transcreener ADP2 FI.csv')
    const a1 = measurementOf(doc, 'A1')
    expect(a1.fluorescence).to.deep.equal({value: 25104, unit: 'RFU'})
    expect(a1['sample document']['well plate identifier']).to.equal('black 384w small volume')
    expect(control(a1)['excitation wavelength setting']).to.deep.equal({value: 580, unit: 'nm'})
    expect(control(a1)['detector wavelength setting']).to.deep.equal({value: 620, unit: 'nm'})
    expect(measurementOf(doc, 'P12').fluorescence.value).to.equal(62)
    const plate = aggregate(doc)['plate reader document'][0]['measurement aggregate document']
    expect(plate['plate well count']).to.deep.equal({value: 384, unit: '#'})
    expect(plate['measurement time']).to.equal('29/02/2016 14:34:46')
    expect(aggregate(doc)['device system document']['model number']).to.equal('PHERAstar')
  })

  it('reads absorbance with a single wavelength and skips wells left empty', () => {
    const doc = convert('16-03-03 16-54-03 472 ABS 384 QC.csv')
    const c1 = measurementOf(doc, 'C1')
    expect(c1.absorbance).to.deep.equal({value: 2.368, unit: 'mAU'})
    expect(control(c1)['detector wavelength setting']).to.deep.equal({value: 484, unit: 'nm'})
    expect(aggregate(doc)['plate reader document']).to.have.length(99)
  })

  it('names 1536-well rows after Z ("a".."f") AA..AF and counts the plate as 1536 wells', () => {
    const doc = convert('24-10-16 15-09-52 Luminescence 1536.csv')
    expect(measurementOf(doc, 'AE1').luminescence).to.deep.equal({value: 36809, unit: 'RLU'})
    expect(measurementOf(doc, 'Y48').luminescence.value).to.equal(53634)
    expect(control(measurementOf(doc, 'A1'))['detector wavelength setting']).to.equal(undefined)
    const plate = aggregate(doc)['plate reader document'][0]['measurement aggregate document']
    expect(plate['plate well count']).to.deep.equal({value: 1536, unit: '#'})
  })

  it('takes the wavelength from "Raw Data (450 1)"', () => {
    const doc = convert('BMG Labtech format.CSV')
    const h12 = measurementOf(doc, 'H12')
    expect(h12.absorbance).to.deep.equal({value: 0.207, unit: 'mAU'})
    expect(control(h12)['detector wavelength setting']).to.deep.equal({value: 450, unit: 'nm'})
  })

  it('keeps overflow readings as errors, never as numbers', () => {
    const text = bytesOf('BMG Labtech format.CSV').toString('latin1').replace('A,0.073,', 'A,OVRFLW,')
    const a1 = measurementOf(convert('overflow.csv', Buffer.from(text, 'latin1')), 'A1')
    expect(a1.absorbance).to.equal(undefined)
    expect(a1['error aggregate document']).to.deep.equal({'error document': [{error: 'OVRFLW', 'error feature': 'absorbance'}]})
  })

  it('rejects empty, binary and truncated files, naming the file', async () => {
    await expectInvalid('empty.csv', Buffer.alloc(0), /empty or binary/)
    await expectInvalid('binary.csv', Buffer.from([0, 1, 2, 3, 0, 0, 7]), /empty or binary/)
    const bytes = bytesOf('16-03-03 16-54-03 472 ABS 384 QC.csv')
    await expectInvalid('header-only.csv', bytes.subarray(0, bytes.indexOf('Raw Data')), /no plate grid/)
    await expectInvalid('cut.csv', bytes.subarray(0, bytes.indexOf('0.069')), /truncated/)
  })

  it('claims every BMG MARS export and no other family', () => {
    for (const file of instrumentExports()) {
      const confidence = bmgMars.detect(file.name, readFileSync(file.path)) as number
      if (file.family === 'bmg_mars') expect(confidence, file.name).to.be.at.least(0.9)
      else expect(confidence, `${file.family}/${file.name}`).to.be.below(0.5)
    }
  })
})
