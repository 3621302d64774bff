import {createHash, randomBytes} from 'node:crypto'
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {TestWorkspace} from '../../support/cli.js'
import {INSTRUMENTS} from '../../support/testdata.js'

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

describe('labmesh files', function () {
  this.timeout(120_000)
  let ws: TestWorkspace
  let files: any[]
  before(async () => {
    ws = new TestWorkspace()
    const result = await ws.run([
      'ingest',
      path.join(INSTRUMENTS, 'appbio_quantstudio'),
      path.join(INSTRUMENTS, 'beckman_vi_cell_blu'),
      '--exclude',
      '*.json',
      '--json',
    ])
    files = result.json.files
  })
  after(() => ws.remove())

  it('get restores the exact raw bytes of text and binary (xlsx) files', async () => {
    for (const name of ['appbio_quantstudio_example08.xlsx', 'Beckman_Vi-Cell-BLU_example01_utf16.csv']) {
      const record = files.find((f) => f.sourcePath.endsWith(name))
      const out = ws.path('restored')
      const result = await ws.run(['files', 'get', record.fileId, '--out-dir', out, '--json'])
      expect(result.code, result.stderr).to.equal(0)
      expect(result.json).to.include({verified: true, sha256: record.sha256})
      const original = readFileSync(record.sourcePath)
      expect(sha256(readFileSync(path.join(out, name)))).to.equal(sha256(original))
    }
  })

  it('get refuses to overwrite without --force and leaves no partial file', async () => {
    const record = files[0]
    const out = ws.path('again')
    await ws.run(['files', 'get', record.fileId, '--out-dir', out])
    const second = await ws.run(['files', 'get', record.fileId, '--out-dir', out, '--json'])
    expect(second.json.error.code).to.equal('CONFLICT')
    expect(second.code).to.equal(5)
    const forced = await ws.run(['files', 'get', record.fileId, '--out-dir', out, '--force', '--json'])
    expect(forced.code).to.equal(0)
    expect(readdirSync(out)).to.deep.equal([path.basename(record.sourcePath)])
  })

  it('get detects a damaged object instead of restoring wrong bytes', async () => {
    const record = files.find((f) => f.sourcePath.endsWith('Beckman_Vi-Cell-BLU_example02.csv'))
    const object = path.join(ws.home, 'objects', record.sha256.slice(0, 2), record.sha256)
    chmodSync(object, 0o644)
    writeFileSync(object, 'tampered')
    const out = ws.path('damaged')
    const result = await ws.run(['files', 'get', record.fileId, '--out-dir', out, '--json'])
    expect(result.code).to.equal(6)
    expect(result.json.error.code).to.equal('INVALID_DATA')
    expect(readdirSync(out)).to.deep.equal([])
  })

  it('get detects an object damaged at the same size: one flipped bit, caught by the sha256 alone', async () => {
    const record = files.find((f) => f.sourcePath.endsWith('Beckman_Vi-Cell-BLU_example01_utf16.csv'))
    const object = path.join(ws.home, 'objects', record.sha256.slice(0, 2), record.sha256)
    const bytes = readFileSync(object)
    bytes[bytes.length >> 1] ^= 0x01
    chmodSync(object, 0o644)
    writeFileSync(object, bytes)
    expect(statSync(object).size).to.equal(record.size)
    const out = ws.path('flipped')
    const result = await ws.run(['files', 'get', record.fileId, '--out-dir', out, '--json'])
    expect(result.code).to.equal(6)
    expect(result.json.error).to.include({
      code: 'INVALID_DATA',
      message: `stored bytes of ${record.fileId} do not match its record (sha256 ${sha256(bytes)}, expected ${record.sha256}): the workspace object is damaged`,
    })
    expect(readdirSync(out)).to.deep.equal([])
  })

  it('streams files too large to read at once, and restores them byte for byte', async () => {
    const big = ws.path('big-run', 'plate-stack.bin')
    mkdirSync(path.dirname(big), {recursive: true})
    writeFileSync(big, randomBytes(9 * 1024 * 1024 + 7))
    const ingested = await ws.run(['ingest', path.dirname(big), '--json'])
    expect(ingested.code, ingested.stderr).to.equal(0)
    const [record] = ingested.json.files
    expect(record.sha256).to.equal(sha256(readFileSync(big)))
    expect(record.size).to.equal(9 * 1024 * 1024 + 7)
    const object = path.join(ws.home, 'objects', record.sha256.slice(0, 2), record.sha256)
    expect(statSync(object).mode & 0o777, 'objects are read-only').to.equal(0o444)
    const out = ws.path('big-restored')
    const restored = await ws.run(['files', 'get', record.fileId, '--out-dir', out, '--json'])
    expect(restored.json.verified).to.equal(true)
    expect(sha256(readFileSync(path.join(out, 'plate-stack.bin')))).to.equal(record.sha256)
    expect(readdirSync(path.join(ws.home, 'tmp')), 'no temp file left').to.deep.equal([])
  })

  it('label adds and removes labels; list filters by them', async () => {
    const record = files[1]
    const added = await ws.run(['files', 'label', record.fileId, 'site=boston', 'assay=qpcr', '--json'])
    expect(added.json.labels).to.deep.equal([
      {name: 'assay', value: 'qpcr'},
      {name: 'site', value: 'boston'},
    ])
    const removed = await ws.run(['files', 'label', record.fileId, '--remove', 'assay=qpcr', '--json'])
    expect(removed.json.labels).to.deep.equal([{name: 'site', value: 'boston'}])
    const listed = await ws.run(['files', 'list', '--label', 'site=boston', '--json'])
    expect(listed.json.files.map((f: any) => f.fileId)).to.deep.equal([record.fileId])
  })

  it('unknown ids exit 3 with NOT_FOUND; human output names the code', async () => {
    const json = await ws.run(['files', 'show', '00000000-0000-0000-0000-000000000000', '--json'])
    expect(json.code).to.equal(3)
    expect(json.json.error.code).to.equal('NOT_FOUND')
    const human = await ws.run(['files', 'show', 'nope'])
    expect(human.code).to.equal(3)
    expect(human.stderr).to.match(/Error \[NOT_FOUND\]/)
  })

  it('get writes outside the workspace only, says so when --out-dir is a file, and replaces a file at --out only with --force', async () => {
    const record = files[0]
    const file = ws.path('a-file.txt')
    writeFileSync(file, 'mine')
    const onFile = await ws.run(['files', 'get', record.fileId, '--out-dir', file, '--json'])
    expect(onFile.code).to.equal(6)
    expect(onFile.json.error.message).to.include('not a folder')
    expect(readFileSync(file, 'utf8')).to.equal('mine')
    const over = await ws.run(['files', 'get', record.fileId, '--out', file, '--json'])
    expect(over.json.error.code).to.equal('CONFLICT')
    expect(readFileSync(file, 'utf8')).to.equal('mine')
    for (const args of [
      ['--out-dir', path.join(ws.home, 'objects')],
      ['--out', path.join(ws.home, 'objects', 'restored.csv')],
    ]) {
      const inside = await ws.run(['files', 'get', record.fileId, ...args, '--json'])
      expect(inside.code, args.join(' ')).to.equal(4)
      expect(inside.json.error.code).to.equal('FORBIDDEN')
    }
  })

  it('list refuses times that are no times, and days that do not exist', async function () {
    // Six runs of the CLI: more than the default minute on a loaded machine.
    this.timeout(180_000)
    for (const since of ['notadate', '2024-02-30', '2024-13-01', '2024-01-01T25:00']) {
      const result = await ws.run(['files', 'list', '--since', since, '--json'])
      expect(result.code, since).to.equal(2)
      expect(result.json.error.code, since).to.equal('USAGE')
    }
    // Earlier tests of this workspace add files: every file stored so far is within these bounds.
    const stored = (await ws.run(['files', 'list', '--json'])).json.files
    const all = await ws.run(['files', 'list', '--since', '2000-01-01', '--until', '2999-12-31T23:59:59+02:00', '--json'])
    expect(all.json.files).to.have.length(stored.length).and.to.have.length.at.least(files.length)
  })

  it('says clearly when the workspace cannot be a folder, and never hangs on one it cannot create', async () => {
    const file = ws.path('home-is-a-file')
    writeFileSync(file, 'x')
    for (const home of [file, path.join(file, 'below'), ...(existsSync('/proc/self') ? ['/proc/labmesh-test/ws'] : [])]) {
      const result = await ws.run(['files', 'list', '--json'], {env: {LABMESH_HOME: home}})
      expect(result.code, home).to.equal(6)
      expect(result.json.error.message, home).to.include('cannot be used')
    }
  })
})
