import type {Database} from 'better-sqlite3'

import {
  dailySql,
  failuresSql,
  recentSql,
  RUN_COLUMNS,
  type RunDayRow,
  type RunFailureRow,
  type RunRow,
  runValues,
  toRun,
  toRunDay,
  toRunFailure,
} from '../run-rows.js'
import {RUN_RETENTION_DAYS, type RunLog} from '../types.js'

/** The runs of batch commands in the workspace database (the `runs` and `run_failures` tables of migrations.ts). */
export function createSqliteRunLog(db: Database): RunLog {
  const statements = {
    insert: db.prepare(`INSERT INTO runs (${RUN_COLUMNS.join(', ')}) VALUES (${RUN_COLUMNS.map(() => '?').join(', ')})`),
    failure: db.prepare('INSERT INTO run_failures (run_id, seq, path, stage, code, message) VALUES (?, ?, ?, ?, ?, ?)'),
    prune: db.prepare('DELETE FROM runs WHERE started_at < ?'),
    recent: db.prepare<[number], RunRow>(recentSql('?')),
    failures: db.prepare<[string, number], RunFailureRow>(failuresSql('?', '?')),
    daily: db.prepare<[string], RunDayRow>(dailySql('substr(started_at, 1, 10)', '?')),
  }
  const record = db.transaction((run: Parameters<RunLog['record']>[0]) => {
    statements.insert.run(...runValues(run))
    run.failures.forEach((f, seq) => statements.failure.run(run.runId, seq, f.path, f.stage, f.code, f.message))
    statements.prune.run(new Date(Date.parse(run.startedAt) - RUN_RETENTION_DAYS * 86_400_000).toISOString())
  })
  return {
    async record(run) {
      record.immediate(run)
    },
    async recent(limit) {
      return statements.recent.all(limit).map(toRun)
    },
    async failures(since, limit) {
      return statements.failures.all(since, limit).map(toRunFailure)
    },
    async daily(since) {
      return statements.daily.all(since).map(toRunDay)
    },
  }
}
