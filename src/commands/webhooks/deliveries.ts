import {Flags} from '@oclif/core'

import {LabmeshCommand} from '../../base-command.js'
import type {WebhookDelivery} from '../../backends/types.js'
import {wideFlag} from '../../flags/wide.js'
import {eventStoreOf, findWebhook} from '../../webhooks/manage.js'
import {renderDeliveries} from '../../webhooks/render.js'

export default class WebhooksDeliveries extends LabmeshCommand<typeof WebhooksDeliveries> {
  static override summary = 'List webhook deliveries, newest first: pending, delivered and failed.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --failed --json']
  static override flags = {
    failed: Flags.boolean({description: 'Only deliveries given up on.', exclusive: ['pending']}),
    pending: Flags.boolean({description: 'Only deliveries still to be sent.'}),
    webhook: Flags.string({description: "Only this webhook's deliveries (id or prefix)."}),
    limit: Flags.integer({description: 'How many, newest first (default 50).', default: 50, min: 1}),
    ...wideFlag,
  }

  public async run(): Promise<{deliveries: WebhookDelivery[]}> {
    const events = eventStoreOf(await this.backend())
    const webhookId = this.flags.webhook ? (await findWebhook(events, this.flags.webhook)).webhookId : undefined
    const state = this.flags.failed ? 'failed' : this.flags.pending ? 'pending' : undefined
    const deliveries = await events.deliveries({state, webhookId, limit: this.flags.limit})
    if (!this.jsonEnabled()) this.printListing(deliveries.length, () => renderDeliveries(deliveries, this.layout), 'No deliveries.')
    return {deliveries}
  }
}
