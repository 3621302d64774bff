import {randomBytes} from 'node:crypto'
import {open, readdir, readFile, rename, rm} from 'node:fs/promises'
import path from 'node:path'

import type {MonitoredPath, MonitoredPathStore, WatchedFile} from '../backends/types.js'
import {LabmeshError, toLabmeshError} from '../errors.js'
import {syncFolder} from '../files/sync-folder.js'
import {isServiceFailure} from './retry.js'

/** The copy's file in the spool folder. */
export const LOCAL_COPY_FILE = 'watch-config.json'

interface SavedCopy {
  format: 1
  savedAt: string
  paths: MonitoredPath[]
  /** Per path, the state of each file it holds: what was already handled is not spooled again offline. */
  files: Record<string, WatchedFile[]>
}

/**
 * The watch configuration kept beside the spool (`watch-config.json`): the monitored paths as last
 * read from the backend, and each path's per-file state as last known. `watch` started while the
 * backend cannot be reached takes its paths from here and loads each file's state from here, so
 * it watches and spools at once, and files it had already handled are left alone rather than
 * spooled again. The copy is an optimisation of the spool's size, not what keeps a file from being
 * stored twice: that is the ingest itself (a file at the same source with the same size and time,
 * or the same bytes, is found `unchanged`).
 */
export class LocalWatchCopy {
  private files = new Map<string, Map<string, WatchedFile>>()
  private changed = false
  private writing: Promise<void> = Promise.resolve()

  private constructor(
    readonly file: string,
    private pathsSaved: MonitoredPath[] | undefined,
  ) {}

  /** Reads the copy in `dir` (none yet: `paths` is undefined); INVALID_DATA naming the file when it is damaged. */
  static async open(dir: string): Promise<LocalWatchCopy> {
    const file = path.join(dir, LOCAL_COPY_FILE)
    // Temporary files of a write a crash cut short.
    for (const name of await readdir(dir).catch(() => [])) {
      if (name.startsWith(`${LOCAL_COPY_FILE}.`) && name.endsWith('.tmp')) await rm(path.join(dir, name), {force: true})
    }
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new LocalWatchCopy(file, undefined)
      throw toLabmeshError(error)
    }
    let saved: SavedCopy
    try {
      saved = JSON.parse(text) as SavedCopy
    } catch (error) {
      throw damaged(file, (error as Error).message)
    }
    if (saved.format !== 1 || !Array.isArray(saved.paths) || typeof saved.files !== 'object')
      throw damaged(file, 'not a watch configuration')
    const copy = new LocalWatchCopy(file, saved.paths)
    for (const [name, rows] of Object.entries(saved.files)) copy.files.set(name, new Map(rows.map((r) => [r.relativePath, r])))
    return copy
  }

  /** The monitored paths as last read from the backend; undefined when they never were. */
  get paths(): MonitoredPath[] | undefined {
    return this.pathsSaved
  }

  /** The paths just read from the backend: saved at once. */
  async rememberPaths(paths: MonitoredPath[]): Promise<void> {
    this.pathsSaved = paths
    this.changed = true
    await this.save()
  }

  /**
   * The store `watch` uses: per-file state read from the backend (and remembered), or, while the
   * backend cannot be reached, from this copy; every state written is remembered as well, whether
   * or not the backend took it (the watcher writes it there again until it does).
   */
  wrap(store: MonitoredPathStore): MonitoredPathStore {
    return {
      ...store,
      files: async (pathName) => {
        try {
          const rows = await store.files(pathName)
          // Written with the next save (the session's every 30 s, and at its end), not once per path at the start.
          this.files.set(pathName, new Map(rows.map((r) => [r.relativePath, r])))
          this.changed = true
          return rows
        } catch (error) {
          if (!isServiceFailure(toLabmeshError(error).code) || !this.pathsSaved) throw error
          return [...(this.files.get(pathName)?.values() ?? [])]
        }
      },
      // While the backend cannot be reached, the watcher writes the same states again each tick: not a change.
      saveFiles: async (files) => {
        for (const row of files) {
          const rows = this.rowsOf(row.pathName)
          if (rows.get(row.relativePath) === row) continue
          rows.set(row.relativePath, row)
          this.changed = true
        }
        await store.saveFiles(files)
      },
      forgetFiles: async (pathName, relativePaths) => {
        for (const relativePath of relativePaths) if (this.rowsOf(pathName).delete(relativePath)) this.changed = true
        await store.forgetFiles(pathName, relativePaths)
      },
    }
  }

  /** Writes the copy if anything changed since the last write: whole or not at all (temporary file, fsync, rename). */
  save(): Promise<void> {
    const next = this.writing.then(() => this.write())
    this.writing = next.catch(() => undefined)
    return next
  }

  private async write(): Promise<void> {
    if (!this.changed || !this.pathsSaved) return
    this.changed = false
    const names = new Set(this.pathsSaved.map((p) => p.name))
    const files = Object.fromEntries([...this.files].filter(([name]) => names.has(name)).map(([name, rows]) => [name, [...rows.values()]]))
    const copy: SavedCopy = {format: 1, savedAt: new Date().toISOString(), paths: this.pathsSaved, files}
    const temporary = `${this.file}.${randomBytes(6).toString('hex')}.tmp`
    try {
      const out = await open(temporary, 'wx')
      try {
        await out.writeFile(JSON.stringify(copy))
        await out.sync()
      } finally {
        await out.close()
      }
      await rename(temporary, this.file)
      await syncFolder(path.dirname(this.file))
    } catch (error) {
      this.changed = true
      await rm(temporary, {force: true})
      throw error
    }
  }

  private rowsOf(pathName: string): Map<string, WatchedFile> {
    let rows = this.files.get(pathName)
    if (!rows) this.files.set(pathName, (rows = new Map()))
    return rows
  }
}

/** `watch` cannot read its paths from the backend and has no copy of them to start from. */
export function noLocalCopy(backend: string, cause: LabmeshError, copy: LocalWatchCopy): LabmeshError {
  return new LabmeshError(
    cause.code,
    `the monitored paths cannot be read from the ${backend} backend (${cause.message}), and there is no saved copy of them (${copy.file}) to start from`,
    {
      subject: copy.file,
      cause,
      suggestions: [
        'start `labmesh watch` once while the backend can be reached: it saves a copy of the paths beside its spool, and starts from it during later outages',
        ...cause.suggestions,
      ],
    },
  )
}

function damaged(file: string, problem: string): LabmeshError {
  return new LabmeshError('INVALID_DATA', `the saved watch configuration ${file} cannot be read: ${problem}`, {
    subject: file,
    suggestions: ['remove it, then start `labmesh watch` while the backend can be reached (it writes it again)'],
  })
}
