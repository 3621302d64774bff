import {LabmeshCommand} from '../../base-command.js'
import type {Webhook} from '../../backends/types.js'
import {wideFlag} from '../../flags/wide.js'
import {eventStoreOf} from '../../webhooks/manage.js'
import {renderWebhooks} from '../../webhooks/render.js'

export default class WebhooksList extends LabmeshCommand<typeof WebhooksList> {
  static override summary = 'List the webhooks (never their secrets).'
  static override description = 'A table on a terminal, tab-separated rows with a header down a pipe.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {...wideFlag}

  public async run(): Promise<{webhooks: Webhook[]}> {
    const webhooks = await eventStoreOf(await this.backend()).listWebhooks()
    if (!this.jsonEnabled())
      this.printListing(
        webhooks.length,
        () => renderWebhooks(webhooks, this.layout),
        'No webhooks. Add one with `labmesh webhooks add https://... --events file.ingested`.',
      )
    return {webhooks}
  }
}
