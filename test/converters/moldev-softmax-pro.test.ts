import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {moldevSoftmaxPro} from '../../src/converters/moldev-softmax-pro/index.js'
import {decodeText} from '../../src/converters/text.js'
import {INSTRUMENTS, instrumentExports} from '../support/testdata.js'
import {expectRefused} from '../support/converter-errors.js'

type Doc = Record<string, any>

const FAMILY = path.join(INSTRUMENTS, 'moldev_softmax_pro')

function convert(file: string): Doc {
  return moldevSoftmaxPro.convert({name: file, bytes: readFileSync(path.join(FAMILY, file))}) as Doc
}

function aggregate(doc: Doc): Doc {
  return doc['plate reader aggregate document']
}

/** Every measurement document of a plate well. */
function measurementsOf(doc: Doc, plate: string, well: string): Doc[] {
  return aggregate(doc)
    ['plate reader document'].flatMap((d: Doc) => d['measurement aggregate document']['measurement document'])
    .filter((m: Doc) => m['sample document']['well plate identifier'] === plate && m['sample document']['location identifier'] === well)
}

function calculated(doc: Doc): Doc[] {
  return aggregate(doc)['calculated data aggregate document']['calculated data document']
}

const expectInvalid = (name: string, bytes: Buffer, fragment?: RegExp) => expectRefused(moldevSoftmaxPro, name, bytes, fragment)

describe('moldev-softmax-pro converter', () => {
  it('reads a UTF-16 TimeFormat endpoint export with two plates and links group samples to wells', () => {
    const doc = convert('MD_SMP_absorbance_endpoint_example02.txt')
    expect(doc['$asm.manifest']).to.match(/plate-reader/)
    const [plate1] = measurementsOf(doc, 'Plate01', 'A1')
    expect(plate1.absorbance).to.deep.equal({value: 3.41797666666667, unit: 'mAU'})
    expect(plate1['sample document']['sample identifier']).to.equal('01')
    expect(plate1['device control aggregate document']['device control document'][0]['detector wavelength setting']).to.deep.equal({
      value: 450,
      unit: 'nm',
    })
    const [plate2] = measurementsOf(doc, 'Plate02', 'H12')
    expect(plate2.absorbance.value).to.equal(1.79018796133333)
    // AvgOD is written once per sample and averages the sample's six wells over both plates.
    const avg = calculated(doc).find((c) => c['calculated data name'] === 'AvgOD' && c['sample document']?.['sample identifier'] === '01')!
    expect(avg['calculated result']).to.deep.equal({value: 3.409, unit: '(unitless)'})
    expect(avg['custom information document']).to.deep.equal({'calculation description': 'Average(OD)', 'group identifier': 'Standards'})
    const sources = avg['data source aggregate document']['data source document']
    expect(sources).to.have.length(6)
    expect(sources[0]['data source identifier']).to.equal(plate1['measurement identifier'])
  })

  it('reads PlateFormat wavelength groups side by side, one document per well and wavelength', () => {
    const doc = convert('MD_SMP_absorbance_endpoint_partial_plate_example02.txt')
    const b2 = measurementsOf(doc, 'AssayPlate_09875', 'B2')
    expect(b2.map((m) => m.absorbance.value)).to.deep.equal([3.701, 3.92, 0.405])
    expect(
      b2.map((m) => m['device control aggregate document']['device control document'][0]['detector wavelength setting'].value),
    ).to.deep.equal([260, 280, 340])
  })

  it('keeps a cell without a number as an error, with the ASM -0 placeholder reading', () => {
    const doc = convert('no_measurements.txt')
    expect(aggregate(doc)['plate reader document']).to.have.length(6)
    const [b3] = measurementsOf(doc, 'PLate1', 'B3')
    expect(Object.is(b3.fluorescence.value, -0)).to.equal(true)
    expect(b3.fluorescence.unit).to.equal('RFU')
    expect(b3['error aggregate document']['error document']).to.deep.equal([{error: 'NaN', 'error feature': 'fluorescence'}])
    expect(b3['compartment temperature']).to.deep.equal({value: 21.9, unit: 'degC'})
    const device = b3['device control aggregate document']['device control document'][0]
    expect(device['excitation wavelength setting']).to.deep.equal({value: 380, unit: 'nm'})
    expect(device['wavelength filter cutoff setting']).to.deep.equal({value: 495, unit: 'nm'})
  })

  it('turns kinetic reads into a datacube over elapsed time', () => {
    const doc = convert('fl_kinetic_plates.txt')
    const [first, second] = measurementsOf(doc, 'Plate1', 'B1')
    const cube = first['profile data cube']
    expect(cube.data.dimensions).to.deep.equal([[0, 90, 180, 270]])
    expect(cube.data.measures).to.deep.equal([[0, 41.66635, 78.99248, 112.43051]])
    expect(second['profile data cube'].data.measures).to.deep.equal([[0, 20.83317, 39.49624, 56.21525]])
    const device = first['device control aggregate document']['device control document'][0]
    expect(device['total measurement time setting']).to.deep.equal({value: 300, unit: 's'})
    expect(device['read interval setting']).to.deep.equal({value: 90, unit: 's'})
    const reduced = calculated(doc).filter((c) => c['calculated data name'] === 'reduced value')
    expect(reduced.map((c) => c['calculated result'].value)).to.include(0.34262625396825386)
  })

  it('reads m:ss kinetic times and group rows of a plate with empty columns', () => {
    const doc = convert('spectramax340_kinetic_partial_plate.txt')
    const [b2] = measurementsOf(doc, 'Plate#1', 'B2')
    expect(b2['profile data cube'].data.dimensions).to.deep.equal([[0, 30, 60]])
    expect(b2['profile data cube'].data.measures).to.deep.equal([[0.1012, 0.1036, 0.1061]])
    expect(b2['sample document']['sample identifier']).to.equal('Smpl01')
    const [a1] = measurementsOf(doc, 'Plate#1', 'A1')
    expect(a1['profile data cube'].data.measures).to.deep.equal([[null, null, null]])
    const value = calculated(doc).find((c) => c['calculated data name'] === 'Value' && c['calculated result']?.value === 100.5)!
    expect(value['data source aggregate document']['data source document'][0]['data source identifier']).to.equal(
      b2['measurement identifier'],
    )
    const r = calculated(doc).find((c) => c['calculated data name'] === 'R')!
    // A text result is kept as written, as an error of its value: never a number.
    expect(r['error aggregate document']).to.deep.equal({'error document': [{error: 'R', 'error feature': 'R'}]})
    expect(r).not.to.have.property('calculated result')
  })

  it('keeps unreadable spectrum points as null with their text in an error document', () => {
    const doc = convert('partial_plate_with_empty_values.txt')
    const [a1] = measurementsOf(doc, 'plate', 'A1')
    const cube = a1['absorption spectrum data cube']
    expect(cube.data.dimensions[0].slice(0, 3)).to.deep.equal([520, 521, 522])
    expect(cube.data.measures[0][0]).to.equal(null)
    expect(a1['error aggregate document']['error document'][0].error).to.equal('???')
  })

  it('marks every well of a Reduced-only plate as having no raw reading and keeps the reduced values', () => {
    const doc = convert('softmaxpro_example_reduced.txt')
    expect(aggregate(doc)['plate reader document']).to.have.length(96)
    const [a1] = measurementsOf(doc, 'Plate1', 'A1')
    expect(Object.is(a1.absorbance.value, -0)).to.equal(true)
    expect(a1['error aggregate document']['error document'][0].error).to.match(/reduced data only/)
    const reduced = calculated(doc).find((c) => c['calculated data name'] === 'reduced value')!
    expect(reduced['calculated result'].value).to.equal(1.8565999999999998)
    const note = calculated(doc).find((c) => c['calculated data name'] === 'Rsquared')!
    expect(note['calculated result'].value).to.equal(0.98)
  })

  it('gives the same document when converting twice', () => {
    expect(convert('softmaxpro_no_calc_docs.txt')).to.deep.equal(convert('softmaxpro_no_calc_docs.txt'))
  })

  it('refuses empty, truncated and foreign files, naming the file', async () => {
    await expectInvalid('empty.txt', Buffer.alloc(0), /empty/)
    await expectInvalid('other.txt', Buffer.from('Well\tValue\nA1\t0.5\n'), /##BLOCKS/)
    const lines = decodeText(readFileSync(path.join(FAMILY, 'softmaxpro_no_calc_docs.txt'))).split('\n')
    await expectInvalid('cut-in-grid.txt', Buffer.from(lines.slice(0, 6).join('\n')), /truncated/)
    const firstEnd = lines.findIndex((l) => l.trim() === '~End')
    await expectInvalid('cut-after-block.txt', Buffer.from(lines.slice(0, firstEnd + 1).join('\n')), /3 blocks but only 1/)
    // A one-block file may end without "~End", but not before its plate data.
    const single = decodeText(readFileSync(path.join(FAMILY, 'no_measurements.txt'))).split('\n')
    await expectInvalid('cut-after-header.txt', Buffer.from(single.slice(0, 3).join('\n')), /truncated/)
    await expectInvalid('cut-in-last-row.txt', Buffer.from(single.slice(0, 4).join('\n')), /truncated/)
  })

  it('detects its own exports and no other family', () => {
    for (const file of instrumentExports()) {
      const confidence = moldevSoftmaxPro.detect(file.name, readFileSync(file.path)) as number
      if (file.family === 'moldev_softmax_pro') expect(confidence, file.name).to.be.at.least(0.5)
      else expect(confidence, file.name).to.be.below(0.5)
    }
  })
})
