import type {Backend} from '../backends/types.js'
import {toLabmeshError} from '../errors.js'
import {deliverDue} from './deliver.js'

/** How long a command that recorded events waits for their webhooks before it exits. */
export const BEFORE_EXIT_BUDGET_MS = 5_000

/**
 * What a command that records events does before it exits: send what is due, within a few
 * seconds, and say what is left (it goes out with the next command, from serve, or with
 * `labmesh webhooks deliver`). Returns the warning to show, if any.
 */
export async function deliverBeforeExit(backend: Backend): Promise<string | undefined> {
  const events = backend.events
  if (!events) return undefined
  try {
    if ((await events.pendingCount(new Date())) === 0) return undefined
    const summary = await deliverDue(events, {budgetMs: BEFORE_EXIT_BUDGET_MS, timeoutMs: BEFORE_EXIT_BUDGET_MS})
    const pending = await events.pendingCount()
    const failed = summary.failed > 0 ? `${summary.failed} given up (see \`labmesh webhooks deliveries --failed\`); ` : ''
    if (pending === 0 && !failed) return undefined
    return `webhooks: ${failed}${pending} deliveries pending; they go out with the next ingest or convert, from \`labmesh serve\`, or with \`labmesh webhooks deliver\``
  } catch (error) {
    return `webhooks: deliveries stay queued (${toLabmeshError(error).message})`
  }
}
