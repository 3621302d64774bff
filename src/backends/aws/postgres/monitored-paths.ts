import {
  fileColumns,
  nameTaken,
  pathSettings,
  type PathSettings,
  toStatus,
  toWatchedFile,
  type WatchedFileRow,
} from '../../../watch/stored-path.js'
import type {MonitoredPath, MonitoredPathStore, WatchedFileState} from '../../types.js'
import type {Postgres} from './connection.js'

interface PathRow {
  name: string
  settings: PathSettings
  created_at: Date
  last_scan_at: Date | null
}

const toPath = (row: PathRow): MonitoredPath => ({name: row.name, ...row.settings, createdAt: row.created_at.toISOString()})

const COLUMNS = 12
/** Rows per statement: well under PostgreSQL's 65,535 bound parameters. */
const ROWS_PER_STATEMENT = 1000

/** Monitored paths and the watcher's per-file state in the metadata database, shared by every watcher of the profile. */
export function createPostgresMonitoredPaths(db: Postgres): MonitoredPathStore {
  return {
    async add(path) {
      const createdAt = new Date().toISOString()
      const {rowCount} = await db.query(
        'INSERT INTO monitored_paths (name, settings, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
        [path.name, JSON.stringify(pathSettings(path)), createdAt],
      )
      if (rowCount === 0) throw nameTaken(path.name)
      return {...path, createdAt}
    },
    async get(name) {
      const {rows} = await db.query<PathRow>('SELECT * FROM monitored_paths WHERE name = $1', [name])
      return rows[0] ? toPath(rows[0]) : undefined
    },
    async list() {
      const {rows} = await db.query<PathRow>('SELECT * FROM monitored_paths ORDER BY name COLLATE "C"')
      return rows.map(toPath)
    },
    async remove(name) {
      const {rowCount} = await db.query('DELETE FROM monitored_paths WHERE name = $1', [name])
      return (rowCount ?? 0) > 0
    },
    async files(pathName) {
      const {rows} = await db.query<WatchedFileRow>('SELECT * FROM watched_files WHERE path_name = $1 ORDER BY relative_path COLLATE "C"', [
        pathName,
      ])
      return rows.map(toWatchedFile)
    },
    async saveFiles(files) {
      if (files.length === 0) return
      // The last state of a file wins within a batch, and one statement may not touch a row twice.
      const unique = [...new Map(files.map((f) => [`${f.pathName}\u0000${f.relativePath}`, f])).values()]
      await db.transaction(async (client) => {
        for (let start = 0; start < unique.length; start += ROWS_PER_STATEMENT) {
          const chunk = unique.slice(start, start + ROWS_PER_STATEMENT)
          const values = chunk.map((_, i) => `(${Array.from({length: COLUMNS}, (_, c) => `$${i * COLUMNS + c + 1}`).join(', ')})`)
          await client.query(
            `INSERT INTO watched_files (path_name, relative_path, size, mtime_ms, state, attempts, retry_at, file_id, ingested_at,
               error_code, error_message, updated_at) VALUES ${values.join(', ')}
             ON CONFLICT (path_name, relative_path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms,
               state = excluded.state, attempts = excluded.attempts, retry_at = excluded.retry_at, file_id = excluded.file_id,
               ingested_at = excluded.ingested_at, error_code = excluded.error_code, error_message = excluded.error_message,
               updated_at = excluded.updated_at`,
            chunk.flatMap(fileColumns),
          )
        }
      })
    },
    async forgetFiles(pathName, relativePaths) {
      if (relativePaths.length === 0) return
      await db.query('DELETE FROM watched_files WHERE path_name = $1 AND relative_path = ANY($2)', [pathName, relativePaths])
    },
    async markScanned(pathName, at) {
      await db.query('UPDATE monitored_paths SET last_scan_at = $1 WHERE name = $2', [at, pathName])
    },
    async status() {
      const [paths, counts, errors] = await Promise.all([
        db.query<PathRow>('SELECT * FROM monitored_paths ORDER BY name COLLATE "C"'),
        db.query<{path_name: string; state: WatchedFileState; n: string}>(
          'SELECT path_name, state, count(*) AS n FROM watched_files GROUP BY path_name, state',
        ),
        db.query<WatchedFileRow>(
          `SELECT DISTINCT ON (path_name) * FROM watched_files WHERE error_code IS NOT NULL ORDER BY path_name, updated_at DESC`,
        ),
      ])
      const byPath = new Map<string, Partial<Record<WatchedFileState, number>>>()
      for (const row of counts.rows) byPath.set(row.path_name, {...byPath.get(row.path_name), [row.state]: Number(row.n)})
      const lastErrors = new Map(errors.rows.map((row) => [row.path_name, toWatchedFile(row)]))
      return paths.rows.map((row) => {
        const error = lastErrors.get(row.name)
        return toStatus({
          name: row.name,
          settings: row.settings,
          lastScanAt: row.last_scan_at?.toISOString() ?? null,
          counts: byPath.get(row.name) ?? {},
          lastError: error?.error
            ? {relativePath: error.relativePath, code: error.error.code, message: error.error.message, at: error.updatedAt}
            : null,
        })
      })
    },
  }
}
