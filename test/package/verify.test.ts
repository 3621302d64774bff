import {createHash} from 'node:crypto'
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {LabmeshError} from '../../src/errors.js'
import {verifyDataPackage} from '../../src/package/verify.js'

const digest = (algorithm: string, text: string): string => createHash(algorithm).update(text).digest('hex')

describe('package verify', () => {
  let root: string
  let dir: string
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-verify-'))
    dir = path.join(root, 'pkg')
    mkdirSync(path.join(dir, 'data'), {recursive: true})
    writeFileSync(path.join(dir, 'data', 'a.csv'), 'x\n1\n')
    writeFileSync(path.join(dir, 'data', 'b.csv'), '2\n3\n')
    writeFileSync(path.join(root, 'outside.csv'), 'secret\n')
  })
  afterEach(() => rmSync(root, {recursive: true, force: true}))

  const descriptor = (resources: unknown[]): void => writeFileSync(path.join(dir, 'datapackage.json'), JSON.stringify({resources}))

  it('accepts resources whose bytes and hash match: sha256, bare MD5, upper-case hex, several parts hashed as one', async () => {
    descriptor([
      {name: 'a', path: 'data/a.csv', bytes: 4, hash: `sha256:${digest('sha256', 'x\n1\n')}`},
      {name: 'a-md5', path: 'data/a.csv', hash: digest('md5', 'x\n1\n').toUpperCase()},
      {name: 'ab', path: ['data/a.csv', 'data/b.csv'], bytes: 8, hash: `SHA512:${digest('sha512', 'x\n1\n2\n3\n')}`},
    ])
    const check = await verifyDataPackage(dir)
    expect(check.valid, JSON.stringify(check)).to.equal(true)
    expect(check.resources.map((r) => [r.name, r.ok, r.bytes.actual])).to.deep.equal([
      ['a', true, 4],
      ['a-md5', true, 4],
      ['ab', true, 8],
    ])
    expect(check.resources[0].hash.actual).to.equal(`sha256:${digest('sha256', 'x\n1\n')}`)
  })

  it('finds changed bytes, a wrong hash, missing files, paths that leave the package, and resources with nothing to check', async () => {
    descriptor([
      {name: 'resized', path: 'data/a.csv', bytes: 5, hash: `sha256:${digest('sha256', 'x\n1\n')}`},
      {name: 'rehashed', path: 'data/a.csv', bytes: 4, hash: `sha256:${digest('sha256', 'x\n2\n')}`},
      {name: 'missing', path: 'data/c.csv', bytes: 1},
      {name: 'escape', path: '../outside.csv', bytes: 7},
      {name: 'absolute', path: path.join(root, 'outside.csv'), bytes: 7},
      {name: 'unchecked', path: 'data/a.csv'},
      {name: 'remote', path: 'https://example.org/a.csv', bytes: 4},
      {name: 'odd-hash', path: 'data/a.csv', hash: 'whirl:00'},
      {name: 'inline', data: [{x: 1}]},
    ])
    const check = await verifyDataPackage(dir)
    expect(check.valid).to.equal(false)
    const problems = Object.fromEntries(check.resources.map((r) => [r.name, r.problems.join('; ')]))
    expect(check.resources.every((r) => !r.ok)).to.equal(true)
    expect(problems.resized).to.equal('5 bytes recorded, 4 found')
    expect(problems.rehashed).to.equal('the sha256 hash differs from the recorded one')
    expect(problems.missing).to.equal('data/c.csv is missing')
    expect(problems.escape).to.equal('../outside.csv is not a path inside the package')
    expect(problems.absolute).to.match(/is not a path inside the package$/)
    expect(problems.unchecked).to.equal('the descriptor records neither bytes nor hash for it')
    expect(problems.remote).to.match(/is remote/)
    expect(problems['odd-hash']).to.equal('hash algorithm "whirl" is unknown')
    expect(problems.inline).to.equal('inline data: no file to check')
  })

  it('refuses paths into a sibling folder whose name starts with the package’s, even when their bytes and hash match', async () => {
    // pkg-evil/ sits beside pkg/: "…/pkg-evil/a.csv" starts with "…/pkg" but is not inside it.
    mkdirSync(path.join(root, 'pkg-evil'))
    writeFileSync(path.join(root, 'pkg-evil', 'a.csv'), 'x\n1\n')
    writeFileSync(path.join(root, 'pkg.csv'), 'x\n1\n')
    const matching = {bytes: 4, hash: `sha256:${digest('sha256', 'x\n1\n')}`}
    descriptor([
      {name: 'sibling', path: '../pkg-evil/a.csv', ...matching},
      {name: 'climbing', path: 'data/../../pkg-evil/a.csv', ...matching},
      {name: 'beside', path: '../pkg.csv', ...matching},
      {name: 'root', path: '.', ...matching},
      {name: 'inside', path: 'data/../data/./a.csv', ...matching},
    ])
    const check = await verifyDataPackage(dir)
    expect(check.resources.map((r) => [r.name, r.ok, r.problems])).to.deep.equal([
      ['sibling', false, ['../pkg-evil/a.csv is not a path inside the package']],
      ['climbing', false, ['data/../../pkg-evil/a.csv is not a path inside the package']],
      ['beside', false, ['../pkg.csv is not a path inside the package']],
      ['root', false, ['. is not a path inside the package']],
      ['inside', true, []],
    ])
    expect(check.valid).to.equal(false)
    // Nothing outside was read: no size or hash was taken of the refused files.
    expect(check.resources.slice(0, 4).map((r) => [r.bytes.actual, r.hash.actual])).to.deep.equal([
      [null, null],
      [null, null],
      [null, null],
      [null, null],
    ])
  })

  it('reports every check exactly: expected and actual bytes and hash, problems, and names for unnamed resources', async () => {
    const sha = digest('sha256', 'x\n1\n')
    descriptor([
      {path: 'data/a.csv', bytes: 4},
      {name: 'hash-only', path: 'data/a.csv', hash: `sha256:${sha}`},
      {name: 'both-wrong', path: 'data/a.csv', bytes: 3, hash: `sha256:${digest('sha256', 'other')}`},
      {name: 'no-path'},
      {name: 'odd-types', path: 'data/a.csv', bytes: '4', hash: 42},
      {name: 'not-hex', path: 'data/a.csv', hash: 'SHA256:0z0'},
      {name: 'http', path: 'http://example.org/a.csv', bytes: 4},
      {name: 'http-inside', path: 'data/x-http://a.csv', bytes: 4},
      {name: 'absolute-inside', path: path.join(dir, 'data', 'a.csv'), bytes: 4},
      {name: 'ftp', path: 'FTP://example.org/a.csv', bytes: 4},
      {name: 'backslash', path: 'data\\a.csv', bytes: 4},
      {name: 'home', path: '~/a.csv', bytes: 4},
      {name: 'empty', path: '', bytes: 4},
      {name: 'missing-and-escape', path: ['data/none.csv', '../outside.csv'], bytes: 4},
      {name: 'a-folder', path: 'data', bytes: 4},
    ])
    const check = await verifyDataPackage(dir)
    expect(check).to.deep.include({dir, valid: false})
    expect(check.resources[0]).to.deep.equal({
      name: '#1',
      paths: ['data/a.csv'],
      ok: true,
      bytes: {expected: 4, actual: 4},
      hash: {expected: null, actual: `sha256:${sha}`},
      problems: [],
    })
    expect(check.resources[1]).to.deep.include({
      ok: true,
      bytes: {expected: null, actual: 4},
      hash: {expected: `sha256:${sha}`, actual: `sha256:${sha}`},
    })
    expect(check.resources.slice(2).map((r) => [r.name, r.ok, r.problems])).to.deep.equal([
      ['both-wrong', false, ['3 bytes recorded, 4 found', 'the sha256 hash differs from the recorded one']],
      ['no-path', false, ['the resource has no path']],
      ['odd-types', false, ['the descriptor records neither bytes nor hash for it']],
      ['not-hex', false, ['hash "SHA256:0z0" is not algorithm:hex']],
      ['http', false, ['http://example.org/a.csv is remote: only files in the package are checked']],
      ['http-inside', false, ['data/x-http://a.csv is missing']],
      ['absolute-inside', false, [`${path.join(dir, 'data', 'a.csv')} is not a path inside the package`]],
      ['ftp', false, ['FTP://example.org/a.csv is remote: only files in the package are checked']],
      ['backslash', false, ['data\\a.csv is not a path inside the package']],
      ['home', false, ['~/a.csv is not a path inside the package']],
      ['empty', false, [' is not a path inside the package']],
      ['missing-and-escape', false, ['data/none.csv is missing', '../outside.csv is not a path inside the package']],
      ['a-folder', false, ['data is not a regular file']],
    ])
    // A resource with nothing to check is not valid, though nothing in it is wrong.
    descriptor([{name: 'a', path: 'data/a.csv', bytes: 4}])
    expect((await verifyDataPackage(dir)).valid).to.equal(true)
    descriptor([
      {name: 'a', path: 'data/a.csv', bytes: 4},
      {name: 'b', data: []},
    ])
    expect((await verifyDataPackage(dir)).valid).to.equal(false)
  })

  it('refuses a folder without a descriptor, a descriptor that is not JSON, and one without resources, naming the file', async () => {
    const refusal = async (): Promise<Pick<LabmeshError, 'code' | 'message' | 'subject'>> => {
      try {
        await verifyDataPackage(dir)
      } catch (error) {
        const {code, message, subject} = error as LabmeshError
        return {code, message, subject}
      }
      throw new Error('expected a refusal')
    }
    const file = path.join(dir, 'datapackage.json')
    expect(await refusal()).to.deep.equal({
      code: 'NOT_FOUND',
      message: `${dir} holds no datapackage.json; it is not a data package`,
      subject: file,
    })
    writeFileSync(file, '{"resources": [')
    const notJson = await refusal()
    expect(notJson).to.include({code: 'INVALID_DATA', subject: file})
    // The text it failed on is not repeated: the file may be anything a link pointed at.
    expect(notJson.message).to.match(new RegExp(`^${file.replaceAll('/', '\\/')} is not JSON( \\(at character \\d+\\))?$`))
    const none = {code: 'INVALID_DATA', message: `${file} has no resources: a data package lists at least one`, subject: file}
    for (const text of [
      'null',
      '{}',
      '{"resources": {}}',
      '{"resources": []}',
      '{"resources": [1]}',
      '{"resources": [null]}',
      '{"resources": [[]]}',
      '{"resources": [{}, 1]}',
    ]) {
      writeFileSync(file, text)
      expect(await refusal(), text).to.deep.equal(none)
    }
    // A descriptor that cannot be read for another reason is not reported as missing.
    rmSync(file)
    mkdirSync(file)
    expect((await refusal()).code).to.not.equal('NOT_FOUND')
  })

  it('opens only regular files inside the package: no FIFO, no folder, no link out of it, no echo of what a link points at', async () => {
    const failure = async (): Promise<LabmeshError> => {
      try {
        await verifyDataPackage(dir)
      } catch (error) {
        return error as LabmeshError
      }
      throw new Error('verify should have failed')
    }
    const descriptorFile = path.join(dir, 'datapackage.json')
    // A FIFO would block a plain read forever.
    execFileSync('mkfifo', [descriptorFile])
    expect((await failure()).code).to.equal('INVALID_DATA')
    rmSync(descriptorFile)
    mkdirSync(descriptorFile)
    const folder = await failure()
    expect(folder.code).to.equal('INVALID_DATA')
    expect(folder.message).to.include('is a folder')
    rmSync(descriptorFile, {recursive: true})
    writeFileSync(path.join(root, 'secret.json'), 'root:x:0:0:root:/root:/bin/bash\n')
    symlinkSync(path.join(root, 'secret.json'), descriptorFile)
    const outside = await failure()
    expect(outside.code).to.equal('FORBIDDEN')
    expect(JSON.stringify(outside)).to.not.include('root:x')
    rmSync(descriptorFile)

    // Links inside the package are followed; a folder link out of it is not.
    mkdirSync(path.join(root, 'elsewhere'))
    writeFileSync(path.join(root, 'elsewhere', 'passwd'), 'secret\n')
    symlinkSync(path.join(root, 'elsewhere'), path.join(dir, 'etcdir'))
    symlinkSync(path.join(dir, 'data', 'a.csv'), path.join(dir, 'alias.csv'))
    execFileSync('mkfifo', [path.join(dir, 'data', 'pipe.csv')])
    descriptor([
      {name: 'escape-by-link', path: 'etcdir/passwd', bytes: 7},
      {name: 'alias', path: 'alias.csv', bytes: 4},
      {name: 'pipe', path: 'data/pipe.csv', bytes: 0},
      {name: 'folder', path: 'data', bytes: 0},
    ])
    const check = await verifyDataPackage(dir)
    const problems = Object.fromEntries(check.resources.map((r) => [r.name, r.problems.join('; ')]))
    expect(problems).to.deep.equal({
      'escape-by-link': 'etcdir/passwd leads outside the package (a symbolic link)',
      alias: '',
      pipe: 'data/pipe.csv is not a regular file',
      folder: 'data is not a regular file',
    })
    expect(check.resources.find((r) => r.name === 'escape-by-link')?.hash.actual).to.equal(null)
  })
})
