import type {MonitoredPath, WatchPathStatus} from '../backends/types.js'
import {listedTime} from '../output/format.js'
import type {TableLayout} from '../output/layout.js'
import {renderRecord, renderTable} from '../output/table.js'
import type {SpoolUsage} from '../spool/spool.js'
import type {WatchEvent} from './events.js'

/** A delay in the largest unit that states it whole (7d, 36h, 90m, 45s), as `--archive-after` takes it. */
function delay(ms: number | null): string {
  if (ms === null) return ''
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`
  return `${ms / 1000}s`
}

/** Said to people when there is no path to list. */
export const NO_PATHS = 'No monitored paths. Add one with `labmesh paths add <dir>`.'

export function renderPaths(paths: MonitoredPath[], layout: TableLayout): string {
  return renderTable(
    ['name', 'folder', 'host', 'stable', 'convert', 'archive to'],
    paths.map((p) => [
      p.name,
      p.root,
      p.host,
      `${p.stableSeconds}s`,
      p.convert ? 'yes' : 'no',
      p.archiveTo ? `${p.archiveTo} after ${delay(p.archiveAfterMs)}` : '',
    ]),
    layout,
  )
}

export function renderPath(p: MonitoredPath, status?: WatchPathStatus): string {
  const pairs: [string, unknown][] = [
    ['name', p.name],
    ['folder', p.root],
    ['host', p.host],
    ['template', p.template],
    ['include', p.include.join(', ')],
    ['exclude', p.exclude.join(', ')],
    ['labels', p.labels.map((l) => `${l.name}=${l.value}`).join(', ')],
    [
      'metadata',
      Object.entries(p.metadata)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
    ],
    ['stable for', `${p.stableSeconds}s`],
    ['since', p.since],
    ['convert', p.convert ? 'yes' : 'no'],
    ['archive to', p.archiveTo ? `${p.archiveTo} after ${delay(p.archiveAfterMs)}` : ''],
    ['added', p.createdAt],
  ]
  if (status) pairs.push(...statusPairs(status))
  return renderRecord(pairs)
}

function statusPairs(s: WatchPathStatus): [string, unknown][] {
  return [
    ['files seen', s.seen],
    ['pending', s.pending],
    ['spooled', s.spooled],
    ['ingested', s.ingested + s.converted + s.archived],
    ['converted', s.converted],
    ['failed', s.failed],
    ['last scan', s.lastScanAt],
    ['last error', s.lastError ? `${s.lastError.relativePath}: [${s.lastError.code}] ${s.lastError.message} (${s.lastError.at})` : ''],
  ]
}

export function renderWatchStatus(statuses: WatchPathStatus[], layout: TableLayout): string {
  return renderTable(
    ['path', 'seen', 'pending', 'spooled', 'ingested', 'converted', 'failed', 'last scan', 'last error'],
    statuses.map((s) => [
      s.name,
      s.seen,
      s.pending,
      s.spooled,
      s.ingested + s.converted + s.archived,
      s.converted,
      s.failed,
      listedTime(s.lastScanAt, layout),
      s.lastError ? `${s.lastError.relativePath}: [${s.lastError.code}] ${s.lastError.message}` : '',
    ]),
    layout,
  )
}

export function renderSpool(spool: SpoolUsage & {dir: string}, layout: TableLayout): string {
  return renderRecord(
    [
      ['spool', spool.dir],
      ['waiting', `${spool.files} file(s), ${spool.bytes} bytes`],
      ['set aside', spool.rejected ? `${spool.rejected} file(s) in rejected/` : 0],
    ],
    layout,
  )
}

/** A log line: JSON (one object a line, with the time) or text for people. */
export function formatEvent(event: WatchEvent, format: 'json' | 'text', at = new Date()): string {
  if (format === 'json') return JSON.stringify({time: at.toISOString(), ...event})
  const subject = [event.path, event.file].filter(Boolean).join(': ')
  const details = [
    event.status,
    event.version ? `version ${event.version}` : '',
    event.fileId ?? '',
    event.files !== undefined ? `${event.files} files` : '',
    event.code ? `[${event.code}]` : '',
    event.message ?? '',
    event.retryAt ? `retry at ${event.retryAt}` : '',
  ].filter(Boolean)
  return `${at.toISOString()} ${event.event} ${subject} ${details.join(' ')}`.trimEnd()
}
