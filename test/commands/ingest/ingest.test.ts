import {createHash} from 'node:crypto'
import {chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync} from 'node:fs'
import {execFileSync} from 'node:child_process'
import path from 'node:path'
import {expect} from 'chai'

import {type CliResult, TestWorkspace} from '../../support/cli.js'
import {INSTRUMENTS} from '../../support/testdata.js'

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex')
const rawExports = (dir: string): string[] => {
  const out: string[] = []
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...rawExports(full))
    else if (!entry.name.endsWith('.expected.json')) out.push(full)
  }
  return out
}
const objectCount = (home: string): number =>
  readdirSync(path.join(home, 'objects'), {recursive: true, withFileTypes: true}).filter((e) => e.isFile()).length

describe('labmesh ingest', function () {
  this.timeout(120_000)
  let ws: TestWorkspace
  beforeEach(() => {
    ws = new TestWorkspace()
  })
  afterEach(() => ws.remove())

  it('stores every real instrument export (spaces in names, UTF-16) with its metadata', async () => {
    const expectedFiles = rawExports(INSTRUMENTS)
    const result = await ws.run([
      'ingest',
      INSTRUMENTS,
      '--exclude',
      '**/*.expected.json',
      '--label',
      'site=boston',
      '--metadata',
      'project=alpha',
      '--json',
    ])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.json.ingested).to.equal(expectedFiles.length)
    expect(result.json.failed).to.deep.equal([])
    const bySource = new Map<string, any>(result.json.files.map((f: any) => [f.sourcePath, f]))
    for (const file of expectedFiles) {
      const stored = bySource.get(file)
      expect(stored, file).to.exist
      expect(stored.sha256).to.equal(sha256(file))
      expect(stored.size).to.equal(statSync(file).size)
      expect(stored.version).to.equal(1)
      expect(stored.metadata.project).to.equal('alpha')
      expect(stored.metadata.time).to.equal(statSync(file).mtime.toISOString())
      expect(stored.labels).to.deep.equal([{name: 'site', value: 'boston'}])
    }
    const bmg = [...bySource.keys()].find((p) => p.endsWith('BMG Labtech format.CSV'))
    expect(bmg, 'a file name with spaces').to.exist
    const utf16 = bySource.get(path.join(INSTRUMENTS, 'beckman_vi_cell_blu', 'Beckman_Vi-Cell-BLU_example01_utf16.csv'))
    expect(utf16.metadata.instrument, 'UTF-16 export sniffed').to.equal('beckman-vi-cell-blu')

    const list = await ws.run(['files', 'list', '--json'])
    expect(list.json.files).to.have.length(expectedFiles.length)
    expect(list.json.files[0]).to.include.keys('fileId', 'traceId', 'category', 'sourceHost', 'ingestedAt', 'status')
    expect(list.json.files.every((f: any) => f.category === 'RAW' && f.status === 'ingested')).to.equal(true)
  })

  it('sniffs the instrument of each real export from its content', async () => {
    const result = await ws.run(['ingest', INSTRUMENTS, '--exclude', '**/*.expected.json', '--json'])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.json.files).to.have.length(rawExports(INSTRUMENTS).length)
    const families = new Map<string, string>([
      ['perkin_elmer_envision', 'perkin-elmer-envision'],
      ['bmg_mars', 'bmg-mars'],
      ['thermo_fisher_nanodrop_eight', 'thermo-fisher-nanodrop-eight'],
      ['appbio_quantstudio', 'appbio-quantstudio'],
      ['beckman_vi_cell_blu', 'beckman-vi-cell-blu'],
      ['moldev_softmax_pro', 'moldev-softmax-pro'],
      ['agilent_gen5', 'agilent-gen5'],
      ['roche_cedex_bioht', 'roche-cedex-bioht'],
    ])
    for (const file of result.json.files) {
      const family = path.relative(INSTRUMENTS, file.sourcePath).split(path.sep)[0]
      expect(file.metadata.instrument, file.sourcePath).to.equal(families.get(family))
    }
  })

  it('is idempotent, stores identical bytes once, and versions changed files keeping labels', async () => {
    const drop = ws.path('drop')
    mkdirSync(drop)
    const a = path.join(drop, 'plate.csv')
    cpSync(path.join(INSTRUMENTS, 'bmg_mars', 'BMG Labtech format.CSV'), a)
    cpSync(a, path.join(drop, 'copy-of-plate.csv'))
    const first = await ws.run(['ingest', drop, '--label', 'batch=1', '--json'])
    expect(first.json.ingested).to.equal(2)
    expect(objectCount(ws.home), 'identical bytes under two paths stored once').to.equal(1)

    const again = await ws.run(['ingest', drop, '--json'])
    expect(again.code).to.equal(0)
    expect(again.json).to.include({ingested: 0, unchanged: 2})
    const checked = await ws.run(['ingest', drop, '--checksum', '--json'])
    expect(checked.json).to.include({ingested: 0, unchanged: 2})

    // An edit at the same size with the time put back is trusted as unchanged, unless --checksum reads it.
    const copy = path.join(drop, 'copy-of-plate.csv')
    const {mtime} = statSync(copy)
    const edited = readFileSync(copy)
    edited[edited.length - 3] ^= 0x01
    writeFileSync(copy, edited)
    utimesSync(copy, mtime, mtime)
    expect((await ws.run(['ingest', drop, '--json'])).json).to.include({ingested: 0, unchanged: 2})
    const reread = await ws.run(['ingest', drop, '--checksum', '--json'])
    expect(reread.json).to.include({ingested: 1, unchanged: 1})
    expect(reread.json.files.find((f: any) => f.sourcePath === copy)).to.include({status: 'version', version: 2, sha256: sha256(copy)})

    const original = first.json.files.find((f: any) => f.sourcePath === a)
    await ws.run(['files', 'label', original.fileId, 'reviewed=yes'])
    writeFileSync(a, readFileSync(a, 'utf8') + '\n')
    utimesSync(a, new Date(), new Date(Date.now() + 5000))
    const changed = await ws.run(['ingest', drop, '--json'])
    expect(changed.json).to.include({ingested: 1, unchanged: 1})
    const v2 = changed.json.files.find((f: any) => f.sourcePath === a)
    expect(v2.version).to.equal(2)
    expect(v2.status).to.equal('version')
    expect(v2.fileId).to.not.equal(original.fileId)
    expect(v2.labels).to.deep.include.members([
      {name: 'batch', value: '1'},
      {name: 'reviewed', value: 'yes'},
    ])
    expect(objectCount(ws.home)).to.equal(3)

    const shown = await ws.run(['files', 'show', v2.fileId.slice(0, 8), '--json'])
    expect(shown.code, shown.stderr).to.equal(0)
    expect(shown.json.versions.map((v: any) => v.version)).to.deep.equal([1, 2])
    const list = await ws.run(['files', 'list', '--json'])
    expect(list.json.files.map((f: any) => f.version).sort()).to.deep.equal([2, 2])
    const all = await ws.run(['files', 'list', '--all-versions', '--json'])
    expect(all.json.files).to.have.length(4)
  })

  it('extracts metadata with a path template and reports files that do not match without dropping them', async () => {
    const drop = ws.path('drop')
    mkdirSync(path.join(drop, 'alpha', 'envision'), {recursive: true})
    cpSync(
      path.join(INSTRUMENTS, 'perkin_elmer_envision', 'PE_Envision_absorbance_example01.csv'),
      path.join(drop, 'alpha', 'envision', 'S-001_2024-03-05.csv'),
    )
    cpSync(path.join(INSTRUMENTS, 'perkin_elmer_envision', 'PE_Envision_extra_espaces.csv'), path.join(drop, 'alpha', 'stray.csv'))
    const result = await ws.run(['ingest', drop, '--template', '{project}/{instrument}/{sample}_{date:YYYY-MM-DD}.csv', '--json'])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.json.ingested).to.equal(2)
    const matched = result.json.files.find((f: any) => f.sourcePath.endsWith('S-001_2024-03-05.csv'))
    expect(matched.metadata).to.include({project: 'alpha', instrument: 'envision', sample: 'S-001', date: '2024-03-05'})
    expect(result.json.warnings.map((w: any) => w.code).sort()).to.deep.equal(['METADATA_SHADOWED', 'TEMPLATE_MISMATCH'])
    const mismatch = result.json.warnings.find((w: any) => w.code === 'TEMPLATE_MISMATCH')
    expect(mismatch.path).to.match(/stray\.csv$/)
    const shadowed = result.json.warnings.find((w: any) => w.code === 'METADATA_SHADOWED')
    expect(shadowed.path).to.match(/S-001_2024-03-05\.csv$/)
    expect(shadowed.message).to.include('instrument=envision (detected: perkin-elmer-envision)')

    const filtered = await ws.run(['files', 'list', '--metadata', 'sample=S-001', '--json'])
    expect(filtered.json.files).to.have.length(1)

    // Once converted, lab.files names the instrument the content was detected as; the template's value stays in metadata.
    expect((await ws.run(['convert', '--file-id', matched.fileId, '--json'])).json.converted).to.equal(1)
    const row = await ws.run([
      'query',
      "SELECT instrument, metadata['instrument'] AS given FROM lab.files WHERE file_id = $id",
      '--param',
      `id=${matched.fileId}`,
      '--json',
    ])
    expect(row.json.rows, row.stderr).to.deep.equal([{instrument: 'perkin-elmer-envision', given: 'envision'}])
  })

  it('rejects a malformed template before touching anything', async () => {
    const result = await ws.run(['ingest', INSTRUMENTS, '--template', '{project/{sample}.csv', '--json'])
    expect(result.code).to.equal(6)
    expect(result.json.error.code).to.equal('INVALID_INPUT')
    expect(result.json.error.message).to.match(/position/)
  })

  it('reports each bad file with its reason, stores the rest, and exits non-zero', async () => {
    const drop = ws.path('drop')
    mkdirSync(path.join(drop, 'sub'), {recursive: true})
    cpSync(path.join(INSTRUMENTS, 'roche_cedex_bioht', 'roche_cedex_bioht_example01.txt'), path.join(drop, 'good.txt'))
    writeFileSync(path.join(drop, 'empty.csv'), '')
    symlinkSync(path.join(drop, 'missing-target.csv'), path.join(drop, 'broken-link.csv'))
    symlinkSync('self-loop', path.join(drop, 'self-loop'))
    symlinkSync('..', path.join(drop, 'sub', 'parent'))
    writeFileSync(Buffer.concat([Buffer.from(drop + '/'), Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x63, 0x73, 0x76])]), 'bad name')
    execFileSync('mkfifo', [path.join(drop, 'pipe')])
    const unreadable = path.join(drop, 'locked.csv')
    writeFileSync(unreadable, 'secret')
    chmodSync(unreadable, 0o000)
    // Root reads any file: as root (CI), the CLI runs without the capabilities that let it (setpriv, util-linux).
    const through = process.getuid?.() === 0 ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--'] : []

    const result: CliResult = await ws.run(['ingest', drop, '--json'], {through})
    expect(result.json, result.stderr).to.exist
    expect(result.code).to.equal(6)
    const reasons = new Map<string, any>(result.json.failed.map((f: any) => [path.basename(f.path), f]))
    expect(reasons.get('empty.csv')).to.include({code: 'EMPTY_FILE'})
    expect(reasons.get('broken-link.csv').message).to.match(/broken symbolic link/)
    expect(reasons.get('self-loop').message).to.match(/symbolic link loop/)
    expect(reasons.get('parent').message).to.match(/symbolic link loop/)
    expect(
      [...reasons.values()].find((f: any) => f.code === 'INVALID_INPUT' && /UTF-8/.test(f.message)),
      'non-UTF-8 name',
    ).to.exist
    expect(reasons.get('pipe').message).to.match(/not a regular file/)
    expect(reasons.get('locked.csv')).to.deep.equal({
      path: unreadable,
      code: 'UNREADABLE',
      message: `permission denied: EACCES: permission denied, open '${unreadable}'`,
    })
    expect(result.json.failed).to.have.length(7)
    expect(result.json.files.map((f: any) => path.basename(f.sourcePath))).to.deep.equal(['good.txt'])

    // Nothing already stored is lost: the good file is still there, unchanged, on a re-run.
    const again = await ws.run(['ingest', drop, '--json'])
    expect(again.json.files.find((f: any) => f.sourcePath.endsWith('good.txt')).status).to.equal('unchanged')
  })

  it('dry run shows what would be stored and stores nothing', async () => {
    const folder = path.join(INSTRUMENTS, 'thermo_fisher_nanodrop_eight')
    const result = await ws.run(['ingest', folder, '--include', '*.txt', '--dry-run', '--json'])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.json.dryRun).to.equal(true)
    expect(result.json.ingested).to.equal(2)
    expect(result.json.files.every((f: any) => f.fileId === null && f.status === 'new')).to.equal(true)
    expect(objectCount(ws.home)).to.equal(0)
    const list = await ws.run(['files', 'list', '--json'])
    expect(list.json.files).to.deep.equal([])
  })

  it('include and exclude globs select files by relative path', async () => {
    const result = await ws.run([
      'ingest',
      INSTRUMENTS,
      '--include',
      'agilent_gen5/**',
      '--exclude',
      '**/*.json',
      '--exclude',
      '**/fluorescence/**',
      '--json',
    ])
    expect(result.code, result.stderr).to.equal(0)
    const rel = result.json.files.map((f: any) => path.relative(INSTRUMENTS, f.sourcePath)).sort()
    const expected = readdirSync(path.join(INSTRUMENTS, 'agilent_gen5'), {recursive: true, withFileTypes: true})
      .filter((e) => e.isFile() && !e.name.endsWith('.json'))
      .map((e) => path.relative(INSTRUMENTS, path.join(e.parentPath, e.name)))
      .filter((p) => !p.split(path.sep).includes('fluorescence'))
      .sort()
    expect(expected).to.have.length.greaterThan(3)
    expect(rel).to.deep.equal(expected)
  })
})
