import type {RunDay, RunFailureEntry, RunLog, RunRecord} from '../backends/types.js'

export interface StatusOptions {
  /** Days shown, today (UTC) included. */
  days: number
  /** Runs and failures listed, at most. */
  limit: number
  now?: Date
}

export interface StatusResult {
  profile: string
  /** The first day shown (UTC, YYYY-MM-DD). */
  since: string
  /** Every day from `since` to today, oldest first, days without runs as zeros. */
  days: RunDay[]
  totals: Omit<RunDay, 'day'>
  /** The latest runs, newest first (whatever their day). */
  runs: RunRecord[]
  /** The latest failures of the days shown, newest run first. */
  failures: RunFailureEntry[]
}

const DAY_MS = 86_400_000

/** What `labmesh status` shows: the last runs, their failures and the counts per day. */
export async function runStatus(log: RunLog, profile: string, options: StatusOptions): Promise<StatusResult> {
  const today = Date.parse((options.now ?? new Date()).toISOString().slice(0, 10))
  const first = today - (options.days - 1) * DAY_MS
  const since = new Date(first).toISOString()
  const [found, runs, failures] = await Promise.all([log.daily(since), log.recent(options.limit), log.failures(since, options.limit)])
  const byDay = new Map(found.map((d) => [d.day, d]))
  const days: RunDay[] = []
  for (let at = first; at <= today; at += DAY_MS) {
    const day = new Date(at).toISOString().slice(0, 10)
    days.push(byDay.get(day) ?? emptyDay(day))
  }
  const totals = emptyDay('')
  for (const day of days) for (const key of Object.keys(totals) as (keyof RunDay)[]) if (key !== 'day') (totals[key] as number) += day[key]
  const {day: _day, ...sums} = totals
  return {profile, since: since.slice(0, 10), days, totals: sums, runs, failures}
}

function emptyDay(day: string): RunDay {
  return {day, runs: 0, ingested: 0, converted: 0, failed: 0, applied: 0, bytesIngested: 0, bytesConverted: 0, errors: 0}
}
