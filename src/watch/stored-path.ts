import type {MonitoredPath, WatchedFile, WatchedFileState, WatchPathStatus} from '../backends/types.js'
import {LabmeshError} from '../errors.js'

/** A monitored path's settings as one stored value (everything but its name and creation time). */
export type PathSettings = Omit<MonitoredPath, 'name' | 'createdAt'>

export function pathSettings(path: Omit<MonitoredPath, 'createdAt'>): PathSettings {
  const {name: _name, ...settings} = path
  return settings
}

export function nameTaken(name: string): LabmeshError {
  return new LabmeshError('CONFLICT', `a monitored path named "${name}" exists already`, {
    subject: name,
    suggestions: ['choose another --name, or remove it first with `labmesh paths remove ' + name + '`'],
  })
}

/** One row of the per-state counts a store returns, with the path's latest error. */
export interface StatusRow {
  name: string
  settings: PathSettings
  lastScanAt: string | null
  counts: Partial<Record<WatchedFileState, number>>
  lastError: WatchPathStatus['lastError']
}

export function toStatus(row: StatusRow): WatchPathStatus {
  const count = (state: WatchedFileState): number => row.counts[state] ?? 0
  return {
    name: row.name,
    root: row.settings.root,
    seen: Object.values(row.counts).reduce((a, b) => a + (b ?? 0), 0),
    pending: count('pending'),
    ingested: count('ingested'),
    converted: count('converted'),
    failed: count('failed'),
    archived: count('archived'),
    lastScanAt: row.lastScanAt,
    lastError: row.lastError,
  }
}

/** A watched file's columns, in the order both stores write them. */
export function fileColumns(file: WatchedFile): unknown[] {
  return [
    file.pathName,
    file.relativePath,
    file.size,
    file.mtimeMs,
    file.state,
    file.attempts,
    file.retryAt,
    file.fileId,
    file.ingestedAt,
    file.error?.code ?? null,
    file.error?.message ?? null,
    file.updatedAt,
  ]
}

export interface WatchedFileRow {
  path_name: string
  relative_path: string
  size: number | string
  mtime_ms: number
  state: WatchedFileState
  attempts: number
  retry_at: string | Date | null
  file_id: string | null
  ingested_at: string | Date | null
  error_code: string | null
  error_message: string | null
  updated_at: string | Date
}

const iso = (value: string | Date | null): string | null => (value instanceof Date ? value.toISOString() : value)

export function toWatchedFile(row: WatchedFileRow): WatchedFile {
  return {
    pathName: row.path_name,
    relativePath: row.relative_path,
    size: Number(row.size),
    mtimeMs: Number(row.mtime_ms),
    state: row.state,
    attempts: row.attempts,
    retryAt: iso(row.retry_at),
    fileId: row.file_id,
    ingestedAt: iso(row.ingested_at),
    error: row.error_code ? {code: row.error_code, message: row.error_message ?? ''} : null,
    updatedAt: iso(row.updated_at)!,
  }
}
