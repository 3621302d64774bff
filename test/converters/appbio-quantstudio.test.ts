import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'
import ExcelJS from 'exceljs'

import {appbioQuantstudio} from '../../src/converters/appbio-quantstudio/index.js'
import {DETECT_HEAD_BYTES} from '../../src/converters/types.js'
import {INSTRUMENTS, instrumentExports} from '../support/testdata.js'
import {expectRefused} from '../support/converter-errors.js'

type Doc = Record<string, any>

const FAMILY = path.join(INSTRUMENTS, 'appbio_quantstudio')

function bytesOf(file: string): Buffer {
  return readFileSync(path.join(FAMILY, file))
}

async function convert(file: string, bytes = bytesOf(file)): Promise<Doc> {
  return (await appbioQuantstudio.convert({name: file, bytes})) as Doc
}

function aggregate(doc: Doc): Doc {
  return doc['qPCR aggregate document']
}

function measurementsOf(doc: Doc, well: string): Doc[] {
  return aggregate(doc)
    ['qPCR document'].flatMap((d: Doc) => d['measurement aggregate document']['measurement document'])
    .filter((m: Doc) => m['sample document']['location identifier'] === well)
}

/** The measurement of one target in one well; `target` undefined for a well without target names. */
function measurementOf(doc: Doc, well: string, target?: string): Doc {
  const found = measurementsOf(doc, well).filter((m) => m['target DNA description'] === target)
  expect(found, `${well} ${target}`).to.have.length(1)
  return found[0]
}

function processed(measurement: Doc): Doc {
  return measurement['processed data aggregate document']['processed data document'][0]
}

function calculated(doc: Doc, name: string, target: string): Doc[] {
  return aggregate(doc)['calculated data aggregate document']['calculated data document'].filter(
    (c: Doc) => c['calculated data name'] === name && c['target DNA description'] === target,
  )
}

const expectInvalid = (name: string, bytes: Buffer, fragment?: RegExp) => expectRefused(appbioQuantstudio, name, bytes, fragment)

describe('appbio-quantstudio converter', () => {
  it('reads a comparative Ct text export: results, settings, amplification and replicate statistics', async () => {
    const doc = await convert('appbio_quantstudio_example06.txt')
    expect(aggregate(doc)['device system document']).to.include({
      'model number': 'QuantStudio(TM) 7 Flex System',
      'device serial number': '1',
    })
    const d1 = measurementOf(doc, 'D1', 'TGF-B')
    expect(d1['sample document']).to.include({'sample identifier': 'Lung', 'sample role type': 'UNKNOWN'})
    expect(processed(d1)['cycle threshold result']).to.deep.equal({value: 30.155, unit: '(unitless)'})
    expect(processed(d1)['cycle threshold value setting']).to.deep.equal({value: 0.133, unit: '(unitless)'})
    expect(processed(d1)['baseline determination end cycle setting']).to.deep.equal({value: 25, unit: '#'})
    expect(processed(d1)['automatic baseline determination enabled setting']).to.equal(true)
    expect(processed(d1)['amplification data cube'].data).to.deep.equal({dimensions: [[1]], measures: [[0.627], [0.001]]})
    expect(d1['device control aggregate document']['device control document'][0]['reporter dye setting']).to.equal('FAM')
    const plate = aggregate(doc)['qPCR document'][0]['measurement aggregate document']
    expect(plate['plate well count']).to.deep.equal({value: 96, unit: '#'})
    expect(plate['well volume']).to.deep.equal({value: 200, unit: 'µL'})

    const [ctMean] = calculated(doc, 'Ct Mean', 'TGF-B').filter((c) => c['calculated result'].value === 30.115)
    const sources = ctMean['data source aggregate document']['data source document'].map((s: Doc) => s['location identifier'])
    expect(sources).to.deep.equal(['D1', 'D2', 'E1'])
    const calc = aggregate(doc)['calculated data aggregate document']
    expect(calc).to.include({'reference DNA description': 'GAPDH', 'reference sample description': 'Liver'})
    expect(calc['analysis settings']['RQ Min/Max Confidence Level']).to.deep.equal({value: 95, unit: '%'})
  })

  it('keeps per-well raw data and places wells numbered "1.0" at A1 of a 384-well block', async () => {
    const doc = await convert('appbio_quantstudio_example01.txt')
    const a1 = measurementOf(doc, 'A1', 'TARGET_1')
    const raw = a1['raw data data cube']
    expect(raw.data.dimensions).to.deep.equal([[1, 2, 3]])
    expect(raw.data.measures[0]).to.deep.equal([36431.13, 37301.96, 37449.914])
    expect(raw['cube-structure'].measures[0]).to.include({concept: 'x1-m1', unit: 'RFU'})
    expect(processed(a1)['melting temperature 1']).to.deep.equal({value: 78.122, unit: 'degC'})
    const plate = aggregate(doc)['qPCR document'][0]['measurement aggregate document']
    expect(plate['well volume']).to.deep.equal({value: 40, unit: 'µL'})
  })

  it('splits a genotyping well into one measurement per allele', async () => {
    const doc = await convert('appbio_quantstudio_example03.txt')
    const allele1 = measurementOf(doc, 'A2', 'CYP19_2-Allele 1')
    const allele2 = measurementOf(doc, 'A2', 'CYP19_2-Allele 2')
    expect(processed(allele1)['cycle threshold result']).to.deep.equal({value: 27.546, unit: '(unitless)'})
    expect(processed(allele2)['cycle threshold result']).to.deep.equal({value: 29.013, unit: '(unitless)'})
    expect(processed(allele2)['baseline determination end cycle setting']).to.deep.equal({value: 24, unit: '#'})
    expect(processed(allele1)['genotyping determination result']).to.equal('Homozygous Allele 1/Allele 1')
    expect(allele1['device control aggregate document']['device control document'][0]['reporter dye setting']).to.equal('VIC')
    expect(allele2['device control aggregate document']['device control document'][0]['reporter dye setting']).to.equal('FAM')
  })

  it('keeps "Undetermined" as an error, never as a number', async () => {
    const doc = await convert('appbio_quantstudio_minimal_missing_results.txt')
    const a1 = measurementOf(doc, 'A1', 'CYP19_2-Allele 1')
    expect(processed(a1)).to.not.have.property('cycle threshold result')
    expect(a1['error aggregate document']['error document']).to.deep.include({
      error: 'Undetermined',
      'error feature': 'cycle threshold result',
    })
    const pa = measurementOf(await convert('appbio_quantstudio_example02.txt'), 'A1', 'IPC')
    expect(pa['error aggregate document']['error document'][0].error).to.equal('Undetermined')
    const multicomponent = pa['multicomponent data cube']
    expect(multicomponent['cube-structure'].measures.map((m: Doc) => m.concept)).to.deep.equal(['FAM', 'ROX', 'VIC'])
    expect(multicomponent.data.measures[0][0]).to.equal(502840.9)
  })

  it('reads the .xlsx workbook export like the text one', async () => {
    const doc = await convert('appbio_quantstudio_example10.xlsx')
    const b1 = measurementOf(doc, 'B1', 'RefGene')
    expect(processed(b1)['cycle threshold result']).to.deep.equal({value: 20, unit: '(unitless)'})
    expect(processed(b1)['amplification data cube'].data.dimensions[0]).to.have.length(40)
    const [rq] = calculated(doc, 'RQ', 'GeneA').filter((c) => c['calculated result'].value === 0.8)
    expect(rq['data source aggregate document']['data source document'].map((s: Doc) => s['location identifier'])).to.deep.equal([
      'A3',
      'A4',
    ])
    expect(aggregate(doc)['calculated data aggregate document']['reference DNA description']).to.equal('RefGene')
    const big = await convert('appbio_quantstudio_example08.xlsx')
    const a1 = measurementOf(big, 'A1', 'TJP-1 Rhesus')
    expect(processed(a1)['cycle threshold result'].value).to.equal(26.776044845581055)
  })

  it('reads a results-only export without a block type', async () => {
    const doc = await convert('example_quantsudio_results_only.txt')
    const a4 = measurementOf(doc, 'A4', "3'UTR")
    expect(processed(a4)['quantity']).to.deep.equal({value: 118248.2, unit: '(unitless)'})
    expect(aggregate(doc)['qPCR document'][0]['measurement aggregate document']).to.not.have.property('plate well count')
  })

  it('refuses empty, truncated and foreign files, naming them', async () => {
    const text = bytesOf('appbio_quantstudio_example06.txt')
    await expectInvalid('empty.txt', Buffer.alloc(0), /no text/)
    await expectInvalid('header-only.txt', text.subarray(0, text.indexOf('[Sample Setup]')), /truncated/)
    await expectInvalid('no-results.txt', text.subarray(0, text.indexOf('[Amplification Data]')), /\[Results\]/)
    const workbook = bytesOf('appbio_quantstudio_example10.xlsx')
    await expectInvalid('cut.xlsx', workbook.subarray(0, 5000), /xlsx/)
    await expectInvalid('other.txt', Buffer.from('Well\tValue\nA1\t3\n'), /sections/)
  })

  it('detects text and workbook exports by content from the first bytes and claims no other family', async () => {
    for (const file of instrumentExports()) {
      const head = readFileSync(file.path).subarray(0, DETECT_HEAD_BYTES)
      const confidence = await appbioQuantstudio.detect(file.name, head)
      if (file.family === 'appbio_quantstudio') expect(confidence, file.name).to.be.at.least(0.9)
      else expect(confidence, `${file.family}/${file.name}`).to.be.below(0.5)
    }
    // The extension alone is not enough: a workbook of other content is not claimed, one with
    // the QuantStudio header and sheet names is.
    const workbook = async (rows: (string | number)[][]) => {
      const book = new ExcelJS.Workbook()
      book.addWorksheet('Results').addRows(rows)
      return Buffer.from(await book.xlsx.writeBuffer())
    }
    expect(
      await appbioQuantstudio.detect(
        'data.xlsx',
        await workbook([
          ['Well', 'Value'],
          [1, 3],
        ]),
      ),
    ).to.equal(0)
    const lookalike = await workbook([
      ['Block Type', '96-Well Block (0.2mL)'],
      ['Experiment Type', 'Standard Curve'],
      [],
      ['Well', 'Well Position', 'CT'],
      [1, 'A1', 20],
    ])
    expect(await appbioQuantstudio.detect('data.xlsx', lookalike)).to.be.at.least(0.9)
    const converted = await convert('lookalike.xlsx', lookalike)
    expect(processed(measurementOf(converted, 'A1'))['cycle threshold result']).to.deep.equal({value: 20, unit: '(unitless)'})
  })
})
