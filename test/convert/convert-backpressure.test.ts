import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend} from '../../src/backends/types.js'
import {convertStoredFiles} from '../../src/convert/convert-stored.js'
import {ConverterRegistry} from '../../src/converters/registry.js'
import {ingestFiles} from '../../src/ingest/ingest.js'

const WORKERS = 8
// At least the workers: then no more than two full batches can wait for the lake (see the bound below).
const BATCH = 8
const FILES = 20 * BATCH

/**
 * convertStoredFiles in process on a real local backend (files, SQLite, Delta tables through
 * DuckDB), with a real converter defined here that notes, each time it runs, how many files were
 * converted before it and are not reported yet (reported = their batch is in the lake).
 */
describe('convertStoredFiles holds no more than two batches waiting for the lake', function () {
  this.timeout(300_000)
  let root: string
  let backend: Backend
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'labmesh-convert-'))
    mkdirSync(path.join(root, 'home'))
    mkdirSync(path.join(root, 'exports'))
    backend = createLocalBackend({home: path.join(root, 'home')})
  })
  afterEach(async () => {
    await backend.close()
    rmSync(root, {recursive: true, force: true})
  })

  it('converts ahead of the lake by at most two batches, the one filling and the files in hand', async () => {
    let converted = 0
    let reported = 0
    let mostAhead = 0
    const registry = new ConverterRegistry([
      {
        name: 'balance',
        version: '1',
        technique: 'weighing',
        description: 'one balance reading a file',
        detect: (name) => (name.endsWith('.bal') ? 1 : 0),
        convert: ({name, bytes}) => {
          mostAhead = Math.max(mostAhead, converted - reported)
          converted++
          return {
            'weighing aggregate document': {
              'weighing document': [{'sample identifier': name, mass: {value: Number(bytes.toString()), unit: 'g'}}],
            },
          }
        },
      },
    ])
    for (let i = 0; i < FILES; i++) writeFileSync(path.join(root, 'exports', `s${i}.bal`), String(i))
    await ingestFiles(backend, {paths: [path.join(root, 'exports')], registry})

    const result = await convertStoredFiles(backend, {
      registry,
      concurrency: WORKERS,
      batchSize: BATCH,
      onFile: () => reported++,
    })

    expect(result.failed).to.deep.equal([])
    expect(result.converted).to.equal(FILES)
    // Not in the lake yet when a file is converted: two full batches, fewer than a batch filling,
    // and the files the other workers hold. With no limit, each worker waiting for its batch's
    // write would leave a full batch waiting: up to WORKERS - 1 of them.
    expect(mostAhead).to.be.at.most(2 * BATCH + (BATCH - 1) + (WORKERS - 1))
  })
})
