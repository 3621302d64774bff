import {formatBytes, formatLabels, formatMetadata, shortId} from '../output/format.js'
import {renderTable} from '../output/table.js'
import type {IngestResult} from './ingest.js'

/** Tables shown when the ingest result is listed to a person, beyond this only counts. */
const LIST_AT_MOST = 50

export function renderIngestResult(result: IngestResult): string {
  const parts: string[] = []
  const changed = result.files.filter((f) => f.status !== 'unchanged')
  if (changed.length > 0 && changed.length <= LIST_AT_MOST) {
    parts.push(
      renderTable(
        ['file', 'status', 'v', 'size', 'source', 'metadata', 'labels'],
        changed.map((f) => [
          f.fileId ? shortId(f.fileId) : '(dry run)',
          f.status,
          f.version,
          formatBytes(f.size),
          f.sourcePath,
          formatMetadata(f.metadata, ['time']),
          formatLabels(f.labels),
        ]),
      ),
    )
  }
  if (result.warnings.length > 0) {
    parts.push(
      renderTable(
        ['stored with a warning', 'reason'],
        result.warnings.slice(0, LIST_AT_MOST).map((w) => [w.path, w.message]),
      ),
    )
  }
  if (result.failed.length > 0) {
    parts.push(
      renderTable(
        ['not stored', 'code', 'reason'],
        result.failed.slice(0, LIST_AT_MOST).map((f) => [f.path, f.code, f.message]),
      ),
    )
  }
  const verb = result.dryRun ? 'Would store' : 'Stored'
  const summary = [
    `${verb} ${result.ingested} file${result.ingested === 1 ? '' : 's'} (${formatBytes(result.bytesStored)})`,
    `${result.unchanged} unchanged`,
  ]
  if (result.warnings.length > 0) summary.push(`${result.warnings.length} with warnings`)
  summary.push(`${result.failed.length} failed`)
  parts.push(summary.join(', ') + '.')
  if (result.dryRun) parts.push('Dry run: nothing was stored.')
  else if (result.ingested > 0) parts.push('Next: `labmesh files list` to browse them, `labmesh convert` to engineer them.')
  return parts.join('\n')
}
