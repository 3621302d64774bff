import {expect} from 'chai'

import {PATH_ERRORS_TO_REPORT, WatchRuns} from '../../src/runs/watch-runs.js'
import type {FinishedRun} from '../../src/runs/tracker.js'

/** watch as a series of runs, one per window: what each window counts, and when it is an error. */
describe('watch runs', () => {
  const start = () => {
    const reported: FinishedRun[] = []
    const runs = new WatchRuns('prod', async (finished) => {
      reported.push(finished)
    })
    return {runs, reported}
  }

  it("counts a window's files per monitored path, its failures by stage, and skips idle windows", async () => {
    const {runs, reported} = start()
    await runs.flush()
    expect(reported).to.have.length(0)
    runs.onEvent({event: 'file.seen', path: 'plates', file: 'a.csv'})
    runs.onEvent({event: 'file.ingested', path: 'plates', file: 'a.csv', status: 'new', size: 100})
    runs.onEvent({event: 'file.ingested', path: 'plates', file: 'b.csv', status: 'unchanged', size: 50})
    runs.onEvent({event: 'file.converted', path: 'plates', file: 'a.csv', fileId: 'f1', size: 700})
    runs.onEvent({event: 'file.failed', path: 'qpcr', file: 'x.txt', code: 'INVALID_DATA', message: 'not an export'})
    runs.onEvent({event: 'file.failed', path: 'qpcr', file: 'y.txt', fileId: 'f2', code: 'INVALID_DATA', message: 'no converter'})
    await runs.flush()
    expect(reported).to.have.length(1)
    const [{run, paths}] = reported
    expect(run).to.include({
      command: 'watch',
      profile: 'prod',
      status: 'failed',
      ingested: 1,
      unchanged: 1,
      converted: 1,
      failed: 2,
      bytesIngested: 100,
      bytesConverted: 700,
    })
    expect(run.failures.map((f) => [f.path, f.stage])).to.deep.equal([
      ['qpcr/x.txt', 'ingest'],
      ['qpcr/y.txt', 'convert'],
    ])
    expect(Object.fromEntries(paths)).to.deep.equal({
      plates: {ingested: 1, converted: 1, failed: 0, bytesIngested: 100, bytesConverted: 700},
      qpcr: {ingested: 0, converted: 0, failed: 2, bytesIngested: 0, bytesConverted: 0},
    })
    await runs.flush()
    expect(reported).to.have.length(1)
  })

  it(`makes a window an error when a path failed ${PATH_ERRORS_TO_REPORT} times in it, not fewer`, async () => {
    const {runs, reported} = start()
    for (let i = 1; i < PATH_ERRORS_TO_REPORT; i++)
      runs.onEvent({event: 'watch.error', path: 'plates', code: 'BACKEND', message: 'database unreachable'})
    await runs.flush()
    expect(reported).to.have.length(0)
    for (let i = 0; i < PATH_ERRORS_TO_REPORT; i++)
      runs.onEvent({event: 'watch.error', path: 'plates', code: 'BACKEND', message: 'database unreachable'})
    await runs.flush()
    expect(reported.map((r) => [r.run.status, r.run.error])).to.deep.equal([
      ['error', {code: 'BACKEND', message: `path plates failed ${PATH_ERRORS_TO_REPORT} times: database unreachable`}],
    ])
  })
})
