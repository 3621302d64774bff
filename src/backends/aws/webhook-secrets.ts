import {randomBytes} from 'node:crypto'

import type {WebhookSecretVault} from '../types.js'
import type {SharedClientConfig} from './client-config.js'
import {awsCall, awsError, awsErrorName} from './errors.js'

export interface SecretsManagerVaultOptions {
  config: SharedClientConfig
  /** The lake's bucket: secret names are `labmesh/<bucket>/webhooks/<webhook id>`, one folder per lake. */
  bucket: string
  /** The profile's KMS key: the secrets are encrypted with it, like the lake's objects. */
  kmsKeyId: string
}

/** Where a webhook's secret is kept; the IAM policy grants the profile this name pattern only. */
export function webhookSecretName(bucket: string, webhookId: string): string {
  return `labmesh/${bucket}/webhooks/${webhookId}`
}

/**
 * Webhook signing secrets in AWS Secrets Manager: the PostgreSQL row keeps only the secret's ARN.
 * A process opens each secret once (the server signs many deliveries per webhook); the client
 * and the SDK are loaded on first use only.
 */
export function createSecretsManagerVault(options: SecretsManagerVaultOptions): WebhookSecretVault & {destroy(): void} {
  let client: Promise<SecretsManagerFacade> | undefined
  const facade = () => (client ??= SecretsManagerFacade.create(options.config))
  const opened = new Map<string, string>()
  return {
    async seal(webhookId, secret, {rotation = false} = {}) {
      // A rotated secret gets a name of its own beside the current one, which signs until its grace period ends.
      const name = webhookSecretName(options.bucket, rotation ? `${webhookId}/${randomBytes(6).toString('hex')}` : webhookId)
      const arn = await (await facade()).create(name, secret, options.kmsKeyId, webhookId)
      opened.set(arn, secret)
      return arn
    },
    async open(_webhookId, arn) {
      const known = opened.get(arn)
      if (known !== undefined) return known
      const secret = await (await facade()).read(arn)
      opened.set(arn, secret)
      return secret
    },
    async discard(_webhookId, arn) {
      opened.delete(arn)
      await (await facade()).remove(arn)
    },
    destroy() {
      void client?.then((made) => made.destroy())
    },
  }
}

/** The Secrets Manager calls webhooks make, with their errors mapped (errors.ts). */
class SecretsManagerFacade {
  private constructor(
    private readonly sdk: typeof import('@aws-sdk/client-secrets-manager'),
    private readonly client: import('@aws-sdk/client-secrets-manager').SecretsManagerClient,
  ) {}

  static async create(config: SharedClientConfig): Promise<SecretsManagerFacade> {
    const sdk = await import('@aws-sdk/client-secrets-manager')
    return new SecretsManagerFacade(sdk, new sdk.SecretsManagerClient(config))
  }

  /**
   * Creates the secret and returns its ARN. A name already taken is a secret this webhook's earlier,
   * interrupted attempt made (names carry the webhook's random id): it gets this value instead.
   */
  async create(name: string, secret: string, kmsKeyId: string, webhookId: string): Promise<string> {
    try {
      const created = await this.client.send(
        new this.sdk.CreateSecretCommand({
          Name: name,
          SecretString: secret,
          KmsKeyId: kmsKeyId,
          Description: `labmesh: signing secret of webhook ${webhookId}`,
          Tags: [{Key: 'labmesh:webhook', Value: webhookId}],
        }),
      )
      return created.ARN!
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceExistsException') {
        throw awsError(error, {action: 'secretsmanager:CreateSecret', resource: name})
      }
    }
    const put = await awsCall({action: 'secretsmanager:PutSecretValue', resource: name}, () =>
      this.client.send(new this.sdk.PutSecretValueCommand({SecretId: name, SecretString: secret})),
    )
    return put.ARN!
  }

  destroy(): void {
    this.client.destroy()
  }

  async read(arn: string): Promise<string> {
    const output = await awsCall({action: 'secretsmanager:GetSecretValue', resource: arn}, () =>
      this.client.send(new this.sdk.GetSecretValueCommand({SecretId: arn})),
    )
    return output.SecretString ?? ''
  }

  /** Deleted after Secrets Manager's shortest recovery window (7 days): a mistaken removal can be undone there. */
  async remove(arn: string): Promise<void> {
    try {
      await this.client.send(new this.sdk.DeleteSecretCommand({SecretId: arn, RecoveryWindowInDays: 7}))
    } catch (error) {
      // Already gone (or already scheduled): what removing wanted.
      if (awsErrorName(error) === 'ResourceNotFoundException') return
      throw awsError(error, {action: 'secretsmanager:DeleteSecret', resource: arn})
    }
  }
}
