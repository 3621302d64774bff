import type {QueryProgress} from '../backends/types.js'
import {createSpinner} from '../output/spinner.js'
import {progressText} from './render.js'

export interface QueryHooks {
  signal: AbortSignal
  onProgress(progress: QueryProgress): void
  onRows(rows: number): void
}

const TICK_MS = 200

/**
 * Runs a query with Ctrl-C wired to cancel it (a second Ctrl-C ends the process as usual) and,
 * when a person is watching, a spinner on stderr with the time so far and rows so far.
 */
export async function withQueryHooks<T>(spinnerEnabled: boolean, work: (hooks: QueryHooks) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const cancel = (): void => controller.abort()
  process.once('SIGINT', cancel)
  const spinner = createSpinner(spinnerEnabled, progressText(0, 0, {}))
  const started = Date.now()
  let rows = 0
  let progress: QueryProgress = {}
  const timer = setInterval(() => spinner.update(progressText((Date.now() - started) / 1000, rows, progress)), TICK_MS)
  try {
    return await work({
      signal: controller.signal,
      onProgress(next) {
        progress = next
      },
      onRows(next) {
        rows = next
      },
    })
  } finally {
    clearInterval(timer)
    spinner.stop()
    process.off('SIGINT', cancel)
  }
}
