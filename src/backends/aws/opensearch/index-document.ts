import {indexText} from '../../../search/compile-opensearch.js'
import {indexEntry} from '../../../search/index-entry.js'
import {words} from '../../../search/words.js'
import type {FileRecord} from '../../types.js'

/**
 * The OpenSearch index of a profile's files: one document per file version, `_id` its file id.
 * Text fields hold labmesh's tokens (words.ts, keyed-words.ts) joined by spaces under a
 * whitespace analyzer, so the index splits words exactly as the local one; file properties are
 * keywords, numbers and dates; each metadata value and label is a nested `values` entry, for
 * comparisons and facets. `dynamic: strict` refuses a document of any other shape.
 */
const text = {type: 'text', analyzer: 'labmesh_words'} as const
const keyword = {type: 'keyword'} as const
const longKeyword = {type: 'keyword', ignore_above: 8191} as const
const date = {type: 'date', format: 'strict_date_optional_time||epoch_millis'} as const

/** Raised when the mapping changes: an index of an older shape is named in the error, to be reindexed. */
export const MAPPING_VERSION = 1

export const INDEX_BODY = {
  settings: {
    analysis: {analyzer: {labmesh_words: {type: 'custom', tokenizer: 'whitespace'}}},
  },
  mappings: {
    dynamic: 'strict',
    _meta: {labmesh_mapping: MAPPING_VERSION},
    properties: {
      file_id: keyword,
      trace_id: keyword,
      category: keyword,
      status: keyword,
      source_path: keyword,
      latest: {type: 'boolean'},
      size: {type: 'long'},
      version: {type: 'long'},
      ingested_at: date,
      modified_at: date,
      time: date,
      name: text,
      path: text,
      fields: text,
      labels: text,
      content: text,
      field_keys: text,
      label_keys: text,
      values: {
        type: 'nested',
        // Values past Lucene's term limit would fail the document: such prose is left out of facets and exact terms.
        properties: {field: keyword, value: longKeyword, facet: longKeyword, number: {type: 'double'}, time: date},
      },
    },
  },
} as const

export interface IndexDocument {
  file_id: string
  trace_id: string
  category: string
  status: string
  source_path: string
  latest: boolean
  size: number
  version: number
  ingested_at: string
  modified_at: string
  time: number
  name: string
  path: string
  fields: string
  labels: string
  content: string
  field_keys: string
  label_keys: string
  values: {field: string; value: string; facet: string; number: number | null; time: number | null}[]
}

/** A file's document, from its record and the words of its engineered document. */
export function indexDocument(record: FileRecord, searchText?: string): IndexDocument {
  const entry = indexEntry(record, searchText)
  return {
    file_id: record.fileId,
    trace_id: record.traceId,
    category: record.category,
    status: record.status,
    source_path: record.sourcePath,
    latest: record.latest,
    size: record.size,
    version: record.version,
    ingested_at: record.ingestedAt,
    modified_at: record.modifiedAt,
    time: entry.time,
    name: indexText(words(entry.name)),
    path: indexText(words(entry.path)),
    fields: indexText(words(entry.fields)),
    labels: indexText(words(entry.labels)),
    content: indexText(words(entry.content)),
    field_keys: indexText(entry.fieldKeys.split(' ').filter((t) => t !== '')),
    label_keys: indexText(entry.labelKeys.split(' ').filter((t) => t !== '')),
    // A label's facet is `name=value`, as `--facets label` shows it locally.
    values: entry.values.map((v) => ({
      ...v,
      facet: v.field.startsWith('label.') ? `${v.field.slice('label.'.length)}=${v.value}` : v.value,
    })),
  }
}
