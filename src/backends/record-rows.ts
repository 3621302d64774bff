import type {ApiKey, ApiScope, DeliveryState, EventType, LabEvent, StoredApiKey, Webhook, WebhookDelivery} from './types.js'

/**
 * Rows of the key and event tables as SQLite and PostgreSQL return them (JSON text or arrays,
 * ISO strings or Dates), mapped to the records both stores return.
 */

type Time = string | Date | null
type List = string | string[]

const time = (value: Time): string | null => (value === null ? null : value instanceof Date ? value.toISOString() : value)
const list = <T extends string>(value: List): T[] => (typeof value === 'string' ? (JSON.parse(value) as T[]) : (value as T[]))
const json = (value: unknown): Record<string, unknown> =>
  typeof value === 'string' ? (JSON.parse(value) as Record<string, unknown>) : (value as Record<string, unknown>)

export interface KeyRow {
  key_id: string
  name: string
  scopes: List
  tables: List
  secret_hash: string
  previous_hash: string | null
  previous_until: Time
  created_at: Time
  expires_at: Time
  last_used_at: Time
  revoked_at: Time
  rotated_at: Time
}

export function toStoredKey(row: KeyRow): StoredApiKey {
  return {...toApiKey(row), secretHash: row.secret_hash, previousHash: row.previous_hash}
}

export function toApiKey(row: KeyRow): ApiKey {
  return {
    keyId: row.key_id,
    name: row.name,
    scopes: list<ApiScope>(row.scopes),
    tables: list(row.tables),
    createdAt: time(row.created_at)!,
    expiresAt: time(row.expires_at),
    lastUsedAt: time(row.last_used_at),
    revokedAt: time(row.revoked_at),
    rotatedAt: time(row.rotated_at),
    previousValidUntil: time(row.previous_until),
  }
}

export interface WebhookRow {
  webhook_id: string
  url: string
  events: List
  /** Empty once the secret moved to `secret_ref` (only webhooks added before that kept it here). */
  plaintext_secret: string
  /** What the webhook secret vault gave for the secret: a sealed secret locally, an ARN on AWS. */
  secret_ref: string | null
  /** During a rotation's grace period: the previous secret's reference, and when it stops signing. */
  previous_secret_ref: string | null
  previous_until: Time
  allow_private: number | boolean
  give_up_seconds: number
  created_at: Time
}

export function toWebhook(row: WebhookRow): Webhook {
  return {
    webhookId: row.webhook_id,
    url: row.url,
    events: list<EventType>(row.events),
    allowPrivate: Boolean(row.allow_private),
    giveUpAfterSeconds: Number(row.give_up_seconds),
    createdAt: time(row.created_at)!,
    previousSecretUntil: rotating(row) ? time(row.previous_until) : null,
  }
}

/** Whether the row's previous secret is still in its grace period. */
export function rotating(row: WebhookRow, now = Date.now()): boolean {
  return row.previous_secret_ref !== null && row.previous_until !== null && new Date(row.previous_until).getTime() > now
}

export interface EventRow {
  seq: number | string
  event_id: string
  type: string
  at: Time
  data: unknown
}

export function toEvent(row: EventRow): LabEvent {
  return {seq: Number(row.seq), eventId: row.event_id, type: row.type as EventType, at: time(row.at)!, data: json(row.data)}
}

/** The columns of a DeliveryRow: the outbox row `d` joined with its event `e` (both event stores). */
export const DELIVERY_COLUMNS = `d.delivery_id, d.webhook_id, e.event_id, e.type, e.at, d.state, d.attempts, d.next_attempt_at,
  d.delivered_at, d.last_status, d.last_error`

export interface DeliveryRow {
  delivery_id: string
  webhook_id: string
  event_id: string
  type: string
  at: Time
  state: string
  attempts: number
  next_attempt_at: Time
  delivered_at: Time
  last_status: number | null
  last_error: string | null
}

export function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    deliveryId: row.delivery_id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    type: row.type as EventType,
    state: row.state as DeliveryState,
    attempts: Number(row.attempts),
    createdAt: time(row.at)!,
    nextAttemptAt: row.state === 'pending' ? time(row.next_attempt_at) : null,
    deliveredAt: time(row.delivered_at),
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error,
  }
}
