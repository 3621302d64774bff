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
} from '../../run-rows.js'
import {RUN_RETENTION_DAYS, type RunLog} from '../../types.js'
import type {Postgres} from './connection.js'

/** The runs of batch commands in the metadata database (the `runs` and `run_failures` tables of migrations.ts). */
export function createPostgresRunLog(db: Postgres): RunLog {
  return {
    async record(run) {
      await db.transaction(async (client) => {
        await client.query(
          `INSERT INTO runs (${RUN_COLUMNS.join(', ')}) VALUES (${RUN_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
          runValues(run),
        )
        if (run.failures.length > 0) {
          await client.query(
            `INSERT INTO run_failures (run_id, seq, path, stage, code, message)
             SELECT $1, f.seq - 1, f.path, f.stage, f.code, f.message
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS f(path, stage, code, message, seq)`,
            [run.runId, ...(['path', 'stage', 'code', 'message'] as const).map((key) => run.failures.map((f) => f[key]))],
          )
        }
        await client.query('DELETE FROM runs WHERE started_at < $1', [
          new Date(Date.parse(run.startedAt) - RUN_RETENTION_DAYS * 86_400_000),
        ])
      })
    },
    async recent(limit) {
      const {rows} = await db.query<RunRow>(recentSql('$1'), [limit])
      return rows.map(toRun)
    },
    async failures(since, limit) {
      const {rows} = await db.query<RunFailureRow>(failuresSql('$1', '$2'), [since, limit])
      return rows.map(toRunFailure)
    },
    async daily(since) {
      const {rows} = await db.query<RunDayRow>(dailySql(`to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`, '$1'), [since])
      return rows.map(toRunDay)
    },
  }
}
