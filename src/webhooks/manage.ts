import {randomBytes} from 'node:crypto'

import {type Backend, EVENT_TYPES, type EventStore, type EventType, type LabEvent, type Webhook} from '../backends/types.js'
import {LabmeshError} from '../errors.js'
import {deliveryBody, sendDelivery, type SendResult, signingSecrets} from './send.js'
import {checkWebhookUrl} from './target.js'

export interface AddWebhookOptions {
  url: string
  events: string[]
  /** The signing secret; absent: a new one is made and returned once. */
  secret?: string
  allowPrivate?: boolean
  giveUpAfterMs: number
}

/** Event types as given (repeated or comma-separated), checked. */
export function parseEventTypes(values: string[]): EventType[] {
  const types = [...new Set(values.flatMap((v) => v.split(',')).map((s) => s.trim()))].filter(Boolean)
  if (types.length === 0)
    throw new LabmeshError('USAGE', 'name the events to send with --events', {suggestions: [`events: ${EVENT_TYPES.join(', ')}`]})
  for (const type of types) {
    if (!(EVENT_TYPES as readonly string[]).includes(type)) {
      throw new LabmeshError('USAGE', `"${type}" is not an event`, {subject: type, suggestions: [`events: ${EVENT_TYPES.join(', ')}`]})
    }
  }
  return types as EventType[]
}

/** Adds a webhook; the secret is in the result only when labmesh made it (show it once). */
export async function addWebhook(events: EventStore, options: AddWebhookOptions): Promise<{webhook: Webhook; secret?: string}> {
  const url = checkWebhookUrl(options.url, Boolean(options.allowPrivate)).toString()
  if (options.secret !== undefined && options.secret.length < 16) {
    throw new LabmeshError('USAGE', 'a webhook secret needs at least 16 characters', {
      suggestions: ['leave out --secret-from-env and labmesh makes one'],
    })
  }
  const made = options.secret === undefined ? newSecret() : undefined
  const webhook = await events.addWebhook({
    url,
    events: parseEventTypes(options.events),
    secret: options.secret ?? made!,
    allowPrivate: Boolean(options.allowPrivate),
    giveUpAfterSeconds: Math.round(options.giveUpAfterMs / 1000),
  })
  return made ? {webhook, secret: made} : {webhook}
}

const newSecret = (): string => `whsec_${randomBytes(24).toString('base64url')}`

/**
 * Gives a webhook a new signing secret, returned once; for `graceMs` its deliveries carry a
 * signature by the previous secret too, so receivers can switch to the new one in their own time.
 */
export async function rotateWebhook(events: EventStore, idOrPrefix: string, graceMs: number): Promise<{webhook: Webhook; secret: string}> {
  const {webhookId} = await findWebhook(events, idOrPrefix)
  const secret = newSecret()
  return {webhook: await events.rotateWebhookSecret(webhookId, secret, graceMs), secret}
}

/** A webhook by id or unique prefix (at least 4 characters). */
export async function findWebhook(events: EventStore, idOrPrefix: string): Promise<Webhook> {
  const hooks = await events.listWebhooks()
  const exact = hooks.find((w) => w.webhookId === idOrPrefix)
  if (exact) return exact
  const matches = idOrPrefix.length >= 4 ? hooks.filter((w) => w.webhookId.startsWith(idOrPrefix)) : []
  if (matches.length === 1) return matches[0]
  throw new LabmeshError(
    matches.length > 1 ? 'USAGE' : 'NOT_FOUND',
    matches.length > 1 ? `"${idOrPrefix}" matches ${matches.length} webhooks` : `no webhook ${idOrPrefix}`,
    {
      subject: idOrPrefix,
      suggestions: ['see them with `labmesh webhooks list`'],
    },
  )
}

/**
 * Sends a `webhook.test` delivery to one webhook now, outside the outbox: a way to check the
 * receiver and its signature check before real events flow.
 */
export async function testWebhook(
  events: EventStore,
  idOrPrefix: string,
  timeoutMs = 10_000,
): Promise<SendResult & {deliveryId: string; webhookId: string}> {
  const webhook = (await events.getWebhook((await findWebhook(events, idOrPrefix)).webhookId))!
  const deliveryId = `dlv_test_${randomBytes(8).toString('hex')}`
  const event: LabEvent = {
    seq: 0,
    eventId: `evt_test_${randomBytes(8).toString('hex')}`,
    type: 'webhook.test' as EventType,
    at: new Date().toISOString(),
    data: {webhookId: webhook.webhookId},
  }
  const result = await sendDelivery({
    url: webhook.url,
    secrets: signingSecrets(webhook),
    body: deliveryBody(deliveryId, event),
    deliveryId,
    type: event.type,
    allowPrivate: webhook.allowPrivate,
    timeoutMs,
  })
  return {...result, deliveryId, webhookId: webhook.webhookId}
}

/** The backend's event store, or UNSUPPORTED naming the backend. */
export function eventStoreOf(backend: Backend): EventStore {
  if (!backend.events) throw new LabmeshError('UNSUPPORTED', `the ${backend.name} backend has no webhooks`)
  return backend.events
}
