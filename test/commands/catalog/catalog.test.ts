import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {TestWorkspace} from '../../support/cli.js'
import {queryTable, queryTables} from '../../support/lake.js'
import {DELTA_TABLES, INSTRUMENTS} from '../../support/testdata.js'

const EXPECTED = JSON.parse(readFileSync(path.join(DELTA_TABLES, 'EXPECTED.json'), 'utf8')) as Record<string, any>
const EXPORTS = [
  path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV'),
  path.join(INSTRUMENTS, 'thermo_fisher_nanodrop_eight', 'thermo_nanodrop_eight_RNA.txt'),
  path.join(INSTRUMENTS, 'beckman_vi_cell_blu', 'Beckman_Vi-Cell-BLU_example02.csv'),
  path.join(INSTRUMENTS, 'appbio_quantstudio', 'appbio_quantstudio_example10.xlsx'),
  path.join(INSTRUMENTS, 'moldev_softmax_pro', 'MD_SMP_fluorescence_endpoint_partial_plate_example02.txt'),
]

describe('convert into lake tables, and the catalog', function () {
  this.timeout(300_000)
  let ws: TestWorkspace
  let fileIds: Map<string, string>
  const lake = (table: string): string => path.join(ws.home, 'lake', 'lab', table)

  before(async () => {
    ws = new TestWorkspace()
    const ingested = await ws.run(['ingest', ...EXPORTS, '--label', 'site=boston', '--json'])
    fileIds = new Map(ingested.json.files.map((f: any) => [path.basename(f.sourcePath), f.fileId]))
    const converted = await ws.run(['convert', '--json'])
    expect(converted.code, converted.stderr).to.equal(0)
    expect(converted.json.converted).to.equal(EXPORTS.length)
  })
  after(() => ws.remove())

  it('writes one row per well reading, each carrying file_id and trace_id, with a files table to join', async () => {
    const bmg = fileIds.get('BMG Labtech format.CSV')
    const wells = await queryTable(
      lake('plate_reader_measurement'),
      (t) => `SELECT count(*)::INT AS n, count(DISTINCT sample_location_identifier)::INT AS wells FROM ${t} WHERE file_id = '${bmg}'`,
    )
    expect(wells).to.deep.equal([{n: 96, wells: 96}])
    const a1 = await queryTable(
      lake('plate_reader_measurement'),
      (t) => `SELECT absorbance, absorbance_unit, trace_id FROM ${t} WHERE file_id = '${bmg}' AND sample_location_identifier = 'A1'`,
    )
    expect(a1[0]).to.include({absorbance: 0.073, absorbance_unit: 'mAU'})
    expect(a1[0].trace_id).to.be.a('string')

    const files = await queryTable(
      lake('files'),
      (t) => `SELECT file_id, instrument, metadata['instrument'] AS meta, labels FROM ${t} ORDER BY source_path`,
    )
    expect(files).to.have.length(EXPORTS.length)
    expect(files.every((f) => Array.isArray(f.labels) && (f.labels as string[]).includes('site=boston'))).to.equal(true)
    const joined = await queryTables(
      {m: lake('plate_reader_measurement'), f: lake('files')},
      ({m, f}) => `SELECT f.instrument, count(*)::INT AS n FROM ${m} m JOIN ${f} f USING (file_id, trace_id) GROUP BY ALL ORDER BY 1`,
    )
    expect(joined).to.deep.equal([
      {instrument: 'bmg-mars', n: 96},
      // The SoftMax Pro plate: 96 wells read at 3 wavelengths (535, 610, 720 nm), empty wells included.
      {instrument: 'moldev-softmax-pro', n: 288},
    ])
  })

  it('catalog list and describe show versions, row counts from statistics, columns and types', async () => {
    const list = await ws.run(['catalog', 'list', '--json'])
    expect(list.code, list.stderr).to.equal(0)
    const byName = new Map<string, any>(list.json.tables.map((t: any) => [`${t.database}.${t.table}`, t]))
    expect(byName.get('lab.files').rows).to.equal(EXPORTS.length)
    for (const name of ['lab.plate_reader', 'lab.plate_reader_measurement', 'lab.spectrophotometry', 'lab.cell_counting', 'lab.qpcr'])
      expect(byName.has(name), name).to.equal(true)

    const describe = await ws.run(['catalog', 'describe', 'lab.plate_reader_measurement', '--sample', '3', '--json'])
    expect(describe.code, describe.stderr).to.equal(0)
    const columns = new Map<string, string>(describe.json.columns.map((c: any) => [c.name, c.type]))
    expect(columns.get('file_id')).to.equal('string')
    expect(columns.get('absorbance')).to.equal('double')
    expect(columns.get('absorbance_unit')).to.equal('string')
    expect(describe.json.sample).to.have.length(3)

    const unknown = await ws.run(['catalog', 'describe', 'lab.plate_reader_measurment', '--json'])
    expect(unknown.code).to.equal(3)
    expect(unknown.json.error.suggestions[0]).to.include('lab.plate_reader_measurement')
  })

  it('reconverting replaces a file’s rows copy-on-write: new versions, no duplicates', async () => {
    const before = await queryTable(lake('plate_reader_measurement'), (t) => `SELECT count(*)::INT AS n FROM ${t}`)
    expect(before).to.deep.equal([{n: 96 + 288}])
    const historyBefore = (await ws.run(['catalog', 'history', 'lab.plate_reader_measurement', '--json'])).json.versions
    const again = await ws.run(['convert', '--reconvert', '--json'])
    expect(again.json.converted).to.equal(EXPORTS.length)
    const after = await queryTable(lake('plate_reader_measurement'), (t) => `SELECT count(*)::INT AS n FROM ${t}`)
    expect(after).to.deep.equal(before)
    const history = (await ws.run(['catalog', 'history', 'lab.plate_reader_measurement', '--json'])).json.versions
    expect(history.length).to.equal(historyBefore.length + 1)
    expect(history.at(-1).operation).to.equal('WRITE')
    const files = await queryTable(lake('files'), (t) => `SELECT count(*)::INT AS n FROM ${t}`)
    expect(files).to.deep.equal([{n: EXPORTS.length}])
  })

  it('optimize compacts the files a table gathered over several conversions, keeping its rows; vacuum then removes the old ones', async () => {
    const more = ['roche_cedex_bioht_example01.txt', 'roche_cedex_bioht_example02.txt', 'roche_cedex_bioht_example04.txt']
    const added = await ws.run(['ingest', ...more.map((name) => path.join(INSTRUMENTS, 'roche_cedex_bioht', name)), '--json'])
    for (const file of added.json.files) await ws.run(['convert', '--file-id', file.fileId])
    const rows = await queryTable(lake('files'), (t) => `SELECT count(*)::INT AS n FROM ${t}`)
    expect(rows).to.deep.equal([{n: EXPORTS.length + more.length}])
    const described = (await ws.run(['catalog', 'describe', 'lab.files', '--json'])).json
    expect(described.files).to.be.greaterThan(1)
    const optimized = await ws.run(['lake', 'optimize', 'lab.files', '--json'])
    expect(optimized.code, optimized.stderr).to.equal(0)
    expect(optimized.json.filesAdded).to.equal(1)
    expect((await ws.run(['catalog', 'describe', 'lab.files', '--json'])).json.files).to.equal(1)
    expect(await queryTable(lake('files'), (t) => `SELECT count(*)::INT AS n FROM ${t}`)).to.deep.equal(rows)

    const kept = await ws.run(['lake', 'vacuum', 'lab.files', '--dry-run', '--json'])
    expect(kept.json.files, 'within the 7-day retention nothing goes').to.deep.equal([])
    const refused = await ws.run(['lake', 'vacuum', 'lab.files', '--retention', '0h', '--json'])
    expect(refused.code, 'a short retention needs --force').to.equal(6)
    expect(refused.json.error.code).to.equal('INVALID_INPUT')
    const dry = await ws.run(['lake', 'vacuum', 'lab.files', '--retention', '0h', '--force', '--dry-run', '--json'])
    // At least the files optimize replaced (earlier rewrites of the table left others).
    expect(optimized.json.filesRemoved).to.equal(described.files)
    expect(dry.json.files.length).to.be.at.least(optimized.json.filesRemoved)
    const vacuumed = await ws.run(['lake', 'vacuum', 'lab.files', '--retention', '0h', '--force', '--json'])
    expect(vacuumed.json.files).to.deep.equal(dry.json.files)
    expect(await queryTable(lake('files'), (t) => `SELECT count(*)::INT AS n FROM ${t}`)).to.deep.equal(rows)
  })

  it('registers every Delta table written by Spark and delta-rs and describes it as its log says', async () => {
    for (const [name, expected] of Object.entries(EXPECTED)) {
      const table = `shared.${name.replaceAll('.', '_').replaceAll('-', '_')}`
      const registered = await ws.run(['catalog', 'register', table, path.join(DELTA_TABLES, name), '--json'])
      expect(registered.code, `${name}: ${registered.stdout}${registered.stderr}`).to.equal(0)
      expect(registered.json.version, name).to.equal(expected.version)
      expect(registered.json.files, name).to.equal(expected.activeFiles)
      expect(
        registered.json.columns.map((c: any) => c.name),
        name,
      ).to.deep.equal(expected.columns)
      expect(registered.json.partitionColumns, name).to.deep.equal(expected.partitionColumns)
      if (expected.readerFeatures) {
        expect(registered.json.readerFeatures).to.include.members(expected.readerFeatures)
        const sample = await ws.run(['catalog', 'describe', table, '--sample', '1', '--json'])
        expect(sample.code, name).to.equal(5)
        expect(sample.json.error.code, name).to.equal('UNSUPPORTED')
        expect(sample.json.error.message).to.match(/deletionVectors/)
      } else {
        const sample = await ws.run(['catalog', 'describe', table, '--sample', '1000', '--json'])
        expect(sample.code, `${name}: ${sample.stdout}`).to.equal(0)
        expect(sample.json.sample, name).to.have.length(expected.rows)
      }
    }
    const missing = await ws.run(['catalog', 'register', 'shared.nothing', ws.root, '--json'])
    expect(missing.code).to.equal(3)
  })

  it('lake manifest writes the symlink manifests, and with --enable every later conversion keeps them current', async () => {
    const manifestLines = () =>
      readFileSync(path.join(lake('files'), '_symlink_format_manifest', 'manifest'), 'utf8')
        .trimEnd()
        .split('\n')
    const once = await ws.run(['lake', 'manifest', 'lab.files', '--json'])
    expect(once.code, once.stderr).to.equal(0)
    expect(once.json).to.include({table: 'lab.files', written: 1, enabled: false})
    expect(once.json.warnings[0].message).to.match(/--enable/)
    const described = async () => (await ws.run(['catalog', 'describe', 'lab.files', '--json'])).json
    expect(manifestLines()).to.have.length((await described()).files)

    const enabled = await ws.run(['lake', 'manifest', 'lab.files', '--enable', '--json'])
    expect(enabled.json).to.include({enabled: true, version: once.json.version + 1})
    const added = await ws.run(['ingest', path.join(INSTRUMENTS, 'roche_cedex_bioht', 'roche_cedex_bioht_example03.txt'), '--json'])
    expect((await ws.run(['convert', '--file-id', added.json.files[0].fileId])).code).to.equal(0)
    const now = await described()
    expect(now.version).to.be.greaterThan(enabled.json.version)
    const lines = manifestLines()
    expect(lines).to.have.length(now.files)
    for (const line of lines) expect(existsSync(line.replace(/^file:/, '')), line).to.equal(true)
  })
})
