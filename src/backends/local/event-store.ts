import {randomBytes} from 'node:crypto'
import type {Database} from 'better-sqlite3'

import {DELIVERY_COLUMNS, type DeliveryRow, type EventRow, toDelivery, toEvent, toWebhook, type WebhookRow} from '../record-rows.js'
import type {EventStore, WebhookSecretVault} from '../types.js'
import {discardSecrets, noSuchWebhook, plaintextSecretMove, rotateSealed, withRowSecret} from '../webhook-secret-move.js'

/**
 * Events and webhook deliveries in the workspace database. File events come from the triggers of
 * migrations.ts; claiming takes a lease in one IMMEDIATE transaction, so two processes sending at
 * once never take the same delivery. Signing secrets are sealed by `vault` and kept out of the
 * database (webhook-secret-vault.ts).
 */
export function createSqliteEventStore(db: Database, vault: WebhookSecretVault): EventStore {
  const statements = {
    record: db.prepare<[string, string, string, string], EventRow>(
      'INSERT INTO events (event_id, type, at, data) VALUES (?, ?, ?, ?) RETURNING *',
    ),
    after: db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
    lastSeq: db.prepare<[], {seq: number | null}>('SELECT max(seq) AS seq FROM events'),
    addWebhook: db.prepare<
      unknown[],
      WebhookRow
    >(`INSERT INTO webhooks (webhook_id, url, events, plaintext_secret, secret_ref, allow_private, give_up_seconds, created_at)
       VALUES (?, ?, ?, '', ?, ?, ?, ?) RETURNING *`),
    webhooks: db.prepare<[], WebhookRow>('SELECT * FROM webhooks ORDER BY created_at, webhook_id'),
    anySealed: db.prepare<[], WebhookRow>('SELECT * FROM webhooks WHERE secret_ref IS NOT NULL LIMIT 1'),
    webhook: db.prepare<[string], WebhookRow>('SELECT * FROM webhooks WHERE webhook_id = ?'),
    removeWebhook: db.prepare('DELETE FROM webhooks WHERE webhook_id = ?'),
    rotate: db.prepare<[string, string | null, string | null, string], WebhookRow>(
      'UPDATE webhooks SET secret_ref = ?, previous_secret_ref = ?, previous_until = ? WHERE webhook_id = ? RETURNING *',
    ),
    removePending: db.prepare("DELETE FROM webhook_deliveries WHERE webhook_id = ? AND state = 'pending'"),
    due: db.prepare<[string, string, number], DeliveryRow & {event_seq: number; data: string}>(
      `SELECT ${DELIVERY_COLUMNS}, d.event_seq, e.data FROM webhook_deliveries d JOIN events e ON e.seq = d.event_seq
       WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?)
       ORDER BY d.next_attempt_at, d.event_seq LIMIT ?`,
    ),
    lease: db.prepare('UPDATE webhook_deliveries SET lease_until = ? WHERE delivery_id = ?'),
    finish: db.prepare(`UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ?,
                          delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END, lease_until = NULL
                        WHERE delivery_id = ?`),
    pendingCount: db.prepare<[string], {n: number}>(
      "SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ?",
    ),
    prune: db.prepare(`DELETE FROM events WHERE at < ? AND NOT EXISTS
                         (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = events.seq AND d.state = 'pending')`),
    pruneDeliveries: db.prepare('DELETE FROM webhook_deliveries WHERE event_seq NOT IN (SELECT seq FROM events)'),
    plaintext: db.prepare<[], WebhookRow>("SELECT * FROM webhooks WHERE plaintext_secret <> ''"),
    sealPlaintext: db.prepare("UPDATE webhooks SET secret_ref = ?, plaintext_secret = '' WHERE webhook_id = ? AND plaintext_secret = ?"),
  }
  const movePlaintextSecrets = plaintextSecretMove(
    vault,
    async () => statements.plaintext.all(),
    async (sealed) => {
      // secure_delete zeroes the bytes the plaintext leaves behind in the page; the checkpoint then
      // empties the WAL, which still holds the pages as they were.
      const secureDelete = db.pragma('secure_delete', {simple: true}) as number
      db.pragma('secure_delete = ON')
      try {
        db.transaction(() => {
          for (const s of sealed) statements.sealPlaintext.run(s.ref, s.webhookId, s.plaintext)
        }).immediate()
      } finally {
        db.pragma(`secure_delete = ${secureDelete}`)
      }
      db.pragma('wal_checkpoint(TRUNCATE)')
    },
  )
  const withSecret = (row: WebhookRow) => withRowSecret(vault, row)

  return {
    async record(type, data) {
      const id = `evt_${randomBytes(12).toString('hex')}`
      return toEvent(statements.record.get(id, type, new Date().toISOString(), JSON.stringify(data))!)
    },
    async after(seq, limit) {
      return statements.after.all(seq, limit).map(toEvent)
    },
    async lastSeq() {
      return statements.lastSeq.get()?.seq ?? 0
    },
    async addWebhook(webhook) {
      // Secrets already sealed must still open: a lost or unreadable key file is told now, naming
      // it, rather than by every delivery of the other webhooks later (and not hidden by a new key).
      const sealed = statements.anySealed.get()
      if (sealed) await vault.open(sealed.webhook_id, sealed.secret_ref!)
      const webhookId = `whk_${randomBytes(8).toString('hex')}`
      const row = statements.addWebhook.get(
        webhookId,
        webhook.url,
        JSON.stringify(webhook.events),
        await vault.seal(webhookId, webhook.secret),
        webhook.allowPrivate ? 1 : 0,
        webhook.giveUpAfterSeconds,
        new Date().toISOString(),
      )
      return toWebhook(row!)
    },
    async listWebhooks() {
      return statements.webhooks.all().map(toWebhook)
    },
    async getWebhook(webhookId) {
      await movePlaintextSecrets()
      const row = statements.webhook.get(webhookId)
      return row ? withSecret(row) : undefined
    },
    async removeWebhook(webhookId) {
      // Moved first, so that the deleted row leaves no plaintext behind in the file either.
      await movePlaintextSecrets()
      const removed = db.transaction(() => {
        const row = statements.webhook.get(webhookId)
        if (!row) throw noSuchWebhook(webhookId)
        statements.removePending.run(webhookId)
        statements.removeWebhook.run(webhookId)
        return row
      })()
      await discardSecrets(vault, removed, [removed.secret_ref, removed.previous_secret_ref])
      return toWebhook(removed)
    },
    async rotateWebhookSecret(webhookId, secret, graceMs) {
      await movePlaintextSecrets()
      return rotateSealed(vault, webhookId, secret, graceMs, async (change) =>
        db
          .transaction(() => {
            const before = statements.webhook.get(webhookId)
            if (!before) throw noSuchWebhook(webhookId)
            return {before, after: statements.rotate.get(...change(before), webhookId)!}
          })
          .immediate(),
      )
    },
    async deliveries(filter) {
      const where = [filter.state ? 'd.state = ?' : '', filter.webhookId ? 'd.webhook_id = ?' : ''].filter(Boolean)
      const values = [filter.state, filter.webhookId].filter((v) => v !== undefined)
      const rows = db
        .prepare<unknown[], DeliveryRow>(
          `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN events e ON e.seq = d.event_seq
           ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.event_seq DESC, d.delivery_id LIMIT ?`,
        )
        .all(...values, filter.limit)
      return rows.map(toDelivery)
    },
    async claimDue(now, limit, leaseMs) {
      await movePlaintextSecrets()
      const at = now.toISOString()
      const claimed = db
        .transaction(() => {
          const rows = statements.due.all(at, at, limit)
          const leaseUntil = new Date(now.getTime() + leaseMs).toISOString()
          const webhooks = new Map<string, WebhookRow | undefined>()
          return rows.flatMap((row) => {
            if (!webhooks.has(row.webhook_id)) webhooks.set(row.webhook_id, statements.webhook.get(row.webhook_id))
            const webhook = webhooks.get(row.webhook_id)
            if (!webhook) return []
            statements.lease.run(leaseUntil, row.delivery_id)
            return [{row, webhook}]
          })
        })
        .immediate()
      return Promise.all(
        claimed.map(async ({row, webhook}) => ({
          ...toDelivery(row),
          webhook: await withSecret(webhook),
          event: toEvent({seq: row.event_seq, event_id: row.event_id, type: row.type, at: row.at, data: row.data}),
        })),
      )
    },
    async finish(deliveryId, outcome) {
      const now = new Date().toISOString()
      statements.finish.run(
        outcome.state,
        outcome.attempts,
        outcome.nextAttemptAt ?? null,
        outcome.status ?? null,
        outcome.error ?? null,
        outcome.state,
        now,
        deliveryId,
      )
    },
    async pendingCount(dueBy) {
      // ISO times sort as text: '9' is after every one of them.
      return statements.pendingCount.get(dueBy?.toISOString() ?? '9')?.n ?? 0
    },
    async prune(before) {
      return db.transaction(() => {
        const {changes} = statements.prune.run(before.toISOString())
        if (changes > 0) statements.pruneDeliveries.run()
        return changes
      })()
    },
  }
}
