import type {ExportFormat, TableVersion} from '../backends/types.js'

/** Formats a data package holds its result in. */
export const PACKAGE_FORMATS = ['csv', 'parquet'] as const
export type PackageFormat = (typeof PACKAGE_FORMATS)[number]

export const MEDIA_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  json: 'application/json',
  jsonl: 'application/jsonl',
  parquet: 'application/vnd.apache.parquet',
}

/** How a table version reads back in messages and data packages: the number, or the time in ISO 8601. */
export function formatTableVersion(version: TableVersion): number | string {
  return 'version' in version ? version.version : version.timestamp.toISOString()
}
