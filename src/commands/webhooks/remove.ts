import {Args} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {Webhook} from '../../backends/types.js'
import {eventStoreOf, findWebhook} from '../../webhooks/manage.js'

export default class WebhooksRemove extends LabmeshCommand<typeof WebhooksRemove> {
  static override summary = 'Remove a webhook; its pending deliveries are dropped.'
  static override examples = ['<%= config.bin %> <%= command.id %> whk_3f2a9c1e']
  static override args = {
    id: Args.string({description: 'The webhook id (or a unique prefix of at least 4 characters).', required: true}),
  }

  public async run(): Promise<Webhook> {
    const events = eventStoreOf(await this.backend())
    const removed = await events.removeWebhook((await findWebhook(events, this.args.id)).webhookId)
    if (!this.jsonEnabled()) this.log(`Webhook ${removed.webhookId} (${removed.url}) removed.`)
    return removed
  }
}
