import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {TestWorkspace} from '../../support/cli.js'
import {bmgLikePlate} from '../../support/plates.js'

/** More files than any page (200) or batch (500) of convert: a loop that loses its place shows here. */
const FILES = 1200

/**
 * Real: the built CLI, SQLite, DuckDB, the Delta tables and the files on disk. The exports are
 * generated 96-well BMG MARS-like plates, each different.
 */
describe('labmesh convert at scale', function () {
  this.timeout(600_000)
  let ws: TestWorkspace
  before(() => {
    ws = new TestWorkspace()
  })
  after(() => ws.remove())

  it(`one run converts all ${FILES} files ingested before it, into ${FILES} rows of lab.files`, async () => {
    const drop = ws.path('drop')
    for (let n = 0; n < FILES; n++) {
      const folder = path.join(drop, `run-${n % 10}`)
      if (n < 10) mkdirSync(folder, {recursive: true})
      writeFileSync(path.join(folder, `plate-${n}.csv`), bmgLikePlate(n, {rows: 8, columns: 12}))
    }
    const ingested = await ws.run(['ingest', drop, '--json'])
    expect(ingested.code, ingested.stderr).to.equal(0)
    expect(ingested.json.ingested).to.equal(FILES)

    const listed = await ws.run(['files', 'list', '--status', 'ingested', '--all', '--json'])
    expect(listed.json.files, 'files list --all is not cut at --limit').to.have.length(FILES)

    const converted = await ws.run(['convert', '--json'])
    expect(converted.code, converted.stderr).to.equal(0)
    expect(converted.json.converted).to.equal(FILES)
    expect(converted.json.failed).to.deep.equal([])

    const left = await ws.run(['files', 'list', '--status', 'ingested', '--category', 'RAW', '--json'])
    expect(left.json.files).to.deep.equal([])
    const rows = await ws.run([
      'query',
      "SELECT count(*) AS n, count(DISTINCT file_id) AS files FROM lab.files WHERE category = 'RAW'",
      '--json',
    ])
    expect(rows.code, rows.stderr).to.equal(0)
    expect(rows.json.rows).to.deep.equal([{n: FILES, files: FILES}])
    const wells = await ws.run(['query', 'SELECT count(*) AS n FROM lab.plate_reader_measurement', '--json'])
    expect(wells.json.rows).to.deep.equal([{n: FILES * 96}])
  })
})
