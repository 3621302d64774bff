import type {RunCommand, RunDay, RunFailureEntry, RunRecord} from './types.js'

/** A row of `runs` as SQLite and PostgreSQL return it (PostgreSQL's bigint sums come as strings). */
export interface RunRow {
  run_id: string
  command: string
  profile: string
  started_at: string | Date
  ended_at: string | Date
  duration_ms: number | string
  status: RunRecord['status']
  ingested: number | string
  unchanged: number | string
  converted: number | string
  failed: number | string
  applied: number | string
  bytes_ingested: number | string
  bytes_converted: number | string
  error_code: string | null
  error_message: string | null
}

export type RunDayRow = {[K in Exclude<keyof RunDay, 'day'>]: number | string} & {day: string}

export interface RunFailureRow {
  run_id: string
  command: string
  at: string | Date
  path: string
  stage: RunFailureEntry['stage']
  code: string
  message: string
}

/** The columns of `runs`, in the order `runValues` gives them. */
export const RUN_COLUMNS = [
  'run_id',
  'command',
  'profile',
  'started_at',
  'ended_at',
  'duration_ms',
  'status',
  'ingested',
  'unchanged',
  'converted',
  'failed',
  'applied',
  'bytes_ingested',
  'bytes_converted',
  'error_code',
  'error_message',
] as const

export function runValues(run: RunRecord): unknown[] {
  return [
    run.runId,
    run.command,
    run.profile,
    run.startedAt,
    run.endedAt,
    run.durationMs,
    run.status,
    run.ingested,
    run.unchanged,
    run.converted,
    run.failed,
    run.applied,
    run.bytesIngested,
    run.bytesConverted,
    run.error?.code ?? null,
    run.error?.message ?? null,
  ]
}

const iso = (value: string | Date): string => (value instanceof Date ? value.toISOString() : value)

export function toRun(row: RunRow): RunRecord {
  return {
    runId: row.run_id,
    command: row.command as RunCommand,
    profile: row.profile,
    startedAt: iso(row.started_at),
    endedAt: iso(row.ended_at),
    durationMs: Number(row.duration_ms),
    status: row.status,
    ingested: Number(row.ingested),
    unchanged: Number(row.unchanged),
    converted: Number(row.converted),
    failed: Number(row.failed),
    applied: Number(row.applied),
    bytesIngested: Number(row.bytes_ingested),
    bytesConverted: Number(row.bytes_converted),
    error: row.error_code ? {code: row.error_code, message: row.error_message ?? ''} : null,
    failures: [],
  }
}

export function toRunDay(row: RunDayRow): RunDay {
  return {
    day: row.day,
    runs: Number(row.runs),
    ingested: Number(row.ingested),
    converted: Number(row.converted),
    failed: Number(row.failed),
    applied: Number(row.applied),
    bytesIngested: Number(row.bytesIngested),
    bytesConverted: Number(row.bytesConverted),
    errors: Number(row.errors),
  }
}

export function toRunFailure(row: RunFailureRow): RunFailureEntry {
  return {
    runId: row.run_id,
    command: row.command as RunCommand,
    at: iso(row.at),
    path: row.path,
    stage: row.stage,
    code: row.code,
    message: row.message,
  }
}

/** The per-day sums, in SQL both databases speak; `day` is the expression of the run's UTC day. */
export function dailySql(day: string, placeholder: string): string {
  return `SELECT ${day} AS day, count(*) AS runs, sum(ingested) AS ingested, sum(converted) AS converted, sum(failed) AS failed,
            sum(applied) AS applied, sum(bytes_ingested) AS "bytesIngested", sum(bytes_converted) AS "bytesConverted",
            sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS errors
          FROM runs WHERE started_at >= ${placeholder} GROUP BY 1 ORDER BY 1`
}

/** The latest runs, newest first; `limit` is the placeholder of their number. */
export function recentSql(limit: string): string {
  return `SELECT * FROM runs ORDER BY started_at DESC, run_id DESC LIMIT ${limit}`
}

/** The failures of the runs started at or after `since`, newest run first, `limit` at most (both placeholders). */
export function failuresSql(since: string, limit: string): string {
  return `SELECT f.run_id, r.command, r.started_at AS at, f.path, f.stage, f.code, f.message
          FROM run_failures f JOIN runs r ON r.run_id = f.run_id
          WHERE r.started_at >= ${since} ORDER BY r.started_at DESC, f.run_id, f.seq LIMIT ${limit}`
}
