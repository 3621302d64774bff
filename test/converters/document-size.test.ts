import {expect} from 'chai'

import {assertDocumentSize, MAX_DOCUMENT_BYTES} from '../../src/converters/document-size.js'
import {ConverterRegistry} from '../../src/converters/registry.js'
import type {LabmeshError} from '../../src/errors.js'

describe('engineered document size', () => {
  it('counts the JSON a document takes, escapes included, and refuses it past the limit naming the file', () => {
    const document = {rows: [{well: 'A1', value: 0.25, ok: true, none: null}], note: 'a "quoted" line\n'}
    const json = JSON.stringify(document).length
    expect(() => assertDocumentSize(document, 'plate.csv', json)).to.not.throw()
    const error = (() => {
      try {
        assertDocumentSize(document, 'plate.csv', json - 8)
      } catch (e) {
        return e as LabmeshError
      }
    })()
    expect(error?.code).to.equal('INVALID_DATA')
    expect(error?.message).to.include('plate.csv')
    // An object held in several places (a sample document under each read) counts wherever it appears.
    const sample = {'sample identifier': 'S1', 'location identifier': 'A1', volume: {value: 2.5, unit: 'µL'}}
    const shared = {reads: [{sample}, {sample}, {sample, again: [sample]}]}
    const sharedJson = JSON.stringify(shared).length
    expect(() => assertDocumentSize(shared, 'plate.csv', sharedJson)).to.not.throw()
    expect(() => assertDocumentSize(shared, 'plate.csv', sharedJson - 1)).to.throw(/plate\.csv/)
    // Arrays of numbers, short (serialised) and long (walked), count to the byte either way.
    for (const length of [12, 100_001]) {
      const cube = {values: Array.from({length}, (_, i) => (i % 5 === 4 ? null : i / 7 - 3e-7))}
      const cubeJson = JSON.stringify(cube).length
      expect(() => assertDocumentSize(cube, 'cube.csv', cubeJson)).to.not.throw()
      expect(() => assertDocumentSize(cube, 'cube.csv', cubeJson - 1)).to.throw(/cube\.csv/)
    }
    // NaN counts as the walk writes it (three letters), not as JSON's null, in a short array as in any other.
    const withNaN = {values: [0.5, Number.NaN]}
    const nanCount = JSON.stringify(withNaN).length - 1
    expect(() => assertDocumentSize(withNaN, 'nan.csv', nanCount)).to.not.throw()
    expect(() => assertDocumentSize(withNaN, 'nan.csv', nanCount - 1)).to.throw(/nan\.csv/)
    // Control characters take six bytes each in JSON.
    expect(() => assertDocumentSize({s: '\u0001'.repeat(100)}, 'c.csv', 300)).to.throw(/c\.csv/)
  })

  it('refuses, through the registry, a document too large to serialise instead of failing as UNEXPECTED', async () => {
    // One 1 MiB string referenced 600 times: 600 MiB of JSON, more than a JavaScript string holds.
    const line = 'x'.repeat(1024 * 1024)
    const registry = new ConverterRegistry([
      {
        name: 'huge',
        version: '1',
        technique: 'plate reader',
        description: 'makes a huge document',
        detect: () => 1,
        convert: () => ({rows: Array.from({length: 600}, () => line)}),
      },
    ])
    const error = (await registry
      .convert({name: 'huge.csv', bytes: Buffer.from('a,b\n1,2\n')}, 'huge')
      .catch((e: unknown) => e)) as LabmeshError
    expect(error.code).to.equal('INVALID_DATA')
    expect(error.message)
      .to.include('huge.csv')
      .and.include(`${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB`)
  })
})
