import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {ConverterRegistry} from '../../src/converters/registry.js'
import {documentText, MAX_DOCUMENT_TEXT} from '../../src/search/document-text.js'
import {INSTRUMENTS} from '../support/testdata.js'

async function convertedText(relative: string): Promise<string[]> {
  const file = path.join(INSTRUMENTS, relative)
  const registry = await ConverterRegistry.load()
  const {document} = await registry.convert({name: path.basename(file), bytes: readFileSync(file)})
  return documentText(document).split('\n')
}

describe('search: words of engineered documents', () => {
  it('takes sample ids, analytes, units and device names from a real Cedex BioHT document', async () => {
    const lines = await convertedText('roche_cedex_bioht/roche_cedex_bioht_example01.txt')
    expect(lines).to.include.members(['SMPL1', 'glutamine', 'GLN2B', 'mmol/L', 'CEDEX BIO HT', 'Roche'])
    expect(new Set(lines).size).to.equal(lines.length)
  })

  it('takes plate identifiers, wells and labels from a real EnVision document', async () => {
    const lines = await convertedText('perkin_elmer_envision/PE_Envision_absorbance_example01.csv')
    expect(lines).to.include.members(['EnVision', 'PerkinElmer', '8/22/2023 10:50:28 AM', 'A1', 'BCA Absorbance @ 562(1)', 'mAU'])
  })

  it('leaves out readings (JSON numbers), made-up ids, the file name and the manifest', async () => {
    const lines = await convertedText('roche_cedex_bioht/roche_cedex_bioht_example01.txt')
    expect(lines).not.to.include('2.45')
    expect(
      lines.some(
        (l) => l.startsWith('http://purl.allotrope.org') || l.includes('roche_cedex_bioht_example01.txt') || l.startsWith('labmesh/'),
      ),
    ).to.equal(false)
  })

  it('stops at MAX_DOCUMENT_TEXT without cutting a value', () => {
    const values = Array.from({length: 5000}, (_, i) => `sample-${String(i).padStart(5, '0')}-${'x'.repeat(20)}`)
    const text = documentText({'measurement document': values.map((v) => ({'sample document': {'sample identifier': v}}))})
    expect(text.length).to.be.at.most(MAX_DOCUMENT_TEXT)
    expect(text.length).to.be.greaterThan(MAX_DOCUMENT_TEXT - 40)
    const lines = text.split('\n')
    expect(lines).to.deep.equal(values.slice(0, lines.length))
  })
})
