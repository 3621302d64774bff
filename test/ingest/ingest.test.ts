import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend} from '../../src/backends/types.js'
import {ConverterRegistry} from '../../src/converters/registry.js'
import {ingestFiles} from '../../src/ingest/ingest.js'
import {INSTRUMENTS} from '../support/testdata.js'

describe('ingestFiles', function () {
  this.timeout(120_000)
  let root: string
  let backends: Backend[]
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-ingest-'))
    // Two opens of one workspace: two SQLite connections, as two processes have.
    backends = [createLocalBackend({home: root}), createLocalBackend({home: root})]
  })
  afterEach(async () => {
    for (const backend of backends) await backend.close()
    rmSync(root, {recursive: true, force: true})
  })

  it('two ingests of one folder at once store each file once, and neither reports the other as a conflict', async () => {
    const registry = await ConverterRegistry.load()
    const folder = path.join(INSTRUMENTS, 'roche_cedex_bioht')
    const runs = await Promise.all(backends.map((backend) => ingestFiles(backend, {paths: [folder], exclude: ['*.json'], registry})))
    for (const run of runs) expect(run.failed).to.deep.equal([])
    const stored = await backends[0].metadata.listFiles({allVersions: true})
    expect(runs[0].ingested + runs[1].ingested).to.equal(stored.length)
    expect(runs[0].files.length).to.equal(stored.length)
    expect(runs[1].files.map((f) => f.fileId).sort()).to.deep.equal(stored.map((f) => f.fileId).sort())
    expect(stored.every((f) => f.version === 1)).to.equal(true)
  })
})
