import type {Webhook, WebhookDelivery} from '../backends/types.js'
import {listedTime} from '../output/format.js'
import type {TableLayout} from '../output/layout.js'
import {renderTable} from '../output/table.js'

export function renderWebhooks(hooks: Webhook[], layout: TableLayout): string {
  return renderTable(
    ['id', 'url', 'events', 'private targets', 'give up after', 'created', 'old secret signs until'],
    hooks.map((w) => [
      w.webhookId,
      w.url,
      w.events.join(' '),
      w.allowPrivate ? 'allowed' : 'refused',
      `${w.giveUpAfterSeconds / 3600}h`,
      listedTime(w.createdAt, layout),
      w.previousSecretUntil ? listedTime(w.previousSecretUntil, layout) : '',
    ]),
    layout,
  )
}

export function renderDeliveries(deliveries: WebhookDelivery[], layout: TableLayout): string {
  return renderTable(
    ['delivery', 'webhook', 'event', 'state', 'attempts', 'last answer', 'next attempt', 'event time'],
    deliveries.map((d) => [
      d.deliveryId,
      d.webhookId,
      d.type,
      d.state,
      d.attempts,
      d.lastStatus ?? d.lastError ?? '',
      listedTime(d.nextAttemptAt, layout),
      listedTime(d.createdAt, layout),
    ]),
    layout,
  )
}
