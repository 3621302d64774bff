import {LabmeshError} from '../errors.js'
import {rotating, toWebhook, type WebhookRow} from './record-rows.js'
import type {SigningWebhook, Webhook, WebhookSecretVault} from './types.js'

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

/** A webhook row with its signing secrets (after the move, every row has its reference). */
export async function withRowSecret(vault: WebhookSecretVault, row: WebhookRow): Promise<SigningWebhook> {
  const secret = row.secret_ref ? await vault.open(row.webhook_id, row.secret_ref) : row.plaintext_secret
  if (!rotating(row)) return {...toWebhook(row), secret}
  return {...toWebhook(row), secret, previousSecret: await vault.open(row.webhook_id, row.previous_secret_ref!)}
}

export function noSuchWebhook(webhookId: string): LabmeshError {
  return new LabmeshError('NOT_FOUND', `no webhook ${webhookId}`, {
    subject: webhookId,
    suggestions: ['see them with `labmesh webhooks list`'],
  })
}

/** Forgets a webhook's secrets that no row references any more (after the commit that dropped them). */
export async function discardSecrets(
  vault: WebhookSecretVault,
  row: Pick<WebhookRow, 'webhook_id'>,
  refs: Array<string | null>,
): Promise<void> {
  for (const ref of refs) if (ref) await vault.discard(row.webhook_id, ref)
}

/** What a rotation writes: the new secret's reference, the previous one's (null without a grace period), and its end. */
type RotationChange = [ref: string, previous: string | null, until: string | null]

/**
 * `webhooks rotate` on either store: the new secret is sealed first (a crash before the row's
 * update leaves an unused secret, never a webhook that cannot sign); `update` swaps it in within
 * one transaction; then the secrets the row no longer names are forgotten: an earlier rotation's
 * previous secret, or the current one when there is no grace period.
 */
export async function rotateSealed(
  vault: WebhookSecretVault,
  webhookId: string,
  secret: string,
  graceMs: number,
  update: (change: (before: WebhookRow) => RotationChange) => Promise<{before: WebhookRow; after: WebhookRow}>,
): Promise<Webhook> {
  const ref = await vault.seal(webhookId, secret, {rotation: true})
  const keep = graceMs > 0
  let rotated: {before: WebhookRow; after: WebhookRow}
  try {
    rotated = await update((before) => [ref, keep ? before.secret_ref : null, keep ? new Date(Date.now() + graceMs).toISOString() : null])
  } catch (error) {
    await vault.discard(webhookId, ref)
    throw error
  }
  const {before, after} = rotated
  await discardSecrets(vault, before, [before.previous_secret_ref, keep ? null : before.secret_ref])
  return toWebhook(after)
}
