import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../../src/backends/local/index.js'
import type {Backend, FileRecord} from '../../../src/backends/types.js'
import {LAB_DATABASE, writeConvertedBatch} from '../../../src/lake/tables/write-batch.js'
import {queryTable} from '../../support/lake.js'

const raw = (id: string): FileRecord => ({
  fileId: id,
  category: 'RAW',
  traceId: `trace-${id}`,
  rawFileId: null,
  sha256: '0'.repeat(64),
  size: 1,
  sourcePath: `/drop/${id}.csv`,
  sourceHost: 'host',
  ingestedAt: '2026-01-01T00:00:00.000Z',
  modifiedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
  latest: true,
  metadata: {project: 'alpha'},
  labels: [{name: 'site', value: 'boston'}],
  status: 'ingested',
  error: null,
})

const plate = (gain: unknown, extra: Record<string, unknown> = {}) => ({
  'plate reader aggregate document': {
    'measurement document': [{'sample document': {'location identifier': 'A1'}, 'detector gain setting': gain, ...extra}],
  },
})

describe('writeConvertedBatch', function () {
  this.timeout(60_000)
  let home: string
  let backend: Backend
  const location = (table: string) => path.join(home, 'lake', LAB_DATABASE, table)
  beforeEach(() => {
    home = mkdtempSync(path.join(tmpdir(), 'labmesh-batch-'))
    backend = createLocalBackend({home})
  })
  afterEach(async () => {
    await backend.close()
    rmSync(home, {recursive: true, force: true})
  })

  it('keeps a value whose type differs from its column beside it, and adds new columns as nullable', async () => {
    await writeConvertedBatch(backend, [
      {raw: raw('a'), engineeredFileId: 'doc-a', technique: 'plate reader', document: plate({value: 35, unit: '(unitless)'})},
    ])
    await writeConvertedBatch(backend, [
      {
        raw: raw('b'),
        engineeredFileId: 'doc-b',
        technique: 'plate reader',
        document: plate('Medium', {'read height': {value: 6.5, unit: 'mm'}}),
      },
    ])
    const rows = await queryTable(
      location('plate_reader_measurement'),
      (t) =>
        `SELECT file_id, detector_gain_setting AS gain, detector_gain_setting_text AS gain_text, read_height FROM ${t} ORDER BY file_id`,
    )
    expect(rows).to.deep.equal([
      {file_id: 'a', gain: 35, gain_text: null, read_height: null},
      {file_id: 'b', gain: null, gain_text: 'Medium', read_height: 6.5},
    ])
    const entries = await backend.catalog.list(LAB_DATABASE)
    expect(entries.map((e) => e.table)).to.have.members(['plate_reader', 'plate_reader_measurement'])
    expect(entries.every((e) => e.managed)).to.equal(true)
  })

  it("replaces a file's rows in every table, and with reconvert drops them from tables it no longer writes", async () => {
    await writeConvertedBatch(backend, [
      {raw: raw('a'), engineeredFileId: 'doc-a', technique: 'plate reader', document: plate(1)},
      {raw: raw('b'), engineeredFileId: 'doc-b', technique: 'plate reader', document: plate(2)},
    ])
    await writeConvertedBatch(backend, [{raw: raw('a'), engineeredFileId: 'doc-a2', technique: 'plate reader', document: plate(3)}])
    expect(
      await queryTable(location('plate_reader_measurement'), (t) => `SELECT file_id, detector_gain_setting AS g FROM ${t} ORDER BY 1`),
    ).to.deep.equal([
      {file_id: 'a', g: 3},
      {file_id: 'b', g: 2},
    ])

    const counted = {'cell counting aggregate document': {'viable cell count': {value: 10, unit: 'cells'}}}
    await writeConvertedBatch(backend, [{raw: raw('a'), engineeredFileId: 'doc-a3', technique: 'cell counting', document: counted}], {
      reconvert: true,
    })
    expect(await queryTable(location('plate_reader_measurement'), (t) => `SELECT file_id FROM ${t}`)).to.deep.equal([{file_id: 'b'}])
    expect(await queryTable(location('cell_counting'), (t) => `SELECT file_id, viable_cell_count AS n FROM ${t}`)).to.deep.equal([
      {file_id: 'a', n: 10},
    ])
  })
})
