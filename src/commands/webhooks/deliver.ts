import {LabmeshCommand} from '../../base-command.js'
import {durationFlag} from '../../flags/duration.js'
import {type DeliverSummary, deliverDue} from '../../webhooks/deliver.js'
import {eventStoreOf} from '../../webhooks/manage.js'

export default class WebhooksDeliver extends LabmeshCommand<typeof WebhooksDeliver> {
  static override summary = 'Send the webhook deliveries that are due now (those whose retry time has come).'
  static override description = `Commands that record events (ingest, convert) already try to deliver them before they exit, and serve
delivers in the background; this sends what is still pending, e.g. from cron.`
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --max-time 5m --json']
  static override flags = {
    'max-time': durationFlag({description: 'Stop after this long.', default: 60_000}),
    timeout: durationFlag({description: 'How long to wait for each receiver.', default: 10_000}),
  }

  public async run(): Promise<DeliverSummary & {pending: number}> {
    const events = eventStoreOf(await this.backend())
    const summary = await deliverDue(events, {budgetMs: this.flags['max-time'], timeoutMs: this.flags.timeout})
    const pending = await events.pendingCount()
    if (!this.jsonEnabled()) {
      this.log(`${summary.delivered} delivered, ${summary.retrying} to retry later, ${summary.failed} given up; ${pending} pending.`)
    }
    return {...summary, pending}
  }
}
