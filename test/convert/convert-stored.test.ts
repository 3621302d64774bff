import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend} from '../../src/backends/types.js'
import {convertStoredFiles} from '../../src/convert/convert-stored.js'
import {ConverterRegistry} from '../../src/converters/registry.js'
import {ingestFiles} from '../../src/ingest/ingest.js'
import {INSTRUMENTS} from '../support/testdata.js'

const NANODROP = path.join(INSTRUMENTS, 'thermo_fisher_nanodrop_eight', 'thermo_nanodrop_eight_RNA.txt')

/** convertStoredFiles in process, on a real export and a real local backend (files, SQLite, Delta tables). */
describe('convertStoredFiles', function () {
  this.timeout(120_000)
  let root: string
  let backend: Backend
  let registry: ConverterRegistry
  before(async () => {
    registry = await ConverterRegistry.load()
  })
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-convert-'))
    mkdirSync(path.join(root, 'home'))
    backend = createLocalBackend({home: path.join(root, 'home')})
  })
  afterEach(async () => {
    await backend.close()
    rmSync(root, {recursive: true, force: true})
  })

  it('a raw file named twice (by its id and by a prefix of it) is converted once', async () => {
    const ingested = await ingestFiles(backend, {paths: [NANODROP], registry})
    const rawId = ingested.files[0].fileId!
    const result = await convertStoredFiles(backend, {registry, fileIds: [rawId, rawId.slice(0, 8), rawId]})
    expect(result.failed).to.deep.equal([])
    expect(result.converted).to.equal(1)
    expect(result.files.map((f) => f.rawFileId)).to.deep.equal([rawId])
    const engineered = (await backend.metadata.derivedFrom(rawId)).filter((f) => f.category === 'ENGINEERED')
    expect(engineered.map((f) => f.version)).to.deep.equal([1])
    expect((await backend.metadata.getFile(rawId))!.status).to.equal('converted')
  })
})
