import {readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {ConverterRegistry} from '../../src/converters/registry.js'
import {MIN_CONFIDENCE} from '../../src/converters/types.js'
import {allInstrumentExports, converterNameFor, INSTRUMENTS_MORE} from '../support/testdata.js'

// The twelve converters of instruments-more/ on real exports: each claims only its own family's
// files, and readings land in the wells the file puts them in.
type Doc = Record<string, unknown>

function measurements(doc: unknown): Doc[] {
  const out: Doc[] = []
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return
    if (Array.isArray(node)) return node.forEach(walk)
    const record = node as Doc
    if ('measurement identifier' in record) out.push(record)
    Object.values(record).forEach(walk)
  }
  walk(doc)
  return out
}

describe('converters of the newer instrument families', () => {
  let registry: ConverterRegistry
  before(async () => {
    registry = await ConverterRegistry.load()
  })

  const more = allInstrumentExports().filter((e) => e.path.startsWith(INSTRUMENTS_MORE))
  const names = [...new Set(more.map((e) => converterNameFor(e.family)))]

  it('claim no file of another family in either folder', async () => {
    for (const file of allInstrumentExports()) {
      const head = readFileSync(file.path)
      for (const detection of await registry.detect(file.name, head)) {
        if (!names.includes(detection.converter.name) || detection.converter.name === converterNameFor(file.family)) continue
        expect(detection.confidence, `${detection.converter.name} on ${file.family}/${file.name}`).to.be.below(MIN_CONFIDENCE)
      }
    }
  })

  it('Methodical Mind: the grid line "A 12895 10144 ..." is wells A1, A2 (spot 1 of one-spot wells)', async () => {
    const file = path.join(INSTRUMENTS_MORE, 'methodical_mind', 'methodical_test_1.txt')
    const {document} = await registry.convert({name: 'methodical_test_1.txt', bytes: readFileSync(file)})
    const byWell = new Map(
      measurements(document)
        .filter((m) => (m['sample document'] as Doc)['well plate identifier'] === '22M0TALA85N (plate 1)')
        .map((m) => [(m['sample document'] as Doc)['location identifier'], (m.luminescence as {value: number}).value]),
    )
    expect(byWell.get('A1')).to.equal(12895)
    expect(byWell.get('A2')).to.equal(10144)
    expect(byWell.get('B1')).to.equal(13346)
  })

  it('ImmunoSpot: mean spot sizes keep the square millimetres their grid title names', async () => {
    const file = path.join(INSTRUMENTS_MORE, 'ctl_immunospot', 'ctl_immunospot_example2.txt')
    const {document} = await registry.convert({name: 'ctl.txt', bytes: readFileSync(file)})
    const a1 = measurements(document).find(
      (m) => (m['sample document'] as Doc)['location identifier'] === 'A1' && 'mean spot sizes' in m,
    ) as Doc
    expect(a1['mean spot sizes']).to.deep.equal({value: 0.0125, unit: 'mm^2'})
  })

  it('PharmSpec: refuses a report whose particle table stops before its average or approval line', async () => {
    const file = path.join(INSTRUMENTS_MORE, 'beckman_pharmspec', 'hiac_example_7.xls')
    const html = readFileSync(file, 'latin1')
    const cut = html.slice(0, html.lastIndexOf('Average'))
    const error = await registry
      .convert({name: 'hiac.xls', bytes: Buffer.from(`${cut}</table></body></html>`, 'latin1')})
      .catch((e: unknown) => e as Error)
    expect(error).to.be.instanceOf(Error)
    expect((error as Error).message).to.match(/hiac\.xls.*truncated/)
  })
})
