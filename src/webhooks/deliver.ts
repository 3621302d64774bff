import type {DueDelivery, EventStore} from '../backends/types.js'
import {retryDelay, RETRY_BASE_MS} from './backoff.js'
import {deliveryBody, sendDelivery, type SendResult, signingSecrets} from './send.js'

export interface DeliverOptions {
  /** Stop taking new deliveries after this long (ms); one in flight is cut at the deadline. */
  budgetMs: number
  /** Per-request timeout (ms). */
  timeoutMs?: number
  /** Deliveries sent at once. */
  concurrency?: number
  /** The clock, for tests that let time pass. */
  now?: () => Date
  retryBaseMs?: number
  /** Events older than this with nothing left to deliver are removed (ms). */
  keepEventsMs?: number
}

export interface DeliverSummary {
  delivered: number
  retrying: number
  failed: number
}

const LEASE_MARGIN_MS = 5_000
const KEEP_EVENTS_MS = 7 * 24 * 3600 * 1000

/**
 * Sends what is due from the outbox until nothing is due or the budget is spent. Each delivery is
 * leased before it is sent and settled after: delivered on a 2xx; otherwise tried again later with
 * backoff, or failed once its event is older than the webhook's give-up age. A process killed in
 * between leaves the lease to lapse and the delivery to the next sender: at least once, with the
 * same delivery id.
 */
export async function deliverDue(events: EventStore, options: DeliverOptions): Promise<DeliverSummary> {
  const now = options.now ?? (() => new Date())
  const deadline = now().getTime() + options.budgetMs
  const timeoutMs = options.timeoutMs ?? 10_000
  const summary: DeliverSummary = {delivered: 0, retrying: 0, failed: 0}
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), options.budgetMs)
  try {
    for (;;) {
      const left = deadline - now().getTime()
      if (left <= 0) break
      const batch = await events.claimDue(now(), options.concurrency ?? 4, Math.min(timeoutMs, left) + LEASE_MARGIN_MS)
      if (batch.length === 0) break
      const outcomes = await Promise.all(
        batch.map((delivery) => attempt(events, delivery, Math.min(timeoutMs, left), controller.signal, now, options)),
      )
      for (const outcome of outcomes) summary[outcome]++
    }
    await events.prune(new Date(now().getTime() - (options.keepEventsMs ?? KEEP_EVENTS_MS)))
  } finally {
    clearTimeout(timer)
  }
  return summary
}

async function attempt(
  events: EventStore,
  delivery: DueDelivery,
  timeoutMs: number,
  signal: AbortSignal,
  now: () => Date,
  options: DeliverOptions,
): Promise<keyof DeliverSummary> {
  const result: SendResult = await sendDelivery({
    url: delivery.webhook.url,
    secrets: signingSecrets(delivery.webhook),
    body: deliveryBody(delivery.deliveryId, delivery.event),
    deliveryId: delivery.deliveryId,
    type: delivery.type,
    allowPrivate: delivery.webhook.allowPrivate,
    timeoutMs,
    signal,
  })
  const attempts = delivery.attempts + 1
  if (result.ok) {
    await events.finish(delivery.deliveryId, {state: 'delivered', attempts, status: result.status})
    return 'delivered'
  }
  const at = now().getTime()
  const next = at + retryDelay(attempts, Math.random, options.retryBaseMs ?? RETRY_BASE_MS)
  const giveUpAt = Date.parse(delivery.createdAt) + delivery.webhook.giveUpAfterSeconds * 1000
  const state = next > giveUpAt ? 'failed' : 'pending'
  await events.finish(delivery.deliveryId, {
    state,
    attempts,
    nextAttemptAt: state === 'pending' ? new Date(next).toISOString() : undefined,
    status: result.status,
    error: result.error,
  })
  return state === 'failed' ? 'failed' : 'retrying'
}
