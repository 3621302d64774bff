import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {scoreDocument} from '../../src/converters/accuracy.js'
import {ConverterRegistry, GENERIC_CONVERTER} from '../../src/converters/registry.js'
import {correctedReference} from '../support/reference-errata.js'
import {
  allInstrumentExports,
  converterNameFor,
  FIRST_FAMILIES_BAR,
  INSTRUMENTS_MORE,
  instrumentExports,
  MORE_FAMILIES_BAR,
  PLATE_READER_FAMILIES,
  TESTDATA,
} from '../support/testdata.js'

// The accuracy bar of the convert stage over the twenty families of instruments/ and
// instruments-more/, each converter chosen by content detection: the first eight families keep
// mean >= 0.98 and every file >= 0.9, the twelve newer ones mean >= 0.95 and every file >= 0.85.
// The generic converter alone averages >= 0.8 on plate readers. Scored against the references,
// corrected only where they contradict the file (reference-errata.ts).
describe('converter accuracy on real instrument exports', () => {
  const exports = allInstrumentExports()
  const families = [...new Set(exports.map((e) => e.family))].sort()
  let registry: ConverterRegistry
  before(async () => {
    registry = await ConverterRegistry.load()
  })

  it('covers the twenty families of both folders', () => {
    expect(families).to.have.length(20)
  })

  for (const family of families) {
    const files = exports.filter((e) => e.family === family)
    const bar = files[0].path.startsWith(INSTRUMENTS_MORE) ? MORE_FAMILIES_BAR : FIRST_FAMILIES_BAR
    describe(family, () => {
      const scores: number[] = []
      for (const file of files) {
        it(`${file.name}: detected and converted with score >= ${bar.file}`, async () => {
          const bytes = readFileSync(file.path)
          const chosen = await registry.choose(file.name, bytes)
          expect(chosen.name, 'detected converter').to.equal(converterNameFor(family))
          const {document} = await registry.convert({name: file.name, bytes})
          const score = scoreDocument(document, correctedReference(path.relative(TESTDATA, file.path), file.expected, bytes))
          scores.push(score.score)
          expect(score.score, JSON.stringify({...score, missing: summarise(score.missing)})).to.be.at.least(bar.file)
        })
      }
      it(`averages at least ${bar.mean}`, () => {
        expect(scores.length).to.equal(files.length)
        const mean = scores.reduce((a, b) => a + b, 0) / scores.length
        expect(mean).to.be.at.least(bar.mean)
      })
    })
  }

  it('generic converter alone averages at least 0.8 over the plate reader files', async () => {
    const plateFiles = instrumentExports().filter((e) => PLATE_READER_FAMILIES.includes(e.family))
    let total = 0
    for (const file of plateFiles) {
      const {document} = await registry.convert({name: file.name, bytes: readFileSync(file.path)}, GENERIC_CONVERTER)
      total += scoreDocument(document, file.expected).score
    }
    expect(total / plateFiles.length).to.be.at.least(0.8)
  })
})

function summarise(missing: Record<string, unknown[]>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(missing).map(([k, v]) => [k, v.length > 6 ? [...v.slice(0, 6), `…${v.length - 6} more`] : v]))
}
