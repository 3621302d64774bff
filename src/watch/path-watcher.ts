import {once} from 'node:events'
import {mkdir, realpath, rename, stat} from 'node:fs/promises'
import path from 'node:path'
import {type FSWatcher, watch} from 'chokidar'
import pLimit from 'p-limit'
import picomatch from 'picomatch'

import type {MonitoredPath, MonitoredPathStore, StageError, WatchedFile} from '../backends/types.js'
import type {FoundFile} from '../ingest/walk.js'
import {walkFiles} from '../ingest/walk.js'
import type {WatchEvent} from './events.js'
import {openForWriting} from './open-for-writing.js'
import {isServiceFailure, retryDelay} from './retry.js'
import {type FileLook, StabilityTracker} from './stability.js'

export interface PathWatcherOptions {
  store: MonitoredPathStore
  onEvent(event: WatchEvent): void
  /** Walk the whole folder this often, for shares whose change events are unreliable. */
  rescanMs: number
  /** The wait after a file's first failure, doubling with each one. */
  retryBaseMs: number
  /** Failures of the file itself before it is reported failed and left alone. */
  maxAttempts: number
  /** Poll for changes instead of OS events (network shares). */
  usePolling: boolean
}

const STATS_AT_ONCE = 32

/**
 * Watches one monitored path: OS change events (chokidar) and a periodic walk of the folder name
 * candidates; each tick looks at them again and hands back those that stayed unchanged for the
 * path's stable interval and that no process holds open for writing. Every file's state is kept
 * in the backend's database (`flush`), so a restart neither loses a file nor ingests one again.
 */
export class PathWatcher {
  private readonly rows = new Map<string, WatchedFile>()
  private readonly tracker: StabilityTracker
  private readonly touched = new Set<string>()
  private readonly dirty = new Map<string, WatchedFile>()
  private readonly forgotten = new Set<string>()
  private readonly wanted: (relativePath: string) => boolean
  private readonly since: number
  private watcher?: FSWatcher
  private present = true
  private realRoot = ''
  private lastScan = 0
  private scannedAt?: string
  private flushing: Promise<void> = Promise.resolve()

  constructor(
    readonly monitored: MonitoredPath,
    private readonly options: PathWatcherOptions,
  ) {
    this.tracker = new StabilityTracker(monitored.stableSeconds * 1000)
    const included = monitored.include.length ? picomatch(monitored.include, {dot: true}) : () => true
    const excluded = monitored.exclude.length ? picomatch(monitored.exclude, {dot: true}) : () => false
    this.wanted = (relativePath) => included(relativePath) && !excluded(relativePath)
    this.since = monitored.since ? Date.parse(monitored.since) : -Infinity
  }

  get name(): string {
    return this.monitored.name
  }

  /** Loads the path's saved state, starts watching and walks the folder once. */
  async start(now: number): Promise<void> {
    for (const row of await this.options.store.files(this.name)) this.rows.set(row.relativePath, row)
    if (await isDirectory(this.monitored.root)) await this.attach(now)
    else this.goneMissing()
  }

  async stop(): Promise<void> {
    await this.watcher?.close()
    this.watcher = undefined
  }

  /** Looks at the candidates again and returns the files ready to ingest. */
  async tick(now: number): Promise<FoundFile[]> {
    if (!(await isDirectory(this.monitored.root))) {
      if (this.present) this.goneMissing()
      return []
    }
    if (!this.present) {
      this.present = true
      this.options.onEvent({event: 'path.back', path: this.name})
      await this.attach(now)
    } else if (now - this.lastScan >= this.options.rescanMs) {
      await this.scan(now)
    }
    const toLook = new Set([...this.touched, ...this.tracker.keys()])
    this.touched.clear()
    const limit = pLimit(STATS_AT_ONCE)
    await Promise.all(
      [...toLook].map((relativePath) =>
        limit(async () => {
          const info = await stat(this.fullPath(relativePath)).catch((error: NodeJS.ErrnoException) => (isGone(error) ? undefined : error))
          // Not readable now (permissions, a share's hiccup): not gone, so its state is kept for the next look.
          if (info instanceof Error) return
          if (!info?.isFile()) this.drop(relativePath)
          else if (this.wanted(relativePath)) this.consider(relativePath, {size: info.size, mtimeMs: info.mtime.getTime()}, now)
        }),
      ),
    )
    const due = this.tracker.stable(now).filter(({key}) => {
      const retryAt = this.rows.get(key)?.retryAt
      return !retryAt || Date.parse(retryAt) <= Date.now()
    })
    if (due.length === 0) return []
    const open = await openForWriting(new Set(due.map(({key}) => path.join(this.realRoot, key))))
    return due
      .filter(({key}) => {
        if (!open.has(path.join(this.realRoot, key))) return true
        this.options.onEvent({event: 'file.open', path: this.name, file: key, message: 'still open for writing'})
        return false
      })
      .map(({key, look}) => ({kind: 'file', path: this.fullPath(key), relativePath: key, size: look.size, mtime: new Date(look.mtimeMs)}))
  }

  markIngested(relativePath: string, fileId: string, ingestedAt: string): void {
    this.tracker.forget(relativePath)
    this.update(relativePath, {state: 'ingested', fileId, ingestedAt, attempts: 0, retryAt: null, error: null})
  }

  /** A failed attempt: tried again after a backoff, or, with its attempts used up, reported failed and left alone. */
  markFailed(relativePath: string, error: StageError): void {
    const row = this.rows.get(relativePath)
    if (!row) return
    const service = isServiceFailure(error.code)
    const attempts = service ? row.attempts : row.attempts + 1
    if (attempts >= this.options.maxAttempts) {
      this.tracker.forget(relativePath)
      this.update(relativePath, {state: 'failed', attempts, retryAt: null, error})
      this.options.onEvent({event: 'file.failed', path: this.name, file: relativePath, ...error})
      return
    }
    const retryAt = new Date(Date.now() + retryDelay(Math.max(1, attempts), this.options.retryBaseMs)).toISOString()
    this.update(relativePath, {state: 'pending', attempts, retryAt, error})
    this.options.onEvent({event: 'file.retry', path: this.name, file: relativePath, retryAt, ...error})
  }

  /** A file's conversion done (or failed); ignored when the file changed meanwhile and its new content waits its turn. */
  markConverted(relativePath: string, fileId: string, error?: StageError): void {
    const row = this.rows.get(relativePath)
    if (row?.state !== 'ingested' || row.fileId !== fileId) return
    this.update(relativePath, error ? {state: 'failed', error} : {state: 'converted', error: null})
  }

  /** Ingested files whose conversion is still to do (the durable queue of `--convert`). */
  toConvert(): {relativePath: string; fileId: string}[] {
    return [...this.rows.values()]
      .filter((r) => r.state === 'ingested' && r.fileId)
      .map((r) => ({relativePath: r.relativePath, fileId: r.fileId!}))
  }

  /** Moves files ingested longer ago than the archive delay into the archive folder, keeping their relative path. */
  async archiveDue(now: number): Promise<void> {
    const {archiveTo, archiveAfterMs} = this.monitored
    if (!archiveTo || archiveAfterMs === null) return
    for (const row of this.rows.values()) {
      if ((row.state !== 'ingested' && row.state !== 'converted') || !row.ingestedAt) continue
      if (Date.parse(row.ingestedAt) + archiveAfterMs > now) continue
      const source = this.fullPath(row.relativePath)
      const info = await stat(source).catch(() => undefined)
      // Changed since it was ingested: the new content is ingested first (the next look sees it).
      if (!info || info.size !== row.size || info.mtime.getTime() !== row.mtimeMs) continue
      const target = path.join(archiveTo, ...row.relativePath.split('/'))
      await mkdir(path.dirname(target), {recursive: true})
      await rename(source, target)
      this.update(row.relativePath, {state: 'archived'})
      this.options.onEvent({event: 'file.archived', path: this.name, file: row.relativePath, fileId: row.fileId ?? undefined})
    }
  }

  /** Saves what changed since the last flush; kept for the next flush if the database cannot be reached. */
  flush(): Promise<void> {
    // One at a time: a later state of a file must never be overwritten by an earlier one still in flight.
    const next = this.flushing.then(() => this.save())
    this.flushing = next.catch(() => undefined)
    return next
  }

  private async save(): Promise<void> {
    const dirty = [...this.dirty.values()]
    const forgotten = [...this.forgotten]
    this.dirty.clear()
    this.forgotten.clear()
    try {
      await this.options.store.saveFiles(dirty)
      await this.options.store.forgetFiles(this.name, forgotten)
      if (this.scannedAt) await this.options.store.markScanned(this.name, this.scannedAt)
      this.scannedAt = undefined
    } catch (error) {
      for (const row of dirty) if (!this.dirty.has(row.relativePath)) this.dirty.set(row.relativePath, row)
      for (const relativePath of forgotten) if (!this.rows.has(relativePath)) this.forgotten.add(relativePath)
      throw error
    }
  }

  private async attach(now: number): Promise<void> {
    this.realRoot = await realpath(this.monitored.root)
    const watcher = watch(this.monitored.root, {
      ignoreInitial: true,
      usePolling: this.options.usePolling,
      ignorePermissionErrors: true,
    })
    const toRelative = (file: string): string => path.relative(this.monitored.root, file).split(path.sep).join('/')
    watcher.on('add', (file) => this.touched.add(toRelative(file)))
    watcher.on('change', (file) => this.touched.add(toRelative(file)))
    watcher.on('unlink', (file) => this.touched.add(toRelative(file)))
    watcher.on('error', (error) =>
      this.options.onEvent({event: 'watch.error', path: this.name, message: String((error as Error).message ?? error)}),
    )
    await once(watcher, 'ready')
    this.watcher = watcher
    await this.scan(now)
  }

  /** Walks the whole folder: files missed by events become candidates, files gone meanwhile are forgotten. */
  private async scan(now: number): Promise<void> {
    const seen = new Set<string>()
    // Folders (or files) that could not be read this time: what is known under them is kept, not forgotten.
    const unreadable: string[] = []
    for await (const entry of walkFiles([this.monitored.root], {include: this.monitored.include, exclude: this.monitored.exclude})) {
      if (entry.kind === 'problem') {
        if (entry.code !== 'NOT_FOUND') unreadable.push(path.relative(this.monitored.root, entry.path).split(path.sep).join('/'))
        continue
      }
      seen.add(entry.relativePath)
      this.consider(entry.relativePath, {size: entry.size, mtimeMs: entry.mtime.getTime()}, now)
    }
    const kept = (relativePath: string): boolean =>
      seen.has(relativePath) || unreadable.some((p) => p === '' || relativePath === p || relativePath.startsWith(`${p}/`))
    for (const relativePath of [...this.rows.keys(), ...this.tracker.keys()]) if (!kept(relativePath)) this.drop(relativePath)
    this.lastScan = now
    this.scannedAt = new Date().toISOString()
    this.options.onEvent({event: 'path.scanned', path: this.name, files: seen.size})
  }

  /** A look at a file: content already handled is left alone; new content is pending until stable. */
  private consider(relativePath: string, look: FileLook, now: number): void {
    if (look.mtimeMs < this.since) return
    const row = this.rows.get(relativePath)
    const same = row !== undefined && row.size === look.size && row.mtimeMs === look.mtimeMs
    if (same && row.state !== 'pending') return
    if (!same) {
      this.set({
        pathName: this.name,
        relativePath,
        ...look,
        state: 'pending',
        attempts: 0,
        retryAt: null,
        fileId: null,
        ingestedAt: null,
        error: null,
        updatedAt: new Date().toISOString(),
      })
      this.options.onEvent({event: 'file.seen', path: this.name, file: relativePath})
    }
    this.tracker.observe(relativePath, look, now)
  }

  /** A file no longer in the folder; archived files keep their state (where they went). */
  private drop(relativePath: string): void {
    this.tracker.forget(relativePath)
    const row = this.rows.get(relativePath)
    if (!row || row.state === 'archived') return
    this.rows.delete(relativePath)
    this.dirty.delete(relativePath)
    this.forgotten.add(relativePath)
    if (row.state === 'pending') this.options.onEvent({event: 'file.gone', path: this.name, file: relativePath})
  }

  private goneMissing(): void {
    this.present = false
    void this.stop()
    this.options.onEvent({
      event: 'path.missing',
      path: this.name,
      message: `${this.monitored.root} is not there; watching for it to come back`,
    })
  }

  private update(relativePath: string, change: Partial<WatchedFile>): void {
    const row = this.rows.get(relativePath)
    if (row) this.set({...row, ...change, updatedAt: new Date().toISOString()})
  }

  private set(row: WatchedFile): void {
    this.rows.set(row.relativePath, row)
    this.forgotten.delete(row.relativePath)
    this.dirty.set(row.relativePath, row)
  }

  private fullPath(relativePath: string): string {
    return path.join(this.monitored.root, ...relativePath.split('/'))
  }
}

/** Whether a failed stat means the file is not there (rather than not readable just now). */
function isGone(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ENOENT' || error.code === 'ENOTDIR'
}

async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  )
}
