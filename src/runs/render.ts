import type {RunDay} from '../backends/types.js'
import {formatBytes} from '../output/format.js'
import {renderTable} from '../output/table.js'
import type {StatusResult} from './status.js'

const BAR_WIDTH = 30
const MESSAGE_WIDTH = 80

/** The status as tables; on a terminal, each day also gets a bar of its files (█ handled, ▒ failed). */
export function renderStatus(status: StatusResult, options: {bars: boolean}): string {
  const parts: string[] = []
  if (status.runs.length === 0)
    parts.push(`No runs kept for profile ${status.profile} yet: ingest, convert, watch and catalog apply keep theirs.`)
  else {
    parts.push(
      'Last runs',
      renderTable(
        ['started (UTC)', 'command', 'status', 'duration', 'ingested', 'converted', 'failed', 'bytes in'],
        status.runs.map((r) => [
          r.startedAt.slice(0, 19).replace('T', ' '),
          r.command,
          r.status === 'error' && r.error ? `error (${r.error.code})` : r.status,
          formatDuration(r.durationMs),
          r.ingested,
          r.converted,
          r.failed,
          formatBytes(r.bytesIngested),
        ]),
      ),
    )
  }
  const max = Math.max(1, ...status.days.map((d) => d.ingested + d.converted + d.failed))
  parts.push(
    '',
    `Per day since ${status.since}`,
    renderTable(
      ['day', 'runs', 'ingested', 'converted', 'failed', 'errors', 'bytes in', ...(options.bars ? ['files'] : [])],
      status.days.map((d) => [
        d.day,
        d.runs,
        d.ingested,
        d.converted,
        d.failed,
        d.errors,
        formatBytes(d.bytesIngested),
        ...(options.bars ? [bar(d, max)] : []),
      ]),
    ),
  )
  if (status.failures.length > 0) {
    parts.push(
      '',
      'Recent failures',
      renderTable(
        ['run started', 'command', 'path', 'code', 'message'],
        status.failures.map((f) => [f.at.slice(0, 19).replace('T', ' '), f.command, f.path, f.code, clip(f.message)]),
      ),
    )
  }
  return parts.join('\n')
}

function bar(day: RunDay, max: number): string {
  const handled = Math.round(((day.ingested + day.converted) / max) * BAR_WIDTH)
  const failed = day.failed > 0 ? Math.max(1, Math.round((day.failed / max) * BAR_WIDTH)) : 0
  return '█'.repeat(handled) + '▒'.repeat(failed)
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

function clip(text: string): string {
  return text.length > MESSAGE_WIDTH ? `${text.slice(0, MESSAGE_WIDTH - 1)}…` : text
}
