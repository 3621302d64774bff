import {LabmeshCommand} from '../../base-command.js'
import type {Webhook} from '../../backends/types.js'
import {eventStoreOf} from '../../webhooks/manage.js'
import {renderWebhooks} from '../../webhooks/render.js'

export default class WebhooksList extends LabmeshCommand<typeof WebhooksList> {
  static override summary = 'List the webhooks (never their secrets).'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  public async run(): Promise<{webhooks: Webhook[]}> {
    const webhooks = await eventStoreOf(await this.backend()).listWebhooks()
    if (!this.jsonEnabled()) this.log(renderWebhooks(webhooks))
    return {webhooks}
  }
}
