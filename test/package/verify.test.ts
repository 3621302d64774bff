import {createHash} from 'node:crypto'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
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
})
