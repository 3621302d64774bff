import {readFileSync, writeFileSync, mkdirSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {scoreDocument} from '../../../src/converters/accuracy.js'
import {TestWorkspace} from '../../support/cli.js'
import {BALANCE_EXPORT, USER_CONVERTER} from '../../support/user-converter.js'
import {INSTRUMENTS} from '../../support/testdata.js'

const NANODROP = path.join(INSTRUMENTS, 'thermo_fisher_nanodrop_eight', 'thermo_nanodrop_eight_example02.txt')
const CEDEX = path.join(INSTRUMENTS, 'roche_cedex_bioht', 'roche_cedex_bioht_example01.txt')

describe('labmesh convert', function () {
  this.timeout(180_000)
  let ws: TestWorkspace
  beforeEach(() => {
    ws = new TestWorkspace()
  })
  afterEach(() => ws.remove())

  it('convert file prints the engineered document of a real export, detected from content', async () => {
    const result = await ws.run(['convert', 'file', NANODROP, '--json'])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.json.converter.name).to.equal('thermo-fisher-nanodrop-eight')
    const expected = JSON.parse(readFileSync(`${NANODROP}.expected.json`, 'utf8'))
    expect(scoreDocument(result.json.document, expected).score).to.be.at.least(0.9)
    const human = await ws.run(['convert', 'file', NANODROP])
    expect(JSON.parse(human.stdout)).to.deep.equal(result.json.document)
  })

  it('convert file --converter forces one; unknown names, empty and binary files fail clearly', async () => {
    const forced = await ws.run([
      'convert',
      'file',
      path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV'),
      '--converter',
      'generic',
      '--json',
    ])
    expect(forced.code, forced.stderr).to.equal(0)
    expect(forced.json.converter.name).to.equal('generic')

    const unknown = await ws.run(['convert', 'file', NANODROP, '--converter', 'nanodrop', '--json'])
    expect(unknown.code).to.equal(3)
    expect(unknown.json.error.suggestions.join(' ')).to.match(/thermo-fisher-nanodrop-eight/)

    const empty = ws.path('empty.csv')
    writeFileSync(empty, '')
    const emptyResult = await ws.run(['convert', 'file', empty, '--json'])
    expect(emptyResult.code).to.equal(6)
    expect(emptyResult.json.error.message).to.match(/empty\.csv/)

    const binary = ws.path('image.csv')
    writeFileSync(
      binary,
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 0, 0, 7]),
    )
    const binaryResult = await ws.run(['convert', 'file', binary, '--json'])
    expect(binaryResult.code).to.equal(6)
    expect(binaryResult.json.error.message).to.match(/image\.csv/)
  })

  it('a truncated export is refused naming the file, never converted with data missing', async () => {
    const truncated = ws.path('truncated_cedex.txt')
    const text = readFileSync(CEDEX, 'utf8')
    writeFileSync(truncated, text.slice(0, Math.floor(text.length / 3)))
    const direct = await ws.run(['convert', 'file', truncated, '--converter', 'roche-cedex-bioht', '--json'])
    expect(direct.code).to.equal(6)
    expect(direct.json.error.message).to.match(/truncated_cedex\.txt/)
  })

  it('converts stored raw files into ENGINEERED files on the same trace, once, with failures recorded', async () => {
    const drop = ws.path('drop')
    mkdirSync(drop)
    for (const file of [NANODROP, CEDEX, path.join(INSTRUMENTS, 'appbio_quantstudio', 'appbio_quantstudio_example10.xlsx')]) {
      writeFileSync(path.join(drop, path.basename(file)), readFileSync(file))
    }
    writeFileSync(path.join(drop, 'notes.txt'), 'no numbers here, just words about the run')
    await ws.run(['ingest', drop])

    const first = await ws.run(['convert', '--json'])
    expect(first.code).to.equal(6)
    expect(first.json.converted).to.equal(3)
    expect(first.json.failed).to.have.length(1)
    expect(first.json.failed[0].sourcePath).to.match(/notes\.txt$/)

    const engineered = await ws.run(['files', 'list', '--category', 'ENGINEERED', '--json'])
    expect(engineered.json.files).to.have.length(3)
    for (const file of engineered.json.files) {
      const raw = (await ws.run(['files', 'show', file.rawFileId, '--json'])).json
      expect(raw.file.traceId).to.equal(file.traceId)
      expect(raw.file.status).to.equal('converted')
      expect(raw.derived.map((d: any) => d.fileId)).to.include(file.fileId)
      const out = ws.path('docs')
      const got = await ws.run(['files', 'get', file.fileId, '--out-dir', out, '--force', '--json'])
      expect(path.basename(got.json.path), 'named apart from the raw file').to.equal(
        `${path.basename(file.sourcePath)}.${file.metadata.converter}.json`,
      )
      const document = JSON.parse(readFileSync(got.json.path, 'utf8'))
      expect(JSON.stringify(document)).to.include(file.metadata.converter)
    }
    const failed = await ws.run(['files', 'list', '--status', 'failed', '--json'])
    expect(failed.json.files).to.have.length(1)
    expect(failed.json.files[0].error).to.deep.equal({
      code: 'INVALID_DATA',
      message: 'notes.txt: no numbers found; expected readings in a plate grid, a result table or header values',
    })
    expect(first.json.failed[0]).to.include({code: 'INVALID_DATA'})

    const engineeredId = engineered.json.files[0].fileId
    const refused = await ws.run(['convert', '--file-id', engineeredId, '--json'])
    expect(refused.code, 'an engineered file is not convert input').to.equal(6)
    expect(refused.json.error.code).to.equal('INVALID_INPUT')
    const unknown = await ws.run(['convert', '--file-id', '00000000-0000-0000-0000-000000000000', '--json'])
    expect(unknown.code).to.equal(3)

    const again = await ws.run(['convert', '--json'])
    expect(again.json).to.deep.include({converted: 0, failed: []})

    const reconverted = await ws.run(['convert', '--reconvert', '--json'])
    expect(reconverted.json.converted).to.equal(3)
    const versions = await ws.run(['files', 'list', '--category', 'ENGINEERED', '--json'])
    expect(versions.json.files.map((f: any) => f.version)).to.deep.equal([2, 2, 2])
  })

  it('user converter modules load from --converter-module and from the profile', async () => {
    const modulePath = ws.path('lab-weights.mjs')
    writeFileSync(modulePath, USER_CONVERTER)
    const sample = ws.path('balance.txt')
    writeFileSync(sample, BALANCE_EXPORT)

    const listed = await ws.run(['convert', 'list', '--converter-module', modulePath, '--json'])
    expect(listed.json.converters.map((c: any) => c.name)).to.include.members(['lab-weights', 'generic', 'bmg-mars'])
    const converted = await ws.run(['convert', 'file', sample, '--converter-module', modulePath, '--json'])
    expect(converted.json.converter.name).to.equal('lab-weights')
    expect(converted.json.document['weighing aggregate document']['weighing document'][1].mass).to.deep.equal({value: 0.98, unit: 'g'})

    mkdirSync(ws.configDir, {recursive: true})
    writeFileSync(path.join(ws.configDir, 'config.json'), JSON.stringify({profiles: {local: {backend: 'local', converters: [modulePath]}}}))
    const viaProfile = await ws.run(['convert', 'file', sample, '--json'])
    expect(viaProfile.json.converter.name).to.equal('lab-weights')

    const broken = ws.path('broken.mjs')
    writeFileSync(broken, 'export default {name: 42}')
    const bad = await ws.run(['convert', 'list', '--converter-module', broken, '--json'])
    expect(bad.code).to.equal(6)
    expect(bad.json.error.message).to.match(/broken\.mjs/)
  })
})
