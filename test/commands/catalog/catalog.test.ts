import {execFileSync} from 'node:child_process'
import {cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
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

  describe('tables whose files would lead elsewhere', () => {
    const ACTIVE = 'part-00000-04ec9591-0b73-459e-8d18-ba5711d6cbe1-c000.snappy.parquet'
    /** A writable copy of a Delta table of the test data. */
    const copyTable = (name: string, as: string): string => {
      const dir = ws.path(as)
      cpSync(path.join(DELTA_TABLES, name), dir, {recursive: true})
      execFileSync('chmod', ['-R', 'u+w', dir])
      return dir
    }

    it('never reads a data file that links out of its table: describe --sample, optimize and query refuse it', async () => {
      const dir = copyTable('delta-0.8.0', 'linked-table')
      expect((await ws.run(['catalog', 'register', 'linked.t', dir, '--json'])).code).to.equal(0)
      // Rows no one registered: once linked in, they must never come out of labmesh.
      const outside = ws.path('outside.parquet')
      await queryTable(dir, () => `COPY (SELECT 987654321 AS value) TO '${outside}' (FORMAT parquet)`)
      rmSync(path.join(dir, ACTIVE))
      symlinkSync(outside, path.join(dir, ACTIVE))
      const log = readdirSync(path.join(dir, '_delta_log'))
      for (const args of [
        ['catalog', 'describe', 'linked.t', '--sample', '10'],
        ['lake', 'optimize', 'linked.t'],
        ['query', 'SELECT * FROM linked.t'],
        ['package', 'pull', 'linked.t', '--out', ws.path('linked-package')],
      ]) {
        const result = await ws.run([...args, '--json'])
        expect(result.code, args.join(' ')).to.equal(4)
        expect(result.json.error.code, args.join(' ')).to.equal('FORBIDDEN')
        expect(result.stdout + result.stderr).to.not.include('987654321')
      }
      expect(readdirSync(path.join(dir, '_delta_log'))).to.deep.equal(log)
      const again = await ws.run(['catalog', 'register', 'linked.again', copyTable('delta-0.8.0', 'linked-too'), '--json'])
      expect(again.code).to.equal(0)
    })

    it('register refuses logs naming data files outside the table, and folders that are no table', async () => {
      for (const [i, escape] of ['/etc/passwd', '../outside.parquet', 'file:///etc/passwd', '%2E%2E/outside.parquet'].entries()) {
        const dir = copyTable('delta-0.8.0', `escaping-${i}`)
        const commit = path.join(dir, '_delta_log', '00000000000000000001.json')
        writeFileSync(commit, readFileSync(commit, 'utf8').replace(`"path":"${ACTIVE}"`, `"path":${JSON.stringify(escape)}`))
        const result = await ws.run(['catalog', 'register', `escaping.t${i}`, dir, '--json'])
        expect(result.code, escape).to.equal(6)
        expect(result.json.error.code, escape).to.equal('INVALID_DATA')
        expect(result.json.error.message, escape).to.include('outside the table')
      }
      expect((await ws.run(['catalog', 'list', '--json'])).stdout).to.not.include('escaping')
      const passwd = await ws.run(['catalog', 'register', 'x.y', '/etc/passwd', '--json'])
      expect(passwd.code).to.equal(6)
      expect(passwd.json.error.message).to.include('not a folder')
    })

    it('registers a table needing an unsupported reader feature with a warning, and queries say why it cannot be read', async () => {
      const registered = await ws.run(['catalog', 'register', 'vectors.t', path.join(DELTA_TABLES, 'table-with-dv-small'), '--json'])
      expect(registered.code).to.equal(0)
      expect(registered.json.warnings.map((w: {message: string}) => w.message).join()).to.include('deletionVectors')
      // Every table of database `vectors` is unreadable: the reason still comes through, not "no schema vectors".
      const queried = await ws.run(['query', 'SELECT * FROM vectors.t', '--json'])
      expect(queried.json.error.code).to.equal('UNSUPPORTED')
      expect(queried.json.error.message).to.include('deletionVectors')
    })
  })

  it('describe --sample of a table whose files disagree with its schema fails clearly, and other tables still answer', async () => {
    const dir = ws.path('mismatched')
    cpSync(path.join(DELTA_TABLES, 'delta-0.8.0'), dir, {recursive: true})
    execFileSync('chmod', ['-R', 'u+w', dir])
    const first = path.join(dir, '_delta_log', '00000000000000000000.json')
    writeFileSync(first, readFileSync(first, 'utf8').replace('\\"type\\":\\"integer\\"', '\\"type\\":\\"date\\"'))
    expect((await ws.run(['catalog', 'register', 'mismatched.t', dir, '--json'])).json.columns).to.deep.equal([
      {name: 'value', type: 'date', nullable: true},
    ])
    const sample = await ws.run(['catalog', 'describe', 'mismatched.t', '--sample', '3', '--json'])
    expect(sample.code).to.equal(6)
    expect(sample.json.error.message).to.include('INTEGER -> DATE')
    expect((await ws.run(['catalog', 'describe', 'lab.files', '--sample', '1', '--json'])).json.sample).to.have.length(1)
  })

  it('a copied or moved workspace keeps using its own tables', async () => {
    const copy = ws.path('home-copy')
    cpSync(ws.home, copy, {recursive: true})
    const logs = (home: string): string[] => readdirSync(path.join(home, 'lake', 'lab', 'files', '_delta_log')).sort()
    const original = logs(ws.home)
    const env = {LABMESH_HOME: copy}
    const extra = path.join(INSTRUMENTS, 'perkin_elmer_envision', 'PE_Envision_luminescence_example01.csv')
    expect((await ws.run(['ingest', extra, '--json'], {env})).code).to.equal(0)
    const converted = await ws.run(['convert', '--json'], {env})
    expect(converted.code, converted.stdout).to.equal(0)
    expect(logs(ws.home)).to.deep.equal(original)
    expect(logs(copy).length).to.be.greaterThan(original.length)
    const listed = (await ws.run(['catalog', 'list', '--json'], {env})).json
    expect(JSON.stringify(listed)).to.not.include(ws.home + path.sep)

    const moved = ws.path('home-moved')
    renameSync(copy, moved)
    const counted = await ws.run(['query', 'SELECT count(*)::INTEGER AS n FROM lab.files', '--json'], {env: {LABMESH_HOME: moved}})
    expect(counted.code, counted.stdout).to.equal(0)
    const [{n}] = await queryTable(path.join(moved, 'lake', 'lab', 'files'), (t) => `SELECT count(*)::INTEGER AS n FROM ${t}`)
    expect(counted.json.rows).to.deep.equal([{n}])
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
