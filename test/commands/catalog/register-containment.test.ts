import {cpSync, mkdirSync, readdirSync, symlinkSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {TestWorkspace} from '../../support/cli.js'
import {registerUnchecked} from '../../support/legacy-registration.js'
import {DELTA_TABLES, INSTRUMENTS} from '../../support/testdata.js'

/**
 * Queries read the lake and the registered tables' folders, never the workspace's database or
 * stored objects: a table folder that holds the workspace (or lies in it, outside the lake) is
 * refused at registration, and one registered so by an older labmesh is not opened. Built CLI,
 * real SQLite and DuckDB, a Delta table written by Spark from ../shared/testdata.
 */
describe('catalog register and query keep the workspace out of reach', function () {
  this.timeout(300_000)
  let ws: TestWorkspace
  const spark = path.join(DELTA_TABLES, 'delta-0.8.0')

  before(async () => {
    ws = new TestWorkspace()
    const ingested = await ws.run(['ingest', path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV'), '--json'])
    expect(ingested.code, ingested.stderr).to.equal(0)
    // The Delta table's files beside the workspace folder: its folder holds the workspace.
    cpSync(spark, ws.root, {recursive: true})
  })
  after(() => ws?.remove())

  const storedFiles = (): string[] => {
    const objects = path.join(ws.home, 'objects')
    const shard = readdirSync(objects).find((name) => name !== 'tmp')!
    return [path.join(ws.home, 'labmesh.db'), path.join(objects, shard, readdirSync(path.join(objects, shard))[0])]
  }

  it('refuses to register a folder that holds the workspace, or lies in it outside the lake', async () => {
    const around = await ws.run(['catalog', 'register', 'around.readings', ws.root, '--json'])
    expect(around.code, around.stdout).to.equal(6)
    expect(around.json.error.code).to.equal('INVALID_INPUT')
    expect(around.json.error.message)
      .to.include(ws.root)
      .and.match(/holds the labmesh workspace/)

    const inside = path.join(ws.home, 'stash', 'readings')
    cpSync(spark, inside, {recursive: true})
    const within = await ws.run(['catalog', 'register', 'inside.readings', inside, '--json'])
    expect(within.code, within.stdout).to.equal(6)
    expect(within.json.error.message).to.match(/inside the labmesh workspace/)

    // A link to the folder around the workspace is the same folder.
    const link = ws.path('link-to-root')
    symlinkSync(ws.root, link)
    const linked = await ws.run(['catalog', 'register', 'linked.readings', link, '--json'])
    expect(linked.json.error?.code).to.equal('INVALID_INPUT')

    const listed = await ws.run(['catalog', 'list', '--json'])
    expect(listed.json.tables.map((t: any) => t.database)).to.not.include.members(['around', 'inside', 'linked'])

    // A folder of its own next to the workspace is fine.
    const beside = ws.path('beside', 'readings')
    mkdirSync(path.dirname(beside))
    cpSync(spark, beside, {recursive: true})
    const ok = await ws.run(['catalog', 'register', 'beside.readings', beside, '--json'])
    expect(ok.code, ok.stderr).to.equal(0)
  })

  it('does not open a table registered around the workspace by an older labmesh: the database and objects stay unreadable', async () => {
    registerUnchecked(ws.home, 'around', 'readings', ws.root)
    for (const file of storedFiles()) {
      const read = await ws.run(['query', `SELECT octet_length(content) AS n FROM read_blob('${file}')`, '--json'])
      expect(read.json.error?.code, `${file}: ${read.stdout}`).to.equal('FORBIDDEN')
    }
    const table = await ws.run(['query', 'SELECT count(*) AS n FROM around.readings', '--json'])
    expect(table.json.error?.code, table.stdout).to.equal('FORBIDDEN')
    expect(table.json.error.message).to.match(/holds the labmesh workspace/)
    // The other tables still answer.
    const beside = await ws.run(['query', 'SELECT count(*)::INT AS n FROM beside.readings', '--json'])
    expect(beside.code, beside.stderr).to.equal(0)
    expect(beside.json.rows).to.deep.equal([{n: 4}])
  })
})
