import {cpSync, mkdirSync, utimesSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {TestWorkspace} from '../../support/cli.js'
import {INSTRUMENTS} from '../../support/testdata.js'

const ENVISION = path.join(INSTRUMENTS, 'perkin_elmer_envision')

describe('versions of a converted file', function () {
  this.timeout(300_000)
  let ws: TestWorkspace
  before(() => {
    ws = new TestWorkspace()
  })
  after(() => ws.remove())

  it('reconverting an old version keeps the current version’s document current; deleting the current version brings the old one back', async () => {
    const plate = ws.path('drop', 'plate.csv')
    mkdirSync(path.dirname(plate), {recursive: true})
    cpSync(path.join(ENVISION, 'PE_Envision_absorbance_example01.csv'), plate)
    const v1 = (await ws.run(['ingest', plate, '--json'])).json.files[0]
    expect((await ws.run(['convert', '--json'])).json.converted).to.equal(1)
    cpSync(path.join(ENVISION, 'PE_Envision_fluorescence_example01.csv'), plate)
    utimesSync(plate, new Date(), new Date(Date.now() + 60_000))
    const v2 = (await ws.run(['ingest', plate, '--json'])).json.files[0]
    expect(v2.version).to.equal(2)
    expect((await ws.run(['convert', '--json'])).json.converted).to.equal(1)

    const again = await ws.run(['convert', '--reconvert', '--file-id', v1.fileId, '--json'])
    expect(again.code, again.stdout).to.equal(0)
    const current = (await ws.run(['files', 'list', '--category', 'engineered', '--json'])).json.files
    expect(
      current.map((f: any) => f.rawFileId),
      'the document of the current raw version',
    ).to.deep.equal([v2.fileId])
    const found = await ws.run(['search', '', '--category', 'engineered', '--json'])
    expect(found.json.hits.map((h: any) => h.file.rawFileId)).to.deep.equal([v2.fileId])
    const all = (await ws.run(['files', 'list', '--category', 'engineered', '--all-versions', '--json'])).json.files
    expect(all.map((f: any) => [f.version, f.rawFileId === v1.fileId ? 'v1' : 'v2'])).to.deep.equal([
      [1, 'v1'],
      [2, 'v2'],
      [3, 'v1'],
    ])

    const deleted = await ws.run(['files', 'delete', v2.fileId, '--json'])
    expect(deleted.code, deleted.stdout).to.equal(0)
    const raw = (await ws.run(['files', 'list', '--category', 'raw', '--json'])).json.files
    expect(raw.map((f: any) => f.fileId)).to.deep.equal([v1.fileId])
    const documents = (await ws.run(['files', 'list', '--category', 'engineered', '--json'])).json.files
    expect(documents.map((f: any) => [f.version, f.rawFileId])).to.deep.equal([[3, v1.fileId]])
    const rows = await ws.run(['query', 'SELECT file_id, version FROM lab.files', '--json'])
    expect(rows.json.rows).to.deep.equal([{file_id: v1.fileId, version: 1}])
  })
})
