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

  it('refuses a folder without a descriptor, a descriptor that is not JSON, and one without resources', async () => {
    const code = async (): Promise<string> => {
      try {
        await verifyDataPackage(dir)
      } catch (error) {
        return (error as LabmeshError).code
      }
      return 'none'
    }
    expect(await code()).to.equal('NOT_FOUND')
    writeFileSync(path.join(dir, 'datapackage.json'), '{"resources": [')
    expect(await code()).to.equal('INVALID_DATA')
    descriptor([])
    expect(await code()).to.equal('INVALID_DATA')
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
