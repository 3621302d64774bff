import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {perkinElmerEnvision} from '../../src/converters/perkin-elmer-envision/index.js'
import {INSTRUMENTS, instrumentExports} from '../support/testdata.js'
import {expectRefused} from '../support/converter-errors.js'

type Doc = Record<string, any>

const FAMILY = path.join(INSTRUMENTS, 'perkin_elmer_envision')

function bytesOf(file: string): Buffer {
  return readFileSync(path.join(FAMILY, file))
}

function convert(file: string, bytes = bytesOf(file)): Doc {
  return perkinElmerEnvision.convert({name: file, bytes}) as Doc
}

function aggregate(doc: Doc): Doc {
  return doc['plate reader aggregate document']
}

/** Every measurement document of a plate well, in file order. */
function measurementsOf(doc: Doc, plate: string, well: string): Doc[] {
  return aggregate(doc)
    ['plate reader document'].flatMap((d: Doc) => d['measurement aggregate document']['measurement document'])
    .filter((m: Doc) => m['sample document']['well plate identifier'] === plate && m['sample document']['location identifier'] === well)
}

function control(measurement: Doc): Doc {
  return measurement['device control aggregate document']['device control document'][0]
}

const expectInvalid = (name: string, bytes: Buffer, fragment?: RegExp) => expectRefused(perkinElmerEnvision, name, bytes, fragment)

describe('perkin-elmer-envision converter', () => {
  it('reads both HTRF channels with their filters and links the ratio to them', () => {
    const doc = convert('PE_Envision_fluorescence_example01.csv')
    const [channel1, channel2] = measurementsOf(doc, 'Plate 1', 'A1')
    expect(channel1.fluorescence).to.deep.equal({value: 31441, unit: 'RFU'})
    expect(control(channel1)['detector wavelength setting']).to.deep.equal({value: 665, unit: 'nm'})
    expect(control(channel1)['excitation wavelength setting']).to.deep.equal({value: 320, unit: 'nm'})
    expect(control(channel1)['number of averages']).to.deep.equal({value: 50, unit: '#'})
    expect(channel1['compartment temperature']).to.deep.equal({value: 23.17, unit: 'degC'})
    expect(channel2.fluorescence.value).to.equal(80368)
    expect(control(channel2)['detector wavelength setting']).to.deep.equal({value: 620, unit: 'nm'})
    const ratio = aggregate(doc)['calculated data aggregate document']['calculated data document'][0]
    expect(ratio['calculated result']).to.deep.equal({value: 3912.12920565, unit: '(unitless)'})
    expect(ratio['calculated data name']).to.equal('HTRF ratio value for AC HTRF Laser [Eu]')
    const sources = ratio['data source aggregate document']['data source document'].map((s: Doc) => s['data source identifier'])
    expect(sources).to.deep.equal([channel1['measurement identifier'], channel2['measurement identifier']])
    expect(aggregate(doc)['device system document']['equipment serial number']).to.equal('1050209')
    expect(aggregate(doc)['data system document']['software version']).to.equal('1.14.3049.1193')
    const group = aggregate(doc)['plate reader document'][0]['measurement aggregate document']
    expect(group['plate well count']).to.deep.equal({value: 96, unit: '#'})
    expect(group['experimental data identifier']).to.equal('3134')
  })

  it('places unlabelled grids in plate order and skips wells left empty', () => {
    const doc = convert('PE_Envision_fluorescence_example02.csv')
    expect(measurementsOf(doc, 'Plate 2', 'H12')[0].fluorescence.value).to.equal(16328)
    expect(measurementsOf(doc, 'Plate 1', 'D8')[0].fluorescence.value).to.equal(117932)
    expect(measurementsOf(doc, 'Plate 1', 'E1')).to.have.length(0)
    expect(measurementsOf(doc, 'Plate 1', 'A1')[0]['sample document']['sample role type']).to.equal('standard sample role')
    expect(measurementsOf(doc, 'Plate 1', 'A1')[0]['compartment temperature']).to.deep.equal({value: 19.32, unit: 'degC'})
  })

  it('tells each plate its own read type: absorbance at 562 nm, then an AlphaScreen read', () => {
    const doc = convert('PE_Envision_absorbance_example01.csv')
    const [absorbance] = measurementsOf(doc, '8/22/2023 10:50:28 AM', 'A1')
    expect(absorbance.absorbance).to.deep.equal({value: 2.63, unit: 'mAU'})
    expect(control(absorbance)['detector wavelength setting']).to.deep.equal({value: 562, unit: 'nm'})
    const [alpha] = measurementsOf(doc, '8/22/2023 10:57:39 AM', 'A1')
    expect(alpha.fluorescence).to.deep.equal({value: 8, unit: 'RFU'})
  })

  it('keeps the row letters a grid names, even when rows are missing', () => {
    const doc = convert('PE_Envision_luminescence_example01.csv')
    const [e14] = measurementsOf(doc, '8/22/2023 11:01:43 AM', 'E14')
    expect(e14.luminescence).to.deep.equal({value: 80, unit: 'RLU'})
    expect(measurementsOf(doc, '8/22/2023 11:01:43 AM', 'B1')).to.have.length(0)
  })

  describe('a 1536-well plate (rows A-Z then AA-AF, 48 columns)', () => {
    /** The reading written for a well: row number * 100 + column, so each well's value names it. */
    const reading = (row: number, column: number): number => row * 100 + column
    const ROWS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].concat(['AA', 'AB', 'AC', 'AD', 'AE', 'AF'])

    /**
     * A real 384-well export with every result grid rewritten as 32 lettered rows of 48 columns,
     * and its plate type as 1536 wells (`wellsLine: false` drops the well count, so it comes from the grid).
     */
    function export1536(wellsLine = true): Buffer {
      const lines = bytesOf('PE_Envision_luminescence_example01.csv').toString('latin1').split(/\r?\n/)
      const protocolStart = lines.findIndex((l) => l.startsWith('Basic assay information'))
      const header = ['', ...Array.from({length: 48}, (_, c) => String(c + 1).padStart(2, '0')), ''].join(',')
      const grid = ROWS.map((row, r) => [row, ...Array.from({length: 48}, (_, c) => reading(r + 1, c + 1)), ''].join(','))
      const out: string[] = []
      for (let i = 0; i < lines.length; i++) {
        if (i < protocolStart && lines[i].startsWith(',01,02,')) {
          out.push(header, ...grid)
          while (i + 1 < lines.length && lines[i + 1].trim() !== '') i++
        } else if (lines[i].startsWith('Number of the wells in the plate')) {
          if (wellsLine) out.push('Number of the wells in the plate,,,,1536')
        } else
          out.push(
            lines[i]
              .replace(/^Number of rows,,,,16$/, 'Number of rows,,,,32')
              .replace(/^Number of columns,,,,24$/, 'Number of columns,,,,48'),
          )
      }
      return Buffer.from(out.join('\r\n'), 'latin1')
    }

    it('places every reading in its own well, AA1 after Z48 and AF48 last', () => {
      const doc = convert('PE_Envision_1536.csv', export1536())
      const plate = '8/22/2023 11:01:43 AM'
      const value = (well: string): number => measurementsOf(doc, plate, well)[0].luminescence.value
      expect(value('A1')).to.equal(101)
      expect(value('Z48')).to.equal(2648)
      expect(value('AA1')).to.equal(2701)
      expect(value('AB2')).to.equal(2802)
      expect(value('AF1')).to.equal(3201)
      expect(value('AF48')).to.equal(3248)
      const documents = aggregate(doc)['plate reader document'].map((d: Doc) => d['measurement aggregate document'])
      expect(documents.map((d: Doc) => d['plate well count'].value)).to.deep.equal(documents.map(() => 1536))
      const measurements = documents
        .flatMap((d: Doc) => d['measurement document'])
        .filter((m: Doc) => m['sample document']['well plate identifier'] === plate)
      const wells = measurements.map((m: Doc) => m['sample document']['location identifier'])
      expect(wells).to.have.length(1536)
      expect(new Set(wells).size).to.equal(1536)
      expect(wells).to.deep.equal(ROWS.flatMap((row) => Array.from({length: 48}, (_, c) => `${row}${c + 1}`)))
      expect(measurements.map((m: Doc) => m.luminescence.value)).to.deep.equal(
        ROWS.flatMap((_, r) => Array.from({length: 48}, (_, c) => reading(r + 1, c + 1))),
      )
    })

    it('counts 1536 wells from a 48-column grid when the export does not say', () => {
      const doc = convert('PE_Envision_1536.csv', export1536(false))
      const measured = aggregate(doc)['plate reader document'][0]['measurement aggregate document']
      expect(measured['plate well count']).to.deep.equal({value: 1536, unit: '#'})
    })

    it('refuses a row letter beyond AF', () => {
      const text = export1536()
        .toString('latin1')
        .replace(/\r\nAF,/, '\r\nAG,')
      expect(() => convert('PE_Envision_1536.csv', Buffer.from(text, 'latin1'))).to.throw(
        /grid row "AG" on line \d+ is not a plate row letter/,
      )
    })
  })

  it('reads filter bandwidths written with stray spaces ("BW=7 5nm")', () => {
    const doc = convert('PE_Envision_extra_espaces.csv')
    const [channel1] = measurementsOf(doc, 'Plate 1', 'A1')
    expect(control(channel1)['detector bandwidth setting']).to.deep.equal({value: 75, unit: 'nm'})
  })

  it('keeps non-numeric readings as errors, never as numbers', () => {
    const text = bytesOf('PE_Envision_fluorescence_example01.csv').toString('latin1').replace('A,31441,', 'A,OVRFLW,')
    const [a1] = measurementsOf(convert('overflow.csv', Buffer.from(text, 'latin1')), 'Plate 1', 'A1')
    expect(a1.fluorescence).to.equal(undefined)
    // In the measurement's error aggregate document, as every plate reader converter writes it (never a bare list).
    expect(a1).not.to.have.property('error document')
    expect(a1['error aggregate document']).to.deep.equal({'error document': [{error: 'OVRFLW', 'error feature': 'fluorescence'}]})
  })

  it('keeps a calculated result written as text as an error of that result', () => {
    const text = bytesOf('PE_Envision_fluorescence_example01.csv').toString('latin1').replace('A,3912.12920565,', 'A,N/A,')
    const [ratio] = aggregate(convert('text-ratio.csv', Buffer.from(text, 'latin1')))['calculated data aggregate document'][
      'calculated data document'
    ]
    expect(ratio).not.to.have.property('calculated result')
    expect(ratio).not.to.have.property('error document')
    expect(ratio['error aggregate document']).to.deep.equal({
      'error document': [{error: 'N/A', 'error feature': 'HTRF ratio value for AC HTRF Laser [Eu]'}],
    })
  })

  it('rejects empty, foreign and truncated files, naming the file', async () => {
    await expectInvalid('empty.csv', Buffer.alloc(0), /empty or binary/)
    await expectInvalid('other.csv', Buffer.from('Sample ID,Cell count\nS1,12\n'), /Plate information/)
    const bytes = bytesOf('PE_Envision_fluorescence_example01.csv')
    await expectInvalid('cut.csv', bytes.subarray(0, bytes.indexOf('Labels:') + 20), /truncated/)
    await expectInvalid('no-grid.csv', bytes.subarray(0, bytes.indexOf('Calculated results')), /no result grid/)
    // A plate block whose "Plate information" title is missing must not be skipped silently.
    const second = bytes.indexOf('Plate information', 10)
    const untitled = Buffer.concat([bytes.subarray(0, second), bytes.subarray(bytes.indexOf('\n', second) + 1)])
    await expectInvalid('untitled.csv', untitled, /line \d+ "Plate,Repeat,Barcode/)
  })

  it('claims every EnVision export and no other family', () => {
    for (const file of instrumentExports()) {
      const confidence = perkinElmerEnvision.detect(file.name, readFileSync(file.path)) as number
      if (file.family === 'perkin_elmer_envision') expect(confidence, file.name).to.be.at.least(0.9)
      else expect(confidence, `${file.family}/${file.name}`).to.be.below(0.5)
    }
  })
})
