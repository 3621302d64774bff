import {hostname} from 'node:os'
import path from 'node:path'

import type {Backend, MonitoredPath, MonitoredPathStore, StageError} from '../backends/types.js'
import {convertStoredFiles} from '../convert/convert-stored.js'
import type {ConverterRegistry} from '../converters/registry.js'
import {LabmeshError, toLabmeshError} from '../errors.js'
import {ingestFiles} from '../ingest/ingest.js'
import {parsePathTemplate} from '../ingest/path-template.js'
import type {FoundFile} from '../ingest/walk.js'
import {syncFilesTable} from '../lake/tables/files-sync.js'
import {drainSpool} from '../spool/drain.js'
import type {Spool, SpoolEntry} from '../spool/spool.js'
import {deliverDue} from '../webhooks/deliver.js'
import type {WatchEvent} from './events.js'
import {PathWatcher} from './path-watcher.js'
import {isServiceFailure, retryDelay} from './retry.js'

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
  /**
   * Where stable files that cannot go up (the service unreachable, credentials expired) are kept,
   * bytes and metadata, until it is back: then they go up in order, from the spool.
   */
  spool?: Spool
  onEvent(event: WatchEvent): void
}

export interface WatchSummary {
  paths: string[]
  ingested: number
  converted: number
  failed: number
  archived: number
  spooled: number
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
  const summary: WatchSummary = {paths: options.paths.map((p) => p.name), ingested: 0, converted: 0, failed: 0, archived: 0, spooled: 0}
  const roots = new Map(options.paths.map((p) => [p.name, p.root]))
  const onEvent = (event: WatchEvent): void => {
    if (event.event === 'file.converted') summary.converted++
    if (event.event === 'file.failed') summary.failed++
    if (event.event === 'file.archived') summary.archived++
    if (event.event === 'file.spooled') summary.spooled++
    // Conversion failures are recorded by the metadata store with the record; a file that could not be stored has none.
    if (event.event === 'file.failed' && !event.fileId) void recordIngestFailure(backend, event, roots, options.onEvent)
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
        const handled = await ingestStable(backend, watcher, options, onEvent)
        summary.ingested += handled.ingested
        await watcher.archiveDue(Date.now())
        await watcher.flush()
        return handled.ingested + handled.spooled > 0
      }, tickMs),
      options.spool
        ? drainLoop(backend, options.spool, watchers, options, tickMs, onEvent, (uploaded) => {
            summary.ingested += uploaded
            filesTableStale = true
            lastBusy = Date.now()
          })
        : Promise.resolve(),
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
            await backend.search?.sync?.().catch((error: unknown) => {
              filesTableStale = true
              onEvent({event: 'watch.error', code: toLabmeshError(error).code, message: `search index: ${toLabmeshError(error).message}`})
            })
          }
          await deliverWebhooks(backend, onEvent)
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

/**
 * Ingests the path's stable files. With a spool, those the service refused are spooled instead,
 * and while older files wait in the spool, newer ones queue behind them (files go up in order).
 */
async function ingestStable(
  backend: Backend,
  watcher: PathWatcher,
  options: WatchOptions,
  onEvent: (event: WatchEvent) => void,
): Promise<{ingested: number; spooled: number}> {
  const {monitored} = watcher
  const {spool} = options
  const ready = (await watcher.tick(Date.now())).slice(0, BATCH)
  if (ready.length === 0) return {ingested: 0, spooled: 0}
  if (spool && spool.usage().files > 0) {
    const waiting = {code: 'BACKEND', message: 'older files are waiting in the spool'}
    return {ingested: 0, spooled: await spoolFiles(spool, watcher, ready, waiting, onEvent)}
  }
  let result
  try {
    result = await ingestFiles(backend, {
      files: ready,
      template: monitored.template ? parsePathTemplate(monitored.template) : undefined,
      labels: monitored.labels,
      metadata: monitored.metadata,
      registry: options.registry,
      concurrency: 16,
    })
  } catch (error) {
    const e = toLabmeshError(error)
    if (!spool || !isServiceFailure(e.code)) throw e
    // Files of the batch stored before the failure are found by their record when the spool drains.
    return {ingested: 0, spooled: await spoolFiles(spool, watcher, ready, {code: e.code, message: e.message}, onEvent)}
  }
  const bySource = new Map(ready.map((f) => [f.path, f]))
  for (const file of result.files) {
    const relativePath = bySource.get(file.sourcePath)!.relativePath
    watcher.markIngested(relativePath, file.fileId!, new Date().toISOString())
    onEvent({
      event: 'file.ingested',
      path: monitored.name,
      file: relativePath,
      fileId: file.fileId!,
      version: file.version,
      status: file.status,
      size: file.size,
    })
  }
  const refused: FoundFile[] = []
  let cause: StageError | undefined
  for (const problem of result.failed) {
    const found = bySource.get(problem.path)!
    if (spool && isServiceFailure(problem.code)) {
      refused.push(found)
      cause = {code: problem.code, message: problem.message}
    } else watcher.markFailed(found.relativePath, {code: problem.code, message: problem.message})
  }
  const spooled = cause ? await spoolFiles(spool!, watcher, refused, cause, onEvent) : 0
  return {ingested: result.ingested, spooled}
}

/**
 * Keeps files in the spool, durable before their state says so. A full spool refuses them
 * (`spool.full`): they stay pending at their source and are tried again like any service failure.
 */
async function spoolFiles(
  spool: Spool,
  watcher: PathWatcher,
  files: FoundFile[],
  cause: StageError,
  onEvent: (event: WatchEvent) => void,
): Promise<number> {
  const {monitored} = watcher
  const detectedAt = new Date().toISOString()
  const entry = (file: FoundFile): SpoolEntry => ({
    sourcePath: file.path,
    sourceHost: hostname(),
    relativePath: file.relativePath,
    pathName: monitored.name,
    template: monitored.template,
    labels: monitored.labels,
    metadata: monitored.metadata,
    detectedAt,
  })
  const outcomes = await spool
    .addMany(files.map((file) => ({file, entry: entry(file)})))
    .catch((error: unknown) => files.map(() => toLabmeshError(error)))
  let spooled = 0
  for (const [i, file] of files.entries()) {
    const e = outcomes[i]
    if (!(e instanceof LabmeshError)) {
      watcher.markSpooled(file.relativePath)
      onEvent({event: 'file.spooled', path: monitored.name, file: file.relativePath, code: cause.code, message: cause.message})
      spooled++
    } else if (e.code === 'SPOOL_FULL') {
      onEvent({event: 'spool.full', path: monitored.name, file: file.relativePath, code: e.code, message: e.message})
      watcher.markFailed(file.relativePath, cause)
    } else if (e.code !== 'CONFLICT') {
      // (CONFLICT: changed while it was copied, so not stable after all; the next look sees its new size or time.)
      watcher.markFailed(file.relativePath, {code: e.code, message: `cannot spool it: ${e.message}`})
    }
  }
  return spooled
}

/**
 * Sends the spool up whenever it holds files: at once, then, while the service stays away, after
 * a growing wait. Each file that goes up becomes ingested in its path's state (unless it changed
 * at its source meanwhile).
 */
async function drainLoop(
  backend: Backend,
  spool: Spool,
  watchers: PathWatcher[],
  options: WatchOptions,
  tickMs: number,
  onEvent: (event: WatchEvent) => void,
  onUploaded: (files: number) => void,
): Promise<void> {
  const byName = new Map(watchers.map((w) => [w.name, w]))
  let failures = 0
  let nextAt = 0
  while (!options.signal.aborted) {
    if (spool.usage().files > 0 && Date.now() >= nextAt) {
      let stoppedBy: StageError | undefined
      try {
        const result = await drainSpool(backend, spool, {
          registry: options.registry,
          batch: BATCH,
          signal: options.signal,
          onFile(manifest, file) {
            const at = new Date().toISOString()
            const look = {size: manifest.size, mtimeMs: Date.parse(manifest.mtime)}
            if (manifest.pathName) byName.get(manifest.pathName)?.markDrained(manifest.relativePath, look, file.fileId!, at)
            const {pathName, relativePath} = manifest
            onEvent({
              event: 'file.ingested',
              path: pathName ?? undefined,
              file: relativePath,
              fileId: file.fileId!,
              version: file.version,
              status: file.status,
              message: 'from the spool',
            })
          },
          onRejected(manifest, error) {
            onEvent({
              event: 'file.failed',
              path: manifest.pathName ?? undefined,
              file: manifest.relativePath,
              ...error,
              message: `${error.message} (kept in ${spool.dir}/rejected)`,
            })
          },
        })
        if (result.uploaded > 0) onUploaded(result.uploaded)
        stoppedBy = result.stoppedBy
      } catch (error) {
        const e = toLabmeshError(error)
        stoppedBy = {code: e.code, message: e.message}
      }
      await Promise.all(watchers.map((w) => w.flush().catch(() => undefined)))
      if (stoppedBy) {
        failures++
        nextAt = Date.now() + retryDelay(failures, options.retryBaseMs)
        const retryAt = new Date(nextAt).toISOString()
        onEvent({event: 'spool.retry', files: spool.usage().files, ...stoppedBy, retryAt})
      } else failures = 0
    }
    await sleep(tickMs, options.signal)
  }
}

/** Sends the webhook deliveries that are due (the events of what was just stored, and retries). */
async function deliverWebhooks(backend: Backend, onEvent: (event: WatchEvent) => void): Promise<void> {
  if (!backend.events) return
  try {
    if ((await backend.events.pendingCount(new Date())) > 0) await deliverDue(backend.events, {budgetMs: 5000, timeoutMs: 5000})
  } catch (error) {
    onEvent({event: 'watch.error', code: toLabmeshError(error).code, message: `webhooks: ${toLabmeshError(error).message}`})
  }
}

/**
 * A `file.failed` event for a file that could not be stored, in the events outbox (webhooks,
 * `/v1/events`): it has no record whose change would have written one.
 */
async function recordIngestFailure(
  backend: Backend,
  event: WatchEvent,
  roots: Map<string, string>,
  log: (event: WatchEvent) => void,
): Promise<void> {
  const root = event.path ? roots.get(event.path) : undefined
  const sourcePath = root && event.file ? path.join(root, ...event.file.split('/')) : (event.file ?? null)
  try {
    await backend.events?.record('file.failed', {
      fileId: null,
      sourcePath,
      sourceHost: hostname(),
      monitoredPath: event.path ?? null,
      status: 'failed',
      stage: 'ingest',
      error: {code: event.code, message: event.message},
    })
  } catch (error) {
    log({
      event: 'watch.error',
      path: event.path,
      file: event.file,
      code: toLabmeshError(error).code,
      message: `the file.failed event was not recorded: ${toLabmeshError(error).message}`,
    })
  }
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
      onEvent({event: 'file.converted', path: watcher.name, file: byId.get(file.rawFileId), fileId: file.rawFileId, size: file.size})
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

/** Waits `ms`, or less when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
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
