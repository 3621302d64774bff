import type {Backend, MonitoredPath, MonitoredPathStore} from '../backends/types.js'
import {type LabmeshError, toLabmeshError} from '../errors.js'
import {type LocalWatchCopy, noLocalCopy} from './local-copy.js'
import {choosePaths} from './monitored-paths.js'
import {isServiceFailure, retryDelay} from './retry.js'
import {sleep, type WatchOptions, watchPaths, type WatchSummary} from './watch.js'

export interface WatchSessionOptions extends Omit<WatchOptions, 'paths' | 'store'> {
  store: MonitoredPathStore
  /** The monitored paths to watch (default: every path of this machine). */
  names?: string[]
  /**
   * The configuration kept beside the spool (aws profiles): what `watch` starts from while the
   * backend cannot be reached, kept current while it runs.
   */
  copy?: LocalWatchCopy
}

/** How often the copy beside the spool is brought up to date with the files' states (and once more at the end). */
const SAVE_COPY_EVERY_MS = 30_000
/** The longest wait between two attempts to read the paths again from a backend that could not be reached. */
const LONGEST_PROBE_MS = 60_000

/**
 * Reads the paths to watch and watches them until the signal aborts. When the backend cannot be
 * reached at the start, the paths (and each file's last known state) come from the copy saved
 * beside the spool, stable files are spooled, and the backend is asked again with a growing wait;
 * once it answers, its paths are saved, and if they differ from the copy's the watch starts again
 * with them (the spool then drains as usual). With no copy, the start fails naming the backend.
 */
export async function watchMonitoredPaths(backend: Backend, options: WatchSessionOptions): Promise<WatchSummary> {
  const {copy, onEvent} = options
  const store = copy ? copy.wrap(options.store) : options.store
  let {paths, offline} = await readPaths(backend, options)
  const total: WatchSummary = {paths: paths.map((p) => p.name), ingested: 0, converted: 0, failed: 0, archived: 0, spooled: 0}
  const report = (error: unknown): void => {
    const e = toLabmeshError(error)
    onEvent({event: 'watch.error', code: e.code, message: `the copy of the watch configuration was not saved: ${e.message}`})
  }
  const saving = copy ? setInterval(() => void copy.save().catch(report), SAVE_COPY_EVERY_MS) : undefined
  try {
    for (;;) {
      const session = new AbortController()
      const stop = (): void => session.abort()
      options.signal.addEventListener('abort', stop)
      let next: {paths?: MonitoredPath[]; error?: LabmeshError} = {}
      const probing =
        offline && copy
          ? readAgain(store, copy, options, session.signal).then((found) => {
              offline = false
              if (found.paths && JSON.stringify(found.paths) === JSON.stringify(paths)) {
                onEvent({event: 'watch.online', message: 'the monitored paths were read from the backend again: unchanged'})
                return
              }
              next = found
              if (found.paths) onEvent({event: 'watch.online', message: 'the monitored paths changed in the backend: watching them'})
              session.abort()
            })
          : Promise.resolve()
      try {
        const summary = await watchPaths(backend, {...options, paths, store, signal: session.signal})
        for (const key of ['ingested', 'converted', 'failed', 'archived', 'spooled'] as const) total[key] += summary[key]
      } finally {
        options.signal.removeEventListener('abort', stop)
        session.abort()
        await probing
      }
      if (next.error) throw next.error
      if (options.signal.aborted || !next.paths) break
      paths = next.paths
      total.paths = paths.map((p) => p.name)
    }
  } finally {
    clearInterval(saving)
    await copy?.save().catch(report)
  }
  return total
}

/** The paths from the backend (saved in the copy), or, when it cannot be reached, from the copy. */
async function readPaths(backend: Backend, options: WatchSessionOptions): Promise<{paths: MonitoredPath[]; offline: boolean}> {
  const {copy} = options
  let all: MonitoredPath[]
  try {
    all = await options.store.list()
  } catch (error) {
    const e = toLabmeshError(error)
    if (!copy || !isServiceFailure(e.code)) throw e
    if (!copy.paths) throw noLocalCopy(backend.name, e, copy)
    options.onEvent({
      event: 'watch.offline',
      code: e.code,
      message: `${e.message}; watching the paths saved in ${copy.file}, and spooling stable files until the backend is back`,
    })
    return {paths: choosePaths(copy.paths, options.names), offline: true}
  }
  await copy?.rememberPaths(all)
  return {paths: choosePaths(all, options.names), offline: false}
}

/** Asks the backend for the paths with a growing wait until it answers (they are then saved in the copy), or the signal aborts. */
async function readAgain(
  store: MonitoredPathStore,
  copy: LocalWatchCopy,
  options: WatchSessionOptions,
  signal: AbortSignal,
): Promise<{paths?: MonitoredPath[]; error?: LabmeshError}> {
  for (let failures = 1; ; failures++) {
    await sleep(Math.min(LONGEST_PROBE_MS, retryDelay(failures, options.retryBaseMs)), signal)
    if (signal.aborted) return {}
    try {
      const all = await store.list()
      await copy.rememberPaths(all)
      return {paths: choosePaths(all, options.names)}
    } catch (error) {
      const e = toLabmeshError(error)
      if (!isServiceFailure(e.code)) return {error: e}
    }
  }
}
