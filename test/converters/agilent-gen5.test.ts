import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {agilentGen5} from '../../src/converters/agilent-gen5/index.js'
import {INSTRUMENTS, instrumentExports} from '../support/testdata.js'
import {expectRefused} from '../support/converter-errors.js'

type Doc = Record<string, any>

const FAMILY = path.join(INSTRUMENTS, 'agilent_gen5')

function convert(file: string): Doc {
  return convertBytes(path.basename(file), readFileSync(path.join(FAMILY, file)))
}

function convertBytes(name: string, bytes: Buffer): Doc {
  return agilentGen5.convert({name, bytes}) as Doc
}

function plates(doc: Doc): Doc[] {
  return doc['plate reader aggregate document']['plate reader document'].map((p: Doc) => p['measurement aggregate document'])
}

/** The measurement documents of a well, optionally of one plate. */
function readings(doc: Doc, well: string, plate?: string): Doc[] {
  return plates(doc)
    .flatMap((p) => p['measurement document'])
    .filter(
      (m: Doc) =>
        m['sample document']['location identifier'] === well && (!plate || m['sample document']['well plate identifier'] === plate),
    )
}

function reading(doc: Doc, well: string, label: string): Doc {
  const found = readings(doc, well).find((m) => m['measurement label'] === label)
  expect(found, `${well} ${label}`).to.not.equal(undefined)
  return found!
}

function settings(measurement: Doc): Doc {
  return measurement['device control aggregate document']['device control document'][0]
}

function calculated(doc: Doc, name: string, well?: string): Doc {
  const found = doc['plate reader aggregate document']['calculated data aggregate document']['calculated data document'].find(
    (c: Doc) => c['calculated data name'] === name && (!well || c['sample document']?.['location identifier'] === well),
  )
  expect(found, `${name} ${well ?? ''}`).to.not.equal(undefined)
  return found
}

const expectInvalid = (name: string, bytes: Buffer, fragment?: RegExp) => expectRefused(agilentGen5, name, bytes, fragment)

/** A small Gen5 export built here: header, procedure, then the given data blocks. */
function gen5(plate: string, procedure: string, data: string): string {
  return [
    '',
    'Software Version\t3.12.08',
    '',
    'Experiment File Path:\tC:\\e.xpt',
    'Protocol File Path:\tC:\\p.prt',
    '',
    `Plate Number\t${plate}`,
    'Date\t10/10/2022',
    'Time\t9:16:43 PM',
    'Reader Type:\tSynergy H1',
    'Reader Serial Number:\t123',
    'Reading Type\tReader',
    '',
    'Procedure Details',
    '',
    procedure,
    '',
    data,
    '',
  ].join('\n')
}

const LUMINESCENCE = [
  'Plate Type\t6 WELL PLATE',
  'Read\tLUM',
  '\tLuminescence Endpoint',
  '\tFilter Set 1',
  '\t    Emission: Full light',
  '\t    Optics: Top,  Gain: 135',
].join('\n')

describe('agilent-gen5 converter', () => {
  it('reads an absorbance endpoint with layout, blanked values, concentrations and a curve fit', () => {
    const doc = convert('absorbance/endpoint_stdcurve_singleplate.txt')
    expect(doc['$asm.manifest']).to.match(/plate-reader/)
    const a1 = reading(doc, 'A1', '630nmAbsRead:630')
    expect(a1.absorbance).to.deep.equal({value: 3.337, unit: 'mAU'})
    expect(a1['sample document']).to.deep.include({'sample identifier': 'STD1', 'well plate identifier': 'Plate 1', 'Conc/Dil': 2000})
    expect(settings(a1)['detector wavelength setting']).to.deep.equal({value: 630, unit: 'nm'})
    expect(settings(a1)['number of averages']).to.deep.equal({value: 8, unit: '#'})
    expect(reading(doc, 'H12', '630nmAbsRead:630').absorbance.value).to.equal(0.194)
    const blank = calculated(doc, 'Blank 630nmAbsRead:630', 'B2')
    expect(blank['calculated result']).to.deep.equal({value: 1.131, unit: '(unitless)'})
    // The blanked value quotes its reading's label, so it names that reading as its source.
    expect(blank['data source aggregate document']['data source document']).to.deep.equal([
      {
        'data source identifier': reading(doc, 'B2', '630nmAbsRead:630')['measurement identifier'],
        'data source feature': '630nmAbsRead:630',
      },
    ])
    expect(calculated(doc, '[Concentration]', 'A1')['calculated result'].value).to.equal(1980.423)
    expect(calculated(doc, 'StdCurve A')['calculated result']).to.deep.equal({value: 0.00168, unit: '(unitless)'})
    // A curve fit's text cells describe its values: kept as custom information, never as numbers.
    expect(calculated(doc, 'StdCurve A')['custom information document']['fit f prob']).to.equal('?????')
    expect(plates(doc)[0]['plate well count']).to.deep.equal({value: 96, unit: '#'})
    expect(plates(doc)[0]['measurement time']).to.equal('2022-10-10T21:00:04')
  })

  it('keeps non-numeric readings as errors, never as numbers', () => {
    const doc = convert('absorbance/240411_172731_BNCH2345883_abs450_96well_non_numeric_values.txt')
    const a8 = reading(doc, 'A8', 'abs450:450')
    expect(a8).to.not.have.property('absorbance')
    expect(a8['error aggregate document']['error document']).to.deep.equal([{error: 'OVRFLW', 'error feature': 'absorbance'}])
    expect(reading(doc, 'D12', 'abs450:450')['error aggregate document']['error document'][0].error).to.equal('MISSED')
    expect(reading(doc, 'A9', 'abs450:450').absorbance).to.deep.equal({value: 2.32, unit: 'mAU'})
  })

  it('reads several read steps: absorbance and two fluorescence filter sets per well', () => {
    const doc = convert('multi_read_modes/multiple_read_modes.txt')
    expect(readings(doc, 'A1')).to.have.length(3)
    expect(reading(doc, 'A1', 'od:600').absorbance).to.deep.equal({value: 0.052, unit: 'mAU'})
    const fluor = reading(doc, 'H10', 'fluor:479,520')
    expect(fluor.fluorescence).to.deep.equal({value: 852, unit: 'RFU'})
    expect(settings(fluor)).to.deep.include({
      'excitation wavelength setting': {value: 479, unit: 'nm'},
      'detector wavelength setting': {value: 520, unit: 'nm'},
      'detector distance setting (plate reader)': {value: 7, unit: 'mm'},
      'detector gain setting': 'extended',
    })
    expect(plates(doc)[0]['compartment temperature']).to.deep.equal({value: 22.8, unit: 'degC'})
  })

  it('tells fluorescence polarization channels apart and reads partial 384-well grids', () => {
    const doc = convert('fluorescence/endpoint_fluorescence_polarization.txt')
    const perpendicular = reading(doc, 'P24', 'FP Read:485/20,528/20 [Perpendicular]')
    expect(perpendicular.fluorescence).to.deep.equal({value: 494, unit: 'RFU'})
    expect(settings(perpendicular)['filter set']).to.equal('Filter Set 2')
    expect(settings(reading(doc, 'A1', 'FP Read:485/20,528/20 [Parallel]'))['filter set']).to.equal('Filter Set 1')
    expect(calculated(doc, 'Polarization', 'L12')['calculated result'].value).to.equal(250)
    expect(plates(doc)[0]['plate well count']).to.deep.equal({value: 384, unit: '#'})
  })

  it('reads kinetic tables as one datacube per well, with kinetic settings and durations in seconds', () => {
    const doc = convert('absorbance/Kinetic_Analysis_Mean_Slope_and_Standard_Curve_tab.txt')
    const a1 = reading(doc, 'A1', '420')
    const cube = a1['profile data cube']
    expect(cube['cube-structure'].dimensions[0]).to.deep.include({concept: 'elapsed time', unit: 's'})
    expect(cube.data.dimensions[0]).to.deep.equal([0, 150, 300, 450, 600, 750, 900, 1050, 1200, 1350, 1500, 1650, 1800])
    expect(cube.data.measures[0].slice(0, 3)).to.deep.equal([0.069, 0.14, 0.217])
    expect(settings(a1)['kinetic interval setting']).to.deep.equal({value: 30, unit: 's'})
    expect(settings(a1)['number of kinetic reads setting']).to.deep.equal({value: 61, unit: '#'})
    expect(calculated(doc, 'Mean V [420]', 'A1')['calculated result'].value).to.equal(31.303)
    expect(calculated(doc, '[Concentration]', 'A2')['error aggregate document']['error document'][0].error).to.equal('>40.000')
    // Growth curve export: rows Gen5 prepared but never read are not data; "t at Max V" is a duration.
    const growth = convert('absorbance/kinetic_helper_gene_growth_curve.txt')
    const d6 = reading(growth, 'D6', '600')['profile data cube']
    expect(d6.data.dimensions[0]).to.have.length(20)
    expect(d6.data.measures[1][0]).to.equal(30)
    expect(calculated(growth, 't at Max V [600]', 'A1')['calculated result']).to.deep.equal({value: 36622, unit: 's'})
    expect(plates(growth)[0]['plate well count']).to.deep.equal({value: 24, unit: '#'})
  })

  it('reads spectra and marks overflowing points as errors, not zeros', () => {
    const doc = convert('luminescence/spectral_scan.txt')
    const cube = reading(doc, 'A1', 'EM Spectrum')['spectrum data cube']
    expect(cube.data).to.deep.equal({dimensions: [[300, 310, 320]], measures: [[0.123, null, 0.125]]})
    expect(cube['cube-structure'].measures[0]).to.deep.include({concept: 'luminescence', unit: 'RLU'})
    expect(reading(doc, 'A1', 'EM Spectrum')['error aggregate document']['error document']).to.deep.equal([
      {error: 'OVRFLW', 'error feature': 'luminescence at 310 nm'},
    ])
    const excitation = settings(reading(convert('fluorescence/spectrum_excitation_data.txt'), 'A1', 'EX Spectrum'))
    expect(excitation['excitation wavelength start setting']).to.deep.equal({value: 480, unit: 'nm'})
    expect(excitation['excitation bandwidth setting']).to.deep.equal({value: 20, unit: 'nm'})
    expect(excitation['detector wavelength setting']).to.deep.equal({value: 300, unit: 'nm'})
  })

  it('reads results written as one grid per label (no combined Results grid)', () => {
    const doc = convert('fluorescence/Fluorescamine_Protein_Quantitation_no_results_matrix.txt')
    expect(reading(doc, 'H1', '400/30,460/40').fluorescence).to.deep.equal({value: 70217, unit: 'RFU'})
    expect(calculated(doc, 'Blank 400/30,460/40', 'A2')['calculated result'].value).to.equal(-12)
    expect(calculated(doc, 'Conc', 'B1')['calculated result'].value).to.equal(51.441)
    expect(calculated(doc, 'Conc', 'A1')['error aggregate document']['error document'][0].error).to.equal('<22.500')
  })

  it('splits multi-plate exports into one plate document each', () => {
    const grid = (a1: string) =>
      ['Results', '\t1\t2\t3', `A\t${a1}\t2\t3\tLUM:Lum`, '\t0.5\t0.6\t?????\tNormLum', 'B\t4\t5\t6\tLUM:Lum'].join('\n')
    const text = gen5('Plate 1', LUMINESCENCE, grid('101')) + gen5('Plate 2', LUMINESCENCE, grid('102'))
    const doc = convertBytes('two-plates.txt', Buffer.from(text))
    expect(plates(doc).map((p) => p['well plate identifier'])).to.deep.equal(['Plate 1', 'Plate 2'])
    expect(readings(doc, 'A1', 'Plate 2')[0].luminescence).to.deep.equal({value: 102, unit: 'RLU'})
    expect(readings(doc, 'B3', 'Plate 1')[0].luminescence.value).to.equal(6)
    expect(plates(doc)[1]['plate well count']).to.deep.equal({value: 6, unit: '#'})
    // Same bytes, same document: identifiers count in file order.
    expect(convertBytes('two-plates.txt', Buffer.from(text))).to.deep.equal(doc)
  })

  it('reads column-format results whose rows are wells, and unnamed reads labelled "Read N"', () => {
    const procedure = [
      'Plate Type\t96 WELL PLATE',
      'Read\tFluorescence Endpoint',
      '\tFilter Set 1',
      '\t    Excitation: 450,  Emission: 490',
      'Read\tFluorescence Endpoint',
      '\tFilter Set 1',
      '\t    Excitation: 295,  Emission: 350',
    ].join('\n')
    const data = [
      'Results',
      '',
      'Well\tWell ID\tRead 1:450,490\tRead 2:295,350\tRatio',
      'A1\tSPL1\t100\t200\t0.5',
      'B1\tBLK\t120\tOVRFLW\t?????',
    ].join('\n')
    const doc = convertBytes('columns.txt', Buffer.from(gen5('Plate 1', procedure, data)))
    const second = reading(doc, 'A1', 'Read 2:295,350')
    expect(second.fluorescence).to.deep.equal({value: 200, unit: 'RFU'})
    expect(second['sample document']['sample identifier']).to.equal('SPL1')
    expect(settings(second)['excitation wavelength setting']).to.deep.equal({value: 295, unit: 'nm'})
    expect(reading(doc, 'B1', 'Read 2:295,350')['error aggregate document']['error document'][0].error).to.equal('OVRFLW')
    expect(calculated(doc, 'Ratio', 'A1')['calculated result'].value).to.equal(0.5)
  })

  it('detects every Gen5 export and no other family', () => {
    for (const file of instrumentExports()) {
      const confidence = agilentGen5.detect(file.name, readFileSync(file.path)) as number
      if (file.family === 'agilent_gen5') expect(confidence, file.name).to.be.at.least(0.9)
      else expect(confidence, `${file.family}/${file.name}`).to.equal(0)
    }
  })

  it('rejects empty, truncated, binary and foreign files, naming the file', async () => {
    await expectInvalid('empty.txt', Buffer.alloc(0), /empty/)
    const full = readFileSync(path.join(FAMILY, 'absorbance/endpoint_stdcurve_singleplate.txt'), 'utf8')
    // Cut inside a Results row.
    const results = full.indexOf('\nResults\n')
    await expectInvalid('cut-row.txt', Buffer.from(full.slice(0, full.indexOf('\n', results + 200) - 30)), /truncated/)
    // Cut before any result.
    await expectInvalid('cut-header.txt', Buffer.from(full.slice(0, results)), /no results/)
    await expectInvalid('binary.txt', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0x14, 0, 1, 2, 3]), /binary/)
    const foreign = instrumentExports().find((e) => e.family === 'bmg_mars')!
    await expectInvalid(foreign.name, readFileSync(foreign.path), /not a Gen5 text export/)
  })
})
