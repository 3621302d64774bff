import {LabmeshError} from '../errors.js'

/**
 * The fields a query can name (`field:value`, `field>=value`) and what each one means. Every
 * backend reads this one table, so `size`, `time` or `label.site` behave alike everywhere.
 */
export type FieldSpec =
  /** Words of the file name or the full source path. */
  | {kind: 'words'; property: 'name' | 'sourcePath'}
  /** One of a few values, matched whole and case-insensitively. */
  | {kind: 'keyword'; property: 'category' | 'status'}
  /** A UUID or a prefix of one (tables show 8 characters). */
  | {kind: 'id'; property: 'fileId' | 'traceId'}
  | {kind: 'number'; property: 'size' | 'version'}
  | {kind: 'time'; property: 'ingestedAt' | 'modifiedAt'}
  /** Values of the label `name`, or of any label when name is null. */
  | {kind: 'label'; name: string | null}
  /** A metadata value; `time` (the file's time) compares as a time even with `:`. */
  | {kind: 'metadata'; key: string; time: boolean}

const BUILT_IN: Record<string, FieldSpec> = {
  name: {kind: 'words', property: 'name'},
  path: {kind: 'words', property: 'sourcePath'},
  category: {kind: 'keyword', property: 'category'},
  status: {kind: 'keyword', property: 'status'},
  id: {kind: 'id', property: 'fileId'},
  trace: {kind: 'id', property: 'traceId'},
  size: {kind: 'number', property: 'size'},
  version: {kind: 'number', property: 'version'},
  ingested: {kind: 'time', property: 'ingestedAt'},
  modified: {kind: 'time', property: 'modifiedAt'},
  label: {kind: 'label', name: null},
}

/** The metadata key holding the file's time (ingest sets it; templates may override it). */
export const TIME_KEY = 'time'

/** Query fields and stored metadata keys and label names compare in this form: "Converter Version" -> "converter_version". */
export function normaliseFieldName(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, '_')
}

/**
 * What a (normalised) field name refers to. Names that are not built in are metadata keys;
 * `metadata.<key>` reaches a key that a built-in name hides (e.g. a metadata `name`).
 */
export function fieldSpec(field: string): FieldSpec {
  if (field.startsWith('label.') && field.length > 'label.'.length) return {kind: 'label', name: field.slice('label.'.length)}
  if (field.startsWith('metadata.') && field.length > 'metadata.'.length) return metadataSpec(field.slice('metadata.'.length))
  return BUILT_IN[field] ?? metadataSpec(field)
}

function metadataSpec(key: string): FieldSpec {
  return {kind: 'metadata', key, time: key === TIME_KEY}
}

/** A field whose values can be counted with --facets: it holds a few repeated values. */
export type FacetSpec = Extract<FieldSpec, {kind: 'keyword' | 'label' | 'metadata'}>

/** What a field named for --facets refers to, or INVALID_INPUT when its values are not a few repeated ones. */
export function facetSpec(field: string): FacetSpec {
  const spec = fieldSpec(normaliseFieldName(field))
  if (spec.kind === 'keyword' || spec.kind === 'label' || spec.kind === 'metadata') return spec
  throw new LabmeshError('INVALID_INPUT', `cannot count hits per value of "${field}": it is not a field of a few repeated values`, {
    subject: field,
    suggestions: ['facet on category, status, label, label.<name> or a metadata key (instrument, technique, sample, project...)'],
  })
}
