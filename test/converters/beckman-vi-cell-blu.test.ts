import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {beckmanViCellBlu} from '../../src/converters/beckman-vi-cell-blu.js'
import {INSTRUMENTS, instrumentExports} from '../support/testdata.js'
import {expectRefused} from '../support/converter-errors.js'

type Doc = Record<string, any>

const FAMILY = path.join(INSTRUMENTS, 'beckman_vi_cell_blu')

function bytesOf(file: string): Buffer {
  return readFileSync(path.join(FAMILY, file))
}

function convert(file: string, bytes = bytesOf(file)): Doc {
  return beckmanViCellBlu.convert({name: file, bytes}) as Doc
}

function measurements(doc: Doc): Doc[] {
  return doc['cell counting aggregate document']['cell counting document'].flatMap(
    (d: Doc) => d['measurement aggregate document']['measurement document'],
  )
}

function sample(doc: Doc, id: string): Doc {
  const found = measurements(doc).filter((m) => m['sample document']['sample identifier'] === id)
  expect(found, `measurements of ${id}`).to.have.length(1)
  return found[0]
}

function results(measurement: Doc): Doc {
  return measurement['processed data aggregate document']['processed data document'][0]
}

function settings(measurement: Doc): Doc {
  return measurement['device control aggregate document']['device control document'][0]
}

const expectInvalid = (name: string, bytes: Buffer, fragment?: RegExp) => expectRefused(beckmanViCellBlu, name, bytes, fragment)

describe('beckman-vi-cell-blu converter', () => {
  it('reads each sample row with densities, viability, counts and settings', () => {
    const doc = convert('Beckman_Vi-Cell-BLU_example01.csv')
    expect(measurements(doc)).to.have.length(10)
    const clb002 = sample(doc, 'CLB002')
    expect(results(clb002)['viable cell density (cell counter)']).to.deep.equal({value: 2.63, unit: '10^6 cells/mL'})
    expect(results(clb002)['total cell density (cell counter)']).to.deep.equal({value: 2.72, unit: '10^6 cells/mL'})
    expect(results(clb002)['viability (cell counter)']).to.deep.equal({value: 96.81, unit: '%'})
    expect(results(clb002)['total cell count']).to.deep.equal({value: 7670, unit: 'cell'})
    expect(results(clb002)['average live cell diameter (cell counter)']).to.deep.equal({value: 19.48, unit: 'µm'})
    expect(settings(clb002)['minimum cell diameter setting']).to.deep.equal({value: 6, unit: 'µm'})
    expect(settings(clb002)['sample dilution factor setting']).to.deep.equal({value: 1, unit: '(unitless)'})
    expect(settings(clb002)['cell type processing method']).to.equal('Mammalian')
    expect(clb002['measurement time']).to.equal('3/23/2022 15:15')
  })

  it('keeps a non-numeric count as an error, never as a number', () => {
    const clb008 = sample(convert('Beckman_Vi-Cell-BLU_example01.csv'), 'CLB008')
    expect(results(clb008)).to.not.have.property('total cell count')
    expect(clb008['error aggregate document']['error document']).to.deep.include({error: 'ERROR', 'error feature': 'total cell count'})
    expect(results(clb008)['viability (cell counter)']).to.deep.equal({value: 98.5, unit: '%'})
  })

  it('reads the UTF-16 export and the one with the other micro sign alike', () => {
    const utf16 = sample(convert('Beckman_Vi-Cell-BLU_example01_utf16.csv'), 'CLB008')
    expect(results(utf16)['total cell count']).to.deep.equal({value: 7001, unit: 'cell'})
    const micro = sample(convert('Beckman_Vi-Cell-BLU_different_mu_character.csv'), 'CLB001')
    expect(results(micro)['average total cell diameter']).to.deep.equal({value: 18.51, unit: 'µm'})
    expect(settings(micro)['maximum cell diameter setting']).to.deep.equal({value: 30, unit: 'µm'})
  })

  it('reads the fully quoted export', () => {
    const clb003 = sample(convert('Beckman_Vi-Cell-BLU_example02.csv'), 'CLB003')
    expect(results(clb003)['viable cell count']).to.deep.equal({value: 1633, unit: 'cell'})
    expect(settings(clb003)['cell type processing method']).to.equal('HeLa (😢)')
  })

  it('gives deterministic measurement identifiers', () => {
    const ids = (doc: Doc) => measurements(doc).map((m) => m['measurement identifier'])
    expect(ids(convert('Beckman_Vi-Cell-BLU_example02.csv'))).to.deep.equal(ids(convert('Beckman_Vi-Cell-BLU_example02.csv')))
    expect(ids(convert('Beckman_Vi-Cell-BLU_example02.csv'))[0]).to.equal('Beckman_Vi-Cell-BLU_example02.csv_1')
  })

  it('refuses empty, header-only and truncated files, naming them', async () => {
    const full = bytesOf('Beckman_Vi-Cell-BLU_example01.csv')
    await expectInvalid('empty.csv', Buffer.alloc(0), /empty/)
    const headerOnly = full.subarray(0, full.indexOf('\n') + 1)
    await expectInvalid('header-only.csv', headerOnly, /sample row/)
    const cut = full.subarray(0, full.indexOf('CLB002') + 20)
    await expectInvalid('cut.csv', cut, /truncated/)
    await expectInvalid('other.csv', Buffer.from('Well,Value\nA1,3\n'), /Vi-CELL BLU header/)
  })

  it('detects its exports by content and claims no other family', () => {
    for (const file of instrumentExports()) {
      const confidence = beckmanViCellBlu.detect(file.name, readFileSync(file.path)) as number
      if (file.family === 'beckman_vi_cell_blu') expect(confidence, file.name).to.equal(1)
      else expect(confidence, `${file.family}/${file.name}`).to.be.below(0.5)
    }
    const renamed = bytesOf('Beckman_Vi-Cell-BLU_example02.csv')
    expect(beckmanViCellBlu.detect('export.txt', renamed)).to.equal(1)
    expect(beckmanViCellBlu.detect('results.csv', Buffer.from('Sample ID,Value\nS1,3\n'))).to.equal(0)
  })
})
