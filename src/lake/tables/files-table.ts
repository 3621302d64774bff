import type {FileRecord} from '../../backends/types.js'
import type {Row} from '../delta/rows.js'
import {field, type StructField} from '../delta/schema.js'

export const FILES_TABLE = 'files'

/** The `files` table: one row per raw file version (converted or not), its metadata, labels and stage, for joins on file_id. */
export const FILES_COLUMNS: StructField[] = [
  field('file_id', 'string'),
  field('trace_id', 'string'),
  field('engineered_file_id', 'string'),
  field('category', 'string'),
  field('source_path', 'string'),
  field('source_host', 'string'),
  field('sha256', 'string'),
  field('size', 'long'),
  field('version', 'long'),
  field('ingested_at', 'timestamp'),
  field('modified_at', 'timestamp'),
  field('instrument', 'string'),
  field('technique', 'string'),
  field('metadata', {type: 'map', keyType: 'string', valueType: 'string', valueContainsNull: true}),
  // name=value strings: `list_contains(labels, 'site=boston')` in DuckDB, `contains(labels, ...)` in Athena.
  field('labels', {type: 'array', elementType: 'string', containsNull: false}),
  // ingested, converted or failed.
  field('status', 'string'),
  // False once a newer version of the same source is stored.
  field('latest', 'boolean'),
]

/**
 * A raw file's row, with its latest engineered document when it has been converted. `instrument`
 * and `technique` are then the converter that read the file, detected from the content, whatever
 * a path template or --metadata named (those stay in `metadata`): one name per instrument.
 */
export function filesRow(raw: FileRecord, engineered: FileRecord | undefined, latest: boolean): Row {
  return {
    file_id: raw.fileId,
    trace_id: raw.traceId,
    engineered_file_id: engineered?.fileId ?? null,
    category: raw.category,
    source_path: raw.sourcePath,
    source_host: raw.sourceHost,
    sha256: raw.sha256,
    size: raw.size,
    version: raw.version,
    ingested_at: new Date(raw.ingestedAt),
    modified_at: new Date(raw.modifiedAt),
    instrument: engineered?.metadata.converter ?? raw.metadata.instrument ?? null,
    technique: engineered?.metadata.technique ?? raw.metadata.technique ?? null,
    metadata: raw.metadata,
    labels: raw.labels.map((l) => `${l.name}=${l.value}`),
    status: raw.status,
    latest,
  }
}
