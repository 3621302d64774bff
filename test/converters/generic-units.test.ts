import {expect} from 'chai'

import {genericConverter} from '../../src/converters/generic/index.js'
import {unitInHeader, unitsRow} from '../../src/converters/generic/units.js'

// Units the generic converter recognises, wherever an export puts them, in the ASM spellings
// documents use. Pure functions and the real generic converter on small exports written here.
const HEADERS: [string, string][] = [
  ['Concentration (ng/uL)', 'ng/µL'],
  ['Concentration (ng/µl)', 'ng/µL'],
  ['Viability (%)', '%'],
  ['Total cells/mL', 'cell/mL'],
  ['Live (cells/ml)', 'cell/mL'],
  ['Size [um]', 'µm'],
  ['Diameter (µm)', 'µm'],
  ['Conc. ug/ml', 'µg/mL'],
  ['Volume uL', 'µL'],
  ['Sample Volume (mL)', 'mL'],
  ['Temperature (°C)', 'degC'],
  ['Wavelength [nm]', 'nm'],
  ['Exposure Time [ms]', 'ms'],
  ['Est. MW (kDa)', 'kDa'],
  ['Glucose (mmol/L)', 'mmol/L'],
  ['Conc (mM)', 'mM'],
  ['Absorbance (OD)', 'mAU'],
  ['Signal (RFU)', 'RFU'],
]

const NOT_UNITS = ['Sample ID', 'Well', 'A260 (10 mm)', 'Plate No', 'Reads', 'Result']

describe('generic converter units', () => {
  for (const [header, unit] of HEADERS) {
    it(`"${header}" -> ${unit}`, () => {
      expect(unitInHeader(header)).to.equal(unit)
    })
  }

  it('finds no unit in names that hold none', () => {
    for (const header of NOT_UNITS) expect(unitInHeader(header), header).to.equal(undefined)
  })

  it('reads a units row under a header, and refuses a row of values as one', () => {
    expect(unitsRow(['', 'ng/uL', '%', 'unitless'], ['Sample', 'Conc', 'Viability', 'Ratio'])).to.deep.equal([
      undefined,
      'ng/µL',
      '%',
      '(unitless)',
    ])
    expect(unitsRow(['S1', '12.5', '98'], ['Sample', 'Conc', 'Viability'])).to.equal(undefined)
  })

  const quantities = (doc: unknown): {value: number; unit: string}[] => {
    const out: {value: number; unit: string}[] = []
    const walk = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return
      const r = node as Record<string, unknown>
      if (typeof r.value === 'number' && typeof r.unit === 'string') out.push({value: r.value, unit: r.unit})
      for (const child of Object.values(r)) walk(child)
    }
    walk(doc)
    return out
  }

  it('attaches a units row to every value of its column', async () => {
    const csv = 'Sample,Concentration,Viability\n,ng/uL,%\nS1,12.5,98.1\nS2,13.75,97.2\n'
    const doc = await genericConverter.convert({name: 'units-row.csv', bytes: Buffer.from(csv)})
    const found = quantities(doc)
    for (const value of [12.5, 13.75]) expect(found).to.deep.include({value, unit: 'ng/µL'})
    for (const value of [98.1, 97.2]) expect(found).to.deep.include({value, unit: '%'})
  })

  it('takes a "Unit" column beside the value as that value\'s unit', async () => {
    const csv = 'Sample,Analyte,Result,Unit\nS1,Glucose,5.5,mmol/L\nS2,Lactate,1.2,mg/L\n'
    const doc = await genericConverter.convert({name: 'unit-column.csv', bytes: Buffer.from(csv)})
    const found = quantities(doc)
    expect(found).to.deep.include({value: 5.5, unit: 'mmol/L'})
    expect(found).to.deep.include({value: 1.2, unit: 'mg/L'})
  })

  it('carries the units of headers that end with one', async () => {
    const csv = 'Sample,Total cells/mL,Size [um],Volume uL\nS1,1200000,11.5,200\nS2,1300000,12.5,150\n'
    const doc = await genericConverter.convert({name: 'headers.csv', bytes: Buffer.from(csv)})
    const found = quantities(doc)
    expect(found).to.deep.include({value: 1200000, unit: 'cell/mL'})
    expect(found).to.deep.include({value: 12.5, unit: 'µm'})
    expect(found).to.deep.include({value: 150, unit: 'µL'})
  })
})
