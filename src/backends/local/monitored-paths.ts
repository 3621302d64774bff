import type {Database} from 'better-sqlite3'

import {
  fileColumns,
  nameTaken,
  pathSettings,
  type PathSettings,
  toStatus,
  toWatchedFile,
  type WatchedFileRow,
} from '../../watch/stored-path.js'
import type {MonitoredPath, MonitoredPathStore, WatchedFileState} from '../types.js'

interface PathRow {
  name: string
  settings: string
  created_at: string
  last_scan_at: string | null
}

const toPath = (row: PathRow): MonitoredPath => ({name: row.name, ...(JSON.parse(row.settings) as PathSettings), createdAt: row.created_at})

/** Monitored paths and the watcher's per-file state in the workspace database. */
export function createSqliteMonitoredPaths(db: Database): MonitoredPathStore {
  const statements = {
    insert: db.prepare('INSERT INTO monitored_paths (name, settings, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING'),
    get: db.prepare<[string], PathRow>('SELECT * FROM monitored_paths WHERE name = ?'),
    list: db.prepare<[], PathRow>('SELECT * FROM monitored_paths ORDER BY name'),
    remove: db.prepare('DELETE FROM monitored_paths WHERE name = ?'),
    files: db.prepare<[string], WatchedFileRow>('SELECT * FROM watched_files WHERE path_name = ? ORDER BY relative_path'),
    save: db.prepare(`INSERT OR REPLACE INTO watched_files (path_name, relative_path, size, mtime_ms, state, attempts, retry_at,
        file_id, ingested_at, error_code, error_message, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    forget: db.prepare('DELETE FROM watched_files WHERE path_name = ? AND relative_path = ?'),
    scanned: db.prepare('UPDATE monitored_paths SET last_scan_at = ? WHERE name = ?'),
    counts: db.prepare<[], {path_name: string; state: WatchedFileState; n: number}>(
      'SELECT path_name, state, count(*) AS n FROM watched_files GROUP BY path_name, state',
    ),
    lastError: db.prepare<[string], WatchedFileRow>(
      'SELECT * FROM watched_files WHERE path_name = ? AND error_code IS NOT NULL ORDER BY updated_at DESC LIMIT 1',
    ),
  }
  const saveAll = db.transaction((rows: unknown[][]) => {
    for (const row of rows) statements.save.run(...row)
  })
  const forgetAll = db.transaction((pathName: string, relativePaths: string[]) => {
    for (const relativePath of relativePaths) statements.forget.run(pathName, relativePath)
  })
  return {
    async add(path) {
      const createdAt = new Date().toISOString()
      if (statements.insert.run(path.name, JSON.stringify(pathSettings(path)), createdAt).changes === 0) throw nameTaken(path.name)
      return {...path, createdAt}
    },
    async get(name) {
      const row = statements.get.get(name)
      return row ? toPath(row) : undefined
    },
    async list() {
      return statements.list.all().map(toPath)
    },
    async remove(name) {
      return statements.remove.run(name).changes > 0
    },
    async files(pathName) {
      return statements.files.all(pathName).map(toWatchedFile)
    },
    async saveFiles(files) {
      if (files.length > 0) saveAll(files.map(fileColumns))
    },
    async forgetFiles(pathName, relativePaths) {
      if (relativePaths.length > 0) forgetAll(pathName, relativePaths)
    },
    async markScanned(pathName, at) {
      statements.scanned.run(at, pathName)
    },
    async status() {
      const counts = new Map<string, Partial<Record<WatchedFileState, number>>>()
      for (const row of statements.counts.all()) counts.set(row.path_name, {...counts.get(row.path_name), [row.state]: row.n})
      return statements.list.all().map((row) => {
        const error = statements.lastError.get(row.name)
        return toStatus({
          name: row.name,
          settings: JSON.parse(row.settings) as PathSettings,
          lastScanAt: row.last_scan_at,
          counts: counts.get(row.name) ?? {},
          lastError: error
            ? {relativePath: error.relative_path, code: error.error_code!, message: error.error_message ?? '', at: String(error.updated_at)}
            : null,
        })
      })
    },
  }
}
