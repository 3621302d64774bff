import {toWebhook, type WebhookRow} from './record-rows.js'
import type {Webhook, WebhookSecretVault} from './types.js'

/** A webhook whose plaintext secret was sealed: the row's update sets `ref` where the plaintext still is `plaintext`. */
export interface SealedWebhookSecret {
  webhookId: string
  ref: string
  plaintext: string
}

/**
 * The data step of the migration that took webhook secrets out of the database: each row added
 * before it still holds its plaintext; seal each one in the vault, then `store` writes the
 * references and empties the plaintext (only where it is unchanged, so two processes moving at once
 * both end well). Runs once per store, on first use; a crash in between leaves rows to the next run.
 */
export function plaintextSecretMove(
  vault: WebhookSecretVault,
  pending: () => Promise<Array<Pick<WebhookRow, 'webhook_id' | 'plaintext_secret'>>>,
  store: (sealed: SealedWebhookSecret[]) => Promise<void>,
): () => Promise<void> {
  let moved: Promise<void> | undefined
  return () =>
    (moved ??= (async () => {
      const sealed: SealedWebhookSecret[] = []
      for (const row of await pending()) {
        sealed.push({
          webhookId: row.webhook_id,
          ref: await vault.seal(row.webhook_id, row.plaintext_secret),
          plaintext: row.plaintext_secret,
        })
      }
      if (sealed.length > 0) await store(sealed)
    })().catch((error: unknown) => {
      moved = undefined
      throw error
    }))
}

/** A webhook row with its signing secret (after the move, every row has its reference). */
export async function withRowSecret(vault: WebhookSecretVault, row: WebhookRow): Promise<Webhook & {secret: string}> {
  return {...toWebhook(row), secret: row.secret_ref ? await vault.open(row.webhook_id, row.secret_ref) : row.plaintext_secret}
}
