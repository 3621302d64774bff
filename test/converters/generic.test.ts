import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'
import ExcelJS from 'exceljs'

import {scoreDocument} from '../../src/converters/accuracy.js'
import {genericConverter} from '../../src/converters/generic/index.js'
import {INSTRUMENTS, instrumentExports, PLATE_READER_FAMILIES} from '../support/testdata.js'
import {expectRefused} from '../support/converter-errors.js'

type Doc = Record<string, any>

async function convert(name: string, text: string | Buffer): Promise<Doc> {
  return (await genericConverter.convert({name, bytes: Buffer.isBuffer(text) ? text : Buffer.from(text)})) as Doc
}

function aggregate(doc: Doc): Doc {
  return doc['plate reader aggregate document']
}

function measurements(doc: Doc, well?: string): Doc[] {
  const all: Doc[] = aggregate(doc)['plate reader document'].flatMap(
    (d: Doc) => d['measurement aggregate document']['measurement document'],
  )
  return well === undefined ? all : all.filter((m) => m['sample document']['location identifier'] === well)
}

function calculated(doc: Doc, well: string): Doc[] {
  return (aggregate(doc)['calculated data aggregate document']?.['calculated data document'] ?? []).filter(
    (c: Doc) => c['location identifier'] === well,
  )
}

function control(measurement: Doc): Doc {
  return measurement['device control aggregate document']['device control document'][0]
}

function settings(doc: Doc): Doc {
  return aggregate(doc)['device control aggregate document']['device control document'][0]
}

function wellCount(doc: Doc): number {
  return aggregate(doc)['plate reader document'][0]['measurement aggregate document']['plate well count'].value
}

const expectInvalid = (name: string, bytes: Buffer, fragment?: RegExp) => expectRefused(genericConverter, name, bytes, fragment)

const letter = (r: number): string => (r < 26 ? String.fromCharCode(65 + r) : `A${String.fromCharCode(65 + r - 26)}`)

/** A lettered plate grid: value of well (r, c) is r * 100 + c + 0.5. */
function grid(rows: number, columns: number, delimiter: string, decimal = '.'): string[] {
  const lines = [['', ...Array.from({length: columns}, (_, c) => String(c + 1))].join(delimiter)]
  for (let r = 0; r < rows; r++) {
    lines.push([letter(r), ...Array.from({length: columns}, (_, c) => `${r * 100 + c}${decimal}5`)].join(delimiter))
  }
  return lines
}

describe('generic converter', () => {
  describe('detect', () => {
    it('answers 0.1 for text and workbooks, 0 for binary or empty input', () => {
      expect(genericConverter.detect('a.csv', Buffer.from('Well,Value\nA1,1\n'))).to.equal(0.1)
      expect(genericConverter.detect('a.txt', Buffer.from('\ufeffPlate\t1\n', 'utf16le'))).to.equal(0.1)
      expect(genericConverter.detect('a.xlsx', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.from('....xl/workbook.xml')]))).to.equal(
        0.1,
      )
      expect(genericConverter.detect('a.bin', Buffer.from([0, 1, 2, 3, 0, 0, 255, 0]))).to.equal(0)
      expect(genericConverter.detect('a.csv', Buffer.alloc(0))).to.equal(0)
    })

    it('never claims a file from a specific converter (stays below the registry threshold)', () => {
      for (const file of instrumentExports())
        expect(genericConverter.detect(file.name, readFileSync(file.path)), file.name).to.be.at.most(0.1)
    })
  })

  describe('header blocks', () => {
    it('reads "Key: value", "Key<tab>value", "Key<tab><tab>value" and several pairs in one cell, numbers as quantities', async () => {
      const text = [
        'Reader Type:\tSynergy H1',
        'Serial number\t\t\t\tAB-123',
        'Software Version\t3.12',
        '\tExcitation: 485/20,  Emission: 528/20',
        '\tRead Height: 7 mm,  Gain: 35',
        'Chamber temperature at start: 23.5',
        'Start Kinetic\tRuntime 0:30:00 (HH:MM:SS), Interval 0:00:30, 61 Reads',
        '',
        ...grid(8, 12, '\t'),
      ].join('\n')
      const doc = await convert('header.txt', text)
      const system = aggregate(doc)['device system document']
      expect(system['model number']).to.equal('Synergy H1')
      expect(system['equipment serial number']).to.equal('AB-123')
      expect(aggregate(doc)['data system document']['software version']).to.equal('3.12')
      const s = settings(doc)
      expect(s.Excitation).to.deep.equal([
        {value: 485, unit: 'nm'},
        {value: 20, unit: 'nm'},
      ])
      expect(s['Read Height']).to.deep.equal({value: 7, unit: 'mm'})
      expect(s.Gain).to.deep.equal({value: 35, unit: '(unitless)'})
      expect(s['Chamber temperature at start']).to.deep.equal({value: 23.5, unit: 'degC'})
      expect(s['Start Kinetic']).to.deep.equal([
        {value: 1800, unit: 's'},
        {value: 30, unit: 's'},
        {value: 61, unit: '#'},
      ])
    })
  })

  describe('plate grids', () => {
    it('maps a tab-delimited 96-well grid to one measurement document per well, titled by the line above', async () => {
      const doc = await convert('plate.txt', ['Measurement: Absorbance', '', 'Raw Data (450)', ...grid(8, 12, '\t')].join('\r\n'))
      expect(measurements(doc)).to.have.length(96)
      const b3 = measurements(doc, 'B3')
      expect(b3).to.have.length(1)
      expect(b3[0].absorbance).to.deep.equal({value: 102.5, unit: 'mAU'})
      expect(b3[0]['measurement label']).to.equal('Raw Data (450)')
      expect(control(b3[0])['detector wavelength setting']).to.deep.equal({value: 450, unit: 'nm'})
      expect(wellCount(doc)).to.equal(96)
    })

    it('reads semicolon-delimited grids with decimal commas', async () => {
      const doc = await convert('plate.csv', ['Fluorescence;;', 'Results;;', ...grid(16, 24, ';', ',')].join('\n'))
      expect(measurements(doc)).to.have.length(384)
      expect(measurements(doc, 'P24')[0].fluorescence).to.deep.equal({value: 1523.5, unit: 'RFU'})
      expect(wellCount(doc)).to.equal(384)
    })

    for (const [rows, columns, size] of [
      [2, 3, 6],
      [3, 4, 12],
      [4, 6, 24],
      [6, 8, 48],
      [32, 48, 1536],
    ] as const) {
      it(`recognises a ${size}-well layout`, async () => {
        const doc = await convert(`plate-${size}.csv`, ['Luminescence', ...grid(rows, columns, ',')].join('\n'))
        expect(measurements(doc)).to.have.length(size)
        const last = `${letter(rows - 1)}${columns}`
        expect(measurements(doc, last)[0].luminescence).to.deep.equal({value: (rows - 1) * 100 + columns - 1 + 0.5, unit: 'RLU'})
        expect(wellCount(doc)).to.equal(size)
      })
    }

    it('keeps every read of several plates in one file, and non-numeric readings as errors', async () => {
      const first = grid(8, 12, ',')
      const second = grid(8, 12, ',').map((line, i) => (i === 2 ? line.replace('100.5', 'OVRFLW') : line))
      const doc = await convert('two.csv', ['Absorbance', 'Read 1 (450)', ...first, '', 'Read 2 (600)', ...second].join('\n'))
      const b1 = measurements(doc, 'B1')
      expect(b1).to.have.length(2)
      expect(b1[0].absorbance.value).to.equal(100.5)
      expect(b1[1].absorbance).to.equal(undefined)
      expect(b1[1]['error aggregate document']['error document'][0].error).to.equal('OVRFLW')
      expect(control(b1[1])['detector wavelength setting']).to.deep.equal({value: 600, unit: 'nm'})
    })

    it('splits Gen5-style sub-rows into readings and calculated values, with the layout as sample identifiers', async () => {
      const text = [
        'Read\tabs',
        '\tAbsorbance Endpoint',
        'Layout',
        '\t1\t2\t3',
        'A\tSPL1\tSPL2\tBLK\tWell ID',
        'B\tSPL3\tSPL4\tBLK\tWell ID',
        '',
        'Results',
        '\t1\t2\t3',
        'A\t0.5\t0.6\t0.1\tabs:450',
        '\t0.4\t0.5\t0.0\tBlank abs:450',
        '\t1.2\t1.3\t0.2\tConc. (ng/µL)',
        'B\t0.7\t0.8\t0.1\tabs:450',
        '\t0.6\t0.7\t0.0\tBlank abs:450',
        '\t1.6\t1.7\t0.2\tConc. (ng/µL)',
      ].join('\n')
      const doc = await convert('gen5.txt', text)
      const a2 = measurements(doc, 'A2')
      expect(a2).to.have.length(1)
      expect(a2[0].absorbance).to.deep.equal({value: 0.6, unit: 'mAU'})
      expect(a2[0]['sample document']['sample identifier']).to.equal('SPL2')
      const calc = calculated(doc, 'B1')
      expect(calc.map((c) => [c['calculated data name'], c['calculated result']])).to.deep.equal([
        ['Blank abs:450', {value: 0.6, unit: '(unitless)'}],
        ['Conc. (ng/µL)', {value: 1.6, unit: 'ng/µL'}],
      ])
      expect(calc[0]['data source aggregate document']['data source document'][0]['data source identifier']).to.equal(
        measurements(doc, 'B1')[0]['measurement identifier'],
      )
    })

    it('reads grids offset to the right, under "<>", keeping numbers right of the plate per row', async () => {
      const header = ['', '<>', ...Array.from({length: 12}, (_, c) => String(c + 1)), 'Mean'].join(',')
      const rows = Array.from({length: 8}, (_, r) =>
        ['', letter(r), ...Array.from({length: 12}, (_, c) => String(r + c)), String(r + 5.5)].join(','),
      )
      const doc = await convert('offset.csv', ['Absorbance', header, ...rows].join('\n'))
      expect(measurements(doc)).to.have.length(96)
      expect(measurements(doc, 'C4')[0].absorbance.value).to.equal(5)
      const means = aggregate(doc)['custom information aggregate document']['custom information document'].filter((d: Doc) => d.Mean)
      expect(means[2]).to.include({row: 'C'})
      expect(means[2].Mean).to.deep.equal({value: 7.5, unit: '(unitless)'})
    })

    it('reads a bare matrix of numbers by its plate shape', async () => {
      const rows = Array.from({length: 8}, (_, r) => Array.from({length: 12}, (_, c) => String(r * 12 + c)).join(','))
      const doc = await convert('bare.csv', ['Absorbance', ...rows].join('\n'))
      expect(measurements(doc)).to.have.length(96)
      expect(measurements(doc, 'H12')[0].absorbance.value).to.equal(95)
    })
  })

  describe('result tables', () => {
    it('maps rows to wells through a well column, with units from headers', async () => {
      const text = ['Well,Sample,Abs 450,Conc. (ng/µL),Flag', 'A01,S1,0.512,12.5,', 'B02,S2,0.733,18.25,high', 'C03,S3,OVRFLW,,'].join('\n')
      const doc = await convert('results.csv', text)
      const a1 = measurements(doc, 'A1')
      expect(a1).to.have.length(1)
      expect(a1[0].absorbance).to.deep.equal({value: 0.512, unit: 'mAU'})
      expect(a1[0]['sample document']['sample identifier']).to.equal('S1')
      expect(calculated(doc, 'B2')[0]['calculated result']).to.deep.equal({value: 18.25, unit: 'ng/µL'})
      expect(measurements(doc, 'B2')[0]['sample document'].Flag).to.equal('high')
      expect(measurements(doc, 'C3')[0]['error aggregate document']['error document'][0].error).to.equal('OVRFLW')
      expect(wellCount(doc)).to.equal(12)
    })

    it('writes the plate-reader document every plate reader gets: the device type, no empty header values, text results beside their well', async () => {
      const text = [
        'Reader Serial Number: SN-1',
        'Operator:',
        '',
        'Well,Sample,Abs 450,Conc. (ng/µL)',
        'A01,S1,0.512,12.5',
        'B02,S2,0.733,>ULOQ',
      ].join('\n')
      const doc = await convert('results.csv', text)
      expect(aggregate(doc)['device system document']).to.deep.equal({
        'equipment serial number': 'SN-1',
        'device type': 'plate reader',
        'Reader Serial Number': 'SN-1',
      })
      expect(calculated(doc, 'B2')).to.deep.equal([
        {
          'calculated data identifier': 'results.csv_calculated_2',
          'calculated data name': 'Conc. (ng/µL)',
          error: '>ULOQ',
          'location identifier': 'B2',
          'sample identifier': 'S2',
          'data source aggregate document': {'data source document': [{'data source identifier': 'results.csv_2'}]},
        },
      ])
    })

    it('reads "Well Position" and tab-delimited tables, keeping rows without a well as table rows', async () => {
      const text = [
        'Well\tWell Position\tCt\tTm (°C)',
        '1\tA1\t18.717\t78.1',
        '2\tA2\t20.806\t78.3',
        '',
        'Target\tEfficiency\tSlope',
        'GAPDH\t98.5\t-3.36',
      ].join('\n')
      const doc = await convert('qpcr.txt', text)
      expect(measurements(doc, 'A2')[0].measurement).to.deep.equal({value: 20.806, unit: '(unitless)'})
      expect(measurements(doc, 'A2')[0]['sample document'].Well).to.deep.equal({value: 2, unit: '(unitless)'})
      const rows = aggregate(doc)['custom information aggregate document']['custom information document']
      const gapdh = rows.find((r: Doc) => r.Target === 'GAPDH')
      expect(gapdh.Slope).to.deep.equal({value: -3.36, unit: '(unitless)'})
    })

    it('turns wells-across kinetic tables into one datacube per well, times in seconds', async () => {
      const text = [
        'Absorbance kinetic',
        'Time\tTemperature (°C)\tA1\tA2\tB1',
        '0:00:00\t25.0\t0.1\t0.2\t0.3',
        '0:00:30\t25.1\t0.15\t0.25\tOVRFLW',
        '0:01:00\t25.2\t0.2\t0.3\t0.4',
      ].join('\n')
      const doc = await convert('kinetic.txt', text)
      const b1 = measurements(doc, 'B1')[0]
      const cube = b1['absorbance profile data cube']
      expect(cube.data.dimensions).to.deep.equal([[0, 30, 60]])
      expect(cube.data.measures).to.deep.equal([[0.3, null, 0.4]])
      expect(cube['cube-structure'].dimensions[0]).to.include({concept: 'Time', unit: 's'})
      expect(b1['error aggregate document']['error document'][0].error).to.equal('OVRFLW')
      expect(wellCount(doc)).to.equal(6)
    })
  })

  describe('wells down', () => {
    it('reads Tecan-style kinetic sheets: one line per well, axis lines for cycle, time and temperature', async () => {
      const text = [
        'Mode;Fluorescence Top Reading',
        'Excitation Wavelength;485;nm',
        'Cycle Nr.;1;2;3',
        'Time [s];0;60,1;120,2',
        'Temp. [°C];25,1;25,2;25,2',
        'A1;1000;1100;1200',
        'B12;2000;2100;2200',
      ].join('\n')
      const doc = await convert('tecan.csv', text)
      const cube = measurements(doc, 'B12')[0]['fluorescence profile data cube']
      expect(cube['cube-structure'].dimensions[0]).to.include({concept: 'Time [s]', unit: 's'})
      expect(cube.data).to.deep.equal({dimensions: [[0, 60.1, 120.2]], measures: [[2000, 2100, 2200]]})
      expect(settings(doc)['Excitation Wavelength']).to.deep.equal({value: 485, unit: 'nm'})
      const shared = aggregate(doc)['custom information aggregate document']['custom information document'][0]['data cube']
      expect(shared.data.measures).to.deep.equal([
        [1, 2, 3],
        [25.1, 25.2, 25.2],
      ])
    })

    it('reads a plain list of wells and values', async () => {
      const doc = await convert('list.txt', ['Luminescence', 'A1\t1500', 'A2\t1600', 'H12\tMasked'].join('\n'))
      expect(measurements(doc, 'A2')[0].luminescence).to.deep.equal({value: 1600, unit: 'RLU'})
      expect(measurements(doc, 'H12')[0]['error aggregate document']['error document'][0].error).to.equal('Masked')
      expect(wellCount(doc)).to.equal(96)
    })
  })

  describe('workbooks', () => {
    it('reads plate grids and header values from every worksheet of an .xlsx file', async () => {
      const workbook = new ExcelJS.Workbook()
      const info = workbook.addWorksheet('Info')
      info.addRow(['Instrument', 'Acme Reader'])
      info.addRow(['Temperature', 25.5])
      const data = workbook.addWorksheet('Fluorescence')
      data.addRow(['Fluorescence 485/520'])
      data.addRow(['', ...Array.from({length: 12}, (_, c) => c + 1)])
      for (let r = 0; r < 8; r++) data.addRow([letter(r), ...Array.from({length: 12}, (_, c) => r * 1000 + c)])
      const bytes = Buffer.from(await workbook.xlsx.writeBuffer())
      const doc = await convert('plate.xlsx', bytes)
      expect(measurements(doc)).to.have.length(96)
      expect(measurements(doc, 'H12')[0].fluorescence).to.deep.equal({value: 7011, unit: 'RFU'})
      expect(settings(doc).Temperature).to.deep.equal({value: 25.5, unit: 'degC'})
      expect(aggregate(doc)['device system document']['model number']).to.equal('Acme Reader')
    })
  })

  describe('bad input', () => {
    it('refuses empty, binary and number-free files naming the file', async () => {
      await expectInvalid('empty.csv', Buffer.alloc(0))
      await expectInvalid('image.bin', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0, 1, 2]))
      const error = await expectInvalid('words.txt', Buffer.from('Name,Comment\nplate,no readings here\n'))
      expect(error.message).to.match(/no numbers/)
      await expectInvalid('broken.xlsx', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.from('xl/ truncated')]))
    })

    it('reads tables of hundreds of thousands of rows without running out of stack', async function () {
      this.timeout(120_000)
      // Far more rows than a function call takes arguments: nothing may spread a row list into one.
      const rows = 200_000
      const wells = Array.from({length: rows}, (_, i) => `${letter(Math.floor(i / 12) % 8)}${(i % 12) + 1}`)
      const table = ['Well,Absorbance', ...wells.map((well, i) => `${well},${(i % 1000) / 1000}`)].join('\n')
      expect(measurements(await convert('long-table.csv', table))).to.have.length(rows)
      const across = ['Sample,A1,A2,A3', ...wells.map((_, i) => `S${i},${i},${i + 1},${i + 2}`)].join('\n')
      expect(measurements(await convert('long-wells.csv', across))).to.have.length.greaterThan(0)
    })

    it('converts a truncated export as far as it goes, and refuses one cut before any number', async () => {
      const text = ['Absorbance', ...grid(8, 12, ',')].join('\n')
      const doc = await convert('cut.csv', text.slice(0, Math.floor(text.length * 0.6)))
      expect(measurements(doc, 'A1')[0].absorbance.value).to.equal(0.5)
      expect(measurements(doc, 'H12')).to.have.length(0)
      await expectInvalid('cut-early.csv', Buffer.from('Plate reader export\nOperator,someone\nWell,Val'))
    })
  })

  describe('real exports, forced on the generic converter', () => {
    const read = (family: string, file: string): Promise<Doc> => convert(file, readFileSync(path.join(INSTRUMENTS, family, file)))

    it('BMG MARS: absorbance grid values by well, 384-well plate', async () => {
      const doc = await read('bmg_mars', '16-03-03 16-54-03 472 ABS 384 QC.csv')
      expect(measurements(doc, 'C1')[0].absorbance).to.deep.equal({value: 2.368, unit: 'mAU'})
      expect(control(measurements(doc, 'C1')[0])['detector wavelength setting']).to.deep.equal({value: 484, unit: 'nm'})
      expect(measurements(doc, 'P24')[0].absorbance.value).to.equal(0.032)
      expect(wellCount(doc)).to.equal(384)
    })

    it('Gen5: readings, calculated ratios and the plate layout of one well', async () => {
      const doc = await read('agilent_gen5/absorbance', 'endpoint_pathlength_correct_singleplate.txt')
      const a1 = measurements(doc, 'A1')
      expect(a1[0].absorbance).to.deep.equal({value: 0.056, unit: 'mAU'})
      expect(a1[0]['sample document']).to.include({'sample identifier': 'SPL1', 'well plate identifier': 'Plate 1'})
      const ratio = calculated(doc, 'A1').find((c) => c['calculated data name'] === 'Ratio 260/280')
      expect(ratio?.['calculated result']).to.deep.equal({value: 1.901, unit: '(unitless)'})
      expect(settings(doc)['Actual Temperature']).to.deep.include({value: 26.3, unit: 'degC'})
    })

    it('EnVision: readings and calculated results of several grids', async () => {
      const doc = await read('perkin_elmer_envision', 'PE_Envision_fluorescence_example01.csv')
      expect(measurements(doc, 'A1').map((m) => m.fluorescence.value)).to.deep.equal([31441, 80368])
      expect(calculated(doc, 'A1')[0]['calculated result']).to.deep.equal({value: 3912.12920565, unit: '(unitless)'})
    })

    it('SoftMax Pro: UTF-16 wells-across plates, each plate its own well plate identifier', async () => {
      const doc = await read('moldev_softmax_pro', 'MD_SMP_absorbance_endpoint_example02.txt')
      const a1 = measurements(doc, 'A1').map((m) => [m['sample document']['well plate identifier'], m.absorbance?.value])
      expect(a1).to.deep.equal([
        ['Plate01', 3.41797666666667],
        ['Plate02', 3.43082333333333],
      ])
    })

    it('gives the same document for the same bytes', async () => {
      const first = await read('bmg_mars', 'BMG Labtech format.CSV')
      const second = await read('bmg_mars', 'BMG Labtech format.CSV')
      expect(second).to.deep.equal(first)
    })

    it('averages well above the 0.8 bar over the plate reader exports', async () => {
      const scores: number[] = []
      for (const file of instrumentExports().filter((e) => PLATE_READER_FAMILIES.includes(e.family))) {
        scores.push(scoreDocument(await convert(file.name, readFileSync(file.path)), file.expected).score)
      }
      expect(scores.reduce((a, b) => a + b, 0) / scores.length).to.be.at.least(0.9)
    })

    it('converts every instrument export without throwing, plate reader or not', async () => {
      for (const file of instrumentExports()) {
        const doc = await convert(file.name, readFileSync(file.path))
        expect(doc['$asm.manifest'], file.name).to.be.a('string')
      }
    })
  })
})
