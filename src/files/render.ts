import type {FileRecord} from '../backends/types.js'
import {formatBytes, formatLabels, formatMetadata, listedId, listedSize} from '../output/format.js'
import type {TableLayout} from '../output/layout.js'
import {renderRecord, renderTable} from '../output/table.js'
import type {TableRows} from './trace-rows.js'

export function renderFileList(files: FileRecord[], layout: TableLayout): string {
  return renderTable(
    ['file', 'category', 'v', 'status', 'size', 'source', 'metadata', 'labels'],
    files.map((f) => [
      listedId(f.fileId, layout),
      f.category,
      f.version,
      f.status,
      listedSize(f.size, layout),
      f.sourcePath,
      formatMetadata(f.metadata, ['time']),
      formatLabels(f.labels),
    ]),
    layout,
  )
}

export interface FileDetail {
  file: FileRecord
  versions: FileRecord[]
  derived: FileRecord[]
  tables: TableRows[]
}

export function renderFileDetail({file, versions, derived, tables}: FileDetail, layout: TableLayout): string {
  const parts = [
    renderRecord(
      [
        ['file id', file.fileId],
        ['category', file.category],
        ['trace id', file.traceId],
        ['raw file id', file.rawFileId],
        ['version', `${file.version} of ${versions.length}`],
        ['status', file.error ? `${file.status}: [${file.error.code}] ${file.error.message}` : file.status],
        ['source', `${file.sourceHost}:${file.sourcePath}`],
        ['size', `${formatBytes(file.size)} (${file.size} bytes)`],
        ['sha256', file.sha256],
        ['modified', file.modifiedAt],
        ['ingested', file.ingestedAt],
        ...Object.entries(file.metadata).map(([k, v]): [string, string] => [`metadata.${k}`, v]),
        ['labels', formatLabels(file.labels)],
      ],
      layout,
    ),
  ]
  // Down a pipe each block is a TSV table of its own, after a blank line.
  const heading = (title: string): string => (layout.kind === 'tsv' ? '' : title)
  if (versions.length > 1) {
    parts.push(
      heading('Versions:'),
      renderTable(
        ['v', 'file', 'sha256', 'size', 'ingested'],
        versions.map((v) => [v.version, v.fileId, v.sha256.slice(0, 12), listedSize(v.size, layout), v.ingestedAt]),
        layout,
      ),
    )
  }
  if (derived.length > 0) {
    parts.push(
      heading('Derived files:'),
      renderTable(
        ['file', 'category', 'v', 'status', 'size'],
        derived.map((d) => [d.fileId, d.category, d.version, d.status, listedSize(d.size, layout)]),
        layout,
      ),
    )
  }
  if (tables.length > 0) {
    parts.push(
      heading('Rows of its trace in the lake:'),
      renderTable(
        ['table', 'rows'],
        tables.map((t) => [t.table, t.rows]),
        layout,
      ),
    )
  }
  return parts.join('\n')
}
