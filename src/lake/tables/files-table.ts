import type {FileRecord} from '../../backends/types.js'
import type {Row} from '../delta/rows.js'
import {field, type StructField} from '../delta/schema.js'

export const FILES_TABLE = 'files'

/** The `files` table: one row per converted raw file, its metadata and labels, for joins on file_id. */
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
]

/** `instrument` is the converter that read the file: detected from the content, whatever the path template named. */
export function filesRow(raw: FileRecord, engineeredFileId: string, converter: {instrument: string; technique: string}): Row {
  return {
    file_id: raw.fileId,
    trace_id: raw.traceId,
    engineered_file_id: engineeredFileId,
    category: raw.category,
    source_path: raw.sourcePath,
    source_host: raw.sourceHost,
    sha256: raw.sha256,
    size: raw.size,
    version: raw.version,
    ingested_at: new Date(raw.ingestedAt),
    modified_at: new Date(raw.modifiedAt),
    instrument: converter.instrument,
    technique: converter.technique,
    metadata: raw.metadata,
    labels: raw.labels.map((l) => `${l.name}=${l.value}`),
  }
}
