import {Args} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import {LabmeshError} from '../../errors.js'
import {eventStoreOf, testWebhook} from '../../webhooks/manage.js'
import type {SendResult} from '../../webhooks/send.js'

export default class WebhooksTest extends LabmeshCommand<typeof WebhooksTest> {
  static override summary = 'Send a signed webhook.test event to a webhook now, and show the answer.'
  static override examples = ['<%= config.bin %> <%= command.id %> whk_3f2a9c1e']
  static override args = {
    id: Args.string({description: 'The webhook id (or a unique prefix of at least 4 characters).', required: true}),
  }

  public async run(): Promise<SendResult & {deliveryId: string; webhookId: string}> {
    const result = await testWebhook(eventStoreOf(await this.backend()), this.args.id)
    if (!result.ok) {
      throw new LabmeshError('BACKEND', `webhook ${result.webhookId}: ${result.error}`, {
        subject: result.webhookId,
        suggestions: ['check the URL and that the receiver answers 2xx to a POST'],
      })
    }
    if (!this.jsonEnabled()) this.log(`Delivered ${result.deliveryId} to webhook ${result.webhookId}: HTTP ${result.status}.`)
    return result
  }
}
