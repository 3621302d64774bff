import {formatBytes, formatLabels, formatMetadata, listedId, listedSize} from '../output/format.js'
import type {TableLayout} from '../output/layout.js'
import {type Rendered, renderListed} from '../output/listed.js'
import type {IngestResult} from './ingest.js'

export function renderIngestResult(result: IngestResult, layout: TableLayout): Rendered {
  const changed = result.files.filter((f) => f.status !== 'unchanged')
  const blocks = [
    renderListed(
      {
        head: ['file', 'status', 'v', 'size', 'source', 'metadata', 'labels'],
        rows: changed.map((f) => [
          f.fileId ? listedId(f.fileId, layout) : '(dry run)',
          f.status,
          f.version,
          listedSize(f.size, layout),
          f.sourcePath,
          formatMetadata(f.metadata, ['time']),
          formatLabels(f.labels),
        ]),
        noun: result.dryRun ? 'files to store' : 'files stored',
      },
      layout,
    ),
    renderListed(
      {head: ['stored with a warning', 'reason'], rows: result.warnings.map((w) => [w.path, w.message]), noun: 'warnings'},
      layout,
    ),
    renderListed(
      {head: ['not stored', 'code', 'reason'], rows: result.failed.map((f) => [f.path, f.code, f.message]), noun: 'failures'},
      layout,
    ),
  ]
  const verb = result.dryRun ? 'Would store' : 'Stored'
  const summary = [
    `${verb} ${result.ingested} file${result.ingested === 1 ? '' : 's'} (${formatBytes(result.bytesStored)})`,
    `${result.unchanged} unchanged`,
  ]
  if (result.warnings.length > 0) summary.push(`${result.warnings.length} with warnings`)
  summary.push(`${result.failed.length} failed`)
  const notes = [...blocks.flatMap((b) => b.notes), summary.join(', ') + '.']
  if (result.dryRun) notes.push('Dry run: nothing was stored.')
  else if (result.ingested > 0) notes.push('Next: `labmesh files list` to browse them, `labmesh convert` to engineer them.')
  return {body: blocks.map((b) => b.body).filter((b) => b !== ''), notes}
}
