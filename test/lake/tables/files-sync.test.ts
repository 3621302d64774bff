import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../../src/backends/local/index.js'
import type {Backend} from '../../../src/backends/types.js'
import type {LabmeshError} from '../../../src/errors.js'
import {syncFilesTable} from '../../../src/lake/tables/files-sync.js'
import {rawRecord} from '../../backends/metadata-contract.js'
import {queryTable} from '../../support/lake.js'

// Real SQLite, DuckDB and Delta files in a temporary workspace.
describe('lab.files follows the file records', function () {
  this.timeout(120_000)
  let home: string
  let backend: Backend
  const rows = () =>
    queryTable(
      path.join(home, 'lake', 'lab', 'files'),
      (t) =>
        `SELECT source_path, version, status, latest, labels, engineered_file_id IS NOT NULL AS converted, technique FROM ${t} ORDER BY source_path, version`,
    )
  beforeEach(() => {
    home = mkdtempSync(path.join(tmpdir(), 'labmesh-files-sync-'))
    backend = createLocalBackend({home})
  })
  afterEach(async () => {
    await backend.close()
    rmSync(home, {recursive: true, force: true})
  })

  it('holds every raw file version as it is ingested, relabelled, superseded and converted, one commit per page', async () => {
    const a1 = rawRecord('/drop/a.csv', 1)
    const b = rawRecord('/drop/b.csv', 1, {metadata: {technique: 'plate reader'}})
    await backend.metadata.insertFiles([a1, b])
    expect(await syncFilesTable(backend)).to.deep.equal({files: 2, commits: 1})
    expect(await rows()).to.deep.equal([
      {
        source_path: '/drop/a.csv',
        version: '1',
        status: 'ingested',
        latest: true,
        labels: ['site=boston'],
        converted: false,
        technique: null,
      },
      {
        source_path: '/drop/b.csv',
        version: '1',
        status: 'ingested',
        latest: true,
        labels: ['site=boston'],
        converted: false,
        technique: 'plate reader',
      },
    ])

    const a2 = rawRecord('/drop/a.csv', 2)
    await backend.metadata.insertFile(a2)
    await backend.metadata.updateLabels(b.fileId, [{name: 'qc', value: 'passed'}], [])
    const engineered = rawRecord('/drop/b.csv', 1, {
      category: 'ENGINEERED',
      rawFileId: b.fileId,
      traceId: b.traceId,
      status: 'converted',
      metadata: {technique: 'cell counting'},
    })
    await backend.metadata.insertFile(engineered)
    await backend.metadata.setStatus(b.fileId, 'converted')
    expect(await syncFilesTable(backend)).to.deep.equal({files: 3, commits: 1})
    expect(await rows()).to.deep.equal([
      {
        source_path: '/drop/a.csv',
        version: '1',
        status: 'ingested',
        latest: false,
        labels: ['site=boston'],
        converted: false,
        technique: null,
      },
      {
        source_path: '/drop/a.csv',
        version: '2',
        status: 'ingested',
        latest: true,
        labels: ['site=boston'],
        converted: false,
        technique: null,
      },
      {
        source_path: '/drop/b.csv',
        version: '1',
        status: 'converted',
        latest: true,
        labels: ['qc=passed', 'site=boston'],
        converted: true,
        technique: 'cell counting',
      },
    ])
    expect(await syncFilesTable(backend)).to.deep.equal({files: 0, commits: 0})
  })

  it('leaves the changes queued when the lake commit fails, and the next run writes them', async () => {
    await backend.metadata.insertFiles([rawRecord('/drop/c.csv'), rawRecord('/drop/d.csv')])
    const failing: Backend = {
      ...backend,
      lakeStorage(location) {
        const storage = backend.lakeStorage(location)
        storage.log.putIfAbsent = async () => {
          throw Object.assign(new Error('the disk is full'), {code: 'ENOSPC'})
        }
        return storage
      },
    }
    const error = (await syncFilesTable(failing).catch((e: unknown) => e)) as LabmeshError
    expect(error.message).to.include('the disk is full')
    expect(new Set((await backend.metadata.changes.pending('lake', 10)).map((c) => c.fileId)).size).to.equal(2)
    expect(await syncFilesTable(backend)).to.deep.equal({files: 2, commits: 1})
    expect((await rows()).map((r) => r.source_path)).to.deep.equal(['/drop/c.csv', '/drop/d.csv'])
  })
})
