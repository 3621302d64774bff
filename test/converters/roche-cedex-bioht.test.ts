import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {rocheCedexBioht} from '../../src/converters/roche-cedex-bioht.js'
import {INSTRUMENTS, instrumentExports} from '../support/testdata.js'
import {expectRefused} from '../support/converter-errors.js'

type Doc = Record<string, any>

const FAMILY = path.join(INSTRUMENTS, 'roche_cedex_bioht')

function bytesOf(file: string): Buffer {
  return readFileSync(path.join(FAMILY, file))
}

function convert(file: string, bytes = bytesOf(file)): Doc {
  return rocheCedexBioht.convert({name: file, bytes}) as Doc
}

function measurementsOf(doc: Doc, sample: string): Doc[] {
  return doc['solution analyzer aggregate document']['solution analyzer document']
    .flatMap((d: Doc) => d['measurement aggregate document']['measurement document'])
    .filter((m: Doc) => m['sample document']['sample identifier'] === sample)
}

function analyte(measurement: Doc, code: string): Doc {
  const found = measurement['analyte aggregate document']['analyte document'].filter((a: Doc) => a['analyte code'] === code)
  expect(found, `analyte ${code}`).to.have.length(1)
  return found[0]
}

const expectInvalid = (name: string, bytes: Buffer, fragment?: RegExp) => expectRefused(rocheCedexBioht, name, bytes, fragment)

describe('roche-cedex-bioht converter', () => {
  it('reads the title record and each sample run with its analytes in ASM units', () => {
    const doc = convert('roche_cedex_bioht_example01.txt')
    const aggregate = doc['solution analyzer aggregate document']
    expect(aggregate['device system document']).to.include({'model number': 'CEDEX BIO HT', 'equipment serial number': '123456'})
    expect(aggregate['data system document']['software version']).to.equal('6.0.0.1905 (1905)')
    const [smpl1] = measurementsOf(doc, 'SMPL1')
    expect(smpl1['measurement time']).to.equal('2023-09-15 16:55:51')
    expect(analyte(smpl1, 'GLN2B')).to.include({'analyte name': 'glutamine'})
    expect(analyte(smpl1, 'GLN2B')['molar concentration']).to.deep.equal({value: 2.45, unit: 'mmol/L'})
    // "mM" is mmol/L.
    expect(analyte(smpl1, 'NH3B')['molar concentration']).to.deep.equal({value: 1.846, unit: 'mmol/L'})
    expect(analyte(smpl1, 'TP2LB')['mass concentration']).to.deep.equal({value: 4.6, unit: 'g/L'})
    expect(analyte(smpl1, 'ODB')['reported result']).to.deep.equal({value: 6.32, unit: 'OD'})
    const ldh = analyte(smpl1, 'LDH2B')
    expect(ldh['reported result']).to.deep.equal({value: 88.09, unit: 'U/L'})
    expect(ldh['molar concentration'].value).to.be.closeTo(1.471103, 1e-9)
    expect(analyte(measurementsOf(doc, 'SMPL4')[0], 'LAC2B')).to.include({flag: 'v'})
  })

  it('keeps results outside the test range as errors with their bounds, never as readings', () => {
    const [smpl2] = measurementsOf(convert('roche_cedex_bioht_example01.txt'), 'SMPL2')
    const lac = analyte(smpl2, 'LAC2B')
    expect(lac).to.not.have.property('mass concentration')
    expect(lac.error).to.equal('< 0.00')
    const tp = smpl2['error aggregate document']['error document'].find((e: Doc) => e.error === '< 40.0')
    expect(tp['error feature']).to.equal('total protein')
    expect(tp['result interval']['upper bound']).to.deep.equal({'mass concentration': {value: 40, unit: 'g/L'}})
  })

  it('converts mg/L to g/L and keeps the reported value', () => {
    const [smpl1] = measurementsOf(convert('roche_cedex_bioht_example_with_mg_L.txt'), 'SMPL1')
    expect(analyte(smpl1, 'TP2LB')['mass concentration'].value).to.be.closeTo(0.0046, 1e-12)
    expect(analyte(smpl1, 'TP2LB')['reported result']).to.deep.equal({value: 4.6, unit: 'mg/L'})
  })

  it('reads the software 5 layout, where the test comes before the sample', () => {
    const [run] = measurementsOf(convert('roche_cedex_bioht_v5_multiple_detection_ranges.txt'), 'SAMPLE_1')
    expect(analyte(run, 'KB')).to.include({'analyte name': 'potassium', flag: 'p'})
    expect(analyte(run, 'KB')['molar concentration']).to.deep.equal({value: 3.63, unit: 'mmol/L'})
    expect(analyte(run, 'NAB')['molar concentration']).to.deep.equal({value: 609.7, unit: 'mmol/L'})
  })

  it('reads dilutions and splits repeated tests of a sample into separate runs', () => {
    const doc = convert('roche_cedex_bioht_v7_dilution_and_replicates.txt')
    const runs = measurementsOf(doc, '10AMB26002BR01')
    expect(runs).to.have.length(2)
    expect(analyte(runs[0], 'IGGHD')['mass concentration']).to.deep.equal({value: 3.933, unit: 'g/L'})
    expect(analyte(runs[1], 'IGGHD')['test dilution factor setting']).to.deep.equal({value: 5, unit: '(unitless)'})
    expect(analyte(runs[1], 'IGGHD')['mass concentration']).to.deep.equal({value: 6.174, unit: 'g/L'})
    // Plate1_1 of example04 is one run of three tests, diluted 1/4.
    const [plate] = measurementsOf(convert('roche_cedex_bioht_example04.txt'), 'Plate1_1')
    expect(plate['sample document']['batch identifier']).to.equal('PEPs_ID391')
    expect(analyte(plate, 'GLC3B')['dilution factor setting']).to.deep.equal({value: 4, unit: '(unitless)'})
  })

  it('refuses empty, title-only, truncated and foreign files, naming them', async () => {
    const full = bytesOf('roche_cedex_bioht_example01.txt')
    await expectInvalid('empty.txt', Buffer.alloc(0), /#ARC-FILE#/)
    await expectInvalid('title-only.txt', full.subarray(0, full.indexOf('\n') + 1), /result records/)
    const secondRow = full.indexOf('\n40', full.indexOf('\n') + 1)
    await expectInvalid('cut.txt', full.subarray(0, secondRow + 30), /truncated/)
    await expectInvalid('other.txt', Buffer.from('Well\tValue\nA1\t3\n'), /#ARC-FILE#/)
  })

  it('detects its exports by content and claims no other family', () => {
    for (const file of instrumentExports()) {
      const confidence = rocheCedexBioht.detect(file.name, readFileSync(file.path)) as number
      if (file.family === 'roche_cedex_bioht') expect(confidence, file.name).to.equal(1)
      else expect(confidence, `${file.family}/${file.name}`).to.be.below(0.5)
    }
  })
})
