import {randomUUID} from 'node:crypto'
import {fileURLToPath} from 'node:url'

import {LabmeshError} from '../../errors.js'

/** Where the files of a Delta table live, and how the log names them. */

export const LOG_DIR = '_delta_log'
export const LAST_CHECKPOINT_PATH = `${LOG_DIR}/_last_checkpoint`

/** The value Hive and Spark use for a null partition in directory names. */
export const NULL_PARTITION_DIR_VALUE = '__HIVE_DEFAULT_PARTITION__'

export type LogFileName = {kind: 'commit'; version: number} | {kind: 'checkpoint'; version: number; part: number; parts: number}

export function commitPath(version: number): string {
  return `${LOG_DIR}/${padVersion(version)}.json`
}

/** A classic checkpoint's file(s): `N.checkpoint.parquet`, or `N.checkpoint.k.n.parquet` for n parts. */
export function checkpointPaths(version: number, parts = 1): string[] {
  if (parts === 1) return [`${LOG_DIR}/${padVersion(version)}.checkpoint.parquet`]
  const width = 10
  return Array.from(
    {length: parts},
    (_, i) =>
      `${LOG_DIR}/${padVersion(version)}.checkpoint.${String(i + 1).padStart(width, '0')}.${String(parts).padStart(width, '0')}.parquet`,
  )
}

/**
 * Recognizes commits and classic checkpoints by file name (not path). Other files of the log
 * (.crc checksums, compacted logs, UUID-named v2 checkpoints, temp files) are not ours to read.
 */
export function parseLogFileName(name: string): LogFileName | undefined {
  let match = /^(\d{20})\.json$/.exec(name)
  if (match) return {kind: 'commit', version: Number(match[1])}
  match = /^(\d{20})\.checkpoint\.parquet$/.exec(name)
  if (match) return {kind: 'checkpoint', version: Number(match[1]), part: 1, parts: 1}
  match = /^(\d{20})\.checkpoint\.(\d+)\.(\d+)\.parquet$/.exec(name)
  if (match) return {kind: 'checkpoint', version: Number(match[1]), part: Number(match[2]), parts: Number(match[3])}
  return undefined
}

/**
 * The table-relative path of a data file named in the log. Log paths are URL-encoded relative
 * paths; an absolute `file:` or `s3://` URI (Spark writes them, e.g. after a shallow clone or
 * with `s3a://`) is accepted when it points inside this table.
 */
export function decodeDataPath(logPath: string, location: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(logPath)) {
    const absolute = absoluteLocation(logPath)
    const root = location.endsWith('/') ? location : `${location}/`
    if (absolute?.startsWith(root)) return absolute.slice(root.length)
    throw new LabmeshError('UNSUPPORTED', `the log names a data file outside the table: ${logPath}`, {
      subject: logPath,
      suggestions: ['files of shallow clones or other tables are not read; copy the table with its data instead'],
    })
  }
  return decodeLogPath(logPath)
}

/** An absolute URI in a log as a location of the same form as tables': a local path, or a decoded s3:// URL. */
function absoluteLocation(uri: string): string | undefined {
  if (uri.startsWith('file:')) return fileURLToPath(uri)
  const s3 = /^s3[an]?:\/\/(.*)$/i.exec(uri)
  return s3 ? `s3://${decodeLogPath(s3[1], uri)}` : undefined
}

/** `named` is the path as the log spells it, for the error: a URI's scheme included. */
function decodeLogPath(logPath: string, named = logPath): string {
  try {
    return decodeURIComponent(logPath)
  } catch (error) {
    throw new LabmeshError('INVALID_DATA', `the log names a data file with a malformed path: ${named}`, {cause: error, subject: named})
  }
}

/**
 * The segments of a table-relative path, refused with INVALID_DATA when it has `.`, `..` or empty
 * segments (an empty or absolute path has an empty one): no path a log names can reach outside its table.
 */
export function tablePathSegments(relative: string): string[] {
  const segments = relative.split('/')
  if (segments.some((s) => s === '..' || s === '.' || s === '')) {
    throw new LabmeshError('INVALID_DATA', `"${relative}" is not a path inside the table`, {subject: relative})
  }
  return segments
}

/** The URL-encoded form of a table-relative path, as the log stores it. */
export function encodeDataPath(relative: string): string {
  return relative
    .split('/')
    .map((segment) => encodeURIComponent(segment).replaceAll('%3D', '='))
    .join('/')
}

/** `col=value/...` directories for a file's partition values, escaped as Hive and Spark escape them. */
export function partitionDirectory(values: Array<[column: string, value: string | null]>): string {
  return values
    .map(([column, value]) => `${escapePathName(column)}=${value === null ? NULL_PARTITION_DIR_VALUE : escapePathName(value)}`)
    .join('/')
}

/** A new, unique data file path inside `directory` ('' for the table root). */
export function newDataFilePath(directory: string): string {
  const name = `part-00000-${randomUUID()}.c000.zstd.parquet`
  return directory === '' ? name : `${directory}/${name}`
}

function padVersion(version: number): string {
  return String(version).padStart(20, '0')
}

// The characters Spark's ExternalCatalogUtils.escapePathName escapes in partition directory names.
const ESCAPED = new Set(['"', '#', '%', "'", '*', '/', ':', '=', '?', '\\', '\u007F', '{', '[', ']', '^'])

function escapePathName(text: string): string {
  let escaped = ''
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0
    escaped += code < 0x20 || ESCAPED.has(char) ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : char
  }
  return escaped
}
