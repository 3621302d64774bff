import {spawn} from 'node:child_process'
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import {expect} from 'chai'
import ExcelJS from 'exceljs'

import {scoreDocument} from '../../../src/converters/accuracy.js'
import {BIN, TestWorkspace} from '../../support/cli.js'
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
    const [aggregate] = Object.keys(result.json.document).filter((key) => key.endsWith(' aggregate document'))
    const {version} = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))
    expect(result.json.document[aggregate]['data system document']['labmesh version']).to.equal(version)
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

  it('--retry-failed converts the files that failed before; a plain convert leaves them', async () => {
    const modulePath = ws.path('lab-weights.mjs')
    writeFileSync(modulePath, USER_CONVERTER)
    const sample = ws.path('balance.txt')
    writeFileSync(sample, '#balance\nS-1,1.25\nS-2,0.98\n')
    await ws.run(['ingest', sample])
    const forced = await ws.run(['convert', '--converter', 'thermo-fisher-nanodrop-eight', '--json'])
    expect(forced.json.failed).to.have.length(1)
    const plain = await ws.run(['convert', '--converter-module', modulePath, '--json'])
    expect(plain.json).to.deep.include({converted: 0, failed: []})
    const retried = await ws.run(['convert', '--retry-failed', '--converter-module', modulePath, '--json'])
    expect(retried.code, retried.stdout).to.equal(0)
    expect(retried.json.converted).to.equal(1)
    expect(retried.json.files[0].converter).to.equal('lab-weights')
    const [raw] = (await ws.run(['files', 'list', '--category', 'RAW', '--json'])).json.files
    expect(raw).to.deep.include({status: 'converted', error: null})
  })

  it('refuses, quickly and for that file alone, a CSV too wide for a table (100,000 columns)', async () => {
    const wide = ws.path('wide.csv')
    const columns = 100_000
    writeFileSync(
      wide,
      `${Array.from({length: columns}, (_, i) => `c${i}`).join(',')}\n${Array.from({length: columns}, (_, i) => (i % 1000) / 10).join(',')}\n`,
    )
    await ws.run(['ingest', wide, NANODROP])
    const result = await ws.run(['convert', '--json'])
    expect(result.code, result.stderr).to.equal(6)
    expect(result.json.converted).to.equal(1)
    expect(result.json.failed).to.have.length(1)
    expect(result.json.failed[0]).to.include({sourcePath: wide, code: 'INVALID_DATA'})
    expect(result.json.failed[0].message).to.include('wider than 4096 columns')
    const engineered = (await ws.run(['files', 'list', '--category', 'ENGINEERED', '--json'])).json.files
    expect(engineered.map((f: {sourcePath: string}) => f.sourcePath)).to.deep.equal([NANODROP])
  })

  it('refuses at once, for that file alone, a workbook whose sheet declares more rows than one document holds', async () => {
    const workbook = new ExcelJS.Workbook()
    const sheet = workbook.addWorksheet('Results')
    sheet.addRow(['Well', 'Absorbance'])
    sheet.addRow(['A1', 0.5])
    sheet.getCell('A600001').value = 'last'
    const long = ws.path('long.xlsx')
    writeFileSync(long, Buffer.from(await workbook.xlsx.writeBuffer()))
    const alone = await ws.run(['convert', 'file', long, '--json'])
    expect(alone.code, alone.stderr).to.equal(6)
    expect(alone.json.error).to.include({code: 'INVALID_DATA', subject: 'long.xlsx'})
    expect(alone.json.error.message).to.include('long.xlsx is too large to convert as one document').and.include('600001 rows')
    await ws.run(['ingest', long, NANODROP])
    const result = await ws.run(['convert', '--json'])
    expect(result.code, result.stderr).to.equal(6)
    expect(result.json.converted).to.equal(1)
    expect(result.json.failed).to.have.length(1)
    expect(result.json.failed[0]).to.include({sourcePath: long, code: 'INVALID_DATA'})
  })

  describe('runs at the same time', () => {
    const FAMILIES = ['bmg_mars', 'roche_cedex_bioht', 'thermo_fisher_nanodrop_eight', 'beckman_vi_cell_blu']
    const database = (): Database.Database => new Database(path.join(ws.home, 'labmesh.db'))
    /** Raw file ids by source path, after ingesting a few exports of several families. */
    const ingestSome = async (): Promise<string[]> => {
      const paths = FAMILIES.flatMap((family) =>
        readdirSync(path.join(INSTRUMENTS, family))
          .filter((name) => !name.endsWith('.json'))
          .slice(0, 3)
          .map((name) => path.join(INSTRUMENTS, family, name)),
      )
      const ingested = await ws.run(['ingest', ...paths, '--json'])
      expect(ingested.code, ingested.stdout).to.equal(0)
      return ingested.json.files.map((f: {fileId: string}) => f.fileId)
    }
    const engineeredPerRaw = async (): Promise<number[]> => {
      const engineered = (await ws.run(['files', 'list', '--category', 'ENGINEERED', '--all-versions', '--json'])).json.files
      const counts = new Map<string, number>()
      for (const file of engineered) counts.set(file.rawFileId, (counts.get(file.rawFileId) ?? 0) + 1)
      return [...counts.values()]
    }

    it('share the work: each file is converted once, and schema changes of two runs both land', async () => {
      const ids = await ingestSome()
      // Two runs on different files of every family: their commits to the same tables race.
      const halves = [ids.filter((_, i) => i % 2 === 0), ids.filter((_, i) => i % 2 === 1)]
      const split = await Promise.all(halves.map((half) => ws.run(['convert', ...half.flatMap((id) => ['--file-id', id]), '--json'])))
      for (const run of split) expect(run.json.failed, run.stdout).to.deep.equal([])
      expect(split[0].json.converted + split[1].json.converted).to.equal(ids.length)

      const more = await ws.run(['ingest', path.join(INSTRUMENTS, 'moldev_softmax_pro'), '--exclude', '*.json', '--json'])
      const both = await Promise.all([ws.run(['convert', '--json']), ws.run(['convert', '--json'])])
      for (const run of both) expect(run.json.failed, run.stdout).to.deep.equal([])
      expect(both[0].json.converted + both[1].json.converted).to.equal(more.json.ingested)
      const perRaw = await engineeredPerRaw()
      expect(perRaw).to.have.length(ids.length + more.json.ingested)
      expect(perRaw.every((n) => n === 1)).to.equal(true)
      const [{n}] = (await ws.run(['query', 'SELECT count(DISTINCT file_id)::INTEGER AS n FROM lab.files', '--json'])).json.rows
      expect(n).to.equal(ids.length + more.json.ingested)
    })

    it('leave a file another live run holds alone, and take over files of a run that is gone', async () => {
      const [held, gone, expired] = await ingestSome()
      const deadPid = await new Promise<number>((resolve) => {
        const child = spawn(process.execPath, ['-e', ''])
        child.on('exit', () => resolve(child.pid!))
      })
      const db = database()
      const claim = db.prepare("UPDATE files SET status = 'converting', claim_owner = ?, claim_expires_at = ? WHERE file_id = ?")
      const later = new Date(Date.now() + 3_600_000).toISOString()
      claim.run(`${hostname()}:${process.pid}:live`, later, held)
      claim.run(`${hostname()}:${deadPid}:dead`, later, gone)
      claim.run('elsewhere:1:old', new Date(Date.now() - 1000).toISOString(), expired)
      db.close()

      const named = await ws.run(['convert', '--file-id', held, '--json'])
      expect(named.json.failed.map((f: {rawFileId: string; code: string}) => [f.rawFileId, f.code])).to.deep.equal([[held, 'CONFLICT']])
      const plain = await ws.run(['convert', '--json'])
      expect(plain.json.failed).to.deep.equal([])
      const converted = plain.json.files.map((f: {rawFileId: string}) => f.rawFileId)
      expect(converted).to.include.members([gone, expired])
      expect(converted).to.not.include(held)
      const statuses = (await ws.run(['files', 'list', '--category', 'RAW', '--json'])).json.files.map(
        (f: {fileId: string; status: string}) => [f.fileId, f.status],
      )
      expect(statuses.filter(([, status]: string[]) => status !== 'converted')).to.deep.equal([[held, 'converting']])
    })

    it('a run killed mid-way leaves nothing held: the next run converts the rest', async () => {
      await ingestSome()
      const child = spawn(process.execPath, [BIN, 'convert', '--concurrency', '1'], {env: ws.env(), cwd: ws.root, stdio: 'ignore'})
      const db = database()
      const converting = db.prepare<[], {n: number}>("SELECT count(*) AS n FROM files WHERE status = 'converting'")
      const deadline = Date.now() + 120_000
      while (converting.get()!.n === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
      expect(converting.get()!.n, 'the run had claimed files').to.be.greaterThan(0)
      child.kill('SIGKILL')
      await new Promise((resolve) => child.on('exit', resolve))
      db.close()
      const next = await ws.run(['convert', '--json'])
      expect(next.json.failed).to.deep.equal([])
      const raw = (await ws.run(['files', 'list', '--category', 'RAW', '--json'])).json.files
      expect(raw.filter((f: {status: string}) => f.status !== 'converted')).to.deep.equal([])
      expect((await engineeredPerRaw()).length).to.equal(raw.length)
    })
  })
})
