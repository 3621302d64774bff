import {appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'
import {parse} from 'csv-parse/sync'

import {withConnection} from '../../../src/lake/duckdb.js'
import type {TestWorkspace} from '../../support/cli.js'
import {convertedWorkspace} from '../../support/converted-workspace.js'
import {dataPackageErrors} from '../../support/datapackage.js'
import {queryTable} from '../../support/lake.js'
import {bmgReference} from '../../support/testdata.js'

describe('labmesh package pull and verify', function () {
  this.timeout(300_000)
  let ws: TestWorkspace
  let fileIds: Map<string, string>
  const measurements = (): string => path.join(ws.home, 'lake', 'lab', 'plate_reader_measurement')

  before(async () => {
    ;({ws, fileIds} = await convertedWorkspace())
  })
  after(() => ws.remove())

  it('pulls a whole table as a CSV data package that validates and verifies', async () => {
    const dir = ws.path('all')
    const pulled = await ws.run(['package', 'pull', 'lab.plate_reader_measurement', '--out-dir', dir, '--json'])
    expect(pulled.code, pulled.stderr).to.equal(0)
    const [{n}] = await queryTable(measurements(), (t) => `SELECT count(*)::INTEGER AS n FROM ${t}`)
    // The plate readers' wells: BMG 96, SoftMax Pro 96 at 3 wavelengths, EnVision 2 plates of 96.
    expect(n).to.equal(96 + 288 + 192)
    expect(pulled.json).to.include({table: 'lab.plate_reader_measurement', rows: n, dir})
    const descriptor = JSON.parse(readFileSync(path.join(dir, 'datapackage.json'), 'utf8'))
    expect(dataPackageErrors(descriptor)).to.deep.equal([])
    expect(descriptor.title).to.equal('lab.plate_reader_measurement')
    expect(descriptor.resources[0]).to.include({name: 'plate_reader_measurement', path: 'plate_reader_measurement.csv'})
    expect(descriptor.labmesh.sql).to.equal('SELECT * FROM "lab"."plate_reader_measurement"')
    const {version} = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))
    expect(descriptor.labmesh.generator).to.equal(`labmesh ${version}`)
    const rows = parse(readFileSync(path.join(dir, 'plate_reader_measurement.csv')), {columns: true}) as Record<string, string>[]
    expect(rows).to.have.length(n as number)
    expect(Object.keys(rows[0])).to.deep.equal(descriptor.resources[0].schema.fields.map((f: {name: string}) => f.name))
    const verified = await ws.run(['package', 'verify', dir])
    expect(verified.code).to.equal(0)
    expect(verified.stdout).to.match(/^resource\tpath\tbytes\thash\tresult\n/)
    expect(verified.stderr, 'the verdict is a note: stdout holds the rows').to.include('every resource matches datapackage.json')
  })

  it('pulls chosen columns of the rows matching --where, with bound parameters, as Parquet', async () => {
    const dir = ws.path('bmg')
    const bmg = fileIds.get('BMG Labtech format.CSV')!
    const pulled = await ws.run([
      'package',
      'pull',
      'plate_reader_measurement',
      '--out-dir',
      dir,
      '--columns',
      'sample_location_identifier, absorbance',
      '--where',
      'file_id = $file AND absorbance > $min',
      '--param',
      `file=${bmg}`,
      '--param',
      'min=0.1',
      '--format',
      'parquet',
      '--json',
    ])
    expect(pulled.code, pulled.stderr).to.equal(0)
    const expected = await queryTable(
      measurements(),
      (t) => `SELECT sample_location_identifier, absorbance FROM ${t} WHERE file_id = '${bmg}' AND absorbance > 0.1 ORDER BY 1`,
    )
    expect(expected).to.deep.equal(
      bmgReference()
        .filter(([, absorbance]) => absorbance > 0.1)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([well, absorbance]) => ({sample_location_identifier: well, absorbance})),
    )
    const file = path.join(dir, 'plate_reader_measurement.parquet')
    const back = await withConnection(async (c) =>
      (await c.runAndReadAll('SELECT * FROM read_parquet($file) ORDER BY 1', {file})).getRowObjectsJson(),
    )
    expect(back).to.deep.equal(expected)
    const descriptor = JSON.parse(readFileSync(path.join(dir, 'datapackage.json'), 'utf8'))
    expect(dataPackageErrors(descriptor)).to.deep.equal([])
    expect(descriptor.resources[0].schema.fields).to.deep.equal([
      {name: 'sample_location_identifier', type: 'string'},
      {name: 'absorbance', type: 'number'},
    ])
    expect(descriptor.labmesh.parameters).to.deep.equal({file: bmg, min: '0.1'})
    expect((await ws.run(['package', 'verify', dir])).code).to.equal(0)
  })

  it('pulls a table as it was at an earlier version', async () => {
    const dir = ws.path('first-version')
    const pulled = await ws.run(['package', 'pull', 'lab.files', '--out-dir', dir, '--as-of', '0', '--json'])
    expect(pulled.code, pulled.stderr).to.equal(0)
    expect(pulled.json.rows).to.equal(0)
    const descriptor = JSON.parse(readFileSync(path.join(dir, 'datapackage.json'), 'utf8'))
    expect(descriptor.labmesh.asOf).to.deep.equal({'lab.files': 0})
  })

  it('finds changed, missing and escaping files (exit 6) and passes an untouched package', async () => {
    const dir = ws.path('tampered')
    expect((await ws.run(['package', 'pull', 'lab.files', '--out-dir', dir])).code).to.equal(0)
    const data = path.join(dir, 'files.csv')
    const original = readFileSync(data)
    appendFileSync(data, 'one more line\n')
    const changed = await ws.run(['package', 'verify', dir, '--json'])
    expect(changed.code).to.equal(6)
    expect(changed.json.valid).to.equal(false)
    expect(changed.json.resources[0].problems.join('; ')).to.match(/bytes recorded.*hash differs/)

    writeFileSync(data, Buffer.from(original.toString('utf8').replace('boston', 'bostoN')))
    const sameSize = await ws.run(['package', 'verify', dir, '--json'])
    expect(sameSize.code).to.equal(6)
    expect(sameSize.json.resources[0].problems).to.deep.equal(['the sha256 hash differs from the recorded one'])

    rmSync(data)
    expect((await ws.run(['package', 'verify', dir, '--json'])).json.resources[0].problems).to.deep.equal(['files.csv is missing'])

    writeFileSync(data, original)
    expect((await ws.run(['package', 'verify', dir])).code).to.equal(0)
    const descriptorFile = path.join(dir, 'datapackage.json')
    const descriptor = JSON.parse(readFileSync(descriptorFile, 'utf8'))
    descriptor.resources[0].path = '../../home/labmesh.db'
    writeFileSync(descriptorFile, JSON.stringify(descriptor))
    const escaping = await ws.run(['package', 'verify', dir, '--json'])
    expect(escaping.code).to.equal(6)
    expect(escaping.json.resources[0].problems).to.deep.equal(['../../home/labmesh.db is not a path inside the package'])
    expect(dataPackageErrors(descriptor).length, 'the schema refuses such a path too').to.be.greaterThan(0)
  })

  it('refuses a folder that is not empty, an unknown table or column, and a folder that is no package', async () => {
    const busy = ws.path('busy')
    mkdirSync(busy)
    writeFileSync(path.join(busy, 'notes.txt'), 'mine')
    const conflict = await ws.run(['package', 'pull', 'lab.files', '--out-dir', busy, '--json'])
    expect(conflict.code).to.equal(5)
    expect(readFileSync(path.join(busy, 'notes.txt'), 'utf8')).to.equal('mine')
    const table = await ws.run(['package', 'pull', 'lab.file', '--out-dir', ws.path('x'), '--json'])
    expect(table.code).to.equal(3)
    expect(table.json.error.suggestions[0]).to.include('lab.files')
    const column = await ws.run(['package', 'pull', 'lab.files', '--out-dir', ws.path('x'), '--columns', 'file_id,sourcepath', '--json'])
    expect(column.code).to.equal(6)
    expect(column.json.error.suggestions).to.deep.equal(['did you mean source_path?'])
    const notPackage = await ws.run(['package', 'verify', busy, '--json'])
    expect(notPackage.code).to.equal(3)
  })

  it('pulls only outside the workspace and table folders, and --where must stay one condition', async () => {
    for (const out of [path.join(measurements(), 'pkg'), path.join(ws.home, 'pkg')]) {
      const refused = await ws.run(['package', 'pull', 'lab.files', '--out', out, '--json'])
      expect(refused.code, out).to.equal(4)
      expect(refused.json.error.code).to.equal('FORBIDDEN')
    }
    for (const where of ['1=1) UNION ALL SELECT * FROM lab.files WHERE (1=1', 'true) ORDER BY (1', '1); SELECT (1']) {
      const injected = await ws.run(['package', 'pull', 'lab.files', '--out', ws.path('injected'), '--where', where, '--json'])
      expect(injected.code, where).to.equal(6)
      expect(injected.json.error.code, where).to.equal('INVALID_INPUT')
    }
    const honest = await ws.run([
      'package',
      'pull',
      'lab.files',
      '--out',
      ws.path('honest'),
      '--where',
      'size > 0 -- trailing comment',
      '--json',
    ])
    expect(honest.code, honest.stdout).to.equal(0)
    expect(JSON.parse(readFileSync(path.join(ws.path('honest'), 'datapackage.json'), 'utf8')).labmesh.sql).to.include('size > 0')
  })
})
