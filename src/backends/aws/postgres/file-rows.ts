import type {FileRecord, Label, StageStatus} from '../../types.js'

/** A files row with its labels, as SELECT_FILES reads it. */
export interface FileRow {
  file_id: string
  category: FileRecord['category']
  trace_id: string
  raw_file_id: string | null
  sha256: string
  size: string
  source_path: string
  source_host: string
  ingested_at: Date
  modified_at: Date
  version: number
  is_latest: boolean
  metadata: Record<string, string>
  status: StageStatus
  error_code: string | null
  error_message: string | null
  labels: Label[]
}

/** Every column of `files f` plus its labels, in the order SQLite gives them (byte order). */
export const FILE_WITH_LABELS = `f.*, coalesce((SELECT json_agg(json_build_object('name', l.name, 'value', l.value)
    ORDER BY l.name COLLATE "C", l.value COLLATE "C") FROM labels l WHERE l.file_id = f.file_id), '[]'::json) AS labels`

export const SELECT_FILES = `SELECT ${FILE_WITH_LABELS} FROM files f`

export const toRecord = (row: FileRow): FileRecord => ({
  fileId: row.file_id,
  category: row.category,
  traceId: row.trace_id,
  rawFileId: row.raw_file_id,
  sha256: row.sha256,
  size: Number(row.size),
  sourcePath: row.source_path,
  sourceHost: row.source_host,
  ingestedAt: row.ingested_at.toISOString(),
  modifiedAt: row.modified_at.toISOString(),
  version: row.version,
  latest: row.is_latest,
  metadata: row.metadata,
  labels: row.labels,
  status: row.status,
  error: row.error_code ? {code: row.error_code, message: row.error_message ?? ''} : null,
})
