import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend} from '../../src/backends/types.js'
import {ConverterRegistry} from '../../src/converters/registry.js'
import {drainSpool} from '../../src/spool/drain.js'
import {Spool} from '../../src/spool/spool.js'

/** drainSpool in process on a real spool folder and a real local backend (files + SQLite). */
describe('drainSpool', function () {
  this.timeout(120_000)
  let root: string
  let backend: Backend
  let registry: ConverterRegistry
  before(async () => {
    registry = await ConverterRegistry.load()
  })
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-drain-'))
    backend = createLocalBackend({home: path.join(root, 'home')})
  })
  afterEach(async () => {
    await backend.close()
    rmSync(root, {recursive: true, force: true})
  })

  const spoolFile = async (spool: Spool, name: string, text: string): Promise<void> => {
    const file = path.join(root, name)
    writeFileSync(file, text)
    const info = statSync(file)
    await spool.add(
      {kind: 'file', path: file, relativePath: name, size: info.size, mtime: info.mtime},
      {
        sourcePath: file,
        sourceHost: 'bench-pc-7',
        relativePath: name,
        pathName: 'plates',
        template: null,
        labels: [],
        metadata: {},
        detectedAt: new Date().toISOString(),
      },
    )
  }

  it('sends every file up over rounds smaller than the spool (each round removing what it sent), a rejected one set aside', async () => {
    const spool = await Spool.open(path.join(root, 'spool'))
    const names = Array.from({length: 11}, (_, i) => `plate-${String(i).padStart(2, '0')}.csv`)
    for (const name of names) await spoolFile(spool, name, `Well,Value\nA1,${name}\n`)
    await spoolFile(spool, 'empty.csv', '')
    const sent: string[] = []
    const result = await drainSpool(backend, spool, {registry, batch: 3, onFile: (manifest) => sent.push(manifest.relativePath)})
    expect(result).to.deep.equal({uploaded: 11, unchanged: 0, rejected: 1, left: 0})
    expect(sent.sort()).to.deep.equal(names)
    for (const name of names) expect(await backend.metadata.latestAtSource('bench-pc-7', path.join(root, name))).to.include({version: 1})
    expect(await Spool.inspect(spool.dir)).to.deep.equal({files: 0, bytes: 0, rejected: 1})
    await spool.close()
    // Drained: a second drain of the same folder finds nothing to send.
    const again = await Spool.open(spool.dir, {existing: true})
    expect(await drainSpool(backend, again, {registry, batch: 3})).to.deep.equal({uploaded: 0, unchanged: 0, rejected: 0, left: 0})
    await again.close()
  })

  it('re-hashes every copy before sending it: a damaged one is set aside with INVALID_DATA, never stored under the wrong hash', async () => {
    const spool = await Spool.open(path.join(root, 'spool'))
    await spoolFile(spool, 'good.csv', 'Well,Value\nA1,1\n')
    await spoolFile(spool, 'damaged.csv', 'Well,Value\nA1,2\n')
    const [, damaged] = await spool.next(2)
    writeFileSync(spool.objectPath(damaged.sha256), 'Well,Value\nA1,7\n')
    const rejected: Array<[string, string]> = []
    const result = await drainSpool(backend, spool, {registry, onRejected: (m, error) => rejected.push([m.relativePath, error.code])})
    expect(result).to.deep.equal({uploaded: 1, unchanged: 0, rejected: 1, left: 0})
    expect(rejected).to.deep.equal([['damaged.csv', 'INVALID_DATA']])
    expect(await backend.metadata.latestAtSource('bench-pc-7', path.join(root, 'good.csv'))).to.include({version: 1})
    expect(await backend.metadata.latestAtSource('bench-pc-7', path.join(root, 'damaged.csv'))).to.equal(undefined)
    const kept = JSON.parse(readFileSync(path.join(spool.dir, 'rejected', `${damaged.id}.json`), 'utf8'))
    expect(kept.error.message).to.include('is damaged')
    await spool.close()
  })
})
