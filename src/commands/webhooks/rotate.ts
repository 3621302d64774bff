import {Args} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Webhook} from '../../backends/types.js'
import {durationFlag} from '../../flags/duration.js'
import {eventStoreOf, rotateWebhook} from '../../webhooks/manage.js'

export default class WebhooksRotate extends LabmeshCommand<typeof WebhooksRotate> {
  static override summary = 'Give a webhook a new signing secret, shown once; the old one keeps signing for a grace period.'
  static override description = `During the grace period (default 24h) each delivery's Labmesh-Signature carries two v1= signatures, one by
the new secret and one by the old, so the receiver keeps accepting deliveries while it switches to the new secret.
After it, only the new secret signs. Rotating again within a grace period drops the oldest secret at once.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> whk_3f2a9c1e',
    '<%= config.bin %> <%= command.id %> whk_3f2a9c1e --grace 1h --json',
  ]
  static override args = {
    id: Args.string({description: 'The webhook id (or a unique prefix of at least 4 characters).', required: true}),
  }
  static override flags = {
    grace: durationFlag({
      description: 'How long the old secret keeps signing beside the new one (0s: not at all).',
      default: 24 * 3600 * 1000,
    }),
  }

  public async run(): Promise<{webhook: Webhook; secret: string}> {
    const rotated = await rotateWebhook(eventStoreOf(await this.backend()), this.args.id, this.flags.grace)
    if (!this.jsonEnabled()) {
      const until = rotated.webhook.previousSecretUntil
      this.log(
        [
          `Webhook ${rotated.webhook.webhookId} has a new signing secret, shown this once:`,
          '',
          `  ${rotated.secret}`,
          '',
          until ? `The old secret signs deliveries beside it until ${until}.` : 'The old secret no longer signs.',
        ].join('\n'),
      )
    }
    return rotated
  }
}
