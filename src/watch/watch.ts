import type {Backend, MonitoredPath, MonitoredPathStore} from '../backends/types.js'
import {convertStoredFiles} from '../convert/convert-stored.js'
import type {ConverterRegistry} from '../converters/registry.js'
import {toLabmeshError} from '../errors.js'
import {ingestFiles} from '../ingest/ingest.js'
import {parsePathTemplate} from '../ingest/path-template.js'
import {syncFilesTable} from '../lake/tables/files-sync.js'
import type {WatchEvent} from './events.js'
import {PathWatcher} from './path-watcher.js'

export interface WatchOptions {
  paths: MonitoredPath[]
  store: MonitoredPathStore
  registry: ConverterRegistry
  /** Aborting stops the watcher once the files in hand are done. */
  signal: AbortSignal
  rescanMs: number
  retryBaseMs: number
  maxAttempts: number
  usePolling: boolean
  onEvent(event: WatchEvent): void
}

export interface WatchSummary {
  paths: string[]
  ingested: number
  converted: number
  failed: number
  archived: number
}

/** Files ingested per round: the state of a burst is saved as it goes, not only at its end. */
const BATCH = 1000
/** Files converted per lake write: one commit per table. */
const CONVERT_BATCH = 500
/**
 * lab.files is brought up to date once ingest and convert are idle, or this long into a busy spell
 * at the latest: each catch-up is a Delta commit that rewrites the changed files' rows, which
 * would compete with a burst's own work if done after every batch.
 */
const FILES_TABLE_AT_LEAST_EVERY_MS = 30_000

/**
 * Watches the monitored paths until the signal aborts: stable files are ingested with their
 * path's template, labels and metadata; in a loop of its own (so a burst being converted never
 * holds back the next files' ingest) they are converted when the path says so, a batch at a time
 * as `convert` does; lab.files follows in a third. Each round saves every file's state before
 * the next; a failing round (the database unreachable) is reported and tried again. Stopping
 * lets each loop finish the batch in hand.
 */
export async function watchPaths(backend: Backend, options: WatchOptions): Promise<WatchSummary> {
  const summary: WatchSummary = {paths: options.paths.map((p) => p.name), ingested: 0, converted: 0, failed: 0, archived: 0}
  const onEvent = (event: WatchEvent): void => {
    if (event.event === 'file.converted') summary.converted++
    if (event.event === 'file.failed') summary.failed++
    if (event.event === 'file.archived') summary.archived++
    options.onEvent(event)
  }
  const watchers = options.paths.map((monitored) => new PathWatcher(monitored, {...options, onEvent}))
  const tickMs = Math.max(100, Math.min(1000, ...options.paths.map((p) => (p.stableSeconds * 1000) / 4)))
  let filesTableStale = false
  let lastBusy = 0
  const loop = async (step: (watcher: PathWatcher) => Promise<boolean>, idleMs: number): Promise<void> => {
    while (!options.signal.aborted) {
      let busy = false
      for (const watcher of watchers) {
        try {
          if (await step(watcher)) busy = filesTableStale = true
          if (busy) lastBusy = Date.now()
        } catch (error) {
          const e = toLabmeshError(error)
          onEvent({event: 'watch.error', path: watcher.name, code: e.code, message: e.message})
        }
      }
      if (!busy) await sleep(idleMs, options.signal)
    }
  }
  onEvent({event: 'watch.started', files: watchers.length})
  try {
    for (const watcher of watchers) await watcher.start(Date.now())
    await Promise.all([
      loop(async (watcher) => {
        const handled = await ingestStable(backend, watcher, options.registry, onEvent)
        summary.ingested += handled
        await watcher.archiveDue(Date.now())
        await watcher.flush()
        return handled > 0
      }, tickMs),
      loop(
        (watcher) => (watcher.monitored.convert ? convertIngested(backend, watcher, options.registry, onEvent) : Promise.resolve(false)),
        tickMs,
      ),
      (async () => {
        let lastSync = Date.now()
        while (!options.signal.aborted || filesTableStale) {
          const quiet = Date.now() - lastBusy > tickMs * 2
          if (filesTableStale && (quiet || options.signal.aborted || Date.now() - lastSync > FILES_TABLE_AT_LEAST_EVERY_MS)) {
            filesTableStale = false
            lastSync = Date.now()
            await syncFilesTable(backend).catch((error: unknown) => {
              filesTableStale = true
              onEvent({event: 'watch.error', code: toLabmeshError(error).code, message: `lab.files: ${toLabmeshError(error).message}`})
            })
          }
          if (options.signal.aborted) break
          await sleep(tickMs, options.signal)
        }
      })(),
    ])
  } finally {
    await Promise.all(watchers.map((w) => w.stop()))
    await Promise.all(watchers.map((w) => w.flush().catch(() => undefined)))
    onEvent({event: 'watch.stopped'})
  }
  return summary
}

/** Ingests the path's stable files; how many were stored. */
async function ingestStable(
  backend: Backend,
  watcher: PathWatcher,
  registry: ConverterRegistry,
  onEvent: (event: WatchEvent) => void,
): Promise<number> {
  const monitored = watcher.monitored
  const ready = (await watcher.tick(Date.now())).slice(0, BATCH)
  if (ready.length === 0) return 0
  const relative = new Map(ready.map((f) => [f.path, f.relativePath]))
  const result = await ingestFiles(backend, {
    files: ready,
    template: monitored.template ? parsePathTemplate(monitored.template) : undefined,
    labels: monitored.labels,
    metadata: monitored.metadata,
    registry,
    concurrency: 16,
  })
  for (const file of result.files) {
    const relativePath = relative.get(file.sourcePath)!
    watcher.markIngested(relativePath, file.fileId!, new Date().toISOString())
    onEvent({
      event: 'file.ingested',
      path: monitored.name,
      file: relativePath,
      fileId: file.fileId!,
      version: file.version,
      status: file.status,
    })
  }
  for (const problem of result.failed) watcher.markFailed(relative.get(problem.path)!, {code: problem.code, message: problem.message})
  return result.ingested
}

/** Converts the path's ingested files (a restart picks up those a stop left unconverted). */
async function convertIngested(
  backend: Backend,
  watcher: PathWatcher,
  registry: ConverterRegistry,
  onEvent: (event: WatchEvent) => void,
): Promise<boolean> {
  const queue = watcher.toConvert().slice(0, CONVERT_BATCH)
  if (queue.length === 0) return false
  const byId = new Map(queue.map((q) => [q.fileId, q.relativePath]))
  // Files converted before a stop, whose state was not saved yet, are not converted twice.
  const records = await backend.metadata.getFiles([...byId.keys()])
  const todo = records.filter((r) => r.status === 'ingested').map((r) => r.fileId)
  for (const record of records)
    if (record.status !== 'ingested') watcher.markConverted(byId.get(record.fileId)!, record.fileId, record.error ?? undefined)
  const found = new Set(records.map((r) => r.fileId))
  for (const [fileId, relativePath] of byId) {
    if (!found.has(fileId)) watcher.markConverted(relativePath, fileId, {code: 'NOT_FOUND', message: `its record ${fileId} is gone`})
  }
  if (todo.length > 0) {
    const result = await convertStoredFiles(backend, {registry, fileIds: todo})
    for (const file of result.files) {
      watcher.markConverted(byId.get(file.rawFileId)!, file.rawFileId)
      onEvent({event: 'file.converted', path: watcher.name, file: byId.get(file.rawFileId), fileId: file.rawFileId})
    }
    for (const problem of result.failed) {
      const error = {code: problem.code, message: problem.message}
      watcher.markConverted(byId.get(problem.rawFileId)!, problem.rawFileId, error)
      onEvent({event: 'file.failed', path: watcher.name, file: byId.get(problem.rawFileId), fileId: problem.rawFileId, ...error})
    }
  }
  await watcher.flush()
  return true
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done)
  })
}
