import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {thermoFisherNanodropEight} from '../../src/converters/thermo-fisher-nanodrop-eight.js'
import {INSTRUMENTS, instrumentExports} from '../support/testdata.js'
import {expectRefused} from '../support/converter-errors.js'

type Doc = Record<string, any>

const FAMILY = path.join(INSTRUMENTS, 'thermo_fisher_nanodrop_eight')

function bytesOf(file: string): Buffer {
  return readFileSync(path.join(FAMILY, file))
}

function convert(file: string, bytes = bytesOf(file)): Doc {
  return thermoFisherNanodropEight.convert({name: file, bytes}) as Doc
}

function samples(doc: Doc): Doc[] {
  return doc['spectrophotometry aggregate document']['spectrophotometry document']
}

function measurements(sample: Doc): Doc[] {
  return sample['measurement aggregate document']['measurement document']
}

function atWavelength(sample: Doc, nm: number): Doc {
  return measurements(sample).find(
    (m) => m['device control aggregate document']['device control document'][0]['detector wavelength setting']?.value === nm,
  )!
}

const expectInvalid = (name: string, bytes: Buffer, fragment?: RegExp) => expectRefused(thermoFisherNanodropEight, name, bytes, fragment)

describe('thermo-fisher-nanodrop-eight converter', () => {
  it('reads decimal-comma RNA rows: concentration on A260, ratios as calculated data, extra columns kept', () => {
    const doc = convert('thermo_nanodrop_eight_RNA.txt')
    expect(doc['spectrophotometry aggregate document']['device system document']['equipment serial number']).to.equal('1234')
    const [first] = samples(doc)
    const a260 = atWavelength(first, 260)
    expect(a260.absorbance).to.deep.equal({value: 17.62, unit: 'mAU'})
    expect(a260['mass concentration']).to.deep.equal({value: 704.986, unit: 'ng/µL'})
    expect(a260['sample document']['sample identifier']).to.equal('6a2f673f-a80a-4bfe-b797-6ec1a26d76f4')
    expect(atWavelength(first, 280).absorbance.value).to.equal(8.51)
    const ratios = first['calculated data aggregate document']['calculated data document']
    const ratio = ratios.find((r: Doc) => r['calculated data name'] === 'A260/A280')
    expect(ratio['calculated result']).to.deep.equal({value: 2.07, unit: '(unitless)'})
    const sources = ratio['data source aggregate document']['data source document'].map((s: Doc) => s['data source identifier'])
    expect(sources).to.deep.equal([a260['measurement identifier'], atWavelength(first, 280)['measurement identifier']])
    expect(first['custom information document']['WeirdExtra:']).to.equal('Blah')
    expect(first.analyst).to.equal('GN104564')
  })

  it('keeps a reading written as text as an error of its feature, never as a number', () => {
    const text = bytesOf('thermo_nanodrop_eight_RNA.txt').toString('utf8').replace('\t2,07\t2,19\t17,62\t', '\tN/A\t2,19\tError\t')
    const [first] = samples(convert('text-readings.txt', Buffer.from(text)))
    const a260 = atWavelength(first, 260)
    expect(a260.absorbance).to.equal(undefined)
    expect(a260['mass concentration']).to.deep.equal({value: 704.986, unit: 'ng/µL'})
    expect(a260['error aggregate document']).to.deep.equal({'error document': [{error: 'Error', 'error feature': 'absorbance'}]})
    const ratio = first['calculated data aggregate document']['calculated data document'].find(
      (r: Doc) => r['calculated data name'] === 'A260/A280',
    )
    expect(ratio['calculated result']).to.equal(undefined)
    expect(ratio['error aggregate document']).to.deep.equal({'error document': [{error: 'N/A', 'error feature': 'A260/A280'}]})
  })

  it('keeps the absorption spectrum as a datacube and the pedestal location', () => {
    const doc = convert('thermo_nanodrop_eight_example02.txt')
    expect(samples(doc)).to.have.length(5)
    const first = samples(doc)[0]
    const a260 = atWavelength(first, 260)
    expect(a260.absorbance.value).to.equal(-0.008245813102050192)
    expect(a260['sample document']['location identifier']).to.equal('A')
    const spectrum = measurements(first).find((m) => m['absorption spectrum data cube'])!['absorption spectrum data cube']
    expect(spectrum.data.dimensions[0]).to.have.length(261)
    expect(spectrum.data.dimensions[0][0]).to.equal(220)
    expect(spectrum.data.measures[0][0]).to.equal(0.0159)
    expect(spectrum['cube-structure'].measures[0].unit).to.equal('mAU')
  })

  it('rejects empty, foreign and truncated files, naming the file', async () => {
    await expectInvalid('empty.txt', Buffer.alloc(0), /empty or binary/)
    await expectInvalid('other.txt', Buffer.from('Sample ID\tCell count\nS1\t12\n'), /no sample table header/)
    const bytes = bytesOf('thermo_nanodrop_eight_RNA.txt')
    await expectInvalid('cut.txt', bytes.subarray(0, bytes.indexOf('2,07')), /truncated/)
    await expectInvalid('header-only.txt', bytes.subarray(0, bytes.indexOf('11/09/2023')), /no sample rows/)
  })

  it('claims every NanoDrop Eight export and no other family', () => {
    for (const file of instrumentExports()) {
      const confidence = thermoFisherNanodropEight.detect(file.name, readFileSync(file.path)) as number
      if (file.family === 'thermo_fisher_nanodrop_eight') expect(confidence, file.name).to.be.at.least(0.9)
      else expect(confidence, `${file.family}/${file.name}`).to.be.below(0.5)
    }
  })
})
