import type {FileRecord} from '../backends/types.js'
import {formatBytes, formatLabels, formatMetadata, shortId} from '../output/format.js'
import {renderRecord, renderTable} from '../output/table.js'

export function renderFileList(files: FileRecord[]): string {
  if (files.length === 0) return 'No files match.'
  return renderTable(
    ['file', 'category', 'v', 'status', 'size', 'source', 'metadata', 'labels'],
    files.map((f) => [
      shortId(f.fileId),
      f.category,
      f.version,
      f.status,
      formatBytes(f.size),
      f.sourcePath,
      formatMetadata(f.metadata, ['time']),
      formatLabels(f.labels),
    ]),
  )
}

export function renderFileDetail(file: FileRecord, versions: FileRecord[], derived: FileRecord[]): string {
  const parts = [
    renderRecord([
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
    ]),
  ]
  if (versions.length > 1) {
    parts.push(
      'Versions:',
      renderTable(
        ['v', 'file', 'sha256', 'size', 'ingested'],
        versions.map((v) => [v.version, v.fileId, v.sha256.slice(0, 12), formatBytes(v.size), v.ingestedAt]),
      ),
    )
  }
  if (derived.length > 0) {
    parts.push(
      'Derived files:',
      renderTable(
        ['file', 'category', 'status', 'size'],
        derived.map((d) => [d.fileId, d.category, d.status, formatBytes(d.size)]),
      ),
    )
  }
  return parts.join('\n')
}
