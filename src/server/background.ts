import type {Backend} from '../backends/types.js'
import {toLabmeshError} from '../errors.js'
import {syncFilesTable} from '../lake/tables/files-sync.js'
import {deliverDue} from '../webhooks/deliver.js'

export interface BackgroundWork {
  /** Stops after the round in progress. */
  stop(): Promise<void>
}

/**
 * What `serve` does between requests, every `intervalMs`: sends the webhook deliveries that are
 * due (its uploads' events, and those other commands left pending) and brings lab.files up to
 * date with the records uploads and label changes wrote. A failed round is logged and retried
 * with the next one: the outboxes keep what was not done.
 */
export function startBackgroundWork(backend: Backend, options: {intervalMs: number; log(message: string): void}): BackgroundWork {
  let stopping = false
  let timer: NodeJS.Timeout | undefined
  let round: Promise<void> = Promise.resolve()
  const run = async (): Promise<void> => {
    try {
      if (backend.events) await deliverDue(backend.events, {budgetMs: options.intervalMs * 5, timeoutMs: 10_000})
    } catch (error) {
      options.log(`webhooks: ${toLabmeshError(error).message}; retried in ${options.intervalMs} ms`)
    }
    try {
      if (backend.catalog) await syncFilesTable(backend)
    } catch (error) {
      options.log(`lab.files: ${toLabmeshError(error).message}; retried in ${options.intervalMs} ms`)
    }
    try {
      await backend.search?.sync?.()
    } catch (error) {
      options.log(`search index: ${toLabmeshError(error).message}; retried in ${options.intervalMs} ms`)
    }
  }
  const schedule = (): void => {
    if (stopping) return
    timer = setTimeout(() => {
      round = run().finally(schedule)
    }, options.intervalMs)
  }
  round = run().finally(schedule)
  return {
    async stop() {
      stopping = true
      clearTimeout(timer)
      await round
    },
  }
}
