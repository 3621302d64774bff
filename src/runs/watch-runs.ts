import type {WatchEvent} from '../watch/events.js'
import {type FinishedRun, RunTracker} from './tracker.js'

/** A path whose watching fails this many times in one window (its folder or the database unreachable) ends the window in an error. */
export const PATH_ERRORS_TO_REPORT = 3

/**
 * `watch` as a series of runs, one per window of activity (a minute by default): each window's
 * files ingested, converted and failed are kept and published as one run. A file reported failed
 * has failed its every attempt; a path whose watching failed PATH_ERRORS_TO_REPORT times in the
 * window makes the window an error. Windows without activity are not kept.
 */
export class WatchRuns {
  private tracker: RunTracker
  private readonly pathErrors = new Map<string, {count: number; code: string; message: string}>()
  private reporting = Promise.resolve()

  constructor(
    private readonly profile: string,
    private readonly report: (finished: FinishedRun) => Promise<void>,
  ) {
    this.tracker = new RunTracker('watch', profile)
  }

  onEvent(event: WatchEvent): void {
    const path = event.path
    if (event.event === 'file.ingested') {
      if (event.status === 'unchanged') this.tracker.unchanged()
      else this.tracker.ingested(path, event.size ?? 0)
    } else if (event.event === 'file.converted') this.tracker.converted(path, event.size ?? 0)
    else if (event.event === 'file.failed') {
      this.tracker.failed(path, {
        path: `${path}/${event.file ?? ''}`,
        // A conversion failure names the stored file; an ingest failure has none.
        stage: event.fileId ? 'convert' : 'ingest',
        code: event.code ?? 'UNEXPECTED',
        message: event.message ?? '',
      })
    } else if (event.event === 'watch.error' && path !== undefined) {
      const seen = this.pathErrors.get(path)
      this.pathErrors.set(path, {count: (seen?.count ?? 0) + 1, code: event.code ?? 'UNEXPECTED', message: event.message ?? ''})
    }
  }

  /** Ends the window: reports it unless nothing happened, and starts the next. Calls are queued, never concurrent. */
  flush(): Promise<void> {
    const repeated = [...this.pathErrors].filter(([, e]) => e.count >= PATH_ERRORS_TO_REPORT)
    const tracker = this.tracker
    this.tracker = new RunTracker('watch', this.profile)
    this.pathErrors.clear()
    if (tracker.idle && repeated.length === 0) return this.reporting
    const error =
      repeated.length > 0
        ? {
            code: repeated[0][1].code,
            message: repeated.map(([path, e]) => `path ${path} failed ${e.count} times: ${e.message}`).join('; '),
          }
        : undefined
    // A window whose report failed (its caller was told) does not hold back the next ones.
    this.reporting = this.reporting.catch(() => undefined).then(() => this.report(tracker.finish(error)))
    return this.reporting
  }
}
