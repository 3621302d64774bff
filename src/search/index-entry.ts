import type {FileRecord, Label} from '../backends/types.js'
import {normaliseFieldName, TIME_KEY} from './fields.js'
import {keyedText} from './keyed-words.js'
import {parseNumber, parseTimeSpan} from './values.js'

/** One metadata value or label as the index keeps it, for comparisons and facets. */
export interface IndexedValue {
  /** Normalised metadata key, or `label.<name>`. */
  field: string
  value: string
  /** The value read as a number, when it is one. */
  number: number | null
  /** The value read as an ISO date or time (epoch ms at its start), when it is one. */
  time: number | null
}

/** What a search index holds for one file: texts for words, ranking and snippets; values for comparisons and facets. */
export interface IndexEntry {
  fileId: string
  name: string
  path: string
  /** `key: value` lines: the category and every metadata field (instrument, technique, sample...). */
  fields: string
  /** `name: value` lines, one per label. */
  labels: string
  /** The engineered document's words (document-text.ts); empty for raw files. */
  content: string
  /** Field-scoped tokens of every metadata value (keyed-words.ts). */
  fieldKeys: string
  /** Field-scoped tokens of every label, under `label.<name>` and `label`. */
  labelKeys: string
  /** For sorting by time: the `time` metadata, else the file's modification time (epoch ms). */
  time: number
  values: IndexedValue[]
}

export function indexEntry(record: Omit<FileRecord, 'latest'>, searchText = ''): IndexEntry {
  const metadata = Object.entries(record.metadata)
  // The time goes last: its digits would otherwise open most snippets of metadata matches.
  const shown = [...metadata].sort(([a], [b]) => Number(a === TIME_KEY) - Number(b === TIME_KEY))
  return {
    fileId: record.fileId,
    name: record.sourcePath.split(/[/\\]/).pop() ?? record.sourcePath,
    path: record.sourcePath,
    fields: [`category: ${record.category}`, ...shown.map(([key, value]) => `${key}: ${value}`)].join('\n'),
    labels: labelsText(record.labels),
    content: searchText,
    fieldKeys: keyedText(metadata.map(([key, value]) => ({fields: [normaliseFieldName(key)], value}))),
    labelKeys: labelKeys(record.labels),
    time: parseTimeSpan(record.metadata[TIME_KEY] ?? '', {yearAlone: true})?.start ?? Date.parse(record.modifiedAt),
    values: [...metadata.map(([key, value]) => indexedValue(normaliseFieldName(key), value)), ...labelValues(record.labels)],
  }
}

export function labelsText(labels: Label[]): string {
  return distinctLabels(labels)
    .map((l) => `${l.name}: ${l.value}`)
    .join('\n')
}

export function labelValues(labels: Label[]): IndexedValue[] {
  return distinctLabels(labels).map((l) => indexedValue(labelField(l.name), l.value))
}

export function labelKeys(labels: Label[]): string {
  return keyedText(distinctLabels(labels).map((l) => ({fields: [labelField(l.name), 'label'], value: l.value})))
}

const labelField = (name: string): string => `label.${normaliseFieldName(name)}`

/** Labels in one order (the store's: by name, then value) whichever way they came, so entries compare equal. */
function distinctLabels(labels: Label[]): Label[] {
  const byKey = new Map(labels.map((l) => [`${l.name}\u0000${l.value}`, l]))
  return [...byKey.values()].sort((a, b) => (a.name === b.name ? compare(a.value, b.value) : compare(a.name, b.name)))
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function indexedValue(field: string, value: string): IndexedValue {
  return {field, value, number: parseNumber(value) ?? null, time: parseTimeSpan(value, {yearAlone: field === TIME_KEY})?.start ?? null}
}
