import type {Webhook, WebhookDelivery} from '../backends/types.js'
import {renderTable} from '../output/table.js'

const at = (iso: string | null): string => (iso ? iso.slice(0, 19).replace('T', ' ') : '')

export function renderWebhooks(hooks: Webhook[]): string {
  if (hooks.length === 0) return 'No webhooks. Add one with `labmesh webhooks add https://... --events file.ingested`.'
  return renderTable(
    ['id', 'url', 'events', 'private targets', 'give up after', 'created', 'old secret signs until'],
    hooks.map((w) => [
      w.webhookId,
      w.url,
      w.events.join(' '),
      w.allowPrivate ? 'allowed' : 'refused',
      `${w.giveUpAfterSeconds / 3600}h`,
      at(w.createdAt),
      at(w.previousSecretUntil),
    ]),
  )
}

export function renderDeliveries(deliveries: WebhookDelivery[]): string {
  if (deliveries.length === 0) return 'No deliveries.'
  return renderTable(
    ['delivery', 'webhook', 'event', 'state', 'attempts', 'last answer', 'next attempt', 'event time'],
    deliveries.map((d) => [
      d.deliveryId,
      d.webhookId,
      d.type,
      d.state,
      d.attempts,
      d.lastStatus ?? d.lastError ?? '',
      at(d.nextAttemptAt),
      at(d.createdAt),
    ]),
  )
}
