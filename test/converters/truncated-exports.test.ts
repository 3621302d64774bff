import {readFileSync} from 'node:fs'
import {expect} from 'chai'

import {ConverterRegistry} from '../../src/converters/registry.js'
import type {ConverterInput} from '../../src/converters/types.js'
import {isXls, isXlsx} from '../../src/converters/spreadsheet/index.js'
import {expectRefused} from '../support/converter-errors.js'
import {allInstrumentExports} from '../support/testdata.js'

// Every real export of the twenty families, cut short at a third, half and two thirds of its
// bytes, is refused by the converter that reads the whole file (INVALID_DATA naming the file),
// never half-converted. Text files are cut just after a delimiter inside a line: a cut at a line
// end leaves a shorter file that is still whole. Real files and converters, nothing mocked.
const CUTS = [1 / 3, 1 / 2, 2 / 3]

/** The file's own cell delimiter: the most frequent of tab, comma and semicolon. */
function delimiterOf(bytes: Buffer): number {
  const counts = new Map([0x09, 0x2c, 0x3b].map((d) => [d, 0]))
  for (const b of bytes.subarray(0, 64 * 1024)) if (counts.has(b)) counts.set(b, counts.get(b)! + 1)
  return [...counts].sort((a, b) => b[1] - a[1])[0][0]
}

function cutPoint(bytes: Buffer, at: number): number {
  if (isXlsx(bytes) || isXls(bytes)) return Math.floor(bytes.length * at)
  const delimiter = delimiterOf(bytes)
  for (let i = Math.floor(bytes.length * at); i < bytes.length - 1; i++) {
    // Just after a delimiter that more of the same line follows (UTF-16 text: after its zero byte).
    const next = bytes[i + 1] === 0x00 ? bytes[i + 2] : bytes[i + 1]
    if (bytes[i] === delimiter && next !== 0x0a && next !== 0x0d) return bytes[i + 1] === 0x00 ? i + 2 : i + 1
  }
  return Math.floor(bytes.length * at)
}

describe('truncated instrument exports are refused', () => {
  let registry: ConverterRegistry
  before(async () => {
    registry = await ConverterRegistry.load()
  })

  for (const file of allInstrumentExports()) {
    it(`${file.family}/${file.name}`, async () => {
      const bytes = readFileSync(file.path)
      const converter = await registry.choose(file.name, bytes)
      // Through the registry, as `labmesh convert` reads a file, with the converter the whole file chose.
      const reading = {...converter, convert: (input: ConverterInput) => registry.convert(input, converter.name).then((c) => c.document)}
      for (const at of CUTS) {
        const cut = bytes.subarray(0, cutPoint(bytes, at))
        await expectRefused(reading, file.name, cut)
      }
    })
  }

  it('the generic converter wants more than a few bytes of evidence', async () => {
    const error = await registry
      .convert({name: 'stub.txt', bytes: Buffer.from('0\t2023-09-')})
      .catch((e: unknown) => e as Error & {code: string})
    expect(error).to.be.instanceOf(Error)
    expect((error as Error & {code: string}).code).to.equal('INVALID_DATA')
  })
})
