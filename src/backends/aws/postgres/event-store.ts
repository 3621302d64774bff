import {randomBytes} from 'node:crypto'

import {DELIVERY_COLUMNS, type DeliveryRow, type EventRow, toDelivery, toEvent, toWebhook, type WebhookRow} from '../../record-rows.js'
import type {EventStore, WebhookSecretVault} from '../../types.js'
import {discardSecrets, noSuchWebhook, plaintextSecretMove, rotateSealed, withRowSecret} from '../../webhook-secret-move.js'
import type {Postgres} from './connection.js'

/**
 * Events and webhook deliveries in the metadata database. File events come from the triggers of
 * migrations.ts. Concurrent senders lease deliveries with FOR UPDATE SKIP LOCKED, so none takes
 * another's. Sequence numbers are drawn before commit, so a reader of the feed sees only events
 * of transactions older than every one still open (their txid below the snapshot's xmin): one
 * that commits late with a lower seq is never skipped. Signing secrets live in `vault` (Secrets
 * Manager); a row keeps the secret's ARN only.
 */
export function createPostgresEventStore(db: Postgres, vault: WebhookSecretVault): EventStore {
  const webhookRow = async (webhookId: string): Promise<WebhookRow | undefined> =>
    (await db.query<WebhookRow>('SELECT * FROM webhooks WHERE webhook_id = $1', [webhookId])).rows[0]
  const movePlaintextSecrets = plaintextSecretMove(
    vault,
    async () => (await db.query<WebhookRow>("SELECT * FROM webhooks WHERE plaintext_secret <> ''")).rows,
    (sealed) =>
      db.transaction(async (client) => {
        for (const s of sealed) {
          await client.query("UPDATE webhooks SET secret_ref = $1, plaintext_secret = '' WHERE webhook_id = $2 AND plaintext_secret = $3", [
            s.ref,
            s.webhookId,
            s.plaintext,
          ])
        }
      }),
  )
  const withSecret = (row: WebhookRow) => withRowSecret(vault, row)

  return {
    async record(type, data) {
      const {rows} = await db.query<EventRow>(
        "INSERT INTO events (event_id, type, data) VALUES (labmesh_new_id('evt_'), $1, $2) RETURNING *",
        [type, JSON.stringify(data)],
      )
      return toEvent(rows[0])
    },
    async after(seq, limit) {
      const {rows} = await db.query<EventRow>(
        `SELECT * FROM events WHERE seq > $1 AND txid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY seq LIMIT $2`,
        [seq, limit],
      )
      return rows.map(toEvent)
    },
    async lastSeq() {
      const {rows} = await db.query<{seq: string | null}>('SELECT max(seq) AS seq FROM events')
      return Number(rows[0].seq ?? 0)
    },
    async addWebhook(webhook) {
      // The secret is stored first: a crash before the row leaves an unused secret, never a webhook that cannot sign.
      const webhookId = `whk_${randomBytes(8).toString('hex')}`
      const ref = await vault.seal(webhookId, webhook.secret)
      const {rows} = await db.query<WebhookRow>(
        `INSERT INTO webhooks (webhook_id, url, events, secret_ref, allow_private, give_up_seconds, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, now()) RETURNING *`,
        [webhookId, webhook.url, webhook.events, ref, webhook.allowPrivate, webhook.giveUpAfterSeconds],
      )
      return toWebhook(rows[0])
    },
    async listWebhooks() {
      const {rows} = await db.query<WebhookRow>('SELECT * FROM webhooks ORDER BY created_at, webhook_id')
      return rows.map(toWebhook)
    },
    async getWebhook(webhookId) {
      await movePlaintextSecrets()
      const row = await webhookRow(webhookId)
      return row ? withSecret(row) : undefined
    },
    async removeWebhook(webhookId) {
      const removed = await db.transaction(async (client) => {
        const {rows} = await client.query<WebhookRow>('DELETE FROM webhooks WHERE webhook_id = $1 RETURNING *', [webhookId])
        if (!rows[0]) throw noSuchWebhook(webhookId)
        await client.query("DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND state = 'pending'", [webhookId])
        return rows[0]
      })
      // After the commit: a crash in between leaves an unused secret, never a webhook without one.
      await discardSecrets(vault, removed, [removed.secret_ref, removed.previous_secret_ref])
      return toWebhook(removed)
    },
    async rotateWebhookSecret(webhookId, secret, graceMs) {
      await movePlaintextSecrets()
      return rotateSealed(vault, webhookId, secret, graceMs, (change) =>
        db.transaction(async (client) => {
          const {rows} = await client.query<WebhookRow>('SELECT * FROM webhooks WHERE webhook_id = $1 FOR UPDATE', [webhookId])
          if (!rows[0]) throw noSuchWebhook(webhookId)
          const [ref, previous, until] = change(rows[0])
          const updated = await client.query<WebhookRow>(
            'UPDATE webhooks SET secret_ref = $1, previous_secret_ref = $2, previous_until = $3 WHERE webhook_id = $4 RETURNING *',
            [ref, previous, until, webhookId],
          )
          return {before: rows[0], after: updated.rows[0]}
        }),
      )
    },
    async deliveries(filter) {
      const values: unknown[] = []
      const where: string[] = []
      if (filter.state) where.push(`d.state = $${values.push(filter.state)}`)
      if (filter.webhookId) where.push(`d.webhook_id = $${values.push(filter.webhookId)}`)
      const {rows} = await db.query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN events e ON e.seq = d.event_seq
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.event_seq DESC, d.delivery_id LIMIT $${values.push(filter.limit)}`,
        values,
      )
      return rows.map(toDelivery)
    },
    async claimDue(now, limit, leaseMs) {
      await movePlaintextSecrets()
      const {rows} = await db.query<DeliveryRow & WebhookRow & {event_seq: string; data: unknown; url: string}>(
        `WITH due AS (
           SELECT delivery_id FROM webhook_deliveries
           WHERE state = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
           ORDER BY next_attempt_at, event_seq LIMIT $2 FOR UPDATE SKIP LOCKED
         ), leased AS (
           UPDATE webhook_deliveries d SET lease_until = $3 FROM due WHERE d.delivery_id = due.delivery_id RETURNING d.*
         )
         SELECT ${DELIVERY_COLUMNS.replaceAll('d.', 'l.')}, l.event_seq, e.data, w.url, w.events, w.secret_ref, w.plaintext_secret, w.allow_private,
                w.give_up_seconds, w.created_at, w.previous_secret_ref, w.previous_until
         FROM leased l JOIN events e ON e.seq = l.event_seq JOIN webhooks w ON w.webhook_id = l.webhook_id
         ORDER BY l.next_attempt_at, l.event_seq`,
        [now, limit, new Date(now.getTime() + leaseMs)],
      )
      return Promise.all(
        rows.map(async (row) => ({
          ...toDelivery(row),
          webhook: await withSecret(row),
          event: toEvent({seq: row.event_seq, event_id: row.event_id, type: row.type, at: row.at, data: row.data}),
        })),
      )
    },
    async finish(deliveryId, outcome) {
      await db.query(
        `UPDATE webhook_deliveries SET state = $1, attempts = $2, next_attempt_at = $3, last_status = $4, last_error = $5,
           delivered_at = CASE WHEN $1 = 'delivered' THEN now() ELSE delivered_at END, lease_until = NULL
         WHERE delivery_id = $6`,
        [outcome.state, outcome.attempts, outcome.nextAttemptAt ?? null, outcome.status ?? null, outcome.error ?? null, deliveryId],
      )
    },
    async pendingCount(dueBy) {
      const {rows} = await db.query<{n: string}>(
        `SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'pending' AND ($1::timestamptz IS NULL OR next_attempt_at <= $1)`,
        [dueBy ?? null],
      )
      return Number(rows[0].n)
    },
    async prune(before) {
      return db.transaction(async (client) => {
        const {rows} = await client.query<{seq: string}>(
          `DELETE FROM events WHERE at < $1 AND NOT EXISTS
             (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = events.seq AND d.state = 'pending') RETURNING seq`,
          [before],
        )
        if (rows.length > 0)
          await client.query('DELETE FROM webhook_deliveries WHERE event_seq = ANY ($1::bigint[])', [rows.map((r) => r.seq)])
        return rows.length
      })
    },
  }
}
