import type {QueryProgress, QueryStatistics} from '../backends/types.js'
import {formatBytes} from '../output/format.js'
import type {TableLayout} from '../output/layout.js'
import {renderTable} from '../output/table.js'
import type {QueryOutcome} from './run.js'

/** What the `query` command prints for people; nothing when the rows themselves went to stdout. */
export function renderOutcome(outcome: QueryOutcome, layout: TableLayout): string | undefined {
  const shown = renderResult(outcome, layout)
  return outcome.statistics && shown !== undefined ? `${shown}\n${scanText(outcome.statistics)}` : shown
}

/** Bytes scanned and what they cost, for engines that bill by them. */
export function scanText(statistics: QueryStatistics): string {
  return `Scanned ${formatBytes(statistics.bytesScanned)}, about USD ${statistics.costEstimateUsd.toFixed(4)} (Athena query ${statistics.executionId}).`
}

function renderResult(outcome: QueryOutcome, layout: TableLayout): string | undefined {
  if (outcome.plan !== undefined) return outcome.plan
  if (outcome.rows) {
    if (outcome.rows.length === 0) return `(no rows; columns: ${outcome.columns.map((c) => c.name).join(', ')})`
    const keys = Object.keys(outcome.rows[0])
    const table = renderTable(
      keys,
      outcome.rows.map((row) =>
        keys.map((key) => (typeof row[key] === 'object' && row[key] !== null ? JSON.stringify(row[key]) : row[key])),
      ),
      layout,
    )
    const note = outcome.truncated
      ? `The first ${outcome.rowCount} rows; the result has more: raise --limit, or write them all with --out FILE.`
      : `${count(outcome.rowCount, 'row')} (${outcome.elapsedSeconds.toFixed(2)} s).`
    return `${table}\n${note}`
  }
  if (outcome.file)
    return `Wrote ${count(outcome.rowCount, 'row')} to ${outcome.file.path} (${outcome.file.format}, ${formatBytes(outcome.file.bytes)}).`
  if (outcome.package) {
    const resource = outcome.package.resources[0]
    return [
      `Wrote a data package of ${count(outcome.rowCount, 'row')} to ${outcome.package.dir}: datapackage.json and ${resource.path} (${formatBytes(resource.bytes)}).`,
      `Check it later with: labmesh package verify ${outcome.package.dir}`,
    ].join('\n')
  }
  return undefined
}

/** The spinner's text: time so far, and rows written or read when known. */
export function progressText(seconds: number, rowsWritten: number, progress: QueryProgress): string {
  const parts = [`Running query: ${seconds.toFixed(1)} s`]
  if (rowsWritten > 0) parts.push(count(rowsWritten, 'row'))
  else if (progress.rowsRead !== undefined) parts.push(`${count(progress.rowsRead, 'row')} read`)
  if (progress.percent !== undefined) parts.push(`${Math.floor(progress.percent)}%`)
  if (progress.state !== undefined) parts.push(progress.state.toLowerCase())
  if (progress.bytesScanned !== undefined) parts.push(`${formatBytes(progress.bytesScanned)} scanned`)
  return parts.join(' · ') + ' (Ctrl-C cancels)'
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`
}
