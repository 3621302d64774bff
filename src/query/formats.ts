import path from 'node:path'

import type {ExportFormat} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {PACKAGE_FORMATS, type PackageFormat} from '../package/formats.js'

/** `--format`: a table for people, or one of the formats written to stdout or a file. */
export const OUTPUT_FORMATS = ['table', 'csv', 'tsv', 'json', 'jsonl', 'parquet'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

export type TextFormat = Exclude<ExportFormat, 'parquet'>

const BY_EXTENSION: Record<string, ExportFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
  '.pq': 'parquet',
}

/** The format a file name implies by its extension, if any. */
export function formatFromPath(file: string): ExportFormat | undefined {
  return BY_EXTENSION[path.extname(file).toLowerCase()]
}

/** Where a result goes: shown as a table, streamed to stdout (as text, or inside the --json document), written to a file, or packaged. */
export type QueryOutput =
  | {kind: 'table'}
  | {kind: 'stdout'; format: TextFormat}
  | {kind: 'json'}
  | {kind: 'file'; path: string; format: ExportFormat}
  | {kind: 'package'; dir: string; format: PackageFormat}

export interface OutputFlags {
  format?: OutputFormat
  out?: string
  package?: string
  /** --limit as given (undefined when not given). */
  limit?: number
  /** --json: stdout holds the command's result document. */
  json: boolean
  /** Whether stdout is a terminal: a table there, CSV down a pipe, when no format is given. */
  terminal: boolean
}

/** Reads --format, --out, --package and --limit together, refusing combinations that mean nothing. */
export function resolveOutput(flags: OutputFlags): QueryOutput {
  if ((flags.out !== undefined || flags.package !== undefined) && flags.limit !== undefined) {
    throw new LabmeshError('USAGE', '--limit cuts rows shown or streamed; --out and --package write the whole result', {
      suggestions: ['put a LIMIT in the SQL'],
    })
  }
  if (flags.package !== undefined) {
    if (flags.out !== undefined) throw new LabmeshError('USAGE', '--out and --package both say where the result goes: give one')
    const format = flags.format ?? 'csv'
    if (!(PACKAGE_FORMATS as readonly string[]).includes(format))
      throw new LabmeshError('USAGE', `a data package holds csv or parquet, not ${format}`, {
        suggestions: ['--format csv', '--format parquet'],
      })
    return {kind: 'package', dir: path.resolve(flags.package), format: format as PackageFormat}
  }
  if (flags.out !== undefined) {
    const format = flags.format ?? formatFromPath(flags.out)
    if (format === undefined) {
      throw new LabmeshError('USAGE', `cannot tell the format of ${flags.out} from its extension`, {
        suggestions: ['--format csv|tsv|json|jsonl|parquet'],
      })
    }
    if (format === 'table') throw new LabmeshError('USAGE', 'a table is for the screen; write a file as csv, tsv, json, jsonl or parquet')
    return {kind: 'file', path: path.resolve(flags.out), format}
  }
  if (flags.json) {
    if (flags.format !== undefined && flags.format !== 'table')
      throw new LabmeshError('USAGE', `--json prints the command's result on stdout, so --format ${flags.format} needs --out FILE`)
    return {kind: 'json'}
  }
  const format = flags.format ?? (flags.terminal ? 'table' : 'csv')
  if (format === 'table') return {kind: 'table'}
  if (format === 'parquet')
    throw new LabmeshError('USAGE', 'Parquet is binary: write it to a file', {suggestions: ['--out result.parquet']})
  return {kind: 'stdout', format}
}
